#include "routeiq/net/http_parse.hpp"

#include <algorithm>
#include <boost/asio/buffer.hpp>
#include <boost/beast/core/string.hpp>

namespace routeiq::net {

bool last_coding_is_chunked(std::string_view te) {
  auto is_space = [](char c) { return c == ' ' || c == '\t' || c == ','; };
  while (!te.empty() && is_space(te.back())) te.remove_suffix(1);
  auto comma = te.rfind(',');
  auto last = comma == std::string_view::npos ? te : te.substr(comma + 1);
  while (!last.empty() && is_space(last.front())) last.remove_prefix(1);
  return beast::iequals(last, "chunked");
}

size_t read_buffer_limit(const ParseLimits& limits) {
  constexpr size_t kOneRead = 64 * 1024;  // what Beast asks the socket for at most
  return std::max(limits.header_bytes, limits.trailer_bytes) + kOneRead;
}

ParsedRequest parse_request(std::string_view bytes, const ParseLimits& limits) {
  ParsedRequest out;
  RequestParser parser(limits);
  parser.eager(true);
  const size_t window_limit = read_buffer_limit(limits);
  while (!parser.is_done()) {
    auto window = bytes.substr(out.consumed, window_limit);
    beast::error_code ec;
    size_t used = parser.put(boost::asio::buffer(window.data(), window.size()), ec);
    out.consumed += used;
    if (ec == http::error::need_more) {
      if (used > 0 && out.consumed < bytes.size()) continue;
      // Nothing parsed from a full window: a section longer than the buffer.
      bool overflow = used == 0 && window.size() == window_limit;
      out.error = overflow ? beast::error_code(http::error::buffer_overflow) : ec;
      return out;
    }
    if (ec) {
      out.error = ec;
      return out;
    }
    if (used == 0) {  // no progress and no error: the input ends inside the body
      out.error = http::error::need_more;
      return out;
    }
  }
  out.message = parser.release();
  return out;
}

}  // namespace routeiq::net
