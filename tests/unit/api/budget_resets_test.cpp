// The budget reset pass on a real SQLite store, on a fake clock, and the
// budget alerts' webhook body.
#include "routeiq/api/budget_resets.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <boost/json.hpp>
#include <filesystem>

#include "routeiq/api/budget_alerts.hpp"
#include "routeiq/api/spend_ledger.hpp"
#include "routeiq/keys/budget_reset.hpp"

namespace routeiq::api {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using namespace std::chrono;
using store::Row;
using store::Table;

SysTime at(std::string_view iso) {
  return parse_iso8601(iso).value();
}

class BudgetResetPass : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "routeiq-resets-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    auto opened = store::open_store("sqlite://" + (dir_ / "store.db").string());
    ASSERT_TRUE(opened) << opened.error().message;
    store_ = std::move(opened.value());
  }
  void TearDown() override {
    store_.reset();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  void put(Table table, std::string id, std::string_view doc) {
    Row row{std::move(id), json::parse(doc).as_object()};
    auto inserted = store_->insert(table, row);
    ASSERT_TRUE(inserted && inserted.value());
  }
  json::object doc(Table table, std::string_view id) {
    auto row = store_->get(table, id);
    EXPECT_TRUE(row && row.value());
    return row.value()->doc;
  }
  ResetPass pass(SysTime now, const UnwrittenBefore& unwritten = nothing_unwritten) {
    auto p = reset_due_budgets(*store_, now, {}, unwritten);
    EXPECT_TRUE(p) << p.error().message;
    return p.value();
  }
  static bool nothing_unwritten(const std::string&, SysTime) { return false; }

  fs::path dir_;
  std::unique_ptr<store::Store> store_;
};

TEST_F(BudgetResetPass, ResetsDueKeysUsersAndTeamsOnly) {
  put(Table::keys, "k-due", R"({"spend":3,"max_budget":2,"budget_duration":"1d",
                               "budget_reset_at":"2026-12-02T00:00:00Z"})");
  put(Table::keys, "k-later", R"({"spend":3,"max_budget":2,"budget_duration":"1d",
                                 "budget_reset_at":"2026-12-03T00:00:00Z"})");
  put(Table::keys, "k-none", R"({"spend":3,"max_budget":2})");
  put(Table::users, "u", R"({"spend":1,"budget_duration":"1h",
                            "budget_reset_at":"2026-12-02T09:00:00Z"})");
  put(Table::teams, "t", R"({"spend":1,"budget_duration":"30s",
                            "budget_reset_at":"2026-12-02T10:00:00Z"})");
  auto now = at("2026-12-02T10:00:10Z");
  auto p = pass(now);
  EXPECT_EQ(p.reset, (std::vector<std::string>{"key:k-due", "user:u", "team:t"}));
  EXPECT_EQ(p.next_due, at("2026-12-03T00:00:00Z"));
  EXPECT_EQ(doc(Table::keys, "k-due").at("spend").as_double(), 0.0);
  EXPECT_EQ(keys::reset_at_of(doc(Table::keys, "k-due")), at("2026-12-03T00:00:00Z"));
  EXPECT_EQ(doc(Table::keys, "k-later").at("spend").to_number<double>(), 3.0);
  EXPECT_EQ(doc(Table::keys, "k-none").at("spend").to_number<double>(), 3.0);
  EXPECT_EQ(keys::reset_at_of(doc(Table::users, "u")), at("2026-12-02T11:00:00Z"));
  EXPECT_EQ(keys::reset_at_of(doc(Table::teams, "t")), at("2026-12-02T10:00:30Z"));
  // Nothing is due any more: a second pass (or another instance's) resets nothing.
  EXPECT_TRUE(pass(now).reset.empty());
}

TEST_F(BudgetResetPass, AGatewayDownForDaysResetsOnceToAFutureTime) {
  put(Table::keys, "k", R"({"spend":9,"budget_duration":"1d",
                           "budget_reset_at":"2026-11-28T00:00:00Z"})");
  auto now = at("2026-12-02T10:00:00Z");
  EXPECT_EQ(pass(now).reset.size(), 1u);
  EXPECT_EQ(keys::reset_at_of(doc(Table::keys, "k")), at("2026-12-03T00:00:00Z"));
  EXPECT_TRUE(pass(now + hours(13)).reset.size() == 0u);
  EXPECT_EQ(pass(now + hours(14)).reset.size(), 1u);
}

TEST_F(BudgetResetPass, BudgetRowsResetTheirEndUsersAndMemberships) {
  put(Table::budgets, "free", R"({"max_budget":1,"budget_duration":"1mo",
                                 "budget_reset_at":"2026-12-01T00:00:00Z"})");
  put(Table::budgets, "paid", R"({"max_budget":9,"budget_duration":"1mo",
                                 "budget_reset_at":"2027-01-01T00:00:00Z"})");
  put(Table::end_users, "ana", R"({"spend":0.9,"budget_id":"free"})");
  put(Table::end_users, "bob", R"({"spend":5,"budget_id":"paid"})");
  put(Table::memberships, "t\nana", R"({"team_id":"t","user_id":"ana","spend":0.4,
                                      "budget_id":"free"})");
  auto p = pass(at("2026-12-31T23:59:59Z"));
  EXPECT_EQ(p.budgets_reset, 1u);
  EXPECT_EQ(p.reset, (std::vector<std::string>{"end_user:ana"}));
  EXPECT_EQ(doc(Table::end_users, "ana").at("spend").as_double(), 0.0);
  EXPECT_EQ(doc(Table::memberships, "t\nana").at("spend").as_double(), 0.0);
  EXPECT_EQ(doc(Table::end_users, "bob").at("spend").to_number<double>(), 5.0);
  EXPECT_EQ(keys::reset_at_of(doc(Table::budgets, "free")), at("2027-01-01T00:00:00Z"));
  EXPECT_FALSE(doc(Table::budgets, "free").contains("spend"));
}

