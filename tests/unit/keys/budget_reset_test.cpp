#include "routeiq/keys/budget_reset.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace routeiq::keys {
namespace {

namespace json = boost::json;
using namespace std::chrono;

SysTime at(std::string_view iso) {
  auto t = parse_iso8601(iso);
  EXPECT_TRUE(t) << iso;
  return t.value_or(SysTime{});
}

std::string next(std::string_view duration, std::string_view now, seconds offset = {}) {
  auto t = next_reset_time(duration, at(now), offset);
  return t ? iso8601(*t) : "none";
}

TEST(BudgetReset, DaysAlignToMidnightMondayAndTheFirst) {
  // 2023-05-15 was a Monday.
  EXPECT_EQ(next("1d", "2023-05-15T10:30:00Z"), "2023-05-16T00:00:00Z");
  EXPECT_EQ(next("7d", "2023-05-15T10:30:00Z"), "2023-05-22T00:00:00Z");  // Monday: a week on
  EXPECT_EQ(next("7d", "2023-05-17T10:30:00Z"), "2023-05-22T00:00:00Z");
  EXPECT_EQ(next("1w", "2023-05-21T23:59:59Z"), "2023-05-22T00:00:00Z");
  EXPECT_EQ(next("30d", "2023-05-15T10:30:00Z"), "2023-06-01T00:00:00Z");
  EXPECT_EQ(next("3d", "2023-05-15T10:30:00Z"), "2023-05-18T00:00:00Z");
  EXPECT_EQ(next("2w", "2023-05-15T10:30:00Z"), "2023-05-29T00:00:00Z");
}

TEST(BudgetReset, MonthsEndOfMonthAndYear) {
  EXPECT_EQ(next("1mo", "2024-01-31T23:59:59Z"), "2024-02-01T00:00:00Z");
  EXPECT_EQ(next("1mo", "2024-02-29T12:00:00Z"), "2024-03-01T00:00:00Z");
  EXPECT_EQ(next("30d", "2023-12-31T23:00:00Z"), "2024-01-01T00:00:00Z");
  EXPECT_EQ(next("1mo", "2023-12-01T00:00:00Z"), "2024-01-01T00:00:00Z");
  EXPECT_EQ(next("2mo", "2023-11-15T00:00:00Z"), "2024-01-01T00:00:00Z");
}

TEST(BudgetReset, HoursMinutesSecondsAlignInTheirUnit) {
  EXPECT_EQ(next("1h", "2023-05-15T10:30:00Z"), "2023-05-15T11:00:00Z");
  EXPECT_EQ(next("6h", "2023-05-15T10:30:00Z"), "2023-05-15T12:00:00Z");
  EXPECT_EQ(next("6h", "2023-05-15T12:00:00Z"), "2023-05-15T18:00:00Z");  // on a boundary: the next
  EXPECT_EQ(next("5h", "2023-05-15T22:10:00Z"), "2023-05-16T01:00:00Z");  // past midnight
  EXPECT_EQ(next("15m", "2023-05-15T10:07:30Z"), "2023-05-15T10:15:00Z");
  EXPECT_EQ(next("30m", "2023-05-15T23:45:00Z"), "2023-05-16T00:00:00Z");
  EXPECT_EQ(next("2s", "2023-05-15T10:30:11Z"), "2023-05-15T10:30:12Z");
  EXPECT_EQ(next("2s", "2023-05-15T10:30:12Z"), "2023-05-15T10:30:14Z");
  EXPECT_EQ(next("30s", "2023-05-15T23:59:45Z"), "2023-05-16T00:00:00Z");
  // Sub-second parts do not move the boundary.
  EXPECT_EQ(next("3s", "2023-05-15T10:30:10.900Z"), "2023-05-15T10:30:12Z");
}

TEST(BudgetReset, TimeZoneOffsetMovesMidnight) {
  // UTC-5: 03:00Z is 22:00 the day before; midnight there is 05:00Z.
  EXPECT_EQ(next("1d", "2023-05-15T03:00:00Z", -hours(5)), "2023-05-15T05:00:00Z");
  EXPECT_EQ(next("1d", "2023-05-15T06:00:00Z", -hours(5)), "2023-05-16T05:00:00Z");
  // UTC+5:30: the first of the month begins at 18:30Z the day before.
  EXPECT_EQ(next("1mo", "2023-05-31T19:00:00Z", hours(5) + minutes(30)), "2023-06-30T18:30:00Z");
}

TEST(BudgetReset, ZeroAndBadDurations) {
  EXPECT_EQ(next("0d", "2023-05-15T10:30:00Z"), "2023-05-15T10:30:00Z");
  EXPECT_EQ(next("", "2023-05-15T10:30:00Z"), "none");
  EXPECT_EQ(next("1y", "2023-05-15T10:30:00Z"), "none");
  EXPECT_EQ(next("d", "2023-05-15T10:30:00Z"), "none");
  EXPECT_EQ(next("1000000000d", "2023-05-15T10:30:00Z"), "none");
}

TEST(BudgetReset, DueRows) {
  auto now = at("2023-05-15T10:30:00Z");
  EXPECT_TRUE(
      reset_due(json::parse(R"({"budget_reset_at":"2023-05-15T10:30:00Z"})").as_object(), now));
  EXPECT_TRUE(
      reset_due(json::parse(R"({"budget_reset_at":"2023-05-01T00:00:00Z"})").as_object(), now));
  EXPECT_FALSE(
      reset_due(json::parse(R"({"budget_reset_at":"2023-05-15T10:30:01Z"})").as_object(), now));
  EXPECT_FALSE(reset_due(json::parse(R"({"budget_reset_at":null})").as_object(), now));
  EXPECT_FALSE(reset_due(json::parse(R"({"spend":3})").as_object(), now));
  EXPECT_FALSE(reset_due(json::parse(R"({"budget_reset_at":"soon"})").as_object(), now));
}

TEST(BudgetReset, ResetAfterSeveralMissedPeriodsLandsAfterNow) {
  // A gateway that was down for three days resets once, to the next midnight
  // after it started, not to a time already past.
  auto doc = json::parse(R"({"spend":7.5,"max_budget":10,"budget_duration":"1d",
                            "budget_reset_at":"2023-05-12T00:00:00Z","model_spend":{"m":7.5}})")
                 .as_object();
  auto now = at("2023-05-15T10:30:00Z");
  ASSERT_TRUE(reset_due(doc, now));
  apply_reset(doc, now);
  EXPECT_EQ(doc.at("spend").as_double(), 0.0);
  EXPECT_EQ(reset_at_of(doc), at("2023-05-16T00:00:00Z"));
  EXPECT_FALSE(reset_due(doc, now));
  EXPECT_EQ(doc.at("max_budget").as_int64(), 10);
  EXPECT_TRUE(doc.contains("model_spend"));
}

