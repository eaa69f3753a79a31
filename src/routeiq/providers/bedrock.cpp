#include "routeiq/providers/bedrock.hpp"

#include <map>

#include "routeiq/providers/common.hpp"
#include "routeiq/providers/eventstream.hpp"
#include "routeiq/providers/sigv4.hpp"
#include "routeiq/providers/url.hpp"

namespace routeiq::providers {
namespace {

constexpr std::string_view kProvider = "Bedrock";

std::string_view finish_reason_for(std::string_view stop_reason) {
  if (stop_reason == "max_tokens" || stop_reason == "model_context_window_exceeded")
    return "length";
  if (stop_reason == "tool_use") return "tool_calls";
  if (stop_reason == "guardrail_intervened" || stop_reason == "content_filtered")
    return "content_filter";
  return "stop";
}

std::string param_or(const Target& t, std::string_view credential, std::string_view key) {
  if (!credential.empty()) return std::string(credential);
  return std::string(str_or(t.extra_params, key));
}

// --- request -------------------------------------------------------------------

Result<json::object> image_block(const json::object& part) {
  std::string_view url;
  if (auto* iu = part.if_contains("image_url")) {
    if (iu->is_string()) url = iu->get_string();
    if (auto* o = iu->if_object()) url = str_or(*o, "url");
  }
  auto data = parse_data_url(url);
  // Converse only takes inline bytes; fetching a URL would be I/O.
  if (!data)
    return make_error(ErrorKind::invalid_request,
                      "Bedrock needs images as base64 data URLs (data:image/...;base64,...)",
                      "messages");
  auto slash = data->media_type.find('/');
  std::string format =
      slash == std::string::npos ? data->media_type : data->media_type.substr(slash + 1);
  if (format == "jpg") format = "jpeg";
  return json::object{
      {"image", json::object{{"format", format}, {"source", json::object{{"bytes", data->data}}}}}};
}

Result<json::array> content_blocks(const json::value& content) {
  json::array blocks;
  if (content.is_string()) {
    if (!content.get_string().empty()) blocks.push_back(json::object{{"text", content}});
    return blocks;
  }
  for (const auto& p : content.is_array() ? content.get_array() : json::array{}) {
    auto* part = p.if_object();
    if (!part) continue;
    auto type = str_or(*part, "type");
    if (type == "text") {
      if (auto t = str_or(*part, "text"); !t.empty()) blocks.push_back(json::object{{"text", t}});
      if (part->contains("cache_control"))
        blocks.push_back(json::object{{"cachePoint", json::object{{"type", "default"}}}});
    } else if (type == "image_url") {
      auto block = image_block(*part);
      if (!block) return block.error();
      blocks.push_back(std::move(*block));
    } else {
      return make_error(ErrorKind::invalid_request,
                        "content part type not supported by Bedrock: " + std::string(type),
                        "messages");
    }
  }
  return blocks;
}

struct Converted {
  json::array system;
  json::array messages;
};

Result<Converted> convert_messages(const json::array& input) {
  Converted out;
  for (const auto& m : input) {
    auto* msg = m.if_object();
    if (!msg) return make_error(ErrorKind::invalid_request, "messages must be objects", "messages");
    auto role = str_or(*msg, "role");
    static const json::value kNull;
    auto* content = msg->if_contains("content");
    if (!content) content = &kNull;
    if (role == "system" || role == "developer") {
      auto blocks = content_blocks(*content);
      if (!blocks) return blocks.error();
      for (auto& b : *blocks) out.system.push_back(std::move(b));
    } else if (role == "user") {
      auto blocks = content_blocks(*content);
      if (!blocks) return blocks.error();
      append_turn(out.messages, "user", std::move(*blocks));
    } else if (role == "assistant") {
      auto blocks = content_blocks(*content);
      if (!blocks) return blocks.error();
      for (const auto& c :
           arr_at(*msg, "tool_calls") ? *arr_at(*msg, "tool_calls") : json::array{}) {
        auto* call = c.if_object();
        auto* fn = call ? obj_at(*call, "function") : nullptr;
        if (!fn) continue;
        blocks->push_back(json::object{
            {"toolUse", json::object{{"toolUseId", str_or(*call, "id")},
                                     {"name", str_or(*fn, "name")},
                                     {"input", parse_arguments(str_or(*fn, "arguments"))}}}});
      }
      append_turn(out.messages, "assistant", std::move(*blocks));
    } else if (role == "tool" || role == "function") {
      json::object result{{"toolUseId", str_or(*msg, "tool_call_id")},
                          {"content", json::array{json::object{{"text", content_text(*content)}}}}};
      append_turn(out.messages, "user",
                  json::array{json::object{{"toolResult", std::move(result)}}});
    } else {
      return make_error(ErrorKind::invalid_request, "unknown message role: " + std::string(role),
                        "messages");
    }
  }
  return out;
}

json::array convert_tools(const json::array& tools) {
  json::array out;
  for (const auto& t : tools) {
    auto* tool = t.if_object();
    auto* fn = tool ? obj_at(*tool, "function") : nullptr;
    if (!fn) continue;
    json::object spec{{"name", str_or(*fn, "name")}};
    if (auto d = str_or(*fn, "description"); !d.empty()) spec["description"] = d;
    auto* params = obj_at(*fn, "parameters");
    spec["inputSchema"] = json::object{
        {"json",
         params ? *params : json::object{{"type", "object"}, {"properties", json::object{}}}}};
    out.push_back(json::object{{"toolSpec", std::move(spec)}});
  }
  return out;
}

// --- translator --------------------------------------------------------------------

class BedrockTranslator final : public ChatTranslator {
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
  void read_usage(const json::object& u);
  void handle_event(std::string_view type, const json::object& data,
                    std::vector<json::object>& out);
  void on_block_start(const json::object& data, std::vector<json::object>& out);
  void on_block_delta(const json::object& data, std::vector<json::object>& out);

