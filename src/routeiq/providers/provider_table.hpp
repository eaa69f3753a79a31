#pragma once
// One row per provider prefix of a LiteLLM model string ("groq/llama-3.1-8b"
// -> the "groq" row). Rows of the OpenAI-compatible family differ only in data,
// so they share the OpenAI translator; the native APIs get their own formats.
//
// The table is constexpr data in this header (no link dependency), because the
// config loader, which sits below this module, validates provider names with it.
#include <array>
#include <span>
#include <string_view>

namespace routeiq::providers {

// `router`: a learned router served as its own model group (`routeiq/knn`); it
// calls no provider itself but picks one of its candidate groups per request.
enum class WireFormat { openai, azure, anthropic, gemini, vertex_ai, bedrock, cohere, router };

struct ProviderInfo {
  std::string_view name;  // "groq"
  WireFormat format;
  // OpenAI family: the base "/chat/completions" is appended to. Native formats:
  // scheme://host, the translator appends its versioned path. Empty when the
  // base must come from the config (azure, self-hosted servers) or is derived
  // from other settings (bedrock: region, vertex_ai: location).
  std::string_view default_api_base;
  std::string_view api_key_env;   // read when litellm_params.api_key is unset; empty: no key
  std::string_view api_base_env;  // read when litellm_params.api_base is unset, else empty
};

namespace detail {

using W = WireFormat;

// Defaults follow each provider's documentation and the variables LiteLLM reads
// (litellm/litellm_core_utils/get_llm_provider_logic.py and llms/*/chat).
inline constexpr std::array kProviders{
    // OpenAI and Azure.
    ProviderInfo{"openai", W::openai, "https://api.openai.com/v1", "OPENAI_API_KEY",
                 "OPENAI_API_BASE"},
    ProviderInfo{"text-completion-openai", W::openai, "https://api.openai.com/v1", "OPENAI_API_KEY",
                 "OPENAI_API_BASE"},
    ProviderInfo{"azure", W::azure, "", "AZURE_API_KEY", "AZURE_API_BASE"},
    ProviderInfo{"azure_ai", W::openai, "", "AZURE_AI_API_KEY", "AZURE_AI_API_BASE"},
    // Hosted OpenAI-compatible APIs.
    ProviderInfo{"groq", W::openai, "https://api.groq.com/openai/v1", "GROQ_API_KEY",
                 "GROQ_API_BASE"},
    ProviderInfo{"together_ai", W::openai, "https://api.together.xyz/v1", "TOGETHERAI_API_KEY",
                 "TOGETHER_AI_API_BASE"},
    ProviderInfo{"fireworks_ai", W::openai, "https://api.fireworks.ai/inference/v1",
                 "FIREWORKS_AI_API_KEY", "FIREWORKS_API_BASE"},
    ProviderInfo{"deepseek", W::openai, "https://api.deepseek.com", "DEEPSEEK_API_KEY",
                 "DEEPSEEK_API_BASE"},
    ProviderInfo{"mistral", W::openai, "https://api.mistral.ai/v1", "MISTRAL_API_KEY", ""},
    ProviderInfo{"codestral", W::openai, "https://codestral.mistral.ai/v1", "CODESTRAL_API_KEY",
                 "CODESTRAL_API_BASE"},
    ProviderInfo{"openrouter", W::openai, "https://openrouter.ai/api/v1", "OPENROUTER_API_KEY",
                 "OPENROUTER_API_BASE"},
    ProviderInfo{"perplexity", W::openai, "https://api.perplexity.ai", "PERPLEXITYAI_API_KEY",
                 "PERPLEXITY_API_BASE"},
    ProviderInfo{"xai", W::openai, "https://api.x.ai/v1", "XAI_API_KEY", "XAI_API_BASE"},
    ProviderInfo{"deepinfra", W::openai, "https://api.deepinfra.com/v1/openai", "DEEPINFRA_API_KEY",
                 "DEEPINFRA_API_BASE"},
    ProviderInfo{"cerebras", W::openai, "https://api.cerebras.ai/v1", "CEREBRAS_API_KEY",
                 "CEREBRAS_API_BASE"},
    ProviderInfo{"sambanova", W::openai, "https://api.sambanova.ai/v1", "SAMBANOVA_API_KEY",
                 "SAMBANOVA_API_BASE"},
    ProviderInfo{"nvidia_nim", W::openai, "https://integrate.api.nvidia.com/v1",
                 "NVIDIA_NIM_API_KEY", "NVIDIA_NIM_API_BASE"},
    ProviderInfo{"nebius", W::openai, "https://api.studio.nebius.ai/v1", "NEBIUS_API_KEY",
                 "NEBIUS_API_BASE"},
    ProviderInfo{"hyperbolic", W::openai, "https://api.hyperbolic.xyz/v1", "HYPERBOLIC_API_KEY",
                 "HYPERBOLIC_API_BASE"},
    ProviderInfo{"lambda_ai", W::openai, "https://api.lambda.ai/v1", "LAMBDA_API_KEY",
                 "LAMBDA_API_BASE"},
    ProviderInfo{"moonshot", W::openai, "https://api.moonshot.ai/v1", "MOONSHOT_API_KEY",
                 "MOONSHOT_API_BASE"},
    ProviderInfo{"github", W::openai, "https://models.inference.ai.azure.com", "GITHUB_API_KEY",
                 "GITHUB_API_BASE"},
    ProviderInfo{"anyscale", W::openai, "https://api.endpoints.anyscale.com/v1", "ANYSCALE_API_KEY",
                 "ANYSCALE_API_BASE"},
    ProviderInfo{"friendliai", W::openai, "https://api.friendli.ai/serverless/v1",
                 "FRIENDLIAI_API_KEY", "FRIENDLI_API_BASE"},
    ProviderInfo{"featherless_ai", W::openai, "https://api.featherless.ai/v1",
                 "FEATHERLESS_API_KEY", "FEATHERLESS_API_BASE"},
    ProviderInfo{"novita", W::openai, "https://api.novita.ai/v3/openai", "NOVITA_API_KEY",
                 "NOVITA_API_BASE"},
    ProviderInfo{"nscale", W::openai, "https://inference.api.nscale.com/v1", "NSCALE_API_KEY",
                 "NSCALE_API_BASE"},
    ProviderInfo{"galadriel", W::openai, "https://api.galadriel.com/v1", "GALADRIEL_API_KEY",
                 "GALADRIEL_API_BASE"},
    ProviderInfo{"dashscope", W::openai, "https://dashscope.aliyuncs.com/compatible-mode/v1",
                 "DASHSCOPE_API_KEY", "DASHSCOPE_API_BASE"},
    ProviderInfo{"volcengine", W::openai, "https://ark.cn-beijing.volces.com/api/v3",
                 "VOLCENGINE_API_KEY", "VOLCENGINE_API_BASE"},
    ProviderInfo{"ai21_chat", W::openai, "https://api.ai21.com/studio/v1", "AI21_API_KEY",
                 "AI21_API_BASE"},
    ProviderInfo{"meta_llama", W::openai, "https://api.llama.com/compat/v1", "LLAMA_API_KEY",
                 "LLAMA_API_BASE"},
    // OpenAI-compatible servers the operator runs: the base is theirs to give.
    ProviderInfo{"hosted_vllm", W::openai, "", "", "HOSTED_VLLM_API_BASE"},
    ProviderInfo{"vllm", W::openai, "http://localhost:8000/v1", "", ""},
    ProviderInfo{"lm_studio", W::openai, "http://localhost:1234/v1", "", "LM_STUDIO_API_BASE"},
    // Ollama's OpenAI-compatible API. LiteLLM's OLLAMA_API_BASE names the server
    // root (no /v1), so it is not read here; the config loader adds the /v1.
    ProviderInfo{"ollama", W::openai, "http://localhost:11434/v1", "", ""},
    ProviderInfo{"ollama_chat", W::openai, "http://localhost:11434/v1", "", ""},
    ProviderInfo{"llamafile", W::openai, "http://127.0.0.1:8080/v1", "", "LLAMAFILE_API_BASE"},
    ProviderInfo{"infinity", W::openai, "", "", "INFINITY_API_BASE"},
    ProviderInfo{"databricks", W::openai, "", "DATABRICKS_API_KEY", "DATABRICKS_API_BASE"},
    ProviderInfo{"litellm_proxy", W::openai, "", "LITELLM_PROXY_API_KEY", "LITELLM_PROXY_API_BASE"},
    ProviderInfo{"custom_openai", W::openai, "", "", ""},
    ProviderInfo{"openai_like", W::openai, "", "", ""},
    // Native APIs.
    ProviderInfo{"anthropic", W::anthropic, "https://api.anthropic.com", "ANTHROPIC_API_KEY",
                 "ANTHROPIC_API_BASE"},
    ProviderInfo{"gemini", W::gemini, "https://generativelanguage.googleapis.com", "GEMINI_API_KEY",
                 ""},
    ProviderInfo{"vertex_ai", W::vertex_ai, "", "GOOGLE_APPLICATION_CREDENTIALS", ""},
    // The key variable holds a Bedrock API key (a bearer token); SigV4
    // credentials come from the AWS chain instead.
    ProviderInfo{"bedrock", W::bedrock, "", "AWS_BEARER_TOKEN_BEDROCK",
                 "AWS_BEDROCK_RUNTIME_ENDPOINT"},
    ProviderInfo{"cohere", W::cohere, "https://api.cohere.com", "COHERE_API_KEY",
                 "COHERE_API_BASE"},
    ProviderInfo{"cohere_chat", W::cohere, "https://api.cohere.com", "COHERE_API_KEY",
                 "COHERE_API_BASE"},
    // Learned routers as model groups.
    ProviderInfo{"routeiq", W::router, "", "", ""},
};

}  // namespace detail

// nullptr if unknown. A linear scan: the table is small and looked up per
// deployment at load time, not per request.
constexpr const ProviderInfo* find_provider(std::string_view name) {
  for (const auto& row : detail::kProviders)
    if (row.name == name) return &row;
  return nullptr;
}

constexpr std::span<const ProviderInfo> all_providers() {
  return detail::kProviders;
}

constexpr std::string_view wire_format_name(WireFormat format) {
  switch (format) {
    case WireFormat::openai:
      return "openai";
    case WireFormat::azure:
      return "azure";
    case WireFormat::anthropic:
      return "anthropic";
    case WireFormat::gemini:
      return "gemini";
    case WireFormat::vertex_ai:
      return "vertex_ai";
    case WireFormat::bedrock:
      return "bedrock";
    case WireFormat::cohere:
      return "cohere";
    case WireFormat::router:
      return "router";
  }
  return "";
}

}  // namespace routeiq::providers
