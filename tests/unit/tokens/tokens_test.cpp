// The tokenizer against token ids from the real tiktoken (tests/data/tokens, see its
// README), the rank-file parser's refusals, the model -> encoding table, and chat
// message accounting.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <fstream>
#include <sstream>

#include "routeiq/tokens/bpe.hpp"
#include "routeiq/tokens/chat_count.hpp"
#include "routeiq/tokens/encoding.hpp"
#include "routeiq/tokens/pretokenize.hpp"

namespace routeiq::tokens {
namespace {
namespace json = boost::json;

const json::array& fixture_cases() {
  static const json::value doc = [] {
    std::ifstream in(std::string(ROUTEIQ_TEST_DATA) + "/tokens/expected.json");
    std::stringstream text;
    text << in.rdbuf();
    return json::parse(text.str());
  }();
  return doc.at("cases").as_array();
}

std::vector<Rank> ids(const json::value& v) {
  std::vector<Rank> out;
  for (const auto& id : v.as_array()) out.push_back(static_cast<Rank>(id.as_int64()));
  return out;
}

void expect_matches_tiktoken(EncodingName name) {
  const auto& enc = Encoding::builtin(name);
  size_t checked = 0;
  for (const auto& c : fixture_cases()) {
    const auto& o = c.as_object();
    if (!o.contains("text")) continue;
    std::string text(o.at("text").as_string());
    auto want = ids(o.at(encoding_name(name)));
    auto got = enc.encode(text);
    EXPECT_EQ(got, want) << encoding_name(name) << " of \"" << text << "\"";
    EXPECT_EQ(enc.count(text), want.size()) << text;
    EXPECT_EQ(enc.decode(got), text);
    ++checked;
  }
  EXPECT_GT(checked, 300u);
}

TEST(Encoding, Cl100kMatchesTiktoken) {
  expect_matches_tiktoken(EncodingName::cl100k_base);
}

TEST(Encoding, O200kMatchesTiktoken) {
  expect_matches_tiktoken(EncodingName::o200k_base);
}

TEST(Encoding, BuiltinVocabulariesAreWhole) {
  const auto& cl100k = Encoding::builtin(EncodingName::cl100k_base).ranks();
  const auto& o200k = Encoding::builtin(EncodingName::o200k_base).ranks();
  EXPECT_EQ(cl100k.size(), 100256u);
  EXPECT_EQ(o200k.size(), 199998u);
  // Every byte is a token: any input can be encoded.
  for (int b = 0; b < 256; ++b) {
    std::string byte(1, static_cast<char>(b));
    EXPECT_TRUE(cl100k.find(byte)) << b;
    EXPECT_TRUE(o200k.find(byte)) << b;
  }
  EXPECT_EQ(cl100k.bytes_of(15339), "hello");
  EXPECT_EQ(cl100k.bytes_of(100256), "");  // past the table
}

TEST(Encoding, SpecialTokensAreText) {
  const auto& enc = Encoding::builtin(EncodingName::cl100k_base);
  auto got = enc.encode("<|endoftext|>");
  EXPECT_GT(got.size(), 1u);
  for (auto id : got) EXPECT_LT(id, 100256u);
}

TEST(Encoding, MalformedUtf8IsEncodedByteByByte) {
  const auto& enc = Encoding::builtin(EncodingName::o200k_base);
  std::string bad = "ok\xff\xfe\xc3(end";
  auto got = enc.encode(bad);
  EXPECT_EQ(enc.decode(got), bad);
  EXPECT_EQ(enc.encode(""), std::vector<Rank>{});
}

TEST(Pretokenize, SplitsAsThePatterns) {
  auto pieces = [](SplitPattern p, std::string_view text) {
    std::vector<std::string> out;
    for_each_piece(p, text, [&](std::string_view piece) { out.emplace_back(piece); });
    return out;
  };
  using V = std::vector<std::string>;
  EXPECT_EQ(pieces(SplitPattern::cl100k, "I'll 12345  x\n\n  "),
            (V{"I", "'ll", " ", "123", "45", " ", " x", "\n\n  "}));
  // o200k keeps the contraction with its word, splits camel case, and ends
  // trailing whitespace at the last newline.
  EXPECT_EQ(pieces(SplitPattern::o200k, "I'll camelCase\n  "),
            (V{"I'll", " camel", "Case", "\n", "  "}));
}

TEST(RankTable, RefusesMalformedFiles) {
  EXPECT_FALSE(RankTable::parse(""));
  EXPECT_FALSE(RankTable::parse("YQ==\n"));            // no rank
  EXPECT_FALSE(RankTable::parse("YQ== x\n"));          // not a number
  EXPECT_FALSE(RankTable::parse("Y!== 0\n"));          // not base64
  EXPECT_FALSE(RankTable::parse("YQ== 0\nYQ== 1\n"));  // a token twice
  EXPECT_FALSE(RankTable::parse("YQ== 0\nYg== 0\n"));  // a rank twice
  auto ok = RankTable::parse("YQ== 0\nYg== 1\nYWI= 2\n");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->size(), 3u);
  EXPECT_EQ(ok->find("ab"), Rank{2});
  EXPECT_FALSE(ok->find("ba"));
}

TEST(Bpe, MergesLowestRankFirstLeftmostOnTies) {
  // a=0 b=1 aa=2 ab=3: "aab" merges "aa" (rank 2) before "ab" (rank 3).
  auto ranks = RankTable::parse("YQ== 0\nYg== 1\nYWE= 2\nYWI= 3\n");
  ASSERT_TRUE(ranks);
  std::vector<Rank> out;
  encode_piece(ranks.value(), "aab", out);
  EXPECT_EQ(out, (std::vector<Rank>{2, 1}));
  out.clear();
  encode_piece(ranks.value(), "aaa", out);  // the leftmost pair wins the tie
  EXPECT_EQ(out, (std::vector<Rank>{2, 0}));
  // A long piece takes the heap path: the same merges.
  out.clear();
  encode_piece(ranks.value(), std::string(301, 'a'), out);
  std::vector<Rank> want(150, 2);
  want.push_back(0);
  EXPECT_EQ(out, want);
}

TEST(Models, EncodingByTiktokensTable) {
  using enum EncodingName;
  EXPECT_EQ(encoding_for_model("gpt-4o"), o200k_base);
  EXPECT_EQ(encoding_for_model("gpt-4o-mini-2024-07-18"), o200k_base);
  EXPECT_EQ(encoding_for_model("openai/gpt-4.1-mini"), o200k_base);
  EXPECT_EQ(encoding_for_model("azure/eu/my-gpt-4o-deployment"), o200k_base);
  EXPECT_EQ(encoding_for_model("o1"), o200k_base);
  EXPECT_EQ(encoding_for_model("o3-mini"), o200k_base);
  EXPECT_EQ(encoding_for_model("o4-mini"), o200k_base);
  EXPECT_EQ(encoding_for_model("gpt-5"), o200k_base);
  EXPECT_EQ(encoding_for_model("gpt-5-nano"), o200k_base);
  EXPECT_EQ(encoding_for_model("gpt-5.1"), o200k_base);
  EXPECT_EQ(encoding_for_model("gpt-4"), cl100k_base);
  EXPECT_EQ(encoding_for_model("gpt-4-turbo"), cl100k_base);
  EXPECT_EQ(encoding_for_model("gpt-3.5-turbo-0125"), cl100k_base);
  EXPECT_EQ(encoding_for_model("text-embedding-3-small"), cl100k_base);
  EXPECT_EQ(encoding_for_model("claude-sonnet-4-5"), cl100k_base);
  EXPECT_EQ(encoding_for_model(""), cl100k_base);
}

TEST(ChatCount, MatchesTheCookbookAccounting) {
  size_t checked = 0;
  for (const auto& c : fixture_cases()) {
    const auto& o = c.as_object();
    if (!o.contains("messages")) continue;
    for (auto name : {EncodingName::cl100k_base, EncodingName::o200k_base}) {
      auto got = count_chat_tokens(Encoding::builtin(name), o.at("messages").as_array());
      ASSERT_TRUE(got) << got.error().message;
      EXPECT_EQ(got.value(), o.at(encoding_name(name)).as_int64())
          << json::serialize(o.at("messages"));
    }
    ++checked;
  }
  EXPECT_GE(checked, 5u);
}

TEST(ChatCount, CountsNameAndFunctionCall) {
  const auto& enc = Encoding::builtin(EncodingName::cl100k_base);
  auto n = [&](std::string_view s) { return static_cast<int64_t>(enc.count(s)); };
  auto messages = json::parse(R"([{"role":"user","name":"bob","content":"hi","x":5},
      {"role":"assistant","function_call":{"name":"f","arguments":"{}"}}])")
                      .as_array();
  auto got = count_chat_tokens(enc, messages);
  ASSERT_TRUE(got);
  EXPECT_EQ(got.value(),
            3 + (3 + n("user") + n("bob") + 1 + n("hi")) + (3 + n("assistant") + n("{}")));
}

