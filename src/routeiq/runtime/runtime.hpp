#pragma once
// The gateway's state over time: the current snapshot (swapped whole on a
// config reload; a request keeps the one it started with) and the health of
// deployments, which outlives snapshots so a reload does not wipe cooldowns.
#include <atomic>
#include <memory>

#include "routeiq/runtime/snapshot.hpp"

namespace routeiq::runtime {

class Runtime {
 public:
  static Result<std::shared_ptr<Runtime>> create(std::shared_ptr<const config::Config> config);

  std::shared_ptr<const Snapshot> snapshot() const {
    return current_.load(std::memory_order_acquire);
  }
  // Builds a snapshot of `config` with the deployments' health carried over
  // and makes it current; on error the current one stays.
  Status reload(std::shared_ptr<const config::Config> config);

 private:
  Runtime() = default;

  routing::HealthRegistry health_;
  std::atomic<std::shared_ptr<const Snapshot>> current_;
};

}  // namespace routeiq::runtime
