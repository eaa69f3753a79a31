#include "routeiq/limits/window.hpp"

#include <gtest/gtest.h>

#include "fake_clock.hpp"

namespace routeiq::limits {
namespace {

using test::at_ms;
using test::at_s;

TEST(Window, SumsTheLastSixtySeconds) {
  Window window;
  window.add(at_s(0), 3);
  window.add(at_ms(500), 2);
  window.add(at_s(59), 1);
  EXPECT_EQ(window.total(at_s(59)), 6);
  EXPECT_EQ(window.total(at_ms(59999)), 6);
}

TEST(Window, AfterSixtySecondsEverythingIsFree) {
  Window window;
  window.add(at_s(0), 5);
  EXPECT_EQ(window.total(at_s(60)), 0);
  EXPECT_EQ(window.total(at_s(600)), 0);
}

TEST(Window, PartialSlideFreesOnlyTheOldBuckets) {
  Window window;
  window.add(at_s(0), 3);
  window.add(at_s(30), 2);
  EXPECT_EQ(window.total(at_s(59)), 5);
  EXPECT_EQ(window.total(at_s(60)), 2);
  EXPECT_EQ(window.total(at_s(89)), 2);
  EXPECT_EQ(window.total(at_s(90)), 0);
}

TEST(Window, ABucketReusedAMinuteLaterStartsFromZero) {
  Window window;
  window.add(at_s(5), 7);
  window.add(at_s(65), 1);  // same slot, next minute
  EXPECT_EQ(window.total(at_s(65)), 1);
}

TEST(Window, SecondsUntilBelowCountsTheOldestBucketsFirst) {
  Window window;
  window.add(at_s(0), 3);
  window.add(at_s(30), 2);
  // total 5 at t=40: below 5 once second 0 expires (t=60), below 2 once second 30 does (t=90).
  EXPECT_EQ(window.seconds_until_below(at_s(40), 5), 20);
  EXPECT_EQ(window.seconds_until_below(at_s(40), 2), 50);
  EXPECT_EQ(window.seconds_until_below(at_s(40), 6), 1);  // already below: at least 1
  EXPECT_EQ(window.seconds_until_below(at_ms(59500), 5), 1);
  EXPECT_EQ(window.seconds_until_below(at_s(40), 0), 60);  // never below 0
}

TEST(Window, AddToSecondOnlyWhileTheBucketCounts) {
  Window window;
  window.add(at_s(10), 100);
  int64_t second = second_of(at_s(10));
  EXPECT_TRUE(window.add_to_second(second, at_s(20), -40));
  EXPECT_EQ(window.total(at_s(20)), 60);
  EXPECT_FALSE(window.add_to_second(second, at_s(70), 5));
  EXPECT_EQ(window.total(at_s(70)), 0);
}

TEST(Window, ATimeBeforeTheNewestCountsAsTheNewest) {
  Window window;
  window.add(at_s(10), 2);
  window.add(at_ms(9500), 3);  // another thread read the clock a little earlier
  EXPECT_EQ(window.total(at_s(9)), 5);
  EXPECT_EQ(window.total(at_s(69)), 5);
  EXPECT_EQ(window.total(at_s(70)), 0);
}

TEST(Window, TheSumFollowsManySlides) {
  Window window;
  int64_t expected = 0;
  for (int64_t second = 0; second < 300; ++second) {
    window.add(at_s(second), second);
    expected += second;
    if (second >= 60) expected -= second - 60;
    ASSERT_EQ(window.total(at_s(second)), expected) << second;
  }
  EXPECT_EQ(window.total(at_s(330)), (271 + 299) * 29 / 2);  // seconds 271..299
}

TEST(Window, SecondOfRoundsDownBeforeTheEpoch) {
  EXPECT_EQ(second_of(TimePoint{} - std::chrono::milliseconds(500)), -1);
  EXPECT_EQ(second_of(TimePoint{} + std::chrono::milliseconds(1500)), 1);
  Window window;
  window.add(TimePoint{} - std::chrono::seconds(3), 4);
  EXPECT_EQ(window.total(TimePoint{}), 4);
}

}  // namespace
}  // namespace routeiq::limits
