// SHA-256 (FIPS 180-4) against the standard's test vectors.
#include "routeiq/core/sha256.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace routeiq {
namespace {

TEST(Sha256, Fips180Vectors) {
  auto hex = [](std::string_view s) {
    auto d = sha256(s);
    return to_hex(d.data(), d.size());
  };
  EXPECT_EQ(hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(hex(std::string(1000000, 'a')),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Sha256, PaddingBoundaries) {
  // 55, 56 and 64 bytes straddle the one-block / two-block padding cases;
  // all must differ and be deterministic.
  std::set<std::string> seen;
  for (size_t n : {55u, 56u, 63u, 64u, 65u}) {
    auto a = sha256(std::string(n, 'x')), b = sha256(std::string(n, 'x'));
    EXPECT_EQ(a, b);
    EXPECT_TRUE(seen.insert(to_hex(a.data(), a.size())).second);
  }
}

TEST(Sha256, IncrementalEqualsOneShot) {
  std::string text(1000, 'q');
  Sha256 h;
  for (size_t i = 0; i < text.size(); i += 7) h.update(std::string_view(text).substr(i, 7));
  EXPECT_EQ(h.hex_digest(), sha256_hex(text));
}

}  // namespace
}  // namespace routeiq
