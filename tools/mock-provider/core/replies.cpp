#include "replies.hpp"

#include <atomic>
#include <charconv>
#include <cmath>
#include <cstring>
#include <ctime>

namespace mock {
namespace {

constexpr std::string_view kFingerprint = "fp_mock";
constexpr int64_t kModelCreated = 1700000000;

void append_int(std::string& out, uint64_t value) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
  out.append(buf, static_cast<size_t>(end - buf));
}

void append_float(std::string& out, float value) {
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
  out.append(buf, static_cast<size_t>(end - buf));
}

void append_usage(std::string& out, Usage usage) {
  out += R"("usage":{"prompt_tokens":)";
  append_int(out, usage.prompt_tokens);
  out += R"(,"completion_tokens":)";
  append_int(out, usage.completion_tokens);
  out += R"(,"total_tokens":)";
  append_int(out, usage.prompt_tokens + usage.completion_tokens);
  out += '}';
}

// {"id":"...","object":"...","created":N,"model":"...",
void append_envelope(std::string& out, std::string_view id_prefix, std::string_view object,
                     std::string_view model) {
  out += R"({"id":")";
  out += new_id(id_prefix);
  out += R"(","object":")";
  out += object;
  out += R"(","created":)";
  append_int(out, unix_seconds());
  out += R"(,"model":)";
  append_json_string(out, model);
  out += ',';
}

// 64-bit FNV-1a, then SplitMix64 to spread it over the vector's components.
uint64_t fnv1a(std::string_view text) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : text) h = (h ^ c) * 1099511628211ull;
  return h;
}

uint64_t splitmix64(uint64_t& state) {
  uint64_t z = (state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// A unit vector that depends only on the input, like a real embedding.
std::vector<float> embed(std::string_view input, int dimensions) {
  std::vector<float> v(static_cast<size_t>(dimensions));
  uint64_t state = fnv1a(input);
  double norm = 0;
  for (auto& x : v) {
    x = static_cast<float>(static_cast<double>(splitmix64(state) >> 11) * 0x1.0p-53 * 2 - 1);
    norm += static_cast<double>(x) * x;
  }
  norm = std::sqrt(norm);
  for (auto& x : v) x = static_cast<float>(x / norm);
  return v;
}

// RFC 4648 base64 of the little-endian float32 bytes, as OpenAI sends them.
void append_base64(std::string& out, const std::vector<float>& v) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string bytes(v.size() * sizeof(float), '\0');
  std::memcpy(bytes.data(), v.data(), bytes.size());
  size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    uint32_t n = (uint8_t(bytes[i]) << 16) | (uint8_t(bytes[i + 1]) << 8) | uint8_t(bytes[i + 2]);
    for (int shift : {18, 12, 6, 0}) out += kAlphabet[(n >> shift) & 63];
  }
  size_t rest = bytes.size() - i;
  if (rest == 0) return;
  uint32_t n = uint8_t(bytes[i]) << 16;
  if (rest == 2) n |= uint8_t(bytes[i + 1]) << 8;
  out += kAlphabet[(n >> 18) & 63];
  out += kAlphabet[(n >> 12) & 63];
  out += rest == 2 ? kAlphabet[(n >> 6) & 63] : '=';
  out += '=';
}

void append_vector(std::string& out, const std::vector<float>& v, bool base64) {
  if (base64) {
    out += '"';
    append_base64(out, v);
    out += '"';
    return;
  }
  out += '[';
  for (size_t i = 0; i < v.size(); ++i) {
    if (i) out += ',';
    append_float(out, v[i]);
  }
  out += ']';
}

bool is_utf8_continuation(char c) {
  return (static_cast<unsigned char>(c) & 0xC0) == 0x80;
}

void append_hex(std::string& out, size_t value) {
  char buf[20];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value, 16);
  out.append(buf, static_cast<size_t>(end - buf));
}

}  // namespace

void append_json_string(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  for (char c : text) {
    auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20) {
      out += "\\u00";
      out += kHex[u >> 4];
      out += kHex[u & 15];
    } else {
      out += c;
    }
  }
  out += '"';
}

std::string reply_text(std::string_view name, std::string_view model) {
  std::string text = "mock reply from ";
  text += name;
  text += ": ";
  text += model;
  return text;
}

size_t prompt_tokens_of(size_t chars) {
  return chars / 4 > 0 ? chars / 4 : 1;
}

std::string new_id(std::string_view prefix) {
  static std::atomic<uint64_t> counter{static_cast<uint64_t>(std::time(nullptr)) << 20};
  uint64_t n = counter.fetch_add(1, std::memory_order_relaxed);
  std::string id(prefix);
  id += "mock";
  append_hex(id, n);
  return id;
}

int64_t unix_seconds() {
  return static_cast<int64_t>(std::time(nullptr));
}

int64_t realtime_ns() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

void write_chat_completion(std::string& out, std::string_view model, std::string_view text, int n,
                           Usage usage) {
  out.clear();
  append_envelope(out, "chatcmpl-", "chat.completion", model);
  out += R"("choices":[)";
  for (int i = 0; i < n; ++i) {
    out += i ? R"(,{"index":)" : R"({"index":)";
    append_int(out, static_cast<uint64_t>(i));
    out += R"(,"message":{"role":"assistant","content":)";
    append_json_string(out, text);
    out += R"(,"refusal":null},"logprobs":null,"finish_reason":"stop"})";
  }
  out += "],";
  append_usage(out, {usage.prompt_tokens, usage.completion_tokens * static_cast<size_t>(n)});
  out += R"(,"system_fingerprint":")";
  out += kFingerprint;
  out += R"("})";
}

