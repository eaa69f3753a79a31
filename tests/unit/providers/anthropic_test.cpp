#include "routeiq/providers/anthropic.hpp"

#include "golden.hpp"

namespace routeiq::providers {
namespace {

using namespace testing;

TEST(AnthropicTranslator, RequestFixtures) {
  run_request_fixtures("anthropic");
}
TEST(AnthropicTranslator, ResponseFixtures) {
  run_response_fixtures("anthropic");
}
TEST(AnthropicTranslator, ErrorFixtures) {
  run_error_fixtures("anthropic");
}
TEST(AnthropicTranslator, StreamFixturesAtEverySplit) {
  run_stream_fixtures("anthropic");
}

TEST(AnthropicTranslator, FactoryKnowsTheFormat) {
  EXPECT_NE(make_chat_translator("anthropic"), nullptr);
  EXPECT_EQ(make_chat_translator("no-such-format"), nullptr);
}

TEST(AnthropicTranslator, ReasoningBudgetRaisesDefaultMaxTokens) {
  auto t = make_anthropic_translator();
  json::object req{{"model", "m"},
                   {"messages", json::array{json::object{{"role", "user"}, {"content", "x"}}}},
                   {"reasoning_effort", "high"}};
  Target target;
  target.model = "claude";
  auto r = t->encode(req, target, fixed_now());
  ASSERT_TRUE(r.ok());
  auto body = json::parse(r->body).as_object();
  EXPECT_EQ(body.at("thinking").at("budget_tokens"), 4096);
  EXPECT_GT(body.at("max_tokens").as_int64(), 4096);
}

TEST(AnthropicTranslator, BadImageUrlIsInvalidRequest) {
  auto t = make_anthropic_translator();
  json::object part{{"type", "image_url"}, {"image_url", json::object{{"url", "ftp://x"}}}};
  json::object req{
      {"model", "m"},
      {"messages", json::array{json::object{{"role", "user"}, {"content", json::array{part}}}}}};
  auto r = t->encode(req, Target{}, fixed_now());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::invalid_request);
}

TEST(AnthropicTranslator, MalformedBodyIsUpstreamError) {
  auto t = make_anthropic_translator();
  auto r = t->decode("{not json");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::upstream_error);
  std::vector<json::object> out;
  EXPECT_FALSE(t->decode_stream("data: {bad\n\n", out).ok());
}

}  // namespace
}  // namespace routeiq::providers
