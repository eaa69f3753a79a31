#pragma once
// SHA-256 (FIPS 180-4) for stable deployment ids. Kept here so the config
// module does not depend on OpenSSL.
#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace routeiq::config {

std::array<uint8_t, 32> sha256(std::string_view data);
std::string to_hex(const uint8_t* bytes, size_t size);

}  // namespace routeiq::config
