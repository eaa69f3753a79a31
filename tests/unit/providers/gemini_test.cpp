#include "routeiq/providers/gemini.hpp"

#include "golden.hpp"

namespace routeiq::providers {
namespace {

using namespace testing;

TEST(GeminiTranslator, RequestFixtures) {
  run_request_fixtures("gemini");
}
TEST(GeminiTranslator, ResponseFixtures) {
  run_response_fixtures("gemini");
}
TEST(GeminiTranslator, ErrorFixtures) {
  run_error_fixtures("gemini");
}
TEST(GeminiTranslator, StreamFixturesAtEverySplit) {
  run_stream_fixtures("gemini");
}

TEST(VertexAiTranslator, RequestFixtures) {
  run_request_fixtures("vertex_ai");
}
TEST(VertexAiTranslator, ResponseFixtures) {
  run_response_fixtures("vertex_ai");
}
TEST(VertexAiTranslator, ErrorFixtures) {
  run_error_fixtures("vertex_ai");
}
TEST(VertexAiTranslator, StreamFixturesAtEverySplit) {
  run_stream_fixtures("vertex_ai");
}

TEST(GeminiTranslator, GeneratedToolCallIdsAreDistinct) {
  auto t = make_gemini_translator();
  Target target;
  target.model = "g";
  ASSERT_TRUE(
      t->encode(json::object{{"model", "g"}, {"messages", json::array{}}}, target, fixed_now())
          .ok());
  auto r =
      t->decode(R"({"candidates":[{"content":{"parts":[{"functionCall":{"name":"a","args":{}}},)"
                R"({"functionCall":{"name":"b","args":{}}}]},"finishReason":"STOP"}]})");
  ASSERT_TRUE(r.ok());
  const auto& calls = r->at("choices").at(0).at("message").at("tool_calls").as_array();
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_NE(calls[0].at("id"), calls[1].at("id"));
  EXPECT_EQ(std::string(calls[0].at("id").as_string()).rfind("call_", 0), 0u);
}

}  // namespace
}  // namespace routeiq::providers
