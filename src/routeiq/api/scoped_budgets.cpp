#include "routeiq/api/scoped_budgets.hpp"

#include "routeiq/api/attempt.hpp"
#include "routeiq/api/budgets.hpp"
#include "routeiq/api/key_service.hpp"
#include "routeiq/api/provider_budgets.hpp"
#include "routeiq/core/json.hpp"

namespace routeiq::api {
namespace json = boost::json;
using store::Store;
using store::Table;

namespace {

// The max_budget of budget row `id` (none when unset, or no such row).
Result<std::optional<double>> budget_row_max(Store& s, std::string_view id) {
  if (id.empty()) return std::optional<double>();
  auto row = s.get(Table::budgets, id);
  if (!row) return row.error();
  if (!row.value()) return std::optional<double>();
  return keys::budget_of(row.value()->doc).max_budget;
}

Status attach_org_budget(Store& s, keys::VirtualKey& key) {
  auto org = s.get(Table::organizations, organization_of(key));
  if (!org) return org.error();
  if (!org.value()) return ok_status();
  auto max = budget_row_max(s, str_or(org.value()->doc, "budget_id"));
  if (!max) return max.error();
  // LiteLLM checks an organisation's budget only when it is above 0.
  if (!max.value() || *max.value() <= 0) return ok_status();
  key.org_budget.max_budget = max.value();
  key.org_budget.spend = keys::budget_of(org.value()->doc).spend;
  return ok_status();
}

// The membership's own budget row wins; else the team's default for members
// (team_member_budget, kept in its metadata as team_member_budget_id).
Status attach_member_budget(Store& s, keys::VirtualKey& key, const json::object* team_doc) {
  auto membership = s.get(Table::memberships, key.team_id + "\n" + key.user_id);
  if (!membership) return membership.error();
  std::string budget_id;
  if (membership.value()) budget_id = str_or(membership.value()->doc, "budget_id");
  if (budget_id.empty() && team_doc)
    if (const auto* meta = obj_at(*team_doc, "metadata"))
      budget_id = str_or(*meta, "team_member_budget_id");
  auto max = budget_row_max(s, budget_id);
  if (!max) return max.error();
  if (!max.value()) return ok_status();
  key.member_budget.max_budget = max.value();
  if (membership.value()) key.member_budget.spend = keys::budget_of(membership.value()->doc).spend;
  return ok_status();
}

}  // namespace

std::string_view organization_of(const keys::VirtualKey& key) {
  return key.organization_id.empty() ? key.team_organization_id : key.organization_id;
}

Status attach_scoped_budgets(Store& s, keys::VirtualKey& key, const json::object* team_doc) {
  if (!organization_of(key).empty())
    if (auto st = attach_org_budget(s, key); !st) return st;
  if (!key.team_id.empty() && !key.user_id.empty())
    if (auto st = attach_member_budget(s, key, team_doc); !st) return st;
  return ok_status();
}

std::string org_owner(std::string_view org) {
  std::string out = "org:";
  out.append(org);
  return out;
}

std::string member_owner(std::string_view team_id, std::string_view user_id) {
  std::string out = "member:";
  out.reserve(out.size() + team_id.size() + 1 + user_id.size());
  out.append(team_id).append("\n").append(user_id);
  return out;
}

Status within_scoped_budgets(const keys::VirtualKey& key, std::string_view model,
                             const SpendLedger& ledger, const WindowedSpend& model_windows,
                             int64_t now_ms) {
  if (key.org_budget.max_budget) {
    auto org = organization_of(key);
    auto st = within_budget("Organization=" + std::string(org), key.org_budget,
                            ledger.unwritten(org_owner(org)));
    if (!st) return st;
  }
  if (key.member_budget.max_budget) {
    auto st = within_budget("User=" + key.user_id + " in Team=" + key.team_id, key.member_budget,
                            ledger.unwritten(member_owner(key.team_id, key.user_id)));
    if (!st) return st;
  }
  if (key.model_budgets.empty()) return ok_status();
  const auto* entry = keys::model_budget_for(key.model_budgets, model);
  // LiteLLM enforces a model budget only when it is above 0.
  if (!entry || !(entry->second.limit > 0)) return ok_status();
  double spent = model_windows.spent(key_model_window(key.token, entry->first),
                                     entry->second.period_ms, now_ms);
  if (spent < entry->second.limit) return ok_status();
  std::string alias = key.key_alias.empty() ? std::string("None") : key.key_alias;
  return make_error(ErrorKind::budget_exceeded,
                    "LiteLLM Virtual Key: " + key.token + ", key_alias: " + alias +
                        ", exceeded budget for model=" + std::string(model));
}

void charge_scoped_budgets(const RequestContext& ctx, double usd) {
  charge_provider_budget(ctx, usd);
  const auto* key = ctx.principal.key.get();
  if (!key) return;
  // The ledger lets go of spend when its batch is written: without spend
  // logs nothing is written, and these budgets, like the key's, see no spend.
  if (ctx.key_service && ctx.key_service->spend_writer()) {
    auto& ledger = ctx.key_service->ledger();
    int64_t now_ms = now_utc_ms();
    if (key->org_budget.max_budget) ledger.add(org_owner(organization_of(*key)), usd, now_ms);
    if (key->member_budget.max_budget)
      ledger.add(member_owner(key->team_id, key->user_id), usd, now_ms);
  }
  if (key->model_budgets.empty()) return;
  // The model the request asked for, as the check before it read it.
  const auto* entry = keys::model_budget_for(key->model_budgets, str_or(ctx.body, "model"));
  if (!entry) return;
  key_model_windows().add(key_model_window(key->token, entry->first), usd, entry->second.period_ms,
                          now_utc_ms());
}

}  // namespace routeiq::api
