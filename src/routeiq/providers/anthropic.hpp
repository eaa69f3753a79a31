#pragma once
// OpenAI chat <-> Anthropic Messages API (https://docs.anthropic.com/en/api/messages),
// including its SSE stream (message_start, content_block_*, message_delta, ...).
#include <memory>

#include "routeiq/providers/translator.hpp"

namespace routeiq::providers {

std::unique_ptr<ChatTranslator> make_anthropic_translator();

// LiteLLM's default when the client gives no max_tokens (Anthropic requires one).
inline constexpr int64_t kAnthropicDefaultMaxTokens = 4096;
inline constexpr std::string_view kAnthropicVersion = "2023-06-01";
// The tool LiteLLM adds to emulate response_format: its input is the JSON answer.
inline constexpr std::string_view kJsonToolName = "json_tool_call";

}  // namespace routeiq::providers