TEST_F(BudgetResetPass, SpendOfThePeriodNotYetWrittenDefersTheReset) {
  put(Table::keys, "k", R"({"spend":1,"budget_duration":"2s",
                           "budget_reset_at":"2026-12-02T10:00:00Z"})");
  SpendLedger ledger;
  auto cut_ms = duration_cast<milliseconds>(at("2026-12-02T10:00:00Z").time_since_epoch()).count();
  ledger.add("key:k", 0.5, cut_ms - 100);  // spent before the reset, still queued
  UnwrittenBefore unwritten = [&](const std::string& owner, SysTime cut) {
    return ledger.unwritten_before(owner,
                                   duration_cast<milliseconds>(cut.time_since_epoch()).count()) > 0;
  };
  auto now = at("2026-12-02T10:00:01Z");
  auto waiting = pass(now, unwritten);
  EXPECT_EQ(waiting.deferred, 1u);
  EXPECT_TRUE(waiting.reset.empty());
  EXPECT_EQ(doc(Table::keys, "k").at("spend").to_number<double>(), 1.0);
  ledger.written("key:k", 0.5);  // its batch is in the database (in the old period)
  auto done = pass(now, unwritten);
  EXPECT_EQ(done.deferred, 0u);
  EXPECT_EQ(done.reset, (std::vector<std::string>{"key:k"}));
}

TEST_F(BudgetResetPass, ProxyBudgetIsAUserRowWithItsPeriod) {
  ProxyBudget proxy(2.0, "1d");
  auto now = at("2026-12-02T10:00:00Z");
  ASSERT_TRUE(proxy.ensure(*store_, now, {}));
  auto row = doc(Table::users, ProxyBudget::kUserId);
  EXPECT_EQ(row.at("max_budget").as_double(), 2.0);
  EXPECT_EQ(keys::reset_at_of(row), at("2026-12-03T00:00:00Z"));
  SpendLedger ledger;
  EXPECT_TRUE(proxy.check(ledger, now));
  ledger.add(ProxyBudget::kOwner, 2.5, 0);
  auto refused = proxy.check(ledger, now);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().kind, ErrorKind::budget_exceeded);
  EXPECT_EQ(refused.error().message, "Budget has been exceeded! Current cost: 2.5, Max budget: 2");
  // Past its reset time, what was spent before it no longer counts.
  EXPECT_TRUE(proxy.check(ledger, at("2026-12-03T00:00:01Z")));
  // Started again with the same settings: the period and spend stay.
  row["spend"] = 1.5;
  ASSERT_TRUE(store_->update(Table::users, Row{std::string(ProxyBudget::kUserId), row}));
  ASSERT_TRUE(proxy.ensure(*store_, now + hours(1), {}));
  EXPECT_EQ(doc(Table::users, ProxyBudget::kUserId).at("spend").to_number<double>(), 1.5);
  EXPECT_EQ(keys::reset_at_of(doc(Table::users, ProxyBudget::kUserId)), at("2026-12-03T00:00:00Z"));
}

TEST(BudgetAlerts, WebhookEventHasLiteLLMsFields) {
  BudgetEvent e;
  e.event = "soft_budget_crossed";
  e.event_group = "key";
  e.id = "abc123";
  e.token = "abc123";
  e.key_alias = "ci";
  e.team_id = "t1";
  e.spend = 1.5;
  e.soft_budget = 1.0;
  e.max_budget = 5.0;
  auto body = json::parse(webhook_event_json(e)).as_object();
  EXPECT_EQ(body.at("event").as_string(), "soft_budget_crossed");
  EXPECT_EQ(body.at("event_group").as_string(), "key");
  EXPECT_EQ(body.at("event_message").as_string(), "Key Budget: Soft Budget Crossed");
  EXPECT_EQ(body.at("spend").as_double(), 1.5);
  EXPECT_EQ(body.at("soft_budget").as_double(), 1.0);
  EXPECT_EQ(body.at("max_budget").as_double(), 5.0);
  EXPECT_EQ(body.at("token").as_string(), "abc123");
  EXPECT_EQ(body.at("key_alias").as_string(), "ci");
  EXPECT_EQ(body.at("team_id").as_string(), "t1");
  EXPECT_TRUE(body.at("user_id").is_null());
  EXPECT_TRUE(body.at("customer_id").is_null());
  auto line = budget_event_line(e);
  EXPECT_NE(line.find("key alias=ci"), std::string::npos) << line;
  EXPECT_EQ(line.find("abc123"), std::string::npos) << "the alias names the key: " << line;
}

TEST(BudgetAlerts, RaisedOncePerOwnerAndPeriod) {
  BudgetAlerts alerts("");
  BudgetEvent e;
  e.event = "budget_crossed";
  e.event_group = "team";
  e.id = "t1";
  e.period_ms = 1000;
  EXPECT_TRUE(alerts.raise(e));
  EXPECT_FALSE(alerts.raise(e));
  e.period_ms = 2000;  // the next period
  EXPECT_TRUE(alerts.raise(e));
  e.event = "soft_budget_crossed";
  EXPECT_TRUE(alerts.raise(e));
  alerts.stop();
  EXPECT_FALSE(alerts.raise(e));
}

}  // namespace
}  // namespace routeiq::api
