#include "routeiq/keys/access.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>

#include "routeiq/core/json.hpp"
#include "routeiq/core/time.hpp"
#include "routeiq/keys/key_fields.hpp"

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

namespace {

bool any_limit(const limits::Limits& l) {
  return l.rpm || l.tpm || l.max_parallel;
}

// A count member, also accepted from metadata; negative or absent: none.
std::optional<int64_t> limit_at(const json::object& doc, std::string_view name) {
  auto v = int_at(doc, name);
  if (!v)
    if (const auto* meta = obj_at(doc, "metadata")) v = int_at(*meta, name);
  if (v && *v < 0) return std::nullopt;
  return v;
}

const json::object* model_limits_at(const json::object& doc, std::string_view name) {
  if (const auto* o = obj_at(doc, name)) return o;
  if (const auto* meta = obj_at(doc, "metadata")) return obj_at(*meta, name);
  return nullptr;
}

}  // namespace

bool OwnerLimits::any() const {
  if (any_limit(own)) return true;
  return std::any_of(per_model.begin(), per_model.end(),
                     [](const auto& m) { return any_limit(m.second); });
}

OwnerLimits owner_limits(const json::object& doc) {
  OwnerLimits out;
  out.own.rpm = limit_at(doc, "rpm_limit");
  out.own.tpm = limit_at(doc, "tpm_limit");
  out.own.max_parallel = limit_at(doc, "max_parallel_requests");
  for (auto [name, field] : {std::pair{"model_rpm_limit", &limits::Limits::rpm},
                             std::pair{"model_tpm_limit", &limits::Limits::tpm}}) {
    const auto* per_model = model_limits_at(doc, name);
    if (!per_model) continue;
    for (const auto& [model, value] : *per_model)
      if (auto n = value.if_int64(); n && *n >= 0) out.per_model[std::string(model)].*field = *n;
  }
  return out;
}

Budget budget_of(const json::object& doc) {
  Budget b;
  auto number = [&](std::string_view name) -> std::optional<double> {
    const auto* v = doc.if_contains(name);
    if (!v || !v->is_number()) return std::nullopt;
    return v->to_number<double>();
  };
  b.max_budget = number("max_budget");
  b.soft_budget = number("soft_budget");
  b.spend = number("spend").value_or(0.0);
  if (auto at = str_or(doc, "budget_reset_at"); !at.empty()) b.reset_at = parse_iso8601(at);
  return b;
}

namespace {

std::optional<double> budget_number(const json::value* v) {
  if (!v) return std::nullopt;
  if (v->is_number()) return v->to_number<double>();
  if (!v->is_string()) return std::nullopt;
  std::string text(v->get_string());
  char* end = nullptr;
  double d = std::strtod(text.c_str(), &end);
  if (text.empty() || end != text.c_str() + text.size() || !std::isfinite(d)) return std::nullopt;
  return d;
}

const json::value* either(const json::object& o, std::string_view a, std::string_view b) {
  const auto* v = o.if_contains(a);
  return v && !v->is_null() ? v : o.if_contains(b);
}

Result<ModelBudget> read_model_budget(std::string_view model, const json::value& v) {
  auto invalid = [&](std::string_view why) {
    return make_error(ErrorKind::invalid_request,
                      "Invalid model_max_budget: " + std::string(model) + ": " + std::string(why) +
                          ". Example of valid model_max_budget: "
                          "https://docs.litellm.ai/docs/proxy/users",
                      "model_max_budget");
  };
  if (!v.is_object()) return invalid("expected {budget_limit, time_period}");
  const auto& o = v.get_object();
  auto limit = budget_number(either(o, "budget_limit", "max_budget"));
  if (!limit || *limit < 0) return invalid("budget_limit must be a number >= 0");
  ModelBudget out{*limit, std::numeric_limits<int64_t>::max()};
  const auto* period = either(o, "time_period", "budget_duration");
  if (period && !period->is_null()) {
    auto d = period->is_string() ? parse_duration(period->get_string()) : std::nullopt;
    if (!d || d->count() == 0) return invalid("time_period must be a duration such as 1d or 30m");
    out.period_ms = d->count() * 1000;
  }
  return out;
}

}  // namespace

Result<ModelBudgets> read_model_budgets(const json::object& value) {
  ModelBudgets out;
  for (const auto& [model, budget] : value) {
    auto b = read_model_budget(model, budget);
    if (!b) return b.error();
    out.emplace(std::string(model), b.value());
  }
  return out;
}

const ModelBudgets::value_type* model_budget_for(const ModelBudgets& budgets,
                                                 std::string_view model) {
  if (auto it = budgets.find(model); it != budgets.end()) return &*it;
  auto slash = model.rfind('/');
  if (slash == std::string_view::npos) return nullptr;
  auto it = budgets.find(model.substr(slash + 1));
  return it == budgets.end() ? nullptr : &*it;
}

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
  k.limits = owner_limits(doc);
  k.budget = budget_of(doc);
  // A stored entry this gateway would refuse (imported, or written by hand)
  // leaves the key without model budgets rather than unusable.
  if (const auto* per_model = obj_at(doc, "model_max_budget"))
    if (auto budgets = read_model_budgets(*per_model)) k.model_budgets = std::move(budgets.value());
  k.doc = std::move(doc);
  return k;
}

