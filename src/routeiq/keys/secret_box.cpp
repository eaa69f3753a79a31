// AES-256-GCM as specified by NIST SP 800-38D ("Recommendation for Block
// Cipher Modes of Operation: Galois/Counter Mode (GCM) and GMAC") with the
// parameters of RFC 5116's AEAD_AES_256_GCM (section 5.2): a 32-byte key, a
// 12-byte nonce, a 16-byte tag. The key comes from the salt key through
// HKDF-SHA256 (RFC 5869), so the salt key's text is never the cipher key.
#include "routeiq/keys/secret_box.hpp"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/rand.h>

#include <memory>
#include <optional>
#include <vector>

#include "routeiq/core/env.hpp"

namespace routeiq::keys {

namespace {

constexpr size_t kNonceBytes = 12;  // RFC 5116 5.2: N_MIN = N_MAX = 12
constexpr size_t kTagBytes = 16;    // the full tag; SP 800-38D 5.2.1.2 allows shorter ones
// HKDF's salt and info: fixed labels, so the same salt key used for another
// purpose elsewhere never yields this key.
constexpr std::string_view kKdfSalt = "routeiq secret box";
constexpr std::string_view kKdfInfo = "aes-256-gcm v1";

using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;

Error crypto_error(std::string_view what) {
  return make_error(ErrorKind::internal, "OpenSSL failed to " + std::string(what));
}

const unsigned char* bytes(std::string_view text) {
  return reinterpret_cast<const unsigned char*>(text.data());
}

std::string base64(std::string_view raw) {
  std::string out(4 * ((raw.size() + 2) / 3), '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), bytes(raw),
                          static_cast<int>(raw.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

std::optional<std::string> unbase64(std::string_view text) {
  if (text.empty() || text.size() % 4 != 0) return std::nullopt;
  std::string out(3 * text.size() / 4, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()), bytes(text),
                          static_cast<int>(text.size()));
  if (n < 0) return std::nullopt;
  // EVP_DecodeBlock counts the padding as zero bytes.
  size_t padding = text.ends_with("==") ? 2 : text.ends_with('=') ? 1 : 0;
  out.resize(static_cast<size_t>(n) - padding);
  return out;
}

bool derive_key(std::string_view salt_key, std::array<unsigned char, 32>& key) {
  EVP_KDF* kdf = EVP_KDF_fetch(nullptr, "HKDF", nullptr);
  if (!kdf) return false;
  EVP_KDF_CTX* ctx = EVP_KDF_CTX_new(kdf);
  EVP_KDF_free(kdf);
  if (!ctx) return false;
  char digest[] = "SHA256";
  std::string ikm(salt_key), salt(kKdfSalt), info(kKdfInfo);
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, ikm.data(), ikm.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, salt.data(), salt.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, info.data(), info.size()),
      OSSL_PARAM_construct_end()};
  bool ok = EVP_KDF_derive(ctx, key.data(), key.size(), params) == 1;
  EVP_KDF_CTX_free(ctx);
  OPENSSL_cleanse(ikm.data(), ikm.size());
  return ok;
}

// One GCM pass; `encrypt` false also checks `tag` (set before the final step,
// as EVP requires) and fails when it does not match.
bool gcm(bool encrypt, const std::array<unsigned char, 32>& key, std::string_view nonce,
         std::string_view aad, std::string_view in, std::string& out, std::string& tag) {
  CipherCtx ctx(EVP_CIPHER_CTX_new(), &EVP_CIPHER_CTX_free);
  if (!ctx) return false;
  int mode = encrypt ? 1 : 0;
  if (EVP_CipherInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr, mode) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(nonce.size()),
                          nullptr) != 1 ||
      EVP_CipherInit_ex(ctx.get(), nullptr, nullptr, key.data(), bytes(nonce), mode) != 1)
    return false;
  int n = 0;
  if (!aad.empty() &&
      EVP_CipherUpdate(ctx.get(), nullptr, &n, bytes(aad), static_cast<int>(aad.size())) != 1)
    return false;
  out.assign(in.size(), '\0');
  if (!in.empty() && EVP_CipherUpdate(ctx.get(), reinterpret_cast<unsigned char*>(out.data()), &n,
                                      bytes(in), static_cast<int>(in.size())) != 1)
    return false;
  if (!encrypt && EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, static_cast<int>(tag.size()),
                                      tag.data()) != 1)
    return false;
  unsigned char rest[16];  // GCM is a stream mode: the final step writes nothing
  if (EVP_CipherFinal_ex(ctx.get(), rest, &n) != 1) return false;
  if (encrypt) {
    tag.assign(kTagBytes, '\0');
    return EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, static_cast<int>(kTagBytes),
                               tag.data()) == 1;
  }
  return true;
}

}  // namespace

bool is_sealed(std::string_view value) {
  return value.starts_with(kSealedPrefix);
}

std::string salt_key_from_env() {
  if (auto own = env_or_empty("ROUTEIQ_SALT_KEY"); !own.empty()) return own;
  return env_or_empty("LITELLM_SALT_KEY");
}

Result<SecretBox> SecretBox::from_salt_key(std::string_view salt_key) {
  if (salt_key.empty())
    return make_error(ErrorKind::invalid_request, "The salt key must not be empty");
  SecretBox box;
  if (!derive_key(salt_key, box.key_)) return crypto_error("derive the secret box key");
  return box;
}

SecretBox::~SecretBox() {
  OPENSSL_cleanse(key_.data(), key_.size());
}

Result<std::string> SecretBox::seal(std::string_view plaintext, std::string_view context) const {
  // A random nonce per value: SP 800-38D 8.2.2 bounds this to 2^32 values per
  // key, far beyond the credentials an admin API stores.
  std::string nonce(kNonceBytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(nonce.data()), kNonceBytes) != 1)
    return crypto_error("make a nonce");
  std::string ciphertext, tag;
  if (!gcm(true, key_, nonce, context, plaintext, ciphertext, tag)) return crypto_error("encrypt");
  return std::string(kSealedPrefix) + base64(nonce + ciphertext + tag);
}

Result<std::string> SecretBox::open(std::string_view sealed, std::string_view context) const {
  auto refused = make_error(ErrorKind::invalid_request,
                            "A stored secret could not be decrypted: it was sealed with another "
                            "salt key (ROUTEIQ_SALT_KEY / LITELLM_SALT_KEY), or changed");
  if (!is_sealed(sealed)) return refused;
  auto raw = unbase64(sealed.substr(kSealedPrefix.size()));
  if (!raw || raw->size() < kNonceBytes + kTagBytes) return refused;
  std::string_view all(*raw);
  std::string tag(all.substr(all.size() - kTagBytes));
  std::string plaintext;
  bool opened = gcm(false, key_, all.substr(0, kNonceBytes), context,
                    all.substr(kNonceBytes, all.size() - kNonceBytes - kTagBytes), plaintext, tag);
  if (!opened) {
    OPENSSL_cleanse(plaintext.data(), plaintext.size());
    return refused;
  }
  return plaintext;
}

}  // namespace routeiq::keys
