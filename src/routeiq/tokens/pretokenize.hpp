#pragma once
// Pre-tokenisation: the encoding's split pattern cuts text into pieces, and BPE
// then works inside each piece. tiktoken runs the pattern with a backtracking regex
// engine (fancy-regex); here each alternative is a hand-written scanner that returns
// what the regex returns (leftmost alternative wins, greedy, with the backtracking the
// pattern implies), over UTF-8 without building a code point array.
//
// cl100k_base (tiktoken 0.8):
//   '(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+
//   |\s++$|\s*[\r\n]|\s+(?!\S)|\s
// o200k_base:
//   [^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?
//   |[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?
//   |\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+
// Bytes that are not UTF-8 count as one punctuation character each (tiktoken itself
// only ever sees valid UTF-8).
#include <cstddef>
#include <string_view>

namespace routeiq::tokens {

enum class SplitPattern { cl100k, o200k };

// The end (byte offset) of the piece that starts at `at` (< text.size()).
size_t next_piece(SplitPattern pattern, std::string_view text, size_t at);

// Calls f(piece) for every piece of text, in order.
template <class F>
void for_each_piece(SplitPattern pattern, std::string_view text, F&& f) {
  for (size_t at = 0; at < text.size();) {
    size_t end = next_piece(pattern, text, at);
    f(text.substr(at, end - at));
    at = end;
  }
}

}  // namespace routeiq::tokens
