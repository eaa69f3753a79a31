#include "routeiq/api/budgets.hpp"

#include "routeiq/api/attempt.hpp"
#include "routeiq/api/budget_alerts.hpp"
#include "routeiq/api/budget_resets.hpp"
#include "routeiq/api/key_service.hpp"
#include "routeiq/api/scoped_budgets.hpp"
#include "routeiq/api/spend_log.hpp"
#include "routeiq/core/json.hpp"

namespace routeiq::api {
namespace asio = boost::asio;

namespace {

std::string owner(std::string_view kind, std::string_view id) {
  std::string out;
  out.reserve(kind.size() + 1 + id.size());
  out.append(kind).append(":").append(id);
  return out;
}

int64_t ms_of(SysTime t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

// An owner's budget as it stands at `now`: once its reset time has passed
// the stored spend and the unwritten spend from before it belong to the
// period before, whether or not the reset job has run yet.
struct Current {
  keys::Budget budget;
  double unwritten = 0;
  double spend() const { return budget.spend + unwritten; }
};
Current current(const keys::Budget& b, const SpendLedger& ledger, const std::string& owner_name,
                SysTime now) {
  Current c{b, 0};
  if (b.reset_at && *b.reset_at <= now) {
    c.budget.spend = 0;
    c.unwritten = ledger.unwritten_since(owner_name, ms_of(*b.reset_at));
  } else {
    c.unwritten = ledger.unwritten(owner_name);
  }
  return c;
}

// The event of a budget an owner's spend has crossed (LiteLLM's CallInfo).
BudgetEvent event_of(const RequestContext& ctx, std::string_view group, std::string_view id,
                     const Current& c, std::string_view event) {
  BudgetEvent e;
  e.event = event;
  e.event_group = group;
  e.id = id;
  e.spend = c.spend();
  e.max_budget = c.budget.max_budget;
  e.soft_budget = c.budget.soft_budget;
  e.period_ms = c.budget.reset_at ? ms_of(*c.budget.reset_at) : 0;
  if (const auto* key = ctx.principal.key.get()) {
    e.token = key->token;
    e.key_alias = key->key_alias;
    e.user_id = key->user_id;
    e.team_id = key->team_id;
  }
  e.customer_id = ctx.principal.end_user;
  return e;
}

// One owner's budget: refused once spent, its soft_budget and max_budget
// crossings told once per period.
Status check_owner(const RequestContext& ctx, std::string_view who, std::string_view group,
                   std::string_view id, const keys::Budget& budget, SysTime now) {
  auto& service = *ctx.key_service;
  auto c = current(budget, service.ledger(), owner(group, id), now);
  auto* alerts = service.budget_alerts();
  if (alerts && c.budget.soft_budget && c.spend() >= *c.budget.soft_budget)
    alerts->raise(event_of(ctx, group, id, c, "soft_budget_crossed"));
  auto st = within_budget(who, c.budget, c.unwritten);
  if (!st && alerts) alerts->raise(event_of(ctx, group, id, c, "budget_crossed"));
  return st;
}

Status check_owners(const RequestContext& ctx) {
  const auto& p = ctx.principal;
  auto now = std::chrono::system_clock::now();
  if (const auto* key = p.key.get()) {
    if (key->budget.any())
      if (auto st = check_owner(ctx, "", "key", key->token, key->budget, now); !st) return st;
    if (key->team_budget.any() && !key->team_id.empty())
      if (auto st =
              check_owner(ctx, "Team=" + key->team_id, "team", key->team_id, key->team_budget, now);
          !st)
        return st;
    if (key->user_budget.any() && !key->user_id.empty())
      if (auto st =
              check_owner(ctx, "User=" + key->user_id, "user", key->user_id, key->user_budget, now);
          !st)
        return st;
  }
  if (p.end_user_budget.any() && !p.end_user.empty())
    if (auto st = check_owner(ctx, "End User=" + p.end_user, "end_user", p.end_user,
                              p.end_user_budget, now);
        !st)
      return st;
  if (const auto* key = p.key.get(); key && key->has_scoped_budgets())
    if (auto st = within_scoped_budgets(*key, str_or(ctx.body, "model"), ctx.key_service->ledger(),
                                        key_model_windows(), now_utc_ms());
        !st)
      return st;
  if (const auto* proxy = ctx.key_service->proxy_budget())
    return proxy->check(ctx.key_service->ledger(), now);
  return ok_status();
}

}  // namespace

Status within_budget(std::string_view who, const keys::Budget& budget, double unwritten) {
  if (!budget.max_budget) return ok_status();
  double spend = budget.spend + unwritten;
  if (spend < *budget.max_budget) return ok_status();
  std::string message = "Budget has been exceeded! ";
  if (!who.empty()) message.append(who).append(" ");
  message +=
      "Current cost: " + format_cost(spend) + ", Max budget: " + format_cost(*budget.max_budget);
  return make_error(ErrorKind::budget_exceeded, std::move(message));
}

asio::awaitable<Status> BudgetStage::before(RequestContext& ctx) {
  if (!calls_provider(ctx.route) || !ctx.key_service) co_return ok_status();
  co_return check_owners(ctx);
}

}  // namespace routeiq::api
