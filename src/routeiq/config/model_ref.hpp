#pragma once
// LiteLLM model strings: "provider/model-name", split on the FIRST '/', so
// "openrouter/meta/llama" is provider "openrouter", model "meta/llama".
#include <string>
#include <string_view>

#include "routeiq/core/error.hpp"

namespace routeiq::config {

struct ModelRef {
  std::string provider;
  std::string model;
};

// Provider of a bare model name, as LiteLLM infers it ("gpt-4o" -> "openai",
// "claude-3-5-sonnet" -> "anthropic", "gemini-1.5-pro" -> "gemini"); empty when
// the name says nothing about its provider.
std::string_view infer_provider(std::string_view bare_model);

// Splits and validates against the provider table. The error message names the
// problem only; callers prefix it with where the string came from.
Result<ModelRef> split_model_ref(std::string_view model);

// Splits without looking the provider up: a config deployment may name a
// provider RouteIQ does not know, and fails only when it is called (as in
// LiteLLM). Still errors: an empty string, an empty provider or model name,
// and a bare name whose provider cannot be inferred.
Result<ModelRef> parse_model_ref(std::string_view model);

// "unknown provider "foo" in "foo/bar" (valid: ...)".
std::string unknown_provider_problem(std::string_view provider, std::string_view model);

// "a, b, c, ... (N in all)": a few valid provider names for error messages.
std::string provider_names_hint();

}  // namespace routeiq::config
