#pragma once
// The character classes the encodings' split patterns use (\p{L}, \p{N}, \p{Lu}...,
// \s), one bit each, for a code point. The general categories come from ICU
// (u_charType, Unicode 15.0 in Debian 12's ICU 72, the Unicode version of the
// regex crate tiktoken 0.8 is built with): a hand-made range table would have to be
// regenerated for every Unicode release, ICU is a Debian package kept current. \s is
// Unicode's White_Space property, as in the Rust regex crate. ASCII and the BMP are
// answered from a table filled once, so the scanner calls ICU only for rare planes.
#include <cstdint>

namespace routeiq::tokens {

constexpr uint8_t kLetter = 1 << 0;    // \p{L}
constexpr uint8_t kNumber = 1 << 1;    // \p{N}
constexpr uint8_t kSpace = 1 << 2;     // \s (White_Space)
constexpr uint8_t kNewline = 1 << 3;   // \r or \n
constexpr uint8_t kUpperish = 1 << 4;  // [\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}] of o200k_base
constexpr uint8_t kLowerish = 1 << 5;  // [\p{Ll}\p{Lm}\p{Lo}\p{M}] of o200k_base

// The classes of a code point (0 for punctuation, symbols and the rest).
uint8_t char_class(uint32_t cp);

}  // namespace routeiq::tokens
