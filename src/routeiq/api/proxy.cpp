#include "routeiq/api/proxy.hpp"
#include "routeiq/api/mock_response.hpp"
#include "routeiq/api/request.hpp"
#include "routeiq/providers/codec.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>
#include <charconv>
#include <ctime>
#include <random>

#include "routeiq/config/litellm_keys.hpp"
#include "routeiq/core/json.hpp"
#include "routeiq/core/log.hpp"
#include "routeiq/credentials/credentials.hpp"
#include "routeiq/net/upstream.hpp"
#include "routeiq/routing/picker.hpp"
#include "routeiq/routing/plan.hpp"
#include "routeiq/routing/retry.hpp"

namespace routeiq::api {
namespace asio = boost::asio;
namespace json = boost::json;
using namespace asio::experimental::awaitable_operators;
using Clock = std::chrono::steady_clock;

namespace {

constexpr double kRetryAfterCapSeconds = 60;

// Control bytes (C0 and DEL) in a model name would reach upstream URLs and
// response headers: refused at the boundary.
bool has_control_character(std::string_view s) {
  for (char c : s)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return true;
  return false;
}
constexpr size_t kMaxErrorBody = 1 << 20;

struct Outcome {
  enum Kind { ok, http_error, transport_error, client_gone } kind = transport_error;
  int status = 0;
  std::string message;
  std::string retry_after;
  net::CallFailure failure = net::CallFailure::none;
};

struct CallState {
  net::UpstreamCall* active = nullptr;
  asio::steady_timer* mock_wait = nullptr;  // a mocked attempt's delay or timeout
  net::HeaderList upstream_ids;  // the provider's request id headers, passed to the client
  // What the last answer said about itself: its usage, model, completeness.
  providers::Usage usage;
  std::string answered_model;
  bool complete = false;
  bool client_gone = false;
  int retries = 0;
  int fallbacks = 0;
  Clock::duration upstream_time{};
};

class Proxy {
 public:
  Proxy(net::Exchange& ex, ProxyRequest req) : ex_(ex), req_(std::move(req)) {}

  asio::awaitable<void> run() {
    const auto& snap = *req_.snapshot;
    auto model_it = req_.body.find("model");
    if (model_it == req_.body.end() || !model_it->value().is_string()) {
      co_await send_error(
          ex_, req_.dialect,
          make_error(ErrorKind::invalid_request, "'model' is required (a string)", "model"),
          base_headers());
      co_return;
    }
    std::string model(model_it->value().as_string());
    if (has_control_character(model)) {
      co_await send_error(ex_, req_.dialect,
                          make_error(ErrorKind::invalid_request,
                                     "'model' may not contain control characters", "model"),
                          base_headers());
      co_return;
    }
    auto resolved = snap.table->resolve(model);
    if (!resolved) resolved = resolve_router_alias(model);
    if (!resolved) {
      co_await send_error(ex_, req_.dialect, unknown_model_error(model), base_headers());
      co_return;
    }
    if (auto it = snap.router_groups.find(resolved->group_name); it != snap.router_groups.end()) {
      auto routed = route_to_candidate(*it->second);
      if (!routed) {
        co_await send_error(ex_, req_.dialect,
                            make_error(ErrorKind::no_deployment_available,
                                       "No candidate of " + resolved->group_name + " is available"),
                            base_headers());
        co_return;
      }
      resolved = std::move(routed);
    }
    auto plan = routing::make_plan(*snap.config, resolved->group_name, canonical());
    if (!plan) {
      co_await send_error(ex_, req_.dialect, plan.error(), base_headers());
      co_return;
    }
    plan_ = std::move(plan.value());
    co_await (attempt_all(*resolved) || watch_client());
  }

 private:
  Error unknown_model_error(const std::string& model) const {
    std::string names;
    for (const auto& n : req_.snapshot->table->public_names())
      names += (names.empty() ? "" : ", ") + n;
    return make_error(ErrorKind::unknown_model,
                      "Invalid model name passed in model=" + model +
                          ". Call `/v1/models` to view available models for your key. "
                          "Available model groups: " +
                          names,
                      "model");
  }

