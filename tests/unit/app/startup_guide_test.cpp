// The start-up guide: which groups need which key variable, which answer
// with mock_response, and the curl line to try.
#include "routeiq/app/startup_guide.hpp"

#include <gtest/gtest.h>

#include <cstdlib>

namespace routeiq::app {
namespace {

std::shared_ptr<const runtime::Snapshot> snapshot(const std::string& yaml) {
  auto cfg = config::load_config_string(yaml);
  EXPECT_TRUE(cfg) << (cfg ? "" : cfg.error().message);
  auto snap =
      runtime::build_snapshot(std::make_shared<const config::Config>(std::move(cfg.value())));
  EXPECT_TRUE(snap) << (snap ? "" : snap.error().message);
  return snap.value();
}

struct UnsetEnv {
  explicit UnsetEnv(const char* name) : name_(name) {
    if (const char* v = std::getenv(name)) old_ = v, had_ = true;
    ::unsetenv(name);
  }
  ~UnsetEnv() {
    if (had_) ::setenv(name_, old_.c_str(), 1);
  }
  const char* name_;
  std::string old_;
  bool had_ = false;
};

TEST(StartupGuide, NamesTheUnsetKeyVariablesAndTheGroupsThatNeedThem) {
  UnsetEnv openai("OPENAI_API_KEY"), anthropic("ANTHROPIC_API_KEY"), groq("GROQ_API_KEY");
  auto snap = snapshot(R"(model_list:
  - model_name: gpt-4o
    litellm_params: {model: openai/gpt-4o, api_key: os.environ/OPENAI_API_KEY}
  - model_name: mini
    litellm_params: {model: openai/gpt-4o-mini}
  - model_name: claude
    litellm_params: {model: anthropic/claude-sonnet-4-5}
  - model_name: keyed
    litellm_params: {model: groq/llama, api_key: sk-literal}
  - model_name: local
    litellm_params: {model: ollama/llama3.1}
  - model_name: bedrock
    litellm_params: {model: bedrock/anthropic.claude, aws_region_name: us-east-1}
)");
  auto lines = startup_guide(*snap, "0.0.0.0", 4000);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0],
            "model groups gpt-4o, mini need OPENAI_API_KEY, which is not set: export "
            "OPENAI_API_KEY=... and restart to use them");
  EXPECT_EQ(lines[1],
            "model groups claude need ANTHROPIC_API_KEY, which is not set: export "
            "ANTHROPIC_API_KEY=... and restart to use them");
}

TEST(StartupGuide, ListsMockedGroupsAndPrintsACurlForDemo) {
  UnsetEnv openai("OPENAI_API_KEY");
  auto snap = snapshot(R"(model_list:
  - model_name: first-mock
    litellm_params: {model: openai/a, mock_response: hi}
  - model_name: demo
    litellm_params: {model: openai/b, mock_response: hello, api_key: os.environ/OPENAI_API_KEY}
  - model_name: half
    litellm_params: {model: openai/c, mock_response: one}
  - model_name: half
    litellm_params: {model: openai/c, api_key: sk-real}
  - model_name: azure-mock
    litellm_params: {model: azure/dep, mock_response: "litellm.RateLimitError"}
general_settings:
  master_key: sk-local-1
)");
  auto lines = startup_guide(*snap, "127.0.0.1", 4123);
  ASSERT_EQ(lines.size(), 2u);  // no unset key: the mocked demo never reads OPENAI_API_KEY
  EXPECT_EQ(lines[0],
            "model groups that answer with mock_response and need no provider key: first-mock, "
            "demo, azure-mock");
  EXPECT_EQ(lines[1],
            "try: curl 127.0.0.1:4123/v1/chat/completions -H \"Authorization: Bearer sk-local-1\" "
            "-H \"Content-Type: application/json\" -d '{\"model\": \"demo\", \"messages\": "
            "[{\"role\": \"user\", \"content\": \"Hello\"}]}'");
}

TEST(StartupGuide, AMasterKeyFromTheEnvironmentIsShownAsItsVariable) {
  ::setenv("ROUTEIQ_TEST_MASTER_KEY", "sk-from-environment", 1);
  auto snap = snapshot(R"(model_list:
  - model_name: demo
    litellm_params: {model: openai/demo, mock_response: hi}
general_settings:
  master_key: os.environ/ROUTEIQ_TEST_MASTER_KEY
)");
  ::unsetenv("ROUTEIQ_TEST_MASTER_KEY");
  EXPECT_EQ(snap->config->general_settings.master_key, "sk-from-environment");
  EXPECT_EQ(snap->config->general_settings.master_key_env, "ROUTEIQ_TEST_MASTER_KEY");
  auto lines = startup_guide(*snap, "0.0.0.0", 4000);
  ASSERT_FALSE(lines.empty());
  EXPECT_NE(lines.back().find("-H \"Authorization: Bearer $ROUTEIQ_TEST_MASTER_KEY\""),
            std::string::npos)
      << lines.back();
  for (const auto& l : lines) EXPECT_EQ(l.find("sk-from-environment"), std::string::npos) << l;
}

TEST(StartupGuide, NothingToSayForAConfigWithKeysAndNoMocks) {
  auto snap = snapshot(R"(model_list:
  - model_name: g
    litellm_params: {model: openai/gpt-4o, api_key: sk-x}
)");
  EXPECT_TRUE(startup_guide(*snap, "0.0.0.0", 4000).empty());
}

TEST(StartupGuide, CurlQuotesKeysAndNamesForTheShell) {
  config::GeneralSettings none;
  EXPECT_EQ(chat_curl(none, "m", "0.0.0.0", 80),
            "curl localhost:80/v1/chat/completions -H \"Content-Type: application/json\" -d "
            "'{\"model\": \"m\", \"messages\": [{\"role\": \"user\", \"content\": \"Hello\"}]}'");
  config::GeneralSettings from_env;
  from_env.master_key = "secret-from-env";
  from_env.master_key_env = "ROUTEIQ_MASTER_KEY";
  auto env_line = chat_curl(from_env, "m", "::1", 4000);
  EXPECT_NE(env_line.find("curl [::1]:4000/"), std::string::npos);
  EXPECT_NE(env_line.find("-H \"Authorization: Bearer $ROUTEIQ_MASTER_KEY\""), std::string::npos);
  EXPECT_EQ(env_line.find("secret-from-env"), std::string::npos);  // not written to the log
  config::GeneralSettings odd;
  odd.master_key = "k$y'1";
  auto odd_line = chat_curl(odd, "it's", "h", 1);
  EXPECT_NE(odd_line.find("-H 'Authorization: Bearer k$y'\\''1'"), std::string::npos);
  EXPECT_NE(odd_line.find("-d '{\"model\": \"it'\\''s\""), std::string::npos);
}

}  // namespace
}  // namespace routeiq::app
