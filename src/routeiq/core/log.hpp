#pragma once
// Minimal structured logging to stderr: one line per event, `key=value` pairs.
// Never pass secrets here; callers log deployment ids and hosts, not keys.
#include <optional>
#include <sstream>
#include <string>
#include <string_view>

namespace routeiq::log {

enum class Level { debug = 0, info = 1, warn = 2, error = 3, off = 4 };

void set_level(Level level);
Level level();
bool enabled(Level level);
void write(Level level, std::string_view message);

// Builds a line and writes it on destruction; when the level is off no
// stream is even constructed (a locale-bearing ostringstream per request
// would cost more than the rest of the request's logging).
class Line {
 public:
  explicit Line(Level level) : level_(level) {
    if (enabled(level)) out_.emplace();
  }
  ~Line() {
    if (out_) write(level_, out_->str());
  }
  template <class T>
  Line& operator<<(const T& v) {
    if (out_) *out_ << v;
    return *this;
  }

 private:
  Level level_;
  std::optional<std::ostringstream> out_;
};

inline Line debug() {
  return Line(Level::debug);
}
inline Line info() {
  return Line(Level::info);
}
inline Line warn() {
  return Line(Level::warn);
}
inline Line error() {
  return Line(Level::error);
}

}  // namespace routeiq::log
