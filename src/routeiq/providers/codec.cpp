#include "routeiq/providers/codec.hpp"
#include "routeiq/providers/answer_tap.hpp"

#include <boost/json.hpp>
#include <cstdlib>

#include "routeiq/config/litellm_keys.hpp"
#include "routeiq/core/json.hpp"
#include "routeiq/providers/anthropic_frontend.hpp"
#include "routeiq/providers/common.hpp"
#include "routeiq/providers/sse.hpp"
#include "routeiq/providers/url.hpp"

namespace routeiq::providers {
namespace json = boost::json;

std::string error_body(Dialect dialect, const Error& error) {
  return dialect == Dialect::anthropic ? anthropic_error_body(error) : openai_error_body(error);
}

namespace {

constexpr size_t kMaxStreamLine = 4 << 20;  // one SSE line (a big tool-call delta fits)

Result<json::object> parse_object(std::string_view text, std::string_view what) {
  json::parse_options options;
  options.max_depth = kMaxJsonDepth;
  boost::system::error_code ec;
  auto v = json::parse(text, ec, {}, options);
  if (ec || !v.is_object() || has_non_finite_number(v))
    return make_error(ErrorKind::upstream_error,
                      "upstream answered with " + std::string(what) + " that is not a JSON object");
  return std::move(v.as_object());
}

// The lines of a byte stream (LF or CRLF), whatever the split. Only an
// unfinished line is kept between calls, so relayed bytes are never copied.
class LineSplitter {
 public:
  template <class OnLine>
  Status feed(std::string_view bytes, OnLine&& on_line) {
    while (!bytes.empty()) {
      auto nl = bytes.find('\n');
      if (nl == std::string_view::npos) {
        if (partial_.size() + bytes.size() > kMaxStreamLine)
          return make_error(ErrorKind::upstream_error, "upstream stream line too long");
        partial_.append(bytes);
        return ok_status();
      }
      std::string_view line = bytes.substr(0, nl);
      if (!partial_.empty()) {
        partial_.append(line);
        line = partial_;
      }
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      on_line(line);
      partial_.clear();
      bytes.remove_prefix(nl + 1);
    }
    return ok_status();
  }

 private:
  std::string partial_;
};

std::string_view field_value(std::string_view line, std::string_view field) {
  if (!line.starts_with(field)) return {};
  line.remove_prefix(field.size());
  if (!line.empty() && line.front() == ' ') line.remove_prefix(1);
  return line;
}

std::string_view endpoint_path(Endpoint e) {
  switch (e) {
    case Endpoint::chat_completions:
      return "/chat/completions";
    case Endpoint::completions:
      return "/completions";
    case Endpoint::embeddings:
      return "/embeddings";
  }
  return "/chat/completions";
}

// The body sent upstream, serialized once from its parts: the deployment's
// provider parameters (`defaults`), the client's fields over them (LiteLLM's own
// keys left out), `model` replaced, or dropped when `model` is empty (Azure
// names the deployment in the URL). Members keep the order they would have in
// the merged object.
std::string merged_body(const json::object& defaults, const json::object& request,
                        std::string_view model) {
  std::string out;
  out.reserve(request.size() * 64 + 256);
  JsonObjectWriter w(out);
  bool model_written = false;
  auto write_model = [&] {
    if (!model.empty()) w.member("model", model);
    model_written = true;
  };
  auto from_client = [&](std::string_view k) {
    return request.contains(k) && !config::is_litellm_request_key(k);
  };
  for (const auto& [k, v] : defaults) {
    if (k == "model")
      write_model();
    else
      w.member(k, from_client(k) ? request.at(k) : v);
  }
  for (const auto& [k, v] : request) {
    if (defaults.contains(k) || config::is_litellm_request_key(k)) continue;
    if (k == "model")
      write_model();
    else
      w.member(k, v);
  }
  if (!model_written) write_model();
  w.finish();
  return out;
}

// An OpenAI-family (or Azure) request: the deployment's provider parameters,
// then the client's fields without LiteLLM's own keys, `model` rewritten.
Result<HttpRequest> encode_openai_family(Endpoint endpoint, bool azure, const json::object& request,
                                         const Target& target) {
  HttpRequest r;
  r.headers.add("content-type", "application/json");
  if (azure) {
    auto deployment = path_segment(target.model, "model");
    if (!deployment) return deployment.error();
    r.url = target.api_base + "/openai/deployments/" + *deployment +
            std::string(endpoint_path(endpoint)) + "?api-version=" + uri_encode(target.api_version);
    if (!target.credentials.bearer_token.empty())
      r.headers.add("authorization", "Bearer " + target.credentials.bearer_token);
    else if (!target.credentials.api_key.empty())
      r.headers.add("api-key", target.credentials.api_key);
  } else {
    r.url = target.api_base + std::string(endpoint_path(endpoint));
    if (!target.credentials.api_key.empty())
      r.headers.add("authorization", "Bearer " + target.credentials.api_key);
    if (!target.organization.empty()) r.headers.add("openai-organization", target.organization);
  }
  r.headers.append(target.extra_headers);
  r.stream = bool_or(request, "stream", false);
  r.body = merged_body(target.body_defaults, request, azure ? std::string_view() : target.model);
  return r;
}

// An upstream error answered as it is: the message it gave, its status.
Error passed_through_error(int status, std::string_view body) {
  Error e = make_error(error_kind_for_status(status), error_message_from_body(body));
  if (e.message.empty()) e.message = "upstream returned HTTP " + std::to_string(status);
  if (e.message.size() > 2000) e.message.resize(2000);
  e.status_override = status;
  return e;
}

}  // namespace

// Client-dialect encoders, shared with answers the gateway makes itself.
class OpenAIEncoder final : public ResponseEncoder {
 public:
  std::string full(const json::object& r) override { return json::serialize(r); }
  void chunk(const json::object& c, std::string& out) override {
    out += "data: ";
    out += json::serialize(c);
    out += "\n\n";
  }
  void finish(std::string& out) override { out += "data: [DONE]\n\n"; }
  void fail(const Error& e, std::string& out) override {
    out += "data: ";
    out += openai_error_body(e);
    out += "\n\n";
  }
};

class AnthropicEncoder final : public ResponseEncoder {
 public:
  explicit AnthropicEncoder(std::string model) : stream_(std::move(model)) {}
  std::string full(const json::object& r) override {
    return json::serialize(openai_response_to_anthropic(r));
  }
  void chunk(const json::object& c, std::string& out) override { stream_.on_chunk(c, out); }
  void finish(std::string& out) override { stream_.finish(out); }
  void fail(const Error& e, std::string& out) override { stream_.fail(e, out); }

