#include "routeiq/tokens/pretokenize.hpp"

#include <cstdint>

#include "routeiq/tokens/char_class.hpp"

namespace routeiq::tokens {
namespace {

struct Char {
  uint32_t cp = 0;
  uint8_t len = 0;  // bytes; 0 past the end
  uint8_t cls = 0;
};

constexpr uint32_t kLongS = 0x17F;  // ſ: case-folds to s, so (?i:'s) matches "'ſ"

// One code point at `at`: a malformed or truncated sequence is one byte.
Char decode(std::string_view s, size_t at) {
  if (at >= s.size()) return {};
  auto b0 = static_cast<uint8_t>(s[at]);
  if (b0 < 0x80) return {b0, 1, char_class(b0)};
  int extra = 0;
  if (b0 >= 0xC2 && b0 < 0xE0)
    extra = 1;
  else if (b0 >= 0xE0 && b0 < 0xF0)
    extra = 2;
  else if (b0 >= 0xF0 && b0 < 0xF5)
    extra = 3;
  if (extra == 0 || at + extra >= s.size()) return {0xFFFD, 1, 0};
  uint32_t cp = b0 & (0x3F >> extra);
  for (int i = 1; i <= extra; ++i) {
    auto b = static_cast<uint8_t>(s[at + i]);
    if ((b & 0xC0) != 0x80) return {0xFFFD, 1, 0};
    cp = (cp << 6) | (b & 0x3F);
  }
  bool overlong = (extra == 2 && cp < 0x800) || (extra == 3 && cp < 0x10000);
  if (overlong || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return {0xFFFD, 1, 0};
  return {cp, static_cast<uint8_t>(extra + 1), char_class(cp)};
}

bool is(const Char& c, uint8_t cls) {
  return (c.cls & cls) != 0;
}
bool is_punct(const Char& c) {  // [^\s\p{L}\p{N}]
  return c.len && !is(c, kSpace | kLetter | kNumber);
}
bool is_prefix(const Char& c) {  // [^\r\n\p{L}\p{N}]
  return c.len && !is(c, kNewline | kLetter | kNumber);
}

char lower_ascii(uint32_t cp) {
  if (cp >= 'A' && cp <= 'Z') return static_cast<char>(cp - 'A' + 'a');
  if (cp == kLongS) return 's';
  return cp < 0x80 ? static_cast<char>(cp) : '\0';
}

// (?i:'s|'t|'re|'ve|'m|'ll|'d) at `at`: its length in bytes, 0 if none.
size_t contraction(std::string_view s, size_t at) {
  if (at >= s.size() || s[at] != '\'') return 0;
  Char first = decode(s, at + 1);
  switch (lower_ascii(first.cp)) {
    case 's':
    case 't':
    case 'm':
    case 'd':
      return 1 + first.len;
    case 'r':
    case 'v':
    case 'l': {
      Char second = decode(s, at + 1 + first.len);
      char want = lower_ascii(first.cp) == 'l' ? 'l' : 'e';
      return lower_ascii(second.cp) == want ? 1 + first.len + second.len : 0;
    }
    default:
      return 0;
  }
}

// The end of the run of characters in `cls` that starts at `at`.
size_t run_end(std::string_view s, size_t at, uint8_t cls) {
  for (Char c = decode(s, at); c.len && is(c, cls); c = decode(s, at)) at += c.len;
  return at;
}

// \p{N}{1,3}
size_t digits_end(std::string_view s, size_t at) {
  for (int n = 0; n < 3; ++n) {
    Char c = decode(s, at);
    if (!c.len || !is(c, kNumber)) break;
    at += c.len;
  }
  return at;
}

// ` ?[^\s\p{L}\p{N}]+` then `trail`* (cl100k: [\r\n], o200k: [\r\n/]); 0 if none.
size_t punct_end(std::string_view s, size_t at, bool slash_trails) {
  Char c = decode(s, at);
  size_t from = at;
  if (c.cp == ' ' && is_punct(decode(s, at + 1)))
    from = at + 1;
  else if (!is_punct(c))
    return 0;
  size_t end = from;
  for (Char p = decode(s, end); is_punct(p); p = decode(s, end)) end += p.len;
  for (Char t = decode(s, end); t.len && (is(t, kNewline) || (slash_trails && t.cp == '/'));
       t = decode(s, end))
    end += t.len;
  return end;
}

struct SpaceRun {
  size_t end = 0;          // end of the whitespace run
  size_t last_start = 0;   // start of its last character
  size_t newline_end = 0;  // end of its last \r or \n, 0 if it has none
  size_t chars = 0;
};

SpaceRun space_run(std::string_view s, size_t at) {
  SpaceRun r;
  r.end = at;
  for (Char c = decode(s, at); c.len && is(c, kSpace); c = decode(s, r.end)) {
    r.last_start = r.end;
    r.end += c.len;
    if (is(c, kNewline)) r.newline_end = r.end;
    ++r.chars;
  }
  return r;
}

// \s*[\r\n] (or [\r\n]+, the same match), \s+(?!\S), \s / \s+ for a whitespace start.
size_t whitespace_end(const SpaceRun& r, size_t text_size) {
  if (r.newline_end) return r.newline_end;
  if (r.end == text_size || r.chars < 2) return r.end;
  return r.last_start;  // leave the last space to prefix the next word
}

size_t cl100k_piece(std::string_view s, size_t at) {
  if (size_t n = contraction(s, at)) return at + n;
  Char c = decode(s, at);
  if (is(c, kLetter)) return run_end(s, at, kLetter);
  if (is_prefix(c) && is(decode(s, at + c.len), kLetter)) return run_end(s, at + c.len, kLetter);
  if (is(c, kNumber)) return digits_end(s, at);
  if (size_t end = punct_end(s, at, false)) return end;
  SpaceRun r = space_run(s, at);
  if (r.end == s.size()) return r.end;  // \s++$
  return whitespace_end(r, s.size());
}

// [\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+ from `at`, then an optional
// contraction; 0 if no match. The upper run is greedy and gives back characters until a
// lower one can follow.
size_t o200k_lower_word(std::string_view s, size_t at) {
  size_t end = at, last_lower_end = 0;
  for (Char c = decode(s, end); c.len && is(c, kUpperish); c = decode(s, end)) {
    end += c.len;
    if (is(c, kLowerish)) last_lower_end = end;
  }
  if (is(decode(s, end), kLowerish))
    end = run_end(s, end, kLowerish);
  else if (last_lower_end)
    end = last_lower_end;
  else
    return 0;
  return end + contraction(s, end);
}

// [\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]* then an optional contraction.
size_t o200k_upper_word(std::string_view s, size_t at) {
  size_t end = run_end(s, at, kUpperish);
  if (end == at) return 0;
  end = run_end(s, end, kLowerish);
  return end + contraction(s, end);
}

size_t o200k_piece(std::string_view s, size_t at) {
  Char c = decode(s, at);
  size_t after_prefix = is_prefix(c) ? at + c.len : 0;
  for (auto word : {o200k_lower_word, o200k_upper_word}) {
    if (after_prefix)
      if (size_t end = word(s, after_prefix)) return end;
    if (size_t end = word(s, at)) return end;
  }
  if (is(c, kNumber)) return digits_end(s, at);
  if (size_t end = punct_end(s, at, true)) return end;
  return whitespace_end(space_run(s, at), s.size());
}

}  // namespace

size_t next_piece(SplitPattern pattern, std::string_view text, size_t at) {
  size_t end = pattern == SplitPattern::cl100k ? cl100k_piece(text, at) : o200k_piece(text, at);
  // Every character falls in one alternative; this guards the loop against a scanner bug.
  return end > at ? end : at + 1;
}

}  // namespace routeiq::tokens
