// `include:` files: appended models, merged sections, errors naming the file.
#include "test_util.hpp"

namespace routeiq::config {
namespace {

using testing::kData;

TEST(LoaderInclude, ModelsAppendedAndIncludingFileWins) {
  auto result = load_config_file(kData + "/include_main.yaml");
  ASSERT_TRUE(result.ok()) << result.error().message;
  const Config& c = result.value();
  ASSERT_EQ(c.model_list.size(), 3u);
  EXPECT_EQ(c.model_list[0].model_name, "main-model");
  EXPECT_EQ(c.model_list[1].model_name, "included-model");
  EXPECT_EQ(c.model_list[1].provider, "groq");
  EXPECT_EQ(c.model_list[2].model_name, "nested-model");  // included by an included file
  EXPECT_EQ(c.model_list[2].source_line, 2);              // line in its own file
  EXPECT_EQ(c.router_settings.num_retries, 5);            // the including file wins
  EXPECT_EQ(c.router_settings.allowed_fails, 9);          // from included/settings.yaml
  EXPECT_DOUBLE_EQ(c.router_settings.cooldown_time, 42);  // from included/nested.yaml
  EXPECT_EQ(c.general_settings.master_key, "sk-from-include");
  ASSERT_EQ(c.source_files.size(), 4u);
  EXPECT_EQ(c.source_files[0], kData + "/include_main.yaml");
  EXPECT_EQ(c.source_files[2], kData + "/included/nested.yaml");
  EXPECT_TRUE(c.warnings.empty());
}

TEST(LoaderInclude, ErrorInIncludedFileNamesThatFileAndLine) {
  auto result = load_config_file(kData + "/include_bad.yaml");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().message,
            kData +
                "/included/bad.yaml:5: model_list[0].litellm_params.rpm: expected an "
                "integer, got \"lots\"");
}

TEST(LoaderInclude, MissingIncludeNamesTheIncludingLine) {
  auto result = load_config_file(kData + "/include_missing.yaml");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().message,
            kData + "/include_missing.yaml:3: include[0]: cannot read \"" + kData +
                "/included/does-not-exist.yaml\": No such file or directory");
}

TEST(LoaderInclude, CyclesAreRejected) {
  auto result = load_config_file(kData + "/include_cycle.yaml");
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.error().message.find("include cycle"), std::string::npos)
      << result.error().message;
  EXPECT_TRUE(result.error().message.starts_with(kData + "/included/cycle.yaml:1: include[0]:"))
      << result.error().message;
}

}  // namespace
}  // namespace routeiq::config
