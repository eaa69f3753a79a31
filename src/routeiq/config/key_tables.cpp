#include "routeiq/config/key_tables.hpp"

#include "routeiq/config/sections.hpp"

namespace routeiq::config {

std::vector<SectionKeys> key_tables() {
  return {
      {"top level", detail::top_level_keys()},
      {"model_list[]", detail::model_entry_keys()},
      {"model_list[].litellm_params", detail::litellm_params_keys()},
      {"model_list[].model_info", detail::model_info_keys()},
      {"router_settings", detail::router_settings_keys()},
      {"general_settings", detail::general_settings_keys()},
      {"litellm_settings", detail::litellm_settings_keys()},
  };
}

}  // namespace routeiq::config
