#include "routeiq/api/rate_limits.hpp"

#include <algorithm>

#include "routeiq/core/json.hpp"
#include "routeiq/limits/headers.hpp"

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
HeaderList remaining_of(const limits::Limiter& limiter, std::span<const limits::Scope> scopes,
                        limits::TimePoint now) {
  std::optional<limits::Remaining> tightest;
  for (const auto& scope : scopes) {
    auto r = limiter.remaining(scope, now);
    auto left = r.remaining_requests.value_or(INT64_MAX);
    if (!tightest || left < tightest->remaining_requests.value_or(INT64_MAX)) tightest = r;
  }
  return tightest ? limits::remaining_headers(*tightest) : HeaderList{};
}

}  // namespace

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
  auto now = limits::Clock::now();
  auto admission = ctx.limiter->admit(scopes, estimated_tokens(ctx), now);
  if (!admission.admitted()) {
    ctx.answer_headers.append(limits::refusal_headers(*admission.refusal));
    co_return make_error(ErrorKind::rate_limited, limits::refusal_message(*admission.refusal));
  }
  ctx.owner_hold = std::move(admission.reservation);
  ctx.answer_headers.append(remaining_of(*ctx.limiter, scopes, now));
  co_return ok_status();
}

void RateLimitStage::after(const RequestContext& ctx) noexcept {
  if (!ctx.limiter) return;
  auto now = limits::Clock::now();
  auto tokens = total_tokens(ctx.record.usage);
  ctx.limiter->settle(ctx.owner_hold, tokens, now);
  ctx.limiter->settle(ctx.deployment_hold, tokens, now);
}

bool admit_deployment(RequestContext& ctx, const runtime::DeploymentRuntime& d) {
  const auto& cfg = *d.config;
  if ((!cfg.rpm && !cfg.tpm) || !ctx.limiter) return true;
  limits::Scope scope{"deployment:" + cfg.model_info.id, {cfg.rpm, cfg.tpm, std::nullopt}};
  auto admission =
      ctx.limiter->admit(std::span(&scope, 1), estimated_tokens(ctx), limits::Clock::now());
  if (!admission.admitted()) return false;
  ctx.deployment_hold = std::move(admission.reservation);
  return true;
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
