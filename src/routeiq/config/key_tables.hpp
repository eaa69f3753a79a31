#pragma once
// Every key the loader knows, section by section, as its tables list them.
// One table per section is the single place a key is added; these
// descriptions let docs/config-reference.md be checked against the tables.
#include <string_view>
#include <vector>

namespace routeiq::config {

enum class Support {
  yes,       // read and acted on
  not_yet,   // a LiteLLM key RouteIQ does not act on yet: kept in `extra`, with a warning
  harmless,  // a LiteLLM key with no effect on a gateway: kept in `extra`, silently
};

struct KeyDoc {
  std::string_view key;
  Support support;
  std::string_view doc;  // one line: what the key means
};

struct SectionKeys {
  // Where the keys sit in config.yaml: "top level", "model_list[]",
  // "model_list[].litellm_params", "model_list[].model_info", "router_settings", ...
  std::string_view section;
  std::vector<KeyDoc> keys;
};

// The tables in the order docs/config-reference.md describes them.
std::vector<SectionKeys> key_tables();

}  // namespace routeiq::config
