#pragma once
// LiteLLM's rate limits at request time: rpm_limit, tpm_limit and
// max_parallel_requests of the key, its user, its team and the end user, and
// model_rpm_limit / model_tpm_limit of the key and the team for the model
// group asked for (one admission for all of them, or a 429 naming the first
// crossed), then a deployment's own rpm / tpm as the attempt loop picks it.
// tpm counts the real tokens: an estimate is reserved before the call and
// replaced by the answer's usage when the request is over.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "routeiq/api/pipeline.hpp"
#include "routeiq/redis/shared_limiter.hpp"

namespace routeiq::api {

// Where the counters live: in this process (every instance counts its own
// requests), or in Redis, shared by every instance (one script call per
// request, awaited without blocking the event loop; when Redis is down each
// instance counts alone at its share of the limits).
class RateLimiter {
 public:
  RateLimiter();  // in this process
  explicit RateLimiter(redis::SharedLimiterOptions shared);
  ~RateLimiter();

  boost::asio::awaitable<limits::Admission> admit(std::vector<limits::Scope> scopes,
                                                  int64_t estimated_tokens);
  limits::Remaining remaining(const limits::Scope& scope) const;
  bool shared() const { return shared_ != nullptr; }
  // The Redis-backed counters; null in this process.
  redis::SharedLimiter* shared_limiter() const { return shared_; }

 private:
  redis::SharedLimiter* shared_ = nullptr;  // owned by counters_ when set
  limits::Limiter counters_;
};

// The Redis a config names (router_settings.redis_url / redis_host..., else
// REDIS_URL / REDIS_HOST, REDIS_PORT, REDIS_PASSWORD); nullopt: none. The
// fallback share comes from ROUTEIQ_INSTANCES (default 1).
Result<std::optional<redis::SharedLimiterOptions>> redis_limiter_options(
    const config::RouterSettings& settings);

class RateLimitStage final : public Stage {
 public:
  std::string_view name() const override { return "rate_limit"; }
  boost::asio::awaitable<Status> before(RequestContext& ctx) override;
  void after(const RequestContext& ctx) noexcept override;
};

// The limits a request counts in, in the order a refusal names them. Empty
// when none of its owners has a limit (the common case costs no lookup).
std::vector<limits::Scope> owner_scopes(const RequestContext& ctx);

// The tokens reserved before the call: the prompt's bytes / 4 (about a token
// for every four characters of English) and the completion it asks for at
// most; corrected to the real count after the answer.
int64_t estimated_tokens(const RequestContext& ctx);

// Whether the deployment's rpm / tpm admit one more request; when they do it
// is counted (ctx.deployment_hold, replacing an earlier attempt's).
bool has_rate_limits(const runtime::DeploymentRuntime& d);
// (A pointer: a coroutine keeps its parameters by value.)
boost::asio::awaitable<bool> admit_deployment(RequestContext& ctx,
                                              const runtime::DeploymentRuntime* d);

// LiteLLM's 429 when every deployment of the group is over its rpm / tpm.
Error deployments_over_limit(std::string_view group);

}  // namespace routeiq::api
