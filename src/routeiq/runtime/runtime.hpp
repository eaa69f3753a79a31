#pragma once
// The gateway's state over time: the current snapshot (swapped whole on a
// config reload; a request keeps the one it started with) and the health of
// deployments, which outlives snapshots so a reload does not wipe cooldowns.
// Deployments kept in the database (store_model_in_db) are served beside the
// config's: each snapshot is built from the config with them appended, so a
// config reload keeps them and a change to them keeps the config.
#include <atomic>
#include <memory>
#include <mutex>
#include <vector>

#include "routeiq/runtime/snapshot.hpp"

namespace routeiq::runtime {

class Runtime {
 public:
  static Result<std::shared_ptr<Runtime>> create(std::shared_ptr<const config::Config> config);

  std::shared_ptr<const Snapshot> snapshot() const {
    return current_.load(std::memory_order_acquire);
  }
  // Builds a snapshot of `config` (and the database's deployments) with the
  // deployments' health carried over and makes it current; on error the
  // current one stays.
  Status reload(std::shared_ptr<const config::Config> config);
  // Replaces the database's deployments and makes a snapshot with them
  // current. One whose model_info.id a config deployment has is left out
  // (the config wins), with a warning in the snapshot.
  Status set_db_deployments(std::vector<config::Deployment> deployments);
  // The deployments' health by id (cooldowns shared with other instances).
  routing::HealthRegistry& health() { return health_; }

 private:
  Runtime() = default;
  // With build_mutex_ held.
  Status rebuild(std::shared_ptr<const config::Config> file_config,
                 std::vector<config::Deployment> db_deployments);

  routing::HealthRegistry health_;
  std::atomic<std::shared_ptr<const Snapshot>> current_;
  // Reloads and database changes come from different threads; each builds
  // from the latest of both.
  std::mutex build_mutex_;
  std::shared_ptr<const config::Config> file_config_;
  std::vector<config::Deployment> db_deployments_;
};

}  // namespace routeiq::runtime
