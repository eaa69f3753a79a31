#include "routeiq/routing/health.hpp"

namespace routeiq::routing {

Clock system_clock_source() {
  return [] { return std::chrono::steady_clock::now(); };
}

CooldownTracker::CooldownTracker(size_t deployments, int allowed_fails,
                                 std::chrono::milliseconds cooldown, Clock clock)
    : allowed_fails_(allowed_fails), cooldown_(cooldown), clock_(std::move(clock)) {
  for (size_t i = 0; i < deployments; ++i) slots_.push_back(std::make_shared<HealthSlot>());
}

CooldownTracker::CooldownTracker(std::vector<std::shared_ptr<HealthSlot>> slots, int allowed_fails,
                                 std::chrono::milliseconds cooldown, Clock clock)
    : slots_(std::move(slots)),
      allowed_fails_(allowed_fails),
      cooldown_(cooldown),
      clock_(std::move(clock)) {}

std::vector<std::shared_ptr<HealthSlot>> HealthRegistry::slots_for(
    const std::vector<std::string>& ids) {
  std::lock_guard lock(mutex_);
  std::vector<std::shared_ptr<HealthSlot>> out;
  out.reserve(ids.size());
  for (const auto& id : ids) {
    auto slot = slots_[id].lock();
    if (!slot) {
      slot = std::make_shared<HealthSlot>();
      slot->id = id;
      slot->listener = listener_;
      slots_[id] = slot;
    }
    out.push_back(std::move(slot));
  }
  std::erase_if(slots_, [](const auto& entry) { return entry.second.expired(); });
  return out;
}

void HealthRegistry::cool_down(const std::string& id, std::chrono::milliseconds left) {
  std::shared_ptr<HealthSlot> slot;
  {
    std::lock_guard lock(mutex_);
    auto found = slots_.find(id);
    if (found != slots_.end()) slot = found->second.lock();
  }
  if (!slot) return;
  auto now = std::chrono::steady_clock::now().time_since_epoch();
  int64_t until = std::chrono::duration_cast<std::chrono::nanoseconds>(now + left).count();
  auto& cell = slot->cooldown_until_ns;
  int64_t current = cell.load(std::memory_order_relaxed);
  while (current < until &&
         !cell.compare_exchange_weak(current, until, std::memory_order_relaxed)) {
  }
}

void CooldownTracker::announce(const HealthSlot& slot) const {
  if (!slot.listener) return;
  if (auto* listener = slot.listener->load(std::memory_order_acquire))
    listener->cooled_down(slot.id, cooldown_);
}

int64_t CooldownTracker::now_ns() const {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(clock_().time_since_epoch()).count();
}

bool CooldownTracker::in_cooldown(size_t d) const {
  return slots_[d]->cooldown_until_ns.load(std::memory_order_relaxed) > now_ns();
}

bool CooldownTracker::record_failure(size_t d) {
  auto& slot = *slots_[d];
  int64_t now = now_ns();
  {
    std::lock_guard lock(slot.mutex);
    constexpr int64_t kMinute = 60'000'000'000;
    if (now - slot.window_start_ns >= kMinute) {
      slot.window_start_ns = now;
      slot.failures = 0;
    }
    if (++slot.failures <= allowed_fails_) return false;
    slot.failures = 0;
    slot.window_start_ns = now;
    slot.cooldown_until_ns.store(now + cooldown_.count() * 1'000'000, std::memory_order_relaxed);
  }
  announce(slot);
  return true;
}

bool CooldownTracker::record_single_deployment_429(size_t d) {
  auto& slot = *slots_[d];
  int64_t now = now_ns();
  {
    std::lock_guard lock(slot.mutex);
    constexpr int64_t kMinute = 60'000'000'000;
    int streak = slot.streak_429.load(std::memory_order_relaxed);
    if (streak == 0 || now - slot.streak_start_ns >= kMinute) {
      slot.streak_start_ns = now;
      streak = 0;
    }
    if (++streak < kSingleDeploymentThreshold) {
      slot.streak_429.store(streak, std::memory_order_relaxed);
      return false;
    }
    slot.streak_429.store(0, std::memory_order_relaxed);
    slot.cooldown_until_ns.store(now + cooldown_.count() * 1'000'000, std::memory_order_relaxed);
  }
  announce(slot);
  return true;
}

void CooldownTracker::record_single_deployment_success(size_t d) {
  auto& streak = slots_[d]->streak_429;
  if (streak.load(std::memory_order_relaxed) != 0) streak.store(0, std::memory_order_relaxed);
}

void CooldownTracker::cool_down_now(size_t d) {
  auto& slot = *slots_[d];
  {
    std::lock_guard lock(slot.mutex);
    slot.failures = 0;
    slot.cooldown_until_ns.store(now_ns() + cooldown_.count() * 1'000'000,
                                 std::memory_order_relaxed);
  }
  announce(slot);
}

}  // namespace routeiq::routing
