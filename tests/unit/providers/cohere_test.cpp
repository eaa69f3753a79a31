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
