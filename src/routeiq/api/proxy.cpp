#include "routeiq/api/proxy.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>
#include <random>

#include "routeiq/api/attempt.hpp"
#include "routeiq/api/provider_budgets.hpp"
#include "routeiq/api/rate_limits.hpp"
#include "routeiq/api/request.hpp"
#include "routeiq/core/log.hpp"
#include "routeiq/routing/picker.hpp"
#include "routeiq/routing/retry.hpp"

namespace routeiq::api {
namespace asio = boost::asio;

namespace {

constexpr double kRetryAfterCapSeconds = 60;

routing::AttemptResult attempt_result(const Outcome& o) {
  using Kind = routing::AttemptResult::Kind;
  switch (o.kind) {
    case Outcome::ok:
      return {Kind::success};
    case Outcome::http_error:
      return {Kind::http_error, o.status};
    case Outcome::transport_error:
      return {Kind::transport_error};
    case Outcome::client_gone:
      return {Kind::cancelled};
  }
  return {Kind::cancelled};
}

void log_failure(const RequestContext& ctx, size_t d, const Outcome& o) {
  log::warn() << "call_id=" << ctx.record.call_id
              << " deployment=" << ctx.snapshot->deployments[d].config->model_info.id << " failed: "
              << (o.kind == Outcome::http_error ? "status=" + std::to_string(o.status) : o.message);
}

Error all_cooling_down(const std::string& group) {
  return make_error(ErrorKind::no_deployment_available,
                    "No deployments available for model=" + group +
                        ": every deployment is cooling down after failures");
}

class Proxy {
 public:
  Proxy(RequestContext& ctx, const routing::CallPlan& plan, ModelChoice choice)
      : ctx_(ctx), choice_(std::move(choice)), scope_{ctx, plan, choice_, state_} {}

  asio::awaitable<void> run() {
    ctx_.exchange.watch_client([this] { on_client_gone(); });
    StopWatching guard{ctx_.exchange};
    co_await attempt_all();
  }

 private:
  struct StopWatching {
    net::Exchange& exchange;
    ~StopWatching() { exchange.stop_watching(); }
  };

  // The client went away: the call in progress (or a mock's wait) is
  // cancelled at once, so the provider stops generating.
  void on_client_gone() {
    state_.client_gone = true;
    if (state_.active) state_.active->cancel();
    if (state_.mock_wait) state_.mock_wait->cancel();
  }

  asio::awaitable<void> attempt_all() {
    const auto& snap = *ctx_.snapshot;
    const auto& plan = scope_.plan;
    auto& record = ctx_.record;
    Outcome last;
    size_t last_deployment = 0;
    for (size_t g = 0; g < plan.groups.size(); ++g) {
      auto res =
          g == 0 ? std::optional(scope_.choice.resolution) : snap.table->resolve(plan.groups[g]);
      if (!res) continue;
      record.fallbacks = static_cast<int>(g);
      record.model_group = res->group_name;
      routing::Picker picker(*res->group, *snap.cooldowns, *snap.strategy, snap.callable);
      for (int attempt = 0; attempt <= plan.num_retries; ++attempt) {
        auto pick = choose_within_budget(picker);
        if (pick && has_rate_limits(snap.deployments[*pick]))
          pick = co_await within_rate_limits(picker, *pick);
        if (!pick) break;
        ++record.attempts;
        record.retries = attempt;
        last_deployment = *pick;
        last = co_await attempt_deployment(scope_, *pick, *res);
        picker.observe(*pick, attempt_result(last));
        if (last.kind == Outcome::ok || last.kind == Outcome::client_gone) co_return;
        log_failure(ctx_, *pick, last);
        if (last.kind == Outcome::http_error && !routing::retryable_status(last.status)) {
          co_await send_upstream_error(scope_, last, *pick);
          co_return;
        }
        if (attempt < plan.num_retries) co_await wait_before_retry(last);
        if (state_.client_gone) co_return;
      }
    }
    if (record.attempts == 0 && !over_budget_.empty()) {
      co_await send_error(ctx_, providers_over_budget(over_budget_));
      co_return;
    }
    if (record.attempts == 0 && over_limit_) {
      co_await send_error(ctx_, deployments_over_limit(scope_.choice.resolution.group_name));
      co_return;
    }
    if (record.attempts == 0) {
      co_await send_error(ctx_, all_cooling_down(scope_.choice.resolution.group_name));
      co_return;
    }
    co_await send_final_error(scope_, last, last_deployment);
  }

