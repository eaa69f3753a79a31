#pragma once
// A model_list entry given as JSON ({model_name, litellm_params, model_info}:
// a deployment added through /model/new and kept in the database), read by
// the same rules as an entry of the file.
#include <boost/json/object.hpp>
#include <string>
#include <vector>

#include "routeiq/config/config.hpp"

namespace routeiq::config {

// Messages name the key path without file and line. Warnings (an unknown key
// or provider, an unset variable) are returned, for the caller to refuse or
// log.
struct JsonDeployment {
  Deployment deployment;
  std::vector<std::string> warnings;
};
Result<JsonDeployment> load_deployment_json(const boost::json::object& entry);

}  // namespace routeiq::config