  // "router-<type>-<w>": the router group of that type, with cost weight w.
  std::optional<routing::Resolution> resolve_router_alias(const std::string& model) {
    auto parsed = parse_router_model_name(model);
    if (!parsed) return std::nullopt;
    for (const auto& [group, router] : req_.snapshot->router_groups) {
      if (router->spec().type != parsed->first) continue;
      if (!req_.cost_weight) req_.cost_weight = parsed->second;
      return req_.snapshot->table->resolve(group);
    }
    return std::nullopt;
  }

  // A router group picks one of its candidate groups for this request; if it
  // cannot decide, any candidate with a healthy deployment (counted as a fallback).
  std::optional<routing::Resolution> route_to_candidate(const runtime::LearnedRouter& router) {
    const auto& snap = *req_.snapshot;
    const auto& candidates = router.spec().candidates;
    std::vector<std::vector<std::string>> targets;
    std::vector<bool> allowed;
    for (const auto& c : candidates) {
      targets.push_back({c});
      const auto* g = snap.table->group(c);
      bool healthy = false;
      if (g)
        for (size_t d : g->deployments) healthy = healthy || !snap.cooldowns->in_cooldown(d);
      allowed.push_back(healthy);
    }
    std::optional<size_t> chosen;
    if (auto d = router.decide(routing_query(canonical()), targets, allowed, req_.cost_weight)) {
      chosen = d->target;
      routed_by_ = router.header_value();
    } else {
      router.count_fallback();
      routed_by_ = "fallback";
      for (size_t i = 0; i < candidates.size() && !chosen; ++i)
        if (allowed[i]) chosen = i;
    }
    if (!chosen) return std::nullopt;
    routed_model_ = candidates[*chosen];
    log::debug() << "call_id=" << req_.call_id << " " << router.spec().name << " routed to "
                 << routed_model_;
    return snap.table->resolve(candidates[*chosen]);
  }

  asio::awaitable<void> watch_client() {
    co_await ex_.wait_client_gone();
    // Cancelled because the proxy side finished: return at once. Awaiting
    // anything more would throw operation_aborted, which costs a lot per request.
    auto cancel = (co_await asio::this_coro::cancellation_state).cancelled();
    if (cancel != asio::cancellation_type::none) co_return;
    state_.client_gone = true;
    if (state_.active) state_.active->cancel();
    if (state_.mock_wait) state_.mock_wait->cancel();
    // Stay pending until the proxy side notices and finishes.
    asio::steady_timer t(co_await asio::this_coro::executor, std::chrono::hours(1));
    co_await t.async_wait(asio::as_tuple(asio::use_awaitable));
  }

  asio::awaitable<void> attempt_all(routing::Resolution first) {
    const auto& snap = *req_.snapshot;
    Outcome last;
    bool any_candidate = false;
    for (size_t g = 0; g < plan_.groups.size(); ++g) {
      std::optional<routing::Resolution> res =
          g == 0 ? std::optional(first) : snap.table->resolve(plan_.groups[g]);
      if (!res) continue;
      state_.fallbacks = static_cast<int>(g);
      routing::Picker picker(*res->group, *snap.cooldowns, *snap.strategy, snap.callable);
      for (int attempt = 0; attempt <= plan_.num_retries; ++attempt) {
        auto pick = choose(picker);
        if (!pick) break;
        any_candidate = true;
        state_.retries = attempt;
        last = co_await attempt_one(*pick, *res);
        picker.observe(*pick, attempt_result(last));
        if (last.kind == Outcome::ok) log_answer(*pick, *res);
        if (last.kind == Outcome::ok || last.kind == Outcome::client_gone) co_return;
        log_failure(*pick, last);
        if (last.kind == Outcome::http_error && !routing::retryable_status(last.status)) {
          co_await send_upstream_error(last, *pick);
          co_return;
        }
        if (attempt < plan_.num_retries) co_await wait_before_retry(last);
        if (state_.client_gone) co_return;
      }
    }
    if (!any_candidate) {
      co_await send_error(ex_, req_.dialect,
                          make_error(ErrorKind::no_deployment_available,
                                     "No deployments available for model=" + first.group_name +
                                         ": every deployment is cooling down after failures"),
                          base_headers());
      co_return;
    }
    co_await send_final_error(last);
  }

