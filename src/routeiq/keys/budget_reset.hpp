#pragma once
// When budgets reset, as LiteLLM decides it (get_next_standardized_reset_time
// in litellm_core_utils/duration_parser.py): a budget_duration does not count
// from the moment a budget was made but from calendar boundaries, so every
// budget of the same duration resets at the same, predictable time. Pure: the
// time is always passed in, so the rules are tested on a fake clock.
#include <boost/json/object.hpp>
#include <chrono>
#include <optional>
#include <string_view>

#include "routeiq/core/time.hpp"

namespace routeiq::keys {

// The first reset after `now` for a budget_duration ("30s", "10m", "2h",
// "1d", "1w", "1mo"), on the wall clock `utc_offset` ahead of UTC (the
// configured time zone; 0: UTC):
//   Ns, Nm, Nh: the next multiple of N seconds in the minute, of N minutes in
//     the hour, of N hours in the day (a multiple past the end of the day:
//     that hour of the next day, as LiteLLM has it);
//   1d: the next midnight; 7d and 1w: the next Monday, midnight; 30d: the 1st
//     of the next month, midnight; other Nd (and Nw, N*7 days): N days after
//     today's midnight;
//   Nmo: the 1st of the month N months on, midnight.
// A zero duration resets at once (`now`). nullopt: not a duration.
std::optional<SysTime> next_reset_time(std::string_view duration, SysTime now,
                                       std::chrono::seconds utc_offset = {});

// A document's budget_reset_at (nullopt: none, or not a time).
std::optional<SysTime> reset_at_of(const boost::json::object& doc);

// Whether the budget of a stored key, user, team, end user's budget row or
// membership is due for its reset: budget_reset_at is set and not after `now`.
bool reset_due(const boost::json::object& doc, SysTime now);

// A due document after its reset at `now`: `spend` (when it has one) back to
// 0 and budget_reset_at the next reset of its budget_duration (null without a
// duration: reset once). Other fields, model_spend included, stay (LiteLLM
// resets spend only).
void apply_reset(boost::json::object& doc, SysTime now, std::chrono::seconds utc_offset = {});

// The budget_reset_at a document with this budget_duration starts with
// (ISO 8601), or nullopt when the duration is null or not a duration: what
// /key/generate, /team/new, /user/new... store, and /.../update when the
// duration changes.
std::optional<std::string> first_reset_at(const boost::json::value* duration, SysTime now,
                                          std::chrono::seconds utc_offset = {});

// A create or update body that names budget_duration starts a new period in
// `doc`: budget_reset_at is its first reset (null when the duration is null).
void start_budget_period(boost::json::object& doc, const boost::json::object& body, SysTime now);

}  // namespace routeiq::keys
