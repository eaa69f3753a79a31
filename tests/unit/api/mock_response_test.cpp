// mock_response and LiteLLM's other mock keys: what a mocked provider answers.
#include "routeiq/api/mock_response.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cmath>
#include <cstring>

#include "routeiq/providers/crypto.hpp"

namespace routeiq::api {
namespace {
namespace json = boost::json;

json::object obj(std::string_view text) {
  return json::parse(text).as_object();
}

MockSpec spec_of(std::string_view request, std::string_view params = "{}") {
  auto spec = read_mock_spec(obj(request), obj(params));
  EXPECT_TRUE(spec) << (spec ? "" : spec.error().message);
  return spec ? spec.value() : MockSpec{};
}

MockCall call_for(Endpoint e, const json::object& request, bool stream = false) {
  MockCall c;
  c.endpoint = e;
  c.request = &request;
  c.model = json::value_to<std::string>(request.at("model"));
  c.stream = stream;
  c.id = "abc";
  c.created = 1700000000;
  return c;
}

std::string content_of(const std::vector<json::object>& chunks, int64_t index = 0) {
  std::string text;
  for (const auto& c : chunks)
    for (const auto& choice : c.at("choices").as_array())
      if (choice.at("index").as_int64() == index)
        if (const auto* d = choice.as_object().if_contains("delta"))
          if (const auto* t = d->as_object().if_contains("content"))
            text += json::value_to<std::string>(*t);
  return text;
}

TEST(MockSpec, TheRequestOverridesTheDeploymentKeyByKey) {
  auto s = spec_of(R"({"mock_response": "from request", "mock_delay": null})",
                   R"({"mock_response": "from config", "mock_delay": 2, "mock_timeout": false})");
  ASSERT_TRUE(s.response);
  EXPECT_EQ(s.response->as_string(), "from request");
  EXPECT_DOUBLE_EQ(s.delay_seconds, 2);  // null in the request: the deployment's value
  EXPECT_FALSE(s.timeout);
  EXPECT_TRUE(s.active(true));

  auto from_config = spec_of(R"({"model": "m"})", R"({"mock_response": "from config"})");
  EXPECT_EQ(from_config.response->as_string(), "from config");
  EXPECT_FALSE(spec_of("{}", "{}").active(true));
}

TEST(MockSpec, TimeoutAloneMocksAndTestingFallbacksOnlyTheFirstGroup) {
  EXPECT_TRUE(spec_of(R"({"mock_timeout": true})").active(false));
  auto fallbacks = spec_of(R"({"mock_testing_fallbacks": true})");
  EXPECT_TRUE(fallbacks.active(true));
  EXPECT_FALSE(fallbacks.active(false));
  // A deployment cannot ask for mock_testing_fallbacks: it is a request key.
  EXPECT_FALSE(spec_of("{}", R"({"mock_testing_fallbacks": true})").active(true));
}

TEST(MockSpec, WrongTypesAreBadRequestsNamingTheKey) {
  for (auto [request, key] : std::initializer_list<std::pair<std::string_view, std::string_view>>{
           {R"({"mock_response": 5})", "mock_response"},
           {R"({"mock_response": true})", "mock_response"},
           {R"({"mock_response": []})", "mock_response"},
           {R"({"mock_response": ["a"]})", "mock_response"},
           {R"({"mock_response": {"message": "no status"}})", "mock_response"},
           {R"({"mock_response": {"status": 200}})", "mock_response"},
           {R"({"mock_response": {"status": 429.5}})", "mock_response"},
           {R"({"mock_response": {"status": 429, "message": 7}})", "mock_response"},
           {R"({"mock_timeout": "soon"})", "mock_timeout"},
           {R"({"mock_delay": -1})", "mock_delay"},
           {R"({"mock_delay": "2"})", "mock_delay"},
           {R"({"mock_delay": 1e9})", "mock_delay"},
           {R"({"mock_testing_fallbacks": 1})", "mock_testing_fallbacks"}}) {
    auto s = read_mock_spec(obj(request), {});
    ASSERT_FALSE(s) << request;
    EXPECT_EQ(s.error().status(), 400) << request;
    EXPECT_EQ(s.error().param, key) << request;
    EXPECT_NE(s.error().message.find(key), std::string::npos) << s.error().message;
  }
}

TEST(MockAnswer, ChatCompletionWithTheTextModelAndEstimatedUsage) {
  auto req = obj(R"({"model": "demo", "messages": [
      {"role": "system", "content": "Be brief, please."},
      {"role": "user", "content": [{"type": "text", "text": "What is the capital of France?"}]}]})");
  std::string text = "Paris is the capital of France.";
  auto a = mock_answer(spec_of(R"({"mock_response": ")" + text + "\"}"),
                       call_for(Endpoint::chat_completions, req));
  ASSERT_FALSE(a.failure);
  ASSERT_FALSE(a.stream);
  const auto& r = a.response;
  EXPECT_EQ(r.at("object"), "chat.completion");
  EXPECT_EQ(r.at("id"), "chatcmpl-abc");
  EXPECT_EQ(r.at("model"), "demo");
  EXPECT_EQ(r.at("created").as_int64(), 1700000000);
  const auto& choice = r.at("choices").at(0).as_object();
  EXPECT_EQ(choice.at("message").at("content"), text.c_str());
  EXPECT_EQ(choice.at("message").at("role"), "assistant");
  EXPECT_EQ(choice.at("finish_reason"), "stop");
  // About four characters a token: 17 + 30 characters of prompt, 31 of answer.
  const auto& u = r.at("usage").as_object();
  EXPECT_EQ(u.at("prompt_tokens").as_int64(), (17 + 30 + 3) / 4);
  EXPECT_EQ(u.at("completion_tokens").as_int64(), (int64_t(text.size()) + 3) / 4);
  EXPECT_EQ(u.at("total_tokens").as_int64(),
            u.at("prompt_tokens").as_int64() + u.at("completion_tokens").as_int64());
}

