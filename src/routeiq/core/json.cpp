#include "routeiq/core/json.hpp"

#include <charconv>

namespace routeiq {

std::optional<double> json_number(const boost::json::object& object, std::string_view key) {
  auto it = object.find(key);
  if (it == object.end()) return std::nullopt;
  if (it->value().is_number()) return it->value().to_number<double>();
  if (!it->value().is_string()) return std::nullopt;
  std::string_view text = it->value().get_string();
  double v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return v;
}

std::string json_string(const boost::json::object& object, std::string_view key) {
  auto it = object.find(key);
  return it != object.end() && it->value().is_string() ? std::string(it->value().get_string())
                                                       : std::string();
}

}  // namespace routeiq
