#include "routeiq/providers/google_auth.hpp"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <memory>

#include "routeiq/providers/common.hpp"
#include "routeiq/providers/crypto.hpp"
#include "routeiq/providers/url.hpp"

namespace routeiq::providers {
namespace {

struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct KeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};

Error auth_error(std::string message) {
  return make_error(ErrorKind::unauthorized, "google auth: " + std::move(message));
}

Result<std::string> rs256_sign(std::string_view pem, std::string_view data) {
  std::unique_ptr<BIO, BioFree> bio(BIO_new_mem_buf(pem.data(), int(pem.size())));
  if (!bio) return auth_error("out of memory");
  std::unique_ptr<EVP_PKEY, KeyFree> key(
      PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  if (!key) return auth_error("private_key is not a PEM private key");
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  size_t len = 0;
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key.get()) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &len, reinterpret_cast<const unsigned char*>(data.data()),
                     data.size()) != 1)
    return auth_error("cannot sign with private_key");
  std::string sig(len, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len,
                     reinterpret_cast<const unsigned char*>(data.data()), data.size()) != 1)
    return auth_error("signing failed");
  sig.resize(len);
  return sig;
}

}  // namespace

Result<ServiceAccount> parse_service_account(std::string_view json_text) {
  boost::system::error_code ec;
  auto v = json::parse(json_text, ec);
  if (ec || !v.is_object()) return auth_error("service account file is not a JSON object");
  const auto& o = v.get_object();
  ServiceAccount sa;
  sa.client_email = str_or(o, "client_email");
  sa.private_key_pem = str_or(o, "private_key");
  sa.private_key_id = str_or(o, "private_key_id");
  sa.project_id = str_or(o, "project_id");
  if (auto uri = str_or(o, "token_uri"); !uri.empty()) sa.token_uri = uri;
  if (sa.client_email.empty() || sa.private_key_pem.empty())
    return auth_error("service account needs client_email and private_key");
  return sa;
}

Result<std::string> google_jwt_assertion(const ServiceAccount& account,
                                         std::chrono::system_clock::time_point now,
                                         std::string_view scope) {
  json::object header{{"alg", "RS256"}, {"typ", "JWT"}};
  if (!account.private_key_id.empty()) header["kid"] = account.private_key_id;
  int64_t iat = unix_seconds(now);
  json::object claims{{"iss", account.client_email},
                      {"scope", scope},
                      {"aud", account.token_uri},
                      {"iat", iat},
                      {"exp", iat + 3600}};
  std::string signing_input =
      base64url_encode(json::serialize(header)) + "." + base64url_encode(json::serialize(claims));
  auto sig = rs256_sign(account.private_key_pem, signing_input);
  if (!sig) return sig.error();
  return signing_input + "." + base64url_encode(*sig);
}

Result<HttpRequest> google_token_request(const ServiceAccount& account,
                                         std::chrono::system_clock::time_point now,
                                         std::string_view scope) {
  auto assertion = google_jwt_assertion(account, now, scope);
  if (!assertion) return assertion.error();
  HttpRequest req;
  req.url = account.token_uri;
  req.headers = {{"content-type", "application/x-www-form-urlencoded"}};
  req.body = "grant_type=" + uri_encode("urn:ietf:params:oauth:grant-type:jwt-bearer") +
             "&assertion=" + uri_encode(*assertion);
  return req;
}

Result<AccessToken> parse_token_response(std::string_view body,
                                         std::chrono::system_clock::time_point now) {
  boost::system::error_code ec;
  auto v = json::parse(body, ec);
  if (ec || !v.is_object()) return auth_error("token response is not JSON");
  const auto& o = v.get_object();
  auto token = str_or(o, "access_token");
  if (token.empty()) return auth_error("token response: " + error_message_from_body(body));
  auto ttl = int_at(o, "expires_in").value_or(3600);
  return AccessToken{std::string(token), now + std::chrono::seconds(ttl)};
}

}  // namespace routeiq::providers
