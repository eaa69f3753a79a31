#include "routeiq/keys/access.hpp"

#include <algorithm>

#include "routeiq/core/json.hpp"
#include "routeiq/core/time.hpp"

namespace routeiq::keys {
namespace json = boost::json;

namespace {

std::vector<std::string> strings_at(const json::object& doc, std::string_view name) {
  std::vector<std::string> out;
  if (const auto* a = arr_at(doc, name))
    for (const auto& v : *a)
      if (v.is_string()) out.emplace_back(v.get_string());
  return out;
}

bool listed(const std::vector<std::string>& list, std::string_view item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

// "openai/*" admits "openai/gpt-4o"; "*" admits everything.
bool wildcard_match(std::string_view pattern, std::string_view name) {
  if (!pattern.ends_with('*')) return false;
  return name.starts_with(pattern.substr(0, pattern.size() - 1));
}

std::string_view group_token(RouteGroup group) {
  switch (group) {
    case RouteGroup::open:
      return "public_routes";
    case RouteGroup::llm_api:
      return "llm_api_routes";
    case RouteGroup::info:
      return "info_routes";
    case RouteGroup::management:
      return "management_routes";
  }
  return "";
}

}  // namespace

Result<VirtualKey> read_key(std::string token, json::object doc) {
  VirtualKey k;
  k.token = std::move(token);
  k.key_name = str_or(doc, "key_name");
  k.key_alias = str_or(doc, "key_alias");
  k.user_id = str_or(doc, "user_id");
  k.team_id = str_or(doc, "team_id");
  k.organization_id = str_or(doc, "organization_id");
  k.key_type = str_or(doc, "key_type", "default");
  k.models = strings_at(doc, "models");
  k.allowed_routes = strings_at(doc, "allowed_routes");
  if (const auto* aliases = obj_at(doc, "aliases"))
    for (const auto& [alias, target] : *aliases)
      if (target.is_string()) k.aliases.emplace(alias, target.get_string());
  if (auto e = str_or(doc, "expires"); !e.empty()) {
    auto at = parse_iso8601(e);
    if (!at) return make_error(ErrorKind::internal, "stored key has an unreadable 'expires'");
    k.expires = *at;
  }
  k.blocked = bool_or(doc, "blocked", false);
  k.doc = std::move(doc);
  return k;
}

void attach_team(VirtualKey& key, const json::object& team_doc) {
  key.team_models = strings_at(team_doc, "models");
  key.team_blocked = bool_or(team_doc, "blocked", false);
}

Status key_usable(const VirtualKey& key, std::chrono::system_clock::time_point now) {
  if (key.team_blocked)
    return make_error(ErrorKind::auth_error, "Authentication Error - Team=" + key.team_id +
                                                 " is blocked. Update via `/team/unblock` if "
                                                 "you're admin.");
  if (key.blocked)
    return make_error(ErrorKind::auth_error,
                      "Authentication Error - Key is blocked. Update via `/key/unblock` if you're "
                      "admin.");
  if (key.expires && now >= *key.expires)
    return make_error(ErrorKind::auth_error,
                      "Authentication Error - Expired Key. Key Expiry time " +
                          iso8601(*key.expires) + " and current time " + iso8601(now));
  return ok_status();
}

Status route_allowed(const VirtualKey& key, RouteGroup group, std::string_view path) {
  if (group == RouteGroup::open) return ok_status();
  if (key.allowed_routes.empty()) {
    // LiteLLM's default for a virtual key: LLM and info routes, no management.
    if (group != RouteGroup::management) return ok_status();
  } else if (listed(key.allowed_routes, group_token(group)) || listed(key.allowed_routes, path)) {
    return ok_status();
  }
  return make_error(ErrorKind::auth_error,
                    "Authentication Error - virtual key not allowed to call route " +
                        std::string(path) + ". Allowed: the key's allowed_routes");
}

namespace {

// Whether a `models` list admits a group: empty admits all; entries are
// groups, access groups, wildcards, all-proxy-models, or all-team-models
// (left to the team's own list).
bool list_admits(const std::vector<std::string>& models, std::string_view model_group,
                 const AccessGroupsOf& access_groups) {
  if (models.empty()) return true;
  std::vector<std::string> groups_of_model;
  bool groups_read = false;
  for (const auto& m : models) {
    if (m == model_group || m == "all-proxy-models" || m == "all-team-models" || m == "*")
      return true;
    if (wildcard_match(m, model_group)) return true;
    if (!groups_read) {
      groups_of_model = access_groups(model_group);
      groups_read = true;
    }
    if (listed(groups_of_model, m)) return true;
  }
  return false;
}

}  // namespace

bool model_allowed(const VirtualKey& key, std::string_view model_group,
                   const AccessGroupsOf& access_groups) {
  if (!list_admits(key.models, model_group, access_groups)) return false;
  return key.team_id.empty() || list_admits(key.team_models, model_group, access_groups);
}

Error model_refused(std::string_view model) {
  return make_error(ErrorKind::auth_error,
                    "key not allowed to access model " + std::string(model) +
                        ". Ask for a key with this model in its `models`.",
                    "model");
}

}  // namespace routeiq::keys
