#include "core/replies.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <charconv>
#include <cmath>
#include <cstring>

namespace mock {
namespace {

namespace json = boost::json;

TEST(SplitText, PiecesConcatenateToTheTextForEveryCount) {
  const std::string text = "mock reply from east: gpt-4o";
  for (int count = 1; count <= 64; ++count) {
    auto pieces = split_text(text, count);
    ASSERT_EQ(pieces.size(), static_cast<size_t>(count));
    std::string joined;
    for (auto p : pieces) joined += p;
    EXPECT_EQ(joined, text) << "count " << count;
  }
}

TEST(SplitText, NeverCutsAUtf8Sequence) {
  const std::string text = "r\xC3\xA9ponse \xE2\x82\xAC \xF0\x9F\x98\x80 fin";
  for (int count = 1; count <= static_cast<int>(text.size()); ++count) {
    for (auto piece : split_text(text, count)) {
      if (piece.empty()) continue;
      EXPECT_NE(static_cast<unsigned char>(piece.front()) & 0xC0, 0x80) << "count " << count;
    }
  }
}

TEST(AppendJsonString, EscapesSoJsonParsesItBack) {
  const std::string nasty = "quote\" backslash\\ newline\n tab\t bell\x07 end";
  std::string out;
  append_json_string(out, nasty);
  EXPECT_EQ(json::parse(out).as_string(), nasty);
}

TEST(ChatCompletion, HasOpenAIShape) {
  std::string out;
  write_chat_completion(out, "gpt-4o", reply_text("east", "gpt-4o"), 2, Usage{5, 8});
  auto reply = json::parse(out).as_object();
  EXPECT_TRUE(reply.at("id").as_string().starts_with("chatcmpl-"));
  EXPECT_EQ(reply.at("object"), "chat.completion");
  EXPECT_EQ(reply.at("model"), "gpt-4o");
  EXPECT_TRUE(reply.at("created").is_int64());
  EXPECT_EQ(reply.at("system_fingerprint"), "fp_mock");
  const auto& choices = reply.at("choices").as_array();
  ASSERT_EQ(choices.size(), 2u);
  EXPECT_EQ(choices[1].at("index"), 1);
  EXPECT_EQ(choices[0].at("message").at("content"), "mock reply from east: gpt-4o");
  EXPECT_EQ(choices[0].at("message").at("role"), "assistant");
  EXPECT_TRUE(choices[0].at("logprobs").is_null());
  EXPECT_EQ(choices[0].at("finish_reason"), "stop");
  const auto& usage = reply.at("usage");
  EXPECT_EQ(usage.at("prompt_tokens"), 5);
  EXPECT_EQ(usage.at("completion_tokens"), 16);
  EXPECT_EQ(usage.at("total_tokens"), 21);
}

TEST(ChatCompletion, IdsAreUnique) {
  std::string a, b;
  write_chat_completion(a, "m", "t", 1, Usage{});
  write_chat_completion(b, "m", "t", 1, Usage{});
  EXPECT_NE(json::parse(a).at("id"), json::parse(b).at("id"));
}

// Splits one HTTP chunk "<hex>\r\n<data>\r\n" and checks its size line.
std::string chunk_payload(const std::string& frame) {
  size_t line_end = frame.find("\r\n");
  size_t size = 0;
  std::from_chars(frame.data(), frame.data() + line_end, size, 16);
  EXPECT_EQ(frame.size(), line_end + 2 + size + 2);
  EXPECT_EQ(frame.substr(frame.size() - 2), "\r\n");
  return frame.substr(line_end + 2, size);
}

json::object event_json(const std::string& frame) {
  std::string payload = chunk_payload(frame);
  EXPECT_TRUE(payload.starts_with("data: "));
  EXPECT_TRUE(payload.ends_with("\n\n"));
  return json::parse(payload.substr(6, payload.size() - 8)).as_object();
}

TEST(StreamEvents, FramesChatChunksWithTimestamps) {
  StreamEvents events(StreamEvents::Kind::chat, "gpt-4o", true);
  std::string frame;
  events.content(frame, "mock \"re", true);
  auto first = event_json(frame);
  EXPECT_EQ(first.at("object"), "chat.completion.chunk");
  EXPECT_EQ(first.at("choices").at(0).at("delta").at("role"), "assistant");
  EXPECT_EQ(first.at("choices").at(0).at("delta").at("content"), "mock \"re");
  EXPECT_TRUE(first.at("usage").is_null());
  auto sent = first.at("mock_sent_ns").as_int64();
  EXPECT_LE(std::abs(realtime_ns() - sent), int64_t{10'000'000'000});

  events.content(frame, "ply", false);
  auto second = event_json(frame);
  EXPECT_EQ(second.at("id"), first.at("id"));
  EXPECT_FALSE(second.at("choices").at(0).at("delta").as_object().contains("role"));

  events.finish(frame);
  EXPECT_EQ(event_json(frame).at("choices").at(0).at("finish_reason"), "stop");

  events.usage(frame, Usage{3, 4});
  auto usage = event_json(frame);
  EXPECT_TRUE(usage.at("choices").as_array().empty());
  EXPECT_EQ(usage.at("usage").at("total_tokens"), 7);

  StreamEvents::done(frame);
  EXPECT_EQ(frame, "e\r\ndata: [DONE]\n\n\r\n0\r\n\r\n");
  EXPECT_EQ(std::string("data: [DONE]\n\n").size(), 0xeu);
}

TEST(StreamEvents, WithoutIncludeUsageChunksHaveNoUsageField) {
  StreamEvents events(StreamEvents::Kind::text_completion, "m", false);
  std::string frame;
  events.content(frame, "abc", true);
  auto chunk = event_json(frame);
  EXPECT_EQ(chunk.at("object"), "text_completion");
  EXPECT_EQ(chunk.at("choices").at(0).at("text"), "abc");
  EXPECT_FALSE(chunk.contains("usage"));
}

std::vector<float> floats_of(const json::array& values) {
  std::vector<float> out;
  for (const auto& v : values) out.push_back(static_cast<float>(v.to_number<double>()));
  return out;
}

std::vector<float> decode_base64_floats(std::string_view text) {
  static const std::string kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string bytes;
  uint32_t bits = 0;
  int count = 0;
  for (char c : text) {
    if (c == '=') break;
    bits = (bits << 6) | static_cast<uint32_t>(kAlphabet.find(c));
    if ((count += 6) >= 8) bytes += static_cast<char>((bits >> (count -= 8)) & 0xFF);
  }
  std::vector<float> out(bytes.size() / 4);
  std::memcpy(out.data(), bytes.data(), out.size() * 4);
  return out;
}

TEST(Embeddings, AreDeterministicUnitVectorsInBothEncodings) {
  EmbeddingRequest request;
  request.model = "e";
  request.inputs = {"alpha", "beta", "alpha"};
  request.dimensions = 8;
  std::string out;
  write_embeddings(out, request);
  auto reply = json::parse(out).as_object();
  const auto& data = reply.at("data").as_array();
  ASSERT_EQ(data.size(), 3u);
  auto a = floats_of(data[0].at("embedding").as_array());
  auto b = floats_of(data[1].at("embedding").as_array());
  EXPECT_EQ(a, floats_of(data[2].at("embedding").as_array()));
  EXPECT_NE(a, b);
  ASSERT_EQ(a.size(), 8u);
  double norm = 0;
  for (float x : a) norm += static_cast<double>(x) * x;
  EXPECT_NEAR(norm, 1.0, 1e-5);

  request.base64 = true;
  write_embeddings(out, request);
  auto encoded = json::parse(out).at("data").at(0).at("embedding").as_string();
  EXPECT_EQ(decode_base64_floats(encoded), a);
}

}  // namespace
}  // namespace mock
