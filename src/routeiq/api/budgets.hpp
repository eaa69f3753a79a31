#pragma once
// LiteLLM's budgets at request time: a request is refused before any
// provider is called when its key, the key's team, its user or the end user
// has spent its max_budget (the stored spend plus what this instance spent
// since that row was read: SpendLedger), or the whole proxy has spent
// litellm_settings.max_budget (api/budget_resets). The answer is LiteLLM's 400
// "budget_exceeded". A budget whose budget_reset_at has passed counts only
// what was spent since. Crossing a soft_budget or a max_budget raises a
// budget alert (api/budget_alerts), once per period.
#include <string_view>

#include "routeiq/api/pipeline.hpp"

namespace routeiq::api {

class BudgetStage final : public Stage {
 public:
  std::string_view name() const override { return "budget"; }
  boost::asio::awaitable<Status> before(RequestContext& ctx) override;
};

// The refusal when `spend` has reached `budget` ("Budget has been exceeded!
// <who> Current cost: x, Max budget: y"); ok otherwise. `who` is empty for a
// key (LiteLLM names none), else "Team=<id>", "User=<id>", "End User=<id>".
Status within_budget(std::string_view who, const keys::Budget& budget, double unwritten);

}  // namespace routeiq::api
