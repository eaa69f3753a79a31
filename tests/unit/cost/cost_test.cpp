// Cost from usage against values computed by hand, the table's lookup and a
// deployment's own prices over it.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "routeiq/config/config.hpp"
#include "routeiq/cost/cost.hpp"
#include "routeiq/providers/common.hpp"

namespace routeiq::cost {
namespace {
namespace json = boost::json;

// Prices written as LiteLLM's map writes them, per token.
constexpr const char* kTable = R"({
  "sample_spec": {"max_tokens": "set to max_output_tokens", "input_cost_per_token": 0},
  "gpt-4o": {"litellm_provider": "openai", "mode": "chat", "input_cost_per_token": 2.5e-06,
             "output_cost_per_token": 1e-05, "cache_read_input_token_cost": 1.25e-06,
             "max_input_tokens": 128000, "max_output_tokens": 16384},
  "o3": {"litellm_provider": "openai", "input_cost_per_token": 2e-06,
         "output_cost_per_token": 8e-06, "output_cost_per_reasoning_token": 8e-06},
  "claude-sonnet-4-5": {"litellm_provider": "anthropic", "input_cost_per_token": 3e-06,
                        "output_cost_per_token": 1.5e-05, "cache_read_input_token_cost": 3e-07,
                        "cache_creation_input_token_cost": 3.75e-06},
  "gemini/gemini-2.5-pro": {"litellm_provider": "gemini", "input_cost_per_token": 1.25e-06,
                            "output_cost_per_token": 1e-05,
                            "input_cost_per_token_above_200k_tokens": 2.5e-06,
                            "output_cost_per_token_above_200k_tokens": 1.5e-05},
  "anthropic.claude-3-5-haiku-20241022-v1:0": {"litellm_provider": "bedrock",
      "input_cost_per_token": 8e-07, "output_cost_per_token": 4e-06,
      "cache_read_input_token_cost": 8e-08, "cache_creation_input_token_cost": 1e-06},
  "azure/gpt-4o-mini": {"litellm_provider": "azure", "input_cost_per_token": 1.65e-07,
                        "output_cost_per_token": 6.6e-07},
  "broken": {"input_cost_per_token": -1, "output_cost_per_token": "cheap"}
})";

PriceTable table() {
  auto t = PriceTable::parse(kTable, "test table");
  EXPECT_TRUE(t) << (t ? "" : t.error().message);
  return std::move(t.value());
}

providers::Usage usage(int64_t prompt, int64_t completion, int64_t cached = 0, int64_t created = 0,
                       int64_t reasoning = 0) {
  providers::Usage u;
  u.prompt_tokens = prompt;
  u.completion_tokens = completion;
  u.cached_tokens = cached;
  u.cache_creation_tokens = created;
  u.reasoning_tokens = reasoning;
  return u;
}

TEST(PriceTable, LoadsLiteLLMsFormatAndSkipsWhatItCannotUse) {
  auto t = table();
  EXPECT_EQ(t.size(), 7u) << "sample_spec is not a model";
  const auto* gpt = t.find("openai", "gpt-4o");
  ASSERT_NE(gpt, nullptr);
  EXPECT_DOUBLE_EQ(*gpt->input, 2.5e-06);
  EXPECT_EQ(*gpt->max_input_tokens, 128000);
  EXPECT_EQ(gpt->provider, "openai");
  const auto* broken = t.find("", "broken");
  ASSERT_NE(broken, nullptr);
  EXPECT_FALSE(broken->priced()) << "a negative or non-numeric price is no price";
}

TEST(PriceTable, LooksUpWithTheProviderFirstThenBareAndBedrockProfiles) {
  auto t = table();
  EXPECT_NE(t.find("gemini", "gemini-2.5-pro"), nullptr) << "gemini/ prefixed key";
  EXPECT_NE(t.find("azure", "gpt-4o-mini"), nullptr);
  EXPECT_EQ(t.find("openai", "gpt-4o-mini"), nullptr);
  EXPECT_NE(t.find("bedrock", "us.anthropic.claude-3-5-haiku-20241022-v1:0"), nullptr)
      << "a cross-region inference profile is priced as its model";
  EXPECT_EQ(t.find("openai", ""), nullptr);
}

TEST(Cost, OpenAIWithCachedPromptTokens) {
  auto t = table();
  // 1000 prompt tokens of which 400 cached, 200 completion:
  // 600 * 2.5e-6 + 400 * 1.25e-6 + 200 * 1e-5 = 0.0015 + 0.0005 + 0.002
  EXPECT_NEAR(cost_of(*t.find("openai", "gpt-4o"), usage(1000, 200, 400)), 0.004, 1e-12);
}

TEST(Cost, OpenAIReasoningTokensAtTheirOwnPrice) {
  auto t = table();
  // 100 prompt, 500 completion of which 300 reasoning: 100*2e-6 + 200*8e-6 + 300*8e-6
  EXPECT_NEAR(cost_of(*t.find("openai", "o3"), usage(100, 500, 0, 0, 300)), 0.0042, 1e-12);
}

