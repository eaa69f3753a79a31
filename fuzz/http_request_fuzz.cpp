// The server's request parser (net::parse_request: the same MessageParser and
// limits the server reads with) must never throw, never read past its input,
// and never accept a request whose last transfer coding is not chunked. The
// first byte picks small limits sometimes, so limit paths are reached too.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "routeiq/net/http_parse.hpp"

using namespace routeiq::net;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  ParseLimits limits;
  limits.body_bytes = 32 << 20;  // the server's default (--max-body-mb 32)
  if (data[0] & 1) {
    limits.header_bytes = 256;
    limits.trailer_bytes = 64;
    limits.body_bytes = 128;
  }
  std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  auto parsed = parse_request(input, limits);
  if (parsed.consumed > input.size()) std::abort();
  if (!parsed.error) {
    auto te = parsed.message[http::field::transfer_encoding];
    if (!te.empty() && !last_coding_is_chunked(std::string_view(te.data(), te.size())))
      std::abort();
    if (limits.body_bytes && parsed.message.body().size() > *limits.body_bytes) std::abort();
  }
  return 0;
}
