#pragma once
// Small byte helpers shared by the signers and framers: digests via OpenSSL,
// hex/base64 codecs and the CRC-32 used by AWS event-stream framing.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace routeiq::providers {

std::string sha256(std::string_view data);                             // 32 raw bytes
std::string hmac_sha256(std::string_view key, std::string_view data);  // 32 raw bytes
std::string hex_lower(std::string_view bytes);

std::string base64_encode(std::string_view bytes);
std::string base64url_encode(std::string_view bytes);  // RFC 7515 form: no padding
// Accepts the standard alphabet with or without padding; nullopt on bad input.
std::optional<std::string> base64_decode(std::string_view text);

// CRC-32 (ISO-HDLC: reflected, polynomial 0x04C11DB7, as used by zlib and
// the AWS event-stream encoding). `crc` chains incremental calls.
uint32_t crc32(std::string_view data, uint32_t crc = 0);

}  // namespace routeiq::providers
