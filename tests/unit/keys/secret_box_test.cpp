#include "routeiq/keys/secret_box.hpp"

#include <gtest/gtest.h>

#include <set>

#include "../scoped_env.hpp"

namespace routeiq::keys {
namespace {

using testing::ScopedEnv;

SecretBox box_of(std::string_view salt_key) {
  auto box = SecretBox::from_salt_key(salt_key);
  EXPECT_TRUE(box.ok());
  return std::move(box.value());
}

std::string sealed_by(const SecretBox& box, std::string_view plaintext, std::string_view context) {
  auto sealed = box.seal(plaintext, context);
  EXPECT_TRUE(sealed.ok());
  return sealed.value();
}

TEST(SecretBox, RoundTrip) {
  auto box = box_of("salt-key-1");
  for (std::string plaintext : {std::string("sk-upstream-secret"), std::string(),
                                std::string("\0\xff binary \n", 11), std::string(100000, 'x')}) {
    std::string sealed = sealed_by(box, plaintext, "m1/api_key");
    EXPECT_TRUE(is_sealed(sealed));
    EXPECT_EQ(sealed.find(plaintext.empty() ? "\x01" : plaintext), std::string::npos);
    auto opened = box.open(sealed, "m1/api_key");
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    EXPECT_EQ(opened.value(), plaintext);
  }
}

TEST(SecretBox, SameSaltKeyOpensOnAnotherInstance) {
  std::string sealed = sealed_by(box_of("shared salt"), "secret", "ctx");
  EXPECT_EQ(box_of("shared salt").open(sealed, "ctx").value(), "secret");
}

TEST(SecretBox, EachSealHasItsOwnNonce) {
  auto box = box_of("salt");
  std::set<std::string> seen;
  for (int i = 0; i < 50; ++i) seen.insert(sealed_by(box, "same plaintext", "ctx"));
  EXPECT_EQ(seen.size(), 50u);
}

TEST(SecretBox, WrongSaltKeyIsRefused) {
  std::string sealed = sealed_by(box_of("right"), "secret", "ctx");
  auto opened = box_of("wrong").open(sealed, "ctx");
  ASSERT_FALSE(opened.ok());
  EXPECT_NE(opened.error().message.find("salt key"), std::string::npos);
}

TEST(SecretBox, WrongContextIsRefused) {
  auto box = box_of("salt");
  std::string sealed = sealed_by(box, "secret", "model-a/api_key");
  EXPECT_FALSE(box.open(sealed, "model-b/api_key").ok());
  EXPECT_FALSE(box.open(sealed, "").ok());
}

// Every byte of nonce, ciphertext and tag is covered by the tag: changing
// any one of them (here: one bit of each base64 character) is detected. 12
// nonce + 20 plaintext + 16 tag bytes make 48, a multiple of 3: no padding,
// so every character carries 6 bits of the value.
TEST(SecretBox, TamperingIsDetected) {
  auto box = box_of("salt");
  std::string sealed = sealed_by(box, "sk-0123456789abcdefg", "ctx");
  ASSERT_EQ(sealed.back() == '=', false);
  size_t body = kSealedPrefix.size();
  for (size_t i = body; i < sealed.size(); ++i) {
    std::string changed = sealed;
    changed[i] = changed[i] == 'A' ? 'B' : 'A';
    if (changed == sealed) continue;
    EXPECT_FALSE(box.open(changed, "ctx").ok()) << "byte " << i;
  }
  EXPECT_FALSE(box.open(sealed.substr(0, sealed.size() - 4), "ctx").ok()) << "truncated";
  EXPECT_FALSE(box.open(sealed + "AAAA", "ctx").ok()) << "extended";
  EXPECT_FALSE(box.open(std::string(kSealedPrefix) + "not base64!", "ctx").ok());
  EXPECT_FALSE(box.open(std::string(kSealedPrefix) + "AAAA", "ctx").ok()) << "too short";
  EXPECT_FALSE(box.open("sk-0123456789abcdef", "ctx").ok()) << "a plaintext is not sealed";
}

TEST(SecretBox, EmptySaltKeyIsRefused) {
  EXPECT_FALSE(SecretBox::from_salt_key("").ok());
}

TEST(SecretBox, SaltKeyFromEnvironment) {
  ScopedEnv own("ROUTEIQ_SALT_KEY", nullptr);
  ScopedEnv litellm("LITELLM_SALT_KEY", nullptr);
  EXPECT_EQ(salt_key_from_env(), "");
  {
    ScopedEnv set("LITELLM_SALT_KEY", "from-litellm");
    EXPECT_EQ(salt_key_from_env(), "from-litellm");
    ScopedEnv ours("ROUTEIQ_SALT_KEY", "from-routeiq");
    EXPECT_EQ(salt_key_from_env(), "from-routeiq");
  }
}

}  // namespace
}  // namespace routeiq::keys