TEST(MockAnswer, NChoicesEachCarryTheText) {
  auto req = obj(R"({"model": "demo", "n": 3, "messages": [{"role": "user", "content": "hi"}]})");
  auto a = mock_answer(spec_of(R"({"mock_response": "same"})"),
                       call_for(Endpoint::chat_completions, req));
  const auto& choices = a.response.at("choices").as_array();
  ASSERT_EQ(choices.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(choices[i].at("index").as_int64(), int64_t(i));
    EXPECT_EQ(choices[i].at("message").at("content"), "same");
  }
  EXPECT_EQ(a.response.at("usage").at("completion_tokens").as_int64(), 3);
}

TEST(MockAnswer, StreamSplitsTheTextIntoChunksThatAddUpToIt) {
  auto req = obj(R"({"model": "demo", "stream": true, "stream_options": {"include_usage": true},
                     "messages": [{"role": "user", "content": "hi"}]})");
  std::string text = "Grüße aus RouteIQ — 東京 too";
  auto spec = spec_of(json::serialize(json::object{{"mock_response", text}}));
  auto a = mock_answer(spec, call_for(Endpoint::chat_completions, req, true));
  ASSERT_TRUE(a.stream);
  ASSERT_GE(a.chunks.size(), 4u);
  EXPECT_EQ(content_of(a.chunks), text);
  const auto& first = a.chunks.front().at("choices").at(0);
  EXPECT_EQ(first.at("delta").at("role"), "assistant");
  for (const auto& c : a.chunks) {
    EXPECT_EQ(c.at("object"), "chat.completion.chunk");
    EXPECT_EQ(c.at("id"), "chatcmpl-abc");
    EXPECT_EQ(c.at("model"), "demo");
  }
  // Every piece is valid UTF-8 on its own: serializing and parsing keeps it.
  for (const auto& c : a.chunks) EXPECT_EQ(json::parse(json::serialize(c)).as_object(), c);
  const auto& finish = a.chunks[a.chunks.size() - 2].at("choices").at(0);
  EXPECT_EQ(finish.at("finish_reason"), "stop");
  const auto& last = a.chunks.back();
  EXPECT_TRUE(last.at("choices").as_array().empty());
  EXPECT_EQ(last.at("usage").at("completion_tokens").as_int64(), (int64_t(text.size()) + 3) / 4);

  // Without include_usage no usage chunk: the last one finishes the choice.
  auto plain = obj(R"({"model": "demo", "stream": true, "messages": []})");
  auto b = mock_answer(spec, call_for(Endpoint::chat_completions, plain, true));
  EXPECT_EQ(b.chunks.back().at("choices").at(0).at("finish_reason"), "stop");
  for (const auto& c : b.chunks) EXPECT_FALSE(c.contains("usage"));
}

