#include "routeiq/providers/anthropic_frontend.hpp"

#include "golden.hpp"
#include "routeiq/providers/anthropic.hpp"
#include "routeiq/providers/sse.hpp"

namespace routeiq::providers {
namespace {

using namespace testing;

fs::path frontend_file(std::string_view name) {
  return data_dir("anthropic") / "frontend" / name;
}

TEST(AnthropicFrontend, RequestToOpenAI) {
  auto doc = read_json(frontend_file("request.json"));
  auto r = anthropic_request_to_openai(doc.at("anthropic").as_object());
  ASSERT_TRUE(r.ok()) << r.error().message;
  auto diff = mismatch(doc.at("expect"), *r);
  EXPECT_TRUE(diff.empty()) << diff << "\n" << json::serialize(*r);
}

TEST(AnthropicFrontend, RequestErrors) {
  EXPECT_FALSE(anthropic_request_to_openai(json::object{{"model", "m"}}).ok());
  auto bad_role =
      json::object{{"model", "m"},
                   {"messages", json::array{json::object{{"role", "system"}, {"content", "x"}}}}};
  auto r = anthropic_request_to_openai(bad_role);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::invalid_request);
}

TEST(AnthropicFrontend, ResponseFromOpenAI) {
  auto doc = read_json(frontend_file("response.json"));
  auto r = openai_response_to_anthropic(doc.at("openai").as_object());
  auto diff = mismatch(doc.at("expect"), r);
  EXPECT_TRUE(diff.empty()) << diff << "\n" << json::serialize(r);
}

std::string encode_stream(const json::object& doc) {
  AnthropicStreamEncoder encoder(std::string(doc.at("model").as_string()));
  std::string sse;
  for (const auto& c : doc.at("chunks").as_array()) encoder.on_chunk(c.as_object(), sse);
  encoder.finish(sse);
  encoder.finish(sse);  // idempotent
  return sse;
}

TEST(AnthropicFrontend, StreamEventSequence) {
  auto doc = read_json(frontend_file("stream.json"));
  std::string sse = encode_stream(doc);
  SseParser parser;
  std::vector<SseEvent> events;
  ASSERT_TRUE(parser.feed(sse, events).ok());
  const auto& expected = doc.at("expect_events").as_array();
  ASSERT_EQ(events.size(), expected.size()) << sse;
  for (size_t i = 0; i < events.size(); ++i) {
    const auto& exp = expected[i].as_array();
    EXPECT_EQ(events[i].type, exp[0].as_string()) << i;
    auto diff = mismatch(exp[1], json::parse(events[i].data));
    EXPECT_TRUE(diff.empty()) << i << ": " << diff << "\n" << events[i].data;
  }
}

// What the frontend emits must be readable by our own Anthropic client side,
// giving back what the OpenAI chunks said.
TEST(AnthropicFrontend, StreamRoundTripsThroughTheTranslator) {
  auto doc = read_json(frontend_file("stream.json"));
  std::vector<json::object> original;
  for (const auto& c : doc.at("chunks").as_array()) original.push_back(c.as_object());
  auto translator = make_anthropic_translator();
  Target target;
  target.model = "m";
  ASSERT_TRUE(translator
                  ->encode(json::object{{"model", "m"},
                                        {"messages", json::array{}},
                                        {"stream", true},
                                        {"stream_options", json::object{{"include_usage", true}}}},
                           target, fixed_now())
                  .ok());
  std::vector<json::object> decoded;
  ASSERT_TRUE(translator->decode_stream(encode_stream(doc), decoded).ok());
  EXPECT_TRUE(translator->stream_finished());
  for (auto& c : original) c["created"] = kNowSeconds;  // accumulate() checks the envelope
  auto round_trip = accumulate(decoded);
  auto direct = accumulate(original);
  for (auto key : {"content", "tool_calls", "finish_reason"})
    EXPECT_EQ(round_trip.at(key), direct.at(key)) << key;
  EXPECT_EQ(translator->usage().prompt_tokens, 11);
  EXPECT_EQ(translator->usage().completion_tokens, 7);
}

TEST(AnthropicFrontend, FailEmitsErrorEvent) {
  AnthropicStreamEncoder encoder("m");
  std::string sse;
  encoder.on_chunk(
      json::object{
          {"id", "x"},
          {"choices", json::array{json::object{{"delta", json::object{{"content", "a"}}}}}}},
      sse);
  encoder.fail(make_error(ErrorKind::rate_limited, "slow down"), sse);
  encoder.finish(sse);  // nothing after an error
  SseParser parser;
  std::vector<SseEvent> events;
  ASSERT_TRUE(parser.feed(sse, events).ok());
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.back().type, "error");
  auto data = json::parse(events.back().data).as_object();
  EXPECT_EQ(data.at("error").at("type"), "rate_limit_error");
  for (const auto& e : events) EXPECT_NE(e.type, "message_stop");
}

}  // namespace
}  // namespace routeiq::providers

namespace routeiq::providers {
namespace {

// Found by fuzz_anthropic_frontend: a choice that is not an object.
TEST(AnthropicFrontend, MalformedChoicesAreIgnored) {
  auto resp = json::parse(R"({"choices":[0]})").as_object();
  auto out = openai_response_to_anthropic(resp);
  EXPECT_TRUE(out.at("content").as_array().empty());
  AnthropicStreamEncoder encoder("m");
  std::string sse;
  encoder.on_chunk(resp, sse);
  encoder.finish(sse);
  EXPECT_NE(sse.find("message_stop"), std::string::npos);
}

}  // namespace
}  // namespace routeiq::providers
