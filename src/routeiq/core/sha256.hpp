#pragma once
// SHA-256 (FIPS 180-4), used for artifact checksums and training-data hashes.
// Kept here so the ml module stays free of a crypto library dependency.
#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace routeiq {

class Sha256 {
 public:
  Sha256();
  void update(const void* data, size_t size);
  void update(std::string_view s) { update(s.data(), s.size()); }
  std::array<uint8_t, 32> digest();
  std::string hex_digest();

 private:
  void compress(const uint8_t* block);
  std::array<uint32_t, 8> state_;
  std::array<uint8_t, 64> buffer_{};
  size_t buffered_ = 0;
  uint64_t total_bytes_ = 0;
};

std::string sha256_hex(std::string_view data);
std::array<uint8_t, 32> sha256(std::string_view data);
// Lower-case hex of the first `size` bytes.
std::string to_hex(const uint8_t* bytes, size_t size);

}  // namespace routeiq
