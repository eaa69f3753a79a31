#pragma once
// When and how long to wait before retrying an upstream call.
#include <chrono>
#include <string_view>

namespace routeiq::routing {

// 429, 408, 409 and 5xx are retried; other 4xx are the caller's fault.
bool retryable_status(int status);

// Seconds from a Retry-After header (delta-seconds or HTTP-date); -1 if absent/invalid.
double parse_retry_after(std::string_view value, std::chrono::system_clock::time_point now);

// The wait before the next attempt: the upstream's Retry-After capped at
// `cap`, and never less than the configured `retry_after` floor.
std::chrono::milliseconds retry_wait(double upstream_retry_after, double floor_seconds,
                                     double cap_seconds);

}  // namespace routeiq::routing
