#include "routeiq/providers/gemini.hpp"

#include <map>

#include "routeiq/providers/common.hpp"
#include "routeiq/providers/sse.hpp"
#include "routeiq/providers/url.hpp"

namespace routeiq::providers {
namespace {

constexpr std::string_view kStudioBase = "https://generativelanguage.googleapis.com/v1beta";

// JSON-schema keywords Gemini's OpenAPI-subset Schema rejects.
void strip_schema(json::value& v) {
  if (auto* o = v.if_object()) {
    for (auto key : {"additionalProperties", "$schema", "strict", "$id", "$defs", "definitions"})
      o->erase(key);
    for (auto& [k, child] : *o) strip_schema(child);
  } else if (auto* a = v.if_array()) {
    for (auto& child : *a) strip_schema(child);
  }
}

std::string_view finish_reason_for(std::string_view reason, bool has_tool_calls) {
  if (has_tool_calls) return "tool_calls";  // Gemini says STOP for function calls
  if (reason == "MAX_TOKENS") return "length";
  if (reason == "SAFETY" || reason == "RECITATION" || reason == "BLOCKLIST" ||
      reason == "PROHIBITED_CONTENT" || reason == "SPII" || reason == "IMAGE_SAFETY")
    return "content_filter";
  return "stop";
}

// --- request -----------------------------------------------------------------

Result<json::object> media_part(const json::object& part) {
  std::string_view url;
  if (auto* iu = part.if_contains("image_url")) {
    if (iu->is_string()) url = iu->get_string();
    if (auto* o = iu->if_object()) url = str_or(*o, "url");
  } else if (auto* file = obj_at(part, "file")) {
    url = str_or(*file, "file_data");
    if (url.empty()) url = str_or(*file, "file_id");
  }
  if (auto data = parse_data_url(url))
    return json::object{
        {"inlineData", json::object{{"mimeType", data->media_type}, {"data", data->data}}}};
  if (url.starts_with("gs://") || url.starts_with("https://") || url.starts_with("http://")) {
    std::string_view mime = "image/jpeg";
    if (url.ends_with(".png")) mime = "image/png";
    if (url.ends_with(".pdf")) mime = "application/pdf";
    if (url.ends_with(".webp")) mime = "image/webp";
    return json::object{{"fileData", json::object{{"mimeType", mime}, {"fileUri", url}}}};
  }
  return make_error(ErrorKind::invalid_request, "unsupported image/file URL for Gemini",
                    "messages");
}

Result<json::array> content_parts(const json::value& content) {
  json::array parts;
  if (content.is_string()) {
    if (!content.get_string().empty()) parts.push_back(json::object{{"text", content}});
    return parts;
  }
  for (const auto& p : content.is_array() ? content.get_array() : json::array{}) {
    auto* part = p.if_object();
    if (!part) continue;
    auto type = str_or(*part, "type");
    if (type == "text") {
      if (auto t = str_or(*part, "text"); !t.empty()) parts.push_back(json::object{{"text", t}});
    } else if (type == "image_url" || type == "file") {
      auto media = media_part(*part);
      if (!media) return media.error();
      parts.push_back(std::move(*media));
    } else {
      return make_error(ErrorKind::invalid_request,
                        "content part type not supported by Gemini: " + std::string(type),
                        "messages");
    }
  }
  return parts;
}

struct GeminiConversation {
  json::array system_parts;
  json::array contents;
};

Result<GeminiConversation> convert_messages(const json::array& messages) {
  GeminiConversation conv;
  std::map<std::string, std::string> call_names;  // tool_call_id -> function name
  for (const auto& m : messages) {
    auto* msg = m.if_object();
    if (!msg) return make_error(ErrorKind::invalid_request, "messages must be objects", "messages");
    auto role = str_or(*msg, "role");
    static const json::value kNull;
    auto* content = msg->if_contains("content");
    if (!content) content = &kNull;
    if (role == "system" || role == "developer") {
      auto parts = content_parts(*content);
      if (!parts) return parts.error();
      for (auto& p : *parts) conv.system_parts.push_back(std::move(p));
    } else if (role == "user") {
      auto parts = content_parts(*content);
      if (!parts) return parts.error();
      append_turn(conv.contents, "user", std::move(*parts), "parts");
    } else if (role == "assistant") {
      auto parts = content_parts(*content);
      if (!parts) return parts.error();
      for (const auto& c :
           arr_at(*msg, "tool_calls") ? *arr_at(*msg, "tool_calls") : json::array{}) {
        auto* call = c.if_object();
        auto* fn = call ? obj_at(*call, "function") : nullptr;
        if (!fn) continue;
        call_names[std::string(str_or(*call, "id"))] = str_or(*fn, "name");
        parts->push_back(json::object{
            {"functionCall", json::object{{"name", str_or(*fn, "name")},
                                          {"args", parse_arguments(str_or(*fn, "arguments"))}}}});
      }
      append_turn(conv.contents, "model", std::move(*parts), "parts");
    } else if (role == "tool" || role == "function") {
      std::string name(str_or(*msg, "name"));
      if (auto it = call_names.find(std::string(str_or(*msg, "tool_call_id")));
          it != call_names.end())
        name = it->second;
      json::object response{{"content", content_text(*content)}};
      append_turn(conv.contents, "user",
                  json::array{json::object{
                      {"functionResponse", json::object{{"name", name}, {"response", response}}}}},
                  "parts");
    } else {
      return make_error(ErrorKind::invalid_request, "unknown message role: " + std::string(role),
                        "messages");
    }
  }
  return conv;
}

json::array convert_tools(const json::array& tools) {
  json::array declarations;
  for (const auto& t : tools) {
    auto* tool = t.if_object();
    auto* fn = tool ? obj_at(*tool, "function") : nullptr;
    if (!fn) continue;
    json::object d{{"name", str_or(*fn, "name")}};
    if (auto desc = str_or(*fn, "description"); !desc.empty()) d["description"] = desc;
    if (auto* params = obj_at(*fn, "parameters"); params && !params->empty()) {
      json::value schema = *params;
      strip_schema(schema);
      d["parameters"] = std::move(schema);
    }
    declarations.push_back(std::move(d));
  }
  if (declarations.empty()) return {};
  return json::array{json::object{{"functionDeclarations", std::move(declarations)}}};
}

std::optional<json::object> convert_tool_choice(const json::value& choice) {
  auto config = [](std::string_view mode) {
    return json::object{{"functionCallingConfig", json::object{{"mode", mode}}}};
  };
  if (choice.is_string()) {
    if (choice.get_string() == "auto") return config("AUTO");
    if (choice.get_string() == "required") return config("ANY");
    if (choice.get_string() == "none") return config("NONE");
  } else if (auto* o = choice.if_object()) {
    if (auto* fn = obj_at(*o, "function")) {
      auto c = config("ANY");
      c["functionCallingConfig"].as_object()["allowedFunctionNames"] =
          json::array{str_or(*fn, "name")};
      return c;
    }
  }
  return std::nullopt;
}

// --- translator ------------------------------------------------------------------

class GeminiTranslator final : public ChatTranslator {
 public:
  explicit GeminiTranslator(bool vertex) : vertex_(vertex) {}
  Result<HttpRequest> encode(const json::object& req, const Target& target,
                             std::chrono::system_clock::time_point now) override;
  Result<json::object> decode(std::string_view body) override;
  Error decode_error(int status, std::string_view body) override {
    // Google answers a bad API key with 400 API_KEY_INVALID; OpenAI clients
    // (and LiteLLM) treat it as an authentication error.
    if (status == 400 && body.find("API_KEY_INVALID") != std::string_view::npos) status = 401;
    return provider_error(provider(), status, error_message_from_body(body));
  }
  Status decode_stream(std::string_view bytes, std::vector<json::object>& out) override;
  bool stream_finished() const override { return finished_; }
  Usage usage() const override { return usage_; }

