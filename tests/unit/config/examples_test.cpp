// Every shipped config under config/ must load, with no warning other than
// an unset provider key variable.
#include <filesystem>

#include "routeiq/config/litellm_keys.hpp"
#include "test_util.hpp"

namespace routeiq::config {
namespace {

namespace fs = std::filesystem;

std::vector<fs::path> shipped_configs() {
  fs::path root = fs::path(ROUTEIQ_TEST_DATA) / ".." / ".." / "config";
  std::vector<fs::path> files;
  for (const fs::path& dir : {root, root / "examples"})
    for (const auto& entry : fs::directory_iterator(dir))
      if (entry.path().extension() == ".yaml") files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  return files;
}

bool is_unset_key_warning(const std::string& warning) {
  return warning.find(".api_key: environment variable ") != std::string::npos;
}

TEST(ShippedConfigs, AllLoadWithoutUnexpectedWarnings) {
  auto files = shipped_configs();
  ASSERT_GE(files.size(), 4u);  // quickstart + three examples
  for (const auto& file : files) {
    auto result = load_config_file(file.string());
    ASSERT_TRUE(result.ok()) << result.error().message;
    EXPECT_FALSE(result->model_list.empty()) << file;
    for (const auto& warning : result->warnings)
      EXPECT_TRUE(is_unset_key_warning(warning)) << warning;
  }
}

TEST(ShippedConfigs, QuickstartStartsWithoutAnyEnvironment) {
  testing::ScopedEnv no_key("OPENAI_API_KEY", nullptr);
  fs::path quickstart = fs::path(ROUTEIQ_TEST_DATA) / ".." / ".." / "config" / "quickstart.yaml";
  auto result = load_config_file(quickstart.string());
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(result->general_settings.master_key, "sk-routeiq-local");
  // One warning per OpenAI deployment's unset key; the demo groups need none.
  EXPECT_EQ(result->warnings.size(), 2u);
  std::vector<std::string> mocked, keyed;
  for (const auto& d : result->model_list) {
    if (mocks_every_call(d.extra_params)) mocked.push_back(d.model_name);
    if (d.provider == "openai" && !mocks_every_call(d.extra_params)) {
      keyed.push_back(d.model_name);
      EXPECT_EQ(d.api_key, "");
    }
  }
  EXPECT_EQ(mocked,
            (std::vector<std::string>{"demo", "demo-rate-limited", "demo-fast", "demo-smart"}));
  EXPECT_EQ(keyed, (std::vector<std::string>{"gpt-4o", "gpt-4o-mini"}));
}

TEST(ShippedConfigs, FullExampleUsesEverySupportedSection) {
  fs::path full =
      fs::path(ROUTEIQ_TEST_DATA) / ".." / ".." / "config" / "examples" / "litellm-full.yaml";
  auto result = load_config_file(full.string());
  ASSERT_TRUE(result.ok()) << result.error().message;
  const Config& c = result.value();
  EXPECT_EQ(c.general_settings.master_key.empty(), false);
  EXPECT_EQ(c.model_list[1].provider, "azure");
  EXPECT_FALSE(c.model_list[1].api_base.empty());
  EXPECT_EQ(c.model_list[0].model_info.id, "gpt-4o-openai");
  EXPECT_FALSE(c.router_settings.fallbacks.empty());
  EXPECT_FALSE(c.router_settings.context_window_fallbacks.empty());
  EXPECT_FALSE(c.router_settings.default_fallbacks.empty());
  EXPECT_EQ(c.router_settings.hidden_aliases.count("sonnet"), 1u);
  EXPECT_TRUE(c.litellm_settings.drop_params);
}

}  // namespace
}  // namespace routeiq::config
