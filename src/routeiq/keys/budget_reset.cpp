#include "routeiq/keys/budget_reset.hpp"

#include <charconv>
#include <string>

#include "routeiq/core/json.hpp"

namespace routeiq::keys {
namespace json = boost::json;
using namespace std::chrono;

namespace {

struct Duration {
  int64_t value = 0;
  std::string_view unit;
};

std::optional<Duration> parse(std::string_view text) {
  size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  if (digits == 0 || digits > 9) return std::nullopt;
  Duration d;
  std::from_chars(text.data(), text.data() + digits, d.value);
  d.unit = text.substr(digits);
  for (auto unit : {"s", "m", "h", "d", "w", "mo"})
    if (d.unit == unit) return d;
  return std::nullopt;
}

// Python's weekday(): Monday 0 ... Sunday 6.
unsigned monday_based(sys_days day) {
  return weekday(day).iso_encoding() - 1;
}

sys_days first_of_month(sys_days day, int64_t months_on) {
  year_month_day ymd(day);
  auto first = year_month(ymd.year(), ymd.month()) + months(months_on);
  return sys_days(first / 1);
}

sys_days day_reset(sys_days today, int64_t days_on) {
  if (days_on == 1) return today + days(1);
  if (days_on == 7) {
    unsigned until_monday = (7 - monday_based(today)) % 7;
    return today + days(until_monday == 0 ? 7 : until_monday);
  }
  if (days_on == 30) return first_of_month(today, 1);
  return today + days(days_on);
}

// The next multiple of `step` units (hours in the day, minutes in the hour,
// seconds in the minute) after the time of day, carried into the larger
// units; a result past the day is that hour of the next day, as LiteLLM has it.
sys_seconds clock_reset(sys_days today, seconds time_of_day, seconds unit, int64_t step) {
  int64_t h = duration_cast<hours>(time_of_day).count();
  int64_t m = duration_cast<minutes>(time_of_day).count() % 60;
  int64_t s = time_of_day.count() % 60;
  if (unit == hours(1)) {
    h += step - h % step;
    m = 0;
    s = 0;
  } else if (unit == minutes(1)) {
    m += step - m % step;
    s = 0;
  } else {
    s += step - s % step;
  }
  m += s / 60;
  s %= 60;
  h += m / 60;
  m %= 60;
  sys_days day = today;
  if (h >= 24) {
    day += days(1);
    h %= 24;
  }
  return day + hours(h) + minutes(m) + seconds(s);
}

}  // namespace

std::optional<SysTime> next_reset_time(std::string_view duration, SysTime now, seconds utc_offset) {
  auto d = parse(duration);
  if (!d) return std::nullopt;
  if (d->value == 0) return now;
  // The wall clock of the time zone, worked on as if it were UTC.
  auto local = floor<seconds>(now) + utc_offset;
  auto today = floor<days>(local);
  auto time_of_day = local - today;
  sys_seconds next;
  if (d->unit == "d") next = day_reset(today, d->value);
  if (d->unit == "w") next = day_reset(today, d->value * 7);
  if (d->unit == "mo") next = first_of_month(today, d->value);
  if (d->unit == "h") next = clock_reset(today, time_of_day, hours(1), d->value);
  if (d->unit == "m") next = clock_reset(today, time_of_day, minutes(1), d->value);
  if (d->unit == "s") next = clock_reset(today, time_of_day, seconds(1), d->value);
  return SysTime(next - utc_offset);
}

std::optional<SysTime> reset_at_of(const json::object& doc) {
  auto text = str_or(doc, "budget_reset_at");
  if (text.empty()) return std::nullopt;
  return parse_iso8601(text);
}

bool reset_due(const json::object& doc, SysTime now) {
  auto at = reset_at_of(doc);
  return at && *at <= now;
}

void apply_reset(json::object& doc, SysTime now, seconds utc_offset) {
  if (doc.contains("spend")) doc["spend"] = 0.0;
  auto next = first_reset_at(doc.if_contains("budget_duration"), now, utc_offset);
  if (next)
    doc["budget_reset_at"] = *next;
  else
    doc["budget_reset_at"] = nullptr;
}

std::optional<std::string> first_reset_at(const json::value* duration, SysTime now,
                                          seconds utc_offset) {
  if (!duration || !duration->is_string()) return std::nullopt;
  auto next = next_reset_time(duration->get_string(), now, utc_offset);
  if (!next) return std::nullopt;
  return iso8601(*next, true);
}

void start_budget_period(json::object& doc, const json::object& body, SysTime now) {
  const auto* duration = body.if_contains("budget_duration");
  if (!duration) return;
  if (auto next = first_reset_at(duration, now))
    doc["budget_reset_at"] = *next;
  else
    doc["budget_reset_at"] = nullptr;
}

}  // namespace routeiq::keys
