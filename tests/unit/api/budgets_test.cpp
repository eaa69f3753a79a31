// Budget checks and the ledger of spend not yet written.
#include "routeiq/api/budgets.hpp"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "routeiq/api/spend_ledger.hpp"

namespace routeiq::api {
namespace {

keys::Budget budget(std::optional<double> max, double spend) {
  keys::Budget b;
  b.max_budget = max;
  b.spend = spend;
  return b;
}

TEST(Budgets, UnderTheBudgetPasses) {
  EXPECT_TRUE(within_budget("", budget(1.0, 0.4), 0.5));
  EXPECT_TRUE(within_budget("", budget(std::nullopt, 100), 100)) << "no max_budget: no limit";
}

TEST(Budgets, ReachingTheBudgetIsRefusedWithLiteLLMsMessage) {
  auto st = within_budget("", budget(1.0, 0.75), 0.25);
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().kind, ErrorKind::budget_exceeded);
  EXPECT_EQ(st.error().status(), 400);
  EXPECT_EQ(st.error().message, "Budget has been exceeded! Current cost: 1, Max budget: 1");
  auto team = within_budget("Team=t1", budget(0.5, 0.6), 0);
  ASSERT_FALSE(team);
  EXPECT_EQ(team.error().message,
            "Budget has been exceeded! Team=t1 Current cost: 0.6, Max budget: 0.5");
}

TEST(Budgets, AZeroBudgetRefusesAtOnce) {
  EXPECT_FALSE(within_budget("User=u", budget(0.0, 0), 0));
}

TEST(SpendLedger, AddsUntilWrittenAndNeverGoesBelowNothing) {
  SpendLedger ledger;
  ledger.add("key:a", 0.25, 1000);
  ledger.add("key:a", 0.5, 2000);
  ledger.add("team:t", 1, 1000);
  EXPECT_DOUBLE_EQ(ledger.unwritten("key:a"), 0.75);
  EXPECT_DOUBLE_EQ(ledger.unwritten("team:t"), 1);
  ledger.written("key:a", 0.25);
  EXPECT_DOUBLE_EQ(ledger.unwritten("key:a"), 0.5);
  ledger.written("key:a", 0.5);
  EXPECT_DOUBLE_EQ(ledger.unwritten("key:a"), 0);
  ledger.written("key:b", 3);  // a row of an earlier run's journal: never added here
  EXPECT_DOUBLE_EQ(ledger.unwritten("key:b"), 0);
  ledger.add("key:c", 0, 1000);  // free answers count nothing
  EXPECT_DOUBLE_EQ(ledger.unwritten("key:c"), 0);
}

TEST(SpendLedger, AmountsKeepWhenTheyWereSpent) {
  SpendLedger ledger;
  ledger.add("key:a", 1, 1000);
  ledger.add("key:a", 2, 2000);
  ledger.add("key:a", 4, 3000);
  EXPECT_DOUBLE_EQ(ledger.unwritten_since("key:a", 2000), 6);
  EXPECT_DOUBLE_EQ(ledger.unwritten_before("key:a", 2000), 1);
  EXPECT_DOUBLE_EQ(ledger.unwritten_since("key:a", 3001), 0);
  // Batches go oldest first: writing 1.5 takes the first amount and half the next.
  ledger.written("key:a", 1.5);
  EXPECT_DOUBLE_EQ(ledger.unwritten_before("key:a", 2000), 0);
  EXPECT_DOUBLE_EQ(ledger.unwritten_before("key:a", 3000), 1.5);
  EXPECT_DOUBLE_EQ(ledger.unwritten("key:a"), 5.5);
  ledger.written("key:a", 5.5);
  EXPECT_DOUBLE_EQ(ledger.unwritten_since("key:a", 0), 0);
}

TEST(Budgets, APassedResetTimeMakesTheStoredSpendThePeriodBefore) {
  auto b = budget(1.0, 5.0);
  auto now = std::chrono::system_clock::now();
  b.reset_at = now + std::chrono::seconds(1);
  EXPECT_DOUBLE_EQ(b.spend_at(now), 5.0);
  EXPECT_DOUBLE_EQ(b.spend_at(now + std::chrono::seconds(1)), 0.0);
  b.reset_at.reset();
  EXPECT_DOUBLE_EQ(b.spend_at(now + std::chrono::hours(1000)), 5.0);
}

TEST(SpendLedger, ConcurrentAddsAllCount) {
  SpendLedger ledger;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 1000; ++i) ledger.add("team:shared", 0.5, i);
    });
  for (auto& t : threads) t.join();
  EXPECT_DOUBLE_EQ(ledger.unwritten("team:shared"), 2000);
}

}  // namespace
}  // namespace routeiq::api