  std::optional<size_t> choose(routing::Picker& picker) {
    thread_local std::mt19937_64 rng(std::random_device{}());
    std::string query =
        picker.strategy().reads_request() ? routing_query(canonical()) : std::string();
    routing::RequestContext ctx{query, req_.cost_weight, {}};
    auto chosen = picker.next(ctx, rng);
    if (chosen && !ctx.decided_by.empty()) {
      routed_by_ = ctx.decided_by;
      routed_model_ = req_.snapshot->config->model_list[*chosen].model;
    }
    return chosen;
  }

  static routing::AttemptResult attempt_result(const Outcome& o) {
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

  // One line per answered request (debug level), until the request record
  // reaches metrics and spend logs.
  void log_answer(size_t d, const routing::Resolution& res) const {
    log::debug() << "call_id=" << req_.call_id << " model_group=" << res.group_name
                 << " deployment=" << req_.snapshot->deployments[d].config->model_info.id
                 << " model=" << state_.answered_model
                 << " prompt_tokens=" << state_.usage.prompt_tokens
                 << " completion_tokens=" << state_.usage.completion_tokens
                 << " complete=" << (state_.complete ? "true" : "false");
  }

  void log_failure(size_t d, const Outcome& o) const {
    log::warn() << "call_id=" << req_.call_id
                << " deployment=" << req_.snapshot->deployments[d].config->model_info.id
                << " failed: "
                << (o.kind == Outcome::http_error ? "status=" + std::to_string(o.status)
                                                  : o.message);
  }

  asio::awaitable<void> wait_before_retry(const Outcome& o) {
    double upstream = routing::parse_retry_after(o.retry_after, std::chrono::system_clock::now());
    auto wait = routing::retry_wait(upstream, req_.snapshot->config->router_settings.retry_after,
                                    kRetryAfterCapSeconds);
    auto remaining =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline() - Clock::now());
    wait = std::min(wait, std::max(remaining, std::chrono::milliseconds(0)));
    if (wait.count() <= 0) co_return;
    asio::steady_timer timer(co_await asio::this_coro::executor, wait);
    co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
  }

  Clock::time_point deadline() const { return routing::request_deadline(plan_, req_.received); }

  net::Deadlines deadlines_for(const config::Deployment& d) const {
    auto dl = routing::attempt_deadlines(plan_, d, req_.snapshot->config->router_settings,
                                         req_.received, Clock::now());
    return net::Deadlines{dl.total, dl.first_byte};
  }

