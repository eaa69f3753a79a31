#include "routeiq/routing/retry.hpp"
#include "routeiq/core/time.hpp"

#include <algorithm>
#include <charconv>
#include <ctime>
#include <string>

namespace routeiq::routing {

bool retryable_status(int status) {
  return status == 429 || status == 408 || status == 409 || status >= 500;
}

double parse_retry_after(std::string_view value, std::chrono::system_clock::time_point now) {
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
  if (value.empty()) return -1;
  double seconds = 0;
  auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
  if (ec == std::errc() && p == value.data() + value.size()) return seconds < 0 ? -1 : seconds;
  auto at = parse_http_date(value);
  if (!at) return -1;
  return std::max(0.0, std::chrono::duration<double>(*at - now).count());
}

std::chrono::milliseconds retry_wait(double upstream_retry_after, double floor_seconds,
                                     double cap_seconds) {
  double wait = std::max(0.0, floor_seconds);
  if (upstream_retry_after > 0) wait = std::max(wait, std::min(upstream_retry_after, cap_seconds));
  return std::chrono::milliseconds(static_cast<int64_t>(wait * 1000));
}

}  // namespace routeiq::routing
