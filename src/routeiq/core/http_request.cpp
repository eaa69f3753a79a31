#include "routeiq/core/http_request.hpp"

#include <cstdint>
#include <cstring>

namespace routeiq {
namespace {

// These checks run on every header added to a response or an upstream
// request, so they look at eight bytes at a time (the "has a zero byte"
// trick: a byte of x is zero iff the same byte of (x - 0x01..) & ~x & 0x80..
// is set).
constexpr uint64_t kOnes = 0x0101010101010101ULL;
constexpr uint64_t kHighs = 0x8080808080808080ULL;

constexpr uint64_t zero_bytes(uint64_t x) {
  return (x - kOnes) & ~x & kHighs;
}
constexpr uint64_t bytes_equal(uint64_t x, unsigned char c) {
  return zero_bytes(x ^ (kOnes * c));
}
// Bytes below 0x21 (controls and space) or from 0x7f up (DEL, non-ASCII).
constexpr uint64_t bytes_outside_visible(uint64_t x) {
  return ((x - kOnes * 0x21) | x | (x + kOnes * 0x01)) & kHighs;
}

uint64_t load8(const char* p) {
  uint64_t x;
  std::memcpy(&x, p, 8);
  return x;
}

template <class Word, class Byte>
bool all_bytes_pass(std::string_view s, Word word_fails, Byte byte_fails) {
  size_t i = 0;
  for (; i + 8 <= s.size(); i += 8)
    if (word_fails(load8(s.data() + i))) return false;
  for (; i < s.size(); ++i)
    if (byte_fails(static_cast<unsigned char>(s[i]))) return false;
  return true;
}

char ascii_lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  return true;
}

}  // namespace

// RFC 9110 section 5.5: no CR, LF or NUL (obs-fold is not written either).
bool valid_header_value(std::string_view v) {
  return all_bytes_pass(
      v,
      [](uint64_t x) { return (bytes_equal(x, '\r') | bytes_equal(x, '\n') | zero_bytes(x)) != 0; },
      [](unsigned char c) { return c == '\r' || c == '\n' || c == 0; });
}

// Visible ASCII without ':' (a superset of RFC 9110's tchar that still
// cannot end the name early or split the line).
bool valid_header_name(std::string_view name) {
  return !name.empty() &&
         all_bytes_pass(
             name, [](uint64_t x) { return (bytes_outside_visible(x) | bytes_equal(x, ':')) != 0; },
             [](unsigned char c) { return c <= 0x20 || c >= 0x7f || c == ':'; });
}

void HeaderList::note_refused(std::string_view name) {
  if (refused_.empty()) refused_ = valid_header_name(name) ? std::string(name) : "?";
}

HeaderList::HeaderList(
    std::initializer_list<std::pair<std::string_view, std::string_view>> headers) {
  headers_.reserve(headers.size());
  for (const auto& [name, value] : headers) add(name, std::string(value));
}

bool HeaderList::add(std::string_view name, std::string value) {
  if (!valid_header_name(name) || !valid_header_value(value)) {
    note_refused(name);
    return false;
  }
  headers_.emplace_back(std::string(name), std::move(value));
  return true;
}

void HeaderList::append(const HeaderList& other) {
  headers_.insert(headers_.end(), other.headers_.begin(), other.headers_.end());
  if (refused_.empty()) refused_ = other.refused_;
}

void HeaderList::append(HeaderList&& other) {
  if (headers_.empty()) {
    headers_ = std::move(other.headers_);
  } else {
    for (auto& h : other.headers_) headers_.push_back(std::move(h));
  }
  if (refused_.empty()) refused_ = std::move(other.refused_);
}

void HeaderList::clear() {
  headers_.clear();
  refused_.clear();
}

std::string_view HeaderList::find(std::string_view name) const {
  for (const auto& [k, v] : headers_)
    if (iequals(k, name)) return v;
  return {};
}

}  // namespace routeiq
