#include "routeiq/providers/anthropic.hpp"

#include <map>

#include "routeiq/providers/common.hpp"
#include "routeiq/providers/sse.hpp"
#include "routeiq/providers/url.hpp"

namespace routeiq::providers {
namespace {

constexpr std::string_view kProvider = "Anthropic";

std::string messages_url(std::string_view api_base) {
  std::string base = api_base.empty() ? "https://api.anthropic.com" : std::string(api_base);
  while (!base.empty() && base.back() == '/') base.pop_back();
  if (base.ends_with("/messages")) return base;
  if (base.ends_with("/v1")) return base + "/messages";
  return base + "/v1/messages";
}

std::string_view finish_reason_for(std::string_view stop_reason) {
  if (stop_reason == "max_tokens") return "length";
  if (stop_reason == "tool_use") return "tool_calls";
  if (stop_reason == "refusal") return "content_filter";
  return "stop";  // end_turn, stop_sequence, pause_turn
}

// --- request: OpenAI -> Anthropic ----------------------------------------------

json::object text_block(std::string_view text, const json::object* source_part = nullptr) {
  json::object block{{"type", "text"}, {"text", text}};
  if (source_part)
    if (auto* cc = source_part->if_contains("cache_control")) block["cache_control"] = *cc;
  return block;
}

Result<json::object> image_block(const json::object& part) {
  std::string_view url;
  if (auto* iu = part.if_contains("image_url")) {
    if (iu->is_string())
      url = iu->get_string();
    else if (iu->is_object())
      url = str_or(iu->get_object(), "url");
  }
  json::object source;
  if (auto data = parse_data_url(url)) {
    source = {{"type", "base64"}, {"media_type", data->media_type}, {"data", data->data}};
  } else if (url.starts_with("http://") || url.starts_with("https://")) {
    source = {{"type", "url"}, {"url", url}};
  } else {
    return make_error(ErrorKind::invalid_request, "image_url must be an http(s) or data URL",
                      "messages");
  }
  json::object block{{"type", "image"}, {"source", std::move(source)}};
  if (auto* cc = part.if_contains("cache_control")) block["cache_control"] = *cc;
  return block;
}

Result<json::object> document_block(const json::object& part) {
  auto* file = obj_at(part, "file");
  auto data = file ? parse_data_url(str_or(*file, "file_data")) : std::nullopt;
  if (!data) return make_error(ErrorKind::invalid_request, "file parts need file_data", "messages");
  json::object source{{"type", "base64"}, {"media_type", data->media_type}, {"data", data->data}};
  return json::object{{"type", "document"}, {"source", std::move(source)}};
}

// User content (string or parts) -> Anthropic blocks; empty text is skipped
// because Anthropic refuses empty text blocks.
Result<json::array> user_blocks(const json::value& content) {
  json::array blocks;
  if (content.is_string()) {
    if (!content.get_string().empty()) blocks.push_back(text_block(content.get_string()));
    return blocks;
  }
  auto* parts = content.if_array();
  if (!parts) return blocks;
  for (const auto& p : *parts) {
    auto* part = p.if_object();
    if (!part) continue;
    auto type = str_or(*part, "type");
    if (type == "text") {
      auto text = str_or(*part, "text");
      if (!text.empty()) blocks.push_back(text_block(text, part));
    } else if (type == "image_url") {
      auto block = image_block(*part);
      if (!block) return block.error();
      blocks.push_back(std::move(*block));
    } else if (type == "file") {
      auto block = document_block(*part);
      if (!block) return block.error();
      blocks.push_back(std::move(*block));
    } else {
      return make_error(ErrorKind::invalid_request,
                        "content part type not supported by Anthropic: " + std::string(type),
                        "messages");
    }
  }
  return blocks;
}

json::array assistant_blocks(const json::object& msg) {
  json::array blocks;
  if (auto* thinking = arr_at(msg, "thinking_blocks"))
    for (const auto& b : *thinking) blocks.push_back(b);
  if (auto* content = msg.if_contains("content")) {
    auto text = content_text(*content);
    if (!text.empty()) blocks.push_back(text_block(text));
  }
  if (auto* calls = arr_at(msg, "tool_calls")) {
    for (const auto& c : *calls) {
      auto* call = c.if_object();
      auto* fn = call ? obj_at(*call, "function") : nullptr;
      if (!fn) continue;
      blocks.push_back(json::object{{"type", "tool_use"},
                                    {"id", str_or(*call, "id")},
                                    {"name", str_or(*fn, "name")},
                                    {"input", parse_arguments(str_or(*fn, "arguments"))}});
    }
  }
  return blocks;
}

json::object tool_result_block(const json::object& msg) {
  json::object block{{"type", "tool_result"}, {"tool_use_id", str_or(msg, "tool_call_id")}};
  auto* content = msg.if_contains("content");
  block["content"] = content ? content_text(*content) : "";
  return block;
}

struct Conversation {
  json::array system;
  json::array messages;
};

Result<Conversation> convert_messages(const json::array& input) {
  Conversation conv;
  for (const auto& m : input) {
    auto* msg = m.if_object();
    if (!msg) return make_error(ErrorKind::invalid_request, "messages must be objects", "messages");
    auto role = str_or(*msg, "role");
    const json::value* content = msg->if_contains("content");
    static const json::value kNull;
    if (!content) content = &kNull;
    if (role == "system" || role == "developer") {
      auto blocks = user_blocks(*content);
      if (!blocks) return blocks.error();
      for (auto& b : *blocks) conv.system.push_back(std::move(b));
    } else if (role == "user") {
      auto blocks = user_blocks(*content);
      if (!blocks) return blocks.error();
      append_turn(conv.messages, "user", std::move(*blocks));
    } else if (role == "assistant") {
      append_turn(conv.messages, "assistant", assistant_blocks(*msg));
    } else if (role == "tool" || role == "function") {
      append_turn(conv.messages, "user", json::array{tool_result_block(*msg)});
    } else {
      return make_error(ErrorKind::invalid_request, "unknown message role: " + std::string(role),
                        "messages");
    }
  }
  return conv;
}

json::array convert_tools(const json::array& tools) {
  json::array out;
  for (const auto& t : tools) {
    auto* tool = t.if_object();
    auto* fn = tool ? obj_at(*tool, "function") : nullptr;
    if (!fn) continue;
    json::object a{{"name", str_or(*fn, "name")}};
    if (auto d = str_or(*fn, "description"); !d.empty()) a["description"] = d;
    auto* params = obj_at(*fn, "parameters");
    a["input_schema"] =
        params ? *params : json::object{{"type", "object"}, {"properties", json::object{}}};
    if (auto* cc = tool->if_contains("cache_control")) a["cache_control"] = *cc;
    out.push_back(std::move(a));
  }
  return out;
}

std::optional<json::object> convert_tool_choice(const json::value& choice) {
  if (choice.is_string()) {
    auto s = choice.get_string();
    if (s == "auto") return json::object{{"type", "auto"}};
    if (s == "required") return json::object{{"type", "any"}};
    if (s == "none") return json::object{{"type", "none"}};
    return std::nullopt;
  }
  if (auto* o = choice.if_object())
    if (auto* fn = obj_at(*o, "function"))
      return json::object{{"type", "tool"}, {"name", str_or(*fn, "name")}};
  return std::nullopt;
}

// --- response: Anthropic -> OpenAI ------------------------------------------------

// Anthropic reports uncached input, cache reads and cache writes separately,
// and repeats or updates them across stream events; OpenAI's prompt_tokens
// includes all three.
struct AnthropicUsage {
  int64_t input = 0, cache_read = 0, cache_write = 0, output = 0;
  void read(const json::object& u) {
    input = int_at(u, "input_tokens").value_or(input);
    cache_read = int_at(u, "cache_read_input_tokens").value_or(cache_read);
    cache_write = int_at(u, "cache_creation_input_tokens").value_or(cache_write);
    output = int_at(u, "output_tokens").value_or(output);
  }
  Usage openai() const {
    Usage u;
    u.prompt_tokens = input + cache_read + cache_write;
    u.completion_tokens = output;
    u.cached_tokens = cache_read;
    u.cache_creation_tokens = cache_write;
    return u;
  }
};

class AnthropicTranslator final : public ChatTranslator {
 public:
  Result<HttpRequest> encode(const json::object& req, const Target& target,
                             std::chrono::system_clock::time_point now) override;
  Result<json::object> decode(std::string_view body) override;
  Error decode_error(int status, std::string_view body) override {
    return provider_error(kProvider, status, error_message_from_body(body));
  }
  Status decode_stream(std::string_view bytes, std::vector<json::object>& out) override;
  bool stream_finished() const override { return finished_; }
  Usage usage() const override { return usage_.openai(); }

