#include "routeiq/api/spend_endpoints.hpp"

#include <boost/json.hpp>
#include <chrono>

#include "routeiq/api/key_service.hpp"
#include "routeiq/api/management.hpp"
#include "routeiq/api/request.hpp"
#include "routeiq/cost/cost.hpp"
#include "routeiq/routing/table.hpp"

namespace routeiq::api {
namespace asio = boost::asio;
namespace json = boost::json;

namespace {

constexpr std::string_view kJson = "application/json";

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Every parameter of a request target's query, decoded; the first of a
// repeated name wins.
spend::Params query_params(std::string_view target) {
  spend::Params out;
  auto q = target.find('?');
  if (q == std::string_view::npos) return out;
  std::string_view rest = target.substr(q + 1);
  while (!rest.empty()) {
    auto amp = rest.find('&');
    std::string_view pair = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
    std::string_view name = pair.substr(0, pair.find('='));
    if (name.empty() || out.contains(std::string(name))) continue;
    if (auto value = query_param(target, name)) out.emplace(std::string(name), std::move(*value));
  }
  return out;
}

// A POST report's body members, as strings (what LiteLLM reads them as).
spend::Params body_params(const json::object& body) {
  spend::Params out;
  for (const auto& [name, value] : body) {
    if (value.is_string())
      out.emplace(std::string(name), std::string(value.get_string()));
    else if (!value.is_null())
      out.emplace(std::string(name), json::serialize(value));
  }
  return out;
}

using ReportWork = std::function<Result<json::value>(store::Store&)>;

ReportWork report_work(std::shared_ptr<const spend::Report> plan) {
  return [plan](store::Store& s) -> Result<json::value> {
    auto data = spend::read_report(s, plan->reads);
    if (!data) return data.error();
    return spend::render_report(*plan, data.value());
  };
}

std::optional<double> model_cost(const runtime::Snapshot& snap, std::string_view model,
                                 int64_t prompt, int64_t completion) {
  providers::Usage usage;
  usage.prompt_tokens = prompt;
  usage.completion_tokens = completion;
  if (auto res = snap.table->resolve(model); res && !res->group->deployments.empty()) {
    const auto& d = snap.deployments[res->group->deployments.front()];
    if (d.price.priced()) return cost::cost_of(d.price, usage);
  }
  if (const auto* price = snap.prices->find("", model); price && price->priced())
    return cost::cost_of(*price, usage);
  return std::nullopt;
}

// About a token per four characters of the messages' text: the same count
// /v1/messages/count_tokens gives.
int64_t prompt_tokens_of(const json::array& messages) {
  int64_t chars = 0;
  for (const auto& m : messages) {
    const auto* msg = m.if_object();
    if (!msg) continue;
    if (const auto* content = msg->if_contains("content")) {
      if (content->is_string())
        chars += static_cast<int64_t>(content->get_string().size());
      else
        chars += static_cast<int64_t>(json::serialize(*content).size());
    }
  }
  return std::max<int64_t>(1, (chars + 3) / 4);
}

}  // namespace

asio::awaitable<void> answer_spend_report(RequestContext& ctx, spend::Endpoint endpoint) {
  if (!co_await require_store(ctx)) co_return;
  const auto& req = ctx.exchange.request();
  auto params =
      req.method() == net::http::verb::post ? body_params(ctx.body) : query_params(req.target());
  auto planned = spend::plan_report(endpoint, params, now_ms());
  if (!planned) {
    co_await send_error(ctx, planned.error());
    co_return;
  }
  auto plan = std::make_shared<const spend::Report>(std::move(planned.value()));
  auto result = co_await ctx.key_service->with_store<json::value>(report_work(std::move(plan)));
  if (!result) {
    co_await send_error(ctx, result.error());
    co_return;
  }
  co_await ctx.exchange.respond(200, kJson, json::serialize(result.value()));
}

asio::awaitable<void> handle_spend_calculate(RequestContext& ctx) {
  auto snap = ctx.snapshot;
  spend::CostFunctions functions;
  functions.cost = [snap](std::string_view model, int64_t prompt, int64_t completion) {
    return model_cost(*snap, model, prompt, completion);
  };
  functions.count_prompt_tokens = [](std::string_view, const json::array& messages) {
    return prompt_tokens_of(messages);
  };
  auto answer = spend::calculate_spend(ctx.body, functions);
  if (!answer) {
    co_await send_error(ctx, answer.error());
    co_return;
  }
  co_await ctx.exchange.respond(200, kJson, json::serialize(answer.value()));
}

}  // namespace routeiq::api
