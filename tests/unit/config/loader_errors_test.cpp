// Every kind of invalid config stops loading with "<file>:<line>: <path>: <problem>".
#include "test_util.hpp"

namespace routeiq::config {
namespace {

using testing::load_error;
using testing::ScopedEnv;

std::string one_model(const std::string& params) {
  return "model_list:\n  - model_name: m\n    litellm_params:\n      model: openai/gpt-4o\n" +
         params;
}

TEST(LoaderErrors, NumberExpected) {
  EXPECT_EQ(load_error(one_model("      timeout: abc\n")),
            "config.yaml:5: model_list[0].litellm_params.timeout: expected a number, got \"abc\"");
}

TEST(LoaderErrors, NegativeAndZeroTimeouts) {
  EXPECT_EQ(load_error(one_model("      timeout: -1\n")),
            "config.yaml:5: model_list[0].litellm_params.timeout: must be greater than 0, got "
            "\"-1\"");
  EXPECT_EQ(load_error(one_model("      stream_timeout: 0\n")),
            "config.yaml:5: model_list[0].litellm_params.stream_timeout: must be greater than 0, "
            "got \"0\"");
  EXPECT_EQ(load_error("router_settings:\n  timeout: -3\n"),
            "config.yaml:2: router_settings.timeout: must be greater than 0, got \"-3\"");
  EXPECT_EQ(load_error("litellm_settings:\n  request_timeout: -3\n"),
            "config.yaml:2: litellm_settings.request_timeout: must be greater than 0, got \"-3\"");
}

TEST(LoaderErrors, NegativeWeightAndCounts) {
  EXPECT_EQ(load_error(one_model("      weight: -0.5\n")),
            "config.yaml:5: model_list[0].litellm_params.weight: must not be negative, got "
            "\"-0.5\"");
  EXPECT_EQ(load_error(one_model("      max_retries: -1\n")),
            "config.yaml:5: model_list[0].litellm_params.max_retries: must not be negative, got "
            "\"-1\"");
  EXPECT_EQ(load_error("router_settings:\n  cooldown_time: -1\n"),
            "config.yaml:2: router_settings.cooldown_time: must not be negative, got \"-1\"");
}

// Huge or non-finite values would overflow later, when seconds become
// milliseconds or counts become int: refused where they are written.
TEST(LoaderErrors, NonFiniteNumbers) {
  EXPECT_EQ(load_error(one_model("      timeout: .nan\n")),
            "config.yaml:5: model_list[0].litellm_params.timeout: must be a finite number, got "
            "\".nan\"");
  EXPECT_EQ(load_error(one_model("      timeout: .inf\n")),
            "config.yaml:5: model_list[0].litellm_params.timeout: must be a finite number, got "
            "\".inf\"");
  EXPECT_EQ(load_error("router_settings:\n  cooldown_time: .inf\n"),
            "config.yaml:2: router_settings.cooldown_time: must be a finite number, got \".inf\"");
  EXPECT_EQ(load_error("router_settings:\n  retry_after: -.Inf\n"),
            "config.yaml:2: router_settings.retry_after: must be a finite number, got \"-.Inf\"");
  EXPECT_EQ(load_error(one_model("      weight: 1e400\n")),
            "config.yaml:5: model_list[0].litellm_params.weight: is out of range, got \"1e400\"");
  EXPECT_EQ(load_error(one_model("      rpm: .inf\n")),
            "config.yaml:5: model_list[0].litellm_params.rpm: must be a finite number, got "
            "\".inf\"");
}

TEST(LoaderErrors, SecondsBeyondTheLimit) {
  EXPECT_EQ(load_error(one_model("      timeout: 1e300\n")),
            "config.yaml:5: model_list[0].litellm_params.timeout: must be at most 1000000 seconds, "
            "got \"1e300\"");
  EXPECT_EQ(load_error(one_model("      stream_timeout: 1000001\n")),
            "config.yaml:5: model_list[0].litellm_params.stream_timeout: must be at most 1000000 "
            "seconds, got \"1000001\"");
  EXPECT_EQ(load_error("router_settings:\n  timeout: 1e7\n"),
            "config.yaml:2: router_settings.timeout: must be at most 1000000 seconds, got \"1e7\"");
  EXPECT_EQ(load_error("router_settings:\n  cooldown_time: 1e300\n"),
            "config.yaml:2: router_settings.cooldown_time: must be at most 1000000 seconds, got "
            "\"1e300\"");
  EXPECT_EQ(load_error("router_settings:\n  retry_after: 2e6\n"),
            "config.yaml:2: router_settings.retry_after: must be at most 1000000 seconds, got "
            "\"2e6\"");
  EXPECT_EQ(load_error("litellm_settings:\n  request_timeout: 1e300\n"),
            "config.yaml:2: litellm_settings.request_timeout: must be at most 1000000 seconds, got "
            "\"1e300\"");
}

TEST(LoaderErrors, CountsBeyondTheLimit) {
  EXPECT_EQ(load_error("router_settings:\n  num_retries: 1e308\n"),
            "config.yaml:2: router_settings.num_retries: is out of range for an integer, got "
            "\"1e308\"");
  EXPECT_EQ(load_error("router_settings:\n  num_retries: 3000000000\n"),
            "config.yaml:2: router_settings.num_retries: must be at most 1000000, got "
            "\"3000000000\"");
  EXPECT_EQ(load_error("router_settings:\n  allowed_fails: 1000001\n"),
            "config.yaml:2: router_settings.allowed_fails: must be at most 1000000, got "
            "\"1000001\"");
  EXPECT_EQ(load_error("litellm_settings:\n  num_retries: 99999999999999999999\n"),
            "config.yaml:2: litellm_settings.num_retries: is out of range for an integer, got "
            "\"99999999999999999999\"");
  EXPECT_EQ(load_error(one_model("      max_retries: 1e7\n")),
            "config.yaml:5: model_list[0].litellm_params.max_retries: must be at most 1000000, got "
            "\"1e7\"");
  EXPECT_EQ(load_error(one_model("      weight: 1e300\n")),
            "config.yaml:5: model_list[0].litellm_params.weight: must be at most 1000000, got "
            "\"1e300\"");
  EXPECT_EQ(load_error(one_model("      tpm: 1e300\n")),
            "config.yaml:5: model_list[0].litellm_params.tpm: is out of range for an integer, got "
            "\"1e300\"");
}

TEST(LoaderErrors, IntegerExpected) {
  EXPECT_EQ(load_error(one_model("      rpm: 1.5\n")),
            "config.yaml:5: model_list[0].litellm_params.rpm: expected an integer, got \"1.5\"");
  EXPECT_EQ(load_error("router_settings:\n  num_retries: many\n"),
            "config.yaml:2: router_settings.num_retries: expected an integer, got \"many\"");
}

TEST(LoaderErrors, MisplacedDigitSeparators) {
  EXPECT_EQ(load_error(one_model("      tpm: _20000\n")),
            "config.yaml:5: model_list[0].litellm_params.tpm: expected an integer, got \"_20000\"");
  EXPECT_EQ(load_error(one_model("      timeout: 1e1_0\n")),
            "config.yaml:5: model_list[0].litellm_params.timeout: expected a number, got "
            "\"1e1_0\"");
}

TEST(LoaderErrors, BoolExpected) {
  EXPECT_EQ(load_error("litellm_settings:\n  drop_params: maybe\n"),
            "config.yaml:2: litellm_settings.drop_params: expected true or false, got \"maybe\"");
}

TEST(LoaderErrors, StringExpected) {
  EXPECT_EQ(load_error(one_model("      api_base: [a, b]\n")),
            "config.yaml:5: model_list[0].litellm_params.api_base: expected a string, got a list");
  EXPECT_EQ(load_error("general_settings:\n  master_key: {a: 1}\n"),
            "config.yaml:2: general_settings.master_key: expected a string, got a map");
}

TEST(LoaderErrors, ExtraHeadersMustBeAMap) {
  EXPECT_EQ(load_error(one_model("      extra_headers: [X-A]\n")),
            "config.yaml:5: model_list[0].litellm_params.extra_headers: expected a map, got a "
            "list");
}

TEST(LoaderErrors, ModelListShape) {
  EXPECT_EQ(load_error("model_list:\n  model_name: m\n"),
            "config.yaml:1: model_list: expected a list, got a map");
  EXPECT_EQ(load_error("model_list:\n  - just-a-name\n"),
            "config.yaml:2: model_list[0]: expected a map, got \"just-a-name\"");
}

TEST(LoaderErrors, RequiredKeys) {
  EXPECT_EQ(load_error("model_list:\n  - litellm_params: {model: openai/gpt-4o}\n"),
            "config.yaml:2: model_list[0]: model_name is required");
  EXPECT_EQ(load_error("model_list:\n  - model_name: m\n"),
            "config.yaml:2: model_list[0]: litellm_params is required");
  EXPECT_EQ(load_error("model_list:\n  - model_name: m\n    litellm_params:\n      rpm: 1\n"),
            "config.yaml:3: model_list[0].litellm_params: model is required (e.g. "
            "\"openai/gpt-4o\")");
  EXPECT_EQ(load_error("model_list:\n  - model_name: m\n    litellm_params: 5\n"),
            "config.yaml:3: model_list[0].litellm_params: expected a map, got \"5\"");
}

TEST(LoaderErrors, ErrorsPointAtTheRightEntry) {
  std::string yaml = R"(model_list:
  - model_name: ok
    litellm_params:
      model: openai/gpt-4o
  - model_name: bad
    litellm_params:
      model: openai/gpt-4o
      tpm: "-5"
)";
  EXPECT_EQ(load_error(yaml),
            "config.yaml:8: model_list[1].litellm_params.tpm: must not be negative, got \"-5\"");
}

TEST(LoaderErrors, ModelWithoutProviderOrName) {
  EXPECT_EQ(
      load_error("model_list:\n  - model_name: m\n    litellm_params:\n      model: /gpt-4o\n"),
      "config.yaml:4: model_list[0].litellm_params.model: no provider before \"/\" in "
      "\"/gpt-4o\"");
  EXPECT_EQ(load_error("model_list:\n  - model_name: m\n    litellm_params:\n      model: foo/\n"),
            "config.yaml:4: model_list[0].litellm_params.model: no model name after \"foo/\"");
}

TEST(LoaderErrors, ProviderCannotBeInferred) {
  std::string message =
      load_error("model_list:\n  - model_name: m\n    litellm_params:\n      model: llama3\n");
  EXPECT_NE(message.find("config.yaml:4: model_list[0].litellm_params.model: cannot infer the "
                         "provider of \"llama3\""),
            std::string::npos)
      << message;
}

TEST(LoaderErrors, ProviderWithoutDefaultBaseNeedsOne) {
  ScopedEnv unset("HOSTED_VLLM_API_BASE", nullptr);
  EXPECT_EQ(load_error("model_list:\n  - model_name: m\n    litellm_params:\n      model: "
                       "hosted_vllm/llama\n"),
            "config.yaml:3: model_list[0].litellm_params.api_base: required for provider "
            "\"hosted_vllm\" (or set the environment variable HOSTED_VLLM_API_BASE)");
  ScopedEnv empty("HOSTED_VLLM_API_BASE", "");
  EXPECT_NE(load_error("model_list:\n  - model_name: m\n    litellm_params:\n      model: "
                       "hosted_vllm/llama\n")
                .find("required for provider \"hosted_vllm\""),
            std::string::npos);
  ScopedEnv set("HOSTED_VLLM_API_BASE", "http://gpu:8000/v1");
  auto ok = load_config_string(
      "model_list:\n  - model_name: m\n    litellm_params:\n      model: hosted_vllm/llama\n");
  EXPECT_TRUE(ok.ok()) << ok.error().message;
}

TEST(LoaderErrors, DuplicateExplicitIds) {
  std::string yaml = R"(model_list:
  - model_name: a
    litellm_params: {model: openai/gpt-4o}
    model_info: {id: same}
  - model_name: b
    litellm_params: {model: openai/gpt-4o-mini}
    model_info:
      id: same
)";
  EXPECT_EQ(load_error(yaml),
            "config.yaml:8: model_list[1].model_info.id: duplicate id \"same\" (first used at "
            "config.yaml:4)");
}

