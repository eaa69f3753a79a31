#include "routeiq/providers/sigv4.hpp"
#include "routeiq/core/time.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "routeiq/providers/url.hpp"

namespace routeiq::providers {
namespace {

namespace fs = std::filesystem;
const fs::path kSuite = fs::path(ROUTEIQ_TEST_DATA) / "sigv4" / "v4";

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::chrono::system_clock::time_point parse_iso8601_or_die(std::string_view s) {
  auto t = parse_iso8601(s);
  if (!t) throw std::runtime_error("bad timestamp in test vector: " + std::string(s));
  return *t;
}

// request.txt: "METHOD target HTTP/1.1", headers (folded lines allowed), blank line, body.
SigV4Input parse_request(const std::string& text, std::string& body_storage) {
  SigV4Input in;
  std::istringstream lines(text);
  std::string line;
  std::getline(lines, line);
  auto first_space = line.find(' ');
  auto last_space = line.rfind(' ');
  in.method = line.substr(0, first_space);
  std::string target = line.substr(first_space + 1, last_space - first_space - 1);
  auto q = target.find('?');
  in.path = target.substr(0, q);
  if (q != std::string::npos) in.query = target.substr(q + 1);
  while (std::getline(lines, line) && !line.empty()) {
    if ((line[0] == ' ' || line[0] == '\t') && !in.headers.empty()) {
      in.headers.back().second += "\n" + line;
      continue;
    }
    auto colon = line.find(':');
    in.headers.emplace_back(line.substr(0, colon), line.substr(colon + 1));
  }
  std::stringstream rest;
  rest << lines.rdbuf();
  body_storage = rest.str();
  in.body = body_storage;
  return in;
}

std::string authorization_line(const std::string& signed_request) {
  const std::string prefix = "Authorization:";
  auto pos = signed_request.find("\n" + prefix);
  if (pos == std::string::npos) return {};
  auto start = pos + 1 + prefix.size();
  return signed_request.substr(start, signed_request.find('\n', start) - start);
}

SigV4Options options_from_context(const boost::json::object& ctx) {
  SigV4Options o;
  const auto& creds = ctx.at("credentials").as_object();
  o.access_key_id = creds.at("access_key_id").as_string().c_str();
  o.secret_access_key = creds.at("secret_access_key").as_string().c_str();
  if (auto* token = creds.if_contains("token")) o.session_token = token->as_string().c_str();
  o.region = ctx.at("region").as_string().c_str();
  o.service = ctx.at("service").as_string().c_str();
  o.now = parse_iso8601_or_die(ctx.at("timestamp").as_string());
  o.normalize_path = ctx.at("normalize").as_bool();
  o.add_content_sha256 = ctx.at("sign_body").as_bool();
  if (auto* omit = ctx.if_contains("omit_session_token")) o.sign_session_token = !omit->as_bool();
  return o;
}

TEST(SigV4, AwsSigningTestSuite) {
  ASSERT_TRUE(fs::is_directory(kSuite)) << kSuite;
  int cases = 0;
  for (const auto& entry : fs::directory_iterator(kSuite)) {
    if (!entry.is_directory()) continue;
    const auto dir = entry.path();
    SCOPED_TRACE(dir.filename().string());
    auto ctx = boost::json::parse(read_file(dir / "context.json")).as_object();
    std::string body;
    auto input = parse_request(read_file(dir / "request.txt"), body);
    auto result = sigv4_sign(input, options_from_context(ctx));
    EXPECT_EQ(result.canonical_request, read_file(dir / "header-canonical-request.txt"));
    EXPECT_EQ(result.string_to_sign, read_file(dir / "header-string-to-sign.txt"));
    EXPECT_EQ(result.signature, read_file(dir / "header-signature.txt"));
    EXPECT_EQ(result.authorization,
              authorization_line(read_file(dir / "header-signed-request.txt")));
    ++cases;
  }
  EXPECT_EQ(cases, 38);
}

TEST(SigV4, SignRequestAddsHeadersAndDoubleEncodesPath) {
  HttpRequest req;
  req.url =
      "https://bedrock-runtime.us-east-1.amazonaws.com/model/"
      "anthropic.claude-3-haiku-20240307-v1%3A0/converse";
  req.headers = {{"content-type", "application/json"}};
  req.body = "{}";
  Credentials creds;
  creds.access_key_id = "AKIDEXAMPLE";
  creds.secret_access_key = "secret";
  creds.session_token = "tok";
  auto now = parse_iso8601_or_die("2024-01-02T03:04:05Z");
  ASSERT_TRUE(sigv4_sign_request(req, creds, "us-east-1", "bedrock", now).ok());
  auto find = [&](std::string_view name) -> std::string {
    for (auto& [k, v] : req.headers)
      if (k == name) return v;
    return "<missing>";
  };
  EXPECT_EQ(find("X-Amz-Date"), "20240102T030405Z");
  EXPECT_EQ(find("X-Amz-Security-Token"), "tok");
  auto auth = find("Authorization");
  EXPECT_EQ(auth.rfind("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240102/us-east-1/bedrock/", 0),
            0u);
  EXPECT_NE(auth.find("SignedHeaders=content-type;host;x-amz-date;x-amz-security-token"),
            std::string::npos);

  // The same request signed directly shows the twice-encoded path and the host.
  SigV4Options o;
  o.access_key_id = "AKIDEXAMPLE";
  o.secret_access_key = "secret";
  o.session_token = "tok";
  o.region = "us-east-1";
  o.service = "bedrock";
  o.now = now;
  SigV4Input in{
      "POST",
      "/model/anthropic.claude-3-haiku-20240307-v1%3A0/converse",
      "",
      {{"content-type", "application/json"}, {"host", "bedrock-runtime.us-east-1.amazonaws.com"}},
      "{}"};
  auto direct = sigv4_sign(in, o);
  EXPECT_NE(direct.canonical_request.find("/model/anthropic.claude-3-haiku-20240307-v1%253A0/"),
            std::string::npos);
  EXPECT_EQ(direct.authorization, auth);
}

TEST(SigV4, MissingCredentialsIsAnError) {
  HttpRequest req;
  req.url = "https://example.com/";
  auto st = sigv4_sign_request(req, Credentials{}, "us-east-1", "bedrock",
                               std::chrono::system_clock::time_point{});
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().kind, ErrorKind::unauthorized);
}

TEST(Url, ParseAndAuthority) {
  auto u = parse_url("https://h.example.com:443/a/b?x=1#frag");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->host, "h.example.com");
  EXPECT_EQ(u->path, "/a/b");
  EXPECT_EQ(u->query, "x=1");
  EXPECT_EQ(u->authority(), "h.example.com");
  auto v = parse_url("http://127.0.0.1:8080");
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->path, "/");
  EXPECT_EQ(v->authority(), "127.0.0.1:8080");
  EXPECT_FALSE(parse_url("no-scheme/x").ok());
  EXPECT_EQ(uri_encode("a b/c~"), "a%20b%2Fc~");
  EXPECT_EQ(uri_decode("a%20b%zz"), "a b%zz");
  EXPECT_EQ(join_url("https://x/v1/", "/messages"), "https://x/v1/messages");
}

}  // namespace
}  // namespace routeiq::providers
