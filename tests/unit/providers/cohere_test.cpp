#include "routeiq/providers/cohere.hpp"

#include "golden.hpp"

namespace routeiq::providers {
namespace {

using namespace testing;

TEST(CohereTranslator, RequestFixtures) {
  run_request_fixtures("cohere");
}
TEST(CohereTranslator, ResponseFixtures) {
  run_response_fixtures("cohere");
}
TEST(CohereTranslator, ErrorFixtures) {
  run_error_fixtures("cohere");
}
TEST(CohereTranslator, StreamFixturesAtEverySplit) {
  run_stream_fixtures("cohere");
}

TEST(Translators, FactoryCoversEveryFormat) {
  for (auto format : {"anthropic", "gemini", "vertex_ai", "bedrock", "cohere"})
    EXPECT_NE(make_chat_translator(format), nullptr) << format;
  EXPECT_EQ(make_chat_translator("openai"), nullptr);
}

}  // namespace
}  // namespace routeiq::providers

namespace routeiq::providers {
namespace {

// Found by fuzz_translator_cohere: token counts far outside int64 range.
TEST(CohereTranslator, HugeTokenCountsAreNotUndefinedBehaviour) {
  auto t = make_cohere_translator();
  Target target;
  target.model = "c";
  ASSERT_TRUE(t->encode(json::object{{"model", "c"}, {"messages", json::array{}}}, target,
                        testing::fixed_now())
                  .ok());
  auto r = t->decode(
      R"({"id":"x","finish_reason":"COMPLETE","message":{"content":[]},)"
      R"("usage":{"tokens":{"input_tokens":8.9e62,"output_tokens":18446744073709551615}}})");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(t->usage().prompt_tokens, 0);
  EXPECT_EQ(t->usage().completion_tokens, 0);
}

}  // namespace
}  // namespace routeiq::providers
