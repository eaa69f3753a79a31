#include "routeiq/core/time.hpp"

#include <gtest/gtest.h>

namespace routeiq {
namespace {

using namespace std::chrono;

SysTime at(int y, unsigned m, unsigned d, int h = 0, int mi = 0, int s = 0) {
  return sys_days{year{y} / month{m} / day{d}} + hours{h} + minutes{mi} + seconds{s};
}

TEST(Time, WritesIsoBasicAndDate) {
  auto t = at(2026, 12, 2, 3, 4, 5) + milliseconds{78};
  EXPECT_EQ(iso8601(t), "2026-12-02T03:04:05Z");
  EXPECT_EQ(iso8601(t, true), "2026-12-02T03:04:05.078Z");
  EXPECT_EQ(iso8601_basic(t), "20261202T030405Z");
  EXPECT_EQ(iso_date(t), "2026-12-02");
  EXPECT_EQ(iso8601(at(1999, 12, 31, 23, 59, 59)), "1999-12-31T23:59:59Z");
}

TEST(Time, ReadsRfc3339AndDates) {
  EXPECT_EQ(parse_iso8601("2026-12-02T03:04:05Z"), at(2026, 12, 2, 3, 4, 5));
  EXPECT_EQ(parse_iso8601("2026-12-02 03:04:05"), at(2026, 12, 2, 3, 4, 5));
  EXPECT_EQ(parse_iso8601("2026-12-02T03:04:05.5Z"), at(2026, 12, 2, 3, 4, 5) + milliseconds{500});
  EXPECT_EQ(parse_iso8601("2026-12-02T04:04:05+01:00"), at(2026, 12, 2, 3, 4, 5));
  EXPECT_EQ(parse_iso8601("2026-12-01T22:04:05-0500"), at(2026, 12, 2, 3, 4, 5));
  EXPECT_EQ(parse_iso8601("2026-12-02"), at(2026, 12, 2));
  EXPECT_EQ(parse_iso8601("2024-02-29"), at(2024, 2, 29)) << "leap day";
}

TEST(Time, RefusesWhatIsNotADate) {
  for (auto bad : {"", "2026", "2026-13-01", "2026-02-30", "2023-02-29", "2026-12-02T25:00:00Z",
                   "2026-12-02T03:04", "2026-12-02T03:04:05Q", "2026-12-02T03:04:05Zjunk",
                   "2026-12-02T03:04:05.", "26-12-02", "2999-01-01", "1200-01-01", "2026/12/02",
                   "２０２６-12-02"})
    EXPECT_FALSE(parse_iso8601(bad)) << bad;
}

TEST(Time, ReadsHttpDates) {
  EXPECT_EQ(parse_http_date("Wed, 21 Oct 2015 07:28:00 GMT"), at(2015, 10, 21, 7, 28, 0));
  EXPECT_FALSE(parse_http_date("Wed, 21 Foo 2015 07:28:00 GMT"));
  EXPECT_FALSE(parse_http_date("Wed, 31 Feb 2015 07:28:00 GMT"));
  EXPECT_FALSE(parse_http_date("Wed, 21 Oct 2015 07:28:00 UTC"));
  EXPECT_FALSE(parse_http_date("120"));
}

TEST(Time, RoundTrips) {
  auto t = at(2031, 7, 15, 12, 0, 1);
  EXPECT_EQ(parse_iso8601(iso8601(t)), t);
  EXPECT_EQ(parse_iso8601(iso_date(t)), at(2031, 7, 15));
}

}  // namespace
}  // namespace routeiq