 private:
  AnthropicStreamEncoder stream_;
};

std::unique_ptr<ResponseEncoder> make_encoder(Dialect dialect, std::string model) {
  switch (dialect) {
    case Dialect::openai:
      return std::make_unique<OpenAIEncoder>();
    case Dialect::anthropic:
      return std::make_unique<AnthropicEncoder>(std::move(model));
  }
  return std::make_unique<OpenAIEncoder>();
}

namespace {

// ---------------------------------------------------------- pass-through

// What pass-through codecs share: the answer's facts, read as it goes by.
class TappingCodec : public Codec {
 public:
  bool takes_client_body() const override { return true; }
  Usage usage() const override { return usage_; }
  const std::string& answered_model() const override { return model_; }
  bool complete() const override { return complete_ && !stream_error_; }

 protected:
  void note_model(const json::object& o) {
    if (model_.empty())
      if (auto m = str_or(o, "model"); !m.empty()) model_ = m;
  }
  void note_model(std::string& model) {
    if (model_.empty()) model_ = std::move(model);
  }
  // The relayed body's facts; an error when it is not a JSON object.
  Result<AnswerFacts> tap_body(std::string_view body) {
    auto facts = read_answer_facts(body);
    if (!facts)
      return make_error(ErrorKind::upstream_error,
                        "upstream answered with a body that is not a JSON object");
    note_model(facts->model);
    complete_ = true;
    return facts;
  }
  Usage usage_;
  std::string model_;
  bool complete_ = false;
  bool stream_error_ = false;
  LineSplitter lines_;
};

// OpenAI client -> OpenAI-family deployment: bytes relayed as they came;
// usage from the body or the stream's usage chunk, completeness from [DONE].
class OpenAIPassThrough final : public TappingCodec {
 public:
  OpenAIPassThrough(Endpoint endpoint, bool azure) : endpoint_(endpoint), azure_(azure) {}

