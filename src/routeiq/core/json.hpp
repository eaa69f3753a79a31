#pragma once
// Small helpers for reading loosely typed JSON, as LiteLLM clients and
// configs send it (numbers sometimes arrive as strings).
#include <boost/json/object.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace routeiq {

// The number at `key`, also when written as a numeric string; nullopt otherwise.
std::optional<double> json_number(const boost::json::object& object, std::string_view key);
// The string at `key`, or empty.
std::string json_string(const boost::json::object& object, std::string_view key);

}  // namespace routeiq
