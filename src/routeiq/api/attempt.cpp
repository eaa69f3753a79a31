#include "routeiq/api/attempt.hpp"

#include <boost/json.hpp>
#include <ctime>

#include "routeiq/api/request.hpp"
#include "routeiq/core/json.hpp"
#include "routeiq/core/log.hpp"
#include "routeiq/credentials/credentials.hpp"

namespace routeiq::api {
namespace asio = boost::asio;
namespace json = boost::json;

namespace {

constexpr size_t kMaxErrorBody = 1 << 20;

Outcome unsupported_endpoint(const runtime::DeploymentRuntime& d) {
  return local_error(
      400, "provider '" + std::string(d.provider->name) + "' supports only chat completions here");
}

// Credentials that need a fetch (Entra ID, Google, AWS): cached, refreshed
// off the request path once fetched.
asio::awaitable<Status> fill_credentials(const runtime::DeploymentRuntime& d,
                                         providers::Target& target) {
  if (!d.credentials) co_return ok_status();
  co_return co_await credentials::fill(*d.credentials, target);
}

Outcome transport_failure(const AttemptScope& scope, const net::UpstreamCall& call) {
  Outcome out;
  out.kind = scope.state.client_gone ? Outcome::client_gone : Outcome::transport_error;
  out.failure = call.failure();
  out.message = call.failure_detail();
  return out;
}

// An answer that is not a valid response: retried like a transport error,
// reported as 502 when it is the last one.
Outcome bad_response(std::string message) {
  Outcome out;
  out.failure = net::CallFailure::bad_response;
  out.message = std::move(message);
  return out;
}

Error scrubbed(const Error& e, const runtime::DeploymentRuntime& d) {
  return make_error(e.kind, scrub(e.message, d));
}

Error cut_short() {
  return make_error(ErrorKind::upstream_error, "upstream stream ended before its final event");
}

Error stream_failure(const net::UpstreamCall& call) {
  return make_error(
      call.failure() == net::CallFailure::timeout ? ErrorKind::timeout : ErrorKind::upstream_error,
      "upstream stream failed: " + call.failure_detail());
}

std::string content_type_of(const net::UpstreamCall& call) {
  auto ct = call.header("content-type");
  return ct.empty() ? "application/json" : ct;
}

// The provider's request id, which SDKs show (`_request_id`) and support
// desks ask for: OpenAI's x-request-id, Anthropic's request-id.
void keep_upstream_ids(CallState& state, const net::UpstreamCall& call) {
  state.upstream_ids.clear();
  for (auto name : {"x-request-id", "request-id"})
    if (auto v = call.header(name); !v.empty()) state.upstream_ids.add(name, v);
}

// What the answer said about itself, for the record of this request.
void note_answer(RequestRecord& record, const providers::Codec& codec) {
  record.usage = codec.usage();
  record.answered_model = codec.answered_model();
  record.complete = codec.complete();
}

// Sends the request and reads the response head; an error status is read
// (its first MiB) and turned into an Outcome in the codec's terms.
asio::awaitable<std::optional<Outcome>> start_call(AttemptScope& scope, net::UpstreamCall& call,
                                                   providers::HttpRequest upstream,
                                                   const runtime::DeploymentRuntime& d,
                                                   providers::Codec& codec) {
  auto waited_from = Clock::now();
  bool started = co_await call.start(std::move(upstream), scope.deadlines_for(*d.config));
  scope.ctx.record.upstream_time += Clock::now() - waited_from;
  if (!started) co_return transport_failure(scope, call);
  keep_upstream_ids(scope.state, call);
  if (call.status() < 400) co_return std::nullopt;
  std::string body;
  co_await call.read_prefix(body, kMaxErrorBody);  // the rest is discarded
  Error mapped = codec.decode_error(call.status(), body);
  Outcome out;
  out.kind = Outcome::http_error;
  out.status = mapped.status();
  out.message = scrub(std::move(mapped.message), d);
  out.retry_after = call.header("retry-after");
  co_return out;
}

asio::awaitable<Outcome> relay_whole(AttemptScope& scope, net::UpstreamCall& call,
                                     providers::Codec& codec, const runtime::DeploymentRuntime& d,
                                     const routing::Resolution& res) {
  std::string body;
  auto waited_from = Clock::now();
  bool complete = co_await call.read_all(body);
  scope.ctx.record.upstream_time += Clock::now() - waited_from;
  if (!complete) co_return transport_failure(scope, call);
  auto decoded = codec.decode_body(std::move(body));
  if (!decoded) co_return bad_response(scrub(decoded.error().message, d));
  note_answer(scope.ctx.record, codec);
  note_cost(scope.ctx, d);
  bool passed_through = codec.takes_client_body();
  std::string content_type = passed_through ? content_type_of(call) : "application/json";
  note_whole(scope.ctx.record, decoded.value());
  co_await scope.ctx.exchange.respond(passed_through ? call.status() : 200, content_type,
                                      decoded.value(), success_headers(scope, d, res));
  co_return Outcome{Outcome::ok};
}

// Headers are sent already: end with an error event in the client's dialect, then close.
asio::awaitable<void> end_stream_with_error(AttemptScope& scope, providers::Codec& codec,
                                            Error error) {
  auto& ex = scope.ctx.exchange;
  std::string out;
  codec.fail_stream(error, out);
  co_await ex.write_chunk(out);
  co_await ex.end_stream();
  ex.close_after();
  log::warn() << "call_id=" << scope.ctx.record.call_id
              << " stream broke mid-way: " << error.message;
  scope.ctx.record.error = std::move(error.message);
}

// Relays whatever arrived in one write. A translated stream that ends
// without its final event ends with an error, not as if complete.
asio::awaitable<Outcome> relay_stream(AttemptScope& scope, net::UpstreamCall& call,
                                      providers::Codec& codec, const runtime::DeploymentRuntime& d,
                                      const routing::Resolution& res) {
  auto& ex = scope.ctx.exchange;
  if (!co_await ex.begin_stream(200, "text/event-stream", success_headers(scope, d, res))) {
    call.cancel();
    co_return Outcome{Outcome::client_gone};
  }
  std::string piece, out;
  while (!call.done()) {
    if (!co_await call.read_some(piece)) {
      if (scope.state.client_gone) co_return Outcome{Outcome::client_gone};
      co_await end_stream_with_error(scope, codec, stream_failure(call));
      co_return Outcome{Outcome::ok};
    }
    out.clear();
    auto st = codec.decode_stream(piece, out);
    if (!st) {
      if (!out.empty()) co_await ex.write_chunk(out);
      co_await end_stream_with_error(scope, codec, scrubbed(st.error(), d));
      co_return Outcome{Outcome::ok};
    }
    if (!out.empty() && !co_await ex.write_chunk(out)) {
      call.cancel();
      co_return Outcome{Outcome::client_gone};
    }
    if (!out.empty()) note_sent(scope.ctx.record, out);
  }
  if (!codec.takes_client_body() && !codec.complete()) {
    co_await end_stream_with_error(scope, codec, cut_short());
    co_return Outcome{Outcome::ok};
  }
  out.clear();
  codec.finish_stream(out);
  if (!out.empty()) co_await ex.write_chunk(out);
  note_sent(scope.ctx.record, out);
  note_answer(scope.ctx.record, codec);
  note_cost(scope.ctx, d);
  co_await ex.end_stream(cost_trailers(scope.ctx.record));
  co_return Outcome{Outcome::ok};
}

// One attempt's answer: whole, or as a stream when the client asked for
// one (a pass-through upstream may still answer whole).
asio::awaitable<Outcome> relay(AttemptScope& scope, net::UpstreamCall& call,
                               providers::HttpRequest upstream, providers::Codec& codec,
                               const runtime::DeploymentRuntime& d,
                               const routing::Resolution& res) {
  if (auto failed = co_await start_call(scope, call, std::move(upstream), d, codec))
    co_return *failed;
  bool upstream_streams =
      !codec.takes_client_body() ||
      call.header("content-type").find("text/event-stream") != std::string::npos;
  if (scope.plan.stream && upstream_streams)
    co_return co_await relay_stream(scope, call, codec, d, res);
  co_return co_await relay_whole(scope, call, codec, d, res);
}

MockCall mock_call(const AttemptScope& scope) {
  const auto& ctx = scope.ctx;
  MockCall c;
  c.endpoint = ctx.route.endpoint;
  c.request = &ctx.openai_body();
  c.model = std::string(str_or(ctx.body, "model"));
  c.stream = scope.plan.stream;
  c.first_group = ctx.record.fallbacks == 0;
  c.id = ctx.record.call_id;
  c.created = static_cast<int64_t>(std::time(nullptr));
  return c;
}

// The deployment as this request calls it: one whose provider comes from the
// request's model ("openai/*" style wildcards) is resolved per request.
Result<std::optional<runtime::DeploymentRuntime>> per_request_deployment(
    const AttemptScope& scope, const runtime::DeploymentRuntime& d, const routing::Resolution& res,
    std::string& model) {
  if (!d.provider_from_request) return std::optional<runtime::DeploymentRuntime>();
  auto resolved = runtime::resolve_from_request(
      *d.config, res.group_name, scope.ctx.snapshot->config->litellm_settings.drop_params);
  if (!resolved) return resolved.error();
  model = std::move(resolved->second);
  return std::optional(std::move(resolved->first));
}

asio::awaitable<Outcome> call_upstream(AttemptScope& scope, const runtime::DeploymentRuntime& d,
                                       const routing::Resolution& res, std::string model) {
  auto& ctx = scope.ctx;
  auto codec =
      providers::make_codec(ctx.route.endpoint, ctx.dialect(), d.provider->format, res.group_name);
  if (!codec) co_return unsupported_endpoint(d);
  providers::Target target = d.target;
  target.model = std::move(model);
  target.client_headers = ctx.client_headers;
  if (auto st = co_await fill_credentials(d, target); !st)
    co_return local_error(st.error().status(), st.error().message);
  const json::object& input = codec->takes_client_body() ? ctx.body : ctx.openai_body();
  auto encoded = codec->encode(input, target, std::chrono::system_clock::now());
  if (!encoded) co_return local_error(encoded.error().status(), encoded.error().message);
  net::UpstreamCall call;
  scope.state.active = &call;
  Outcome out = co_await relay(scope, call, std::move(encoded.value()), *codec, d, res);
  scope.state.active = nullptr;
  note_answer(ctx.record, *codec);
  if (scope.state.client_gone) out.kind = Outcome::client_gone;
  co_return out;
}

}  // namespace

Clock::time_point AttemptScope::deadline() const {
  return routing::request_deadline(plan, ctx.record.received);
}

net::Deadlines AttemptScope::deadlines_for(const config::Deployment& d) const {
  auto dl = routing::attempt_deadlines(plan, d, ctx.snapshot->config->router_settings,
                                       ctx.record.received, Clock::now());
  return net::Deadlines{dl.total, dl.first_byte};
}

Outcome local_error(int status, std::string message) {
  Outcome out;
  out.kind = Outcome::http_error;
  out.status = status;
  out.message = std::move(message);
  return out;
}

asio::awaitable<Outcome> attempt_deployment(AttemptScope& scope, size_t index,
                                            const routing::Resolution& res) {
  const auto& d = scope.ctx.snapshot->deployments[index];
  scope.ctx.record.deployment_id = d.config->model_info.id;
  scope.ctx.record.deployment = &d;
  if (!d.not_callable_reason.empty()) co_return local_error(400, d.not_callable_reason);
  // mock_response and LiteLLM's other mock keys: answered here, no provider called.
  auto mock = read_mock_spec(scope.ctx.controls, d.config->extra_params);
  if (!mock) co_return local_error(400, mock.error().message);
  if (mock->active(scope.ctx.record.fallbacks == 0))
    co_return co_await answer_mock(scope, mock_answer(*mock, mock_call(scope)), d, res);
  std::string model = routing::upstream_model(*d.config, res.wildcard_part);
  auto per_request = per_request_deployment(scope, d, res, model);
  if (!per_request) co_return local_error(400, per_request.error().message);
  const auto& chosen = per_request.value() ? *per_request.value() : d;
  co_return co_await call_upstream(scope, chosen, res, std::move(model));
}

}  // namespace routeiq::api
