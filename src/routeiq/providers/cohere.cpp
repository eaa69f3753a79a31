#include "routeiq/providers/cohere.hpp"

#include "routeiq/providers/common.hpp"
#include "routeiq/providers/sse.hpp"
#include "routeiq/providers/url.hpp"

namespace routeiq::providers {
namespace {

constexpr std::string_view kProvider = "Cohere";

std::string_view finish_reason_for(std::string_view reason) {
  if (reason == "MAX_TOKENS") return "length";
  if (reason == "TOOL_CALL") return "tool_calls";
  if (reason == "ERROR_TOXIC") return "content_filter";
  return "stop";  // COMPLETE, STOP_SEQUENCE
}

std::string chat_url(std::string_view api_base) {
  std::string base = api_base.empty() ? "https://api.cohere.com" : std::string(api_base);
  while (!base.empty() && base.back() == '/') base.pop_back();
  if (base.ends_with("/v2/chat")) return base;
  if (base.ends_with("/v2")) return base + "/chat";
  return base + "/v2/chat";
}

// OpenAI messages are nearly Cohere's; only content parts and stray keys differ.
json::array convert_messages(const json::array& input) {
  json::array out;
  for (const auto& m : input) {
    auto* msg = m.if_object();
    if (!msg) continue;
    auto role = str_or(*msg, "role");
    json::object c{{"role", role == "developer" ? "system" : role}};
    if (auto* content = msg->if_contains("content"); content && !content->is_null()) {
      if (content->is_array() && role != "user")
        c["content"] = content_text(*content);  // only user turns take images
      else
        c["content"] = *content;
    }
    if (auto* calls = msg->if_contains("tool_calls")) c["tool_calls"] = *calls;
    if (auto id = str_or(*msg, "tool_call_id"); !id.empty()) c["tool_call_id"] = id;
    out.push_back(std::move(c));
  }
  return out;
}

std::string message_text(const json::object& message) {
  std::string text;
  for (const auto& b : arr_at(message, "content") ? *arr_at(message, "content") : json::array{})
    if (auto* block = b.if_object(); block && str_or(*block, "type") == "text")
      text += str_or(*block, "text");
  return text;
}

class CohereTranslator final : public ChatTranslator {
 public:
  Result<HttpRequest> encode(const json::object& req, const Target& target,
                             std::chrono::system_clock::time_point now) override;
  Result<json::object> decode(std::string_view body) override;
  Error decode_error(int status, std::string_view body) override {
    return provider_error(kProvider, status, error_message_from_body(body));
  }
  Status decode_stream(std::string_view bytes, std::vector<json::object>& out) override;
  bool stream_finished() const override { return finished_; }
  Usage usage() const override { return usage_; }

 private:
  Status encode_body(const json::object& req, const Target& target, json::object& body);
  void read_usage(const json::object& usage);
  void handle_event(std::string_view type, const json::object& data,
                    std::vector<json::object>& out);

