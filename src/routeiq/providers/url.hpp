#pragma once
// Absolute URL splitting and RFC 3986 percent-encoding for building upstream
// URLs and for signing them.
#include <string>
#include <string_view>

#include "routeiq/core/error.hpp"

namespace routeiq::providers {

struct Url {
  std::string scheme;  // "https"
  std::string host;    // without port
  std::string port;    // empty when absent
  std::string path;    // "/" when absent; as written (percent-encoding kept)
  std::string query;   // without '?'
  // host[:port], the port omitted when it is the scheme's default: the Host header.
  std::string authority() const;
};

Result<Url> parse_url(std::string_view url);

// Percent-encodes every byte except the RFC 3986 unreserved set (and '/' when
// keep_slash), with upper-case hex as SigV4 requires.
std::string uri_encode(std::string_view s, bool keep_slash = false);
// One path segment from a value a client or config chose (a model name, a
// project): percent-encoded, '/' included, so it stays one segment. Empty,
// "." and ".." are refused: servers resolve dot-segments (RFC 3986 section
// 5.2.4), and the request would reach another path with the deployment's key.
Result<std::string> path_segment(std::string_view value, std::string_view what);

// A cloud region placed in a host name (us-east-1, europe-west4, global):
// letters, digits and '-' only, so it cannot change the host.
bool is_region_name(std::string_view region);

// Decodes %XX; malformed escapes are kept literally.
std::string uri_decode(std::string_view s);

// Joins an api_base and a path with exactly one '/' between them.
std::string join_url(std::string_view base, std::string_view path);

}  // namespace routeiq::providers