  asio::awaitable<Outcome> attempt_one(size_t index, const routing::Resolution& res) {
    current_ = index;
    const runtime::DeploymentRuntime* runtime = &req_.snapshot->deployments[index];
    if (!runtime->not_callable_reason.empty())
      co_return local_error(400, runtime->not_callable_reason);
    // mock_response and LiteLLM's other mock keys: answered here, no provider called.
    auto mock = read_mock_spec(req_.body, runtime->config->extra_params);
    if (!mock) co_return local_error(400, mock.error().message);
    if (mock->active(state_.fallbacks == 0)) {
      MockAnswer answer = mock_answer(*mock, mock_call());
      co_return co_await answer_mock(std::move(answer), *runtime, res);
    }
    std::string model = routing::upstream_model(*runtime->config, res.wildcard_part);
    std::optional<runtime::DeploymentRuntime> per_request;
    if (runtime->provider_from_request) {
      auto resolved = runtime::resolve_from_request(
          *runtime->config, res.group_name, req_.snapshot->config->litellm_settings.drop_params);
      if (!resolved) co_return local_error(400, resolved.error().message);
      per_request = std::move(resolved->first);
      model = std::move(resolved->second);
      runtime = &*per_request;
    }
    const auto& d = *runtime;
    auto codec =
        providers::make_codec(req_.endpoint, req_.dialect, d.provider->format, res.group_name);
    if (!codec) co_return unsupported_endpoint(d);
    providers::Target target = d.target;
    target.model = model;
    target.client_headers = req_.client_headers;
    if (auto st = co_await fill_credentials(d, target); !st)
      co_return local_error(st.error().status(), st.error().message);
    const json::object& input = codec->takes_client_body() ? req_.body : canonical();
    auto encoded = codec->encode(input, target, std::chrono::system_clock::now());
    if (!encoded) co_return local_error(encoded.error().status(), encoded.error().message);
    net::UpstreamCall call;
    state_.active = &call;
    Outcome out = co_await relay(call, std::move(encoded.value()), *codec, d, res);
    state_.active = nullptr;
    note_answer(*codec);
    if (state_.client_gone) out.kind = Outcome::client_gone;
    co_return out;
  }

  static Outcome unsupported_endpoint(const runtime::DeploymentRuntime& d) {
    return local_error(400, "provider '" + std::string(d.provider->name) +
                                "' supports only chat completions here");
  }

  // Credentials that need a fetch (Entra ID, Google, AWS): cached, refreshed
  // off the request path once fetched.
  static asio::awaitable<Status> fill_credentials(const runtime::DeploymentRuntime& d,
                                                  providers::Target& target) {
    if (d.provider->format != providers::WireFormat::azure)
      co_return co_await credentials::fill_credentials(d, target);
    auto token = co_await credentials::azure_bearer_token(d);
    if (!token) co_return token.error();
    target.credentials.bearer_token = token.value();
    co_return ok_status();
  }

  // What the answer said about itself, for the record of this request.
  void note_answer(const providers::Codec& codec) {
    state_.usage = codec.usage();
    state_.answered_model = codec.answered_model();
    state_.complete = codec.complete();
  }

  MockCall mock_call() const {
    MockCall c;
    c.endpoint = req_.endpoint;
    c.request = &canonical();
    c.model = json_string(req_.body, "model");
    c.stream = plan_.stream;
    c.first_group = state_.fallbacks == 0;
    c.id = req_.call_id;
    c.created = static_cast<int64_t>(std::time(nullptr));
    return c;
  }

  // A mocked attempt: waits as asked (within the attempt's deadlines; the
  // client going away ends the wait), then fails as a provider would, or
  // answers through the client's encoder with the usual headers.
  asio::awaitable<Outcome> answer_mock(MockAnswer m, const runtime::DeploymentRuntime& d,
                                       const routing::Resolution& res) {
    state_.upstream_ids.clear();
    auto dl = deadlines_for(*d.config);
    auto limit = plan_.stream ? dl.first_byte : dl.total;
    auto start = Clock::now();
    bool timed_out = m.wait_for_timeout || start + m.delay > limit;
    auto until = timed_out ? limit : start + m.delay;
    if (until > start) {
      asio::steady_timer timer(co_await asio::this_coro::executor, until);
      state_.mock_wait = &timer;
      co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
      state_.mock_wait = nullptr;
    }
    state_.upstream_time += Clock::now() - start;
    if (state_.client_gone) co_return Outcome{Outcome::client_gone};
    if (timed_out) co_return mock_timeout(m);
    if (m.failure) co_return mock_failure(*m.failure);
    auto encoder = providers::make_encoder(req_.dialect, res.group_name);
    if (!m.stream) {
      co_await ex_.respond(200, "application/json", encoder->full(m.response),
                           success_headers(d, res));
      co_return Outcome{Outcome::ok};
    }
    if (!co_await ex_.begin_stream(200, "text/event-stream", success_headers(d, res)))
      co_return Outcome{Outcome::client_gone};
    std::string out;
    for (const auto& chunk : m.chunks) {
      out.clear();
      encoder->chunk(chunk, out);
      if (!out.empty() && !co_await ex_.write_chunk(out)) co_return Outcome{Outcome::client_gone};
    }
    out.clear();
    encoder->finish(out);
    co_await ex_.write_chunk(out);
    co_await ex_.end_stream();
    co_return Outcome{Outcome::ok};
  }