TEST(MockAnswer, SplitForStreamNeverCutsACharacter) {
  EXPECT_EQ(split_for_stream("abcdefghij", 4), (std::vector<std::string>{"abcd", "efgh", "ij"}));
  EXPECT_EQ(split_for_stream("äöüßé", 2), (std::vector<std::string>{"äö", "üß", "é"}));
  EXPECT_EQ(split_for_stream("a😀b", 1), (std::vector<std::string>{"a", "😀", "b"}));
  EXPECT_TRUE(split_for_stream("", 4).empty());
}

TEST(MockAnswer, ErrorNamesAreTheirStatuses) {
  struct Case {
    std::string_view name;
    MockFailure::Kind kind;
    int status;
  };
  for (const auto& c : std::initializer_list<Case>{
           {"litellm.RateLimitError", MockFailure::Kind::status, 429},
           {"litellm.InternalServerError", MockFailure::Kind::status, 500},
           {"litellm.APIError", MockFailure::Kind::status, 500},
           {"litellm.ContextWindowExceededError", MockFailure::Kind::status, 400},
           {"litellm.BadRequestError", MockFailure::Kind::status, 400},
           {"litellm.AuthenticationError", MockFailure::Kind::status, 401},
           {"litellm.ServiceUnavailableError", MockFailure::Kind::status, 503},
           {"litellm.Timeout", MockFailure::Kind::timeout, 0},
           {"litellm.APIConnectionError", MockFailure::Kind::connect, 0},
           {"Exception: content_filter_policy: flagged", MockFailure::Kind::status, 400}}) {
    auto named = mock_error_named(c.name);
    ASSERT_TRUE(named) << c.name;
    EXPECT_EQ(named->kind, c.kind) << c.name;
    EXPECT_EQ(named->status, c.status) << c.name;
    EXPECT_FALSE(named->message.empty());
    // The same for every endpoint, and the name is not answered as text.
    auto req = obj(R"({"model": "m", "messages": [], "prompt": "p", "input": "i"})");
    for (auto e : {Endpoint::chat_completions, Endpoint::completions, Endpoint::embeddings}) {
      auto spec = spec_of(json::serialize(json::object{{"mock_response", c.name}}));
      auto a = mock_answer(spec, call_for(e, req));
      ASSERT_TRUE(a.failure) << c.name;
      EXPECT_EQ(a.failure->status, c.status);
      EXPECT_TRUE(a.response.empty());
    }
  }
  // Text that only looks like a name is an answer, as in LiteLLM.
  EXPECT_FALSE(mock_error_named("litellm.NoSuchError"));
  EXPECT_FALSE(mock_error_named("litellm.RateLimitError "));
}

