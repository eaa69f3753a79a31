#pragma once
// The pure half of Google service-account auth (RFC 7523 JWT bearer grant):
// service-account JSON -> RS256-signed JWT assertion -> token request; the
// network layer sends it and hands the response back to parse.
// Reference: https://developers.google.com/identity/protocols/oauth2/service-account
#include <chrono>
#include <string>
#include <string_view>

#include "routeiq/core/error.hpp"
#include "routeiq/providers/translator.hpp"

namespace routeiq::providers {

inline constexpr std::string_view kCloudPlatformScope =
    "https://www.googleapis.com/auth/cloud-platform";

struct ServiceAccount {
  std::string client_email;
  std::string private_key_pem;
  std::string private_key_id;
  std::string token_uri = "https://oauth2.googleapis.com/token";
  std::string project_id;
};

Result<ServiceAccount> parse_service_account(std::string_view json_text);

// header.claims.signature, each base64url; valid for one hour from `now`.
Result<std::string> google_jwt_assertion(const ServiceAccount& account,
                                         std::chrono::system_clock::time_point now,
                                         std::string_view scope = kCloudPlatformScope);

// POST token_uri, form-encoded grant_type + assertion.
Result<HttpRequest> google_token_request(const ServiceAccount& account,
                                         std::chrono::system_clock::time_point now,
                                         std::string_view scope = kCloudPlatformScope);

struct AccessToken {
  std::string token;
  std::chrono::system_clock::time_point expires_at;
};
// {"access_token":..., "expires_in":3599, "token_type":"Bearer"}
Result<AccessToken> parse_token_response(std::string_view body,
                                         std::chrono::system_clock::time_point now);

}  // namespace routeiq::providers
