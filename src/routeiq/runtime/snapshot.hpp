#pragma once
// Everything a request needs, built once from a config and then immutable.
// Requests hold a shared_ptr to the snapshot they started with. Health is not
// part of the snapshot's identity: it lives in a routing::HealthRegistry and
// carries over to the next snapshot (see runtime/runtime.hpp).
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "routeiq/config/config.hpp"
#include "routeiq/cost/cost.hpp"
#include "routeiq/credentials/credentials.hpp"
#include "routeiq/providers/provider_table.hpp"
#include "routeiq/providers/translator.hpp"
#include "routeiq/routing/health.hpp"
#include "routeiq/routing/strategy.hpp"
#include "routeiq/routing/table.hpp"
#include "routeiq/runtime/learned.hpp"

namespace routeiq::runtime {

struct DeploymentRuntime {
  const config::Deployment* config = nullptr;
  const providers::ProviderInfo* provider = nullptr;
  std::string api_base;         // resolved: config, else provider env, else provider default
  std::string api_key;          // resolved: config, else provider env; never logged
  std::string public_api_base;  // for x-litellm-model-api-base: no credentials or query
  // `model: "*"` deployments name no provider: it comes from each request's model.
  bool provider_from_request = false;
  // How the deployment is called, decided once: base, key, api version
  // (AZURE_API_VERSION read here, not per request), provider parameters
  // without LiteLLM's own keys, drop_params, extra headers. A request copies
  // it and sets the model and its own headers.
  providers::Target target;
  // Where credentials that need a fetch come from (AWS chain, Google service
  // account, Entra ID), decided here; null when the api_key is all it needs.
  std::shared_ptr<const credentials::Source> credentials;
  // Why a call to this deployment can only fail (e.g. its provider is unknown),
  // as LiteLLM fails it: every call gets a 400 with this message. Empty: callable.
  std::string not_callable_reason;
  // What its tokens cost (the price table under the deployment's own prices),
  // decided once; for a `model: "*"` deployment, per request from its model.
  cost::Price price;
};

struct Snapshot {
  std::shared_ptr<const config::Config> config;
  std::unique_ptr<routing::RoutingTable> table;
  std::unique_ptr<routing::Strategy> strategy;
  std::shared_ptr<routing::CooldownTracker> cooldowns;
  std::vector<DeploymentRuntime> deployments;
  // The price table: built in, or a user's file over it (LITELLM_MODEL_COST_MAP,
  // litellm_settings.model_cost_map).
  std::shared_ptr<const cost::PriceTable> prices;
  std::vector<uint8_t> callable;  // per deployment: 1 unless not_callable_reason is set
  std::vector<std::string> warnings;
  // Every learned router (strategy and router groups), for status and hot reload.
  std::vector<std::shared_ptr<LearnedRouter>> learned;
  // model_info.access_groups of each model group (LiteLLM's access groups:
  // a key whose `models` names one may call every group in it).
  std::map<std::string, std::vector<std::string>, std::less<>> access_groups;
  // Model groups served by a learned router (`routeiq/<type>`), by group name.
  std::map<std::string, std::shared_ptr<LearnedRouter>> router_groups;
};

// Resolves base URL and key of a deployment for a provider (config first, then
// the provider's environment variables, then its default base).
DeploymentRuntime resolve_deployment(const config::Deployment& d, std::string_view provider,
                                     bool drop_params_everywhere = false);

// For a catch-all deployment: the runtime for the provider named in `model`
// ("groq/llama-3.1-8b"), plus the provider-side model name.
Result<std::pair<DeploymentRuntime, std::string>> resolve_from_request(
    const config::Deployment& d, std::string_view model, bool drop_params_everywhere = false);

// With a registry, deployments keep their health (cooldowns) across snapshots
// by model_info.id; without one, every deployment starts healthy.
Result<std::shared_ptr<const Snapshot>> build_snapshot(std::shared_ptr<const config::Config> config,
                                                       routing::HealthRegistry* health = nullptr);

// Strips userinfo and query from a URL so it can be shown to clients.
std::string public_url(std::string_view url);

}  // namespace routeiq::runtime