  bool stream_usage_ = false;
  Usage usage_;
  SseParser sse_;
  ChunkFactory chunks_;
  bool finished_ = false;
  int64_t tool_calls_ = 0;
};

Status CohereTranslator::encode_body(const json::object& req, const Target& target,
                                     json::object& body) {
  auto st = check_params(req,
                         {"max_tokens", "max_completion_tokens", "temperature", "top_p", "stop",
                          "stream", "stream_options", "tools", "tool_choice", "response_format",
                          "seed", "frequency_penalty", "presence_penalty", "logprobs"},
                         target.drop_params, kProvider);
  if (!st) return st;
  auto* messages = arr_at(req, "messages");
  if (!messages) return make_error(ErrorKind::invalid_request, "messages is required", "messages");
  body["model"] = target.model;
  body["messages"] = convert_messages(*messages);
  auto max_tokens = int_at(req, "max_completion_tokens");
  if (!max_tokens) max_tokens = int_at(req, "max_tokens");
  if (max_tokens) body["max_tokens"] = *max_tokens;
  const std::pair<const char*, const char*> renames[] = {{"temperature", "temperature"},
                                                         {"top_p", "p"},
                                                         {"top_k", "k"},
                                                         {"seed", "seed"},
                                                         {"frequency_penalty", "frequency_penalty"},
                                                         {"presence_penalty", "presence_penalty"},
                                                         {"logprobs", "logprobs"},
                                                         {"tools", "tools"}};
  for (auto [from, to] : renames)
    if (auto* v = req.if_contains(from); v && !v->is_null()) body[to] = *v;
  if (auto* stop = req.if_contains("stop")) {
    if (stop->is_string()) body["stop_sequences"] = json::array{*stop};
    if (stop->is_array()) body["stop_sequences"] = *stop;
  }
  if (auto* tc = req.if_contains("tool_choice"); tc && tc->is_string()) {
    if (tc->get_string() == "required") body["tool_choice"] = "REQUIRED";
    if (tc->get_string() == "none") body["tool_choice"] = "NONE";
  } else if (tc && tc->is_object()) {
    body["tool_choice"] = "REQUIRED";  // Cohere cannot force one named tool
  }
  if (auto* rf = obj_at(req, "response_format")) {
    auto type = str_or(*rf, "type");
    if (type == "json_object" || type == "json_schema") {
      json::object format{{"type", "json_object"}};
      if (auto* js = obj_at(*rf, "json_schema"))
        if (auto* schema = obj_at(*js, "schema")) format["json_schema"] = *schema;
      body["response_format"] = std::move(format);
    }
  }
  if (bool_or(req, "stream", false)) body["stream"] = true;
  return ok_status();
}

Result<HttpRequest> CohereTranslator::encode(const json::object& req, const Target& target,
                                             std::chrono::system_clock::time_point now) {
  json::object body;
  auto st = encode_body(req, target, body);
  if (!st) return st.error();
  HttpRequest http;
  http.url = chat_url(target.api_base);
  http.stream = bool_or(req, "stream", false);
  stream_usage_ = wants_stream_usage(req);
  http.headers = {{"content-type", "application/json"},
                  {"authorization", "Bearer " + target.credentials.api_key}};
  if (http.stream) http.headers.add("accept", "text/event-stream");
  http.headers.append(target.extra_headers);
  http.body = json::serialize(body);
  chunks_ = ChunkFactory{random_id("chatcmpl-"), target.model, unix_seconds(now)};
  return http;
}

void CohereTranslator::read_usage(const json::object& usage) {
  // "tokens" counts what the model saw; "billed_units" what is charged.
  auto* counts = obj_at(usage, "tokens");
  if (!counts) counts = obj_at(usage, "billed_units");
  if (!counts) return;
  usage_.prompt_tokens = int_at(*counts, "input_tokens").value_or(0);
  usage_.completion_tokens = int_at(*counts, "output_tokens").value_or(0);
  usage_.cached_tokens = int_at(usage, "cached_tokens").value_or(0);
}

Result<json::object> CohereTranslator::decode(std::string_view body) {
  auto parsed = parse_object(body, kProvider);
  if (!parsed) return parsed.error();
  json::object msg{{"role", "assistant"}};
  json::array tool_calls;
  std::string text;
  if (auto* message = obj_at(*parsed, "message")) {
    text = message_text(*message);
    if (auto* calls = arr_at(*message, "tool_calls")) {
      for (const auto& c : *calls) {
        if (!c.is_object()) continue;
        auto call = c.get_object();
        call["index"] = tool_calls.size();
        tool_calls.push_back(std::move(call));
      }
    }
    if (auto plan = str_or(*message, "tool_plan"); !plan.empty()) msg["reasoning_content"] = plan;
  }
  msg["content"] = text.empty() && !tool_calls.empty() ? json::value(nullptr) : json::value(text);
  if (!tool_calls.empty()) msg["tool_calls"] = std::move(tool_calls);
  if (auto* u = obj_at(*parsed, "usage")) read_usage(*u);
  auto id = str_or(*parsed, "id", chunks_.id);
  return completion_object(id, chunks_.model, chunks_.created, std::move(msg),
                           finish_reason_for(str_or(*parsed, "finish_reason")), usage_);
}

Status CohereTranslator::decode_stream(std::string_view bytes, std::vector<json::object>& out) {
  std::vector<SseEvent> events;
  auto st = sse_.feed(bytes, events);
  if (!st) return st;
  for (const auto& e : events) {
    if (e.data == "[DONE]") continue;
    auto parsed = parse_object(e.data, kProvider);
    if (!parsed) return parsed.error();
    auto type = str_or(*parsed, "type", e.type);
    if (type == "error" || (parsed->contains("error") && !parsed->contains("delta")))
      return provider_error(kProvider, 500, error_message_from_body(e.data));
    handle_event(type, *parsed, out);
  }
  return ok_status();
}

const json::object* delta_message(const json::object& data) {
  auto* delta = obj_at(data, "delta");
  return delta ? obj_at(*delta, "message") : nullptr;
}

void CohereTranslator::handle_event(std::string_view type, const json::object& data,
                                    std::vector<json::object>& out) {
  auto* message = delta_message(data);
  if (type == "message-start") {
    if (auto id = str_or(data, "id"); !id.empty()) chunks_.id = id;
    out.push_back(chunks_.chunk(json::object{{"role", "assistant"}, {"content", ""}}));
  } else if (type == "content-delta" || type == "content-start") {
    auto* content = message ? obj_at(*message, "content") : nullptr;
    if (auto text = content ? str_or(*content, "text") : ""; !text.empty())
      out.push_back(chunks_.chunk(json::object{{"content", text}}));
  } else if (type == "tool-plan-delta") {
    if (auto plan = message ? str_or(*message, "tool_plan") : ""; !plan.empty())
      out.push_back(chunks_.chunk(json::object{{"reasoning_content", plan}}));
  } else if (type == "tool-call-start" || type == "tool-call-delta") {
    auto* call = message ? obj_at(*message, "tool_calls") : nullptr;
    if (!call) return;
    if (type == "tool-call-start") ++tool_calls_;
    json::object delta{{"index", tool_calls_ - 1}};
    if (type == "tool-call-start") {
      delta["id"] = str_or(*call, "id");
      delta["type"] = "function";
    }
    auto* fn = obj_at(*call, "function");
    json::object function;
    if (fn && fn->contains("name")) function["name"] = str_or(*fn, "name");
    function["arguments"] = fn ? str_or(*fn, "arguments") : "";
    delta["function"] = std::move(function);
    out.push_back(chunks_.chunk(json::object{{"tool_calls", json::array{std::move(delta)}}}));
  } else if (type == "message-end") {
    auto* delta = obj_at(data, "delta");
    if (delta)
      if (auto* u = obj_at(*delta, "usage")) read_usage(*u);
    out.push_back(chunks_.chunk(json::object{},
                                finish_reason_for(delta ? str_or(*delta, "finish_reason") : "")));
    finished_ = true;
    if (stream_usage_) out.push_back(chunks_.usage_chunk(usage_));
  }
}

}  // namespace

std::unique_ptr<ChatTranslator> make_cohere_translator() {
  return std::make_unique<CohereTranslator>();
}

}  // namespace routeiq::providers
