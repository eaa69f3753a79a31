#include "routeiq/config/model_ref.hpp"

#include <gtest/gtest.h>

namespace routeiq::config {
namespace {

ModelRef split_ok(std::string_view model) {
  auto r = split_model_ref(model);
  EXPECT_TRUE(r.ok()) << model << ": " << (r.ok() ? "" : r.error().message);
  return r.ok() ? r.value() : ModelRef{};
}

TEST(ModelRef, SplitsOnTheFirstSlash) {
  auto a = split_ok("openai/gpt-4o");
  EXPECT_EQ(a.provider, "openai");
  EXPECT_EQ(a.model, "gpt-4o");
  auto b = split_ok("openrouter/meta/llama");
  EXPECT_EQ(b.provider, "openrouter");
  EXPECT_EQ(b.model, "meta/llama");
  auto c = split_ok("bedrock/us.anthropic.claude-3-5-sonnet-20241022-v2:0");
  EXPECT_EQ(c.provider, "bedrock");
  EXPECT_EQ(c.model, "us.anthropic.claude-3-5-sonnet-20241022-v2:0");
  auto d = split_ok("text-completion-openai/gpt-3.5-turbo-instruct");
  EXPECT_EQ(d.provider, "text-completion-openai");
}

TEST(ModelRef, InfersProviderOfBareNames) {
  for (const char* m : {"gpt-4o", "gpt-4o-mini", "o1", "o1-mini", "o3-mini", "o4-mini",
                        "text-embedding-3-small", "chatgpt-4o-latest"}) {
    auto r = split_ok(m);
    EXPECT_EQ(r.provider, "openai") << m;
    EXPECT_EQ(r.model, m);
  }
  EXPECT_EQ(split_ok("claude-3-5-sonnet-20241022").provider, "anthropic");
  EXPECT_EQ(split_ok("gemini-1.5-pro").provider, "gemini");
  EXPECT_EQ(infer_provider("llama3"), "");
  EXPECT_EQ(infer_provider("mistral-large"), "");
}

TEST(ModelRef, Errors) {
  auto unknown = split_model_ref("nope/model");
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.error().message.find("unknown provider \"nope\""), std::string::npos);
  EXPECT_NE(unknown.error().message.find("openai, azure, anthropic"), std::string::npos);
  auto bare = split_model_ref("llama3");
  ASSERT_FALSE(bare.ok());
  EXPECT_NE(bare.error().message.find("\"<provider>/llama3\""), std::string::npos);
  EXPECT_FALSE(split_model_ref("").ok());
  EXPECT_FALSE(split_model_ref("openai/").ok());
}

TEST(ModelRef, ParseLeavesTheProviderUnchecked) {
  auto unknown = parse_model_ref("foo/bar/baz");
  ASSERT_TRUE(unknown.ok()) << unknown.error().message;
  EXPECT_EQ(unknown->provider, "foo");
  EXPECT_EQ(unknown->model, "bar/baz");
  EXPECT_FALSE(parse_model_ref("llama3").ok());
  EXPECT_FALSE(parse_model_ref("foo/").ok());
  EXPECT_FALSE(parse_model_ref("").ok());
  auto no_provider = parse_model_ref("/bar");
  ASSERT_FALSE(no_provider.ok());
  EXPECT_EQ(no_provider.error().message, "no provider before \"/\" in \"/bar\"");
  EXPECT_FALSE(split_model_ref("/bar").ok());
}

TEST(ModelRef, WildcardsAreKept) {
  auto a = split_ok("openai/*");
  EXPECT_EQ(a.provider, "openai");
  EXPECT_EQ(a.model, "*");
  auto star = split_ok("*");
  EXPECT_EQ(star.provider, "");
  EXPECT_EQ(star.model, "*");
}

}  // namespace
}  // namespace routeiq::config