TEST(MockAnswer, AnErrorObjectGivesItsStatusMessageAndRetryAfter) {
  auto req = obj(R"({"model": "m", "messages": []})");
  auto a = mock_answer(
      spec_of(R"({"mock_response": {"status": 503, "message": "down", "retry_after": 2}})"),
      call_for(Endpoint::chat_completions, req));
  ASSERT_TRUE(a.failure);
  EXPECT_EQ(a.failure->kind, MockFailure::Kind::status);
  EXPECT_EQ(a.failure->status, 503);
  EXPECT_EQ(a.failure->message, "down");
  EXPECT_EQ(a.failure->retry_after, "2");
  auto b = mock_answer(spec_of(R"({"mock_response": {"status_code": 429}})"),
                       call_for(Endpoint::chat_completions, req));
  ASSERT_TRUE(b.failure);
  EXPECT_EQ(b.failure->status, 429);
  EXPECT_NE(b.failure->message.find("429"), std::string::npos);
  EXPECT_TRUE(b.failure->retry_after.empty());
}

TEST(MockAnswer, TimeoutDelayAndTestingFallbacks) {
  auto req = obj(R"({"model": "demo", "messages": []})");
  auto t = mock_answer(spec_of(R"({"mock_timeout": true, "mock_response": "never sent"})"),
                       call_for(Endpoint::chat_completions, req));
  EXPECT_TRUE(t.wait_for_timeout);
  ASSERT_TRUE(t.failure);
  EXPECT_EQ(t.failure->kind, MockFailure::Kind::timeout);

  auto d = mock_answer(spec_of(R"({"mock_delay": 1.25, "mock_response": "late"})"),
                       call_for(Endpoint::chat_completions, req));
  EXPECT_EQ(d.delay, std::chrono::milliseconds(1250));
  EXPECT_FALSE(d.wait_for_timeout);
  EXPECT_FALSE(d.failure);

  auto spec = spec_of(R"({"mock_testing_fallbacks": true, "mock_response": "from fallback"})");
  auto first = call_for(Endpoint::chat_completions, req);
  auto f = mock_answer(spec, first);
  ASSERT_TRUE(f.failure);
  EXPECT_EQ(f.failure->status, 500);
  EXPECT_NE(f.failure->message.find("model=demo"), std::string::npos);
  first.first_group = false;
  auto later = mock_answer(spec, first);
  EXPECT_FALSE(later.failure);
  EXPECT_EQ(later.response.at("choices").at(0).at("message").at("content"), "from fallback");
}

TEST(MockAnswer, TextCompletionsPlainAndStreamed) {
  auto req = obj(R"({"model": "demo", "prompt": "Once upon a time"})");
  auto spec = spec_of(R"({"mock_response": "there was a gateway"})");
  auto a = mock_answer(spec, call_for(Endpoint::completions, req));
  EXPECT_EQ(a.response.at("object"), "text_completion");
  EXPECT_EQ(a.response.at("id"), "cmpl-abc");
  EXPECT_EQ(a.response.at("choices").at(0).at("text"), "there was a gateway");
  EXPECT_EQ(a.response.at("usage").at("prompt_tokens").as_int64(), (16 + 3) / 4);

  auto s = mock_answer(spec, call_for(Endpoint::completions, req, true));
  ASSERT_TRUE(s.stream);
  std::string text;
  for (const auto& c : s.chunks)
    text += json::value_to<std::string>(c.at("choices").at(0).at("text"));
  EXPECT_EQ(text, "there was a gateway");
  EXPECT_EQ(s.chunks.back().at("choices").at(0).at("finish_reason"), "stop");
}

double cosine(const std::vector<float>& a, const std::vector<float>& b) {
  double dot = 0;
  for (size_t i = 0; i < a.size(); ++i) dot += double(a[i]) * b[i];
  return dot;  // both have unit length
}

