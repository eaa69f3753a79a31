#pragma once
// A sliding 60-second counter in 1-second buckets, as LiteLLM's per-minute
// limits count: what was added in the last 60 seconds, forgetting one second
// at a time rather than resetting on the minute. Time is always passed in, so
// tests drive it with a fake clock. Not thread-safe: the limiter's shard lock
// guards it.
//
// The sum of the window is kept as buckets come and go, so total() reads no
// bucket unless seconds have passed since the last add (then one per second
// passed): on the hot path that is a few cache lines, not sixty buckets.
// Requests arrive from several threads, so a time slightly before the newest
// one seen counts as the newest one.
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
  static constexpr int64_t kNever = std::numeric_limits<int64_t>::min();
  struct Bucket {
    int64_t second = kNever;
    int64_t count = 0;
  };

  // The second `now` counts in: the newest one seen when time went back.
  int64_t effective(TimePoint now) const;
  // Moves the window to end at `second`, dropping the buckets that left it.
  void advance(int64_t second);
  // The sum at `second` (at or after newest_) without moving the window.
  int64_t sum_at(int64_t second) const;
  Bucket& slot(int64_t second);
  const Bucket& slot(int64_t second) const;

  // Read on every call, so first: on the cache line of whatever comes before.
  int64_t newest_ = kNever;  // the window is (newest_ - 60, newest_]
  int64_t sum_ = 0;          // of the buckets in the window
  std::array<Bucket, kSeconds> buckets_{};
};

}  // namespace routeiq::limits