TEST(LoaderErrors, ModelInfoTypes) {
  EXPECT_EQ(load_error(one_model("    model_info:\n      max_input_tokens: big\n")),
            "config.yaml:6: model_list[0].model_info.max_input_tokens: expected an integer, got "
            "\"big\"");
  EXPECT_EQ(load_error(one_model("    model_info:\n      input_cost_per_token: -1\n")),
            "config.yaml:6: model_list[0].model_info.input_cost_per_token: must not be negative, "
            "got \"-1\"");
}

TEST(LoaderErrors, FallbackShapes) {
  EXPECT_EQ(load_error("router_settings:\n  fallbacks: {gpt-4o: [b]}\n"),
            "config.yaml:2: router_settings.fallbacks: expected a list, got a map");
  EXPECT_EQ(load_error("router_settings:\n  fallbacks:\n    - gpt-4o\n"),
            "config.yaml:3: router_settings.fallbacks[0]: expected a map {model_group: "
            "[fallbacks...]}, got a single value");
  EXPECT_EQ(load_error("router_settings:\n  fallbacks:\n    - gpt-4o: [{x: 1}]\n"),
            "config.yaml:3: router_settings.fallbacks[0].gpt-4o[0]: expected a string, got a map");
  EXPECT_EQ(load_error("router_settings:\n  routing_strategy_args: [1]\n"),
            "config.yaml:2: router_settings.routing_strategy_args: expected a map, got a list");
}

