#pragma once
// Small helpers for reading loosely typed JSON, as LiteLLM clients and
// configs send it (numbers sometimes arrive as strings).
#include <boost/json/object.hpp>
#include <boost/json/serializer.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace routeiq {

// The number at `key`, also when written as a numeric string; nullopt otherwise.
std::optional<double> json_number(const boost::json::object& object, std::string_view key);
// The string at `key`, or empty.
std::string json_string(const boost::json::object& object, std::string_view key);

// How deep JSON from clients and upstreams may nest. Real tool and
// response_format schemas go well past Boost.JSON's default of 32; code that
// recurses over parsed values stays bounded by this.
constexpr size_t kMaxJsonDepth = 256;

// True when `text` is exactly one JSON value (RFC 8259), checked without
// building it.
bool is_valid_json(std::string_view text);
// True when a number in `value` is not finite: Boost.JSON reads 1e400 as
// infinity, which cannot be sent on as JSON.
bool has_non_finite_number(const boost::json::value& value);

// Writes one JSON object member by member straight into a string, so a body
// assembled from pieces (defaults, the client's fields, a replaced model) is
// serialized once, without building the merged object first.
class JsonObjectWriter {
 public:
  explicit JsonObjectWriter(std::string& out) : out_(out) { out_ += '{'; }
  void member(std::string_view key, const boost::json::value& value);
  void member(std::string_view key, std::string_view string_value);
  void finish() { out_ += '}'; }

 private:
  void key(std::string_view key);
  void drain();

  std::string& out_;
  boost::json::serializer serializer_;
  bool first_ = true;
};

}  // namespace routeiq
