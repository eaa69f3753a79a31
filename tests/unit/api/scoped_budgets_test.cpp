// Organisation, team-member, per-model and provider budgets: the windows
// they count in and the refusals, with time passed in.
#include <gtest/gtest.h>

#include <limits>
#include <thread>
#include <vector>

#include "routeiq/api/provider_budgets.hpp"
#include "routeiq/api/scoped_budgets.hpp"
#include "routeiq/api/windowed_spend.hpp"

namespace routeiq::api {
namespace {

constexpr int64_t kDay = 86'400'000;

TEST(WindowedSpend, AWindowOpensWithTheFirstSpendAndLastsItsPeriod) {
  WindowedSpend w;
  EXPECT_DOUBLE_EQ(w.spent("openai", kDay, 1000), 0);
  w.add("openai", 0.25, kDay, 1000);
  w.add("openai", 0.5, kDay, 1000 + kDay / 2);
  EXPECT_DOUBLE_EQ(w.spent("openai", kDay, 1000 + kDay), 0.75) << "the period's last moment";
  EXPECT_DOUBLE_EQ(w.spent("openai", kDay, 1001 + kDay), 0) << "the window ended";
  // The next spend opens a new window from its own time, not the old one's end.
  w.add("openai", 0.125, kDay, 5 * kDay);
  EXPECT_DOUBLE_EQ(w.spent("openai", kDay, 6 * kDay), 0.125);
  EXPECT_DOUBLE_EQ(w.spent("openai", kDay, 6 * kDay + 1), 0);
  EXPECT_DOUBLE_EQ(w.spent("azure", kDay, 5 * kDay), 0) << "names count apart";
}

TEST(WindowedSpend, FreeAnswersAndSeedsOpenNoWindowOverAnOpenOne) {
  WindowedSpend w;
  w.add("a", 0, kDay, 0);
  w.add("a", -1, kDay, 0);
  EXPECT_DOUBLE_EQ(w.spent("a", kDay, 0), 0);
  w.seed("a", 2, 0);
  w.add("a", 1, kDay, 10);
  EXPECT_DOUBLE_EQ(w.spent("a", kDay, 10), 3);
  w.seed("a", 100, 5);  // a window is open: the seed is dropped
  EXPECT_DOUBLE_EQ(w.spent("a", kDay, 10), 3);
}

TEST(WindowedSpend, ConcurrentAddsAllCount) {
  WindowedSpend w;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&w] {
      for (int i = 0; i < 1000; ++i) w.add("p", 0.5, kDay, 0);
    });
  for (auto& t : threads) t.join();
  EXPECT_DOUBLE_EQ(w.spent("p", kDay, 1), 2000);
}

