#include "routeiq/core/log.hpp"
#include "routeiq/core/time.hpp"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>

namespace routeiq::log {
namespace {
std::atomic<Level> g_level{Level::info};
std::mutex g_mutex;

const char* level_name(Level level) {
  switch (level) {
    case Level::debug:
      return "DEBUG";
    case Level::info:
      return "INFO";
    case Level::warn:
      return "WARN";
    case Level::error:
      return "ERROR";
    default:
      return "";
  }
}
}  // namespace

void set_level(Level level) {
  g_level.store(level, std::memory_order_relaxed);
}
Level level() {
  return g_level.load(std::memory_order_relaxed);
}
bool enabled(Level l) {
  return l >= level() && l != Level::off;
}

void write(Level l, std::string_view message) {
  auto stamp = iso8601(std::chrono::system_clock::now(), true);
  std::lock_guard lock(g_mutex);
  std::fprintf(stderr, "%s %-5s %.*s\n", stamp.c_str(), level_name(l),
               static_cast<int>(message.size()), message.data());
}

}  // namespace routeiq::log
