// Client text reaches the tokenizer unchecked (/utils/token_counter): for any bytes,
// valid UTF-8 or not, each encoding must cut the text into non-empty pieces that add up
// to it, and its tokens must decode to exactly those bytes and be as many as count().
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "routeiq/tokens/encoding.hpp"

using namespace routeiq::tokens;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  for (auto name : {EncodingName::cl100k_base, EncodingName::o200k_base}) {
    const auto& enc = Encoding::builtin(name);
    auto pattern = name == EncodingName::cl100k_base ? SplitPattern::cl100k : SplitPattern::o200k;
    size_t covered = 0;
    for_each_piece(pattern, text, [&](std::string_view piece) {
      if (piece.empty() || piece.data() != text.data() + covered) std::abort();
      covered += piece.size();
    });
    if (covered != text.size()) std::abort();
    auto tokens = enc.encode(text);
    if (enc.decode(tokens) != text || enc.count(text) != tokens.size()) std::abort();
  }
  return 0;
}