  static Outcome mock_failure(const MockFailure& f) {
    Outcome out;
    out.kind = f.kind == MockFailure::Kind::status ? Outcome::http_error : Outcome::transport_error;
    out.status = f.status;
    out.retry_after = f.retry_after;
    out.message = f.message;
    if (f.kind == MockFailure::Kind::timeout) out.failure = net::CallFailure::timeout;
    if (f.kind == MockFailure::Kind::connect) out.failure = net::CallFailure::connect;
    return out;
  }

  static Outcome mock_timeout(const MockAnswer& m) {
    if (m.wait_for_timeout && m.failure) return mock_failure(*m.failure);
    Outcome out;
    out.kind = Outcome::transport_error;
    out.failure = net::CallFailure::timeout;
    out.message = "mock_delay is longer than the timeout";
    return out;
  }

  static Outcome local_error(int status, std::string message) {
    Outcome out;
    out.kind = Outcome::http_error;
    out.status = status;
    out.message = std::move(message);
    return out;
  }

  // Sends the request and reads the response head; an error status is read
  // (its first MiB) and turned into an Outcome in the codec's terms.
  asio::awaitable<std::optional<Outcome>> start_call(net::UpstreamCall& call,
                                                     providers::HttpRequest upstream,
                                                     const runtime::DeploymentRuntime& d,
                                                     providers::Codec& codec) {
    auto waited_from = Clock::now();
    net::UpstreamRequest request{std::move(upstream.method), std::move(upstream.url),
                                 std::move(upstream.headers), std::move(upstream.body)};
    bool started = co_await call.start(std::move(request), deadlines_for(*d.config));
    state_.upstream_time += Clock::now() - waited_from;
    if (!started) co_return transport_failure(call);
    keep_upstream_ids(call);
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

  // One attempt's answer: whole, or as a stream when the client asked for
  // one (a pass-through upstream may still answer whole).
  asio::awaitable<Outcome> relay(net::UpstreamCall& call, providers::HttpRequest upstream,
                                 providers::Codec& codec, const runtime::DeploymentRuntime& d,
                                 const routing::Resolution& res) {
    if (auto failed = co_await start_call(call, std::move(upstream), d, codec)) co_return *failed;
    bool upstream_streams =
        !codec.takes_client_body() ||
        call.header("content-type").find("text/event-stream") != std::string::npos;
    if (plan_.stream && upstream_streams) co_return co_await relay_stream(call, codec, d, res);
    co_return co_await relay_whole(call, codec, d, res);
  }

  asio::awaitable<Outcome> relay_whole(net::UpstreamCall& call, providers::Codec& codec,
                                       const runtime::DeploymentRuntime& d,
                                       const routing::Resolution& res) {
    std::string body;
    auto waited_from = Clock::now();
    bool complete = co_await call.read_all(body);
    state_.upstream_time += Clock::now() - waited_from;
    if (!complete) co_return transport_failure(call);
    auto decoded = codec.decode_body(std::move(body));
    if (!decoded) co_return bad_response(scrub(decoded.error().message, d));
    bool passed_through = codec.takes_client_body();
    std::string content_type = passed_through ? content_type_of(call) : "application/json";
    co_await ex_.respond(passed_through ? call.status() : 200, content_type, decoded.value(),
                         success_headers(d, res));
    co_return Outcome{Outcome::ok};
  }

  // Relays whatever arrived in one write. A translated stream that ends
  // without its final event ends with an error, not as if complete.
  asio::awaitable<Outcome> relay_stream(net::UpstreamCall& call, providers::Codec& codec,
                                        const runtime::DeploymentRuntime& d,
                                        const routing::Resolution& res) {
    if (!co_await ex_.begin_stream(200, "text/event-stream", success_headers(d, res))) {
      call.cancel();
      co_return Outcome{Outcome::client_gone};
    }
    std::string piece, out;
    while (!call.done()) {
      if (!co_await call.read_some(piece)) {
        if (state_.client_gone) co_return Outcome{Outcome::client_gone};
        co_await end_stream_with_error(codec, stream_failure(call));
        co_return Outcome{Outcome::ok};
      }
      out.clear();
      auto st = codec.decode_stream(piece, out);
      if (!st) {
        if (!out.empty()) co_await ex_.write_chunk(out);
        co_await end_stream_with_error(codec, scrubbed(st.error(), d));
        co_return Outcome{Outcome::ok};
      }
      if (!out.empty() && !co_await ex_.write_chunk(out)) {
        call.cancel();
        co_return Outcome{Outcome::client_gone};
      }
    }
    if (!codec.takes_client_body() && !codec.complete()) {
      co_await end_stream_with_error(codec, cut_short());
      co_return Outcome{Outcome::ok};
    }
    out.clear();
    codec.finish_stream(out);
    if (!out.empty()) co_await ex_.write_chunk(out);
    co_await ex_.end_stream();
    co_return Outcome{Outcome::ok};
  }

  static Error scrubbed(const Error& e, const runtime::DeploymentRuntime& d) {
    return make_error(e.kind, scrub(e.message, d));
  }

  static Error cut_short() {
    return make_error(ErrorKind::upstream_error, "upstream stream ended before its final event");
  }

  static Error stream_failure(const net::UpstreamCall& call) {
    return make_error(call.failure() == net::CallFailure::timeout ? ErrorKind::timeout
                                                                  : ErrorKind::upstream_error,
                      "upstream stream failed: " + call.failure_detail());
  }

  // Headers are sent already: end with an error event in the client's dialect, then close.
  asio::awaitable<void> end_stream_with_error(providers::Codec& codec, Error error) {
    std::string out;
    codec.fail_stream(error, out);
    co_await ex_.write_chunk(out);
    co_await ex_.end_stream();
    ex_.close_after();
    log::warn() << "call_id=" << req_.call_id << " stream broke mid-way: " << error.message;
  }

  static std::string content_type_of(const net::UpstreamCall& call) {
    auto ct = call.header("content-type");
    return ct.empty() ? "application/json" : ct;
  }

  Outcome transport_failure(const net::UpstreamCall& call) const {
    Outcome out;
    out.kind = state_.client_gone ? Outcome::client_gone : Outcome::transport_error;
    out.failure = call.failure();
    out.message = call.failure_detail();
    return out;
  }

  // An answer that is not a valid response: retried like a transport error,
  // reported as 502 when it is the last one.
  static Outcome bad_response(std::string message) {
    Outcome out;
    out.kind = Outcome::transport_error;
    out.failure = net::CallFailure::bad_response;
    out.message = std::move(message);
    return out;
  }

  // The provider's request id, which SDKs show (`_request_id`) and support
  // desks ask for: OpenAI's x-request-id, Anthropic's request-id.
  void keep_upstream_ids(const net::UpstreamCall& call) {
    state_.upstream_ids.clear();
    for (auto name : {"x-request-id", "request-id"})
      if (auto v = call.header(name); !v.empty()) state_.upstream_ids.emplace_back(name, v);
  }

  net::HeaderList base_headers() const { return {{"x-litellm-call-id", req_.call_id}}; }

  net::HeaderList success_headers(const runtime::DeploymentRuntime& d,
                                  const routing::Resolution& res) const {
    auto now = Clock::now();
    auto total_ms = std::chrono::duration<double, std::milli>(now - req_.received).count();
    auto upstream_ms = std::chrono::duration<double, std::milli>(state_.upstream_time).count();
    net::HeaderList h = base_headers();
    h.insert(h.end(), state_.upstream_ids.begin(), state_.upstream_ids.end());
    h.emplace_back("x-litellm-model-id", d.config->model_info.id);
    h.emplace_back("x-litellm-model-group", res.group_name);
    h.emplace_back("x-litellm-model-api-base", d.public_api_base);
    h.emplace_back("x-litellm-attempted-retries", std::to_string(state_.retries));
    h.emplace_back("x-litellm-attempted-fallbacks", std::to_string(state_.fallbacks));
    h.emplace_back("x-litellm-response-duration-ms", format_ms(total_ms));
    if (!routed_by_.empty()) {
      h.emplace_back("x-routeiq-router", routed_by_);
      h.emplace_back("x-routeiq-routed-model", routed_model_);
    }
    // Time spent in the gateway itself: everything but waiting on the provider.
    h.emplace_back("x-litellm-overhead-duration-ms",
                   format_ms(std::max(0.0, total_ms - upstream_ms)));
    return h;
  }

  static std::string format_ms(double ms) {
    char buf[32];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, ms, std::chars_format::fixed, 3);
    return std::string(buf, ec == std::errc() ? end : buf);
  }

