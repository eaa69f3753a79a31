#pragma once
// The HTTP/1.1 parsers of the server and of the upstream client: Beast's
// parsers with the gateway's limits and two fixes.
//
// Trailers. Beast stores every trailer field of a chunked message in the
// message's fields, and a field value longer than 64 KiB makes basic_fields
// throw std::length_error out of the read. No limit applies to the trailer
// section either. The gateway uses no trailer field, and RFC 9112 section
// 7.1.2 lets a recipient discard them: these parsers count trailer bytes
// against a limit (the read fails with header_limit beyond it) and drop them.
//
// Transfer-Encoding. Beast treats a request whose last transfer coding is not
// `chunked` as having no body (or a Content-Length body), so the real body is
// read as the next request. RFC 9112 section 6.3 says such a request must be
// answered with 400 and the connection closed: the request parser fails with
// bad_transfer_encoding.
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <cstddef>
#include <optional>
#include <string_view>

namespace routeiq::net {

namespace beast = boost::beast;
namespace http = beast::http;

struct ParseLimits {
  size_t header_bytes = 64 * 1024;   // start line and header fields together
  size_t trailer_bytes = 16 * 1024;  // all trailer fields together
  // nullopt: no limit, for upstream streams. A request parser reserves the
  // Content-Length it is told before the body arrives: always set one there.
  std::optional<uint64_t> body_bytes;
};

// True when the last coding of a Transfer-Encoding value is `chunked`.
bool last_coding_is_chunked(std::string_view transfer_encoding);

template <bool isRequest, class Body>
class MessageParser final : public http::parser<isRequest, Body> {
 public:
  explicit MessageParser(const ParseLimits& limits) : trailer_budget_(limits.trailer_bytes) {
    this->header_limit(static_cast<std::uint32_t>(limits.header_bytes));
    this->body_limit(limits.body_bytes ? boost::optional<uint64_t>(*limits.body_bytes)
                                       : boost::optional<uint64_t>());
  }

 private:
  void on_field_impl(http::field f, beast::string_view name, beast::string_view value,
                     beast::error_code& ec) override {
    if (this->is_header_done()) {  // a trailer field: counted, never stored
      size_t cost = name.size() + value.size() + 4;
      if (cost > trailer_budget_) {
        ec = http::error::header_limit;
        return;
      }
      trailer_budget_ -= cost;
      return;
    }
    if constexpr (isRequest) {
      if (f == http::field::transfer_encoding &&
          !last_coding_is_chunked(std::string_view(value.data(), value.size()))) {
        ec = http::error::bad_transfer_encoding;
        return;
      }
    }
    this->get().insert(f, name, value);
  }

  size_t trailer_budget_;
};

using RequestParser = MessageParser<true, http::string_body>;
using ResponseParser = MessageParser<false, http::buffer_body>;

// The most a connection's read buffer may hold: a whole header (or trailer)
// section plus one read. Beyond it reads fail with buffer_overflow, so a peer
// cannot grow the buffer without bound by never ending a section.
size_t read_buffer_limit(const ParseLimits& limits);

// Parses one request from `bytes` as the server would receive it, without
// I/O: for the fuzzer and for tests of the parsing rules.
struct ParsedRequest {
  beast::error_code error;  // need_more: the input ends before the request does
  size_t consumed = 0;      // bytes of `bytes` the request took
  http::request<http::string_body> message;
};
ParsedRequest parse_request(std::string_view bytes, const ParseLimits& limits);

}  // namespace routeiq::net
