// The request parser's rules, through the same parser the server reads with.
#include <gtest/gtest.h>

#include <string>

#include "routeiq/net/http_parse.hpp"
#include "routeiq/net/http_server.hpp"
#include "routeiq/net/upstream.hpp"

namespace routeiq::net {
namespace {

const ParseLimits kLimits{};

std::string chunked_post(std::string_view trailer) {
  return "POST /v1/chat/completions HTTP/1.1\r\nHost: gw\r\nTransfer-Encoding: chunked\r\n\r\n"
         "2\r\n{}\r\n0\r\n" +
         std::string(trailer) + "\r\n";
}

TEST(RequestParser, SmallTrailerIsReadAndDropped) {
  auto parsed = parse_request(chunked_post("x-checksum: abc\r\n"), kLimits);
  ASSERT_FALSE(parsed.error) << parsed.error.message();
  EXPECT_EQ(parsed.message.body(), "{}");
  EXPECT_EQ(parsed.message.find("x-checksum"), parsed.message.end());
}

TEST(RequestParser, TrailerFieldOf64KiBIsAnErrorNotAnException) {
  std::string trailer = "x-big: " + std::string(70 * 1024, 'a') + "\r\n";
  ParsedRequest parsed;
  ASSERT_NO_THROW(parsed = parse_request(chunked_post(trailer), kLimits));
  EXPECT_EQ(parsed.error, http::error::header_limit);
}

TEST(RequestParser, ManySmallTrailerFieldsHitTheTrailerLimit) {
  std::string trailer;
  for (int i = 0; i < 2000; ++i) trailer += "x-f: 12345678\r\n";  // 30 KB
  auto parsed = parse_request(chunked_post(trailer), kLimits);
  EXPECT_EQ(parsed.error, http::error::header_limit);
}

TEST(RequestParser, TrailerSectionLongerThanTheBufferOverflows) {
  std::string endless = "POST / HTTP/1.1\r\nHost: gw\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n";
  for (int i = 0; i < 40'000; ++i) endless += "x-a: b\r\n";
  auto parsed = parse_request(endless, kLimits);
  EXPECT_EQ(parsed.error, http::error::buffer_overflow);
}

TEST(RequestParser, TransferEncodingMustEndInChunked) {
  for (const char* te : {"chunked, identity", "identity", "gzip", "xchunked", "chunked;x"}) {
    std::string req =
        "POST / HTTP/1.1\r\nHost: gw\r\nTransfer-Encoding: " + std::string(te) + "\r\n\r\n";
    EXPECT_EQ(parse_request(req, kLimits).error, http::error::bad_transfer_encoding) << te;
  }
  for (const char* te : {"chunked", "gzip, chunked", "CHUNKED", "gzip,chunked "}) {
    std::string req = "POST / HTTP/1.1\r\nHost: gw\r\nTransfer-Encoding: " + std::string(te) +
                      "\r\n\r\n3\r\nabc\r\n0\r\n\r\n";
    auto parsed = parse_request(req, kLimits);
    EXPECT_FALSE(parsed.error) << te << ": " << parsed.error.message();
  }
}

TEST(RequestParser, ContentLengthBodyAndPipelinedRest) {
  std::string req = "POST / HTTP/1.1\r\nHost: gw\r\nContent-Length: 3\r\n\r\nabcGET / HTTP/1.1\r\n";
  auto parsed = parse_request(req, kLimits);
  ASSERT_FALSE(parsed.error);
  EXPECT_EQ(parsed.message.body(), "abc");
  EXPECT_EQ(req.substr(parsed.consumed), "GET / HTTP/1.1\r\n");
}

TEST(RequestParser, BodyLimitAndTruncatedInput) {
  ParseLimits small = kLimits;
  small.body_bytes = 2;
  EXPECT_EQ(parse_request("POST / HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc", small).error,
            http::error::body_limit);
  EXPECT_EQ(parse_request("POST / HTTP/1.1\r\nContent-Length: 3\r\n\r\nab", kLimits).error,
            http::error::need_more);
}

TEST(LastCoding, TokensAndWhitespace) {
  EXPECT_TRUE(last_coding_is_chunked("chunked"));
  EXPECT_TRUE(last_coding_is_chunked(" gzip , Chunked "));
  EXPECT_FALSE(last_coding_is_chunked("chunked, gzip"));
  EXPECT_FALSE(last_coding_is_chunked(""));
}

TEST(HeaderValues, NoLineBreaksOrNul) {
  EXPECT_TRUE(valid_header_value("gpt-4o / mini \t x"));
  EXPECT_FALSE(valid_header_value("a\r\nx-injected: 1"));
  EXPECT_FALSE(valid_header_value("a\nb"));
  EXPECT_FALSE(valid_header_value(std::string("a\0b", 3)));
  EXPECT_TRUE(valid_header_name("x-litellm-model-group"));
  EXPECT_FALSE(valid_header_name("x group"));
  EXPECT_FALSE(valid_header_name("x:y"));
  EXPECT_FALSE(valid_header_name(""));
}

TEST(UpstreamUrl, BytesThatMustBeEncodedAreRefused) {
  EXPECT_TRUE(parse_url("http://h:1/openai/deployments/a%0D%0Ab/x"));
  EXPECT_FALSE(parse_url("http://h:1/a\r\nGET /evil"));
  EXPECT_FALSE(parse_url("http://h:1/a b"));
  EXPECT_FALSE(parse_url("http://h:1/caf\xc3\xa9"));
}

}  // namespace
}  // namespace routeiq::net
