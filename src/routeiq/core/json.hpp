#pragma once
// The one set of JSON helpers: readers for loosely typed members, the
// bounded parse every client and upstream body goes through, and a writer
// that serializes a body once.
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serializer.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "routeiq/core/error.hpp"

namespace routeiq {

// Reading loosely typed JSON without exceptions: a member that is absent or
// of another type reads as absent (or as the default given).
std::string_view str_or(const boost::json::object& o, std::string_view key,
                        std::string_view dflt = {});
const boost::json::object* obj_at(const boost::json::object& o, std::string_view key);
const boost::json::array* arr_at(const boost::json::object& o, std::string_view key);
// An integer count; also a whole double; nullopt beyond 2^53 (not exact in JSON).
std::optional<int64_t> int_at(const boost::json::object& o, std::string_view key);
std::optional<double> num_at(const boost::json::object& o, std::string_view key);
bool bool_or(const boost::json::object& o, std::string_view key, bool dflt);
// The number at `key`, also when written as a numeric string ("0.5"), as
// LiteLLM clients and configs sometimes send it; nullopt otherwise.
std::optional<double> loose_number_at(const boost::json::object& o, std::string_view key);

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
// Parses one JSON object, nested at most kMaxJsonDepth, with finite numbers.
// A syntax error names the byte offset, line and column in `what` ("request
// body"); a value that is not an object is an invalid_request error.
Result<boost::json::object> parse_json_object(std::string_view text, std::string_view what);

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
