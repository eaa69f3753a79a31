#pragma once
// Internal to the loader: one parser per config section, each driven by a
// table of the section's keys. Each throws detail::LoadError naming the file,
// line and key path of the bad value.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "routeiq/config/config.hpp"
#include "routeiq/config/key_tables.hpp"
#include "routeiq/config/yaml_reader.hpp"

namespace routeiq::config::detail {

// One key of a section: adding a key is adding a row. A row RouteIQ acts on
// (support yes) has the setter that reads the value into the section's
// Target; not_yet and harmless rows have none, since their values are only
// kept in the section's `extra`.
template <class Target>
struct KeyRow {
  std::string_view key;
  Support support;
  std::string_view doc;
  void (*set)(Target&, const Entry&, const At&, Warnings&) = nullptr;
};

// For static_assert: a key listed twice would leave one of its rows unused.
template <class Row, size_t N>
constexpr bool keys_unique(const Row (&rows)[N]) {
  for (size_t i = 0; i < N; ++i)
    for (size_t j = i + 1; j < N; ++j)
      if (rows[i].key == rows[j].key) return false;
  return true;
}

// For static_assert: unique keys, and a setter exactly where a key is acted on.
template <class Target, size_t N>
constexpr bool well_formed(const KeyRow<Target> (&rows)[N]) {
  for (const auto& row : rows)
    if ((row.support == Support::yes) != (row.set != nullptr)) return false;
  return keys_unique(rows);
}

// The row of `key`, or null. Tables are short and read once per load.
template <class Row, size_t N>
const Row* find_key(const Row (&rows)[N], std::string_view key) {
  for (const Row& row : rows)
    if (row.key == key) return &row;
  return nullptr;
}

template <class Target, size_t N>
std::vector<KeyDoc> describe(const KeyRow<Target> (&rows)[N]) {
  std::vector<KeyDoc> docs;
  for (const auto& row : rows) docs.push_back({row.key, row.support, row.doc});
  return docs;
}

// Each table as documentation, for key_tables().
std::vector<KeyDoc> top_level_keys();
std::vector<KeyDoc> model_entry_keys();
std::vector<KeyDoc> litellm_params_keys();
std::vector<KeyDoc> model_info_keys();
std::vector<KeyDoc> router_settings_keys();
std::vector<KeyDoc> general_settings_keys();
std::vector<KeyDoc> litellm_settings_keys();

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
struct LitellmSection {
  LitellmSettings settings;
  LitellmFallbacks router_fallbacks;
};
void parse_litellm_settings(const Section& section, LitellmSection& out, Warnings& warnings);

// LiteLLM keys RouteIQ reads but does not act on yet: kept in `extra` and
// reported, never silently misread.
void warn_not_supported(Warnings& warnings, const At& at);
void warn_unknown(Warnings& warnings, const At& at);
// Reports a key kept but not read: `support` is its row's, or none for a key
// no table lists.
void report_unread(std::optional<Support> support, const At& at, Warnings& warnings);

}  // namespace routeiq::config::detail