 private:
  std::string_view provider() const { return vertex_ ? "VertexAI" : "Gemini"; }
  Status encode_body(const json::object& req, const Target& target, json::object& body);
  Result<std::string> url_for(const Target& target, bool stream) const;
  void read_usage(const json::object& response);
  Status handle_chunk(const json::object& response, std::vector<json::object>& out);

  bool vertex_;
  bool stream_usage_ = false;
  Usage usage_;
  SseParser sse_;
  ChunkFactory chunks_;
  bool finished_ = false;
  bool started_ = false;
  int64_t tool_calls_ = 0;
};

Status GeminiTranslator::encode_body(const json::object& req, const Target& target,
                                     json::object& body) {
  auto st = check_params(req,
                         {"max_tokens", "max_completion_tokens", "temperature", "top_p", "stop",
                          "stream", "stream_options", "tools", "tool_choice", "response_format",
                          "n", "presence_penalty", "frequency_penalty", "seed", "reasoning_effort",
                          "logprobs", "top_logprobs", "user", "parallel_tool_calls"},
                         target.drop_params, provider());
  if (!st) return st;
  auto* messages = arr_at(req, "messages");
  if (!messages) return make_error(ErrorKind::invalid_request, "messages is required", "messages");
  auto conv = convert_messages(*messages);
  if (!conv) return conv.error();
  body["contents"] = std::move(conv->contents);
  if (!conv->system_parts.empty())
    body["systemInstruction"] = json::object{{"parts", std::move(conv->system_parts)}};

  json::object gen;
  auto max_tokens = int_at(req, "max_completion_tokens");
  if (!max_tokens) max_tokens = int_at(req, "max_tokens");
  if (max_tokens) gen["maxOutputTokens"] = *max_tokens;
  const std::pair<const char*, const char*> renames[] = {{"temperature", "temperature"},
                                                         {"top_p", "topP"},
                                                         {"n", "candidateCount"},
                                                         {"presence_penalty", "presencePenalty"},
                                                         {"frequency_penalty", "frequencyPenalty"},
                                                         {"seed", "seed"},
                                                         {"top_logprobs", "logprobs"},
                                                         {"top_k", "topK"}};
  for (auto [from, to] : renames)
    if (auto* v = req.if_contains(from); v && !v->is_null()) gen[to] = *v;
  if (bool_or(req, "logprobs", false)) gen["responseLogprobs"] = true;
  if (auto* stop = req.if_contains("stop")) {
    if (stop->is_string()) gen["stopSequences"] = json::array{*stop};
    if (stop->is_array()) gen["stopSequences"] = *stop;
  }
  if (auto* rf = obj_at(req, "response_format")) {
    auto type = str_or(*rf, "type");
    if (type == "json_object" || type == "json_schema")
      gen["responseMimeType"] = "application/json";
    if (auto* js = obj_at(*rf, "json_schema"))
      if (auto* schema = obj_at(*js, "schema")) {
        json::value s = *schema;
        strip_schema(s);
        gen["responseSchema"] = std::move(s);
      }
  }
  if (auto effort = str_or(req, "reasoning_effort"); !effort.empty()) {
    auto budget = effort == "none" ? std::optional<int64_t>(0) : reasoning_budget(effort);
    if (!budget)
      return make_error(ErrorKind::invalid_request,
                        "reasoning_effort must be none, minimal, low, medium or high",
                        "reasoning_effort");
    json::object thinking{{"thinkingBudget", *budget}};
    if (*budget > 0) thinking["includeThoughts"] = true;
    gen["thinkingConfig"] = std::move(thinking);
  }
  if (!gen.empty()) body["generationConfig"] = std::move(gen);

  if (auto* tools = arr_at(req, "tools")) {
    auto converted = convert_tools(*tools);
    if (!converted.empty()) body["tools"] = std::move(converted);
  }
  if (auto* tc = req.if_contains("tool_choice"); tc && !tc->is_null())
    if (auto config = convert_tool_choice(*tc)) body["toolConfig"] = std::move(*config);
  for (auto key : {"safetySettings", "safety_settings", "cachedContent", "labels"}) {
    if (auto* v = req.if_contains(key))
      body[std::string_view(key) == "safety_settings" ? "safetySettings" : key] = *v;
  }
  return ok_status();
}

Result<std::string> GeminiTranslator::url_for(const Target& target, bool stream) const {
  std::string method = stream ? ":streamGenerateContent?alt=sse" : ":generateContent";
  if (!vertex_) {
    std::string base = target.api_base.empty() ? std::string(kStudioBase) : target.api_base;
    // A bare origin (the provider default, or api_base: http://host:port) gets
    // the API version; a base with a path is used as given.
    if (auto scheme = base.find("://");
        scheme != std::string::npos && base.find('/', scheme + 3) == std::string::npos)
      base += "/v1beta";
    auto model = path_segment(target.model, "model");
    if (!model) return model.error();
    return join_url(base, "models/" + *model + method);
  }
  std::string project(str_or(target.extra_params, "vertex_project"));
  if (project.empty()) project = str_or(target.extra_params, "vertex_ai_project");
  std::string location(str_or(target.extra_params, "vertex_location"));
  if (location.empty()) location = str_or(target.extra_params, "vertex_ai_location");
  if (location.empty()) location = "us-central1";
  if (project.empty())
    return make_error(ErrorKind::invalid_request, "vertex_ai needs vertex_project",
                      "vertex_project");
  if (!is_region_name(location))
    return make_error(ErrorKind::invalid_request,
                      "vertex_location must be a region name such as us-central1",
                      "vertex_location");
  auto model = path_segment(target.model, "model");
  if (!model) return model.error();
  auto project_segment = path_segment(project, "vertex_project");
  if (!project_segment) return project_segment.error();
  std::string base = target.api_base;
  if (base.empty())
    base = location == "global" ? "https://aiplatform.googleapis.com"
                                : "https://" + location + "-aiplatform.googleapis.com";
  return join_url(base, "v1/projects/" + *project_segment + "/locations/" + location +
                            "/publishers/google/models/" + *model + method);
}

Result<HttpRequest> GeminiTranslator::encode(const json::object& req, const Target& target,
                                             std::chrono::system_clock::time_point now) {
  json::object body;
  auto st = encode_body(req, target, body);
  if (!st) return st.error();
  HttpRequest http;
  http.stream = bool_or(req, "stream", false);
  stream_usage_ = wants_stream_usage(req);
  auto url = url_for(target, http.stream);
  if (!url) return url.error();
  http.url = std::move(*url);
  http.headers = {{"content-type", "application/json"}};
  if (vertex_)
    http.headers.add("authorization", "Bearer " + target.credentials.bearer_token);
  else
    http.headers.add("x-goog-api-key", target.credentials.api_key);
  http.headers.append(target.extra_headers);
  http.body = json::serialize(body);
  chunks_ = ChunkFactory{random_id("chatcmpl-"), target.model, unix_seconds(now)};
  return http;
}

void GeminiTranslator::read_usage(const json::object& response) {
  auto* meta = obj_at(response, "usageMetadata");
  if (!meta) return;
  usage_.prompt_tokens = int_at(*meta, "promptTokenCount").value_or(0);
  usage_.reasoning_tokens = int_at(*meta, "thoughtsTokenCount").value_or(0);
  // OpenAI counts reasoning inside completion_tokens.
  usage_.completion_tokens =
      int_at(*meta, "candidatesTokenCount").value_or(0) + usage_.reasoning_tokens;
  usage_.cached_tokens = int_at(*meta, "cachedContentTokenCount").value_or(0);
}

struct CandidateView {
  std::string text, reasoning;
  json::array tool_calls;
  std::string finish_reason;  // Gemini's
};

CandidateView read_candidate(const json::object& response, int64_t& tool_counter) {
  CandidateView view;
  auto* candidates = arr_at(response, "candidates");
  if (!candidates || candidates->empty() || !candidates->front().is_object()) return view;
  const auto& cand = candidates->front().get_object();
  view.finish_reason = str_or(cand, "finishReason");
  auto* content = obj_at(cand, "content");
  auto* parts = content ? arr_at(*content, "parts") : nullptr;
  for (const auto& p : parts ? *parts : json::array{}) {
    auto* part = p.if_object();
    if (!part) continue;
    if (auto* call = obj_at(*part, "functionCall")) {
      auto* args = call->if_contains("args");
      std::string id(str_or(*call, "id"));
      if (id.empty()) id = random_id("call_");
      view.tool_calls.push_back(json::object{
          {"index", tool_counter++},
          {"id", id},
          {"type", "function"},
          {"function", json::object{{"name", str_or(*call, "name")},
                                    {"arguments", args ? json::serialize(*args) : "{}"}}}});
    } else if (bool_or(*part, "thought", false)) {
      view.reasoning += str_or(*part, "text");
    } else {
      view.text += str_or(*part, "text");
    }
  }
  return view;
}

Result<json::object> GeminiTranslator::decode(std::string_view body) {
  auto parsed = parse_object(body, provider());
  if (!parsed) return parsed.error();
  int64_t counter = 0;
  auto view = read_candidate(*parsed, counter);
  read_usage(*parsed);
  std::string_view finish = finish_reason_for(view.finish_reason, !view.tool_calls.empty());
  if (!arr_at(*parsed, "candidates"))
    if (auto* feedback = obj_at(*parsed, "promptFeedback");
        feedback && feedback->contains("blockReason"))
      finish = "content_filter";
  json::object message{{"role", "assistant"}};
  message["content"] =
      view.text.empty() && !view.tool_calls.empty() ? json::value(nullptr) : json::value(view.text);
  if (!view.tool_calls.empty()) message["tool_calls"] = std::move(view.tool_calls);
  if (!view.reasoning.empty()) message["reasoning_content"] = view.reasoning;
  auto id = str_or(*parsed, "responseId", chunks_.id);
  auto model = str_or(*parsed, "modelVersion", chunks_.model);
  return completion_object(id, model, chunks_.created, std::move(message), finish, usage_);
}

Status GeminiTranslator::decode_stream(std::string_view bytes, std::vector<json::object>& out) {
  std::vector<SseEvent> events;
  auto st = sse_.feed(bytes, events);
  if (!st) return st;
  for (const auto& e : events) {
    auto parsed = parse_object(e.data, provider());
    if (!parsed) return parsed.error();
    if (auto* err = parsed->if_contains("error")) {
      int status = err->is_object() ? int(int_at(err->get_object(), "code").value_or(500)) : 500;
      return provider_error(provider(), status, error_message_from_body(e.data));
    }
    st = handle_chunk(*parsed, out);
    if (!st) return st;
  }
  return ok_status();
}

Status GeminiTranslator::handle_chunk(const json::object& response,
                                      std::vector<json::object>& out) {
  if (auto id = str_or(response, "responseId"); !id.empty() && !started_) chunks_.id = id;
  if (!started_) {
    started_ = true;
    out.push_back(chunks_.chunk(json::object{{"role", "assistant"}, {"content", ""}}));
  }
  read_usage(response);
  auto view = read_candidate(response, tool_calls_);
  if (!view.reasoning.empty())
    out.push_back(chunks_.chunk(json::object{{"reasoning_content", view.reasoning}}));
  if (!view.text.empty()) out.push_back(chunks_.chunk(json::object{{"content", view.text}}));
  if (!view.tool_calls.empty())
    out.push_back(chunks_.chunk(json::object{{"tool_calls", std::move(view.tool_calls)}}));
  bool blocked = !arr_at(response, "candidates") && obj_at(response, "promptFeedback");
  if (!view.finish_reason.empty() || blocked) {
    auto finish =
        blocked ? "content_filter" : finish_reason_for(view.finish_reason, tool_calls_ > 0);
    out.push_back(chunks_.chunk(json::object{}, finish));
    finished_ = true;
    if (stream_usage_) out.push_back(chunks_.usage_chunk(usage_));
  }
  return ok_status();
}

}  // namespace

std::unique_ptr<ChatTranslator> make_gemini_translator() {
  return std::make_unique<GeminiTranslator>(false);
}
std::unique_ptr<ChatTranslator> make_vertex_ai_translator() {
  return std::make_unique<GeminiTranslator>(true);
}

}  // namespace routeiq::providers
