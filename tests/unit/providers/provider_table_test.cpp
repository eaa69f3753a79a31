#include "routeiq/providers/provider_table.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace routeiq::providers {
namespace {

bool is_local_server(std::string_view name) {
  static const std::set<std::string_view> kLocal = {"vllm", "lm_studio", "ollama", "ollama_chat",
                                                    "llamafile"};
  return kLocal.count(name) > 0;
}

TEST(ProviderTable, FindsKnownProviders) {
  const ProviderInfo* groq = find_provider("groq");
  ASSERT_NE(groq, nullptr);
  EXPECT_EQ(groq->name, "groq");
  EXPECT_EQ(groq->format, WireFormat::openai);
  EXPECT_EQ(groq->default_api_base, "https://api.groq.com/openai/v1");
  EXPECT_EQ(groq->api_key_env, "GROQ_API_KEY");

  const ProviderInfo* openai = find_provider("openai");
  ASSERT_NE(openai, nullptr);
  EXPECT_EQ(openai->default_api_base, "https://api.openai.com/v1");
  EXPECT_EQ(openai->api_key_env, "OPENAI_API_KEY");
}

TEST(ProviderTable, AzureNeedsAConfiguredBase) {
  const ProviderInfo* azure = find_provider("azure");
  ASSERT_NE(azure, nullptr);
  EXPECT_EQ(azure->format, WireFormat::azure);
  EXPECT_TRUE(azure->default_api_base.empty());
  EXPECT_EQ(azure->api_key_env, "AZURE_API_KEY");
  EXPECT_EQ(azure->api_base_env, "AZURE_API_BASE");
}

TEST(ProviderTable, NativeFormats) {
  EXPECT_EQ(find_provider("anthropic")->format, WireFormat::anthropic);
  EXPECT_EQ(find_provider("anthropic")->api_key_env, "ANTHROPIC_API_KEY");
  EXPECT_EQ(find_provider("gemini")->format, WireFormat::gemini);
  EXPECT_EQ(find_provider("gemini")->api_key_env, "GEMINI_API_KEY");
  EXPECT_EQ(find_provider("vertex_ai")->format, WireFormat::vertex_ai);
  EXPECT_EQ(find_provider("bedrock")->format, WireFormat::bedrock);
  EXPECT_EQ(find_provider("cohere")->format, WireFormat::cohere);
  EXPECT_EQ(find_provider("cohere_chat")->format, WireFormat::cohere);
}

TEST(ProviderTable, OllamaUsesItsOpenAICompatibleApi) {
  const ProviderInfo* ollama = find_provider("ollama");
  ASSERT_NE(ollama, nullptr);
  EXPECT_EQ(ollama->format, WireFormat::openai);
  EXPECT_EQ(ollama->default_api_base, "http://localhost:11434/v1");
  EXPECT_TRUE(ollama->api_key_env.empty());
}

TEST(ProviderTable, UnknownNameIsNull) {
  EXPECT_EQ(find_provider("nope"), nullptr);
  EXPECT_EQ(find_provider(""), nullptr);
  EXPECT_EQ(find_provider("OpenAI"), nullptr);  // names are case-sensitive, as in LiteLLM
  EXPECT_EQ(find_provider("openai/"), nullptr);
}

TEST(ProviderTable, CoversTheRequiredProviders) {
  const char* required[] = {"openai",      "azure",         "text-completion-openai",
                            "groq",        "together_ai",   "fireworks_ai",
                            "deepseek",    "mistral",       "codestral",
                            "openrouter",  "perplexity",    "xai",
                            "deepinfra",   "cerebras",      "sambanova",
                            "nvidia_nim",  "nebius",        "hyperbolic",
                            "lambda_ai",   "moonshot",      "github",
                            "hosted_vllm", "vllm",          "lm_studio",
                            "ollama",      "ollama_chat",   "llamafile",
                            "anyscale",    "friendliai",    "featherless_ai",
                            "novita",      "nscale",        "galadriel",
                            "dashscope",   "volcengine",    "ai21_chat",
                            "infinity",    "custom_openai", "openai_like",
                            "anthropic",   "gemini",        "vertex_ai",
                            "bedrock",     "cohere",        "cohere_chat"};
  for (const char* name : required) EXPECT_NE(find_provider(name), nullptr) << name;
  EXPECT_GE(all_providers().size(), 35u);
}

TEST(ProviderTable, NamesAreUnique) {
  std::set<std::string_view> seen;
  for (const auto& row : all_providers()) EXPECT_TRUE(seen.insert(row.name).second) << row.name;
}

TEST(ProviderTable, EveryRowHasANamedFormat) {
  for (const auto& row : all_providers()) {
    EXPECT_FALSE(row.name.empty());
    EXPECT_FALSE(wire_format_name(row.format).empty()) << row.name;
    EXPECT_EQ(find_provider(row.name), &row) << row.name;
  }
}

TEST(ProviderTable, HostedOpenAIFamilyUsesHttps) {
  for (const auto& row : all_providers()) {
    if (row.default_api_base.empty()) continue;
    std::string_view base = row.default_api_base;
    if (is_local_server(row.name)) {
      EXPECT_TRUE(base.starts_with("http://localhost:") || base.starts_with("http://127.0.0.1:"))
          << row.name << " " << base;
      EXPECT_TRUE(row.api_key_env.empty()) << row.name;
    } else {
      EXPECT_TRUE(base.starts_with("https://")) << row.name << " " << base;
    }
    EXPECT_NE(base.back(), '/') << row.name;
  }
}

TEST(ProviderTable, HostedProvidersNameAKeyVariable) {
  for (const auto& row : all_providers()) {
    if (row.default_api_base.starts_with("https://")) {
      EXPECT_FALSE(row.api_key_env.empty()) << row.name;
    }
    // Environment variable names are upper-case identifiers.
    for (std::string_view var : {row.api_key_env, row.api_base_env})
      for (char c : var)
        EXPECT_TRUE((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')
            << row.name << " " << var;
  }
}

TEST(ProviderTable, ProvidersWithoutDefaultBaseExplainWhereItComesFrom) {
  // Without a default, the base comes from the config or an environment
  // variable, or (bedrock, vertex_ai) is derived from the region settings.
  for (const auto& row : all_providers()) {
    if (!row.default_api_base.empty()) continue;
    bool derived = row.format == WireFormat::bedrock || row.format == WireFormat::vertex_ai ||
                   row.format == WireFormat::router;
    bool configured_only = row.name == "custom_openai" || row.name == "openai_like";
    EXPECT_TRUE(derived || configured_only || !row.api_base_env.empty()) << row.name;
  }
}

}  // namespace
}  // namespace routeiq::providers
