#include "routeiq/core/json.hpp"

#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/value.hpp>
#include <charconv>
#include <cmath>

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

namespace {

// A Boost.JSON parse handler that keeps nothing: syntax checking only.
struct NullHandler {
  using ec_t = boost::system::error_code;
  static constexpr std::size_t max_object_size = std::size_t(-1);
  static constexpr std::size_t max_array_size = std::size_t(-1);
  static constexpr std::size_t max_key_size = std::size_t(-1);
  static constexpr std::size_t max_string_size = std::size_t(-1);
  bool on_document_begin(ec_t&) { return true; }
  bool on_document_end(ec_t&) { return true; }
  bool on_array_begin(ec_t&) { return true; }
  bool on_array_end(std::size_t, ec_t&) { return true; }
  bool on_object_begin(ec_t&) { return true; }
  bool on_object_end(std::size_t, ec_t&) { return true; }
  bool on_string_part(boost::json::string_view, std::size_t, ec_t&) { return true; }
  bool on_string(boost::json::string_view, std::size_t, ec_t&) { return true; }
  bool on_key_part(boost::json::string_view, std::size_t, ec_t&) { return true; }
  bool on_key(boost::json::string_view, std::size_t, ec_t&) { return true; }
  bool on_number_part(boost::json::string_view, ec_t&) { return true; }
  bool on_int64(int64_t, boost::json::string_view, ec_t&) { return true; }
  bool on_uint64(uint64_t, boost::json::string_view, ec_t&) { return true; }
  bool on_double(double, boost::json::string_view, ec_t&) { return true; }
  bool on_bool(bool, ec_t&) { return true; }
  bool on_null(ec_t&) { return true; }
  bool on_comment_part(boost::json::string_view, ec_t&) { return true; }
  bool on_comment(boost::json::string_view, ec_t&) { return true; }
};

}  // namespace

bool is_valid_json(std::string_view text) {
  boost::json::parse_options options;
  options.max_depth = kMaxJsonDepth;
  boost::json::basic_parser<NullHandler> parser(options);
  boost::system::error_code ec;
  size_t used = parser.write_some(false, text.data(), text.size(), ec);
  return !ec && used == text.size();
}

bool has_non_finite_number(const boost::json::value& v) {
  switch (v.kind()) {
    case boost::json::kind::double_:
      return !std::isfinite(v.get_double());
    case boost::json::kind::array:
      for (const auto& x : v.get_array())
        if (has_non_finite_number(x)) return true;
      return false;
    case boost::json::kind::object:
      for (const auto& [k, x] : v.get_object())
        if (has_non_finite_number(x)) return true;
      return false;
    default:
      return false;
  }
}

void JsonObjectWriter::drain() {
  char buf[2048];
  while (!serializer_.done()) {
    auto piece = serializer_.read(buf, sizeof buf);
    out_.append(piece.data(), piece.size());
  }
}

void JsonObjectWriter::key(std::string_view key) {
  if (!first_) out_ += ',';
  first_ = false;
  serializer_.reset(key);
  drain();
  out_ += ':';
}

void JsonObjectWriter::member(std::string_view name, const boost::json::value& value) {
  key(name);
  serializer_.reset(&value);
  drain();
}

void JsonObjectWriter::member(std::string_view name, std::string_view string_value) {
  key(name);
  serializer_.reset(string_value);
  drain();
}

}  // namespace routeiq
