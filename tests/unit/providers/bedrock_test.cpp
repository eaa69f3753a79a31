#include "routeiq/providers/bedrock.hpp"

#include "golden.hpp"
#include "routeiq/providers/eventstream.hpp"

namespace routeiq::providers {
namespace {

using namespace testing;

TEST(BedrockTranslator, RequestFixtures) {
  run_request_fixtures("bedrock");
}
TEST(BedrockTranslator, ResponseFixtures) {
  run_response_fixtures("bedrock");
}
TEST(BedrockTranslator, ErrorFixtures) {
  run_error_fixtures("bedrock");
}
TEST(BedrockTranslator, StreamFixturesAtEverySplit) {
  run_stream_fixtures("bedrock", &event_stream_transcript);
}

TEST(BedrockTranslator, SignatureCoversTheBody) {
  auto sign = [](std::string content) {
    auto t = make_bedrock_translator();
    Target target;
    target.model = "m";
    target.credentials.access_key_id = "AKID";
    target.credentials.secret_access_key = "secret";
    json::object req{
        {"model", "m"},
        {"messages", json::array{json::object{{"role", "user"}, {"content", content}}}}};
    auto r = t->encode(req, target, fixed_now());
    EXPECT_TRUE(r.ok());
    for (auto& [k, v] : r->headers)
      if (k == "Authorization") return v;
    return std::string();
  };
  auto a = sign("one");
  EXPECT_EQ(a.rfind("AWS4-HMAC-SHA256 Credential=AKID/20231114/us-east-1/bedrock/aws4_request", 0),
            0u);
  EXPECT_EQ(a, sign("one"));
  EXPECT_NE(a, sign("two"));
}

TEST(BedrockTranslator, CorruptFrameIsAnError) {
  auto t = make_bedrock_translator();
  Target target;
  target.model = "m";
  target.credentials.api_key = "k";
  ASSERT_TRUE(
      t->encode(json::object{{"model", "m"}, {"messages", json::array{}}}, target, fixed_now())
          .ok());
  EventStreamMessage m;
  m.headers = {{":event-type", event_string("messageStart")}};
  m.payload = "{}";
  auto bytes = encode_event_stream_message(m);
  bytes[bytes.size() - 5] ^= 0x40;
  std::vector<json::object> out;
  EXPECT_FALSE(t->decode_stream(bytes, out).ok());
  EXPECT_TRUE(out.empty());
}

}  // namespace
}  // namespace routeiq::providers