TEST(Cost, AnthropicCacheReadsAndWrites) {
  auto t = table();
  // Anthropic's usage {input_tokens: 50, cache_read_input_tokens: 1000,
  // cache_creation_input_tokens: 2000, output_tokens: 100}, as the codec reads it.
  auto u = providers::usage_from_anthropic(
      json::parse(R"({"input_tokens":50,"cache_read_input_tokens":1000,)"
                  R"("cache_creation_input_tokens":2000,"output_tokens":100})")
          .as_object(),
      {});
  EXPECT_EQ(u.prompt_tokens, 3050);
  // 50*3e-6 + 1000*3e-7 + 2000*3.75e-6 + 100*1.5e-5 = 0.00015 + 0.0003 + 0.0075 + 0.0015
  EXPECT_NEAR(cost_of(*t.find("anthropic", "claude-sonnet-4-5"), u), 0.00945, 1e-12);
}

TEST(Cost, GeminiAbove200kTokensPaysTheTierForTheWholeRequest) {
  auto t = table();
  const auto& price = *t.find("gemini", "gemini-2.5-pro");
  // At 200k exactly: the base prices. 200000*1.25e-6 + 1000*1e-5 = 0.25 + 0.01
  EXPECT_NEAR(cost_of(price, usage(200000, 1000)), 0.26, 1e-9);
  // One token over: every token at the tier. 200001*2.5e-6 + 1000*1.5e-5
  EXPECT_NEAR(cost_of(price, usage(200001, 1000)), 0.5000025 + 0.015, 1e-9);
}

TEST(Cost, BedrockConverseUsageWithCache) {
  auto t = table();
  // Converse {inputTokens: 100, cacheReadInputTokens: 500, cacheWriteInputTokens: 300,
  // outputTokens: 40}: prompt_tokens = 900 as the codec reads it.
  const auto& price = *t.find("bedrock", "anthropic.claude-3-5-haiku-20241022-v1:0");
  // 100*8e-7 + 500*8e-8 + 300*1e-6 + 40*4e-6 = 0.00008 + 0.00004 + 0.0003 + 0.00016
  EXPECT_NEAR(cost_of(price, usage(900, 40, 500, 300)), 0.00058, 1e-12);
}

TEST(Cost, NoPriceCostsNothingAndCacheWithoutItsPriceCostsInput) {
  EXPECT_EQ(cost_of(Price{}, usage(1000, 1000)), 0.0);
  Price p;
  p.input = 1e-6;
  p.output = 2e-6;
  EXPECT_NEAR(cost_of(p, usage(1000, 10, 400, 100)), 1000 * 1e-6 + 10 * 2e-6, 1e-15);
}

config::Deployment deployment(std::string provider, std::string model) {
  config::Deployment d;
  d.provider = std::move(provider);
  d.model = std::move(model);
  return d;
}

TEST(DeploymentPrice, BaseModelThenOwnPricesOverTheTable) {
  auto t = table();
  auto azure = deployment("azure", "my-gpt4o-deployment");
  EXPECT_FALSE(deployment_price(azure, t).priced()) << "an Azure deployment name is no model";
  azure.model_info.extra["base_model"] = "azure/gpt-4o-mini";
  EXPECT_DOUBLE_EQ(*deployment_price(azure, t).input, 1.65e-07);

  auto own = deployment("openai", "gpt-4o");
  own.extra_params["input_cost_per_token"] = 1e-06;  // litellm_params
  own.model_info.output_cost_per_token = 3e-06;      // model_info
  auto price = deployment_price(own, t);
  EXPECT_DOUBLE_EQ(*price.input, 1e-06);
  EXPECT_DOUBLE_EQ(*price.output, 3e-06);
  EXPECT_DOUBLE_EQ(*price.cache_read, 1.25e-06) << "what the deployment does not set stays";

  auto custom = deployment("hosted_vllm", "llama");
  custom.model_info.extra["input_cost_per_token"] = 1e-07;
  EXPECT_TRUE(deployment_price(custom, t).priced());
}

TEST(ModelPrice, ANameWithItsProvider) {
  auto t = table();
  EXPECT_TRUE(model_price("", "anthropic/claude-sonnet-4-5", t).priced());
  EXPECT_TRUE(model_price("", "gpt-4o", t).priced());
  EXPECT_FALSE(model_price("", "nope/unknown", t).priced());
}

TEST(PriceTable, TheBuiltInTableParsesAndHasTheCommonModels) {
  auto builtin = PriceTable::builtin();
  ASSERT_NE(builtin, nullptr);
  EXPECT_TRUE(model_price("openai", "gpt-4o", *builtin).priced());
  EXPECT_TRUE(model_price("gemini", "gemini-2.5-pro", *builtin).priced());
}

TEST(PriceTable, AUsersFileIsLaidOverTheBuiltInOne) {
  auto path = std::string(ROUTEIQ_TEST_DATA) + "/prices/own_prices.json";
  auto loaded = PriceTable::load(path);
  ASSERT_TRUE(loaded) << loaded.error().message;
  EXPECT_DOUBLE_EQ(*loaded.value()->find("openai", "gpt-4o")->input, 1e-06) << "replaced";
  EXPECT_TRUE(loaded.value()->find("", "my-own-model")) << "added";
  EXPECT_TRUE(model_price("gemini", "gemini-2.5-pro", *loaded.value()).priced()) << "kept";
  EXPECT_FALSE(PriceTable::load("/nonexistent/prices.json"));
}

}  // namespace
}  // namespace routeiq::cost
