#pragma once
// Credentials kept in the management database (the api_key of a deployment
// added with /model/new, ...) are stored sealed: encrypted and authenticated
// with AES-256-GCM under a key derived from the operator's salt key
// (ROUTEIQ_SALT_KEY, else LiteLLM's LITELLM_SALT_KEY). Whoever reads the
// database file without the salt key learns neither the secret nor can change
// it unnoticed. Pure: OpenSSL only, no store.
#include <array>
#include <string>
#include <string_view>

#include "routeiq/core/error.hpp"

namespace routeiq::keys {

// Every sealed value starts with this, so a stored plaintext is never taken
// for ciphertext (nor the reverse) and a later format can get a new version.
inline constexpr std::string_view kSealedPrefix = "routeiq-sealed:v1:";

bool is_sealed(std::string_view value);

// The salt key of the environment: ROUTEIQ_SALT_KEY, else LITELLM_SALT_KEY;
// empty when neither is set.
std::string salt_key_from_env();

class SecretBox {
 public:
  // The box of a salt key (not empty). The same salt key gives the same box
  // on every instance, so instances sharing a database read each other's
  // values; changing it makes the stored values unreadable (as in LiteLLM).
  static Result<SecretBox> from_salt_key(std::string_view salt_key);

  SecretBox(const SecretBox&) = default;
  SecretBox& operator=(const SecretBox&) = default;
  ~SecretBox();

  // kSealedPrefix + base64(nonce | ciphertext | tag). `context` is bound to
  // the value (authenticated, not stored): a value opens only with the same
  // context, so a sealed secret copied to another row or field is refused.
  Result<std::string> seal(std::string_view plaintext, std::string_view context) const;
  // The plaintext; an error when the value was not sealed with this salt key
  // and context, or was changed.
  Result<std::string> open(std::string_view sealed, std::string_view context) const;

 private:
  SecretBox() = default;
  std::array<unsigned char, 32> key_{};
};

}  // namespace routeiq::keys
