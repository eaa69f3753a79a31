#include "routeiq/providers/anthropic_frontend.hpp"

#include "routeiq/providers/common.hpp"

namespace routeiq::providers {
namespace {

// --- request ----------------------------------------------------------------

std::string block_text(const json::value& content) {
  if (content.is_string()) return std::string(content.get_string());
  return content_text(content);  // [{type:text,text}] has the OpenAI part shape
}

Result<json::object> image_part(const json::object& block) {
  auto* source = obj_at(block, "source");
  if (!source)
    return make_error(ErrorKind::invalid_request, "image block without source", "messages");
  auto type = str_or(*source, "type");
  std::string url;
  if (type == "base64")
    url = "data:" + std::string(str_or(*source, "media_type")) + ";base64," +
          std::string(str_or(*source, "data"));
  else if (type == "url")
    url = str_or(*source, "url");
  else
    return make_error(ErrorKind::invalid_request, "image source type not supported", "messages");
  return json::object{{"type", "image_url"}, {"image_url", json::object{{"url", url}}}};
}

json::object document_part(const json::object& block) {
  auto* source = obj_at(block, "source");
  std::string data = source ? "data:" + std::string(str_or(*source, "media_type")) + ";base64," +
                                  std::string(str_or(*source, "data"))
                            : "";
  return json::object{{"type", "file"}, {"file", json::object{{"file_data", data}}}};
}

// A user turn may hold tool results (each its own OpenAI tool message, first)
// and ordinary content (one user message).
Status convert_user(const json::value& content, json::array& out) {
  if (content.is_string()) {
    out.push_back(json::object{{"role", "user"}, {"content", content}});
    return ok_status();
  }
  json::array parts;
  for (const auto& b : content.is_array() ? content.get_array() : json::array{}) {
    auto* block = b.if_object();
    if (!block) continue;
    auto type = str_or(*block, "type");
    if (type == "tool_result") {
      auto* c = block->if_contains("content");
      std::string text = c ? block_text(*c) : "";
      if (bool_or(*block, "is_error", false) && text.empty()) text = "error";
      out.push_back(json::object{
          {"role", "tool"}, {"tool_call_id", str_or(*block, "tool_use_id")}, {"content", text}});
    } else if (type == "text") {
      json::object part{{"type", "text"}, {"text", str_or(*block, "text")}};
      if (auto* cc = block->if_contains("cache_control")) part["cache_control"] = *cc;
      parts.push_back(std::move(part));
    } else if (type == "image") {
      auto part = image_part(*block);
      if (!part) return part.error();
      parts.push_back(std::move(*part));
    } else if (type == "document") {
      parts.push_back(document_part(*block));
    }
  }
  if (!parts.empty()) out.push_back(json::object{{"role", "user"}, {"content", std::move(parts)}});
  return ok_status();
}

void convert_assistant(const json::value& content, json::array& out) {
  json::object msg{{"role", "assistant"}};
  if (content.is_string()) {
    msg["content"] = content;
    out.push_back(std::move(msg));
    return;
  }
  std::string text;
  json::array tool_calls, thinking;
  for (const auto& b : content.is_array() ? content.get_array() : json::array{}) {
    auto* block = b.if_object();
    if (!block) continue;
    auto type = str_or(*block, "type");
    if (type == "text") text += str_or(*block, "text");
    if (type == "thinking" || type == "redacted_thinking") thinking.push_back(*block);
    if (type == "tool_use") {
      auto* input = block->if_contains("input");
      tool_calls.push_back(json::object{
          {"id", str_or(*block, "id")},
          {"type", "function"},
          {"function", json::object{{"name", str_or(*block, "name")},
                                    {"arguments", input ? json::serialize(*input) : "{}"}}}});
    }
  }
  msg["content"] = text.empty() && !tool_calls.empty() ? json::value(nullptr) : json::value(text);
  if (!tool_calls.empty()) msg["tool_calls"] = std::move(tool_calls);
  if (!thinking.empty()) msg["thinking_blocks"] = std::move(thinking);
  out.push_back(std::move(msg));
}

json::array convert_tools(const json::array& tools) {
  json::array out;
  for (const auto& t : tools) {
    auto* tool = t.if_object();
    if (!tool) continue;
    json::object fn{{"name", str_or(*tool, "name")}};
    if (auto d = str_or(*tool, "description"); !d.empty()) fn["description"] = d;
    if (auto* schema = obj_at(*tool, "input_schema")) fn["parameters"] = *schema;
    json::object openai{{"type", "function"}, {"function", std::move(fn)}};
    if (auto* cc = tool->if_contains("cache_control")) openai["cache_control"] = *cc;
    out.push_back(std::move(openai));
  }
  return out;
}

void convert_tool_choice(const json::object& choice, json::object& out) {
  auto type = str_or(choice, "type");
  if (type == "auto") out["tool_choice"] = "auto";
  if (type == "any") out["tool_choice"] = "required";
  if (type == "none") out["tool_choice"] = "none";
  if (type == "tool")
    out["tool_choice"] = json::object{{"type", "function"},
                                      {"function", json::object{{"name", str_or(choice, "name")}}}};
  if (bool_or(choice, "disable_parallel_tool_use", false)) out["parallel_tool_calls"] = false;
}

// --- response ---------------------------------------------------------------

std::string_view stop_reason_for(std::string_view finish_reason) {
  if (finish_reason == "length") return "max_tokens";
  if (finish_reason == "tool_calls" || finish_reason == "function_call") return "tool_use";
  if (finish_reason == "content_filter") return "refusal";
  return "end_turn";
}

json::object anthropic_usage(const json::object* usage) {
  int64_t prompt = 0, completion = 0, cached = 0, created = 0;
  if (usage) {
    prompt = int_at(*usage, "prompt_tokens").value_or(0);
    completion = int_at(*usage, "completion_tokens").value_or(0);
    if (auto* d = obj_at(*usage, "prompt_tokens_details"))
      cached = int_at(*d, "cached_tokens").value_or(0);
    created = int_at(*usage, "cache_creation_input_tokens").value_or(0);
  }
  // Anthropic's input_tokens excludes cache reads and writes.
  return json::object{{"input_tokens", std::max<int64_t>(0, prompt - cached - created)},
                      {"output_tokens", completion},
                      {"cache_read_input_tokens", cached},
                      {"cache_creation_input_tokens", created}};
}

}  // namespace

Result<json::object> anthropic_request_to_openai(const json::object& req) {
  json::object out;
  auto model = str_or(req, "model");
  if (model.empty()) return make_error(ErrorKind::invalid_request, "model is required", "model");
  auto* messages = arr_at(req, "messages");
  if (!messages)
    return make_error(ErrorKind::invalid_request, "messages: field required", "messages");
  out["model"] = model;
  json::array openai_messages;
  if (auto* system = req.if_contains("system")) {
    auto text = block_text(*system);
    if (!text.empty())
      openai_messages.push_back(json::object{{"role", "system"}, {"content", text}});
  }
  for (const auto& m : *messages) {
    auto* msg = m.if_object();
    if (!msg) return make_error(ErrorKind::invalid_request, "messages must be objects", "messages");
    auto role = str_or(*msg, "role");
    static const json::value kEmpty = "";
    auto* content = msg->if_contains("content");
    if (!content) content = &kEmpty;
    if (role == "user") {
      auto st = convert_user(*content, openai_messages);
      if (!st) return st.error();
    } else if (role == "assistant") {
      convert_assistant(*content, openai_messages);
    } else {
      return make_error(ErrorKind::invalid_request,
                        "messages: role must be user or assistant, got " + std::string(role),
                        "messages");
    }
  }
  out["messages"] = std::move(openai_messages);
  if (auto max = int_at(req, "max_tokens")) out["max_tokens"] = *max;
  for (auto key : {"temperature", "top_p", "top_k", "thinking"})
    if (auto* v = req.if_contains(key)) out[key] = *v;
  if (auto* stop = req.if_contains("stop_sequences")) out["stop"] = *stop;
  if (auto* tools = arr_at(req, "tools"); tools && !tools->empty())
    out["tools"] = convert_tools(*tools);
  if (auto* choice = obj_at(req, "tool_choice")) convert_tool_choice(*choice, out);
  if (auto* meta = obj_at(req, "metadata"))
    if (auto user = str_or(*meta, "user_id"); !user.empty()) out["user"] = user;
  if (bool_or(req, "stream", false)) {
    out["stream"] = true;
    out["stream_options"] = json::object{{"include_usage", true}};
  }
  return out;
}

json::object openai_response_to_anthropic(const json::object& resp) {
  json::array content;
  std::string_view finish = "stop";
  auto* choices = arr_at(resp, "choices");
  if (auto* first = choices && !choices->empty() ? choices->front().if_object() : nullptr) {
    const auto& choice = *first;
    finish = str_or(choice, "finish_reason", "stop");
    if (auto* msg = obj_at(choice, "message")) {
      if (auto* blocks = arr_at(*msg, "thinking_blocks")) {
        for (const auto& b : *blocks) content.push_back(b);
      } else if (auto r = str_or(*msg, "reasoning_content"); !r.empty()) {
        content.push_back(json::object{{"type", "thinking"}, {"thinking", r}, {"signature", ""}});
      }
      if (auto* c = msg->if_contains("content")) {
        auto text = content_text(*c);
        if (!text.empty()) content.push_back(json::object{{"type", "text"}, {"text", text}});
      }
      for (const auto& tc :
           arr_at(*msg, "tool_calls") ? *arr_at(*msg, "tool_calls") : json::array{}) {
        auto* call = tc.if_object();
        auto* fn = call ? obj_at(*call, "function") : nullptr;
        if (!fn) continue;
        content.push_back(json::object{{"type", "tool_use"},
                                       {"id", str_or(*call, "id")},
                                       {"name", str_or(*fn, "name")},
                                       {"input", parse_arguments(str_or(*fn, "arguments"))}});
      }
    }
  }
  json::object out;
  out["id"] = str_or(resp, "id");
  out["type"] = "message";
  out["role"] = "assistant";
  out["model"] = str_or(resp, "model");
  out["content"] = std::move(content);
  out["stop_reason"] = stop_reason_for(finish);
  out["stop_sequence"] = nullptr;
  out["usage"] = anthropic_usage(obj_at(resp, "usage"));
  return out;
}

std::string anthropic_sse_event(std::string_view type, const json::object& data) {
  std::string out = "event: ";
  out += type;
  out += "\ndata: ";
  out += json::serialize(data);
  out += "\n\n";
  return out;
}

void AnthropicStreamEncoder::start_message(const json::object& chunk, std::string& out) {
  started_ = true;
  std::string id(str_or(chunk, "id"));
  if (id.empty()) id = random_id("msg_");
  json::object message{{"id", id},
                       {"type", "message"},
                       {"role", "assistant"},
                       {"model", model_},
                       {"content", json::array{}},
                       {"stop_reason", nullptr},
                       {"stop_sequence", nullptr},
                       {"usage", json::object{{"input_tokens", 0}, {"output_tokens", 0}}}};
  out += anthropic_sse_event(
      "message_start", json::object{{"type", "message_start"}, {"message", std::move(message)}});
}

void AnthropicStreamEncoder::open_block(Block type, json::object content_block, std::string& out) {
  close_block(out);
  block_ = type;
  ++block_index_;
  out += anthropic_sse_event("content_block_start",
                             json::object{{"type", "content_block_start"},
                                          {"index", block_index_},
                                          {"content_block", std::move(content_block)}});
}

void AnthropicStreamEncoder::close_block(std::string& out) {
  if (block_ == Block::none) return;
  out += anthropic_sse_event("content_block_stop",
                             json::object{{"type", "content_block_stop"}, {"index", block_index_}});
  block_ = Block::none;
  open_tool_ = -1;
}

void AnthropicStreamEncoder::on_tool_delta(const json::object& call, std::string& out) {
  auto index = int_at(call, "index").value_or(0);
  auto* fn = obj_at(call, "function");
  if (block_ != Block::tool || open_tool_ != index) {
    std::string id(str_or(call, "id"));
    if (id.empty()) id = random_id("toolu_");
    open_block(Block::tool,
               json::object{{"type", "tool_use"},
                            {"id", id},
                            {"name", fn ? str_or(*fn, "name") : ""},
                            {"input", json::object{}}},
               out);
    open_tool_ = index;
  }
  auto args = fn ? str_or(*fn, "arguments") : "";
  if (args.empty()) return;
  out += anthropic_sse_event(
      "content_block_delta",
      json::object{{"type", "content_block_delta"},
                   {"index", block_index_},
                   {"delta", json::object{{"type", "input_json_delta"}, {"partial_json", args}}}});
}

void AnthropicStreamEncoder::on_chunk(const json::object& chunk, std::string& out) {
  if (finished_) return;
  if (!started_) start_message(chunk, out);
  if (auto* usage = obj_at(chunk, "usage")) {
    auto u = anthropic_usage(usage);
    input_tokens_ = u.at("input_tokens").as_int64();
    output_tokens_ = u.at("output_tokens").as_int64();
    cache_read_tokens_ = u.at("cache_read_input_tokens").as_int64();
  }
  auto* choices = arr_at(chunk, "choices");
  auto* first = choices && !choices->empty() ? choices->front().if_object() : nullptr;
  if (!first) return;
  const auto& choice = *first;
  if (auto* delta = obj_at(choice, "delta")) {
    if (auto r = str_or(*delta, "reasoning_content"); !r.empty()) {
      if (block_ != Block::thinking)
        open_block(Block::thinking, json::object{{"type", "thinking"}, {"thinking", ""}}, out);
      out += anthropic_sse_event(
          "content_block_delta",
          json::object{{"type", "content_block_delta"},
                       {"index", block_index_},
                       {"delta", json::object{{"type", "thinking_delta"}, {"thinking", r}}}});
    }
    if (auto text = str_or(*delta, "content"); !text.empty()) {
      if (block_ != Block::text)
        open_block(Block::text, json::object{{"type", "text"}, {"text", ""}}, out);
      out += anthropic_sse_event(
          "content_block_delta",
          json::object{{"type", "content_block_delta"},
                       {"index", block_index_},
                       {"delta", json::object{{"type", "text_delta"}, {"text", text}}}});
    }
    if (auto* calls = arr_at(*delta, "tool_calls"))
      for (const auto& c : *calls)
        if (auto* call = c.if_object()) on_tool_delta(*call, out);
  }
  if (auto finish = str_or(choice, "finish_reason"); !finish.empty())
    stop_reason_ = stop_reason_for(finish);
}

void AnthropicStreamEncoder::finish(std::string& out) {
  if (finished_) return;
  if (!started_) start_message(json::object{}, out);
  close_block(out);
  finished_ = true;
  json::object usage{{"input_tokens", input_tokens_}, {"output_tokens", output_tokens_}};
  if (cache_read_tokens_) usage["cache_read_input_tokens"] = cache_read_tokens_;
  out += anthropic_sse_event("message_delta",
                             json::object{{"type", "message_delta"},
                                          {"delta", json::object{{"stop_reason", stop_reason_},
                                                                 {"stop_sequence", nullptr}}},
                                          {"usage", std::move(usage)}});
  out += anthropic_sse_event("message_stop", json::object{{"type", "message_stop"}});
}

void AnthropicStreamEncoder::fail(const Error& error, std::string& out) {
  if (finished_) return;
  finished_ = true;
  out += anthropic_sse_event(
      "error", json::object{{"type", "error"},
                            {"error", json::object{{"type", error_spec(error.kind).anthropic_type},
                                                   {"message", error.message}}}});
}

}  // namespace routeiq::providers
