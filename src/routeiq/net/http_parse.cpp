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
    if (window.empty()) {
      out.error = http::error::need_more;  // the input ends before the request does
      return out;
    }
    beast::error_code ec;
    size_t used = parser.put(boost::asio::buffer(window.data(), window.size()), ec);
    out.consumed += used;
    if (!ec && used == 0) ec = http::error::need_more;  // no progress: as if more were needed
    if (ec == http::error::need_more) {
      // Beast wants more bytes than it was given. Offer it again only when
      // more exist beyond this window (as a socket read would add them).
      bool more_input = out.consumed < bytes.size() && window.size() == window_limit;
      if (more_input && used > 0) continue;
      // Nothing parsed from a full window: a section longer than the buffer.
      out.error = more_input ? beast::error_code(http::error::buffer_overflow) : ec;
      return out;
    }
    if (ec) {
      out.error = ec;
      return out;
    }
  }
  out.message = parser.release();
  return out;
}

}  // namespace routeiq::net