  Result<HttpRequest> encode(const json::object& request, const Target& target,
                             std::chrono::system_clock::time_point) override {
    return encode_openai_family(endpoint_, azure_, request, target);
  }
  Error decode_error(int status, std::string_view body) override {
    return passed_through_error(status, body);
  }
  Result<std::string> decode_body(std::string body) override {
    auto facts = tap_body(body);
    if (!facts) return facts.error();
    if (facts->has_usage) usage_ = usage_from_openai(facts->usage);
    return body;
  }
  Status decode_stream(std::string_view piece, std::string& out) override {
    out.append(piece);
    return lines_.feed(piece, [this](std::string_view line) { on_line(line); });
  }
  void finish_stream(std::string&) override {}  // the upstream's own [DONE] went by
  void fail_stream(const Error& e, std::string& out) override { OpenAIEncoder().fail(e, out); }

 private:
  // Only lines that can carry a fact are parsed: the first (the model), a
  // usage chunk and an error event.
  void on_line(std::string_view line) {
    auto data = field_value(line, "data:");
    if (data.empty()) return;
    if (data == "[DONE]") {
      complete_ = true;
      return;
    }
    bool first = !seen_data_;
    seen_data_ = true;
    bool has_usage = data.find("\"usage\":{") != std::string_view::npos;
    bool has_error = data.find("\"error\"") != std::string_view::npos;
    if (!first && !has_usage && !has_error) return;
    auto facts = read_answer_facts(data);
    if (!facts) return;
    note_model(facts->model);
    if (facts->has_usage) usage_ = usage_from_openai(facts->usage);
    if (facts->has_error) stream_error_ = true;
  }

  Endpoint endpoint_;
  bool azure_;
  bool seen_data_ = false;
};

// Anthropic client -> Anthropic deployment: bytes relayed; usage from
// message_start and message_delta, completeness from message_stop.
class AnthropicPassThrough final : public TappingCodec {
 public:
  Result<HttpRequest> encode(const json::object& request, const Target& target,
                             std::chrono::system_clock::time_point) override {
    HttpRequest r;
    r.url = target.api_base + "/v1/messages";
    r.headers.add("content-type", "application/json");
    if (!target.credentials.api_key.empty()) r.headers.add("x-api-key", target.credentials.api_key);
    r.headers.append(target.client_headers);
    if (target.client_headers.find("anthropic-version").empty())
      r.headers.add("anthropic-version", "2023-06-01");
    r.headers.append(target.extra_headers);
    r.stream = bool_or(request, "stream", false);
    r.body = merged_body({}, request, target.model);
    return r;
  }
  Error decode_error(int status, std::string_view body) override {
    return passed_through_error(status, body);
  }
  Result<std::string> decode_body(std::string body) override {
    auto facts = tap_body(body);
    if (!facts) return facts.error();
    if (facts->has_usage) usage_ = usage_from_anthropic(facts->usage, {});
    return body;
  }
  Status decode_stream(std::string_view piece, std::string& out) override {
    out.append(piece);
    return lines_.feed(piece, [this](std::string_view line) { on_line(line); });
  }
  void finish_stream(std::string&) override {}  // the upstream's message_stop went by
  void fail_stream(const Error& e, std::string& out) override {
    AnthropicStreamEncoder(model_).fail(e, out);
  }

 private:
  void on_line(std::string_view line) {
    if (auto event = field_value(line, "event:"); !event.empty()) {
      event_.assign(event);
      if (event_ == "message_stop") complete_ = true;
      if (event_ == "error") stream_error_ = true;
      return;
    }
    auto data = field_value(line, "data:");
    if (data.empty() || (event_ != "message_start" && event_ != "message_delta")) return;
    auto facts = read_answer_facts(data, event_ == "message_start" ? "message" : "");
    if (!facts) return;
    note_model(facts->model);
    if (facts->has_usage) usage_ = usage_from_anthropic(facts->usage, usage_);
  }

  std::string event_;
};

// -------------------------------------------------------------- translated

// Canonical OpenAI objects in between: the upstream's answer is decoded (by a
// native translator, or as OpenAI JSON/SSE) and encoded in the client's dialect.
class TranslatedCodec final : public Codec {
 public:
  // translator null: an OpenAI-family upstream (azure when `azure`).
  TranslatedCodec(std::unique_ptr<ChatTranslator> translator, bool azure,
                  std::unique_ptr<ResponseEncoder> encoder)
      : translator_(std::move(translator)), azure_(azure), encoder_(std::move(encoder)) {}

