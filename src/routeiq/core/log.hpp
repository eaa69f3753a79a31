#pragma once
// Minimal structured logging to stderr: one line per event, `key=value` pairs.
// Never pass secrets here; callers log deployment ids and hosts, not keys.
#include <sstream>
#include <string>
#include <string_view>

namespace routeiq::log {

enum class Level { debug = 0, info = 1, warn = 2, error = 3, off = 4 };

void set_level(Level level);
Level level();
bool enabled(Level level);
void write(Level level, std::string_view message);

// Builds a line and writes it on destruction; cheap when the level is off.
class Line {
 public:
  explicit Line(Level level) : level_(level), on_(enabled(level)) {}
  ~Line() {
    if (on_) write(level_, out_.str());
  }
  template <class T>
  Line& operator<<(const T& v) {
    if (on_) out_ << v;
    return *this;
  }

 private:
  Level level_;
  bool on_;
  std::ostringstream out_;
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
