#pragma once
// AWS Signature Version 4, header form ("Authorization: AWS4-HMAC-SHA256 ...").
// Reference: AWS General Reference, "Create a signed AWS API request", and the
// aws-c-auth signing test suite the unit tests replay.
#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "routeiq/core/error.hpp"
#include "routeiq/providers/translator.hpp"

namespace routeiq::providers {

// The headers a signature covers, as the spec's test vectors give them (a
// multi-line value is allowed here: it is canonicalized, never sent).
using SigningHeaders = std::vector<std::pair<std::string, std::string>>;

struct SigV4Input {
  std::string method;
  std::string path;        // as sent on the wire (percent-encoding kept)
  std::string query;       // as sent, without '?'
  SigningHeaders headers;  // must include Host
  std::string_view body;
};

struct SigV4Options {
  std::string access_key_id, secret_access_key, session_token;
  std::string region, service;
  std::chrono::system_clock::time_point now;
  // Remove '.'/'..' segments and empty segments; every service but S3 does.
  bool normalize_path = true;
  // Adds and signs x-amz-content-sha256 (S3 and some streaming APIs need it).
  bool add_content_sha256 = false;
  // STS tokens are normally signed; a few services want them added unsigned.
  bool sign_session_token = true;
};

struct SigV4Result {
  std::string canonical_request;
  std::string string_to_sign;
  std::string signature;         // hex
  std::string authorization;     // the Authorization header value
  SigningHeaders added_headers;  // to send: X-Amz-Date, tokens, Authorization
};

SigV4Result sigv4_sign(const SigV4Input& input, const SigV4Options& options);

// Signs an encoded request in place (adds the signing headers). Call it last:
// the signature covers the final body and headers.
Status sigv4_sign_request(HttpRequest& request, const Credentials& credentials,
                          std::string_view region, std::string_view service,
                          std::chrono::system_clock::time_point now);

}  // namespace routeiq::providers