TEST(LoaderErrors, AliasMapNeedsAModel) {
  EXPECT_EQ(load_error("router_settings:\n  model_group_alias:\n    a:\n      hidden: true\n"),
            "config.yaml:3: router_settings.model_group_alias.a: model is required in an alias "
            "given as a map");
}

TEST(LoaderErrors, InvalidYamlNamesTheLine) {
  std::string message = load_error("model_list:\n  - model_name: [unclosed\n");
  EXPECT_TRUE(message.starts_with("config.yaml:3: invalid YAML:")) << message;
  EXPECT_EQ(load_error("- a\n- b\n"),
            "config.yaml:1: expected a map of sections (model_list, router_settings, ...)");
}

// An anchor used inside the node it names is a cycle: refused, not a stack overflow.
TEST(LoaderErrors, AliasInsideItsOwnAnchorIsRefused) {
  std::string message = load_error(
      "defaults: &defaults\n"
      "  timeout: 30\n"
      "  models:\n"
      "    - litellm_params:\n"
      "        <<: *defaults\n");
  EXPECT_TRUE(message.starts_with("config.yaml:")) << message;
  EXPECT_NE(message.find("nested more than 100 levels deep (or an alias is used inside the node "
                         "it names)"),
            std::string::npos)
      << message;
  EXPECT_NE(load_error("a: &a [x, *a]\n").find("levels deep"), std::string::npos);
}

