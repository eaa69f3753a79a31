#pragma once
// LiteLLM's own keys: the gateway reads them, a provider never sees them.
// One table for both places they appear: request bodies (per-request
// controls such as `timeout` or `fallbacks`) and a deployment's
// `litellm_params` (routing, budget, credential and pricing settings). Any
// other key passes through to the provider.
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <string>
#include <string_view>

namespace routeiq::config {

// A key of a client's request body that configures the gateway.
bool is_litellm_request_key(std::string_view key);
// A `litellm_params` key that configures the gateway, not the provider call.
bool is_litellm_deployment_key(std::string_view key);

// LiteLLM's testing keys. `mock_response` is a string (the answer, or an
// error name such as "litellm.RateLimitError"), an error object
// {status: 400-599, message?, retry_after?} or a non-empty list of numbers
// (an embedding). Empty when `v` is one of these, else what is wrong with it.
std::string mock_response_problem(const boost::json::value& v);
// True when litellm_params make every call a mock (mock_response, or
// mock_timeout: true): such a deployment needs no key and no api_base.
bool mocks_every_call(const boost::json::object& litellm_params);

}  // namespace routeiq::config
