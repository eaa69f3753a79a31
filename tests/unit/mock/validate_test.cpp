#include "core/validate.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace mock {
namespace {

namespace json = boost::json;

json::object parse_object(std::string_view text) {
  return json::parse(text).as_object();
}

std::optional<ApiError> chat_error(std::string_view body, ChatRequest* out = nullptr) {
  ChatRequest request;
  auto error = check_chat(parse_object(body), true, request);
  if (out) *out = request;
  return error;
}

constexpr std::string_view kValid =
    R"({"model":"gpt-4o","messages":[{"role":"system","content":"be brief"},)"
    R"({"role":"user","content":[{"type":"text","text":"hello"},{"type":"image_url",)"
    R"("image_url":{"url":"data:x"}}]}],"temperature":0.5,"stream":true,)"
    R"("stream_options":{"include_usage":true},"n":2})";

TEST(CheckChat, AcceptsValidRequestAndReadsItsFields) {
  ChatRequest request;
  ASSERT_FALSE(chat_error(kValid, &request));
  EXPECT_EQ(request.model, "gpt-4o");
  EXPECT_TRUE(request.stream);
  EXPECT_TRUE(request.include_usage);
  EXPECT_EQ(request.n, 2);
  EXPECT_EQ(request.prompt_chars, std::string("be brief").size() + std::string("hello").size());
}

TEST(CheckChat, RejectsUnknownParametersWithOpenAIMessage) {
  auto one = chat_error(R"({"model":"m","messages":[{"role":"user","content":"x"}],"foo":1})");
  ASSERT_TRUE(one);
  EXPECT_EQ(one->status, 400);
  EXPECT_EQ(one->message, "Unrecognized request argument supplied: foo");
  EXPECT_FALSE(one->param);
  EXPECT_FALSE(one->code);

  auto two = chat_error(R"({"model":"m","messages":[],"foo":1,"bar":2})");
  ASSERT_TRUE(two);
  EXPECT_EQ(two->message, "Unrecognized request arguments supplied: foo, bar");
}

TEST(CheckChat, RequiresModelAndMessages) {
  auto no_model = chat_error(R"({"messages":[{"role":"user","content":"x"}]})");
  ASSERT_TRUE(no_model);
  EXPECT_EQ(no_model->message, "you must provide a model parameter");

  auto no_messages = chat_error(R"({"model":"m"})");
  ASSERT_TRUE(no_messages);
  EXPECT_EQ(no_messages->param, "messages");
  EXPECT_EQ(no_messages->code, "missing_required_parameter");

  auto not_array = chat_error(R"({"model":"m","messages":"hi"})");
  ASSERT_TRUE(not_array);
  EXPECT_EQ(not_array->message,
            "Invalid type for 'messages': expected an array, but got a string instead.");

  auto empty = chat_error(R"({"model":"m","messages":[]})");
  ASSERT_TRUE(empty);
  EXPECT_EQ(empty->code, "empty_array");
}

TEST(CheckChat, AzureRoutesMayOmitTheModel) {
  ChatRequest request;
  auto body = parse_object(R"({"messages":[{"role":"user","content":"x"}]})");
  EXPECT_FALSE(check_chat(body, false, request));
  EXPECT_TRUE(request.model.empty());
}

TEST(CheckChat, ChecksEachMessage) {
  auto bad_role = chat_error(R"({"model":"m","messages":[{"role":"user","content":"a"},)"
                             R"({"role":"robot","content":"b"}]})");
  ASSERT_TRUE(bad_role);
  EXPECT_EQ(bad_role->param, "messages[1].role");
  EXPECT_EQ(bad_role->code, "invalid_value");

  auto no_role = chat_error(R"({"model":"m","messages":[{"content":"a"}]})");
  ASSERT_TRUE(no_role);
  EXPECT_EQ(no_role->param, "messages[0].role");

  auto object_content = chat_error(R"({"model":"m","messages":[{"role":"user","content":{}}]})");
  ASSERT_TRUE(object_content);
  EXPECT_EQ(object_content->param, "messages[0].content");
  EXPECT_EQ(object_content->code, "invalid_type");

  auto part_without_type =
      chat_error(R"({"model":"m","messages":[{"role":"user","content":[{"text":"a"}]}]})");
  ASSERT_TRUE(part_without_type);
  EXPECT_EQ(part_without_type->param, "messages[0].content[0].type");

  auto tool = chat_error(R"({"model":"m","messages":[{"role":"tool","content":"r"}]})");
  ASSERT_TRUE(tool);
  EXPECT_EQ(tool->param, "messages[0].tool_call_id");

  EXPECT_FALSE(chat_error(R"({"model":"m","messages":[{"role":"user","content":"q"},)"
                          R"({"role":"assistant","content":null,"tool_calls":[]},)"
                          R"({"role":"tool","tool_call_id":"c1","content":"r"}]})"));
}

TEST(CheckChat, ChecksParameterTypesAndRanges) {
  constexpr std::string_view kPrefix =
      R"({"model":"m","messages":[{"role":"user","content":"x"}],)";
  auto with = [&](std::string_view extra) { return chat_error(std::string(kPrefix) += extra); };

  auto hot = with(R"("temperature":2.5})");
  ASSERT_TRUE(hot);
  EXPECT_EQ(hot->code, "decimal_above_max_value");
  EXPECT_EQ(hot->message,
            "Invalid 'temperature': decimal above maximum value. Expected a value <= 2, but got "
            "2.5 instead.");

  auto text_temperature = with(R"("temperature":"warm"})");
  ASSERT_TRUE(text_temperature);
  EXPECT_EQ(text_temperature->message,
            "Invalid type for 'temperature': expected a decimal, but got a string instead.");

  auto fractional_n = with(R"("n":1.5})");
  ASSERT_TRUE(fractional_n);
  EXPECT_EQ(fractional_n->param, "n");

  auto zero_tokens = with(R"("max_tokens":0})");
  ASSERT_TRUE(zero_tokens);
  EXPECT_EQ(zero_tokens->code, "integer_below_min_value");

  auto options_alone = with(R"("stream_options":{"include_usage":true}})");
  ASSERT_TRUE(options_alone);
  EXPECT_EQ(options_alone->param, "stream_options");

  EXPECT_FALSE(with(R"("temperature":null,"max_tokens":10,"stop":["a"],"seed":7})"));
}

TEST(CheckCompletion, RequiresPrompt) {
  CompletionRequest request;
  auto missing = check_completion(parse_object(R"({"model":"m"})"), request);
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->param, "prompt");
  EXPECT_FALSE(check_completion(parse_object(R"({"model":"m","prompt":"abcdefgh"})"), request));
  EXPECT_EQ(request.prompt_chars, 8u);
}

