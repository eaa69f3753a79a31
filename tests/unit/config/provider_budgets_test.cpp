// router_settings.provider_budget_config: LiteLLM's {provider: {budget_limit, time_period}}.
#include "test_util.hpp"

namespace routeiq::config {
namespace {

using testing::load_error;
using testing::load_ok;

TEST(ProviderBudgets, LiteLLMsFormAndItsDurations) {
  Config c = load_ok(R"(router_settings:
  provider_budget_config:
    openai: {budget_limit: 0.000000000001, time_period: 1d}
    azure: {budget_limit: 100, time_period: 30m}
    anthropic: {max_budget: "5", budget_duration: 1mo}
)");
  const auto& b = c.router_settings.provider_budgets;
  ASSERT_EQ(b.size(), 3u);
  EXPECT_DOUBLE_EQ(b.at("openai").limit, 1e-12);
  EXPECT_EQ(b.at("openai").period_s, 86'400);
  EXPECT_EQ(b.at("azure").period_s, 1'800);
  EXPECT_DOUBLE_EQ(b.at("anthropic").limit, 5);
  EXPECT_EQ(b.at("anthropic").period_s, 30 * 86'400);
  for (const auto& w : c.warnings)
    EXPECT_EQ(w.find("provider_budget_config"), std::string::npos) << w;
  EXPECT_TRUE(load_ok("router_settings: {}\n").router_settings.provider_budgets.empty());
}

TEST(ProviderBudgets, BadEntriesStopLoadingNamingTheKey) {
  EXPECT_EQ(
      load_error("router_settings:\n  provider_budget_config:\n    openai: {time_period: 1d}\n"),
      "config.yaml:3: router_settings.provider_budget_config.openai: budget_limit is "
      "required");
  EXPECT_EQ(
      load_error("router_settings:\n  provider_budget_config:\n    openai: {budget_limit: 1}\n"),
      "config.yaml:3: router_settings.provider_budget_config.openai: time_period is "
      "required");
  EXPECT_EQ(load_error("router_settings:\n  provider_budget_config:\n    openai:\n"
                       "      budget_limit: 1\n      time_period: daily\n"),
            "config.yaml:5: router_settings.provider_budget_config.openai.time_period: expected a "
            "duration such as 30s, 10m, 24h, 1d or 1mo, got 'daily'");
  EXPECT_NE(load_error("router_settings:\n  provider_budget_config:\n    openai: {budget_limit: "
                       "-1, time_period: 1d}\n")
                .find("must not be negative"),
            std::string::npos);
  EXPECT_NE(load_error("router_settings:\n  provider_budget_config: [openai]\n")
                .find("router_settings.provider_budget_config"),
            std::string::npos);
}

}  // namespace
}  // namespace routeiq::config
