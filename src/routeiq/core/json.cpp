#include "routeiq/core/json.hpp"

#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/stream_parser.hpp>
#include <boost/json/value.hpp>
#include <charconv>
#include <cmath>
#include <cstdlib>

namespace routeiq {

std::string_view str_or(const boost::json::object& o, std::string_view key, std::string_view dflt) {
  auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string_view(v->get_string()) : dflt;
}

const boost::json::object* obj_at(const boost::json::object& o, std::string_view key) {
  auto* v = o.if_contains(key);
  return v ? v->if_object() : nullptr;
}

const boost::json::array* arr_at(const boost::json::object& o, std::string_view key) {
  auto* v = o.if_contains(key);
  return v ? v->if_array() : nullptr;
}

std::optional<int64_t> int_at(const boost::json::object& o, std::string_view key) {
  // Counts beyond 2^53 are not exact JSON numbers and would overflow when
  // summed: untrusted upstream input, treated as absent.
  constexpr int64_t kMaxExact = int64_t(1) << 53;
  auto* v = o.if_contains(key);
  if (!v) return std::nullopt;
  if (v->is_int64() && std::abs(v->get_int64()) <= kMaxExact) return v->get_int64();
  if (v->is_uint64() && v->get_uint64() <= uint64_t(kMaxExact)) return int64_t(v->get_uint64());
  if (v->is_double() && std::abs(v->get_double()) <= double(kMaxExact))
    return static_cast<int64_t>(v->get_double());
  return std::nullopt;
}

std::optional<double> num_at(const boost::json::object& o, std::string_view key) {
  auto* v = o.if_contains(key);
  if (!v || !v->is_number()) return std::nullopt;
  return v->to_number<double>();
}

bool bool_or(const boost::json::object& o, std::string_view key, bool dflt) {
  auto* v = o.if_contains(key);
  return v && v->is_bool() ? v->get_bool() : dflt;
}

std::optional<double> loose_number_at(const boost::json::object& o, std::string_view key) {
  auto* v = o.if_contains(key);
  if (!v) return std::nullopt;
  if (v->is_number()) return v->to_number<double>();
  if (!v->is_string()) return std::nullopt;
  std::string_view text = v->get_string();
  double n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return n;
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

namespace {

std::string capitalized(std::string_view what) {
  std::string out(what);
  if (!out.empty() && out[0] >= 'a' && out[0] <= 'z')
    out[0] = static_cast<char>(out[0] - 'a' + 'A');
  return out;
}

// Line and column (from 1) of byte `pos`, for an error a person can find.
std::string position_of(std::string_view text, size_t pos) {
  size_t line = 1, col = 1;
  for (size_t i = 0; i < pos; ++i) {
    if (text[i] == '\n') {
      ++line;
      col = 1;
    } else {
      ++col;
    }
  }
  return "line " + std::to_string(line) + " column " + std::to_string(col) + " (byte " +
         std::to_string(pos) + ")";
}

}  // namespace

Result<boost::json::object> parse_json_object(std::string_view text, std::string_view what) {
  boost::json::parse_options options;
  options.max_depth = kMaxJsonDepth;
  boost::json::stream_parser parser({}, options);
  boost::system::error_code ec;
  size_t consumed = parser.write(text.data(), text.size(), ec);
  if (!ec) parser.finish(ec);
  if (ec)
    return make_error(ErrorKind::invalid_json,
                      "Invalid JSON in " + std::string(what) + " at " +
                          position_of(text, std::min(consumed, text.size())) + ": " + ec.message());
  auto value = parser.release();
  if (!value.is_object())
    return make_error(ErrorKind::invalid_request, capitalized(what) + " must be a JSON object");
  if (has_non_finite_number(value))
    return make_error(ErrorKind::invalid_json, "Invalid JSON in " + std::string(what) +
                                                   ": a number is out of the range of a double");
  return std::move(value.as_object());
}

}  // namespace routeiq