void attach_team(VirtualKey& key, const json::object& team_doc) {
  key.team_models = strings_at(team_doc, "models");
  key.team_blocked = bool_or(team_doc, "blocked", false);
  key.team_limits = owner_limits(team_doc);
  key.team_budget = budget_of(team_doc);
  key.team_organization_id = str_or(team_doc, "organization_id");
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

Role role_named(std::string_view name) {
  for (auto role : {Role::proxy_admin, Role::proxy_admin_viewer, Role::internal_user,
                    Role::internal_user_viewer})
    if (role_name(role) == name) return role;
  return Role::none;
}

std::string_view role_name(Role role) {
  switch (role) {
    case Role::proxy_admin:
      return "proxy_admin";
    case Role::proxy_admin_viewer:
      return "proxy_admin_viewer";
    case Role::internal_user:
      return "internal_user";
    case Role::internal_user_viewer:
      return "internal_user_viewer";
    case Role::none:
      break;
  }
  return "unknown";
}

void attach_user(VirtualKey& key, const json::object& user_doc) {
  key.role = role_named(str_or(user_doc, "user_role"));
  key.user_limits = owner_limits(user_doc);
  key.user_budget = budget_of(user_doc);
}

bool routes_name(const VirtualKey& key, RouteGroup group, std::string_view path) {
  for (const auto& r : key.allowed_routes) {
    if (r.empty()) continue;
    if (r == group_token(group) || r == path) return true;
    // LiteLLM's prefix forms: "/key" admits "/key/info"; "/key/*" too.
    std::string_view prefix(r);
    if (prefix.ends_with('*')) prefix.remove_suffix(1);
    if (prefix.ends_with('/')) prefix.remove_suffix(1);
    if (!prefix.empty() && path.starts_with(prefix) && path.size() > prefix.size() &&
        path[prefix.size()] == '/')
      return true;
  }
  return false;
}

namespace {

// LiteLLM's internal_user_routes that this gateway serves: a user's own keys.
bool internal_user_route(std::string_view path) {
  for (std::string_view r :
       {"/key/generate", "/key/update", "/key/delete", "/key/regenerate", "/key/info", "/key/list"})
    if (path == r) return true;
  return path.starts_with("/key/") && path.ends_with("/regenerate");
}

// LiteLLM's self_managed_routes: the endpoint checks the caller is the team's admin.
bool self_managed_route(std::string_view path) {
  return path == "/team/member_add" || path == "/team/member_delete" ||
         path == "/team/member_update";
}

// The first six and last two characters of an id, as LiteLLM masks it in refusals.
std::string masked_id(std::string_view id) {
  if (id.size() <= 8) return "***";
  return std::string(id.substr(0, 6)) + std::string(id.size() - 8, '*') +
         std::string(id.substr(id.size() - 2));
}

Error forbidden(std::string message) {
  return make_error(ErrorKind::auth_forbidden, std::move(message));
}

}  // namespace

Status route_allowed(const VirtualKey& key, RouteGroup group, std::string_view path,
                     bool read_only) {
  if (group == RouteGroup::open) return ok_status();
  bool named = routes_name(key, group, path);
  if (!key.allowed_routes.empty() && !named) {
    std::string listed_routes;
    for (const auto& r : key.allowed_routes)
      listed_routes += (listed_routes.empty() ? "" : ", ") + r;
    return forbidden(
        "Virtual key is not allowed to call this route. Only allowed to call routes: [" +
        listed_routes + "]. Tried to call route: " + std::string(path));
  }
  if (key.role == Role::proxy_admin) return ok_status();
  std::string role(role_name(key.role));
  if (key.role == Role::proxy_admin_viewer) {
    if (group == RouteGroup::llm_api)
      return forbidden("user not allowed to access this OpenAI routes, role= " + role);
    if (group == RouteGroup::info || read_only) return ok_status();
    return forbidden("user not allowed to access this route, role= " + role +
                     ". Trying to access: " + std::string(path));
  }
  if (group != RouteGroup::management) return ok_status();
  if (key.role == Role::internal_user && internal_user_route(path)) return ok_status();
  if (self_managed_route(path) && !key.user_id.empty()) return ok_status();
  if (named) return ok_status();  // a management key
  return make_error(ErrorKind::auth_error,
                    "Authentication Error, Only proxy admin can be used to generate, delete, "
                    "update info for new keys/users/teams. Route=" +
                        std::string(path) + ". Your role=" + role +
                        ". Your user_id=" + masked_id(key.user_id));
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
