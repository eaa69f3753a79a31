#pragma once
// The read-through cache every server thread shares for what the auth
// stages look up per request (virtual keys, end users): an entry is trusted
// until its deadline, a null entry remembers that the id does not exist.
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace routeiq::api {

template <class V>
class TtlCache {
 public:
  using Ptr = std::shared_ptr<const V>;
  explicit TtlCache(size_t max_entries) : max_entries_(max_entries) {}

  // The cached value (null: known not to exist); nullopt when not cached.
  std::optional<Ptr> get(const std::string& id) {
    std::lock_guard lock(mutex_);
    auto it = entries_.find(id);
    if (it == entries_.end()) return std::nullopt;
    if (Clock::now() >= it->second.until) {
      entries_.erase(it);
      return std::nullopt;
    }
    return it->second.value;
  }

  void put(const std::string& id, Ptr value, std::chrono::milliseconds ttl) {
    if (ttl.count() <= 0) return;
    std::lock_guard lock(mutex_);
    // A full cache starts over rather than tracking ages: rare, and the next
    // requests refill it from the store.
    if (entries_.size() >= max_entries_) entries_.clear();
    entries_[id] = Entry{std::move(value), Clock::now() + ttl};
  }

  void erase(const std::string& id) {
    std::lock_guard lock(mutex_);
    entries_.erase(id);
  }

  void clear() {
    std::lock_guard lock(mutex_);
    entries_.clear();
  }

 private:
  using Clock = std::chrono::steady_clock;
  struct Entry {
    Ptr value;
    Clock::time_point until;
  };
  size_t max_entries_;
  std::mutex mutex_;
  std::unordered_map<std::string, Entry> entries_;
};

}  // namespace routeiq::api
