// A mocked attempt (mock_response, mock_timeout, mock_delay): the answer is
// made by api/mock_response without I/O; only the wait and the writes are here.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "routeiq/api/attempt.hpp"
#include "routeiq/core/json.hpp"
#include "routeiq/providers/common.hpp"

namespace routeiq::api {
namespace asio = boost::asio;

namespace {

Outcome mock_failure(const MockFailure& f) {
  Outcome out;
  out.kind = f.kind == MockFailure::Kind::status ? Outcome::http_error : Outcome::transport_error;
  out.status = f.status;
  out.retry_after = f.retry_after;
  out.message = f.message;
  if (f.kind == MockFailure::Kind::timeout) out.failure = net::CallFailure::timeout;
  if (f.kind == MockFailure::Kind::connect) out.failure = net::CallFailure::connect;
  return out;
}

Outcome mock_timeout(const MockAnswer& m) {
  if (m.wait_for_timeout && m.failure) return mock_failure(*m.failure);
  Outcome out;
  out.kind = Outcome::transport_error;
  out.failure = net::CallFailure::timeout;
  out.message = "mock_delay is longer than the timeout";
  return out;
}

asio::awaitable<void> wait_until(AttemptScope& scope, Clock::time_point until) {
  asio::steady_timer timer(co_await asio::this_coro::executor, until);
  scope.state.mock_wait = &timer;
  co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
  scope.state.mock_wait = nullptr;
}

asio::awaitable<Outcome> stream_mock(AttemptScope& scope, const MockAnswer& m,
                                     providers::ResponseEncoder& encoder, HeaderList headers) {
  auto& ex = scope.ctx.exchange;
  if (!co_await ex.begin_stream(200, "text/event-stream", headers))
    co_return Outcome{Outcome::client_gone};
  std::string out;
  for (const auto& chunk : m.chunks) {
    out.clear();
    encoder.chunk(chunk, out);
    if (!out.empty() && !co_await ex.write_chunk(out)) co_return Outcome{Outcome::client_gone};
    if (!out.empty()) note_sent(scope.ctx.record, out);
  }
  out.clear();
  encoder.finish(out);
  co_await ex.write_chunk(out);
  note_sent(scope.ctx.record, out);
  co_await ex.end_stream(cost_trailers(scope.ctx.record));
  co_return Outcome{Outcome::ok};
}

// The usage a mock reports (whole answer, or the stream's last chunk).
void note_mock_answer(RequestRecord& record, const MockAnswer& m, std::string model) {
  record.complete = true;
  record.answered_model = std::move(model);
  const auto& last = m.stream && !m.chunks.empty() ? m.chunks.back() : m.response;
  if (const auto* u = last.if_contains("usage"); u && u->is_object())
    record.usage = providers::usage_from_openai(u->as_object());
}

}  // namespace

asio::awaitable<Outcome> answer_mock(AttemptScope& scope, MockAnswer m,
                                     const runtime::DeploymentRuntime& d,
                                     const routing::Resolution& res) {
  scope.state.upstream_ids.clear();
  auto dl = scope.deadlines_for(*d.config);
  auto limit = scope.plan.stream ? dl.first_byte : dl.total;
  auto start = Clock::now();
  bool timed_out = m.wait_for_timeout || start + m.delay > limit;
  auto until = timed_out ? limit : start + m.delay;
  if (until > start) co_await wait_until(scope, until);
  scope.ctx.record.upstream_time += Clock::now() - start;
  if (scope.state.client_gone) co_return Outcome{Outcome::client_gone};
  if (timed_out) co_return mock_timeout(m);
  if (m.failure) co_return mock_failure(*m.failure);
  note_mock_answer(scope.ctx.record, m, std::string(str_or(scope.ctx.body, "model")));
  note_cost(scope.ctx, d);
  auto encoder = providers::make_encoder(scope.ctx.dialect(), res.group_name);
  if (m.stream) co_return co_await stream_mock(scope, m, *encoder, success_headers(scope, d, res));
  auto body = encoder->full(m.response);
  note_whole(scope.ctx.record, body);
  co_await scope.ctx.exchange.respond(200, "application/json", std::move(body),
                                      success_headers(scope, d, res));
  co_return Outcome{Outcome::ok};
}

}  // namespace routeiq::api
