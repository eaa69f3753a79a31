#include "routeiq/providers/google_auth.hpp"

#include <gtest/gtest.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <boost/json.hpp>

#include "routeiq/providers/crypto.hpp"
#include "routeiq/providers/url.hpp"

namespace routeiq::providers {
namespace {

namespace json = boost::json;

// A fresh RSA key per run, so no private key lives in the repository.
struct TestKey {
  EVP_PKEY* key = EVP_RSA_gen(2048);
  ~TestKey() { EVP_PKEY_free(key); }
  std::string private_pem() const {
    BIO* bio = BIO_new(BIO_s_mem());
    PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr);
    char* data = nullptr;
    long len = BIO_get_mem_data(bio, &data);
    std::string pem(data, size_t(len));
    BIO_free(bio);
    return pem;
  }
  bool verify(std::string_view data, std::string_view sig) const {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    bool ok =
        EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(), nullptr, key) == 1 &&
        EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(sig.data()), sig.size(),
                         reinterpret_cast<const unsigned char*>(data.data()), data.size()) == 1;
    EVP_MD_CTX_free(ctx);
    return ok;
  }
};

const auto kNow = std::chrono::system_clock::time_point(std::chrono::seconds(1700000000));

std::string service_account_json(const std::string& pem) {
  json::object o{{"type", "service_account"},
                 {"project_id", "proj"},
                 {"private_key_id", "kid-1"},
                 {"private_key", pem},
                 {"client_email", "svc@proj.iam.gserviceaccount.com"},
                 {"token_uri", "https://oauth2.googleapis.com/token"}};
  return json::serialize(o);
}

TEST(GoogleAuth, AssertionIsAVerifiableRs256Jwt) {
  TestKey key;
  auto sa = parse_service_account(service_account_json(key.private_pem()));
  ASSERT_TRUE(sa.ok()) << sa.error().message;
  EXPECT_EQ(sa->project_id, "proj");
  auto jwt = google_jwt_assertion(*sa, kNow);
  ASSERT_TRUE(jwt.ok()) << jwt.error().message;

  auto first = jwt->find('.');
  auto second = jwt->find('.', first + 1);
  ASSERT_NE(second, std::string::npos);
  auto header = json::parse(*base64_decode(jwt->substr(0, first))).as_object();
  auto claims = json::parse(*base64_decode(jwt->substr(first + 1, second - first - 1))).as_object();
  EXPECT_EQ(header.at("alg"), "RS256");
  EXPECT_EQ(header.at("kid"), "kid-1");
  EXPECT_EQ(claims.at("iss"), "svc@proj.iam.gserviceaccount.com");
  EXPECT_EQ(claims.at("aud"), "https://oauth2.googleapis.com/token");
  EXPECT_EQ(claims.at("scope"), "https://www.googleapis.com/auth/cloud-platform");
  EXPECT_EQ(claims.at("iat"), 1700000000);
  EXPECT_EQ(claims.at("exp"), 1700003600);

  auto sig = base64_decode(jwt->substr(second + 1));
  ASSERT_TRUE(sig.has_value());
  EXPECT_TRUE(key.verify(jwt->substr(0, second), *sig));
  EXPECT_FALSE(key.verify(jwt->substr(0, second) + "x", *sig));
}

TEST(GoogleAuth, TokenRequestIsFormEncoded) {
  TestKey key;
  auto sa = parse_service_account(service_account_json(key.private_pem()));
  ASSERT_TRUE(sa.ok());
  auto req = google_token_request(*sa, kNow);
  ASSERT_TRUE(req.ok());
  EXPECT_EQ(req->url, "https://oauth2.googleapis.com/token");
  EXPECT_EQ(req->body.rfind(
                "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=", 0),
            0u);
  auto assertion = uri_decode(req->body.substr(req->body.find("assertion=") + 10));
  EXPECT_EQ(std::count(assertion.begin(), assertion.end(), '.'), 2);
}

TEST(GoogleAuth, BadInputsAreErrors) {
  EXPECT_FALSE(parse_service_account("[]").ok());
  EXPECT_FALSE(parse_service_account(R"({"client_email":"a"})").ok());
  ServiceAccount sa;
  sa.client_email = "a";
  sa.private_key_pem = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n";
  auto jwt = google_jwt_assertion(sa, kNow);
  ASSERT_FALSE(jwt.ok());
  EXPECT_EQ(jwt.error().kind, ErrorKind::unauthorized);
}

TEST(GoogleAuth, ParsesTokenResponse) {
  auto t = parse_token_response(
      R"({"access_token":"ya29.x","expires_in":3599,"token_type":"Bearer"})", kNow);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->token, "ya29.x");
  EXPECT_EQ(t->expires_at, kNow + std::chrono::seconds(3599));
  auto bad = parse_token_response(R"({"error":"invalid_grant"})", kNow);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("invalid_grant"), std::string::npos);
}

}  // namespace
}  // namespace routeiq::providers
