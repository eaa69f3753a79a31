#include "routeiq/providers/url.hpp"

namespace routeiq::providers {
namespace {

bool unreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || c == '.' || c == '~';
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string Url::authority() const {
  bool default_port =
      port.empty() || (scheme == "https" && port == "443") || (scheme == "http" && port == "80");
  return default_port ? host : host + ":" + port;
}

Result<Url> parse_url(std::string_view url) {
  Url out;
  auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos || scheme_end == 0)
    return make_error(ErrorKind::invalid_request, "invalid URL (no scheme): " + std::string(url));
  out.scheme.assign(url.substr(0, scheme_end));
  auto rest = url.substr(scheme_end + 3);
  auto auth_end = rest.find_first_of("/?#");
  auto authority = rest.substr(0, auth_end);
  rest = auth_end == std::string_view::npos ? std::string_view{} : rest.substr(auth_end);
  if (auto fragment = rest.find('#'); fragment != std::string_view::npos)
    rest = rest.substr(0, fragment);
  auto colon = authority.rfind(':');
  if (colon != std::string_view::npos && authority.find(']', colon) == std::string_view::npos) {
    out.port.assign(authority.substr(colon + 1));
    authority = authority.substr(0, colon);
  }
  if (authority.empty())
    return make_error(ErrorKind::invalid_request, "invalid URL (no host): " + std::string(url));
  out.host.assign(authority);
  auto q = rest.find('?');
  out.path.assign(rest.substr(0, q));
  if (q != std::string_view::npos) out.query.assign(rest.substr(q + 1));
  if (out.path.empty()) out.path = "/";
  return out;
}

std::string uri_encode(std::string_view s, bool keep_slash) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    if (unreserved(c) || (keep_slash && c == '/')) {
      out.push_back(char(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

Result<std::string> path_segment(std::string_view value, std::string_view what) {
  if (value.empty() || value == "." || value == "..")
    return make_error(ErrorKind::invalid_request,
                      std::string(what) + " '" + std::string(value) + "' cannot be used in a URL");
  return uri_encode(value);
}

bool is_region_name(std::string_view region) {
  if (region.empty() || region.size() > 64) return false;
  for (char c : region)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-'))
      return false;
  return true;
}

std::string uri_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && hex_value(s[i + 1]) >= 0 && hex_value(s[i + 2]) >= 0) {
      out.push_back(char(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2])));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

std::string join_url(std::string_view base, std::string_view path) {
  while (!base.empty() && base.back() == '/') base.remove_suffix(1);
  while (!path.empty() && path.front() == '/') path.remove_prefix(1);
  std::string out(base);
  out.push_back('/');
  out.append(path);
  return out;
}

}  // namespace routeiq::providers
