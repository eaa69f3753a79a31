#include "routeiq/runtime/runtime.hpp"

#include <set>

namespace routeiq::runtime {

namespace {

// The config with the database's deployments appended; ids the config
// already has are left out with a warning.
std::shared_ptr<const config::Config> with_db_deployments(
    const std::shared_ptr<const config::Config>& file_config,
    const std::vector<config::Deployment>& db_deployments, std::vector<std::string>& warnings) {
  if (db_deployments.empty()) return file_config;
  auto merged = std::make_shared<config::Config>(*file_config);
  std::set<std::string, std::less<>> ids;
  for (const auto& d : file_config->model_list) ids.insert(d.model_info.id);
  for (const auto& d : db_deployments) {
    if (!ids.insert(d.model_info.id).second) {
      warnings.push_back("database deployment \"" + d.model_info.id + "\" (" + d.model_name +
                         ") has the id of a config deployment or another database one: not served");
      continue;
    }
    merged->model_list.push_back(d);
  }
  return merged;
}

}  // namespace

Result<std::shared_ptr<Runtime>> Runtime::create(std::shared_ptr<const config::Config> config) {
  std::shared_ptr<Runtime> rt(new Runtime());
  if (auto st = rt->reload(std::move(config)); !st) return st.error();
  return rt;
}

Status Runtime::reload(std::shared_ptr<const config::Config> config) {
  std::lock_guard lock(build_mutex_);
  return rebuild(std::move(config), db_deployments_);
}

Status Runtime::set_db_deployments(std::vector<config::Deployment> deployments) {
  std::lock_guard lock(build_mutex_);
  return rebuild(file_config_, std::move(deployments));
}

Status Runtime::rebuild(std::shared_ptr<const config::Config> file_config,
                        std::vector<config::Deployment> db_deployments) {
  std::vector<std::string> warnings;
  auto next = build_snapshot(with_db_deployments(file_config, db_deployments, warnings), &health_);
  if (!next) return next.error();
  if (!warnings.empty()) {
    // The snapshot is shared as const once current; its warnings are set first.
    auto snapshot = std::const_pointer_cast<Snapshot>(next.value());
    snapshot->warnings.insert(snapshot->warnings.end(), warnings.begin(), warnings.end());
  }
  file_config_ = std::move(file_config);
  db_deployments_ = std::move(db_deployments);
  current_.store(std::move(next.value()), std::memory_order_release);
  return ok_status();
}

}  // namespace routeiq::runtime
