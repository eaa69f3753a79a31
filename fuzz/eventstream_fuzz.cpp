// Arbitrary bytes, any split: no crash, no over-read, and whatever decodes
// re-encodes to the same bytes.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "routeiq/providers/eventstream.hpp"

using namespace routeiq::providers;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  size_t cut = input.empty() ? 0 : data[0] % (input.size() + 1);
  EventStreamDecoder decoder;
  std::vector<EventStreamMessage> out;
  if (decoder.feed(input.substr(0, cut), out).ok()) (void)decoder.feed(input.substr(cut), out);
  std::string reencoded;
  for (const auto& m : out) reencoded += encode_event_stream_message(m);
  if (input.substr(0, reencoded.size()) != reencoded) std::abort();
  for (const auto& m : out) (void)event_stream_error(m);
  return 0;
}
