#pragma once
// One spend-log row per LLM request that got past auth (answered, failed or
// refused by a limit), handed to the spend writer when the request is over:
// the writer batches rows to the database off the request path, adds their
// cost to the key's, team's, user's, end user's and organisation's spend and
// to the daily aggregates.
#include <string_view>

#include "routeiq/api/pipeline.hpp"
#include "routeiq/store/spend.hpp"

namespace routeiq::api {

class SpendLogStage final : public Stage {
 public:
  std::string_view name() const override { return "spend_log"; }
  // Starts the answer's transcript when store_prompts_in_spend_logs is on.
  boost::asio::awaitable<Status> before(RequestContext& ctx) override;
  void after(const RequestContext& ctx) noexcept override;
};

// The row of a finished request; `now_ms` is its end (UTC milliseconds).
store::SpendRow spend_row(const RequestContext& ctx, int64_t now_ms);

// Routes that call a provider (not /models, nor count_tokens).
bool calls_provider(const Route& route);

// The owners a row's spend counts for, as SpendLedger names them:
// "key:<hash>", "team:<id>", "user:<id>", "end_user:<id>" (and the
// proxy-wide budget's "user:litellm-proxy-budget").
template <class F>
void for_each_owner(const store::SpendRow& row, F&& f) {
  auto named = [&](std::string_view kind, const std::string& id) {
    if (id.empty()) return;
    std::string owner;
    owner.reserve(kind.size() + 1 + id.size());
    owner.append(kind).append(":").append(id);
    f(std::string_view(owner));
  };
  named("key", row.api_key);
  named("team", row.team_id);
  named("user", row.user_id);
  named("end_user", row.end_user);
  if (row.proxy_budget != row.user_id) named("user", row.proxy_budget);
}

// Counts the request's cost in the ledger of unwritten spend of its owners.
// Called where the cost is known, before the answer's last byte is sent, so
// a client's next request is checked against it.
void charge_unwritten(const RequestContext& ctx);

// LiteLLM's call_type of a route ("acompletion", "atext_completion",
// "aembedding", "anthropic_messages").
std::string_view call_type(const Route& route);

}  // namespace routeiq::api
