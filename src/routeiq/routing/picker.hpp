#pragma once
// Choosing the deployment for each attempt of one request within a model
// group, and feeding what each attempt did back into the deployments'
// health. Pure: no I/O, unit-tested with a fake clock.
#include <cstdint>
#include <optional>
#include <random>
#include <span>
#include <vector>

#include "routeiq/routing/health.hpp"
#include "routeiq/routing/strategy.hpp"
#include "routeiq/routing/table.hpp"

namespace routeiq::routing {

// What happened to one attempt, as health sees it.
struct AttemptResult {
  enum class Kind { success, http_error, transport_error, cancelled };
  Kind kind = Kind::transport_error;
  int status = 0;  // for http_error
};

class Picker {
 public:
  // callable[d] is 0 for a deployment that can only fail (an unknown
  // provider, a missing api_base): it is picked only when the group has
  // nothing else, so its error explains why.
  Picker(const ModelGroup& group, CooldownTracker& health, const Strategy& strategy,
         std::span<const uint8_t> callable);

  // A healthy deployment not tried yet, chosen by the strategy; else a
  // healthy one tried before; nullopt when every one is cooling down.
  std::optional<size_t> next(RequestContext& ctx, std::mt19937_64& rng);

  // LiteLLM's rules: a 429 cools a deployment down at once, except the only
  // deployment of its group (see CooldownTracker); other retryable failures
  // count towards allowed_fails; client errors do not count.
  void observe(size_t deployment, const AttemptResult& result);

  // Not to be picked again for this request (over its rpm / tpm).
  void exclude(size_t deployment) { excluded_.push_back(deployment); }

  const Strategy& strategy() const { return strategy_; }
  size_t attempts() const { return tried_.size(); }

 private:
  const ModelGroup& group_;
  CooldownTracker& health_;
  const Strategy& strategy_;
  std::span<const uint8_t> callable_;
  bool any_callable_ = false;
  std::vector<size_t> tried_;
  std::vector<size_t> excluded_;
};

}  // namespace routeiq::routing
