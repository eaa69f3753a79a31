// Upstream bodies are untrusted: decode, decode_error and decode_stream must
// return values or errors for any bytes, at any split. ROUTEIQ_FUZZ_FORMAT
// picks the translator.
#include <boost/json.hpp>
#include <cstdint>
#include <string_view>

#include "routeiq/providers/translator.hpp"

using namespace routeiq::providers;

namespace {

std::unique_ptr<ChatTranslator> encoded_translator() {
  auto t = make_chat_translator(ROUTEIQ_FUZZ_FORMAT);
  boost::json::object req{
      {"model", "m"},
      {"stream", true},
      {"stream_options", boost::json::object{{"include_usage", true}}},
      {"messages", boost::json::array{boost::json::object{{"role", "user"}, {"content", "x"}}}}};
  Target target;
  target.model = "m";
  target.credentials.api_key = "k";
  target.extra_params["vertex_project"] = "p";
  (void)t->encode(req, target, std::chrono::system_clock::time_point{});
  return t;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  std::string_view input(reinterpret_cast<const char*>(data) + 2, size - 2);
  auto t = encoded_translator();
  switch (data[0] % 3) {
    case 0:
      (void)t->decode(input);
      break;
    case 1:
      (void)t->decode_error(400 + data[1] % 200, input);
      break;
    default: {
      std::vector<boost::json::object> out;
      size_t cut = input.empty() ? 0 : data[1] % (input.size() + 1);
      if (t->decode_stream(input.substr(0, cut), out).ok())
        (void)t->decode_stream(input.substr(cut), out);
      (void)t->usage();
      (void)t->stream_finished();
    }
  }
  return 0;
}