 private:
  Status encode_body(const json::object& req, const Target& target, json::object& body);
  Status handle_event(const SseEvent& event, std::vector<json::object>& out);
  void on_message_start(const json::object& data, std::vector<json::object>& out);
  void on_block_start(const json::object& data, std::vector<json::object>& out);
  void on_block_delta(const json::object& data, std::vector<json::object>& out);
  void on_message_delta(const json::object& data, std::vector<json::object>& out);

  bool json_mode_ = false;  // response_format emulated with kJsonToolName
  bool stream_usage_ = false;
  AnthropicUsage usage_;
  SseParser sse_;
  ChunkFactory chunks_;
  bool finished_ = false;
  // Anthropic content-block index -> OpenAI tool_calls index (-1: not a tool).
  std::map<int64_t, int64_t> tool_index_;
  std::map<int64_t, bool> json_block_;  // blocks that carry the JSON answer
  int64_t next_tool_ = 0;
};

Status AnthropicTranslator::encode_body(const json::object& req, const Target& target,
                                        json::object& body) {
  auto st = check_params(req,
                         {"max_tokens", "max_completion_tokens", "temperature", "top_p", "stop",
                          "stream", "stream_options", "tools", "tool_choice", "parallel_tool_calls",
                          "response_format", "user", "reasoning_effort", "metadata"},
                         target.drop_params, kProvider);
  if (!st) return st;
  auto* messages = arr_at(req, "messages");
  if (!messages) return make_error(ErrorKind::invalid_request, "messages is required", "messages");
  auto conv = convert_messages(*messages);
  if (!conv) return conv.error();

  body["model"] = target.model;
  body["messages"] = std::move(conv->messages);
  if (!conv->system.empty()) body["system"] = std::move(conv->system);

  auto max_tokens = int_at(req, "max_completion_tokens");
  if (!max_tokens) max_tokens = int_at(req, "max_tokens");
  for (auto key : {"temperature", "top_p"})
    if (auto* v = req.if_contains(key); v && !v->is_null()) body[key] = *v;
  if (auto* stop = req.if_contains("stop")) {
    if (stop->is_string()) body["stop_sequences"] = json::array{*stop};
    if (stop->is_array()) body["stop_sequences"] = *stop;
  }
  if (auto user = str_or(req, "user"); !user.empty())
    body["metadata"] = json::object{{"user_id", user}};

  std::optional<int64_t> budget;
  if (auto* thinking = obj_at(req, "thinking")) {
    body["thinking"] = *thinking;
    budget = int_at(*thinking, "budget_tokens");
  } else if (auto effort = str_or(req, "reasoning_effort"); !effort.empty() && effort != "none") {
    budget = reasoning_budget(effort);
    if (!budget)
      return make_error(ErrorKind::invalid_request,
                        "reasoning_effort must be minimal, low, medium or high",
                        "reasoning_effort");
    body["thinking"] = json::object{{"type", "enabled"}, {"budget_tokens", *budget}};
  }
  // Anthropic requires max_tokens > budget_tokens.
  int64_t default_max = kAnthropicDefaultMaxTokens;
  if (budget && *budget >= default_max) default_max = *budget + kAnthropicDefaultMaxTokens;
  body["max_tokens"] = max_tokens.value_or(default_max);

  json::array tools;
  if (auto* t = arr_at(req, "tools")) tools = convert_tools(*t);
  std::optional<json::object> tool_choice;
  if (auto* tc = req.if_contains("tool_choice"); tc && !tc->is_null())
    tool_choice = convert_tool_choice(*tc);

  if (auto* rf = obj_at(req, "response_format")) {
    auto type = str_or(*rf, "type");
    if (type == "json_schema" || type == "json_object") {
      json::object schema{{"type", "object"}};
      if (auto* js = obj_at(*rf, "json_schema"))
        if (auto* s = obj_at(*js, "schema")) schema = *s;
      tools.push_back(json::object{{"name", kJsonToolName},
                                   {"description", "Respond with a JSON object."},
                                   {"input_schema", std::move(schema)}});
      tool_choice = json::object{{"type", "tool"}, {"name", kJsonToolName}};
      json_mode_ = true;
    }
  }
  if (req.contains("parallel_tool_calls") && !bool_or(req, "parallel_tool_calls", true)) {
    if (!tool_choice) tool_choice = json::object{{"type", "auto"}};
    (*tool_choice)["disable_parallel_tool_use"] = true;
  }
  if (!tools.empty()) body["tools"] = std::move(tools);
  if (tool_choice) body["tool_choice"] = std::move(*tool_choice);

  // Keys outside the OpenAI API (top_k, ...) are Anthropic-specific: sent as given.
  for (const auto& [key, value] : req) {
    if (is_openai_param(key) || key == "model" || key == "messages" || key == "thinking") continue;
    if (!body.contains(key)) body[key] = value;
  }
  if (bool_or(req, "stream", false)) body["stream"] = true;
  return ok_status();
}

Result<HttpRequest> AnthropicTranslator::encode(const json::object& req, const Target& target,
                                                std::chrono::system_clock::time_point now) {
  json::object body;
  auto st = encode_body(req, target, body);
  if (!st) return st.error();
  HttpRequest http;
  http.url = messages_url(target.api_base);
  http.stream = bool_or(req, "stream", false);
  stream_usage_ = wants_stream_usage(req);
  http.headers = {{"content-type", "application/json"},
                  {"anthropic-version", target.api_version.empty() ? std::string(kAnthropicVersion)
                                                                   : target.api_version},
                  {"x-api-key", target.credentials.api_key}};
  if (http.stream) http.headers.add("accept", "text/event-stream");
  http.headers.append(target.extra_headers);
  http.body = json::serialize(body);
  chunks_ = ChunkFactory{random_id("chatcmpl-"), target.model, unix_seconds(now)};
  return http;
}

Result<json::object> AnthropicTranslator::decode(std::string_view body) {
  auto parsed = parse_object(body, kProvider);
  if (!parsed) return parsed.error();
  const auto& r = *parsed;
  std::string text, reasoning;
  json::array tool_calls, thinking_blocks;
  for (const auto& b : arr_at(r, "content") ? *arr_at(r, "content") : json::array{}) {
    auto* block = b.if_object();
    if (!block) continue;
    auto type = str_or(*block, "type");
    if (type == "text") {
      text += str_or(*block, "text");
    } else if (type == "thinking") {
      reasoning += str_or(*block, "thinking");
      thinking_blocks.push_back(*block);
    } else if (type == "redacted_thinking") {
      thinking_blocks.push_back(*block);
    } else if (type == "tool_use") {
      auto* input = block->if_contains("input");
      std::string args = input ? json::serialize(*input) : "{}";
      if (json_mode_ && str_or(*block, "name") == kJsonToolName) {
        text += args;
        continue;
      }
      tool_calls.push_back(json::object{
          {"index", tool_calls.size()},
          {"id", str_or(*block, "id")},
          {"type", "function"},
          {"function", json::object{{"name", str_or(*block, "name")}, {"arguments", args}}}});
    }
  }
  json::object message{{"role", "assistant"}};
  message["content"] =
      text.empty() && !tool_calls.empty() ? json::value(nullptr) : json::value(text);
  if (!tool_calls.empty()) message["tool_calls"] = std::move(tool_calls);
  if (!reasoning.empty()) message["reasoning_content"] = reasoning;
  if (!thinking_blocks.empty()) message["thinking_blocks"] = std::move(thinking_blocks);
  auto finish = finish_reason_for(str_or(r, "stop_reason"));
  if (json_mode_ && finish == "tool_calls" && !message.contains("tool_calls")) finish = "stop";
  if (auto* u = obj_at(r, "usage")) usage_.read(*u);
  auto id = str_or(r, "id", chunks_.id);
  auto model = str_or(r, "model", chunks_.model);
  return completion_object(id, model, chunks_.created, std::move(message), finish, usage_.openai());
}

Status AnthropicTranslator::decode_stream(std::string_view bytes, std::vector<json::object>& out) {
  std::vector<SseEvent> events;
  auto st = sse_.feed(bytes, events);
  if (!st) return st;
  for (const auto& e : events) {
    st = handle_event(e, out);
    if (!st) return st;
  }
  return ok_status();
}

Status AnthropicTranslator::handle_event(const SseEvent& event, std::vector<json::object>& out) {
  auto parsed = parse_object(event.data, kProvider);
  if (!parsed) return parsed.error();
  const auto& data = *parsed;
  auto type = str_or(data, "type", event.type);
  if (type == "message_start") {
    on_message_start(data, out);
  } else if (type == "content_block_start") {
    on_block_start(data, out);
  } else if (type == "content_block_delta") {
    on_block_delta(data, out);
  } else if (type == "message_delta") {
    on_message_delta(data, out);
  } else if (type == "message_stop") {
    finished_ = true;
    if (stream_usage_) out.push_back(chunks_.usage_chunk(usage_.openai()));
  } else if (type == "error") {
    auto* err = obj_at(data, "error");
    auto err_type = err ? str_or(*err, "type") : "";
    auto message = std::string(err ? str_or(*err, "message") : "stream error");
    int status = err_type == "overloaded_error"        ? 529
                 : err_type == "rate_limit_error"      ? 429
                 : err_type == "invalid_request_error" ? 400
                                                       : 500;
    return provider_error(kProvider, status, message);
  }
  // ping and content_block_stop carry nothing to forward.
  return ok_status();
}

void AnthropicTranslator::on_message_start(const json::object& data,
                                           std::vector<json::object>& out) {
  if (auto* msg = obj_at(data, "message")) {
    if (auto id = str_or(*msg, "id"); !id.empty()) chunks_.id = id;
    if (auto model = str_or(*msg, "model"); !model.empty()) chunks_.model = model;
    if (auto* u = obj_at(*msg, "usage")) usage_.read(*u);
  }
  out.push_back(chunks_.chunk(json::object{{"role", "assistant"}, {"content", ""}}));
}

void AnthropicTranslator::on_block_start(const json::object& data, std::vector<json::object>& out) {
  auto* block = obj_at(data, "content_block");
  if (!block) return;
  auto index = int_at(data, "index").value_or(0);
  auto type = str_or(*block, "type");
  if (type == "tool_use") {
    if (json_mode_ && str_or(*block, "name") == kJsonToolName) {
      json_block_[index] = true;
      return;
    }
    auto tool = next_tool_++;
    tool_index_[index] = tool;
    json::object call{
        {"index", tool},
        {"id", str_or(*block, "id")},
        {"type", "function"},
        {"function", json::object{{"name", str_or(*block, "name")}, {"arguments", ""}}}};
    out.push_back(chunks_.chunk(json::object{{"tool_calls", json::array{std::move(call)}}}));
  } else if (type == "text") {
    if (auto text = str_or(*block, "text"); !text.empty())
      out.push_back(chunks_.chunk(json::object{{"content", text}}));
  }
}

void AnthropicTranslator::on_block_delta(const json::object& data, std::vector<json::object>& out) {
  auto* delta = obj_at(data, "delta");
  if (!delta) return;
  auto index = int_at(data, "index").value_or(0);
  auto type = str_or(*delta, "type");
  if (type == "text_delta") {
    out.push_back(chunks_.chunk(json::object{{"content", str_or(*delta, "text")}}));
  } else if (type == "thinking_delta") {
    out.push_back(chunks_.chunk(json::object{{"reasoning_content", str_or(*delta, "thinking")}}));
  } else if (type == "input_json_delta") {
    auto partial = str_or(*delta, "partial_json");
    if (json_block_.count(index)) {
      if (!partial.empty()) out.push_back(chunks_.chunk(json::object{{"content", partial}}));
      return;
    }
    auto it = tool_index_.find(index);
    if (it == tool_index_.end()) return;
    json::object call{{"index", it->second}, {"function", json::object{{"arguments", partial}}}};
    out.push_back(chunks_.chunk(json::object{{"tool_calls", json::array{std::move(call)}}}));
  }
  // signature_delta only matters to clients replaying thinking blocks.
}

void AnthropicTranslator::on_message_delta(const json::object& data,
                                           std::vector<json::object>& out) {
  if (auto* u = obj_at(data, "usage")) usage_.read(*u);
  auto* delta = obj_at(data, "delta");
  auto stop_reason = delta ? str_or(*delta, "stop_reason") : "";
  if (stop_reason.empty()) return;
  auto finish = finish_reason_for(stop_reason);
  if (json_mode_ && finish == "tool_calls" && next_tool_ == 0) finish = "stop";
  out.push_back(chunks_.chunk(json::object{}, finish));
}

}  // namespace

std::unique_ptr<ChatTranslator> make_anthropic_translator() {
  return std::make_unique<AnthropicTranslator>();
}

}  // namespace routeiq::providers
