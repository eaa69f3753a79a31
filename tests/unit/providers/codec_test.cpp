// Codecs: the choice per (endpoint, dialect, wire format), pass-through bytes
// relayed untouched with usage and completeness read on the way, at every
// split of a stream, and translated streams for every native format.
#include "routeiq/providers/codec.hpp"

#include <boost/json.hpp>

#include "golden.hpp"

namespace routeiq::providers {
namespace {

using namespace testing;

json::object parse(std::string_view text) {
  return json::parse(text).as_object();
}

// Feeds `bytes` cut at `cuts`; returns what the client would receive.
std::string feed(Codec& codec, std::string_view bytes, std::vector<size_t> cuts, Status* status) {
  std::string out;
  size_t from = 0;
  cuts.push_back(bytes.size());
  for (size_t cut : cuts) {
    auto st = codec.decode_stream(bytes.substr(from, cut - from), out);
    if (!st) {
      *status = st;
      return out;
    }
    from = cut;
  }
  return out;
}

TEST(MakeCodec, EveryFormatHasAnAnswer) {
  for (auto f : {WireFormat::openai, WireFormat::azure, WireFormat::anthropic, WireFormat::gemini,
                 WireFormat::vertex_ai, WireFormat::bedrock, WireFormat::cohere}) {
    for (auto d : {Dialect::openai, Dialect::anthropic})
      EXPECT_TRUE(make_codec(Endpoint::chat_completions, d, f, "g")) << int(f);
  }
  EXPECT_TRUE(make_codec(Endpoint::embeddings, Dialect::openai, WireFormat::openai, "g"));
  EXPECT_FALSE(make_codec(Endpoint::embeddings, Dialect::openai, WireFormat::gemini, "g"));
  EXPECT_FALSE(make_codec(Endpoint::chat_completions, Dialect::openai, WireFormat::router, "g"));
  EXPECT_TRUE(make_codec(Endpoint::chat_completions, Dialect::openai, WireFormat::openai, "g")
                  ->takes_client_body());
  EXPECT_TRUE(make_codec(Endpoint::chat_completions, Dialect::anthropic, WireFormat::anthropic, "g")
                  ->takes_client_body());
  EXPECT_FALSE(make_codec(Endpoint::chat_completions, Dialect::anthropic, WireFormat::openai, "g")
                   ->takes_client_body());
}

Target openai_target() {
  Target t;
  t.model = "gpt-4o";
  t.api_base = "http://127.0.0.1:9/v1";
  t.api_version = "2024-10-21";
  t.credentials.api_key = "sk-up";
  t.body_defaults = parse(R"({"temperature":0.3})");
  return t;
}

TEST(PassThroughEncode, LiteLLMKeysStayInTheGatewayAndDefaultsYield) {
  auto codec = make_codec(Endpoint::chat_completions, Dialect::openai, WireFormat::openai, "g");
  auto request = parse(
      R"({"model":"g","messages":[],"timeout":3,"metadata":{"a":1},"tags":["t"],"caching":true,)"
      R"("fallbacks":["x"],"api_key":"client","user":"u","top_k":3,"temperature":0.9})");
  auto r = codec->encode(request, openai_target(), fixed_now());
  ASSERT_TRUE(r);
  EXPECT_EQ(r->url, "http://127.0.0.1:9/v1/chat/completions");
  auto sent = parse(r->body);
  for (auto key : {"timeout", "metadata", "tags", "caching", "fallbacks", "api_key"})
    EXPECT_FALSE(sent.contains(key)) << key;
  EXPECT_EQ(sent.at("model"), "gpt-4o");
  EXPECT_EQ(sent.at("user"), "u");
  EXPECT_EQ(sent.at("top_k"), 3);
  EXPECT_EQ(sent.at("temperature"), 0.9) << "the client's value beats the deployment default";
}

TEST(PassThroughEncode, OneSerializationInTheMergedOrder) {
  auto codec = make_codec(Endpoint::chat_completions, Dialect::openai, WireFormat::openai, "g");
  auto t = openai_target();
  t.body_defaults = parse(R"({"temperature":1,"model":"ignored","top_p":1})");
  auto r =
      codec->encode(parse(R"({"messages":[{"role":"user","content":"\u00e9\n"}],"temperature":2,)"
                          R"("timeout":3,"model":"g","user":"u"})"),
                    t, fixed_now());
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, R"({"temperature":2,"model":"gpt-4o","top_p":1,)"
                     R"("messages":[{"role":"user","content":"é\n"}],"user":"u"})");
  t.body_defaults = {};
  r = codec->encode(parse(R"({"messages":[]})"), t, fixed_now());
  EXPECT_EQ(r->body, R"({"messages":[],"model":"gpt-4o"})") << "a model the client left out";
}

TEST(PassThroughEncode, AzureDeploymentIsOneEncodedSegment) {
  auto codec = make_codec(Endpoint::chat_completions, Dialect::openai, WireFormat::azure, "g");
  auto t = openai_target();
  t.api_base = "http://127.0.0.1:9";
  t.model = "my dep/../x?y=1";
  auto r = codec->encode(parse(R"({"model":"az","messages":[]})"), t, fixed_now());
  ASSERT_TRUE(r);
  EXPECT_EQ(r->url,
            "http://127.0.0.1:9/openai/deployments/my%20dep%2F..%2Fx%3Fy%3D1/chat/completions"
            "?api-version=2024-10-21");
  EXPECT_FALSE(parse(r->body).contains("model"));
  for (auto dots : {"..", ".", ""}) {
    t.model = dots;
    EXPECT_FALSE(codec->encode(parse(R"({"model":"az"})"), t, fixed_now())) << dots;
  }
}

TEST(OpenAIPassThrough, WholeBodyKeptAsItCameWithItsFacts) {
  auto codec = make_codec(Endpoint::chat_completions, Dialect::openai, WireFormat::openai, "g");
  std::string body =
      R"({"id":"c","model":"gpt-4o-2024-08-06","choices":[],"usage":{"prompt_tokens":12,)"
      R"("completion_tokens":5,"total_tokens":17,"prompt_tokens_details":{"cached_tokens":4}}})";
  auto out = codec->decode_body(body);
  ASSERT_TRUE(out);
  EXPECT_EQ(*out, body);
  EXPECT_EQ(codec->usage().prompt_tokens, 12);
  EXPECT_EQ(codec->usage().completion_tokens, 5);
  EXPECT_EQ(codec->usage().cached_tokens, 4);
  EXPECT_EQ(codec->answered_model(), "gpt-4o-2024-08-06");
  EXPECT_TRUE(codec->complete());
  auto bad = make_codec(Endpoint::chat_completions, Dialect::openai, WireFormat::openai, "g");
  EXPECT_FALSE(bad->decode_body("<html>maintenance</html>"));
  EXPECT_FALSE(bad->complete());
}

const std::string kOpenAIStream =
    "data: {\"id\":\"c\",\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,\"delta\":"
    "{\"role\":\"assistant\",\"content\":\"\"}}]}\n\n"
    "data: {\"id\":\"c\",\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,\"delta\":"
    "{\"content\":\"Hi \\\"usage\\\" there\"}}]}\r\n\r\n"
    "data: {\"id\":\"c\",\"model\":\"gpt-4o-mini\",\"choices\":[],\"usage\":{\"prompt_tokens\":"
    "9,\"completion_tokens\":3,\"total_tokens\":12}}\n\n"
    "data: [DONE]\n\n";

TEST(OpenAIPassThrough, StreamTappedAtEverySplit) {
  for (size_t cut = 0; cut <= kOpenAIStream.size(); ++cut) {
    auto codec = make_codec(Endpoint::chat_completions, Dialect::openai, WireFormat::openai, "g");
    Status st = ok_status();
    std::vector<size_t> cuts;
    if (cut > 0 && cut < kOpenAIStream.size()) cuts.push_back(cut);
    auto out = feed(*codec, kOpenAIStream, cuts, &st);
    ASSERT_TRUE(st) << cut;
    ASSERT_EQ(out, kOpenAIStream) << "relayed byte for byte, cut at " << cut;
    EXPECT_EQ(codec->usage().prompt_tokens, 9) << cut;
    EXPECT_EQ(codec->usage().completion_tokens, 3) << cut;
    EXPECT_EQ(codec->answered_model(), "gpt-4o-mini") << cut;
    EXPECT_TRUE(codec->complete()) << cut;
  }
}

TEST(OpenAIPassThrough, StreamWithoutDoneOrWithAnErrorIsNotComplete) {
  auto cut_short = make_codec(Endpoint::chat_completions, Dialect::openai, WireFormat::openai, "g");
  Status st = ok_status();
  feed(*cut_short, kOpenAIStream.substr(0, kOpenAIStream.find("data: [DONE]")), {}, &st);
  EXPECT_FALSE(cut_short->complete());
  auto errored = make_codec(Endpoint::chat_completions, Dialect::openai, WireFormat::openai, "g");
  feed(*errored, "data: {\"error\":{\"message\":\"overloaded\"}}\n\ndata: [DONE]\n\n", {}, &st);
  EXPECT_FALSE(errored->complete());
}

const std::string kAnthropicStream =
    "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"m\",\"model\":"
    "\"claude-sonnet-4-5\",\"usage\":{\"input_tokens\":20,\"cache_read_input_tokens\":5,"
    "\"output_tokens\":1}}}\n\n"
    "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":"
    "{\"type\":\"text_delta\",\"text\":\"Hi\"}}\n\n"
    "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":"
    "\"end_turn\"},\"usage\":{\"output_tokens\":7}}\n\n"
    "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n";

TEST(AnthropicPassThrough, StreamTappedAtEverySplit) {
  for (size_t cut = 0; cut <= kAnthropicStream.size(); ++cut) {
    auto codec =
        make_codec(Endpoint::chat_completions, Dialect::anthropic, WireFormat::anthropic, "g");
    Status st = ok_status();
    std::vector<size_t> cuts;
    if (cut > 0 && cut < kAnthropicStream.size()) cuts.push_back(cut);
    auto out = feed(*codec, kAnthropicStream, cuts, &st);
    ASSERT_TRUE(st);
    ASSERT_EQ(out, kAnthropicStream) << cut;
    EXPECT_EQ(codec->usage().prompt_tokens, 25) << "input + cache reads, cut at " << cut;
    EXPECT_EQ(codec->usage().cached_tokens, 5);
    EXPECT_EQ(codec->usage().completion_tokens, 7) << cut;
    EXPECT_EQ(codec->answered_model(), "claude-sonnet-4-5");
    EXPECT_TRUE(codec->complete()) << cut;
  }
  auto cut_short =
      make_codec(Endpoint::chat_completions, Dialect::anthropic, WireFormat::anthropic, "g");
  Status st = ok_status();
  feed(*cut_short, kAnthropicStream.substr(0, kAnthropicStream.find("event: message_stop")), {},
       &st);
  EXPECT_FALSE(cut_short->complete());
}

TEST(AnthropicPassThrough, EncodeKeepsTheClientsBodyAndHeaders) {
  auto codec =
      make_codec(Endpoint::chat_completions, Dialect::anthropic, WireFormat::anthropic, "g");
  Target t;
  t.model = "claude-sonnet-4-5";
  t.api_base = "http://127.0.0.1:9";
  t.credentials.api_key = "sk-ant";
  t.client_headers = {{"anthropic-beta", "x"}};
  auto r = codec->encode(parse(R"({"model":"g","max_tokens":5,"messages":[],"timeout":3})"), t,
                         fixed_now());
  ASSERT_TRUE(r);
  EXPECT_EQ(r->url, "http://127.0.0.1:9/v1/messages");
  auto body = parse(r->body);
  EXPECT_EQ(body.at("model"), "claude-sonnet-4-5");
  EXPECT_FALSE(body.contains("timeout"));
  bool version = false, beta = false;
  for (const auto& [k, v] : r->headers) {
    version = version || (k == "anthropic-version" && v == "2023-06-01");
    beta = beta || (k == "anthropic-beta" && v == "x");
  }
  EXPECT_TRUE(version && beta);
}

// Every native stream fixture through the codec an OpenAI client gets: the
// client's stream ends with [DONE], usage is the fixture's, completeness is
// the translator's.
void translated_streams(std::string_view format, WireFormat wire, TranscriptFn transcript) {
  for (const auto& path : fixtures(format, ".stream.json")) {
    SCOPED_TRACE(path.filename().string());
    auto doc = read_json(path);
    std::string bytes = transcript(path, doc);
    for (size_t step : {bytes.size(), size_t{1}, size_t{7}}) {
      auto codec = make_codec(Endpoint::chat_completions, Dialect::openai, wire, "g");
      Target target = doc.contains("target") ? target_from(doc.at("target").as_object()) : Target{};
      if (target.model.empty()) target.model = "m";
      if (target.credentials.api_key.empty()) target.credentials.api_key = "k";  // Bedrock signs
      if (wire == WireFormat::vertex_ai && !target.extra_params.contains("vertex_project"))
        target.extra_params["vertex_project"] = "p";
      auto encoded = codec->encode(doc.at("openai_request").as_object(), target, fixed_now());
      ASSERT_TRUE(encoded) << format << ": " << (encoded ? "" : encoded.error().message);
      std::vector<size_t> cuts;
      for (size_t c = step; c < bytes.size(); c += step) cuts.push_back(c);
      Status st = ok_status();
      auto out = feed(*codec, bytes, cuts, &st);
      bool expect_error = doc.contains("expect_error");
      EXPECT_EQ(!st.ok(), expect_error) << "step " << step;
      bool finished = true;
      if (auto* f = doc.if_contains("expect_finished")) finished = f->as_bool();
      EXPECT_EQ(codec->complete(), finished) << "step " << step;
      if (auto* u = doc.if_contains("expect_usage"))
        expect_usage_matches(codec->usage(), u->as_object());
      EXPECT_NE(out.find("data: {"), std::string::npos) << "chunks reach the client";
      if (!expect_error) {
        std::string tail;
        codec->finish_stream(tail);
        EXPECT_EQ(tail, "data: [DONE]\n\n");
      }
    }
  }
}

TEST(TranslatedCodec, NativeStreamsForEveryFormat) {
  translated_streams("anthropic", WireFormat::anthropic, &sse_transcript);
  translated_streams("gemini", WireFormat::gemini, &sse_transcript);
  translated_streams("vertex_ai", WireFormat::vertex_ai, &sse_transcript);
  translated_streams("cohere", WireFormat::cohere, &sse_transcript);
  translated_streams("bedrock", WireFormat::bedrock, &event_stream_transcript);
}

TEST(TranslatedCodec, OpenAIUpstreamForAnAnthropicClient) {
  auto codec = make_codec(Endpoint::chat_completions, Dialect::anthropic, WireFormat::openai, "g");
  Status st = ok_status();
  auto out = feed(*codec, kOpenAIStream, {}, &st);
  ASSERT_TRUE(st);
  EXPECT_NE(out.find("event: message_start"), std::string::npos);
  EXPECT_TRUE(codec->complete());
  EXPECT_EQ(codec->usage().completion_tokens, 3);
  std::string tail;
  codec->finish_stream(tail);
  EXPECT_NE(tail.find("message_stop"), std::string::npos);
}

}  // namespace
}  // namespace routeiq::providers
