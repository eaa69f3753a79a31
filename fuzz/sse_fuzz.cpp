// The SSE parser must give the same events whatever the split, never crash,
// and never grow past its limit.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "routeiq/providers/sse.hpp"

using routeiq::providers::SseEvent;
using routeiq::providers::SseParser;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  SseParser whole(4096), split(4096);
  std::vector<SseEvent> a, b;
  bool ok_whole = whole.feed(input, a).ok();
  size_t cut = input.empty() ? 0 : data[0] % (input.size() + 1);
  bool ok_split = split.feed(input.substr(0, cut), b).ok() && split.feed(input.substr(cut), b).ok();
  // A split may only differ when the size limit tripped.
  if (ok_whole && ok_split && a != b) std::abort();
  return 0;
}
