#include "routeiq/api/budgets.hpp"

#include "routeiq/api/attempt.hpp"
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

Status check_owners(const RequestContext& ctx, const SpendLedger& ledger) {
  const auto& p = ctx.principal;
  if (const auto* key = p.key.get()) {
    if (key->budget.max_budget)
      if (auto st = within_budget("", key->budget, ledger.unwritten(owner("key", key->token))); !st)
        return st;
    if (key->team_budget.max_budget && !key->team_id.empty())
      if (auto st = within_budget("Team=" + key->team_id, key->team_budget,
                                  ledger.unwritten(owner("team", key->team_id)));
          !st)
        return st;
    if (key->user_budget.max_budget && !key->user_id.empty())
      if (auto st = within_budget("User=" + key->user_id, key->user_budget,
                                  ledger.unwritten(owner("user", key->user_id)));
          !st)
        return st;
  }
  if (p.end_user_budget.max_budget && !p.end_user.empty())
    if (auto st = within_budget("End User=" + p.end_user, p.end_user_budget,
                                ledger.unwritten(owner("end_user", p.end_user)));
        !st)
      return st;
  if (const auto* key = p.key.get(); key && key->has_scoped_budgets())
    return within_scoped_budgets(*key, str_or(ctx.body, "model"), ledger, key_model_windows(),
                                 now_utc_ms());
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
  co_return check_owners(ctx, ctx.key_service->ledger());
}

}  // namespace routeiq::api