  bool stream_usage_ = false;
  Usage usage_;
  EventStreamDecoder frames_;
  ChunkFactory chunks_;
  bool finished_ = false;
  bool stopped_ = false;
  std::map<int64_t, int64_t> tool_index_;  // contentBlockIndex -> tool_calls index
  int64_t next_tool_ = 0;
};

Status BedrockTranslator::encode_body(const json::object& req, const Target& target,
                                      json::object& body) {
  auto st = check_params(
      req,
      {"max_tokens", "max_completion_tokens", "temperature", "top_p", "stop", "stream",
       "stream_options", "tools", "tool_choice", "reasoning_effort", "user", "parallel_tool_calls"},
      target.drop_params, kProvider);
  if (!st) return st;
  auto* messages = arr_at(req, "messages");
  if (!messages) return make_error(ErrorKind::invalid_request, "messages is required", "messages");
  auto conv = convert_messages(*messages);
  if (!conv) return conv.error();
  body["messages"] = std::move(conv->messages);
  if (!conv->system.empty()) body["system"] = std::move(conv->system);

  json::object inference;
  auto max_tokens = int_at(req, "max_completion_tokens");
  if (!max_tokens) max_tokens = int_at(req, "max_tokens");
  if (max_tokens) inference["maxTokens"] = *max_tokens;
  if (auto* t = req.if_contains("temperature"); t && !t->is_null()) inference["temperature"] = *t;
  if (auto* p = req.if_contains("top_p"); p && !p->is_null()) inference["topP"] = *p;
  if (auto* stop = req.if_contains("stop")) {
    if (stop->is_string()) inference["stopSequences"] = json::array{*stop};
    if (stop->is_array()) inference["stopSequences"] = *stop;
  }
  if (!inference.empty()) body["inferenceConfig"] = std::move(inference);

  json::object additional;
  if (auto* k = req.if_contains("top_k")) additional["top_k"] = *k;
  if (auto effort = str_or(req, "reasoning_effort"); !effort.empty() && effort != "none") {
    auto budget = reasoning_budget(effort);
    if (!budget)
      return make_error(ErrorKind::invalid_request,
                        "reasoning_effort must be minimal, low, medium or high",
                        "reasoning_effort");
    additional["thinking"] = json::object{{"type", "enabled"}, {"budget_tokens", *budget}};
  }
  if (!additional.empty()) body["additionalModelRequestFields"] = std::move(additional);

  auto* tools = arr_at(req, "tools");
  auto* choice = req.if_contains("tool_choice");
  bool none = choice && choice->is_string() && choice->get_string() == "none";
  if (tools && !tools->empty() && !none) {  // Converse has no "none": send no tools
    json::object config{{"tools", convert_tools(*tools)}};
    if (choice && choice->is_string() && choice->get_string() == "required")
      config["toolChoice"] = json::object{{"any", json::object{}}};
    if (choice && choice->is_string() && choice->get_string() == "auto")
      config["toolChoice"] = json::object{{"auto", json::object{}}};
    if (auto* o = choice ? choice->if_object() : nullptr)
      if (auto* fn = obj_at(*o, "function"))
        config["toolChoice"] = json::object{{"tool", json::object{{"name", str_or(*fn, "name")}}}};
    body["toolConfig"] = std::move(config);
  }
  return ok_status();
}

Result<HttpRequest> BedrockTranslator::encode(const json::object& req, const Target& target,
                                              std::chrono::system_clock::time_point now) {
  json::object body;
  auto st = encode_body(req, target, body);
  if (!st) return st.error();
  HttpRequest http;
  http.stream = bool_or(req, "stream", false);
  stream_usage_ = wants_stream_usage(req);
  std::string region = param_or(target, target.credentials.region, "aws_region_name");
  if (region.empty()) region = "us-east-1";
  if (!is_region_name(region))
    return make_error(ErrorKind::invalid_request,
                      "aws_region_name must be a region name such as us-east-1", "aws_region_name");
  std::string base = target.api_base;
  if (base.empty()) base = std::string(str_or(target.extra_params, "aws_bedrock_runtime_endpoint"));
  if (base.empty()) base = "https://bedrock-runtime." + region + ".amazonaws.com";
  auto model = path_segment(target.model, "model");
  if (!model) return model.error();
  http.url = join_url(base, "model/" + *model + (http.stream ? "/converse-stream" : "/converse"));
  http.headers = {{"content-type", "application/json"}};
  if (http.stream) http.headers.add("accept", "application/vnd.amazon.eventstream");
  http.headers.append(target.extra_headers);
  http.body = json::serialize(body);
  chunks_ = ChunkFactory{random_id("chatcmpl-"), target.model, unix_seconds(now)};

  Credentials creds = target.credentials;
  creds.access_key_id = param_or(target, creds.access_key_id, "aws_access_key_id");
  creds.secret_access_key = param_or(target, creds.secret_access_key, "aws_secret_access_key");
  creds.session_token = param_or(target, creds.session_token, "aws_session_token");
  if (creds.access_key_id.empty() && !creds.api_key.empty()) {  // Bedrock API keys
    http.headers.add("authorization", "Bearer " + creds.api_key);
    return http;
  }
  st = sigv4_sign_request(http, creds, region, "bedrock", now);
  if (!st) return st.error();
  return http;
}

void BedrockTranslator::read_usage(const json::object& u) {
  auto input = int_at(u, "inputTokens").value_or(0);
  auto read = int_at(u, "cacheReadInputTokens").value_or(0);
  auto write = int_at(u, "cacheWriteInputTokens").value_or(0);
  usage_.prompt_tokens = input + read + write;
  usage_.completion_tokens = int_at(u, "outputTokens").value_or(0);
  usage_.cached_tokens = read;
  usage_.cache_creation_tokens = write;
}

Result<json::object> BedrockTranslator::decode(std::string_view body) {
  auto parsed = parse_object(body, kProvider);
  if (!parsed) return parsed.error();
  std::string text, reasoning;
  json::array tool_calls;
  auto* output = obj_at(*parsed, "output");
  auto* message = output ? obj_at(*output, "message") : nullptr;
  auto* content = message ? arr_at(*message, "content") : nullptr;
  for (const auto& b : content ? *content : json::array{}) {
    auto* block = b.if_object();
    if (!block) continue;
    text += str_or(*block, "text");
    if (auto* rc = obj_at(*block, "reasoningContent"))
      if (auto* rt = obj_at(*rc, "reasoningText")) reasoning += str_or(*rt, "text");
    if (auto* use = obj_at(*block, "toolUse")) {
      auto* input = use->if_contains("input");
      tool_calls.push_back(json::object{
          {"index", tool_calls.size()},
          {"id", str_or(*use, "toolUseId")},
          {"type", "function"},
          {"function", json::object{{"name", str_or(*use, "name")},
                                    {"arguments", input ? json::serialize(*input) : "{}"}}}});
    }
  }
  if (auto* u = obj_at(*parsed, "usage")) read_usage(*u);
  json::object msg{{"role", "assistant"}};
  msg["content"] = text.empty() && !tool_calls.empty() ? json::value(nullptr) : json::value(text);
  if (!tool_calls.empty()) msg["tool_calls"] = std::move(tool_calls);
  if (!reasoning.empty()) msg["reasoning_content"] = reasoning;
  return completion_object(chunks_.id, chunks_.model, chunks_.created, std::move(msg),
                           finish_reason_for(str_or(*parsed, "stopReason")), usage_);
}

Status BedrockTranslator::decode_stream(std::string_view bytes, std::vector<json::object>& out) {
  std::vector<EventStreamMessage> messages;
  auto st = frames_.feed(bytes, messages);
  if (!st) return st;
  for (const auto& m : messages) {
    if (auto err = event_stream_error(m)) {
      if (err->kind == ErrorKind::invalid_request && mentions_context_window(err->message))
        err->kind = ErrorKind::context_window_exceeded;
      err->message = std::string(kProvider) + "Exception - " + err->message;
      return *err;
    }
    auto parsed = parse_object(m.payload, kProvider);
    if (!parsed) return parsed.error();
    handle_event(m.header(":event-type"), *parsed, out);
  }
  return ok_status();
}

void BedrockTranslator::handle_event(std::string_view type, const json::object& data,
                                     std::vector<json::object>& out) {
  if (type == "messageStart") {
    out.push_back(chunks_.chunk(json::object{{"role", "assistant"}, {"content", ""}}));
  } else if (type == "contentBlockStart") {
    on_block_start(data, out);
  } else if (type == "contentBlockDelta") {
    on_block_delta(data, out);
  } else if (type == "messageStop") {
    stopped_ = true;
    out.push_back(chunks_.chunk(json::object{}, finish_reason_for(str_or(data, "stopReason"))));
  } else if (type == "metadata") {
    if (auto* u = obj_at(data, "usage")) read_usage(*u);
    finished_ = true;
    if (stream_usage_) out.push_back(chunks_.usage_chunk(usage_));
  }
}

void BedrockTranslator::on_block_start(const json::object& data, std::vector<json::object>& out) {
  auto* start = obj_at(data, "start");
  auto* use = start ? obj_at(*start, "toolUse") : nullptr;
  if (!use) return;
  auto tool = next_tool_++;
  tool_index_[int_at(data, "contentBlockIndex").value_or(0)] = tool;
  json::object call{{"index", tool},
                    {"id", str_or(*use, "toolUseId")},
                    {"type", "function"},
                    {"function", json::object{{"name", str_or(*use, "name")}, {"arguments", ""}}}};
  out.push_back(chunks_.chunk(json::object{{"tool_calls", json::array{std::move(call)}}}));
}

void BedrockTranslator::on_block_delta(const json::object& data, std::vector<json::object>& out) {
  auto* delta = obj_at(data, "delta");
  if (!delta) return;
  if (auto* text = delta->if_contains("text"); text && text->is_string()) {
    out.push_back(chunks_.chunk(json::object{{"content", *text}}));
  } else if (auto* rc = obj_at(*delta, "reasoningContent")) {
    if (auto r = str_or(*rc, "text"); !r.empty())
      out.push_back(chunks_.chunk(json::object{{"reasoning_content", r}}));
  } else if (auto* use = obj_at(*delta, "toolUse")) {
    auto it = tool_index_.find(int_at(data, "contentBlockIndex").value_or(0));
    if (it == tool_index_.end()) return;
    json::object call{{"index", it->second},
                      {"function", json::object{{"arguments", str_or(*use, "input")}}}};
    out.push_back(chunks_.chunk(json::object{{"tool_calls", json::array{std::move(call)}}}));
  }
}

}  // namespace

std::unique_ptr<ChatTranslator> make_bedrock_translator() {
  return std::make_unique<BedrockTranslator>();
}

}  // namespace routeiq::providers