  bool takes_client_body() const override { return false; }
  Result<HttpRequest> encode(const json::object& request, const Target& target,
                             std::chrono::system_clock::time_point now) override {
    json::object clean;
    for (const auto& [k, v] : request)
      if (!config::is_litellm_request_key(k)) clean[k] = v;
    clean["model"] = target.model;
    if (translator_) return translator_->encode(clean, target, now);
    return encode_openai_family(Endpoint::chat_completions, azure_, clean, target);
  }
  Error decode_error(int status, std::string_view body) override {
    return translator_ ? translator_->decode_error(status, body)
                       : passed_through_error(status, body);
  }
  Result<std::string> decode_body(std::string body) override {
    auto o = translator_ ? translator_->decode(body) : parse_object(body, "a body");
    if (!o) return o.error();
    note(*o);
    complete_ = true;
    return encoder_->full(*o);
  }
  Status decode_stream(std::string_view piece, std::string& out) override {
    chunks_.clear();
    auto st = translator_ ? translator_->decode_stream(piece, chunks_) : decode_openai(piece);
    for (const auto& c : chunks_) {
      note(c);
      encoder_->chunk(c, out);
    }
    return st;
  }
  void finish_stream(std::string& out) override { encoder_->finish(out); }
  void fail_stream(const Error& e, std::string& out) override { encoder_->fail(e, out); }
  Usage usage() const override { return translator_ ? translator_->usage() : usage_; }
  const std::string& answered_model() const override { return model_; }
  bool complete() const override {
    return translator_ && !complete_ ? translator_->stream_finished() : complete_;
  }

 private:
  void note(const json::object& o) {
    if (model_.empty())
      if (auto m = str_or(o, "model"); !m.empty()) model_ = m;
    if (auto* u = obj_at(o, "usage")) usage_ = usage_from_openai(*u);
  }
  Status decode_openai(std::string_view piece) {
    events_.clear();
    if (auto st = sse_.feed(piece, events_); !st) return st;
    for (const auto& e : events_) {
      if (e.data == "[DONE]") {
        complete_ = true;
        continue;
      }
      if (e.data.empty()) continue;
      auto o = parse_object(e.data, "a stream event");
      if (!o) return o.error();
      if (auto* err = o->if_contains("error")) {
        std::string message =
            err->is_object() ? std::string(str_or(err->get_object(), "message")) : std::string();
        return make_error(ErrorKind::upstream_error,
                          message.empty() ? "upstream stream error" : message);
      }
      chunks_.push_back(std::move(*o));
    }
    return ok_status();
  }

  std::unique_ptr<ChatTranslator> translator_;
  bool azure_;
  std::unique_ptr<ResponseEncoder> encoder_;
  SseParser sse_;
  std::vector<SseEvent> events_;
  std::vector<json::object> chunks_;
  Usage usage_;
  std::string model_;
  bool complete_ = false;
};

std::unique_ptr<ChatTranslator> native_translator(WireFormat format) {
  switch (format) {
    case WireFormat::anthropic:
      return make_chat_translator("anthropic");
    case WireFormat::gemini:
      return make_chat_translator("gemini");
    case WireFormat::vertex_ai:
      return make_chat_translator("vertex_ai");
    case WireFormat::bedrock:
      return make_chat_translator("bedrock");
    case WireFormat::cohere:
      return make_chat_translator("cohere");
    case WireFormat::openai:
    case WireFormat::azure:
    case WireFormat::router:
      return nullptr;
  }
  return nullptr;
}

}  // namespace

std::unique_ptr<Codec> make_codec(Endpoint endpoint, Dialect client, WireFormat upstream,
                                  std::string group) {
  switch (upstream) {
    case WireFormat::openai:
    case WireFormat::azure: {
      bool azure = upstream == WireFormat::azure;
      if (client == Dialect::openai) return std::make_unique<OpenAIPassThrough>(endpoint, azure);
      if (endpoint != Endpoint::chat_completions) return nullptr;
      return std::make_unique<TranslatedCodec>(nullptr, azure,
                                               make_encoder(client, std::move(group)));
    }
    case WireFormat::anthropic:
      if (client == Dialect::anthropic && endpoint == Endpoint::chat_completions)
        return std::make_unique<AnthropicPassThrough>();
      [[fallthrough]];
    case WireFormat::gemini:
    case WireFormat::vertex_ai:
    case WireFormat::bedrock:
    case WireFormat::cohere:
      if (endpoint != Endpoint::chat_completions) return nullptr;
      return std::make_unique<TranslatedCodec>(native_translator(upstream), false,
                                               make_encoder(client, std::move(group)));
    case WireFormat::router:
      return nullptr;  // router groups pick a group; they are never called
  }
  return nullptr;
}

}  // namespace routeiq::providers
