// LiteLLM config.yaml -> Config. Files are read into layers (includes first,
// the including file last so it wins), merged section by section, then each
// section is parsed with the file and line of every key kept for messages.
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <list>
#include <span>
#include <sstream>

#include "routeiq/config/config.hpp"
#include "routeiq/config/sections.hpp"
#include "routeiq/core/env.hpp"

namespace routeiq::config {
namespace {

using namespace detail;
namespace fs = std::filesystem;

using enum Support;

// Top-level keys. The ones RouteIQ reads are read by the loader's own passes
// (model_list and include while the files are read, the others merged key by
// key across files), so these rows need no setter; any other key is kept in
// Config::extra.
constexpr KeyDoc kTopLevelKeys[] = {
    {"model_list", yes, "the deployments"},
    {"router_settings", yes, "routing, retries, fallbacks, aliases"},
    {"general_settings", yes, "gateway settings"},
    {"litellm_settings", yes, "LiteLLM library settings"},
    {"environment_variables", yes, "variables set before any os.environ/ is resolved"},
    {"include", yes, "other config files, merged into this one"},
    {"mcp_servers", not_yet, "MCP servers the gateway serves tools from"},
    {"guardrails", not_yet, "checks run on requests and answers"},
    {"credential_list", not_yet, "named credentials that litellm_credential_name refers to"},
    {"prompts", not_yet, "managed prompt templates"},
    {"vector_store_registry", not_yet, "vector stores for retrieval"},
    {"files_settings", not_yet, "providers of the files API"},
    {"finetune_settings", not_yet, "providers of the fine-tuning API"},
    {"assistant_settings", not_yet, "provider of the Assistants API"},
    {"search_tools", not_yet, "search tools of the search API"},
    {"callback_settings", not_yet, "settings per logging integration"},
    {"model_group_settings", not_yet, "settings per model group"},
    {"pass_through_endpoints", not_yet, "custom routes relayed to other services"},
};
static_assert(keys_unique(kTopLevelKeys));

constexpr std::string_view kMergedSections[] = {"router_settings", "general_settings",
                                                "litellm_settings", "environment_variables"};

bool listed(std::span<const std::string_view> list, std::string_view key) {
  return std::find(list.begin(), list.end(), key) != list.end();
}

struct ModelItem {
  YAML::Node node;
  At at;
};

struct Layer {
  const std::string* file;
  std::vector<Entry> entries;
};

struct Loading {
  std::list<std::string> files;         // stable storage: every At points into it
  std::vector<std::string> open_files;  // being read, to detect include cycles
  std::vector<ModelItem> models;        // the including file's entries, then its includes'
  std::vector<Layer> layers;            // lowest precedence first
  Warnings warnings;
};

YAML::Node parse_yaml(const std::string& text, const std::string& file) {
  try {
    return YAML::Load(text);
  } catch (const YAML::ParserException& e) {
    throw LoadError(file + ":" + std::to_string(e.mark.line + 1) + ": invalid YAML: " + e.msg);
  }
}

std::optional<std::string> read_text(const fs::path& path, std::string& problem) {
  return read_whole_file(path.string(), problem);
}

std::string cycle_key(const std::string& display) {
  std::error_code ec;
  auto canonical = fs::weakly_canonical(display, ec);
  return ec ? display : canonical.string();
}

void read_tree(const std::string& text, const std::string& display, Loading& loading);

void read_include(const std::string& name, const At& at, const std::string& including,
                  Loading& loading) {
  fs::path path = name;
  if (path.is_relative()) path = fs::path(including).parent_path() / path;
  std::string display = path.lexically_normal().string();
  std::string key = cycle_key(display);
  auto& open = loading.open_files;
  if (std::find(open.begin(), open.end(), key) != open.end())
    fail(at, "include cycle: \"" + display + "\" is already being read");
  std::string problem;
  auto text = read_text(path, problem);
  if (!text) fail(at, "cannot read \"" + display + "\": " + problem);
  read_tree(*text, display, loading);
}

void collect_models(const Entry& e, const At& at, Loading& loading) {
  if (e.value.IsNull()) return;
  expect_list(e.value, at);
  for (size_t i = 0; i < e.value.size(); ++i) {
    const YAML::Node item = e.value[i];
    At item_at = at.index(i, line_of(item, at.line));
    expect_map(item, item_at);
    loading.models.push_back({item, item_at});
  }
}

void read_tree(const std::string& text, const std::string& display, Loading& loading) {
  loading.files.push_back(display);
  const std::string* file = &loading.files.back();
  At root_at{file, 1, ""};
  YAML::Node root = parse_yaml(text, display);
  if (!root.IsDefined() || root.IsNull()) return;  // an empty file is an empty config
  check_document_size(root, root_at);              // every later walk is bounded by this one
  if (!root.IsMap()) fail(root_at, "expected a map of sections (model_list, router_settings, ...)");
  loading.open_files.push_back(cycle_key(display));
  auto entries = map_entries(root, root_at, loading.warnings);
  for (const auto& e : entries)
    if (e.key == "model_list") collect_models(e, root_at.key(e.key, e.line), loading);
  for (const auto& e : entries) {
    if (e.key != "include" || e.value.IsNull()) continue;
    At at = root_at.key(e.key, e.line);
    auto names = read_string_list(e.value, at);
    for (size_t i = 0; i < names.size(); ++i)
      read_include(names[i], e.value.IsSequence() ? at.index(i, line_of(e.value[i], e.line)) : at,
                   display, loading);
  }
  loading.open_files.pop_back();
  loading.layers.push_back({file, std::move(entries)});
}

void upsert(Section& section, SourcedEntry entry) {
  auto same = std::find_if(section.begin(), section.end(),
                           [&](const SourcedEntry& s) { return s.entry.key == entry.entry.key; });
  if (same == section.end())
    section.push_back(std::move(entry));
  else
    *same = std::move(entry);
}

struct Merged {
  std::map<std::string, Section> sections;  // the four mapping sections, key by key
  Section others;                           // other top-level keys
};

Merged merge_layers(Loading& loading) {
  Merged merged;
  for (const auto& layer : loading.layers) {
    At root_at{layer.file, 1, ""};
    for (const auto& e : layer.entries) {
      At at = root_at.key(e.key, e.line);
      if (e.key == "model_list" || e.key == "include") continue;
      if (!listed(kMergedSections, e.key)) {
        upsert(merged.others, {e, at});
        continue;
      }
      if (e.value.IsNull()) continue;
      for (const auto& sub : map_entries(e.value, at, loading.warnings))
        upsert(merged.sections[e.key], {sub, at.key(sub.key, sub.line)});
    }
  }
  return merged;
}

// LiteLLM copies environment_variables into os.environ before it resolves
// os.environ/ references. Variables already set are kept, so a deployment
// can override a file's defaults without editing it.
void apply_environment(const Section& section, Config& config) {
  for (const auto& s : section) {
    std::string value = s.entry.value.IsNull() ? "" : read_string(s.entry.value, s.at);
    ::setenv(s.entry.key.c_str(), value.c_str(), /*overwrite=*/0);
    config.environment_variables[s.entry.key] = std::move(value);
  }
}

// Explicit ids must be unique. Generated ids of identical entries get a
// suffix in order, so they stay stable across restarts.
void assign_ids(std::vector<ParsedDeployment>& parsed, Warnings& warnings) {
  std::map<std::string, const ParsedDeployment*> seen;
  for (auto& p : parsed) {
    if (!p.explicit_id) continue;
    auto [it, fresh] = seen.emplace(p.deployment.model_info.id, &p);
    if (!fresh)
      fail(p.id_at, "duplicate id \"" + p.deployment.model_info.id + "\" (first used at " +
                        *it->second->id_at.file + ":" + std::to_string(it->second->id_at.line) +
                        ")");
  }
  for (auto& p : parsed) {
    if (p.explicit_id) continue;
    std::string& id = p.deployment.model_info.id;
    std::string base = id;
    for (int n = 2; seen.count(id); ++n) id = base + "-" + std::to_string(n);
    if (id != base)
      warn(warnings, p.at,
           "same model_name and litellm_params as " + seen[base]->at.path +
               " (use litellm_params.weight to favour a deployment); id \"" + id + "\"");
    seen.emplace(id, &p);
  }
}

void parse_models(Loading& loading, Config& config) {
  std::vector<ParsedDeployment> parsed;
  for (const auto& item : loading.models)
    parsed.push_back(parse_deployment(item.node, item.at, loading.warnings));
  assign_ids(parsed, loading.warnings);
  for (auto& p : parsed) config.model_list.push_back(std::move(p.deployment));
}

void apply_litellm_fallbacks(LitellmFallbacks& from, RouterSettings& router) {
  if (router.fallbacks.empty() && from.fallbacks) router.fallbacks = std::move(*from.fallbacks);
  if (router.context_window_fallbacks.empty() && from.context_window_fallbacks)
    router.context_window_fallbacks = std::move(*from.context_window_fallbacks);
  if (router.default_fallbacks.empty() && from.default_fallbacks)
    router.default_fallbacks = std::move(*from.default_fallbacks);
}

void parse_others(const Section& others, Config& config, Warnings& warnings) {
  for (const auto& s : others) {
    config.extra[s.entry.key] = to_json(s.entry.value, s.at, warnings);
    const KeyDoc* row = find_key(kTopLevelKeys, s.entry.key);
    report_unread(row ? std::optional(row->support) : std::nullopt, s.at, warnings);
  }
}

Config load(const std::string& text, const std::string& display) {
  Loading loading;
  read_tree(text, display, loading);
  Merged merged = merge_layers(loading);
  Config config;
  config.source_path = display;
  config.source_files.assign(loading.files.begin(), loading.files.end());
  apply_environment(merged.sections["environment_variables"], config);
  parse_models(loading, config);
  LitellmSection litellm;
  parse_litellm_settings(merged.sections["litellm_settings"], litellm, loading.warnings);
  config.litellm_settings = std::move(litellm.settings);
  parse_router_settings(merged.sections["router_settings"], config.router_settings,
                        loading.warnings);
  apply_litellm_fallbacks(litellm.router_fallbacks, config.router_settings);
  parse_general_settings(merged.sections["general_settings"], config.general_settings,
                         loading.warnings);
  parse_others(merged.others, config, loading.warnings);
  if (config.model_list.empty())
    loading.warnings.push_back(display + ": model_list is empty: no model can be served");
  config.warnings = std::move(loading.warnings);
  return config;
}

Result<Config> load_catching(const std::string& text, const std::string& display) {
  try {
    return load(text, display);
  } catch (const LoadError& e) {
    return make_error(ErrorKind::invalid_request, e.what());
  } catch (const YAML::Exception& e) {
    return make_error(ErrorKind::invalid_request, display + ": invalid YAML: " + e.msg);
  }
}

}  // namespace

Result<Config> load_config_file(const std::string& path) {
  std::string problem;
  auto text = read_text(path, problem);
  if (!text) return make_error(ErrorKind::invalid_request, path + ": cannot read: " + problem);
  return load_catching(*text, path);
}

Result<Config> load_config_string(const std::string& yaml, const std::string& name) {
  return load_catching(yaml, name);
}

std::vector<KeyDoc> detail::top_level_keys() {
  return {std::begin(kTopLevelKeys), std::end(kTopLevelKeys)};
}

}  // namespace routeiq::config
