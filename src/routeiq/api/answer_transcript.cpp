#include "routeiq/api/answer_transcript.hpp"

#include <boost/json.hpp>

#include "routeiq/core/json.hpp"

namespace routeiq::api {
namespace json = boost::json;

namespace {

constexpr size_t kMaxString = 8 * 1024;
constexpr size_t kMaxJson = 1024 * 1024;

void cut_long_strings(json::value& v) {
  if (auto* s = v.if_string(); s && s->size() > kMaxString) {
    size_t cut = s->size() - kMaxString;
    s->resize(kMaxString);
    s->append("... (" + std::to_string(cut) + " characters not kept)");
  } else if (auto* a = v.if_array()) {
    for (auto& item : *a) cut_long_strings(item);
  } else if (auto* o = v.if_object()) {
    for (auto& member : *o) cut_long_strings(member.value());
  }
}

std::optional<json::object> parse_object(std::string_view text) {
  json::error_code ec;
  auto v = json::parse(text, ec);
  if (ec || !v.is_object()) return std::nullopt;
  return std::move(v.get_object());
}

void append_string(std::string& to, const json::object& o, std::string_view key) {
  if (const auto* v = o.if_contains(key); v && v->is_string()) to.append(v->get_string());
}

void keep_string(std::string& to, const json::object& o, std::string_view key) {
  if (const auto* v = o.if_contains(key); v && v->is_string() && !v->get_string().empty())
    to = v->get_string();
}

}  // namespace

std::string bounded_json(json::value value) {
  cut_long_strings(value);
  auto text = json::serialize(value);
  if (text.size() <= kMaxJson) return text;
  return json::serialize(json::value(
      json::object{{"not_kept", "over 1 MiB"}, {"bytes", static_cast<int64_t>(text.size())}}));
}

std::string request_messages(const json::object& body) {
  for (auto name : {"messages", "prompt", "input"})
    if (const auto* v = body.if_contains(name)) return bounded_json(*v);
  return "[]";
}

void AnswerTranscript::whole(std::string_view body) {
  whole_.assign(body);
}

void AnswerTranscript::chunk(std::string_view bytes) {
  streamed_ = true;
  pending_.append(bytes);
  size_t start = 0;
  for (size_t nl; (nl = pending_.find('\n', start)) != std::string::npos; start = nl + 1) {
    std::string_view line(pending_.data() + start, nl - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.starts_with("data:")) {
      line.remove_prefix(5);
      if (line.starts_with(' ')) line.remove_prefix(1);
      event(line);
    }
  }
  pending_.erase(0, start);
}

void AnswerTranscript::event(std::string_view data) {
  if (data == "[DONE]") return;
  auto parsed = parse_object(data);
  if (!parsed) return;
  if (dialect_ == providers::Dialect::anthropic)
    anthropic_event(*parsed);
  else
    openai_chunk(*parsed);
}

void AnswerTranscript::openai_chunk(const json::object& chunk) {
  keep_string(id_, chunk, "id");
  keep_string(model_, chunk, "model");
  if (const auto* u = obj_at(chunk, "usage")) usage_ = *u;
  const auto* choices = chunk.if_contains("choices");
  if (!choices || !choices->is_array()) return;
  for (const auto& c : choices->get_array()) {
    if (!c.is_object()) continue;
    const auto& choice = c.get_object();
    keep_string(finish_reason_, choice, "finish_reason");
    if (const auto* delta = obj_at(choice, "delta")) append_string(text_, *delta, "content");
    append_string(text_, choice, "text");  // a text completion's chunk
  }
}

void AnswerTranscript::anthropic_event(const json::object& event) {
  auto type = str_or(event, "type");
  if (type == "message_start") {
    if (const auto* m = obj_at(event, "message")) {
      keep_string(id_, *m, "id");
      keep_string(model_, *m, "model");
      if (const auto* u = obj_at(*m, "usage")) usage_ = *u;
    }
  } else if (type == "content_block_delta") {
    if (const auto* d = obj_at(event, "delta")) append_string(text_, *d, "text");
  } else if (type == "message_delta") {
    if (const auto* d = obj_at(event, "delta")) keep_string(finish_reason_, *d, "stop_reason");
    if (const auto* u = obj_at(event, "usage"))
      for (const auto& [k, v] : *u) usage_[k] = v;
  }
}

json::object AnswerTranscript::assembled() const {
  json::value finish = finish_reason_.empty() ? json::value(nullptr) : json::value(finish_reason_);
  if (dialect_ == providers::Dialect::anthropic) {
    json::array content;
    content.push_back(json::object{{"type", "text"}, {"text", text_}});
    return json::object{{"id", id_},       {"type", "message"},  {"role", "assistant"},
                        {"model", model_}, {"content", content}, {"stop_reason", finish},
                        {"usage", usage_}};
  }
  json::object choice{{"index", 0}, {"finish_reason", finish}};
  bool text_completion = endpoint_ == providers::Endpoint::completions;
  if (text_completion)
    choice["text"] = text_;
  else
    choice["message"] = json::object{{"role", "assistant"}, {"content", text_}};
  json::array choices;
  choices.push_back(std::move(choice));
  json::object out{{"id", id_},
                   {"object", text_completion ? "text_completion" : "chat.completion"},
                   {"model", model_},
                   {"choices", std::move(choices)}};
  if (!usage_.empty()) out["usage"] = usage_;
  return out;
}

std::string AnswerTranscript::response() const {
  if (streamed_) return bounded_json(assembled());
  if (whole_.empty()) return {};
  json::error_code ec;
  auto v = json::parse(whole_, ec);
  if (ec) return bounded_json(json::value(whole_));  // not JSON: kept as a string
  return bounded_json(std::move(v));
}

}  // namespace routeiq::api
