#include "routeiq/ml/import_util.hpp"

#include <algorithm>
#include <boost/json/parser.hpp>
#include <boost/json/serialize.hpp>
#include <charconv>
#include <cmath>
#include <fstream>
#include <sstream>

namespace routeiq::ml::detail {

namespace json = boost::json;

Result<std::string> read_text_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error(ErrorKind::not_found, path + ": cannot open file");
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) return make_error(ErrorKind::internal, path + ": read error");
  return std::move(buffer).str();
}

std::string file_name(std::string_view path) {
  auto slash = path.find_last_of('/');
  return std::string(slash == std::string_view::npos ? path : path.substr(slash + 1));
}

Error data_error(std::string_view source, std::string_view where, std::string_view what) {
  std::string message(source);
  if (!where.empty()) message.append(": ").append(where);
  message.append(": ").append(what);
  return make_error(ErrorKind::invalid_request, std::move(message));
}

Result<json::value> parse_json(std::string_view text, std::string_view source,
                               std::string_view where) {
  json::parser parser;
  boost::system::error_code ec;
  size_t used = parser.write_some(text.data(), text.size(), ec);
  auto location = [&](size_t offset) {
    if (!where.empty()) return std::string(where);
    return "line " + std::to_string(1 + std::count(text.begin(), text.begin() + offset, '\n'));
  };
  if (ec) return data_error(source, location(used), "invalid JSON: " + ec.message());
  size_t rest = text.find_first_not_of(" \t\r\n", used);
  if (rest != std::string_view::npos)
    return data_error(source, location(rest), "invalid JSON: trailing characters");
  return parser.release();
}

std::string describe(const json::value& v) {
  std::string text = v.is_double() ? format_number(v.get_double()) : json::serialize(v);
  if (text.size() > 40) text = text.substr(0, 37) + "...";
  return text;
}

Result<double> score_from_json(const json::value& v, std::string_view source,
                               std::string_view where, std::string_view field) {
  double x = NAN;
  if (v.is_double()) x = v.get_double();
  if (v.is_int64()) x = static_cast<double>(v.get_int64());
  if (v.is_uint64()) x = static_cast<double>(v.get_uint64());
  if (!(x >= 0.0 && x <= 1.0))
    return data_error(source, where,
                      std::string(field) + ": expected a number in [0,1], got " + describe(v));
  return x;
}

std::string format_number(double x) {
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, x);
  return std::string(buf, ec == std::errc() ? end : buf);
}

}  // namespace routeiq::ml::detail
