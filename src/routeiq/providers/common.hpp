#pragma once
// Pieces every translator shares: reading the OpenAI request, building OpenAI
// responses and chunks, the drop_params policy and provider error mapping.
#include <boost/json.hpp>
#include <chrono>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include "routeiq/core/error.hpp"
#include "routeiq/core/json.hpp"
#include "routeiq/providers/translator.hpp"

namespace routeiq::providers {

namespace json = boost::json;

// --- reading JSON: the readers are core/json's -----------------------------
// An upstream body that must be a JSON object; any failure is an upstream_error.
Result<json::object> parse_object(std::string_view body, std::string_view what);

// OpenAI message content (string or array of parts) -> concatenated text.
std::string content_text(const json::value& content);

// "data:image/png;base64,AAAA" -> {media type, base64 data}.
struct DataUrl {
  std::string media_type;
  std::string data;  // still base64
};
std::optional<DataUrl> parse_data_url(std::string_view url);

// Argument strings of tool calls are JSON text; a malformed one becomes {}.
json::object parse_arguments(std::string_view arguments);

// --- drop_params --------------------------------------------------------------
// Applies the drop_params policy to `request`: an OpenAI parameter the format
// cannot express is an unsupported_param Error naming it, unless
// target.drop_params. `supported` are the OpenAI keys the translator maps.
// Keys no OpenAI endpoint defines are left for the translator to pass through.
Status check_params(const json::object& request, std::initializer_list<std::string_view> supported,
                    bool drop_params, std::string_view provider);
bool is_openai_param(std::string_view key);

// reasoning_effort -> thinking budget, LiteLLM's table (low 1024, medium 2048, high 4096).
std::optional<int64_t> reasoning_budget(std::string_view effort);

// --- building OpenAI responses ------------------------------------------------
std::string random_id(std::string_view prefix);  // prefix + 24 random alphanumerics
int64_t unix_seconds(std::chrono::system_clock::time_point t);

json::object usage_json(const Usage& u);
// Token counts from an OpenAI `usage` object (chat, completions, embeddings).
Usage usage_from_openai(const json::object& usage);
// Token counts from an Anthropic `usage` object, over `base` (a stream sends
// input tokens in message_start and output tokens in message_delta).
Usage usage_from_anthropic(const json::object& usage, Usage base);

// Creates chat.completion.chunk objects that share id, model and created.
struct ChunkFactory {
  std::string id;
  std::string model;
  int64_t created = 0;
  json::object chunk(json::object delta, std::string_view finish_reason = {}) const;
  json::object usage_chunk(const Usage& u) const;  // choices: [], usage set
};

json::object completion_object(std::string_view id, std::string_view model, int64_t created,
                               json::object message, std::string_view finish_reason,
                               const Usage& usage);

// --- provider errors ------------------------------------------------------------
// HTTP status + provider message -> Error, recognising context-window overflows.
Error provider_error(std::string_view provider, int status, std::string message);
bool mentions_context_window(std::string_view message);
// {"error":{"message":...}} / {"message":...} / {"error":"..."}: the message, else the body head.
std::string error_message_from_body(std::string_view body);

// Stream options requested by the client: include a usage chunk at the end.
bool wants_stream_usage(const json::object& request);

// Appends a turn {"role": role, items_key: items}, merging into the previous
// turn when it has the same role: Anthropic, Bedrock and Gemini all require
// alternating roles, while OpenAI allows consecutive messages of one role.
void append_turn(json::array& turns, std::string_view role, json::array items,
                 std::string_view items_key = "content");

}  // namespace routeiq::providers
