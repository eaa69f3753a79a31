// Valid configs: every supported key lands in the right field.
#include <boost/json.hpp>

#include "test_util.hpp"

namespace routeiq::config {
namespace {

using testing::kData;
using testing::load_ok;

class FullConfig : public ::testing::Test {
 protected:
  void SetUp() override {
    auto result = load_config_file(kData + "/full.yaml");
    ASSERT_TRUE(result.ok()) << result.error().message;
    config = std::move(result).value();
  }
  Config config;
};

TEST_F(FullConfig, FirstDeploymentTypedParams) {
  ASSERT_EQ(config.model_list.size(), 4u);
  const Deployment& d = config.model_list[0];
  EXPECT_EQ(d.model_name, "gpt-4o");
  EXPECT_EQ(d.provider, "openai");
  EXPECT_EQ(d.model, "gpt-4o");
  EXPECT_EQ(d.api_key, "sk-test-literal");
  EXPECT_EQ(d.api_base, "https://example.test/v1");  // trailing '/' removed
  EXPECT_EQ(d.api_version, "2024-06-01");
  EXPECT_EQ(d.organization, "org-123");
  EXPECT_EQ(d.timeout, 30.0);
  EXPECT_EQ(d.stream_timeout, 12.5);  // written as a string
  EXPECT_EQ(d.max_retries, 2);
  EXPECT_EQ(d.rpm, 600);
  EXPECT_EQ(d.tpm, 100000);
  EXPECT_EQ(d.weight, 2.5);
  EXPECT_EQ(d.extra_headers.at("X-Team"), "research");
  EXPECT_EQ(d.extra_headers.at("X-Retry"), "3");
  EXPECT_EQ(d.source_line, 3);
}

TEST_F(FullConfig, ExtraParamsKeepTheirYamlTypes) {
  const auto& extra = config.model_list[0].extra_params;
  EXPECT_TRUE(extra.at("temperature").is_double());
  EXPECT_DOUBLE_EQ(extra.at("temperature").as_double(), 0.2);
  EXPECT_TRUE(extra.at("max_tokens").is_int64());
  EXPECT_EQ(extra.at("max_tokens").as_int64(), 256);
  EXPECT_EQ(extra.at("seed").as_int64(), 7);
  const auto& stop = extra.at("stop").as_array();
  ASSERT_EQ(stop.size(), 2u);
  EXPECT_EQ(stop[0].as_string(), "\n\n");
  EXPECT_EQ(stop[1].as_string(), "END");
  EXPECT_EQ(extra.at("logit_bias").at("50256").as_int64(), -100);
  EXPECT_TRUE(extra.at("parallel_tool_calls").is_bool());
  EXPECT_FALSE(extra.at("parallel_tool_calls").as_bool());
  EXPECT_TRUE(extra.at("user").is_string());  // quoted "42" stays a string
  EXPECT_EQ(extra.at("user").as_string(), "42");
  EXPECT_FALSE(extra.contains("response_format"));  // null: not set
  // Typed keys are not repeated in extra_params.
  for (const char* key : {"model", "api_key", "api_base", "timeout", "rpm", "weight",
                          "extra_headers", "max_retries", "api_version", "organization"})
    EXPECT_FALSE(extra.contains(key)) << key;
}

TEST_F(FullConfig, ModelInfo) {
  const ModelInfo& info = config.model_list[0].model_info;
  EXPECT_EQ(info.id, "gpt-4o-primary");
  EXPECT_EQ(info.mode, "chat");
  EXPECT_EQ(info.max_input_tokens, 128000);
  EXPECT_DOUBLE_EQ(*info.input_cost_per_token, 0.0000025);
  EXPECT_DOUBLE_EQ(*info.output_cost_per_token, 1.0e-5);
  EXPECT_EQ(info.extra.at("base_model").as_string(), "gpt-4o-2024-08-06");
  EXPECT_TRUE(info.extra.at("supports_vision").as_bool());
  EXPECT_FALSE(info.extra.contains("id"));
}

TEST_F(FullConfig, InferredSplitAndWildcardDeployments) {
  const Deployment& claude = config.model_list[1];
  EXPECT_EQ(claude.provider, "anthropic");
  EXPECT_EQ(claude.model, "claude-3-5-sonnet-20241022");
  EXPECT_EQ(claude.model_info.mode, "chat");    // the default
  EXPECT_EQ(claude.model_info.id.size(), 32u);  // generated
  EXPECT_EQ(claude.source_line, 35);

  const Deployment& wildcard = config.model_list[2];
  EXPECT_EQ(wildcard.model_name, "openai/*");
  EXPECT_EQ(wildcard.provider, "openai");
  EXPECT_EQ(wildcard.model, "*");

  const Deployment& llama = config.model_list[3];
  EXPECT_EQ(llama.provider, "openrouter");
  EXPECT_EQ(llama.model, "meta-llama/llama-3.1-70b-instruct");
}

TEST_F(FullConfig, RouterSettings) {
  const RouterSettings& r = config.router_settings;
  EXPECT_EQ(r.routing_strategy, "latency-based-routing");
  EXPECT_EQ(r.routing_strategy_args.at("ttl").as_int64(), 60);
  EXPECT_DOUBLE_EQ(r.routing_strategy_args.at("lowest_latency_buffer").as_double(), 0.5);
  EXPECT_EQ(r.num_retries, 3);
  EXPECT_DOUBLE_EQ(r.retry_after, 1.5);
  EXPECT_EQ(r.timeout, 60.0);
  EXPECT_EQ(r.stream_timeout, 20.0);
  ASSERT_EQ(r.fallbacks.size(), 2u);
  EXPECT_EQ(r.fallbacks[0].model_group, "gpt-4o");
  EXPECT_EQ(r.fallbacks[0].fallbacks, (std::vector<std::string>{"claude", "llama"}));
  EXPECT_EQ(r.fallbacks[1].model_group, "claude");
  EXPECT_EQ(r.fallbacks[1].fallbacks, (std::vector<std::string>{"llama"}));
  ASSERT_EQ(r.context_window_fallbacks.size(), 1u);
  EXPECT_EQ(r.context_window_fallbacks[0].fallbacks, (std::vector<std::string>{"claude"}));
  EXPECT_EQ(r.default_fallbacks, (std::vector<std::string>{"llama"}));
  EXPECT_EQ(r.allowed_fails, 5);
  EXPECT_DOUBLE_EQ(r.cooldown_time, 30);
  EXPECT_EQ(r.model_group_alias.at("gpt-4"), "gpt-4o");
  EXPECT_EQ(r.model_group_alias.at("sonnet"), "claude");
  EXPECT_EQ(r.hidden_aliases, (std::set<std::string>{"sonnet"}));
  EXPECT_TRUE(r.extra.empty());
}

TEST_F(FullConfig, OtherSections) {
  EXPECT_EQ(config.general_settings.master_key, "sk-routeiq-test");
  EXPECT_TRUE(config.litellm_settings.drop_params);
  EXPECT_EQ(config.litellm_settings.request_timeout, 600.0);
  EXPECT_EQ(config.litellm_settings.num_retries, 4);
  EXPECT_FALSE(config.litellm_settings.set_verbose);
  EXPECT_EQ(config.environment_variables.at("ROUTEIQ_FULL_TEST_VAR"), "from-file");
  EXPECT_EQ(config.source_path, kData + "/full.yaml");
  // Everything in the file is known: no warnings (telemetry is harmless).
  EXPECT_TRUE(config.warnings.empty()) << config.warnings.front();
}

TEST(LoaderDefaults, UnsetSettingsKeepLiteLLMDefaults) {
  Config c =
      load_ok("model_list:\n  - model_name: m\n    litellm_params: {model: openai/gpt-4o}\n");
  EXPECT_EQ(c.router_settings.routing_strategy, "simple-shuffle");
  EXPECT_EQ(c.router_settings.num_retries, 0);
  EXPECT_EQ(c.router_settings.allowed_fails, 3);
  EXPECT_DOUBLE_EQ(c.router_settings.cooldown_time, 5);
  EXPECT_FALSE(c.router_settings.timeout.has_value());
  EXPECT_TRUE(c.general_settings.master_key.empty());
  EXPECT_FALSE(c.litellm_settings.drop_params);
  EXPECT_FALSE(c.model_list[0].timeout.has_value());
  EXPECT_TRUE(c.model_list[0].api_base.empty());
  EXPECT_TRUE(c.warnings.empty());
}

TEST(LoaderDefaults, EmptyFileIsAnEmptyConfigWithAWarning) {
  Config c = load_ok("# nothing here\n");
  EXPECT_TRUE(c.model_list.empty());
  ASSERT_EQ(c.warnings.size(), 1u);
  EXPECT_NE(c.warnings[0].find("model_list is empty"), std::string::npos);
}

TEST(LoaderNumbers, NumbersWrittenAsStringsAreAccepted) {
  Config c = load_ok(R"(model_list:
  - model_name: m
    litellm_params:
      model: openai/gpt-4o
      timeout: "30"
      rpm: "100"
      weight: "0.5"
      max_retries: "3.0"
router_settings:
  num_retries: "2"
  cooldown_time: "1e1"
litellm_settings:
  drop_params: "True"
)");
  ASSERT_EQ(c.model_list.size(), 1u);
  EXPECT_EQ(c.model_list[0].timeout, 30.0);
  EXPECT_EQ(c.model_list[0].rpm, 100);
  EXPECT_EQ(c.model_list[0].weight, 0.5);
  EXPECT_EQ(c.model_list[0].max_retries, 3);
  EXPECT_EQ(c.router_settings.num_retries, 2);
  EXPECT_DOUBLE_EQ(c.router_settings.cooldown_time, 10);
  EXPECT_TRUE(c.litellm_settings.drop_params);
}

// LiteLLM's own azure_config.yaml writes `tpm: 20_000`: PyYAML reads YAML 1.1
// numbers, whose digits "_" may group.
TEST(LoaderNumbers, DigitSeparatorsAreAcceptedLikePyYaml) {
  Config c = load_ok(R"(model_list:
  - model_name: m
    litellm_params:
      model: openai/gpt-4o
      tpm: 20_000
      rpm: "1_800"
      timeout: 1_200.5
      max_tokens: 4_096
    model_info:
      max_input_tokens: 128_000
router_settings:
  allowed_fails: 1_0
  cooldown_time: 6_0
)");
  ASSERT_EQ(c.model_list.size(), 1u);
  const Deployment& d = c.model_list[0];
  EXPECT_EQ(d.tpm, 20000);
  EXPECT_EQ(d.rpm, 1800);
  EXPECT_EQ(d.timeout, 1200.5);
  EXPECT_EQ(d.extra_params.at("max_tokens").as_int64(), 4096);
  EXPECT_EQ(d.model_info.max_input_tokens, 128000);
  EXPECT_EQ(c.router_settings.allowed_fails, 10);
  EXPECT_DOUBLE_EQ(c.router_settings.cooldown_time, 60);
}

TEST(LoaderNumbers, LimitsThemselvesAreAccepted) {
  Config c = load_ok(R"(model_list:
  - model_name: m
    litellm_params:
      model: openai/gpt-4o
      timeout: 1e6
      max_retries: 1000000
      weight: 0
      tpm: 100_000_000_000
router_settings:
  cooldown_time: 0
  retry_after: 1000000
  num_retries: 0
)");
  ASSERT_EQ(c.model_list.size(), 1u);
  EXPECT_EQ(c.model_list[0].timeout, 1e6);
  EXPECT_EQ(c.model_list[0].max_retries, 1000000);
  EXPECT_EQ(c.model_list[0].tpm, 100'000'000'000);
  EXPECT_EQ(c.router_settings.retry_after, 1e6);
}

TEST(LoaderYaml, MergeKeysAndAnchorsAreExpanded) {
  Config c = load_ok(R"(x-defaults: &defaults
  timeout: 11
  rpm: 50
model_list:
  - model_name: a
    litellm_params:
      <<: *defaults
      model: openai/gpt-4o
      rpm: 70
)");
  ASSERT_EQ(c.model_list.size(), 1u);
  EXPECT_EQ(c.model_list[0].timeout, 11.0);
  EXPECT_EQ(c.model_list[0].rpm, 70);  // the explicit key wins over the merged one
  // The anchor holder is an unknown top-level key: kept, reported.
  ASSERT_EQ(c.warnings.size(), 1u);
  EXPECT_EQ(c.warnings[0], "config.yaml:1: unknown key x-defaults (ignored)");
}

// A repeated key replaces the entry, never the earlier value itself: an alias
// of the earlier value still reads it, and no cycle appears.
TEST(LoaderYaml, RepeatedKeyLeavesTheEarlierValueToItsAliases) {
  Config c = load_ok(R"(general_settings: &first {master_key: sk-first}
general_settings: {master_key: sk-second}
x-copy: *first
x-list: &list [a]
x-list: [*list]
)");
  EXPECT_EQ(c.general_settings.master_key, "sk-second");
  ASSERT_TRUE(c.extra.contains("x-copy"));
  EXPECT_EQ(c.extra.at("x-copy").as_object().at("master_key").as_string(), "sk-first");
  ASSERT_TRUE(c.extra.contains("x-list"));
  EXPECT_EQ(boost::json::serialize(c.extra.at("x-list")), R"([["a"]])");
}

TEST(LoaderYaml, RepeatedKeyWarnsAndTheLastWins) {
  Config c = load_ok(R"(model_list:
  - model_name: a
    litellm_params:
      model: openai/gpt-4o
      timeout: 5
      timeout: 9
)");
  EXPECT_EQ(c.model_list[0].timeout, 9.0);
  ASSERT_EQ(c.warnings.size(), 1u);
  EXPECT_NE(c.warnings[0].find("config.yaml:6: model_list[0].litellm_params.timeout: repeated key"),
            std::string::npos)
      << c.warnings[0];
}

TEST(LoaderProviders, CustomLlmProviderOverridesThePrefix) {
  Config c = load_ok(R"(model_list:
  - model_name: local
    litellm_params:
      model: meta-llama/Llama-3.1-8B-Instruct
      custom_llm_provider: hosted_vllm
      api_base: http://gpu-box:8000/v1
  - model_name: prefixed
    litellm_params:
      model: groq/llama3-8b
      custom_llm_provider: groq
)");
  EXPECT_EQ(c.model_list[0].provider, "hosted_vllm");
  EXPECT_EQ(c.model_list[0].model, "meta-llama/Llama-3.1-8B-Instruct");
  EXPECT_FALSE(c.model_list[0].extra_params.contains("custom_llm_provider"));
  EXPECT_EQ(c.model_list[1].provider, "groq");
  EXPECT_EQ(c.model_list[1].model, "llama3-8b");
}

TEST(LoaderProviders, OllamaServerRootGetsItsOpenAIPath) {
  Config c = load_ok(R"(model_list:
  - model_name: a
    litellm_params: {model: ollama/llama3, api_base: "http://localhost:11434"}
  - model_name: b
    litellm_params: {model: ollama_chat/llama3, api_base: "http://box:11434/v1/"}
  - model_name: c
    litellm_params: {model: ollama/llama3}
)");
  EXPECT_EQ(c.model_list[0].api_base, "http://localhost:11434/v1");
  EXPECT_EQ(c.model_list[1].api_base, "http://box:11434/v1");
  EXPECT_EQ(c.model_list[2].api_base, "");  // the table's default applies
}

TEST(LoaderProviders, BareStarForwardsAnyProvider) {
  Config c = load_ok("model_list:\n  - model_name: \"*\"\n    litellm_params: {model: \"*\"}\n");
  ASSERT_EQ(c.model_list.size(), 1u);
  EXPECT_EQ(c.model_list[0].model_name, "*");
  EXPECT_EQ(c.model_list[0].provider, "");
  EXPECT_EQ(c.model_list[0].model, "*");
}

TEST(LoaderFallbacks, LitellmSettingsFallbacksApplyWhenRouterHasNone) {
  Config c = load_ok(R"(model_list:
  - model_name: a
    litellm_params: {model: openai/gpt-4o}
litellm_settings:
  fallbacks: [{a: [b]}]
  context_window_fallbacks: [{a: [c]}]
)");
  ASSERT_EQ(c.router_settings.fallbacks.size(), 1u);
  EXPECT_EQ(c.router_settings.fallbacks[0].fallbacks, (std::vector<std::string>{"b"}));
  ASSERT_EQ(c.router_settings.context_window_fallbacks.size(), 1u);

  Config both = load_ok(R"(model_list:
  - model_name: a
    litellm_params: {model: openai/gpt-4o}
router_settings:
  fallbacks: [{a: [x]}]
litellm_settings:
  fallbacks: [{a: [b]}]
)");
  ASSERT_EQ(both.router_settings.fallbacks.size(), 1u);
  EXPECT_EQ(both.router_settings.fallbacks[0].fallbacks, (std::vector<std::string>{"x"}));
}

}  // namespace
}  // namespace routeiq::config
