// mock_response and the other mock keys in litellm_params: checked at load,
// and a mocked deployment needs no key and no api_base.
#include "routeiq/config/litellm_keys.hpp"

#include <boost/json.hpp>

#include "test_util.hpp"

namespace routeiq::config {
namespace {

using testing::load_error;
using testing::load_ok;

TEST(MockKeys, AMockedDeploymentNeedsNoKeyAndNoApiBase) {
  testing::ScopedEnv no_key("ROUTEIQ_TEST_UNSET_KEY", nullptr);
  testing::ScopedEnv no_base("HOSTED_VLLM_API_BASE", nullptr);
  testing::ScopedEnv no_azure("AZURE_API_BASE", nullptr);
  Config c = load_ok(R"(model_list:
  - model_name: demo
    litellm_params:
      api_key: os.environ/ROUTEIQ_TEST_UNSET_KEY
      model: openai/demo
      mock_response: hi
  - model_name: self-hosted
    litellm_params: {model: hosted_vllm/llama, mock_response: "litellm.RateLimitError"}
  - model_name: azure
    litellm_params: {model: azure/dep, mock_timeout: true}
)");
  EXPECT_TRUE(c.warnings.empty()) << c.warnings.front();
  ASSERT_EQ(c.model_list.size(), 3u);
  for (const auto& d : c.model_list) EXPECT_TRUE(mocks_every_call(d.extra_params)) << d.model_name;

  // The same deployments without a mock: a warning, an error, a warning.
  Config plain = load_ok(R"(model_list:
  - model_name: demo
    litellm_params: {model: openai/demo, api_key: os.environ/ROUTEIQ_TEST_UNSET_KEY}
  - model_name: azure
    litellm_params: {model: azure/dep, mock_timeout: false}
)");
  EXPECT_EQ(plain.warnings.size(), 2u);
  EXPECT_FALSE(mocks_every_call(plain.model_list[1].extra_params));
  EXPECT_NE(load_error(R"(model_list:
  - model_name: self-hosted
    litellm_params: {model: hosted_vllm/llama}
)")
                .find("api_base"),
            std::string::npos);
}

TEST(MockKeys, ValuesAreKeptAsLiteLLMReadsThem) {
  Config c = load_ok(R"(model_list:
  - model_name: a
    litellm_params:
      model: openai/a
      mock_response: 42
      mock_delay: 0.25
      mock_timeout: "false"
  - model_name: b
    litellm_params:
      model: openai/b
      mock_response: {status: 503, message: down, retry_after: 3}
  - model_name: c
    litellm_params: {model: openai/c, mock_response: [0.5, 1, -2]}
)");
  const auto& a = c.model_list[0].extra_params;
  EXPECT_EQ(a.at("mock_response"), "42");  // the answer's text as written
  EXPECT_DOUBLE_EQ(a.at("mock_delay").to_number<double>(), 0.25);
  EXPECT_EQ(a.at("mock_timeout"), false);
  EXPECT_EQ(c.model_list[1].extra_params.at("mock_response").at("status").as_int64(), 503);
  EXPECT_EQ(c.model_list[2].extra_params.at("mock_response").as_array().size(), 3u);
}

TEST(MockKeys, BadValuesStopStartUpWithTheirLine) {
  struct Case {
    const char* value;
    const char* expect;
  };
  for (const auto& c :
       {Case{"mock_response: {message: no status}", "HTTP error status"},
        Case{"mock_response: {status: 200}", "HTTP error status"},
        Case{"mock_response: [a, b]", "list of numbers"},
        Case{"mock_response: []", "list of numbers"}, Case{"mock_delay: -1", "mock_delay"},
        Case{"mock_delay: soon", "mock_delay"}, Case{"mock_timeout: maybe", "mock_timeout"}}) {
    std::string yaml = std::string("model_list:\n  - model_name: m\n    litellm_params:\n") +
                       "      model: openai/m\n      " + c.value + "\n";
    std::string error = load_error(yaml);
    EXPECT_TRUE(error.starts_with("config.yaml:5: model_list[0].litellm_params.mock_"))
        << c.value << " -> " << error;
    EXPECT_NE(error.find(c.expect), std::string::npos) << c.value << " -> " << error;
  }
}

TEST(MockKeys, ResponseShapes) {
  namespace json = boost::json;
  EXPECT_EQ(mock_response_problem(json::value("text")), "");
  EXPECT_EQ(mock_response_problem(json::parse(R"({"status": 429})")), "");
  EXPECT_EQ(mock_response_problem(json::parse(R"({"status_code": 500, "retry_after": "5"})")), "");
  EXPECT_EQ(mock_response_problem(json::parse("[1, 2.5]")), "");
  for (auto bad :
       {"1", "true", "null", "[]", "[1, \"a\"]", R"({"status": 399})", R"({"status": 600})",
        R"({"status": "429"})", R"({"status": 429, "retry_after": []})"})
    EXPECT_NE(mock_response_problem(json::parse(bad)), "") << bad;
  EXPECT_TRUE(is_litellm_request_key("mock_delay"));
  EXPECT_TRUE(is_litellm_deployment_key("mock_delay"));
  EXPECT_TRUE(is_litellm_deployment_key("mock_response"));
}

}  // namespace
}  // namespace routeiq::config
