#pragma once
// Per-deployment health: LiteLLM-style cooldowns. A deployment that fails more
// than `allowed_fails` times within one minute is skipped for `cooldown_time`.
// Shared by all server threads; the success path only reads one atomic.
// Health is kept per deployment id (model_info.id) in a HealthRegistry, so a
// config reload keeps the cooldowns of the deployments it keeps.
#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace routeiq::routing {

using Clock = std::function<std::chrono::steady_clock::time_point()>;
Clock system_clock_source();

// Told of each cooldown that starts in this process, so other gateway
// instances can skip the deployment too (redis::SharedCooldowns).
class CooldownListener {
 public:
  virtual ~CooldownListener() = default;
  // On the thread that saw the failure: must not block.
  virtual void cooled_down(const std::string& id, std::chrono::milliseconds cooldown) = 0;
};
using ListenerCell = std::atomic<CooldownListener*>;

// The health of one deployment, shared by every snapshot that has it.
struct HealthSlot {
  std::atomic<int64_t> cooldown_until_ns{0};
  std::mutex mutex;
  int64_t window_start_ns = 0;
  int failures = 0;
  // Single-deployment groups: 429s in a row, and when the streak began.
  std::atomic<int> streak_429{0};
  int64_t streak_start_ns = 0;
  // Set by the HealthRegistry that made the slot (none: no listener).
  std::string id;
  std::shared_ptr<const ListenerCell> listener;
};

// Cooldowns of one snapshot's deployments, by their index in its model_list.
class CooldownTracker {
 public:
  // Fresh slots (tests, and configs built without a registry).
  CooldownTracker(size_t deployments, int allowed_fails, std::chrono::milliseconds cooldown,
                  Clock clock = system_clock_source());
  CooldownTracker(std::vector<std::shared_ptr<HealthSlot>> slots, int allowed_fails,
                  std::chrono::milliseconds cooldown, Clock clock = system_clock_source());

  bool in_cooldown(size_t deployment) const;
  // Records a failure; returns true when this failure starts a cooldown.
  bool record_failure(size_t deployment);
  // A deployment that answers 429 is cooled down at once (LiteLLM does the same).
  void cool_down_now(size_t deployment);
  // The only deployment of a group is not cooled down on a 429 (every request
  // would get 503 for the cooldown), unless it fails everything at high
  // volume: kSingleDeploymentThreshold 429s in a row within a minute (LiteLLM:
  // 100% failures at SINGLE_DEPLOYMENT_TRAFFIC_FAILURE_THRESHOLD requests a
  // minute). A success ends the streak; it costs one relaxed load when there
  // is none. Returns true on a cooldown.
  bool record_single_deployment_429(size_t deployment);
  void record_single_deployment_success(size_t deployment);
  static constexpr int kSingleDeploymentThreshold = 1000;
  size_t size() const { return slots_.size(); }

 private:
  int64_t now_ns() const;
  void announce(const HealthSlot& slot) const;

  std::vector<std::shared_ptr<HealthSlot>> slots_;
  int allowed_fails_;
  std::chrono::milliseconds cooldown_;
  Clock clock_;
};

// Health slots by deployment id, across config reloads. A slot lives as long
// as a snapshot uses it; a deployment that a reload drops loses its history,
// one that comes back starts fresh.
class HealthRegistry {
 public:
  std::vector<std::shared_ptr<HealthSlot>> slots_for(const std::vector<std::string>& ids);

  // Cooldowns that start from now on are told to `listener` (nullptr: to
  // none); it must stay alive until replaced.
  void set_listener(CooldownListener* listener) {
    listener_->store(listener, std::memory_order_release);
  }
  // A cooldown another instance started: the deployment `id`, when a
  // snapshot has it, is skipped for `left` from now (a longer cooldown of
  // its own stays). Any thread.
  void cool_down(const std::string& id, std::chrono::milliseconds left);

 private:
  std::shared_ptr<ListenerCell> listener_ = std::make_shared<ListenerCell>(nullptr);
  std::mutex mutex_;
  std::unordered_map<std::string, std::weak_ptr<HealthSlot>> slots_;
};

}  // namespace routeiq::routing