// Aliases of aliases multiply: ten levels of ten would be 10^10 values.
TEST(LoaderErrors, AliasExpansionIsBounded) {
  std::string yaml = "l0: &l0 [x, x, x, x, x, x, x, x, x, x]\n";
  for (int i = 1; i < 10; ++i) {
    std::string previous = "*l" + std::to_string(i - 1);
    yaml += "l" + std::to_string(i) + ": &l" + std::to_string(i) + " [";
    for (int j = 0; j < 10; ++j) yaml += (j ? ", " : "") + previous;
    yaml += "]\n";
  }
  std::string message = load_error(yaml);
  EXPECT_NE(message.find("more than 100000 values once aliases are expanded"), std::string::npos)
      << message;
}

// Within the bounds, nesting and repeated aliases load as before.
TEST(LoaderErrors, DeepNestingAndRepeatedAliasesWithinBoundsLoad) {
  std::string nested = "deep: ";
  for (int i = 0; i < 90; ++i) nested += "[";
  nested += "x";
  for (int i = 0; i < 90; ++i) nested += "]";
  Config config = testing::load_ok(nested + "\nparams: &p {timeout: 5}\nmore: [*p, *p, *p]\n");
  ASSERT_TRUE(config.extra.contains("deep"));
  ASSERT_TRUE(config.extra.contains("more"));
  EXPECT_EQ(config.extra.at("more").as_array().size(), 3u);
  EXPECT_EQ(config.extra.at("more").as_array()[2].as_object().at("timeout").as_int64(), 5);
}

TEST(LoaderErrors, MissingFile) {
  auto result = load_config_file("/nonexistent/routeiq.yaml");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().message,
            "/nonexistent/routeiq.yaml: cannot read: No such file or directory");
}

}  // namespace
}  // namespace routeiq::config

namespace routeiq::config {
namespace {

// extra_headers are sent on every upstream request: a value (often read from
// the environment) that would split the request is refused at load, and the
// error does not show it.
TEST(LoaderErrors, ExtraHeadersThatWouldSplitARequest) {
  testing::ScopedEnv header("RIQ_T_SPLIT", "team\r\nx-injected: 1");
  auto error = testing::load_error(
      "model_list:\n  - model_name: m\n    litellm_params:\n      model: openai/gpt-4o\n"
      "      extra_headers: {X-Team: os.environ/RIQ_T_SPLIT}\n");
  EXPECT_EQ(error,
            "config.yaml:5: model_list[0].litellm_params.extra_headers.X-Team: holds a line break "
            "or NUL, which HTTP does not allow");
  EXPECT_EQ(testing::load_error("model_list:\n  - model_name: m\n    litellm_params:\n      model: "
                                "openai/gpt-4o\n      extra_headers: {\"X Team\": a}\n"),
            "config.yaml:5: model_list[0].litellm_params.extra_headers.X Team: is not a header "
            "name (visible ASCII without ':')");
}

}  // namespace
}  // namespace routeiq::config