TEST(MockAnswer, EmbeddingsAreDeterministicUnitVectors) {
  auto req = obj(R"({"model": "emb", "input": ["the cat sat on the mat", "The cat sat on the MAT!",
                                               "the cat sat on a hat", "quarterly revenue report"]})");
  auto a = mock_answer(spec_of(R"({"mock_response": "ignored text"})"),
                       call_for(Endpoint::embeddings, req));
  ASSERT_FALSE(a.failure);
  EXPECT_EQ(a.response.at("object"), "list");
  EXPECT_EQ(a.response.at("model"), "emb");
  const auto& data = a.response.at("data").as_array();
  ASSERT_EQ(data.size(), 4u);
  std::vector<std::vector<float>> v;
  for (size_t i = 0; i < data.size(); ++i) {
    EXPECT_EQ(data[i].at("index").as_int64(), int64_t(i));
    EXPECT_EQ(data[i].at("object"), "embedding");
    std::vector<float> x;
    for (const auto& n : data[i].at("embedding").as_array())
      x.push_back(static_cast<float>(n.to_number<double>()));
    EXPECT_EQ(x.size(), 1536u);
    double norm = 0;
    for (float f : x) norm += double(f) * f;
    EXPECT_NEAR(norm, 1.0, 1e-5);
    v.push_back(std::move(x));
  }
  EXPECT_NEAR(cosine(v[0], v[1]), 1.0, 1e-6);  // case and punctuation do not matter
  EXPECT_GT(cosine(v[0], v[2]), cosine(v[0], v[3]));
  EXPECT_GT(cosine(v[0], v[2]), 0.5);
  // The same text gives the same vector on every call.
  EXPECT_EQ(mock_embedding("the cat sat on the mat", 1536), v[0]);
  EXPECT_GT(a.response.at("usage").at("prompt_tokens").as_int64(), 0);
}

TEST(MockAnswer, EmbeddingsHonourDimensionsBase64AndAGivenVector) {
  auto req = obj(R"({"model": "emb", "input": "hello world", "dimensions": 8,
                     "encoding_format": "base64"})");
  auto a = mock_answer(spec_of(R"({"mock_response": "x"})"), call_for(Endpoint::embeddings, req));
  ASSERT_FALSE(a.failure);
  auto b64 = json::value_to<std::string>(a.response.at("data").at(0).at("embedding"));
  auto bytes = providers::base64_decode(b64);
  ASSERT_TRUE(bytes);
  ASSERT_EQ(bytes->size(), 8u * 4);
  auto expected = mock_embedding("hello world", 8);
  for (size_t i = 0; i < 8; ++i) {
    uint32_t u = 0;
    for (int k = 0; k < 4; ++k)
      u |= uint32_t(static_cast<unsigned char>((*bytes)[i * 4 + k])) << (8 * k);
    float f;
    std::memcpy(&f, &u, 4);
    EXPECT_EQ(f, expected[i]) << i;
  }

  auto given = obj(R"({"model": "emb", "input": ["a", "b"]})");
  auto g = mock_answer(spec_of(R"({"mock_response": [0.5, -0.25, 1]})"),
                       call_for(Endpoint::embeddings, given));
  ASSERT_FALSE(g.failure);
  for (const auto& d : g.response.at("data").as_array())
    EXPECT_EQ(d.at("embedding"), json::parse("[0.5, -0.25, 1.0]"));

  for (auto bad :
       {R"({"model": "emb"})", R"({"model": "emb", "input": []})",
        R"({"model": "emb", "input": [{}]})", R"({"model": "emb", "input": "x", "dimensions": 0})",
        R"({"model": "emb", "input": "x", "encoding_format": "hex"})"}) {
    auto r = obj(bad);
    auto f = mock_answer(spec_of(R"({"mock_response": "x"})"), call_for(Endpoint::embeddings, r));
    ASSERT_TRUE(f.failure) << bad;
    EXPECT_EQ(f.failure->status, 400) << bad;
  }
  // A vector answers embeddings only.
  auto chat = obj(R"({"model": "m", "messages": []})");
  auto v = mock_answer(spec_of(R"({"mock_response": [1, 2]})"),
                       call_for(Endpoint::chat_completions, chat));
  ASSERT_TRUE(v.failure);
  EXPECT_EQ(v.failure->status, 400);
}

}  // namespace
}  // namespace routeiq::api
