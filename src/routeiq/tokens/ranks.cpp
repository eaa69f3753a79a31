#include "routeiq/tokens/ranks.hpp"

#include <array>
#include <bit>
#include <charconv>

namespace routeiq::tokens {
namespace {

// FNV-1a: the pieces are short (a few bytes), where it beats std::hash's overhead.
uint64_t hash_bytes(std::string_view s) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : s) h = (h ^ c) * 0x100000001b3ull;
  return h ^ (h >> 29);
}

constexpr uint8_t kNotBase64 = 0xFF;

constexpr std::array<uint8_t, 256> base64_values() {
  std::array<uint8_t, 256> v{};
  for (auto& x : v) x = kNotBase64;
  constexpr std::string_view kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  for (size_t i = 0; i < kAlphabet.size(); ++i)
    v[static_cast<uint8_t>(kAlphabet[i])] = static_cast<uint8_t>(i);
  return v;
}
constexpr auto kBase64 = base64_values();

// Standard base64 with padding, appended to out; false when malformed.
bool decode_base64(std::string_view in, std::string& out) {
  if (in.empty() || in.size() % 4) return false;
  for (size_t i = 0; i < in.size(); i += 4) {
    uint32_t v[4];
    int pad = 0;
    for (int k = 0; k < 4; ++k) {
      char c = in[i + k];
      bool last = i + 4 == in.size();
      if (c == '=' && last && k >= 2) {
        ++pad;
        v[k] = 0;
        continue;
      }
      if (pad) return false;  // data after padding
      v[k] = kBase64[static_cast<uint8_t>(c)];
      if (v[k] == kNotBase64) return false;
    }
    uint32_t n = (v[0] << 18) | (v[1] << 12) | (v[2] << 6) | v[3];
    out.push_back(static_cast<char>(n >> 16));
    if (pad < 2) out.push_back(static_cast<char>((n >> 8) & 0xFF));
    if (pad < 1) out.push_back(static_cast<char>(n & 0xFF));
  }
  return true;
}

Error bad_line(size_t line, std::string_view why) {
  return make_error(ErrorKind::invalid_request,
                    "rank file line " + std::to_string(line) + ": " + std::string(why));
}

}  // namespace

Result<RankTable> RankTable::parse(std::string_view file) {
  RankTable t;
  size_t lines = 0;
  for (char c : file) lines += c == '\n';
  // Load factor at most 1/2: probes stay short for the misses BPE asks about most.
  size_t slots = std::bit_ceil(std::max<size_t>(16, (lines + 1) * 2));
  t.slots_.assign(slots, 0);
  t.mask_ = slots - 1;
  t.bytes_.reserve(file.size() * 3 / 4);
  size_t line_no = 0;
  while (!file.empty()) {
    auto nl = file.find('\n');
    std::string_view line = file.substr(0, nl);
    file = nl == std::string_view::npos ? std::string_view() : file.substr(nl + 1);
    ++line_no;
    if (line.empty()) continue;
    auto sp = line.find(' ');
    if (sp == std::string_view::npos) return bad_line(line_no, "no rank");
    Rank rank = 0;
    auto digits = line.substr(sp + 1);
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), rank);
    if (ec != std::errc() || end != digits.data() + digits.size())
      return bad_line(line_no, "bad rank");
    auto offset = static_cast<uint32_t>(t.bytes_.size());
    if (!decode_base64(line.substr(0, sp), t.bytes_)) return bad_line(line_no, "bad base64");
    auto length = static_cast<uint32_t>(t.bytes_.size() - offset);
    if (rank > 10'000'000) return bad_line(line_no, "rank too large");
    if (t.by_rank_.size() <= rank) t.by_rank_.resize(rank + 1);
    if (t.by_rank_[rank].length) return bad_line(line_no, "duplicate rank");
    t.by_rank_[rank] = {offset, length};
    if (!t.insert(offset, length, rank)) return bad_line(line_no, "duplicate token");
  }
  if (t.count_ == 0) return make_error(ErrorKind::invalid_request, "rank file is empty");
  return t;
}

bool RankTable::insert(uint32_t offset, uint32_t length, Rank rank) {
  std::string_view key(bytes_.data() + offset, length);
  for (size_t i = hash_bytes(key) & mask_;; i = (i + 1) & mask_) {
    if (slots_[i] == 0) {
      slots_[i] = rank + 1;
      ++count_;
      return true;
    }
    if (bytes_of(slots_[i] - 1) == key) return false;
  }
}

std::optional<Rank> RankTable::find(std::string_view key) const {
  for (size_t i = hash_bytes(key) & mask_;; i = (i + 1) & mask_) {
    uint32_t slot = slots_[i];
    if (slot == 0) return std::nullopt;
    const Span& s = by_rank_[slot - 1];
    if (s.length == key.size() && std::string_view(bytes_.data() + s.offset, s.length) == key)
      return slot - 1;
  }
}

std::string_view RankTable::bytes_of(Rank rank) const {
  if (rank >= by_rank_.size()) return {};
  const Span& s = by_rank_[rank];
  return {bytes_.data() + s.offset, s.length};
}

}  // namespace routeiq::tokens
