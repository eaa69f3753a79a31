#include "routeiq/config/model_ref.hpp"

#include <array>

#include "routeiq/providers/provider_table.hpp"

namespace routeiq::config {
namespace {

struct PrefixRule {
  std::string_view prefix;
  std::string_view provider;
};

// OpenAI's own model families, then the other providers whose model names are
// unambiguous. "ft:gpt-" covers fine-tuned OpenAI models.
constexpr std::array kPrefixRules{
    PrefixRule{"gpt-", "openai"},
    PrefixRule{"chatgpt", "openai"},
    PrefixRule{"o1", "openai"},
    PrefixRule{"o3", "openai"},
    PrefixRule{"o4", "openai"},
    PrefixRule{"text-embedding-", "openai"},
    PrefixRule{"ft:gpt-", "openai"},
    PrefixRule{"dall-e-", "openai"},
    PrefixRule{"whisper-", "openai"},
    PrefixRule{"tts-", "openai"},
    PrefixRule{"omni-moderation", "openai"},
    PrefixRule{"claude-", "anthropic"},
    PrefixRule{"gemini-", "gemini"},
};

}  // namespace

std::string_view infer_provider(std::string_view bare_model) {
  for (const auto& rule : kPrefixRules)
    if (bare_model.starts_with(rule.prefix)) return rule.provider;
  return {};
}

std::string provider_names_hint() {
  std::string hint;
  for (std::string_view name : {"openai", "azure", "anthropic", "gemini", "vertex_ai", "bedrock",
                                "groq", "openrouter", "ollama", "hosted_vllm"}) {
    if (!providers::find_provider(name)) continue;
    hint += hint.empty() ? "" : ", ";
    hint += name;
  }
  hint += ", ... (" + std::to_string(providers::all_providers().size()) +
          " in all, see docs/config-reference.md)";
  return hint;
}

std::string unknown_provider_problem(std::string_view provider, std::string_view model) {
  return "unknown provider \"" + std::string(provider) + "\" in \"" + std::string(model) +
         "\" (valid: " + provider_names_hint() + ")";
}

Result<ModelRef> parse_model_ref(std::string_view model) {
  if (model.empty()) return make_error(ErrorKind::invalid_request, "empty model name");
  auto slash = model.find('/');
  if (slash == std::string_view::npos) {
    // A bare "*" forwards any "provider/model" the client asks for.
    if (model == "*") return ModelRef{"", "*"};
    std::string_view provider = infer_provider(model);
    if (provider.empty())
      return make_error(ErrorKind::invalid_request,
                        "cannot infer the provider of \"" + std::string(model) +
                            "\": write it as \"<provider>/" + std::string(model) +
                            "\" (providers: " + provider_names_hint() + ")");
    return ModelRef{std::string(provider), std::string(model)};
  }
  std::string_view provider = model.substr(0, slash);
  std::string_view name = model.substr(slash + 1);
  if (provider.empty())
    return make_error(ErrorKind::invalid_request,
                      "no provider before \"/\" in \"" + std::string(model) + "\"");
  if (name.empty())
    return make_error(ErrorKind::invalid_request,
                      "no model name after \"" + std::string(provider) + "/\"");
  return ModelRef{std::string(provider), std::string(name)};
}

Result<ModelRef> split_model_ref(std::string_view model) {
  auto ref = parse_model_ref(model);
  // An empty provider is the bare "*": it names none.
  if (ref && !ref->provider.empty() && !providers::find_provider(ref->provider))
    return make_error(ErrorKind::invalid_request, unknown_provider_problem(ref->provider, model));
  return ref;
}

}  // namespace routeiq::config