  std::optional<size_t> choose(routing::Picker& picker) {
    thread_local std::mt19937_64 rng(std::random_device{}());
    std::string query =
        picker.strategy().reads_request() ? routing_query(ctx_.openai_body()) : std::string();
    routing::RequestContext rc{query, ctx_.cost_weight, {}};
    auto chosen = picker.next(rc, rng);
    if (chosen && !rc.decided_by.empty()) {
      choice_.routed_by = rc.decided_by;
      choice_.routed_model = ctx_.snapshot->config->model_list[*chosen].model;
    }
    return chosen;
  }

  // A deployment whose provider has spent its provider_budget_config budget
  // is skipped, as LiteLLM's budget filter drops it from the healthy ones.
  // Without provider budgets this is one emptiness check.
  std::optional<size_t> choose_within_budget(routing::Picker& picker) {
    auto pick = choose(picker);
    const auto& settings = ctx_.snapshot->config->router_settings;
    if (settings.provider_budgets.empty()) return pick;
    int64_t now = now_utc_ms();
    while (pick) {
      auto over = provider_over_budget(settings, ctx_.snapshot->deployments[*pick],
                                       provider_windows(), now);
      if (!over) return pick;
      // One line per provider, however many of its deployments were skipped.
      if (over_budget_.find(*over) == std::string::npos) {
        if (!over_budget_.empty()) over_budget_ += '\n';
        over_budget_ += *over;
      }
      picker.exclude(*pick);
      pick = choose(picker);
    }
    return pick;
  }

  // A deployment over its own rpm / tpm is skipped, as LiteLLM's pre-call
  // checks do: the first pick that its limits admit, counted in them.
  asio::awaitable<std::optional<size_t>> within_rate_limits(routing::Picker& picker, size_t first) {
    // No co_await in the loop's condition: GCC 12 miscompiles it.
    std::optional<size_t> pick = first;
    for (;;) {
      const runtime::DeploymentRuntime* d = &ctx_.snapshot->deployments[*pick];
      bool admitted = co_await admit_deployment(ctx_, d);
      if (admitted) co_return pick;
      over_limit_ = true;
      picker.exclude(*pick);
      pick = choose_within_budget(picker);
      if (!pick) co_return pick;
    }
  }

  asio::awaitable<void> wait_before_retry(const Outcome& o) {
    double upstream = routing::parse_retry_after(o.retry_after, std::chrono::system_clock::now());
    auto wait = routing::retry_wait(upstream, ctx_.snapshot->config->router_settings.retry_after,
                                    kRetryAfterCapSeconds);
    auto remaining =
        std::chrono::duration_cast<std::chrono::milliseconds>(scope_.deadline() - Clock::now());
    wait = std::min(wait, std::max(remaining, std::chrono::milliseconds(0)));
    if (wait.count() <= 0) co_return;
    asio::steady_timer timer(co_await asio::this_coro::executor, wait);
    co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
  }

  RequestContext& ctx_;
  CallState state_;
  ModelChoice choice_;  // a strategy deciding per attempt (llmrouter-*) updates it
  AttemptScope scope_;
  bool over_limit_ = false;  // a deployment was skipped for its rpm / tpm
  std::string over_budget_;  // why deployments were skipped for their provider's budget
};

}  // namespace

asio::awaitable<void> proxy_request(RequestContext& ctx) {
  auto choice = choose_model_group(ctx);
  if (!choice) {
    co_await send_error(ctx, std::move(choice.error()));
    co_return;
  }
  auto plan =
      routing::make_plan(*ctx.snapshot->config, choice->resolution.group_name, ctx.controls);
  if (!plan) {
    co_await send_error(ctx, std::move(plan.error()));
    co_return;
  }
  plan->stream = ctx.record.stream;
  Proxy proxy(ctx, plan.value(), std::move(choice.value()));
  co_await proxy.run();
}

}  // namespace routeiq::api
