// Unknown and not-yet-supported keys are accepted, kept and reported once each.
#include <boost/json.hpp>

#include "test_util.hpp"

namespace routeiq::config {
namespace {

using testing::load_ok;
using testing::ScopedEnv;

TEST(LoaderWarnings, UnknownKeysAreReportedWithFileLineAndPath) {
  Config c = load_ok(R"(model_list:
  - model_name: m
    litellm_params:
      model: openai/gpt-4o
    surprise: 1
router_settings:
  made_up_setting: 5
general_settings:
  also_made_up: x
litellm_settings:
  invented: true
my_section:
  a: 1
)");
  std::vector<std::string> expected = {
      "config.yaml:5: unknown key model_list[0].surprise (ignored)",
      "config.yaml:11: unknown key litellm_settings.invented (ignored)",
      "config.yaml:7: unknown key router_settings.made_up_setting (ignored)",
      "config.yaml:9: unknown key general_settings.also_made_up (ignored)",
      "config.yaml:12: unknown key my_section (ignored)",
  };
  EXPECT_EQ(c.warnings, expected);
  // Kept in the extra objects for whoever implements them later.
  EXPECT_EQ(c.router_settings.extra.at("made_up_setting").as_int64(), 5);
  EXPECT_EQ(c.general_settings.extra.at("also_made_up").as_string(), "x");
  EXPECT_TRUE(c.litellm_settings.extra.at("invented").as_bool());
  EXPECT_EQ(c.extra.at("my_section").at("a").as_int64(), 1);
}

// LiteLLM starts with a deployment whose provider it does not know and fails
// only the calls to it: the loader keeps it, with one warning.
TEST(LoaderWarnings, UnknownProviderKeepsTheDeployment) {
  Config c = load_ok(R"(model_list:
  - model_name: mystery
    litellm_params:
      model: foo/bar/baz
  - model_name: custom
    litellm_params:
      model: gpt-4o
      custom_llm_provider: nowhere
)");
  ASSERT_EQ(c.model_list.size(), 2u);
  EXPECT_EQ(c.model_list[0].provider, "foo");
  EXPECT_EQ(c.model_list[0].model, "bar/baz");
  EXPECT_EQ(c.model_list[1].provider, "nowhere");
  EXPECT_EQ(c.model_list[1].model, "gpt-4o");
  ASSERT_EQ(c.warnings.size(), 2u);
  const std::string& unknown = c.warnings[0];
  EXPECT_TRUE(
      unknown.starts_with("config.yaml:4: model_list[0].litellm_params.model: unknown "
                          "provider \"foo\" in \"foo/bar/baz\" (valid: openai, azure, "
                          "anthropic"))
      << unknown;
  EXPECT_TRUE(
      unknown.ends_with("; deployment \"mystery\" is kept, and every call routed to it "
                        "fails with a 400"))
      << unknown;
  EXPECT_TRUE(
      c.warnings[1].starts_with("config.yaml:7: model_list[1].litellm_params.model: "
                                "unknown custom_llm_provider \"nowhere\" (valid: "))
      << c.warnings[1];
  EXPECT_NE(c.warnings[1].find("deployment \"custom\" is kept"), std::string::npos);
}

// LiteLLM reports a missing api_base of azure and databricks only when they
// are called ("Missing Azure API Base"): start-up warns, calls get a 400.
TEST(LoaderWarnings, AzureAndDatabricksWithoutApiBase) {
  ScopedEnv azure("AZURE_API_BASE", "");  // set but empty reads as unset
  ScopedEnv databricks("DATABRICKS_API_BASE", nullptr);
  Config c = load_ok(R"(model_list:
  - model_name: az
    litellm_params:
      model: azure/my-deployment
  - model_name: dbx
    litellm_params:
      model: databricks/dbrx-instruct
)");
  ASSERT_EQ(c.model_list.size(), 2u);
  std::vector<std::string> expected = {
      "config.yaml:3: model_list[0].litellm_params.api_base: required for provider \"azure\" (or "
      "set the environment variable AZURE_API_BASE); deployment \"az\" is kept, and every call "
      "routed to it fails with a 400",
      "config.yaml:6: model_list[1].litellm_params.api_base: required for provider \"databricks\" "
      "(or set the environment variable DATABRICKS_API_BASE); deployment \"dbx\" is kept, and "
      "every call routed to it fails with a 400",
  };
  EXPECT_EQ(c.warnings, expected);
  ScopedEnv set("AZURE_API_BASE", "https://example.openai.azure.com");
  EXPECT_TRUE(load_ok("model_list:\n  - model_name: az\n    litellm_params: {model: azure/x}\n")
                  .warnings.empty());
}

TEST(LoaderWarnings, KnownButUnsupportedLiteLLMSettings) {
  Config c = load_ok(R"(model_list:
  - model_name: m
    litellm_params: {model: openai/gpt-4o}
router_settings:
  retry_policy: {}
general_settings:
  alerting_threshold: 300
litellm_settings:
  callbacks: ["langfuse"]
guardrails:
  - guardrail_name: g
)");
  std::vector<std::string> expected = {
      "config.yaml:9: litellm_settings.callbacks is a LiteLLM setting RouteIQ does not support "
      "yet (ignored)",
      "config.yaml:5: router_settings.retry_policy is a LiteLLM setting RouteIQ does not support "
      "yet (ignored)",
      "config.yaml:7: general_settings.alerting_threshold is a LiteLLM setting RouteIQ does not "
      "support yet (ignored)",
      "config.yaml:10: guardrails is a LiteLLM setting RouteIQ does not support yet (ignored)",
  };
  EXPECT_EQ(c.warnings, expected);
  EXPECT_TRUE(c.router_settings.extra.at("retry_policy").is_object());
  EXPECT_EQ(c.general_settings.extra.at("alerting_threshold").as_int64(), 300);
  EXPECT_EQ(c.litellm_settings.extra.at("callbacks").as_array()[0].as_string(), "langfuse");
  EXPECT_TRUE(c.extra.at("guardrails").is_array());
}

TEST(LoaderSettings, StorePromptsInSpendLogs) {
  Config c = load_ok(
      "model_list:\n  - model_name: m\n    litellm_params: {model: openai/gpt-4o}\n"
      "general_settings:\n  store_prompts_in_spend_logs: true\n");
  EXPECT_TRUE(c.warnings.empty());
  EXPECT_TRUE(c.general_settings.store_prompts_in_spend_logs);
  EXPECT_FALSE(load_ok("model_list: []\n").general_settings.store_prompts_in_spend_logs);
}

TEST(LoaderSettings, RedisSettings) {
  Config c = load_ok(R"(model_list:
  - model_name: m
    litellm_params: {model: openai/gpt-4o}
router_settings:
  redis_host: 10.0.0.5
  redis_port: 6380
  redis_password: s3cret
  redis_db: 2
)");
  EXPECT_TRUE(c.warnings.empty());
  EXPECT_EQ(c.router_settings.redis_host, "10.0.0.5");
  EXPECT_EQ(c.router_settings.redis_port, 6380);
  EXPECT_EQ(c.router_settings.redis_password, "s3cret");
  EXPECT_EQ(c.router_settings.redis_db, 2);
  EXPECT_TRUE(c.router_settings.redis_url.empty());
}

TEST(LoaderWarnings, ProviderParamsAndModelInfoExtrasAreNotWarnedAbout) {
  Config c = load_ok(R"(model_list:
  - model_name: m
    litellm_params:
      model: bedrock/anthropic.claude-3-haiku-20240307-v1:0
      aws_region_name: us-east-1
      top_k: 5
    model_info:
      supports_function_calling: true
)");
  EXPECT_TRUE(c.warnings.empty());
  EXPECT_EQ(c.model_list[0].provider, "bedrock");
  EXPECT_EQ(c.model_list[0].model, "anthropic.claude-3-haiku-20240307-v1:0");
  EXPECT_EQ(c.model_list[0].extra_params.at("top_k").as_int64(), 5);
}

TEST(LoaderWarnings, IncludedFileWarningsNameThatFile) {
  auto result = load_config_file(testing::kData + "/include_main.yaml");
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_TRUE(result->warnings.empty());
}

}  // namespace
}  // namespace routeiq::config
