#pragma once
// LiteLLM's provider budget routing (router_settings.provider_budget_config):
// each answer's cost counts in its provider's window (WindowedSpend), and the
// attempt loop skips a deployment whose provider has spent its budget_limit
// in the current time_period, as it skips one over its rpm / tpm. When every
// deployment is skipped the request gets LiteLLM's 429. A config without
// provider budgets costs a request one emptiness check.
#include <optional>
#include <string>
#include <string_view>

#include "routeiq/api/pipeline.hpp"
#include "routeiq/api/windowed_spend.hpp"
#include "routeiq/config/config.hpp"
#include "routeiq/runtime/snapshot.hpp"

namespace routeiq::api {

// Why deployment `d` gets no request now ("Exceeded budget for provider
// openai: 0.02 >= 0.01"), or nullopt when its provider has no budget or
// budget left.
std::optional<std::string> provider_over_budget(const config::RouterSettings& settings,
                                                const runtime::DeploymentRuntime& d,
                                                const WindowedSpend& windows, int64_t now_ms);

// Every deployment was skipped for its provider's budget: LiteLLM's 429 with
// the reasons, one per line.
Error providers_over_budget(std::string_view reasons);

// Adds the answer's cost to the provider window of the deployment that
// answered, when that provider has a budget.
void charge_provider_budget(const RequestContext& ctx, double usd);
void charge_provider_budget(const config::RouterSettings& settings, std::string_view provider,
                            double usd, WindowedSpend& windows, int64_t now_ms);

}  // namespace routeiq::api
