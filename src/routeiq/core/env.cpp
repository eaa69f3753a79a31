#include "routeiq/core/env.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

namespace routeiq {

std::string env_or_empty(std::string_view name) {
  if (name.empty()) return {};
  const char* v = std::getenv(std::string(name).c_str());
  return v ? v : "";
}

bool env_set(std::string_view name) {
  return !env_or_empty(name).empty();
}

std::optional<std::string> read_whole_file(const std::string& path, std::string& problem) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    problem = std::strerror(errno);
    return std::nullopt;
  }
  std::ostringstream out;
  out << in.rdbuf();
  if (in.bad()) {
    problem = "read error";
    return std::nullopt;
  }
  return out.str();
}

}  // namespace routeiq
