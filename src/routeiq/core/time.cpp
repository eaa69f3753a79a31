#include "routeiq/core/time.hpp"

#include <array>
#include <cstdio>

namespace routeiq {
namespace {

using namespace std::chrono;

struct Civil {
  int year;
  unsigned month, day;
  long hour, minute, second;
  long millis;
};

Civil civil(SysTime t) {
  auto day = floor<days>(t);
  year_month_day ymd{day};
  auto in_day = floor<milliseconds>(t - day).count();
  return {int(ymd.year()),      unsigned(ymd.month()), unsigned(ymd.day()), in_day / 3'600'000,
          in_day / 60'000 % 60, in_day / 1000 % 60,    in_day % 1000};
}

// Reads exactly `width` decimal digits at `pos`, moving past them.
std::optional<int> digits(std::string_view s, size_t& pos, size_t width) {
  if (pos + width > s.size()) return std::nullopt;
  int v = 0;
  for (size_t i = 0; i < width; ++i) {
    char c = s[pos + i];
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  pos += width;
  return v;
}

bool take(std::string_view s, size_t& pos, char c) {
  if (pos >= s.size() || s[pos] != c) return false;
  ++pos;
  return true;
}

std::optional<sys_days> make_date(int y, int m, int d) {
  // system_clock counts nanoseconds in 64 bits: about 1678 to 2262. Dates
  // outside a safe part of that are refused rather than overflowed.
  if (y < 1900 || y > 2200) return std::nullopt;
  year_month_day ymd{year{y}, month{unsigned(m)}, day{unsigned(d)}};
  if (!ymd.ok()) return std::nullopt;
  return sys_days{ymd};
}

std::optional<seconds> make_time_of_day(int h, int m, int s) {
  // 60 is a leap second (RFC 3339 allows it); it reads as the next second.
  if (h > 23 || m > 59 || s > 60) return std::nullopt;
  return hours{h} + minutes{m} + seconds{s};
}

// "+01:00", "-0530", "Z" or nothing (UTC).
std::optional<minutes> utc_offset(std::string_view s, size_t& pos) {
  if (pos == s.size()) return minutes{0};
  if (s[pos] == 'Z' || s[pos] == 'z') {
    ++pos;
    return minutes{0};
  }
  if (s[pos] != '+' && s[pos] != '-') return std::nullopt;
  int sign = s[pos++] == '-' ? -1 : 1;
  auto h = digits(s, pos, 2);
  take(s, pos, ':');
  auto m = digits(s, pos, 2);
  if (!h || !m || *h > 23 || *m > 59) return std::nullopt;
  return minutes{sign * (*h * 60 + *m)};
}

}  // namespace

std::string iso8601(SysTime t, bool with_millis) {
  auto c = civil(t);
  char buf[40];
  if (with_millis)
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02ld:%02ld:%02ld.%03ldZ", c.year, c.month,
                  c.day, c.hour, c.minute, c.second, c.millis);
  else
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02ld:%02ld:%02ldZ", c.year, c.month, c.day,
                  c.hour, c.minute, c.second);
  return buf;
}

std::string iso8601_basic(SysTime t) {
  auto c = civil(t);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d%02u%02uT%02ld%02ld%02ldZ", c.year, c.month, c.day, c.hour,
                c.minute, c.second);
  return buf;
}

std::string iso_date(SysTime t) {
  auto c = civil(t);
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", c.year, c.month, c.day);
  return buf;
}

std::optional<SysTime> parse_iso8601(std::string_view s) {
  size_t pos = 0;
  auto y = digits(s, pos, 4);
  bool dash1 = take(s, pos, '-');
  auto mo = digits(s, pos, 2);
  bool dash2 = take(s, pos, '-');
  auto d = digits(s, pos, 2);
  if (!y || !dash1 || !mo || !dash2 || !d) return std::nullopt;
  auto date = make_date(*y, *mo, *d);
  if (!date) return std::nullopt;
  if (pos == s.size()) return SysTime{*date};
  if (s[pos] != 'T' && s[pos] != 't' && s[pos] != ' ') return std::nullopt;
  ++pos;
  auto h = digits(s, pos, 2);
  bool colon1 = take(s, pos, ':');
  auto mi = digits(s, pos, 2);
  bool colon2 = take(s, pos, ':');
  auto se = digits(s, pos, 2);
  if (!h || !colon1 || !mi || !colon2 || !se) return std::nullopt;
  auto tod = make_time_of_day(*h, *mi, *se);
  if (!tod) return std::nullopt;
  microseconds fraction{0};
  if (take(s, pos, '.')) {
    int64_t scale = 100'000, us = 0;
    size_t start = pos;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      us += (s[pos++] - '0') * scale;
      scale /= 10;
    }
    if (pos == start) return std::nullopt;
    fraction = microseconds{us};
  }
  auto offset = utc_offset(s, pos);
  if (!offset || pos != s.size()) return std::nullopt;
  return SysTime{*date} + *tod + fraction - *offset;
}

std::optional<SysTime> parse_http_date(std::string_view s) {
  static constexpr std::array<std::string_view, 12> kMonths = {
      "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  // "Wed, 21 Oct 2015 07:28:00 GMT": 29 bytes, fixed positions.
  if (s.size() != 29 || s[3] != ',' || s[4] != ' ' || s[7] != ' ' || s[11] != ' ' || s[16] != ' ' ||
      s[19] != ':' || s[22] != ':' || s.substr(25) != " GMT")
    return std::nullopt;
  int month = 0;
  while (month < 12 && kMonths[month] != s.substr(8, 3)) ++month;
  size_t pos = 5;
  auto d = digits(s, pos, 2);
  pos = 12;
  auto y = digits(s, pos, 4);
  pos = 17;
  auto h = digits(s, pos, 2);
  pos = 20;
  auto mi = digits(s, pos, 2);
  pos = 23;
  auto se = digits(s, pos, 2);
  if (month == 12 || !d || !y || !h || !mi || !se) return std::nullopt;
  auto date = make_date(*y, month + 1, *d);
  auto tod = make_time_of_day(*h, *mi, *se);
  if (!date || !tod) return std::nullopt;
  return SysTime{*date} + *tod;
}

}  // namespace routeiq