void write_text_completion(std::string& out, std::string_view model, std::string_view text, int n,
                           Usage usage) {
  out.clear();
  append_envelope(out, "cmpl-", "text_completion", model);
  out += R"("choices":[)";
  for (int i = 0; i < n; ++i) {
    out += i ? R"(,{"text":)" : R"({"text":)";
    append_json_string(out, text);
    out += R"(,"index":)";
    append_int(out, static_cast<uint64_t>(i));
    out += R"(,"logprobs":null,"finish_reason":"stop"})";
  }
  out += "],";
  append_usage(out, {usage.prompt_tokens, usage.completion_tokens * static_cast<size_t>(n)});
  out += R"(,"system_fingerprint":")";
  out += kFingerprint;
  out += R"("})";
}

void write_embeddings(std::string& out, const EmbeddingRequest& request) {
  out.clear();
  out += R"({"object":"list","data":[)";
  for (size_t i = 0; i < request.inputs.size(); ++i) {
    out += i ? R"(,{"object":"embedding","index":)" : R"({"object":"embedding","index":)";
    append_int(out, i);
    out += R"(,"embedding":)";
    append_vector(out, embed(request.inputs[i], request.dimensions), request.base64);
    out += '}';
  }
  out += R"(],"model":)";
  append_json_string(out, request.model);
  out += R"(,"usage":{"prompt_tokens":)";
  append_int(out, request.prompt_tokens);
  out += R"(,"total_tokens":)";
  append_int(out, request.prompt_tokens);
  out += "}}";
}

void write_model(std::string& out, std::string_view id) {
  out.clear();
  out += R"({"id":)";
  append_json_string(out, id);
  out += R"(,"object":"model","created":)";
  append_int(out, kModelCreated);
  out += R"(,"owned_by":"mock"})";
}

void write_model_list(std::string& out, std::string_view name) {
  std::string model;
  write_model(model, name);
  out.clear();
  out += R"({"object":"list","data":[)";
  out += model;
  out += "]}";
}

std::vector<std::string_view> split_text(std::string_view text, int count) {
  std::vector<std::string_view> pieces;
  pieces.reserve(static_cast<size_t>(count));
  size_t begin = 0;
  for (int i = 1; i <= count; ++i) {
    size_t end = text.size() * static_cast<size_t>(i) / static_cast<size_t>(count);
    while (end < text.size() && end > begin && is_utf8_continuation(text[end])) ++end;
    end = std::max(end, begin);
    pieces.push_back(text.substr(begin, end - begin));
    begin = end;
  }
  return pieces;
}

StreamEvents::StreamEvents(Kind kind, std::string_view model, bool include_usage)
    : kind_(kind), include_usage_(include_usage) {
  bool chat = kind == Kind::chat;
  append_envelope(prefix_, chat ? "chatcmpl-" : "cmpl-",
                  chat ? "chat.completion.chunk" : "text_completion", model);
  prefix_ += R"("system_fingerprint":")";
  prefix_ += kFingerprint;
  prefix_ += R"(","choices":[)";
}

void StreamEvents::content(std::string& out, std::string_view piece, bool first) const {
  json_ = prefix_;
  if (kind_ == Kind::chat) {
    json_ += first ? R"({"index":0,"delta":{"role":"assistant","content":)"
                   : R"({"index":0,"delta":{"content":)";
    append_json_string(json_, piece);
    json_ += R"(},"logprobs":null,"finish_reason":null}])";
  } else {
    json_ += R"({"text":)";
    append_json_string(json_, piece);
    json_ += R"(,"index":0,"logprobs":null,"finish_reason":null}])";
  }
  frame(out, json_, true);
}

void StreamEvents::finish(std::string& out) const {
  json_ = prefix_;
  json_ += kind_ == Kind::chat ? R"({"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}])"
                               : R"({"text":"","index":0,"logprobs":null,"finish_reason":"stop"}])";
  frame(out, json_, true);
}

void StreamEvents::usage(std::string& out, Usage usage) const {
  json_ = prefix_;
  json_ += "],";
  append_usage(json_, usage);
  frame(out, json_, false);
}

void StreamEvents::done(std::string& out) {
  // "data: [DONE]\n\n" is 14 bytes: one HTTP chunk, then the terminating chunk.
  out = "e\r\ndata: [DONE]\n\n\r\n0\r\n\r\n";
}

void StreamEvents::frame(std::string& out, const std::string& json, bool usage_null_tail) const {
  constexpr std::string_view kData = "data: ";
  // With include_usage, OpenAI sends "usage":null on every chunk but the last.
  std::string_view usage_null = usage_null_tail && include_usage_ ? R"(,"usage":null)" : "";
  std::string sent = R"(,"mock_sent_ns":)";
  append_int(sent, static_cast<uint64_t>(realtime_ns()));
  size_t event_size = kData.size() + json.size() + usage_null.size() + sent.size() + 1 + 2;
  out.clear();
  append_hex(out, event_size);
  out += "\r\n";
  out += kData;
  out += json;
  out += usage_null;
  out += sent;
  out += "}\n\n\r\n";
}

}  // namespace mock
