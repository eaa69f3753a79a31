#include "routeiq/routing/picker.hpp"

#include <algorithm>

#include "routeiq/routing/retry.hpp"

namespace routeiq::routing {

Picker::Picker(const ModelGroup& group, CooldownTracker& health, const Strategy& strategy,
               std::span<const uint8_t> callable)
    : group_(group), health_(health), strategy_(strategy), callable_(callable) {
  any_callable_ = std::any_of(group.deployments.begin(), group.deployments.end(),
                              [&](size_t d) { return d >= callable_.size() || callable_[d]; });
}

std::optional<size_t> Picker::next(RequestContext& ctx, std::mt19937_64& rng) {
  std::vector<size_t> fresh, healthy;
  for (size_t d : group_.deployments) {
    if (health_.in_cooldown(d)) continue;
    if (any_callable_ && d < callable_.size() && !callable_[d]) continue;
    if (!excluded_.empty() && std::find(excluded_.begin(), excluded_.end(), d) != excluded_.end())
      continue;
    healthy.push_back(d);
    if (std::find(tried_.begin(), tried_.end(), d) == tried_.end()) fresh.push_back(d);
  }
  const auto& pool = fresh.empty() ? healthy : fresh;
  if (pool.empty()) return std::nullopt;
  size_t chosen = pool[strategy_.pick(pool, ctx, rng)];
  tried_.push_back(chosen);
  return chosen;
}

void Picker::observe(size_t d, const AttemptResult& r) {
  bool only_one = group_.deployments.size() == 1;
  switch (r.kind) {
    case AttemptResult::Kind::success:
      if (only_one) health_.record_single_deployment_success(d);
      return;
    case AttemptResult::Kind::http_error:
      if (r.status == 429) {
        if (only_one)
          health_.record_single_deployment_429(d);
        else
          health_.cool_down_now(d);
      } else if (retryable_status(r.status)) {
        health_.record_failure(d);
      }
      return;
    case AttemptResult::Kind::transport_error:
      health_.record_failure(d);
      return;
    case AttemptResult::Kind::cancelled:
      return;
  }
}

}  // namespace routeiq::routing
