#include "routeiq/limits/window.hpp"

#include <algorithm>

namespace routeiq::limits {

int64_t second_of(TimePoint t) {
  return std::chrono::floor<std::chrono::seconds>(t.time_since_epoch()).count();
}

Window::Bucket& Window::slot(int64_t second) {
  int64_t index = second % kSeconds;
  return buckets_[static_cast<size_t>(index < 0 ? index + kSeconds : index)];
}

const Window::Bucket& Window::slot(int64_t second) const {
  return const_cast<Window*>(this)->slot(second);
}

void Window::add(TimePoint now, int64_t n) {
  int64_t second = second_of(now);
  Bucket& bucket = slot(second);
  if (bucket.second != second) bucket = {second, 0};  // a minute old or never used
  bucket.count += n;
}

bool Window::add_to_second(int64_t second, TimePoint now, int64_t n) {
  Bucket& bucket = slot(second);
  if (bucket.second != second || !in_window(second, second_of(now))) return false;
  bucket.count += n;
  return true;
}

int64_t Window::total(TimePoint now) const {
  int64_t now_second = second_of(now);
  int64_t sum = 0;
  for (const Bucket& bucket : buckets_) {
    if (in_window(bucket.second, now_second)) sum += bucket.count;
  }
  return std::max<int64_t>(sum, 0);
}

int64_t Window::seconds_until_below(TimePoint now, int64_t limit) const {
  if (limit <= 0) return kSeconds;
  int64_t now_second = second_of(now);
  int64_t left = total(now);
  // Oldest bucket first: the one of second s stops counting at second s + 60.
  for (int64_t second = now_second - kSeconds + 1; second <= now_second; ++second) {
    if (left < limit) return std::max<int64_t>(second - 1 + kSeconds - now_second, 1);
    const Bucket& bucket = slot(second);
    if (bucket.second == second) left -= bucket.count;
  }
  return kSeconds;
}

}  // namespace routeiq::limits
