#include "routeiq/api/proxy.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>
#include <charconv>
#include <random>

#include "routeiq/core/json.hpp"
#include "routeiq/core/log.hpp"
#include "routeiq/app/credentials.hpp"
#include "routeiq/net/upstream.hpp"
#include "routeiq/routing/retry.hpp"

namespace routeiq::api {
namespace asio = boost::asio;
namespace json = boost::json;
using namespace asio::experimental::awaitable_operators;
using Clock = std::chrono::steady_clock;

namespace {

constexpr double kDefaultTimeoutSeconds = 600;  // LiteLLM's default request timeout
constexpr double kRetryAfterCapSeconds = 60;
constexpr size_t kMaxErrorBody = 1 << 20;

// LiteLLM request-level controls: honoured here, never sent upstream.
constexpr std::string_view kGatewayOnlyKeys[] = {
    "timeout", "stream_timeout", "num_retries", "fallbacks", "context_window_fallbacks",
    "mock_response", "caching", "cache", "tags", "disable_fallbacks", "max_retries"};

// litellm_params keys that configure the gateway rather than the provider.
constexpr std::string_view kNotForProvider[] = {
    "custom_llm_provider", "litellm_credential_name", "input_cost_per_token",
    "output_cost_per_token", "input_cost_per_second", "output_cost_per_second",
    "use_in_pass_through", "use_litellm_proxy", "merge_reasoning_content_in_choices",
    "model_info", "tags", "region_name", "mock_response", "drop_params", "additional_drop_params",
    "vertex_project", "vertex_location", "vertex_credentials", "aws_region_name",
    "aws_access_key_id", "aws_secret_access_key", "aws_session_token", "aws_profile_name",
    "tenant_id", "client_id", "client_secret", "azure_ad_token", "azure_username",
    "azure_password", "candidates", "model_path", "configurable_clientside_auth_params"};

template <size_t N>
bool listed(const std::string_view (&list)[N], std::string_view key) {
  for (auto k : list)
    if (k == key) return true;
  return false;
}

// The text a learned router judges: the last user message (its text parts), or
// the prompt / input of completions and embeddings.
std::string routing_query(const json::object& request) {
  auto text_of = [](const json::value& content) {
    if (content.is_string()) return std::string(content.as_string());
    std::string out;
    if (content.is_array())
      for (const auto& part : content.as_array())
        if (part.is_object() && part.as_object().contains("text") && part.at("text").is_string()) {
          if (!out.empty()) out += "\n";
          out += part.at("text").as_string();
        }
    return out;
  };
  if (auto it = request.find("messages"); it != request.end() && it->value().is_array()) {
    const auto& messages = it->value().as_array();
    for (auto m = messages.rbegin(); m != messages.rend(); ++m)
      if (m->is_object() && m->as_object().contains("role") && m->at("role") == "user" &&
          m->as_object().contains("content"))
        return text_of(m->at("content"));
  }
  for (auto key : {"prompt", "input"})
    if (auto it = request.find(key); it != request.end()) return text_of(it->value());
  return {};
}

// RouteLLM-style names: "router-knn-0.3" asks the knn router group with cost weight 0.3.
std::optional<std::pair<std::string, double>> parse_router_model_name(std::string_view model) {
  if (!model.starts_with("router-")) return std::nullopt;
  auto rest = model.substr(7);
  auto dash = rest.rfind('-');
  if (dash == std::string_view::npos || dash == 0) return std::nullopt;
  try {
    size_t used = 0;
    std::string number(rest.substr(dash + 1));
    double w = std::stod(number, &used);
    if (used != number.size()) return std::nullopt;
    return std::pair{std::string(rest.substr(0, dash)), w};
  } catch (...) {
    return std::nullopt;
  }
}

struct CallPlan {
  std::vector<std::string> groups;  // the requested group, then fallbacks
  int num_retries = 0;
  double timeout = kDefaultTimeoutSeconds;
  std::optional<double> stream_timeout;  // request-level override
  bool stream = false;
};

std::vector<std::string> fallbacks_for(const config::Config& cfg, const std::string& group) {
  for (const auto& f : cfg.router_settings.fallbacks)
    if (f.model_group == group) return f.fallbacks;
  return cfg.router_settings.default_fallbacks;
}

CallPlan make_plan(const app::Snapshot& snap, const std::string& group, const json::object& body) {
  const auto& cfg = *snap.config;
  CallPlan plan;
  plan.groups.push_back(group);
  bool disable = body.contains("disable_fallbacks") && body.at("disable_fallbacks").is_bool() &&
                 body.at("disable_fallbacks").as_bool();
  std::vector<std::string> fallbacks;
  if (auto it = body.find("fallbacks"); it != body.end() && it->value().is_array()) {
    for (const auto& v : it->value().as_array())
      if (v.is_string()) fallbacks.emplace_back(v.as_string());
  } else {
    fallbacks = fallbacks_for(cfg, group);
  }
  if (!disable)
    for (auto& f : fallbacks)
      if (f != group) plan.groups.push_back(std::move(f));
  plan.num_retries = cfg.router_settings.num_retries;
  if (cfg.litellm_settings.num_retries && cfg.router_settings.num_retries == 0)
    plan.num_retries = *cfg.litellm_settings.num_retries;
  if (auto n = json_number(body, "num_retries")) plan.num_retries = static_cast<int>(*n);
  plan.num_retries = std::clamp(plan.num_retries, 0, 10);
  if (cfg.litellm_settings.request_timeout) plan.timeout = *cfg.litellm_settings.request_timeout;
  if (cfg.router_settings.timeout) plan.timeout = *cfg.router_settings.timeout;
  if (auto t = json_number(body, "timeout")) plan.timeout = *t;
  plan.stream_timeout = json_number(body, "stream_timeout");
  if (auto it = body.find("stream"); it != body.end() && it->value().is_bool())
    plan.stream = it->value().as_bool();
  return plan;
}

std::string_view endpoint_path(Endpoint e) {
  switch (e) {
    case Endpoint::completions: return "/completions";
    case Endpoint::embeddings: return "/embeddings";
    default: return "/chat/completions";
  }
}

net::UpstreamRequest build_upstream(const app::DeploymentRuntime& d, Endpoint endpoint,
                                    const json::object& client_body, const std::string& model,
                                    const std::string& azure_bearer = {}) {
  json::object body;
  for (const auto& [k, v] : d.config->extra_params)
    if (!listed(kNotForProvider, k)) body[k] = v;  // deployment defaults; the request wins
  for (const auto& [k, v] : client_body)
    if (!listed(kGatewayOnlyKeys, k)) body[k] = v;
  body["model"] = model;
  net::UpstreamRequest r;
  r.headers.emplace_back("content-type", "application/json");
  if (d.provider->format == providers::WireFormat::azure) {
    std::string version = d.config->api_version;
    if (version.empty())
      if (const char* v = std::getenv("AZURE_API_VERSION")) version = v;
    r.url = d.api_base + "/openai/deployments/" + model + std::string(endpoint_path(endpoint)) +
            "?api-version=" + version;
    body.erase("model");
    if (!azure_bearer.empty())
      r.headers.emplace_back("authorization", "Bearer " + azure_bearer);
    else if (!d.api_key.empty())
      r.headers.emplace_back("api-key", d.api_key);
  } else {
    r.url = d.api_base + std::string(endpoint_path(endpoint));
    if (!d.api_key.empty()) r.headers.emplace_back("authorization", "Bearer " + d.api_key);
    if (!d.config->organization.empty())
      r.headers.emplace_back("openai-organization", d.config->organization);
  }
  for (const auto& [k, v] : d.config->extra_headers) r.headers.emplace_back(k, v);
  r.body = json::serialize(body);
  return r;
}

// Removes credentials and upstream addresses from text that may reach a client.
std::string scrub(std::string text, const app::DeploymentRuntime& d) {
  auto replace_all = [&](const std::string& needle, std::string_view with) {
    if (needle.size() < 4) return;
    for (size_t p = text.find(needle); p != std::string::npos; p = text.find(needle, p))
      text.replace(p, needle.size(), with);
  };
  replace_all(d.api_key, "[REDACTED]");
  replace_all(d.api_base, "[upstream]");
  return text;
}

// The upstream's error message (OpenAI shape or plain), scrubbed and bounded.
std::string upstream_message(const std::string& body, int status, const app::DeploymentRuntime& d) {
  std::string message;
  boost::system::error_code ec;
  auto v = json::parse(body, ec);
  if (!ec && v.is_object()) {
    const auto& o = v.as_object();
    if (auto e = o.find("error"); e != o.end()) {
      if (e->value().is_object() && e->value().as_object().contains("message") &&
          e->value().at("message").is_string())
        message = e->value().at("message").as_string();
      else if (e->value().is_string())
        message = e->value().as_string();
    } else if (auto m = o.find("message"); m != o.end() && m->value().is_string()) {
      message = m->value().as_string();
    }
  }
  if (message.empty()) message = "upstream returned HTTP " + std::to_string(status);
  if (message.size() > 2000) message.resize(2000);
  return scrub(std::move(message), d);
}

// A random (version 4) UUID, RFC 4122 section 4.4.
std::string make_call_id() {
  thread_local std::mt19937_64 rng(std::random_device{}());
  uint64_t a = rng(), b = rng();
  a = (a & 0xffffffffffff0fffULL) | 0x0000000000004000ULL;  // version 4
  b = (b & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;  // RFC 4122 variant
  std::string out(36, '-');
  constexpr char kHex[] = "0123456789abcdef";
  size_t pos = 0;
  auto put = [&](uint64_t v, int nibbles) {
    for (int i = nibbles - 1; i >= 0; --i) out[pos++] = kHex[(v >> (4 * i)) & 15];
  };
  put(a >> 32, 8), ++pos, put(a >> 16, 4), ++pos, put(a, 4), ++pos;
  put(b >> 48, 4), ++pos, put(b, 12);
  return out;
}

// The error type a client sees for an upstream status (the status itself is kept).
ErrorKind kind_for_upstream_status(int status) {
  switch (status) {
    case 400:
    case 422: return ErrorKind::invalid_request;
    case 401: return ErrorKind::unauthorized;
    case 403: return ErrorKind::forbidden;
    case 404: return ErrorKind::not_found;
    case 408:
    case 504: return ErrorKind::timeout;
    case 413: return ErrorKind::payload_too_large;
    case 429: return ErrorKind::rate_limited;
    default: return ErrorKind::upstream_error;
  }
}

struct Outcome {
  enum Kind { ok, http_error, transport_error, client_gone } kind = transport_error;
  int status = 0;
  std::string message;
  std::string retry_after;
  net::CallFailure failure = net::CallFailure::none;
};

struct CallState {
  net::UpstreamCall* active = nullptr;
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
    plan_ = make_plan(snap, resolved->group_name, canonical());
    co_await (attempt_all(*resolved) || watch_client());
  }

 private:
  Error unknown_model_error(const std::string& model) const {
    std::string names;
    for (const auto& n : req_.snapshot->table->public_names()) names += (names.empty() ? "" : ", ") + n;
    return make_error(ErrorKind::unknown_model,
                      "Invalid model name passed in model=" + model +
                          ". Call `/v1/models` to view available models for your key. "
                          "Available model groups: " + names,
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
  std::optional<routing::Resolution> route_to_candidate(const app::LearnedRouter& router) {
    const auto& snap = *req_.snapshot;
    const auto& candidates = router.spec().candidates;
    std::vector<std::vector<std::string>> targets;
    std::vector<bool> allowed;
    for (const auto& c : candidates) {
      targets.push_back({c});
      const auto* g = snap.table->group(c);
      bool healthy = false;
      for (size_t d : g ? g->deployments : std::vector<size_t>{})
        healthy = healthy || !snap.cooldowns->in_cooldown(d);
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
      std::vector<size_t> tried;
      for (int attempt = 0; attempt <= plan_.num_retries; ++attempt) {
        auto pick = choose(*res->group, tried);
        if (!pick) break;
        any_candidate = true;
        tried.push_back(*pick);
        state_.retries = attempt;
        last = co_await attempt_one(*pick, *res);
        if (last.kind == Outcome::ok || last.kind == Outcome::client_gone) co_return;
        note_failure(*pick, last);
        if (last.kind == Outcome::http_error && !routing::retryable_status(last.status)) {
          co_await send_upstream_error(last, *pick);
          co_return;
        }
        if (attempt < plan_.num_retries) co_await wait_before_retry(last);
        if (state_.client_gone) co_return;
      }
    }
    if (!any_candidate) {
      co_await send_error(
          ex_, req_.dialect, make_error(ErrorKind::no_deployment_available,
                          "No deployments available for model=" + first.group_name +
                              ": every deployment is cooling down after failures"),
          base_headers());
      co_return;
    }
    co_await send_final_error(last);
  }

  // A healthy deployment not tried yet; else a healthy one tried before.
  std::optional<size_t> choose(const routing::ModelGroup& group, const std::vector<size_t>& tried) {
    thread_local std::mt19937_64 rng(std::random_device{}());
    const auto& cooldowns = *req_.snapshot->cooldowns;
    std::vector<size_t> fresh, healthy;
    for (size_t d : group.deployments) {
      if (cooldowns.in_cooldown(d)) continue;
      healthy.push_back(d);
      if (std::find(tried.begin(), tried.end(), d) == tried.end()) fresh.push_back(d);
    }
    const auto& pool = fresh.empty() ? healthy : fresh;
    if (pool.empty()) return std::nullopt;
    std::string query = routing_query(canonical());
    routing::RequestContext ctx{query, req_.cost_weight, {}};
    size_t chosen = pool[req_.snapshot->strategy->pick(pool, ctx, rng)];
    if (!ctx.decided_by.empty()) {
      routed_by_ = ctx.decided_by;
      routed_model_ = req_.snapshot->config->model_list[chosen].model;
    }
    return chosen;
  }

  void note_failure(size_t d, const Outcome& o) {
    auto& cooldowns = *req_.snapshot->cooldowns;
    if (o.kind == Outcome::http_error && o.status == 429)
      cooldowns.cool_down_now(d);
    else if (o.kind == Outcome::transport_error ||
             (o.kind == Outcome::http_error && routing::retryable_status(o.status)))
      cooldowns.record_failure(d);
    log::warn() << "call_id=" << req_.call_id << " deployment="
                << req_.snapshot->deployments[d].config->model_info.id
                << " failed: " << (o.kind == Outcome::http_error ? "status=" + std::to_string(o.status)
                                                                  : o.message);
  }

  asio::awaitable<void> wait_before_retry(const Outcome& o) {
    double upstream = routing::parse_retry_after(o.retry_after, std::chrono::system_clock::now());
    auto wait = routing::retry_wait(upstream, req_.snapshot->config->router_settings.retry_after,
                                    kRetryAfterCapSeconds);
    auto remaining = std::chrono::duration_cast<std::chrono::milliseconds>(deadline() - Clock::now());
    wait = std::min(wait, std::max(remaining, std::chrono::milliseconds(0)));
    if (wait.count() <= 0) co_return;
    asio::steady_timer timer(co_await asio::this_coro::executor, wait);
    co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
  }

  Clock::time_point deadline() const {
    return req_.received + std::chrono::milliseconds(static_cast<int64_t>(plan_.timeout * 1000));
  }

  net::Deadlines deadlines_for(const config::Deployment& d) const {
    double total = d.timeout.value_or(plan_.timeout);
    if (canonical().contains("timeout")) total = plan_.timeout;
    auto start = Clock::now();
    net::Deadlines dl;
    dl.total = std::min(start + std::chrono::milliseconds(static_cast<int64_t>(total * 1000)),
                        deadline());
    std::optional<double> first = plan_.stream_timeout;
    if (!first && plan_.stream) {
      first = d.stream_timeout;
      if (!first) first = req_.snapshot->config->router_settings.stream_timeout;
    }
    dl.first_byte =
        first ? std::min(dl.total, start + std::chrono::milliseconds(static_cast<int64_t>(*first * 1000)))
              : dl.total;
    return dl;
  }

  // How an attempt talks to its deployment: bytes relayed untouched when the
  // client's dialect is the provider's wire format, else translated.
  enum class Mode { raw_openai, raw_anthropic, translated };

  Mode mode_for(const app::DeploymentRuntime& d) const {
    auto format = d.provider->format;
    bool openai_family =
        format == providers::WireFormat::openai || format == providers::WireFormat::azure;
    if (req_.dialect == Dialect::openai && openai_family) return Mode::raw_openai;
    if (req_.dialect == Dialect::anthropic && format == providers::WireFormat::anthropic)
      return Mode::raw_anthropic;
    return Mode::translated;
  }

  asio::awaitable<Outcome> attempt_one(size_t index, const routing::Resolution& res) {
    current_ = index;
    const app::DeploymentRuntime* runtime = &req_.snapshot->deployments[index];
    std::string model = routing::upstream_model(*runtime->config, res.wildcard_part);
    std::optional<app::DeploymentRuntime> per_request;
    if (runtime->provider_from_request) {
      auto resolved = app::resolve_from_request(*runtime->config, res.group_name);
      if (!resolved) co_return local_error(400, resolved.error().message);
      per_request = std::move(resolved->first);
      model = std::move(resolved->second);
      runtime = &*per_request;
    }
    const auto& d = *runtime;
    if (d.provider->format == providers::WireFormat::azure) {
      auto token = co_await app::azure_bearer_token(d);
      if (!token) co_return local_error(token.error().status(), token.error().message);
      azure_bearer_ = token.value();
    }
    net::UpstreamCall call;
    state_.active = &call;
    Outcome out;
    switch (mode_for(d)) {
      case Mode::raw_openai:
        out = co_await relay_raw(
            call, build_upstream(d, req_.endpoint, req_.body, model, azure_bearer_), d, res);
        break;
      case Mode::raw_anthropic:
        out = co_await relay_raw(call, build_anthropic_passthrough(d, model), d, res);
        break;
      case Mode::translated:
        out = co_await relay_translated(call, d, res, model);
        break;
    }
    state_.active = nullptr;
    if (state_.client_gone) out.kind = Outcome::client_gone;
    co_return out;
  }

  static Outcome local_error(int status, std::string message) {
    Outcome out;
    out.kind = Outcome::http_error;
    out.status = status;
    out.message = std::move(message);
    return out;
  }

  // Anthropic client to an Anthropic deployment: only the model changes.
  net::UpstreamRequest build_anthropic_passthrough(const app::DeploymentRuntime& d,
                                                   const std::string& model) const {
    json::object body;
    for (const auto& [k, v] : req_.body)
      if (!listed(kGatewayOnlyKeys, k)) body[k] = v;
    body["model"] = model;
    net::UpstreamRequest r;
    r.url = d.api_base + "/v1/messages";
    r.headers.emplace_back("content-type", "application/json");
    if (!d.api_key.empty()) r.headers.emplace_back("x-api-key", d.api_key);
    bool has_version = false;
    for (const auto& [k, v] : req_.client_headers) {
      has_version = has_version || k == "anthropic-version";
      r.headers.emplace_back(k, v);
    }
    if (!has_version) r.headers.emplace_back("anthropic-version", "2023-06-01");
    for (const auto& [k, v] : d.config->extra_headers) r.headers.emplace_back(k, v);
    r.body = json::serialize(body);
    return r;
  }

  // Sends the request and reads the response head; an error status is read
  // whole and turned into an Outcome.
  asio::awaitable<std::optional<Outcome>> start_call(net::UpstreamCall& call,
                                                     net::UpstreamRequest upstream,
                                                     const app::DeploymentRuntime& d,
                                                     providers::ChatTranslator* translator) {
    auto waited_from = Clock::now();
    bool started = co_await call.start(std::move(upstream), deadlines_for(*d.config));
    state_.upstream_time += Clock::now() - waited_from;
    if (!started) co_return transport_failure(call);
    if (call.status() < 400) co_return std::nullopt;
    std::string body;
    co_await call.read_all(body);
    if (body.size() > kMaxErrorBody) body.resize(kMaxErrorBody);
    Outcome out;
    out.kind = Outcome::http_error;
    out.status = call.status();
    out.retry_after = call.header("retry-after");
    if (translator) {
      Error mapped = translator->decode_error(out.status, body);
      out.status = mapped.status();
      out.message = scrub(std::move(mapped.message), d);
    } else {
      out.message = upstream_message(body, out.status, d);
    }
    co_return out;
  }

  asio::awaitable<Outcome> relay_raw(net::UpstreamCall& call, net::UpstreamRequest upstream,
                                     const app::DeploymentRuntime& d,
                                     const routing::Resolution& res) {
    if (auto failed = co_await start_call(call, std::move(upstream), d, nullptr)) co_return *failed;
    if (plan_.stream && call.header("content-type").find("text/event-stream") != std::string::npos)
      co_return co_await relay_stream(call, d, res);
    std::string body;
    auto waited_from = Clock::now();
    bool complete = co_await call.read_all(body);
    state_.upstream_time += Clock::now() - waited_from;
    if (!complete) co_return transport_failure(call);
    co_await ex_.respond(call.status(), content_type_of(call), body, success_headers(d, res));
    co_return Outcome{Outcome::ok};
  }

  providers::Target target_for(const app::DeploymentRuntime& d, const std::string& model) const {
    providers::Target t;
    t.provider = d.provider->name;
    t.model = model;
    t.api_base = d.api_base;
    t.api_version = d.config->api_version;
    t.credentials.api_key = d.api_key;
    t.extra_params = d.config->extra_params;
    auto drop = d.config->extra_params.find("drop_params");
    t.drop_params = req_.snapshot->config->litellm_settings.drop_params ||
                    (drop != d.config->extra_params.end() && drop->value().is_bool() &&
                     drop->value().as_bool());
    for (const auto& [k, v] : d.config->extra_headers) t.extra_headers.emplace_back(k, v);
    return t;
  }

  asio::awaitable<Outcome> relay_translated(net::UpstreamCall& call, const app::DeploymentRuntime& d,
                                            const routing::Resolution& res, std::string model) {
    if (req_.endpoint != Endpoint::chat_completions)
      co_return local_error(400, "provider '" + std::string(d.provider->name) +
                                     "' supports only chat completions here");
    std::unique_ptr<providers::ChatTranslator> translator;
    std::unique_ptr<ResponseDecoder> decoder;
    net::UpstreamRequest upstream;
    auto format = d.provider->format;
    if (format == providers::WireFormat::openai || format == providers::WireFormat::azure) {
      upstream = build_upstream(d, req_.endpoint, canonical(), model, azure_bearer_);
      decoder = std::make_unique<OpenAIDecoder>();
    } else {
      translator = providers::make_chat_translator(provider_format_name(format));
      if (!translator) co_return local_error(400, "no translator for this provider");
      auto target = target_for(d, model);
      if (auto st = co_await app::fill_credentials(d, target); !st)
        co_return local_error(st.error().status(), st.error().message);
      json::object request = canonical();
      request["model"] = model;
      auto encoded = translator->encode(request, target, std::chrono::system_clock::now());
      if (!encoded) co_return local_error(encoded.error().status(), encoded.error().message);
      upstream.method = encoded->method;
      upstream.url = std::move(encoded->url);
      upstream.headers = std::move(encoded->headers);
      upstream.body = std::move(encoded->body);
      decoder = std::make_unique<TranslatorDecoder>(*translator);
    }
    if (auto failed = co_await start_call(call, std::move(upstream), d, translator.get()))
      co_return *failed;
    auto encoder = make_encoder(req_.dialect, res.group_name);
    if (plan_.stream) co_return co_await relay_translated_stream(call, d, res, *decoder, *encoder);
    std::string body;
    auto waited_from = Clock::now();
    bool complete = co_await call.read_all(body);
    state_.upstream_time += Clock::now() - waited_from;
    if (!complete) co_return transport_failure(call);
    auto decoded = decoder->full(body);
    if (!decoded) co_return local_error(502, scrub(decoded.error().message, d));
    co_await ex_.respond(200, "application/json", encoder->full(decoded.value()),
                         success_headers(d, res));
    co_return Outcome{Outcome::ok};
  }

  static std::string_view provider_format_name(providers::WireFormat f) {
    switch (f) {
      case providers::WireFormat::anthropic: return "anthropic";
      case providers::WireFormat::gemini: return "gemini";
      case providers::WireFormat::vertex_ai: return "vertex_ai";
      case providers::WireFormat::bedrock: return "bedrock";
      case providers::WireFormat::cohere: return "cohere";
      default: return "";
    }
  }

  asio::awaitable<Outcome> relay_translated_stream(net::UpstreamCall& call,
                                                   const app::DeploymentRuntime& d,
                                                   const routing::Resolution& res,
                                                   ResponseDecoder& decoder,
                                                   ResponseEncoder& encoder) {
    if (!co_await ex_.begin_stream(200, "text/event-stream", success_headers(d, res))) {
      call.cancel();
      co_return Outcome{Outcome::client_gone};
    }
    std::string piece, out;
    std::vector<json::object> chunks;
    while (!call.done()) {
      if (!co_await call.read_some(piece)) {
        if (state_.client_gone) co_return Outcome{Outcome::client_gone};
        co_await end_stream_with_error(encoder, stream_failure(call));
        co_return Outcome{Outcome::ok};
      }
      chunks.clear();
      out.clear();
      auto st = decoder.feed(piece, chunks);
      for (const auto& c : chunks) encoder.chunk(c, out);
      if (!st) {
        if (!out.empty()) co_await ex_.write_chunk(out);
        co_await end_stream_with_error(encoder, make_error(st.error().kind, scrub(st.error().message, d)));
        co_return Outcome{Outcome::ok};
      }
      if (!out.empty() && !co_await ex_.write_chunk(out)) {
        call.cancel();
        co_return Outcome{Outcome::client_gone};
      }
    }
    out.clear();
    encoder.finish(out);
    co_await ex_.write_chunk(out);
    co_await ex_.end_stream();
    co_return Outcome{Outcome::ok};
  }

  static Error stream_failure(const net::UpstreamCall& call) {
    return make_error(call.failure() == net::CallFailure::timeout ? ErrorKind::timeout
                                                                  : ErrorKind::upstream_error,
                      "upstream stream failed: " + call.failure_detail());
  }

  // Headers are sent already: end with an error event in the client's dialect, then close.
  asio::awaitable<void> end_stream_with_error(ResponseEncoder& encoder, Error error) {
    std::string out;
    encoder.fail(error, out);
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

  asio::awaitable<Outcome> relay_stream(net::UpstreamCall& call, const app::DeploymentRuntime& d,
                                        const routing::Resolution& res) {
    if (!co_await ex_.begin_stream(200, "text/event-stream", success_headers(d, res))) {
      call.cancel();
      co_return Outcome{Outcome::client_gone};
    }
    std::string piece;
    while (!call.done()) {
      if (!co_await call.read_some(piece)) {
        if (state_.client_gone) co_return Outcome{Outcome::client_gone};
        auto encoder = make_encoder(req_.dialect, res.group_name);
        co_await end_stream_with_error(*encoder, stream_failure(call));
        co_return Outcome{Outcome::ok};
      }
      if (!co_await ex_.write_chunk(piece)) {
        call.cancel();
        co_return Outcome{Outcome::client_gone};
      }
    }
    co_await ex_.end_stream();
    co_return Outcome{Outcome::ok};
  }

  net::HeaderList base_headers() const {
    return {{"x-litellm-call-id", req_.call_id}};
  }

  net::HeaderList success_headers(const app::DeploymentRuntime& d,
                                  const routing::Resolution& res) const {
    auto now = Clock::now();
    auto total_ms = std::chrono::duration<double, std::milli>(now - req_.received).count();
    auto upstream_ms = std::chrono::duration<double, std::milli>(state_.upstream_time).count();
    net::HeaderList h = base_headers();
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
    h.emplace_back("x-litellm-overhead-duration-ms", format_ms(std::max(0.0, total_ms - upstream_ms)));
    return h;
  }

  static std::string format_ms(double ms) {
    char buf[32];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, ms, std::chars_format::fixed, 3);
    return std::string(buf, ec == std::errc() ? end : buf);
  }

  asio::awaitable<void> send_upstream_error(const Outcome& o, size_t d) {
    Error e = make_error(kind_for_upstream_status(o.status), o.message);
    e.status_override = o.status;
    e.retry_after = o.retry_after;
    auto headers = base_headers();
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
    bool timed_out = last.failure == net::CallFailure::timeout;
    Error e = make_error(timed_out ? ErrorKind::timeout : ErrorKind::no_deployment_available,
                         timed_out ? "Request timed out: no deployment answered in time"
                                   : "All deployments failed: " + last.message);
    auto headers = base_headers();
    headers.emplace_back("x-litellm-attempted-retries", std::to_string(state_.retries));
    headers.emplace_back("x-litellm-attempted-fallbacks", std::to_string(state_.fallbacks));
    co_await send_error(ex_, req_.dialect, std::move(e), std::move(headers));
  }

  // The request in OpenAI form: the body itself for OpenAI clients.
  const json::object& canonical() const {
    return req_.dialect == Dialect::openai ? req_.body : req_.canonical;
  }

  net::Exchange& ex_;
  ProxyRequest req_;
  std::string azure_bearer_;
  std::string routed_by_, routed_model_;  // learned-router decision, for the response headers
  CallPlan plan_;
  CallState state_;
  size_t current_ = 0;
};

}  // namespace

asio::awaitable<void> send_error(net::Exchange& ex, Dialect dialect, Error error,
                                 net::HeaderList headers) {
  if (!error.retry_after.empty()) headers.emplace_back("retry-after", error.retry_after);
  co_await ex.respond(error.status(), "application/json", error_body(dialect, error), headers);
}

asio::awaitable<void> proxy_openai(net::Exchange& exchange, ProxyRequest request) {
  if (request.call_id.empty()) request.call_id = make_call_id();
  Proxy proxy(exchange, std::move(request));
  co_await proxy.run();
}

}  // namespace routeiq::api
