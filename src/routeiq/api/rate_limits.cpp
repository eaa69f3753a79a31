#include "routeiq/api/rate_limits.hpp"

#include <algorithm>
#include <charconv>

#include "routeiq/core/env.hpp"
#include "routeiq/core/json.hpp"
#include "routeiq/core/log.hpp"
#include "routeiq/limits/headers.hpp"
#include "routeiq/net/await_callback.hpp"

namespace routeiq::api {
namespace asio = boost::asio;

namespace {

bool any_limit(const limits::Limits& l) {
  return l.rpm || l.tpm || l.max_parallel;
}

void add_scope(std::vector<limits::Scope>& scopes, std::string_view kind, std::string_view id,
               const limits::Limits& l) {
  if (!any_limit(l) || id.empty()) return;
  std::string scope_id;
  scope_id.reserve(kind.size() + 1 + id.size());
  scope_id.append(kind).append(":").append(id);
  scopes.push_back({std::move(scope_id), l});
}

// The model group a key's per-model limits are keyed by: what the request
// asks for, through the key's own aliases.
std::string_view asked_group(const RequestContext& ctx, const keys::VirtualKey& key) {
  std::string_view model = str_or(ctx.body, "model");
  if (auto it = key.aliases.find(model); it != key.aliases.end()) return it->second;
  return model;
}

void add_model_scope(std::vector<limits::Scope>& scopes, std::string_view kind,
                     std::string_view owner, std::string_view group,
                     const keys::OwnerLimits& limits) {
  if (owner.empty() || limits.per_model.empty()) return;
  auto it = limits.per_model.find(group);
  if (it == limits.per_model.end()) return;
  std::string id;
  id.reserve(owner.size() + 1 + group.size());
  id.append(owner).append(":").append(group);
  add_scope(scopes, kind, id, it->second);
}

int64_t total_tokens(const providers::Usage& u) {
  return u.prompt_tokens + u.completion_tokens;
}

// The x-ratelimit-* headers of the scope with the fewest requests left (the
// one the caller will hit first).
HeaderList remaining_of(const RateLimiter& limiter, std::span<const limits::Scope> scopes) {
  std::optional<limits::Remaining> tightest;
  for (const auto& scope : scopes) {
    auto r = limiter.remaining(scope);
    auto left = r.remaining_requests.value_or(INT64_MAX);
    if (!tightest || left < tightest->remaining_requests.value_or(INT64_MAX)) tightest = r;
  }
  return tightest ? limits::remaining_headers(*tightest) : HeaderList{};
}

using AdmissionDone = std::function<void(limits::Admission)>;

std::optional<int64_t> parse_int(std::string_view text) {
  int64_t n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return n;
}

// Built outside the coroutine below (GCC 12 and aggregates made in co_await's
// reach do not mix well).
std::vector<limits::Scope> deployment_scope(const config::Deployment& d) {
  std::vector<limits::Scope> scopes(1);
  scopes[0].id = "deployment:" + d.model_info.id;
  scopes[0].limits.rpm = d.rpm;
  scopes[0].limits.tpm = d.tpm;
  return scopes;
}

}  // namespace

RateLimiter::RateLimiter() = default;

RateLimiter::RateLimiter(redis::SharedLimiterOptions options)
    : counters_([&] {
        auto shared = std::make_unique<redis::SharedLimiter>(std::move(options));
        shared_ = shared.get();
        return std::unique_ptr<limits::Backend>(std::move(shared));
      }()) {}

RateLimiter::~RateLimiter() = default;

asio::awaitable<limits::Admission> RateLimiter::admit(std::vector<limits::Scope> scopes,
                                                      int64_t estimated_tokens) {
  auto now = limits::Clock::now();
  if (!shared_) co_return counters_.admit(scopes, estimated_tokens, now);
  std::function<void(AdmissionDone)> start = [this, scopes = std::move(scopes), estimated_tokens,
                                              now](AdmissionDone done) mutable {
    shared_->admit(std::move(scopes), estimated_tokens, now, std::move(done));
  };
  co_return co_await net::await_callback<limits::Admission>(std::move(start));
}

limits::Remaining RateLimiter::remaining(const limits::Scope& scope) const {
  return counters_.remaining(scope, limits::Clock::now());
}

Result<std::optional<redis::SharedLimiterOptions>> redis_limiter_options(
    const config::RouterSettings& s) {
  std::string url = !s.redis_url.empty() ? s.redis_url : env_or_empty("REDIS_URL");
  std::string host = !s.redis_host.empty() ? s.redis_host : env_or_empty("REDIS_HOST");
  if (url.empty() && host.empty()) return std::optional<redis::SharedLimiterOptions>();
  redis::SharedLimiterOptions options;
  if (!url.empty()) {
    auto parsed = redis::options_from_url(url);
    if (!parsed) return parsed.error();
    options.redis = std::move(parsed.value());
  } else {
    options.redis.host = host;
    if (s.redis_port) {
      options.redis.port = *s.redis_port;
    } else if (auto port = env_or_empty("REDIS_PORT"); !port.empty()) {
      auto n = parse_int(port);
      if (!n || *n < 1 || *n > 65535)
        return make_error(ErrorKind::invalid_request, "REDIS_PORT is not a port: " + port);
      options.redis.port = static_cast<int>(*n);
    }
    options.redis.password =
        !s.redis_password.empty() ? s.redis_password : env_or_empty("REDIS_PASSWORD");
  }
  if (s.redis_db) options.redis.db = *s.redis_db;
  if (auto n = parse_int(env_or_empty("ROUTEIQ_INSTANCES")); n && *n >= 1) options.instances = *n;
  return std::optional(std::move(options));
}

std::vector<limits::Scope> owner_scopes(const RequestContext& ctx) {
  std::vector<limits::Scope> scopes;
  const auto& p = ctx.principal;
  if (const auto* key = p.key.get()) {
    add_scope(scopes, "key", key->token, key->limits.own);
    add_scope(scopes, "user", key->user_id, key->user_limits.own);
    add_scope(scopes, "team", key->team_id, key->team_limits.own);
    if (!key->limits.per_model.empty() || !key->team_limits.per_model.empty()) {
      auto group = asked_group(ctx, *key);
      add_model_scope(scopes, "key_model", key->token, group, key->limits);
      add_model_scope(scopes, "team_model", key->team_id, group, key->team_limits);
    }
  }
  add_scope(scopes, "end_user", p.end_user, p.end_user_limits);
  return scopes;
}

int64_t estimated_tokens(const RequestContext& ctx) {
  auto prompt = static_cast<int64_t>(ctx.exchange.request().body().size() / 4);
  const auto& body = ctx.body;
  for (std::string_view name : {"max_completion_tokens", "max_tokens"})
    if (auto n = int_at(body, name); n && *n > 0) return prompt + *n;
  return prompt;
}

asio::awaitable<Status> RateLimitStage::before(RequestContext& ctx) {
  if (ctx.route.group != RouteGroup::llm_api || !ctx.limiter) co_return ok_status();
  auto scopes = owner_scopes(ctx);
  if (scopes.empty()) co_return ok_status();
  auto estimate = estimated_tokens(ctx);
  auto admission = co_await ctx.limiter->admit(scopes, estimate);
  if (!admission.admitted()) {
    ctx.answer_headers.append(limits::refusal_headers(*admission.refusal));
    co_return make_error(ErrorKind::rate_limited, limits::refusal_message(*admission.refusal));
  }
  ctx.owner_hold = std::move(admission.reservation);
  ctx.answer_headers.append(remaining_of(*ctx.limiter, scopes));
  co_return ok_status();
}

void RateLimitStage::after(const RequestContext& ctx) noexcept {
  auto now = limits::Clock::now();
  auto tokens = total_tokens(ctx.record.usage);
  if (ctx.owner_hold.active()) ctx.owner_hold.settle(tokens, now);
  if (ctx.deployment_hold.active()) ctx.deployment_hold.settle(tokens, now);
}

bool has_rate_limits(const runtime::DeploymentRuntime& d) {
  return d.config->rpm || d.config->tpm;
}

asio::awaitable<bool> admit_deployment(RequestContext& ctx, const runtime::DeploymentRuntime* d) {
  const auto& cfg = *d->config;
  if (!has_rate_limits(*d) || !ctx.limiter) co_return true;
  auto scope = deployment_scope(cfg);
  auto estimate = estimated_tokens(ctx);
  auto admission = co_await ctx.limiter->admit(std::move(scope), estimate);
  if (!admission.admitted()) co_return false;
  ctx.deployment_hold = std::move(admission.reservation);
  co_return true;
}

Error deployments_over_limit(std::string_view group) {
  auto e = make_error(ErrorKind::rate_limited,
                      "No deployments available for selected model, all deployments of model "
                      "group=" +
                          std::string(group) +
                          " are over their rpm/tpm limits. Try again in 60 seconds.");
  e.retry_after = "60";
  return e;
}

}  // namespace routeiq::api
