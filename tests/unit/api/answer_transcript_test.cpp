// The answer kept for a spend-log row when store_prompts_in_spend_logs is on.
#include "routeiq/api/answer_transcript.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace routeiq::api {
namespace {
namespace json = boost::json;
using providers::Dialect;
using providers::Endpoint;

json::object parsed(const std::string& text) {
  return json::parse(text).as_object();
}

TEST(AnswerTranscript, AWholeAnswerIsKeptAsSent) {
  AnswerTranscript t(Dialect::openai, Endpoint::chat_completions);
  t.whole(R"({"id":"c1","choices":[{"message":{"content":"hi"}}]})");
  auto r = parsed(t.response());
  EXPECT_EQ(r.at("id").as_string(), "c1");
  EXPECT_EQ(r.at("choices").as_array()[0].at("message").at("content").as_string(), "hi");
}

TEST(AnswerTranscript, NothingSentIsEmpty) {
  AnswerTranscript t(Dialect::openai, Endpoint::chat_completions);
  EXPECT_EQ(t.response(), "");
}

TEST(AnswerTranscript, AnOpenAIStreamSplitAnywhereIsAssembled) {
  std::string sse =
      "data: {\"id\":\"s1\",\"model\":\"gpt-4o\",\"choices\":[{\"delta\":{\"role\":\"assistant\","
      "\"content\":\"Hel\"}}]}\n\n"
      "data: {\"id\":\"s1\",\"choices\":[{\"delta\":{\"content\":\"lo \\u00e9\"},"
      "\"finish_reason\":\"stop\"}]}\r\n\r\n"
      "data: {\"id\":\"s1\",\"choices\":[],\"usage\":{\"prompt_tokens\":3,"
      "\"completion_tokens\":2}}\n\ndata: [DONE]\n\n";
  AnswerTranscript t(Dialect::openai, Endpoint::chat_completions);
  for (size_t i = 0; i < sse.size(); i += 7) t.chunk(std::string_view(sse).substr(i, 7));
  auto r = parsed(t.response());
  EXPECT_EQ(r.at("object").as_string(), "chat.completion");
  EXPECT_EQ(r.at("id").as_string(), "s1");
  EXPECT_EQ(r.at("model").as_string(), "gpt-4o");
  const auto& choice = r.at("choices").as_array()[0];
  EXPECT_EQ(choice.at("message").at("content").as_string(), "Hello \xc3\xa9");
  EXPECT_EQ(choice.at("finish_reason").as_string(), "stop");
  EXPECT_EQ(r.at("usage").at("completion_tokens").as_int64(), 2);
}

TEST(AnswerTranscript, ATextCompletionStreamKeepsText) {
  AnswerTranscript t(Dialect::openai, Endpoint::completions);
  t.chunk("data: {\"id\":\"t\",\"choices\":[{\"text\":\"a\"}]}\n\n");
  t.chunk("data: {\"id\":\"t\",\"choices\":[{\"text\":\"b\",\"finish_reason\":\"length\"}]}\n\n");
  auto r = parsed(t.response());
  EXPECT_EQ(r.at("object").as_string(), "text_completion");
  EXPECT_EQ(r.at("choices").as_array()[0].at("text").as_string(), "ab");
}

TEST(AnswerTranscript, AnAnthropicStreamIsAssembledIntoAMessage) {
  AnswerTranscript t(Dialect::anthropic, Endpoint::chat_completions);
  t.chunk(
      "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\","
      "\"model\":\"claude\",\"usage\":{\"input_tokens\":5,\"output_tokens\":1}}}\n\n"
      "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,"
      "\"delta\":{\"type\":\"text_delta\",\"text\":\"Hi\"}}\n\n"
      "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":"
      "\"end_turn\"},\"usage\":{\"output_tokens\":4}}\n\n");
  auto r = parsed(t.response());
  EXPECT_EQ(r.at("type").as_string(), "message");
  EXPECT_EQ(r.at("id").as_string(), "msg_1");
  EXPECT_EQ(r.at("content").as_array()[0].at("text").as_string(), "Hi");
  EXPECT_EQ(r.at("stop_reason").as_string(), "end_turn");
  EXPECT_EQ(r.at("usage").at("input_tokens").as_int64(), 5);
  EXPECT_EQ(r.at("usage").at("output_tokens").as_int64(), 4);
}

TEST(AnswerTranscript, BrokenEventsAreSkipped) {
  AnswerTranscript t(Dialect::openai, Endpoint::chat_completions);
  t.chunk("data: {not json\n\ndata: {\"choices\":[{\"delta\":{\"content\":\"ok\"}}]}\n\n");
  EXPECT_EQ(parsed(t.response()).at("choices").as_array()[0].at("message").at("content"), "ok");
}

TEST(BoundedJson, LongStringsAreCutAndMarked) {
  std::string big(20000, 'x');
  auto text = bounded_json(json::value(json::array{json::value(big), json::value("short")}));
  auto a = json::parse(text).as_array();
  const auto& cut = a[0].as_string();
  EXPECT_EQ(std::string_view(cut).substr(0, 8192), std::string(8192, 'x'));
  EXPECT_NE(std::string_view(cut).find("11808 characters not kept"), std::string_view::npos);
  EXPECT_EQ(a[1].as_string(), "short");
}

TEST(BoundedJson, AFieldOverOneMiBBecomesANote) {
  json::array many;
  for (int i = 0; i < 300000; ++i) many.emplace_back(0.123456);
  auto v = json::parse(bounded_json(many)).as_object();
  EXPECT_EQ(v.at("not_kept").as_string(), "over 1 MiB");
  EXPECT_GT(v.at("bytes").as_int64(), 1024 * 1024);
}

TEST(RequestMessages, ChatPromptOrInput) {
  EXPECT_EQ(request_messages(parsed(R"({"messages":[{"role":"user","content":"q"}]})")),
            R"([{"role":"user","content":"q"}])");
  EXPECT_EQ(request_messages(parsed(R"({"prompt":"p"})")), R"("p")");
  EXPECT_EQ(request_messages(parsed(R"({"input":["a","b"]})")), R"(["a","b"])");
  EXPECT_EQ(request_messages(parsed(R"({"model":"m"})")), "[]");
}

}  // namespace
}  // namespace routeiq::api
