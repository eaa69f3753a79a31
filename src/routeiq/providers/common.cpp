#include "routeiq/providers/common.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <random>

namespace routeiq::providers {

Result<json::object> parse_object(std::string_view body, std::string_view what) {
  auto object = parse_json_object(body, "response");
  if (!object)
    return make_error(ErrorKind::upstream_error,
                      std::string(what) + ": response is not a JSON object");
  return object;
}

std::string content_text(const json::value& content) {
  if (content.is_string()) return std::string(content.get_string());
  std::string out;
  if (auto* parts = content.if_array()) {
    for (const auto& part : *parts) {
      if (auto* p = part.if_object(); p && str_or(*p, "type") == "text") out += str_or(*p, "text");
    }
  }
  return out;
}

std::optional<DataUrl> parse_data_url(std::string_view url) {
  if (url.substr(0, 5) != "data:") return std::nullopt;
  auto comma = url.find(',');
  if (comma == std::string_view::npos) return std::nullopt;
  auto meta = url.substr(5, comma - 5);
  auto semi = meta.find(";base64");
  if (semi == std::string_view::npos) return std::nullopt;
  return DataUrl{std::string(meta.substr(0, semi)), std::string(url.substr(comma + 1))};
}

json::object parse_arguments(std::string_view arguments) {
  boost::system::error_code ec;
  auto v = json::parse(arguments, ec);
  if (ec || !v.is_object()) return {};
  return std::move(v.get_object());
}

namespace {

// Every parameter of OpenAI's chat completions API, so that one a format
// cannot express is reported rather than silently ignored.
constexpr std::array<std::string_view, 31> kOpenAIParams{"audio",
                                                         "frequency_penalty",
                                                         "function_call",
                                                         "functions",
                                                         "logit_bias",
                                                         "logprobs",
                                                         "max_completion_tokens",
                                                         "max_tokens",
                                                         "metadata",
                                                         "modalities",
                                                         "n",
                                                         "parallel_tool_calls",
                                                         "prediction",
                                                         "presence_penalty",
                                                         "reasoning_effort",
                                                         "response_format",
                                                         "seed",
                                                         "service_tier",
                                                         "stop",
                                                         "store",
                                                         "stream",
                                                         "stream_options",
                                                         "temperature",
                                                         "tool_choice",
                                                         "tools",
                                                         "top_logprobs",
                                                         "top_p",
                                                         "user",
                                                         "web_search_options",
                                                         "verbosity",
                                                         "prompt_cache_key"};

// Harmless when unsupported: they change nothing a client could observe.
constexpr std::array<std::string_view, 4> kAlwaysDroppable{"metadata", "store", "service_tier",
                                                           "prompt_cache_key"};

bool contains(auto const& table, std::string_view key) {
  return std::find(table.begin(), table.end(), key) != table.end();
}

}  // namespace

bool is_openai_param(std::string_view key) {
  return contains(kOpenAIParams, key);
}

Status check_params(const json::object& request, std::initializer_list<std::string_view> supported,
                    bool drop_params, std::string_view provider) {
  for (const auto& [key, value] : request) {
    if (!is_openai_param(key) || value.is_null()) continue;
    if (std::find(supported.begin(), supported.end(), key) != supported.end()) continue;
    if (key == "n" && value.is_number() && value.to_number<double>() == 1) continue;
    if (drop_params || contains(kAlwaysDroppable, key)) continue;
    return make_error(ErrorKind::unsupported_param,
                      std::string(provider) + " does not support parameter " + std::string(key) +
                          ". To drop it from the call, set `drop_params: true`.",
                      std::string(key));
  }
  return ok_status();
}

std::optional<int64_t> reasoning_budget(std::string_view effort) {
  if (effort == "minimal" || effort == "low") return 1024;
  if (effort == "medium") return 2048;
  if (effort == "high") return 4096;
  return std::nullopt;
}

std::string random_id(std::string_view prefix) {
  static constexpr char kChars[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  thread_local std::mt19937_64 rng{std::random_device{}()};
  std::string out(prefix);
  for (int i = 0; i < 24; ++i) out.push_back(kChars[rng() % (sizeof(kChars) - 1)]);
  return out;
}

int64_t unix_seconds(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

Usage usage_from_openai(const json::object& u) {
  Usage out;
  out.prompt_tokens = int_at(u, "prompt_tokens").value_or(0);
  out.completion_tokens = int_at(u, "completion_tokens").value_or(0);
  if (auto* details = obj_at(u, "prompt_tokens_details"))
    out.cached_tokens = int_at(*details, "cached_tokens").value_or(0);
  if (auto* details = obj_at(u, "completion_tokens_details"))
    out.reasoning_tokens = int_at(*details, "reasoning_tokens").value_or(0);
  return out;
}

// Anthropic counts cache reads and writes apart from input_tokens; OpenAI's
// prompt_tokens includes all three.
Usage usage_from_anthropic(const json::object& u, Usage base) {
  int64_t cache_read = int_at(u, "cache_read_input_tokens").value_or(base.cached_tokens);
  int64_t cache_write =
      int_at(u, "cache_creation_input_tokens").value_or(base.cache_creation_tokens);
  int64_t input = base.prompt_tokens - base.cached_tokens - base.cache_creation_tokens;
  input = int_at(u, "input_tokens").value_or(input);
  base.prompt_tokens = input + cache_read + cache_write;
  base.cached_tokens = cache_read;
  base.cache_creation_tokens = cache_write;
  base.completion_tokens = int_at(u, "output_tokens").value_or(base.completion_tokens);
  return base;
}

json::object usage_json(const Usage& u) {
  json::object usage;
  usage["prompt_tokens"] = u.prompt_tokens;
  usage["completion_tokens"] = u.completion_tokens;
  usage["total_tokens"] = u.prompt_tokens + u.completion_tokens;
  if (u.cached_tokens || u.cache_creation_tokens) {
    usage["prompt_tokens_details"] = json::object{{"cached_tokens", u.cached_tokens}};
  }
  if (u.cache_creation_tokens) usage["cache_creation_input_tokens"] = u.cache_creation_tokens;
  if (u.cached_tokens) usage["cache_read_input_tokens"] = u.cached_tokens;
  if (u.reasoning_tokens)
    usage["completion_tokens_details"] = json::object{{"reasoning_tokens", u.reasoning_tokens}};
  return usage;
}

json::object ChunkFactory::chunk(json::object delta, std::string_view finish_reason) const {
  json::object choice;
  choice["index"] = 0;
  choice["delta"] = std::move(delta);
  choice["finish_reason"] =
      finish_reason.empty() ? json::value(nullptr) : json::value(finish_reason);
  json::object c;
  c["id"] = id;
  c["object"] = "chat.completion.chunk";
  c["created"] = created;
  c["model"] = model;
  c["choices"] = json::array{std::move(choice)};
  return c;
}

json::object ChunkFactory::usage_chunk(const Usage& u) const {
  json::object c;
  c["id"] = id;
  c["object"] = "chat.completion.chunk";
  c["created"] = created;
  c["model"] = model;
  c["choices"] = json::array{};
  c["usage"] = usage_json(u);
  return c;
}

json::object completion_object(std::string_view id, std::string_view model, int64_t created,
                               json::object message, std::string_view finish_reason,
                               const Usage& usage) {
  json::object choice;
  choice["index"] = 0;
  choice["message"] = std::move(message);
  choice["finish_reason"] = finish_reason;
  json::object out;
  out["id"] = id;
  out["object"] = "chat.completion";
  out["created"] = created;
  out["model"] = model;
  out["choices"] = json::array{std::move(choice)};
  out["usage"] = usage_json(usage);
  return out;
}

bool mentions_context_window(std::string_view message) {
  std::string m(message);
  std::transform(m.begin(), m.end(), m.begin(), [](unsigned char c) { return std::tolower(c); });
  for (std::string_view needle :
       {"prompt is too long", "context window", "context length", "context_length_exceeded",
        "input is too long", "too many input tokens", "maximum number of tokens",
        "exceeds the maximum", "too many tokens", "input token count"}) {
    if (m.find(needle) != std::string::npos) return true;
  }
  return false;
}

Error provider_error(std::string_view provider, int status, std::string message) {
  // The table's status for the common ones; others (422, 5xx, 529) keep the
  // provider's, as LiteLLM reports them.
  ErrorKind kind = error_kind_for_status(status);
  constexpr int kTableStatuses[] = {400, 401, 403, 404, 408, 413, 429};
  bool pass_status =
      status >= 400 && std::find(std::begin(kTableStatuses), std::end(kTableStatuses), status) ==
                           std::end(kTableStatuses);
  if ((status == 400 || status == 413) && mentions_context_window(message))
    kind = ErrorKind::context_window_exceeded;
  auto e = make_error(kind, std::string(provider) + "Exception - " + std::move(message));
  if (pass_status) e.status_override = status;
  return e;
}

std::string error_message_from_body(std::string_view body) {
  boost::system::error_code ec;
  auto v = json::parse(body, ec);
  if (!ec) {
    const json::value* node = &v;
    if (auto* arr = v.if_array(); arr && !arr->empty()) node = &arr->front();  // Gemini sometimes
    if (auto* o = node->if_object()) {
      if (auto* err = o->if_contains("error")) {
        if (err->is_string()) return std::string(err->get_string());
        if (auto* eo = err->if_object()) {
          auto m = str_or(*eo, "message");
          if (!m.empty()) return std::string(m);
        }
      }
      for (auto key : {"message", "Message", "detail"}) {
        auto m = str_or(*o, key);
        if (!m.empty()) return std::string(m);
      }
    }
  }
  return std::string(body.substr(0, 512));
}

bool wants_stream_usage(const json::object& request) {
  auto* opts = obj_at(request, "stream_options");
  return opts && bool_or(*opts, "include_usage", false);
}

void append_turn(json::array& turns, std::string_view role, json::array items,
                 std::string_view items_key) {
  if (items.empty()) return;
  if (!turns.empty()) {
    auto& last = turns.back().as_object();
    if (last["role"].as_string() == role) {
      for (auto& item : items) last[items_key].as_array().push_back(std::move(item));
      return;
    }
  }
  turns.push_back(json::object{{"role", role}, {items_key, std::move(items)}});
}

}  // namespace routeiq::providers
