// The /v1/messages endpoint parses client JSON: the request converter and the
// stream encoder must accept any JSON object without crashing.
#include <boost/json.hpp>
#include <cstdint>
#include <string_view>

#include "routeiq/providers/anthropic_frontend.hpp"

using namespace routeiq::providers;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  boost::system::error_code ec;
  auto v = boost::json::parse(std::string_view(reinterpret_cast<const char*>(data), size), ec);
  if (ec || !v.is_object()) return 0;
  const auto& o = v.get_object();
  (void)anthropic_request_to_openai(o);
  (void)openai_response_to_anthropic(o);
  AnthropicStreamEncoder encoder("m");
  std::string out;
  encoder.on_chunk(o, out);
  encoder.finish(out);
  return 0;
}
