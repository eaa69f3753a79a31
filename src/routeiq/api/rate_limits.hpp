#pragma once
// LiteLLM's rate limits at request time: rpm_limit, tpm_limit and
// max_parallel_requests of the key, its user, its team and the end user, and
// model_rpm_limit / model_tpm_limit of the key and the team for the model
// group asked for (one admission for all of them, or a 429 naming the first
// crossed), then a deployment's own rpm / tpm as the attempt loop picks it.
// tpm counts the real tokens: an estimate is reserved before the call and
// replaced by the answer's usage when the request is over.
#include <cstdint>
#include <string>
#include <string_view>

#include "routeiq/api/pipeline.hpp"

namespace routeiq::api {

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
bool admit_deployment(RequestContext& ctx, const runtime::DeploymentRuntime& d);

// LiteLLM's 429 when every deployment of the group is over its rpm / tpm.
Error deployments_over_limit(std::string_view group);

}  // namespace routeiq::api