TEST(BudgetReset, BudgetRowsHaveNoSpendAndRowsWithoutDurationResetOnce) {
  auto now = at("2023-05-15T10:30:00Z");
  auto budget = json::parse(R"({"max_budget":1,"budget_duration":"2s",
                               "budget_reset_at":"2023-05-15T10:29:00Z"})")
                    .as_object();
  apply_reset(budget, now);
  EXPECT_FALSE(budget.contains("spend"));
  EXPECT_EQ(reset_at_of(budget), at("2023-05-15T10:30:02Z"));

  auto once = json::parse(R"({"spend":2,"budget_reset_at":"2023-05-15T10:29:00Z"})").as_object();
  apply_reset(once, now);
  EXPECT_EQ(once.at("spend").as_double(), 0.0);
  EXPECT_TRUE(once.at("budget_reset_at").is_null());
  EXPECT_FALSE(reset_due(once, now + hours(24)));
}

TEST(BudgetReset, FirstResetAt) {
  auto now = at("2023-05-15T10:30:00Z");
  json::value day = "1d", null = nullptr, bad = "soon";
  EXPECT_EQ(first_reset_at(&day, now), "2023-05-16T00:00:00.000Z");
  EXPECT_EQ(first_reset_at(&null, now), std::nullopt);
  EXPECT_EQ(first_reset_at(&bad, now), std::nullopt);
  EXPECT_EQ(first_reset_at(nullptr, now), std::nullopt);
}

}  // namespace
}  // namespace routeiq::keys
