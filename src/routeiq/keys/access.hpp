#pragma once
// What a virtual key may do, read once from its stored document when it enters
// the key cache, then checked per request without touching JSON: usable (not
// blocked, not expired), which routes (key_type / allowed_routes, as LiteLLM's
// route groups) and which model groups (models, access groups, wildcards,
// all-proxy-models). Pure.
#include <boost/json/object.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "routeiq/core/error.hpp"
#include "routeiq/limits/limiter.hpp"

namespace routeiq::keys {

// LiteLLM's route groups (LiteLLMRoutes in proxy/_types.py), one per route.
enum class RouteGroup {
  open,        // health probes: no key needed
  llm_api,     // /chat/completions, /messages, /embeddings, /models...
  info,        // /key/info, /model/info, /hot-reload/status: read-only views
  management,  // /key/generate, /key/update...: the master key or a management key
};

// LiteLLM's user roles (LitellmUserRoles). The master key is proxy_admin; a
// virtual key has its user's role, and `none` when it has no user.
enum class Role { proxy_admin, proxy_admin_viewer, internal_user, internal_user_viewer, none };
Role role_named(std::string_view name);  // unknown names: none
std::string_view role_name(Role role);

// An owner's rate limits as its document states them: rpm_limit, tpm_limit,
// max_parallel_requests, and model_rpm_limit / model_tpm_limit per model group
// (top level, or in metadata where older LiteLLM versions kept them).
struct OwnerLimits {
  limits::Limits own;
  std::map<std::string, limits::Limits, std::less<>> per_model;
  bool any() const;
};
OwnerLimits owner_limits(const boost::json::object& doc);

// An owner's budget as its document states it: max_budget (USD; absent: no
// budget), soft_budget (an alert only), the spend stored so far and when it
// resets (budget_reset_at: once that has passed, the stored spend belongs to
// the period before, even if the reset job has not run yet).
struct Budget {
  std::optional<double> max_budget, soft_budget;
  double spend = 0;
  std::optional<std::chrono::system_clock::time_point> reset_at;
  bool any() const { return max_budget || soft_budget; }
  // The stored spend of the current period at `now`.
  double spend_at(std::chrono::system_clock::time_point now) const {
    return reset_at && *reset_at <= now ? 0.0 : spend;
  }
};
Budget budget_of(const boost::json::object& doc);

// One model's entry of a key's model_max_budget (LiteLLM's BudgetConfig):
// budget_limit USD (a number or a numeric string) per time_period; the
// aliases max_budget and budget_duration too. No period: the window never ends.
struct ModelBudget {
  double limit = 0;
  int64_t period_ms = 0;
  bool operator==(const ModelBudget&) const = default;
};
using ModelBudgets = std::map<std::string, ModelBudget, std::less<>>;
// The entries of a model_max_budget object, or why one is not a budget.
Result<ModelBudgets> read_model_budgets(const boost::json::object& value);
// The budget that applies to `model`: its own entry, else that of the name
// after its provider prefix ("openai/gpt-4o" -> "gpt-4o"), as LiteLLM looks.
// Returns the entry (its name names the spend window), or null.
const ModelBudgets::value_type* model_budget_for(const ModelBudgets& budgets,
                                                 std::string_view model);

struct VirtualKey {
  std::string token;  // SHA-256 hex of the key
  std::string key_name, key_alias, user_id, team_id, organization_id, key_type;
  std::vector<std::string> models;          // empty: every model
  std::vector<std::string> allowed_routes;  // groups ("llm_api_routes") or paths; empty: default
  std::map<std::string, std::string, std::less<>> aliases;  // model alias -> model group
  std::optional<std::chrono::system_clock::time_point> expires;
  bool blocked = false;
  // The key's team, read with the key: its models narrow the key's, and a
  // blocked team blocks its keys.
  std::vector<std::string> team_models;  // empty: the team admits every model
  bool team_blocked = false;
  // The key's user, read with the key: its role decides what the key may
  // manage (internal_user: its own keys; proxy_admin: everything).
  Role role = Role::none;
  // Read once with the rows, so a request's limit check touches no JSON.
  OwnerLimits limits, team_limits, user_limits;
  Budget budget, team_budget, user_budget;
  // The organisation the key's spend counts for (its own, else its team's)
  // and, when set, the budgets read with the key: the organisation's (from
  // its budget row) and the user's within its team (the membership's spend,
  // its budget row's max_budget, else the team's team_member_budget).
  std::string team_organization_id;
  Budget org_budget, member_budget;
  ModelBudgets model_budgets;  // model_max_budget
  bool has_scoped_budgets() const {
    return org_budget.max_budget || member_budget.max_budget || !model_budgets.empty();
  }
  boost::json::object doc;  // the whole stored row, for limits and /key/info
};

// Sets the team fields of a key from its team's stored document.
void attach_team(VirtualKey& key, const boost::json::object& team_doc);

// Reads a stored key document. A malformed expires is an error (the row was
// not written by this gateway's API).
Result<VirtualKey> read_key(std::string token, boost::json::object doc);

// Blocked or expired keys are refused with LiteLLM's messages.
Status key_usable(const VirtualKey& key, std::chrono::system_clock::time_point now);

// Sets the role of a key from its user's stored document.
void attach_user(VirtualKey& key, const boost::json::object& user_doc);

// Whether the key's own allowed_routes name this route (its group, its path,
// or a "/prefix/*" pattern). Empty allowed_routes name nothing.
bool routes_name(const VirtualKey& key, RouteGroup group, std::string_view path);

// Whether a key may call a route of `group` at `path`, as LiteLLM decides:
// first the key's allowed_routes (403 when they do not admit the route), then
// its role: proxy_admin_viewer reads everything and calls no LLM route nor
// any write; internal_user manages its own keys (the endpoints check whose
// they are); a key whose allowed_routes grant management routes (key_type
// "management") may call them; anyone else gets LiteLLM's "Only proxy admin"
// refusal. `read_only`: the request cannot change anything (GET).
Status route_allowed(const VirtualKey& key, RouteGroup group, std::string_view path,
                     bool read_only);

// The groups a deployment's model_info.access_groups put a model group in.
using AccessGroupsOf = std::function<std::vector<std::string>(std::string_view model_group)>;

// Whether the key may call `model_group` (after alias resolution).
bool model_allowed(const VirtualKey& key, std::string_view model_group,
                   const AccessGroupsOf& access_groups);
// The refusal for a model the key may not call (the key's list is not shown:
// it is of no use to a caller who holds the key and of use to one who stole it).
Error model_refused(std::string_view model);

}  // namespace routeiq::keys
