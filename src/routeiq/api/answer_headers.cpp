// The headers and errors a proxied request ends with: LiteLLM's x-litellm-*
// set on every answer, the upstream's error as it said it, or the last
// attempt's transport failure.
#include <charconv>

#include "routeiq/api/answer_transcript.hpp"
#include "routeiq/api/attempt.hpp"
#include "routeiq/api/spend_log.hpp"

namespace routeiq::api {
namespace asio = boost::asio;

namespace {

std::string format_ms(double ms) {
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, ms, std::chars_format::fixed, 3);
  return std::string(buf, ec == std::errc() ? end : buf);
}

void add_attempt_counts(HeaderList& h, const RequestRecord& r) {
  h.add("x-litellm-attempted-retries", std::to_string(r.retries));
  h.add("x-litellm-attempted-fallbacks", std::to_string(r.fallbacks));
}

Error final_transport_error(const Outcome& last) {
  switch (last.failure) {
    case net::CallFailure::timeout:
      return make_error(ErrorKind::timeout, "Request timed out: no deployment answered in time");
    case net::CallFailure::bad_response:
    case net::CallFailure::too_large:
      return make_error(ErrorKind::upstream_error,
                        "Upstream returned an invalid response: " + last.message);
    default:
      return make_error(ErrorKind::no_deployment_available,
                        "All deployments failed: " + last.message);
  }
}

}  // namespace

HeaderList success_headers(const AttemptScope& scope, const runtime::DeploymentRuntime& d,
                           const routing::Resolution& res) {
  const auto& r = scope.ctx.record;
  auto total_ms = std::chrono::duration<double, std::milli>(Clock::now() - r.received).count();
  auto upstream_ms = std::chrono::duration<double, std::milli>(r.upstream_time).count();
  HeaderList h;
  h.reserve(12);
  h.add("x-litellm-call-id", r.call_id);
  h.append(scope.state.upstream_ids);
  h.add("x-litellm-model-id", d.config->model_info.id);
  h.add("x-litellm-model-group", res.group_name);
  h.add("x-litellm-model-api-base", d.public_api_base);
  add_attempt_counts(h, r);
  if (r.response_cost) h.add("x-litellm-response-cost", format_cost(*r.response_cost));
  if (r.stream) h.add("trailer", "x-litellm-response-cost");
  h.add("x-litellm-response-duration-ms", format_ms(total_ms));
  if (!scope.choice.routed_by.empty()) {
    h.add("x-routeiq-router", scope.choice.routed_by);
    h.add("x-routeiq-routed-model", scope.choice.routed_model);
  }
  // Time spent in the gateway itself: everything but waiting on the provider.
  h.add("x-litellm-overhead-duration-ms", format_ms(std::max(0.0, total_ms - upstream_ms)));
  h.append(scope.ctx.answer_headers);
  return h;
}

void note_cost(RequestContext& ctx, const runtime::DeploymentRuntime& d) {
  auto& r = ctx.record;
  if (d.price.priced()) {
    r.response_cost = cost::cost_of(d.price, r.usage);
  } else if (d.provider_from_request) {  // else priced once per config: no price
    auto price = cost::model_price(d.target.provider, d.target.model, *ctx.snapshot->prices);
    if (price.priced()) r.response_cost = cost::cost_of(price, r.usage);
  }
  charge_unwritten(ctx);
}

std::string format_cost(double usd) {
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, usd);
  return std::string(buf, ec == std::errc() ? end : buf);
}

void note_sent(RequestRecord& r, std::string_view bytes) {
  if (bytes.empty()) return;
  if (!r.first_chunk) r.first_chunk = Clock::now();
  if (r.transcript) r.transcript->chunk(bytes);
}

void note_whole(RequestRecord& r, std::string_view body) {
  if (r.transcript) r.transcript->whole(body);
}

HeaderList cost_trailers(const RequestRecord& r) {
  HeaderList h;
  if (r.response_cost) h.add("x-litellm-response-cost", format_cost(*r.response_cost));
  return h;
}

asio::awaitable<void> send_upstream_error(AttemptScope& scope, const Outcome& o,
                                          size_t deployment) {
  Error e = make_error(error_kind_for_status(o.status), o.message);
  e.status_override = o.status;
  e.retry_after = o.retry_after;
  HeaderList headers = scope.state.upstream_ids;
  headers.add("x-litellm-model-id",
              scope.ctx.snapshot->deployments[deployment].config->model_info.id);
  add_attempt_counts(headers, scope.ctx.record);
  co_await send_error(scope.ctx, std::move(e), std::move(headers));
}

asio::awaitable<void> send_final_error(AttemptScope& scope, const Outcome& last,
                                       size_t deployment) {
  if (last.kind == Outcome::http_error) {
    co_await send_upstream_error(scope, last, deployment);
    co_return;
  }
  HeaderList headers;
  add_attempt_counts(headers, scope.ctx.record);
  co_await send_error(scope.ctx, final_transport_error(last), std::move(headers));
}

}  // namespace routeiq::api
