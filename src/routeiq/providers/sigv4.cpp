#include "routeiq/providers/sigv4.hpp"
#include "routeiq/core/time.hpp"

#include <algorithm>
#include <ctime>

#include "routeiq/providers/crypto.hpp"
#include "routeiq/providers/url.hpp"

namespace routeiq::providers {
namespace {

constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = char(c - 'A' + 'a');
  return out;
}

// Trims and collapses every whitespace run (incl. folded lines) into one space.
std::string canonical_value(std::string_view v) {
  std::string out;
  bool pending_space = false;
  for (char c : v) {
    bool space = c == ' ' || c == '\t' || c == '\r' || c == '\n';
    if (space) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out.push_back(' ');
    pending_space = false;
    out.push_back(c);
  }
  return out;
}

// RFC 3986 section 5.2.4, plus dropping empty segments as AWS does.
std::string normalize_path(std::string_view path) {
  std::vector<std::string_view> segments;
  size_t start = 0;
  while (start <= path.size()) {
    auto end = std::min(path.find('/', start), path.size());
    auto seg = path.substr(start, end - start);
    if (seg == "..") {
      if (!segments.empty()) segments.pop_back();
    } else if (!seg.empty() && seg != ".") {
      segments.push_back(seg);
    }
    start = end + 1;
  }
  std::string out;
  for (auto seg : segments) {
    out.push_back('/');
    out.append(seg);
  }
  bool trailing = !path.empty() && path.back() == '/';
  if (out.empty() || trailing) out.push_back('/');
  return out;
}

std::string canonical_uri(std::string_view path, bool normalize) {
  std::string p = normalize ? normalize_path(path) : std::string(path);
  if (p.empty()) p = "/";
  // Non-S3 services sign the path encoded once more than it is sent.
  return uri_encode(p, /*keep_slash=*/true);
}

std::string canonical_query(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> params;
  size_t start = 0;
  while (start <= query.size()) {
    auto end = std::min(query.find('&', start), query.size());
    auto param = query.substr(start, end - start);
    if (!param.empty()) {
      auto eq = param.find('=');
      auto key = param.substr(0, eq);
      auto value = eq == std::string_view::npos ? std::string_view{} : param.substr(eq + 1);
      params.emplace_back(uri_encode(uri_decode(key)), uri_encode(uri_decode(value)));
    }
    start = end + 1;
  }
  std::sort(params.begin(), params.end());
  std::string out;
  for (const auto& [k, v] : params) {
    if (!out.empty()) out.push_back('&');
    out += k + "=" + v;
  }
  return out;
}

struct CanonicalHeaders {
  std::string block;         // "name:value\n" per header
  std::string signed_names;  // "a;b;c"
};

CanonicalHeaders canonical_headers(const SigningHeaders& headers) {
  std::vector<std::pair<std::string, std::string>> merged;  // name -> values, first-seen order
  for (const auto& [name, value] : headers) {
    auto key = lower(name);
    auto it = std::find_if(merged.begin(), merged.end(), [&](auto& p) { return p.first == key; });
    if (it == merged.end())
      merged.emplace_back(key, canonical_value(value));
    else
      it->second += "," + canonical_value(value);
  }
  std::stable_sort(merged.begin(), merged.end(),
                   [](auto& a, auto& b) { return a.first < b.first; });
  CanonicalHeaders out;
  for (const auto& [name, value] : merged) {
    out.block += name + ":" + value + "\n";
    if (!out.signed_names.empty()) out.signed_names.push_back(';');
    out.signed_names += name;
  }
  return out;
}

std::string signing_key(const SigV4Options& o, std::string_view date) {
  auto k_date = hmac_sha256("AWS4" + o.secret_access_key, date);
  auto k_region = hmac_sha256(k_date, o.region);
  auto k_service = hmac_sha256(k_region, o.service);
  return hmac_sha256(k_service, "aws4_request");
}

}  // namespace

SigV4Result sigv4_sign(const SigV4Input& input, const SigV4Options& o) {
  SigV4Result r;
  const std::string date_time = iso8601_basic(o.now);
  const std::string date = date_time.substr(0, 8);
  const std::string payload_hash = hex_lower(sha256(input.body));

  SigningHeaders signed_headers = input.headers;
  auto add = [&](std::string name, std::string value, bool sign) {
    if (sign) signed_headers.emplace_back(name, value);
    r.added_headers.emplace_back(std::move(name), std::move(value));
  };
  if (!o.session_token.empty()) add("X-Amz-Security-Token", o.session_token, o.sign_session_token);
  add("X-Amz-Date", date_time, true);
  if (o.add_content_sha256) add("x-amz-content-sha256", payload_hash, true);

  auto headers = canonical_headers(signed_headers);
  r.canonical_request = input.method + "\n" + canonical_uri(input.path, o.normalize_path) + "\n" +
                        canonical_query(input.query) + "\n" + headers.block + "\n" +
                        headers.signed_names + "\n" + payload_hash;

  const std::string scope = date + "/" + o.region + "/" + o.service + "/aws4_request";
  r.string_to_sign = std::string(kAlgorithm) + "\n" + date_time + "\n" + scope + "\n" +
                     hex_lower(sha256(r.canonical_request));
  r.signature = hex_lower(hmac_sha256(signing_key(o, date), r.string_to_sign));
  r.authorization = std::string(kAlgorithm) + " Credential=" + o.access_key_id + "/" + scope +
                    ", SignedHeaders=" + headers.signed_names + ", Signature=" + r.signature;
  r.added_headers.emplace_back("Authorization", r.authorization);
  return r;
}

Status sigv4_sign_request(HttpRequest& request, const Credentials& credentials,
                          std::string_view region, std::string_view service,
                          std::chrono::system_clock::time_point now) {
  if (credentials.access_key_id.empty() || credentials.secret_access_key.empty())
    return make_error(ErrorKind::unauthorized, "AWS credentials missing (aws_access_key_id)");
  auto url = parse_url(request.url);
  if (!url) return url.error();
  SigV4Input input{request.method, url->path, url->query, {}, request.body};
  input.headers.assign(request.headers.begin(), request.headers.end());
  input.headers.emplace_back("host", url->authority());
  SigV4Options options;
  options.access_key_id = credentials.access_key_id;
  options.secret_access_key = credentials.secret_access_key;
  options.session_token = credentials.session_token;
  options.region = std::string(region);
  options.service = std::string(service);
  options.now = now;
  auto signed_request = sigv4_sign(input, options);
  for (auto& [name, value] : signed_request.added_headers)
    request.headers.add(std::move(name), std::move(value));
  return ok_status();
}

}  // namespace routeiq::providers
