// Reading a relayed answer's facts without a DOM: model, usage, error, and
// refusal of anything that is not one JSON object.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "routeiq/providers/answer_tap.hpp"

namespace routeiq::providers {
namespace {
namespace json = boost::json;

TEST(AnswerTap, ReadsTheTopLevelModelAndUsageOnly) {
  auto facts = read_answer_facts(R"({"id":"x","model":"gpt-4o-2024","choices":[{"message":
    {"role":"assistant","content":"hi","model":"not-this"}}],"usage":{"prompt_tokens":12,
    "completion_tokens":3,"prompt_tokens_details":{"cached_tokens":4},"note":"text"}})");
  ASSERT_TRUE(facts);
  EXPECT_EQ(facts->model, "gpt-4o-2024");
  ASSERT_TRUE(facts->has_usage);
  EXPECT_EQ(
      json::serialize(facts->usage),
      R"({"prompt_tokens":12,"completion_tokens":3,"prompt_tokens_details":{"cached_tokens":4}})");
  EXPECT_FALSE(facts->has_error);
}

TEST(AnswerTap, UsageMayComeBeforeTheModelAndNestedUsageKeysAreNotTopLevel) {
  auto facts = read_answer_facts(
      R"({"usage":{"completion_tokens_details":{"reasoning_tokens":7},"total_tokens":9},
          "x":{"usage":{"prompt_tokens":99},"model":"inner"},"model":"m"})");
  ASSERT_TRUE(facts);
  EXPECT_EQ(facts->model, "m");
  EXPECT_EQ(json::serialize(facts->usage),
            R"({"completion_tokens_details":{"reasoning_tokens":7},"total_tokens":9})");
}

TEST(AnswerTap, ACarrierMemberHoldsTheFacts) {
  auto facts = read_answer_facts(
      R"({"type":"message_start","message":{"model":"claude-x","usage":{"input_tokens":5}}})",
      "message");
  ASSERT_TRUE(facts);
  EXPECT_EQ(facts->model, "claude-x");
  EXPECT_EQ(json::serialize(facts->usage), R"({"input_tokens":5})");
  auto top = read_answer_facts(R"({"model":"top","message":{"model":"inner"}})", "message");
  EXPECT_EQ(top->model, "inner");
}

TEST(AnswerTap, AnErrorMemberIsNoticedWhateverItsType) {
  for (auto text : {R"({"error":{"message":"boom"}})", R"({"error":"boom"})", R"({"error":[1]})",
                    R"({"error":null})"})
    EXPECT_TRUE(read_answer_facts(text)->has_error) << text;
  EXPECT_FALSE(read_answer_facts(R"({"x":{"error":1}})")->has_error);
}

TEST(AnswerTap, OnlyOneJsonObjectIsAnAnswer) {
  for (auto text : {"", "[]", "\"s\"", "{", R"({"a":1} x)", R"({"a":1}{})", "<html>",
                    R"({"usage":{"prompt_tokens":1e999}})"})
    EXPECT_FALSE(read_answer_facts(text)) << text;
  EXPECT_TRUE(read_answer_facts(" {} \n"));
}

}  // namespace
}  // namespace routeiq::providers