  asio::awaitable<void> send_upstream_error(const Outcome& o, size_t d) {
    Error e = make_error(error_kind_for_status(o.status), o.message);
    e.status_override = o.status;
    e.retry_after = o.retry_after;
    auto headers = base_headers();
    headers.insert(headers.end(), state_.upstream_ids.begin(), state_.upstream_ids.end());
    headers.emplace_back("x-litellm-model-id", req_.snapshot->deployments[d].config->model_info.id);
    headers.emplace_back("x-litellm-attempted-retries", std::to_string(state_.retries));
    headers.emplace_back("x-litellm-attempted-fallbacks", std::to_string(state_.fallbacks));
    co_await send_error(ex_, req_.dialect, std::move(e), std::move(headers));
  }

  asio::awaitable<void> send_final_error(const Outcome& last) {
    if (last.kind == Outcome::http_error) {
      co_await send_upstream_error(last, current_);
      co_return;
    }
    Error e = final_transport_error(last);
    auto headers = base_headers();
    headers.emplace_back("x-litellm-attempted-retries", std::to_string(state_.retries));
    headers.emplace_back("x-litellm-attempted-fallbacks", std::to_string(state_.fallbacks));
    co_await send_error(ex_, req_.dialect, std::move(e), std::move(headers));
  }

  static Error final_transport_error(const Outcome& last) {
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

  // The request in OpenAI form: the body itself for OpenAI clients.
  const json::object& canonical() const {
    return req_.dialect == Dialect::openai ? req_.body : req_.canonical;
  }

  net::Exchange& ex_;
  ProxyRequest req_;
  std::string routed_by_, routed_model_;  // learned-router decision, for the response headers
  routing::CallPlan plan_;
  CallState state_;
  size_t current_ = 0;
};

}  // namespace

asio::awaitable<void> send_error(net::Exchange& ex, Dialect dialect, Error error,
                                 net::HeaderList headers) {
  if (!error.retry_after.empty()) headers.emplace_back("retry-after", error.retry_after);
  co_await ex.respond(error.status(), "application/json", providers::error_body(dialect, error),
                      headers);
}

asio::awaitable<void> proxy_openai(net::Exchange& exchange, ProxyRequest request) {
  if (request.call_id.empty()) request.call_id = make_call_id();
  Proxy proxy(exchange, std::move(request));
  co_await proxy.run();
}

}  // namespace routeiq::api
