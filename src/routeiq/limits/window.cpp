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

int64_t Window::effective(TimePoint now) const {
  return std::max(second_of(now), newest_);
}

int64_t Window::sum_at(int64_t second) const {
  if (newest_ == kNever || second - newest_ >= kSeconds) return 0;
  int64_t sum = sum_;
  // The slot of s holds s - 60 while that second is still counted: it leaves now.
  for (int64_t s = newest_ + 1; s <= second; ++s) {
    const Bucket& leaving = slot(s);
    if (leaving.second == s - kSeconds) sum -= leaving.count;
  }
  return sum;
}

void Window::advance(int64_t second) {
  if (second <= newest_) return;
  sum_ = sum_at(second);
  newest_ = second;
}

void Window::add(TimePoint now, int64_t n) {
  int64_t second = effective(now);
  advance(second);
  Bucket& bucket = slot(second);
  if (bucket.second != second) bucket = {second, 0};  // a minute old or never used
  bucket.count += n;
  sum_ += n;
}

bool Window::add_to_second(int64_t second, TimePoint now, int64_t n) {
  int64_t now_second = effective(now);
  advance(now_second);
  Bucket& bucket = slot(second);
  if (bucket.second != second || second <= now_second - kSeconds) return false;
  bucket.count += n;
  sum_ += n;
  return true;
}

int64_t Window::total(TimePoint now) const {
  return std::max<int64_t>(sum_at(effective(now)), 0);
}

int64_t Window::seconds_until_below(TimePoint now, int64_t limit) const {
  if (limit <= 0) return kSeconds;
  int64_t now_second = effective(now);
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