TEST(ChatCount, RefusesWhatLiteLLMRefuses) {
  const auto& enc = Encoding::builtin(EncodingName::cl100k_base);
  auto refuse = [&](std::string_view body, std::string_view says) {
    auto got = count_chat_tokens(enc, json::parse(body).as_array());
    ASSERT_FALSE(got) << body;
    EXPECT_EQ(got.error().kind, ErrorKind::invalid_request);
    EXPECT_NE(got.error().message.find(says), std::string::npos) << got.error().message;
  };
  refuse(R"(["hello"])", "messages[0]: a message must be an object");
  refuse(R"([{"role":"user","content":"a"},{"role":"assistant","tool_calls":[{"id":"x"}]}])",
         "messages[1]: a tool call must contain a function");
  refuse(R"([{"role":"user","tool_calls":{}}])", "tool_calls must be a list");
  refuse(R"([{"role":"user","content":[{"type":"audio","data":"x"}]}])",
         "Invalid content item type: audio");
  refuse(
      R"([{"role":"user","content":[{"type":"image_url","image_url":{"url":"u","detail":"max"}}]}])",
      "Invalid detail value: max");
  refuse(R"([{"role":"user","content":[{"type":"image_url","image_url":{}}]}])",
         "Missing required key 'url'");
}

}  // namespace
}  // namespace routeiq::tokens
