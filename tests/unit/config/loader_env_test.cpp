// os.environ/ references and environment_variables.
#include <boost/json.hpp>

#include "test_util.hpp"

namespace routeiq::config {
namespace {

using testing::load_error;
using testing::load_ok;
using testing::ScopedEnv;

TEST(LoaderEnv, ResolvedAnywhereIncludingNestedExtraParams) {
  ScopedEnv key("RIQ_T_KEY", "sk-secret-value");
  ScopedEnv base("RIQ_T_BASE", "https://proxy.test/v1");
  ScopedEnv region("RIQ_T_REGION", "eu-west-1");
  ScopedEnv stop("RIQ_T_STOP", "###");
  ScopedEnv timeout("RIQ_T_TIMEOUT", "45");
  ScopedEnv header("RIQ_T_HEADER", "team-a");
  ScopedEnv master("RIQ_T_MASTER", "sk-master");
  ScopedEnv ttl("RIQ_T_TTL", "90");
  Config c = load_ok(R"(model_list:
  - model_name: m
    litellm_params:
      model: openai/gpt-4o
      api_key: os.environ/RIQ_T_KEY
      api_base: os.environ/RIQ_T_BASE
      timeout: os.environ/RIQ_T_TIMEOUT
      extra_headers: {X-Team: os.environ/RIQ_T_HEADER}
      aws_region_name: os.environ/RIQ_T_REGION
      stop: [a, "os.environ/RIQ_T_STOP"]
      metadata:
        nested:
          deep: os.environ/RIQ_T_REGION
    model_info:
      note: os.environ/RIQ_T_REGION
router_settings:
  routing_strategy_args: {ttl: os.environ/RIQ_T_TTL}
general_settings:
  master_key: os.environ/RIQ_T_MASTER
)");
  ASSERT_EQ(c.model_list.size(), 1u);
  const Deployment& d = c.model_list[0];
  EXPECT_EQ(d.api_key, "sk-secret-value");
  EXPECT_EQ(d.api_base, "https://proxy.test/v1");
  EXPECT_EQ(d.timeout, 45.0);
  EXPECT_EQ(d.extra_headers.at("X-Team"), "team-a");
  EXPECT_EQ(d.extra_params.at("aws_region_name").as_string(), "eu-west-1");
  EXPECT_EQ(d.extra_params.at("stop").as_array()[1].as_string(), "###");
  EXPECT_EQ(d.extra_params.at("metadata").at("nested").at("deep").as_string(), "eu-west-1");
  EXPECT_EQ(d.model_info.extra.at("note").as_string(), "eu-west-1");
  // Values from the environment stay strings, like os.environ in LiteLLM.
  EXPECT_EQ(c.router_settings.routing_strategy_args.at("ttl").as_string(), "90");
  EXPECT_EQ(c.general_settings.master_key, "sk-master");
}

TEST(LoaderEnv, MissingVariableIsAnErrorNamingPathAndVariable) {
  ScopedEnv unset("RIQ_T_MISSING", nullptr);
  EXPECT_EQ(load_error(R"(model_list:
  - model_name: m
    litellm_params:
      model: openai/gpt-4o
      vertex_credentials:
        files: [ok, os.environ/RIQ_T_MISSING]
)"),
            "config.yaml:6: model_list[0].litellm_params.vertex_credentials.files[1]: "
            "environment variable RIQ_T_MISSING is not set");
  EXPECT_EQ(load_error("general_settings:\n  master_key: os.environ/RIQ_T_MISSING\n"),
            "config.yaml:2: general_settings.master_key: environment variable RIQ_T_MISSING is "
            "not set");
  EXPECT_EQ(load_error("model_list:\n  - model_name: m\n    litellm_params:\n      model: "
                       "os.environ/RIQ_T_MISSING\n"),
            "config.yaml:4: model_list[0].litellm_params.model: environment variable "
            "RIQ_T_MISSING is not set");
}

// An empty api_base would fall back to the provider's public default base and
// send the deployment's key to it.
TEST(LoaderEnv, EmptyApiBaseVariableIsAnError) {
  ScopedEnv empty("RIQ_T_INTERNAL_BASE", "");
  EXPECT_EQ(load_error(R"(model_list:
  - model_name: m
    litellm_params:
      model: openai/gpt-4o
      api_key: sk-internal
      api_base: os.environ/RIQ_T_INTERNAL_BASE
)"),
            "config.yaml:6: model_list[0].litellm_params.api_base: environment variable "
            "RIQ_T_INTERNAL_BASE is set but empty; set it to the base URL, or remove api_base to "
            "use the provider's default");
}

TEST(LoaderEnv, EmptyMasterKeyIsAnError) {
  ScopedEnv empty("RIQ_T_MASTER", "");
  auto config = [](std::string_view key) {
    return "model_list:\n  - model_name: m\n    litellm_params:\n      model: openai/gpt-4o\n"
           "general_settings:\n  master_key: " +
           std::string(key) + "\n";
  };
  EXPECT_EQ(load_error(config("os.environ/RIQ_T_MASTER")),
            "config.yaml:6: general_settings.master_key: environment variable RIQ_T_MASTER is set "
            "but empty: the gateway would accept every request without a key; set it, or remove "
            "master_key to run without authentication");
  EXPECT_EQ(load_error(config("\"\"")),
            "config.yaml:6: general_settings.master_key: is empty: the gateway would accept every "
            "request without a key; remove master_key to run without authentication");
}

TEST(LoaderEnv, EmptyApiBaseIsAnError) {
  for (const char* written : {"\"\"", "\" \"", "\"/\""})
    EXPECT_EQ(load_error("model_list:\n  - model_name: m\n    litellm_params:\n      model: "
                         "openai/gpt-4o\n      api_base: " +
                         std::string(written) + "\n"),
              "config.yaml:5: model_list[0].litellm_params.api_base: is empty; remove it to use "
              "the provider's default")
        << written;
  // No value at all is "not set", as in LiteLLM: the provider's default applies.
  Config c = load_ok(
      "model_list:\n  - model_name: m\n    litellm_params:\n      model: openai/gpt-4o\n"
      "      api_base:\n");
  EXPECT_EQ(c.model_list[0].api_base, "");
}

TEST(LoaderEnv, MissingApiKeyVariableOnlyWarns) {
  ScopedEnv unset("RIQ_T_NO_KEY", nullptr);
  Config c = load_ok(R"(model_list:
  - model_name: m
    litellm_params:
      model: openai/gpt-4o
      api_key: os.environ/RIQ_T_NO_KEY
)");
  ASSERT_EQ(c.model_list.size(), 1u);
  EXPECT_EQ(c.model_list[0].api_key, "");
  ASSERT_EQ(c.warnings.size(), 1u);
  EXPECT_TRUE(
      c.warnings[0].starts_with("config.yaml:5: model_list[0].litellm_params.api_key: "
                                "environment variable RIQ_T_NO_KEY is not set"))
      << c.warnings[0];
}

TEST(LoaderEnv, SecretValuesAreNeverEchoed) {
  ScopedEnv secret("RIQ_T_SECRET_TIMEOUT", "sk-very-secret");
  std::string message = load_error(R"(model_list:
  - model_name: m
    litellm_params:
      model: openai/gpt-4o
      timeout: os.environ/RIQ_T_SECRET_TIMEOUT
)");
  EXPECT_EQ(message,
            "config.yaml:5: model_list[0].litellm_params.timeout: expected a number, got the "
            "value of os.environ/RIQ_T_SECRET_TIMEOUT");
  EXPECT_EQ(message.find("sk-very-secret"), std::string::npos);
}

TEST(LoaderEnv, EnvironmentVariablesAreSetBeforeResolution) {
  ScopedEnv fresh("RIQ_T_FROM_FILE", nullptr);
  Config c = load_ok(R"(model_list:
  - model_name: m
    litellm_params:
      model: openai/gpt-4o
      api_base: os.environ/RIQ_T_FROM_FILE
environment_variables:
  RIQ_T_FROM_FILE: https://set-by-file.test/v1
)");
  EXPECT_EQ(c.model_list[0].api_base, "https://set-by-file.test/v1");
  EXPECT_EQ(c.environment_variables.at("RIQ_T_FROM_FILE"), "https://set-by-file.test/v1");
  ASSERT_NE(std::getenv("RIQ_T_FROM_FILE"), nullptr);
  EXPECT_STREQ(std::getenv("RIQ_T_FROM_FILE"), "https://set-by-file.test/v1");
}

TEST(LoaderEnv, ExistingVariablesAreNotOverwritten) {
  ScopedEnv existing("RIQ_T_EXISTING", "https://from-process.test/v1");
  Config c = load_ok(R"(model_list:
  - model_name: m
    litellm_params:
      model: openai/gpt-4o
      api_base: os.environ/RIQ_T_EXISTING
environment_variables:
  RIQ_T_EXISTING: https://from-file.test/v1
)");
  EXPECT_EQ(c.model_list[0].api_base, "https://from-process.test/v1");
  EXPECT_STREQ(std::getenv("RIQ_T_EXISTING"), "https://from-process.test/v1");
}

}  // namespace
}  // namespace routeiq::config
