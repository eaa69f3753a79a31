#pragma once
// Deployment ids that survive restarts and key reordering, so metrics,
// cooldowns and learned routers keep pointing at the same deployment.
#include <boost/json/value.hpp>
#include <string>
#include <string_view>

namespace routeiq::config {

// JSON with object keys sorted at every level and no whitespace.
std::string canonical_json(const boost::json::value& value);

// First 16 bytes of SHA-256 over the model group and the canonical
// litellm_params, as 32 hex digits. Secrets are part of the input (two keys,
// two deployments), and only the digest ever leaves this function.
std::string deployment_id(std::string_view model_name, const boost::json::value& litellm_params);

}  // namespace routeiq::config
