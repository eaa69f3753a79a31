#pragma once
// The one place times are written and read as text: ISO 8601 / RFC 3339 (key
// expiry, spend logs, credentials), its basic form (SigV4's X-Amz-Date) and
// the HTTP date (Retry-After). Locale-independent, UTC only, no strptime.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace routeiq {

using SysTime = std::chrono::system_clock::time_point;

// "2026-12-02T03:04:05Z"; with_millis: "2026-12-02T03:04:05.123Z".
std::string iso8601(SysTime t, bool with_millis = false);
// "20261202T030405Z" (ISO 8601 basic format, as SigV4 signs it).
std::string iso8601_basic(SysTime t);
// "2026-12-02"
std::string iso_date(SysTime t);

// RFC 3339 date-times ("2026-12-02T03:04:05Z", "...05.5+01:00", a space for
// 'T'; no offset means UTC) and plain dates ("2026-12-02", midnight UTC).
// nullopt for anything else, including out-of-range fields and years outside
// 1900..2200 (system_clock's nanoseconds overflow past 2262).
std::optional<SysTime> parse_iso8601(std::string_view text);
// RFC 9110 IMF-fixdate: "Wed, 21 Oct 2015 07:28:00 GMT".
std::optional<SysTime> parse_http_date(std::string_view text);

}  // namespace routeiq
