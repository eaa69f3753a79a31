#pragma once
#include <chrono>

#include "routeiq/limits/window.hpp"

namespace routeiq::limits::test {

// A point `ms` milliseconds after an arbitrary start: tests move time by hand.
inline TimePoint at_ms(int64_t ms) {
  return TimePoint{} + std::chrono::hours(1000) + std::chrono::milliseconds(ms);
}
inline TimePoint at_s(int64_t seconds) {
  return at_ms(seconds * 1000);
}

}  // namespace routeiq::limits::test
