#include "routeiq/api/provider_budgets.hpp"

#include "routeiq/api/attempt.hpp"

namespace routeiq::api {

std::optional<std::string> provider_over_budget(const config::RouterSettings& settings,
                                                const runtime::DeploymentRuntime& d,
                                                const WindowedSpend& windows, int64_t now_ms) {
  const auto& provider = d.target.provider;
  auto it = settings.provider_budgets.find(provider);
  if (it == settings.provider_budgets.end()) return std::nullopt;
  const auto& budget = it->second;
  double spent = windows.spent(provider, budget.period_s * 1000, now_ms);
  // LiteLLM: a budget_limit of 0 is no limit.
  if (!(budget.limit > 0) || spent < budget.limit) return std::nullopt;
  return "Exceeded budget for provider " + provider + ": " + format_cost(spent) +
         " >= " + format_cost(budget.limit);
}

Error providers_over_budget(std::string_view reasons) {
  return make_error(ErrorKind::rate_limited,
                    "No deployments available - crossed budget: " + std::string(reasons));
}

void charge_provider_budget(const config::RouterSettings& settings, std::string_view provider,
                            double usd, WindowedSpend& windows, int64_t now_ms) {
  auto it = settings.provider_budgets.find(provider);
  if (it == settings.provider_budgets.end()) return;
  windows.add(provider, usd, it->second.period_s * 1000, now_ms);
}

void charge_provider_budget(const RequestContext& ctx, double usd) {
  const auto& settings = ctx.snapshot->config->router_settings;
  if (settings.provider_budgets.empty() || !ctx.record.deployment) return;
  charge_provider_budget(settings, ctx.record.deployment->target.provider, usd, provider_windows(),
                         now_utc_ms());
}

}  // namespace routeiq::api
