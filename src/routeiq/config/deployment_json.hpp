#pragma once
// Deployments kept in the database (LiteLLM's store_model_in_db): whether the
// config turns them on, and a model_list entry given as JSON ({model_name,
// litellm_params, model_info}: a deployment added through /model/new), read
// by the same rules as an entry of the file.
#include <boost/json/object.hpp>
#include <string>
#include <vector>

#include "routeiq/config/config.hpp"

namespace routeiq::config {

// general_settings.store_model_in_db, checked as a bool by the loader and kept
// in GeneralSettings::extra (only the serve wiring reads it).
bool store_model_in_db(const GeneralSettings& g);

// Messages name the key path without file and line. Warnings (an unknown key
// or provider, an unset variable) are returned, for the caller to refuse or
// log.
struct JsonDeployment {
  Deployment deployment;
  std::vector<std::string> warnings;
};
Result<JsonDeployment> load_deployment_json(const boost::json::object& entry);

}  // namespace routeiq::config
