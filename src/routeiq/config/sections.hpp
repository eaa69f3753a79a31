#pragma once
// Internal to the loader: one parser per config section. Each throws
// detail::LoadError naming the file, line and key path of the bad value.
#include <optional>
#include <string>
#include <vector>

#include "routeiq/config/config.hpp"
#include "routeiq/config/yaml_reader.hpp"

namespace routeiq::config::detail {

// A key of a top-level section with the file it was read from: sections are
// merged across include files key by key.
struct SourcedEntry {
  Entry entry;
  At at;  // path and line of this key in its file
};
using Section = std::vector<SourcedEntry>;

struct ParsedDeployment {
  Deployment deployment;
  At at;                     // the model_list entry
  At id_at;                  // model_info.id when given
  bool explicit_id = false;  // model_info.id was given
};

ParsedDeployment parse_deployment(const YAML::Node& item, const At& at, Warnings& warnings);

void parse_router_settings(const Section& section, RouterSettings& out, Warnings& warnings);
void parse_general_settings(const Section& section, GeneralSettings& out, Warnings& warnings);

// LiteLLM also reads fallbacks from litellm_settings; the Router uses them
// when router_settings gives none.
struct LitellmFallbacks {
  std::optional<std::vector<Fallback>> fallbacks;
  std::optional<std::vector<Fallback>> context_window_fallbacks;
  std::optional<std::vector<std::string>> default_fallbacks;
};
void parse_litellm_settings(const Section& section, LitellmSettings& out,
                            LitellmFallbacks& fallbacks, Warnings& warnings);

// LiteLLM keys RouteIQ reads but does not act on yet: kept in `extra` and
// reported, never silently misread.
void warn_not_supported(Warnings& warnings, const At& at);
void warn_unknown(Warnings& warnings, const At& at);

}  // namespace routeiq::config::detail
