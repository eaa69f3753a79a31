#pragma once
// LiteLLM's own keys: the gateway reads them, a provider never sees them.
// One table for both places they appear: request bodies (per-request
// controls such as `timeout` or `fallbacks`) and a deployment's
// `litellm_params` (routing, budget, credential and pricing settings). Any
// other key passes through to the provider.
#include <string_view>

namespace routeiq::config {

// A key of a client's request body that configures the gateway.
bool is_litellm_request_key(std::string_view key);
// A `litellm_params` key that configures the gateway, not the provider call.
bool is_litellm_deployment_key(std::string_view key);

}  // namespace routeiq::config