TEST(CheckEmbedding, AcceptsEveryInputShape) {
  EmbeddingRequest text, list, tokens, token_lists;
  EXPECT_FALSE(check_embedding(parse_object(R"({"model":"e","input":"abcdefgh"})"), text));
  EXPECT_FALSE(check_embedding(parse_object(R"({"model":"e","input":["a","b","c"]})"), list));
  EXPECT_FALSE(check_embedding(parse_object(R"({"model":"e","input":[1,2,3]})"), tokens));
  EXPECT_FALSE(check_embedding(parse_object(R"({"model":"e","input":[[1,2],[3]]})"), token_lists));
  EXPECT_EQ(text.inputs.size(), 1u);
  EXPECT_EQ(text.prompt_tokens, 2u);
  EXPECT_EQ(list.inputs.size(), 3u);
  EXPECT_EQ(tokens.inputs.size(), 1u);
  EXPECT_EQ(tokens.prompt_tokens, 3u);
  EXPECT_EQ(token_lists.inputs.size(), 2u);
  EXPECT_NE(token_lists.inputs[0], token_lists.inputs[1]);
}

TEST(CheckEmbedding, RejectsBadInputAndFormat) {
  EmbeddingRequest request;
  EXPECT_TRUE(check_embedding(parse_object(R"({"model":"e","input":""})"), request));
  EXPECT_TRUE(check_embedding(parse_object(R"({"model":"e","input":[]})"), request));
  EXPECT_TRUE(check_embedding(parse_object(R"({"model":"e","input":[["a"]]})"), request));
  auto format = check_embedding(
      parse_object(R"({"model":"e","input":"a","encoding_format":"hex"})"), request);
  ASSERT_TRUE(format);
  EXPECT_EQ(format->param, "encoding_format");
  EmbeddingRequest b64;
  EXPECT_FALSE(check_embedding(
      parse_object(R"({"model":"e","input":"a","encoding_format":"base64","dimensions":3})"), b64));
  EXPECT_TRUE(b64.base64);
  EXPECT_EQ(b64.dimensions, 3);
}

TEST(ErrorBody, HasOpenAIShape) {
  ApiError e;
  e.message = "bad";
  e.param = "messages";
  auto body = json::parse(error_body(e));
  const auto& error = body.at("error");
  EXPECT_EQ(error.at("message"), "bad");
  EXPECT_EQ(error.at("type"), "invalid_request_error");
  EXPECT_EQ(error.at("param"), "messages");
  EXPECT_TRUE(error.at("code").is_null());
}

}  // namespace
}  // namespace mock