config::RouterSettings provider_budgets() {
  config::RouterSettings s;
  s.provider_budgets["openai"] = {0.01, 86'400};
  s.provider_budgets["free"] = {0, 86'400};
  return s;
}

runtime::DeploymentRuntime deployment_of(std::string provider) {
  runtime::DeploymentRuntime d;
  d.target.provider = std::move(provider);
  return d;
}

TEST(ProviderBudgets, AProviderOverItsBudgetIsSkippedWithLiteLLMsReason) {
  auto settings = provider_budgets();
  WindowedSpend w;
  auto openai = deployment_of("openai");
  EXPECT_FALSE(provider_over_budget(settings, openai, w, 0));
  charge_provider_budget(settings, "openai", 0.006, w, 0);
  EXPECT_FALSE(provider_over_budget(settings, openai, w, 1));
  charge_provider_budget(settings, "openai", 0.004, w, 2);
  auto over = provider_over_budget(settings, openai, w, 3);
  ASSERT_TRUE(over);
  EXPECT_EQ(*over, "Exceeded budget for provider openai: 0.01 >= 0.01");
  EXPECT_FALSE(provider_over_budget(settings, openai, w, kDay + 1)) << "a new period";
  auto e = providers_over_budget(*over);
  EXPECT_EQ(e.status(), 429);
  EXPECT_EQ(e.message,
            "No deployments available - crossed budget: Exceeded budget for provider openai: "
            "0.01 >= 0.01");
}

TEST(ProviderBudgets, ProvidersWithoutABudgetOrAZeroOneAreNeverSkippedNorCounted) {
  auto settings = provider_budgets();
  WindowedSpend w;
  charge_provider_budget(settings, "azure", 5, w, 0);
  EXPECT_DOUBLE_EQ(w.spent("azure", kDay, 0), 0) << "no budget: nothing kept";
  EXPECT_FALSE(provider_over_budget(settings, deployment_of("azure"), w, 0));
  charge_provider_budget(settings, "free", 5, w, 0);
  EXPECT_FALSE(provider_over_budget(settings, deployment_of("free"), w, 0))
      << "LiteLLM: a budget_limit of 0 is no limit";
}

keys::VirtualKey key_with(std::optional<double> org_max, std::optional<double> member_max) {
  keys::VirtualKey k;
  k.token = "hash";
  k.team_id = "t1";
  k.user_id = "ana";
  k.team_organization_id = "org-1";
  k.org_budget.max_budget = org_max;
  k.org_budget.spend = 0.5;
  k.member_budget.max_budget = member_max;
  k.member_budget.spend = 0.25;
  return k;
}

TEST(ScopedBudgets, TheOrganisationIsTheKeysElseItsTeams) {
  auto k = key_with(std::nullopt, std::nullopt);
  EXPECT_EQ(organization_of(k), "org-1");
  k.organization_id = "org-own";
  EXPECT_EQ(organization_of(k), "org-own");
}

TEST(ScopedBudgets, OrganisationBudgetCountsStoredAndUnwrittenSpend) {
  SpendLedger ledger;
  WindowedSpend models;
  auto k = key_with(1.0, std::nullopt);
  EXPECT_TRUE(within_scoped_budgets(k, "gpt-4o", ledger, models, 0));
  ledger.add(org_owner("org-1"), 0.5, 0);
  auto st = within_scoped_budgets(k, "gpt-4o", ledger, models, 0);
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().status(), 400);
  EXPECT_EQ(st.error().kind, ErrorKind::budget_exceeded);
  EXPECT_EQ(st.error().message,
            "Budget has been exceeded! Organization=org-1 Current cost: 1, Max budget: 1");
  ledger.add(org_owner("org-2"), 5, 0);
  k.organization_id = "org-2";
  k.org_budget.spend = 0;
  EXPECT_FALSE(within_scoped_budgets(k, "gpt-4o", ledger, models, 0)) << "the ledger by org";
}

TEST(ScopedBudgets, MemberBudgetNamesTheUserInTheTeam) {
  SpendLedger ledger;
  WindowedSpend models;
  auto k = key_with(std::nullopt, 0.3);
  EXPECT_TRUE(within_scoped_budgets(k, "gpt-4o", ledger, models, 0));
  ledger.add(member_owner("t1", "ana"), 0.05, 0);
  auto st = within_scoped_budgets(k, "gpt-4o", ledger, models, 0);
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().message,
            "Budget has been exceeded! User=ana in Team=t1 Current cost: 0.3, Max budget: 0.3");
  EXPECT_NE(member_owner("t1", "ana"), member_owner("t1\nana", "")) << "names cannot collide";
}

TEST(ScopedBudgets, ModelBudgetIsPerKeyAndModelWithinItsPeriod) {
  SpendLedger ledger;
  WindowedSpend models;
  auto k = key_with(std::nullopt, std::nullopt);
  k.key_alias = "ci";
  k.model_budgets["gpt-4o"] = {0.0001, kDay};
  EXPECT_TRUE(within_scoped_budgets(k, "gpt-4o", ledger, models, 0));
  models.add(key_model_window("hash", "gpt-4o"), 0.0001, kDay, 0);
  auto st = within_scoped_budgets(k, "gpt-4o", ledger, models, 1);
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().status(), 400);
  EXPECT_EQ(st.error().message,
            "LiteLLM Virtual Key: hash, key_alias: ci, exceeded budget for model=gpt-4o");
  auto prefixed = within_scoped_budgets(k, "openai/gpt-4o", ledger, models, 1);
  ASSERT_FALSE(prefixed) << "openai/gpt-4o counts in the gpt-4o entry";
  EXPECT_TRUE(within_scoped_budgets(k, "gpt-4o-mini", ledger, models, 1)) << "another model";
  EXPECT_TRUE(within_scoped_budgets(k, "gpt-4o", ledger, models, kDay + 1)) << "a new period";
  auto other = k;
  other.token = "other";
  EXPECT_TRUE(within_scoped_budgets(other, "gpt-4o", ledger, models, 1)) << "another key";
  k.key_alias.clear();
  k.model_budgets["gpt-4o"] = {0, kDay};
  EXPECT_TRUE(within_scoped_budgets(k, "gpt-4o", ledger, models, 1)) << "0: no limit";
}

TEST(ScopedBudgets, AKeyWithoutThemHasNone) {
  keys::VirtualKey k;
  EXPECT_FALSE(k.has_scoped_budgets());
  k.model_budgets["m"] = {1, kDay};
  EXPECT_TRUE(k.has_scoped_budgets());
}

}  // namespace
}  // namespace routeiq::api
