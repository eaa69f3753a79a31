#pragma once
// A sliding 60-second counter in 1-second buckets, as LiteLLM's per-minute
// limits count: what was added in the last 60 seconds, forgetting one second
// at a time rather than resetting on the minute. Time is always passed in, so
// tests drive it with a fake clock. Not thread-safe: the limiter's shard lock
// guards it.
#include <array>
#include <chrono>
#include <cstdint>
#include <limits>

namespace routeiq::limits {

using Clock = std::chrono::steady_clock;
using TimePoint = Clock::time_point;

// Whole seconds since the clock's epoch, rounded down (also before the epoch).
int64_t second_of(TimePoint t);

class Window {
 public:
  static constexpr int64_t kSeconds = 60;

  void add(TimePoint now, int64_t n);
  // Adds n to the bucket of `second` when it is still in the window; false,
  // and nothing added, when that bucket has slid out.
  bool add_to_second(int64_t second, TimePoint now, int64_t n);
  // The sum of the buckets of the last 60 seconds (never below 0).
  int64_t total(TimePoint now) const;
  // Seconds until enough old buckets have expired that total() < limit: the
  // value of retry-after. At least 1; 60 when the limit can never be met.
  int64_t seconds_until_below(TimePoint now, int64_t limit) const;

 private:
  struct Bucket {
    int64_t second = std::numeric_limits<int64_t>::min();
    int64_t count = 0;
  };
  static bool in_window(int64_t second, int64_t now_second) {
    return second <= now_second && second > now_second - kSeconds;
  }
  Bucket& slot(int64_t second);
  const Bucket& slot(int64_t second) const;

  std::array<Bucket, kSeconds> buckets_{};
};

}  // namespace routeiq::limits
