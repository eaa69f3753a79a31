#pragma once
// Everything a request needs, built once from a config and then immutable.
// Requests hold a shared_ptr to the snapshot they started with.
#include <memory>
#include <string>
#include <vector>

#include "routeiq/config/config.hpp"
#include "routeiq/providers/provider_table.hpp"
#include "routeiq/routing/health.hpp"
#include "routeiq/routing/strategy.hpp"
#include "routeiq/routing/table.hpp"

namespace routeiq::app {

struct DeploymentRuntime {
  const config::Deployment* config = nullptr;
  const providers::ProviderInfo* provider = nullptr;
  std::string api_base;  // resolved: config, else provider env, else provider default
  std::string api_key;   // resolved: config, else provider env; never logged
  std::string public_api_base;  // for x-litellm-model-api-base: no credentials or query
};

struct Snapshot {
  std::shared_ptr<const config::Config> config;
  std::unique_ptr<routing::RoutingTable> table;
  std::unique_ptr<routing::Strategy> strategy;
  std::shared_ptr<routing::CooldownTracker> cooldowns;
  std::vector<DeploymentRuntime> deployments;
  std::vector<std::string> warnings;
};

Result<std::shared_ptr<const Snapshot>> build_snapshot(std::shared_ptr<const config::Config> config);

// Strips userinfo and query from a URL so it can be shown to clients.
std::string public_url(std::string_view url);

}  // namespace routeiq::app
