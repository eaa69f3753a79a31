#include "routeiq/api/windowed_spend.hpp"

#include <chrono>

namespace routeiq::api {

WindowedSpend::Shard& WindowedSpend::shard(std::string_view name) const {
  return shards_[std::hash<std::string_view>{}(name) % shards_.size()];
}

double WindowedSpend::spent(std::string_view name, int64_t period_ms, int64_t now_ms) const {
  auto& s = shard(name);
  std::lock_guard lock(s.mutex);
  auto it = s.windows.find(name);
  if (it == s.windows.end() || now_ms - it->second.start_ms > period_ms) return 0;
  return it->second.usd;
}

void WindowedSpend::add(std::string_view name, double usd, int64_t period_ms, int64_t now_ms) {
  if (name.empty() || !(usd > 0)) return;
  auto& s = shard(name);
  std::lock_guard lock(s.mutex);
  auto it = s.windows.find(name);
  if (it == s.windows.end()) {
    s.windows.emplace(std::string(name), Window{now_ms, usd});
    return;
  }
  // The window ended: this spend opens the next one (the ended one is
  // forgotten, so an idle name keeps one entry, never a history).
  if (now_ms - it->second.start_ms > period_ms) it->second = Window{now_ms, 0};
  it->second.usd += usd;
}

void WindowedSpend::seed(std::string_view name, double usd, int64_t start_ms) {
  if (name.empty() || !(usd > 0)) return;
  auto& s = shard(name);
  std::lock_guard lock(s.mutex);
  s.windows.try_emplace(std::string(name), Window{start_ms, usd});
}

std::string key_model_window(std::string_view token, std::string_view model) {
  std::string out;
  out.reserve(token.size() + 1 + model.size());
  out.append(token).append("\n").append(model);
  return out;
}

WindowedSpend& provider_windows() {
  static WindowedSpend windows;
  return windows;
}

WindowedSpend& key_model_windows() {
  static WindowedSpend windows;
  return windows;
}

int64_t now_utc_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

}  // namespace routeiq::api
