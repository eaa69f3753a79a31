#include "routeiq/api/mock_response.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstring>

#include "routeiq/config/litellm_keys.hpp"
#include "routeiq/core/json.hpp"
#include "routeiq/providers/crypto.hpp"

namespace routeiq::api {
namespace json = boost::json;

namespace {

// LiteLLM's exception names and the answers they stand for. LiteLLM itself
// raises the first three (and the content_filter_policy prefix) from a
// mock_response string; the others are its exception classes of the same
// statuses, accepted so that every kind of upstream failure can be mocked.
struct NamedError {
  std::string_view name;
  MockFailure::Kind kind;
  int status;
  std::string_view message;
};

constexpr NamedError kNamedErrors[] = {
    {"litellm.RateLimitError", MockFailure::Kind::status, 429, "this is a mock rate limit error"},
    {"litellm.ContextWindowExceededError", MockFailure::Kind::status, 400,
     "this is a mock context window exceeded error"},
    {"litellm.InternalServerError", MockFailure::Kind::status, 500,
     "this is a mock internal server error"},
    {"litellm.APIError", MockFailure::Kind::status, 500, "this is a mock API error"},
    {"litellm.BadRequestError", MockFailure::Kind::status, 400, "this is a mock bad request error"},
    {"litellm.UnsupportedParamsError", MockFailure::Kind::status, 400,
     "this is a mock unsupported params error"},
    {"litellm.ContentPolicyViolationError", MockFailure::Kind::status, 400,
     "this is a mock content policy violation error"},
    {"litellm.AuthenticationError", MockFailure::Kind::status, 401,
     "this is a mock authentication error"},
    {"litellm.PermissionDeniedError", MockFailure::Kind::status, 403,
     "this is a mock permission denied error"},
    {"litellm.NotFoundError", MockFailure::Kind::status, 404, "this is a mock not found error"},
    {"litellm.UnprocessableEntityError", MockFailure::Kind::status, 422,
     "this is a mock unprocessable entity error"},
    {"litellm.BadGatewayError", MockFailure::Kind::status, 502, "this is a mock bad gateway error"},
    {"litellm.ServiceUnavailableError", MockFailure::Kind::status, 503,
     "this is a mock service unavailable error"},
    {"litellm.Timeout", MockFailure::Kind::timeout, 0, "this is a mock timeout error"},
    {"litellm.APIConnectionError", MockFailure::Kind::connect, 0,
     "this is a mock connection error"},
};

constexpr std::string_view kContentFilterPrefix = "Exception: content_filter_policy";

// LiteLLM's stream pieces are four characters long.
constexpr size_t kStreamPieceChars = 4;
// OpenAI's text-embedding-3-small; `dimensions` in the request changes it.
constexpr int64_t kDefaultDimensions = 1536;
constexpr int64_t kMaxDimensions = 16384;
constexpr int64_t kMaxChoices = 128;
constexpr double kMaxDelaySeconds = 1e6;

Error bad_value(std::string_view key, std::string_view expected) {
  return make_error(ErrorKind::invalid_request,
                    std::string(key) + " must be " + std::string(expected), std::string(key));
}

// The value at `key`: the request's if present and not null, else the deployment's.
const json::value* pick(const json::object& request, const json::object& params,
                        std::string_view key) {
  for (const auto* o : {&request, &params})
    if (auto* v = o->if_contains(key); v && !v->is_null()) return v;
  return nullptr;
}

Result<bool> read_bool(const json::value& v, std::string_view key) {
  if (v.is_bool()) return v.as_bool();
  if (v.is_string() && (v.as_string() == "true" || v.as_string() == "false"))
    return v.as_string() == "true";
  return bad_value(key, "true or false");
}

std::string retry_after_text(const json::value& v) {
  if (v.is_string()) return std::string(v.as_string());
  double s = v.to_number<double>();
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.15g", s);
  return buf;
}

MockFailure failure_from_object(const json::object& o) {
  const json::value* status = o.if_contains("status");
  if (!status) status = o.if_contains("status_code");
  MockFailure f;
  f.kind = MockFailure::Kind::status;
  f.status = static_cast<int>(status->to_number<double>());
  if (auto* m = o.if_contains("message"); m && m->is_string()) f.message = m->as_string();
  if (f.message.empty()) f.message = "this is a mock error with status " + std::to_string(f.status);
  if (auto* r = o.if_contains("retry_after")) f.retry_after = retry_after_text(*r);
  return f;
}

MockFailure status_failure(int status, std::string message) {
  MockFailure f;
  f.status = status;
  f.message = std::move(message);
  return f;
}

int64_t count_chars(const json::value& v, size_t depth = 0) {
  if (depth > kMaxJsonDepth) return 0;
  if (v.is_string()) return static_cast<int64_t>(v.as_string().size());
  int64_t n = 0;
  if (v.is_array())
    for (const auto& x : v.as_array()) n += count_chars(x, depth + 1);
  if (v.is_object())
    for (const auto& [k, x] : v.as_object())
      if (k != "type" && k != "id" && k != "role" && k != "tool_call_id")
        n += count_chars(x, depth + 1);
  return n;
}

int64_t prompt_tokens(const json::object& request) {
  for (auto key : {"messages", "prompt", "input"})
    if (auto* v = request.if_contains(key)) return estimate_tokens(*v);
  return 1;
}

int64_t choices_wanted(const json::object& request) {
  auto n = loose_number_at(request, "n");
  if (!n || !std::isfinite(*n)) return 1;
  return std::clamp<int64_t>(static_cast<int64_t>(*n), 1, kMaxChoices);
}

bool include_usage(const json::object& request) {
  auto* opts = request.if_contains("stream_options");
  if (!opts || !opts->is_object()) return false;
  auto* inc = opts->as_object().if_contains("include_usage");
  return inc && inc->is_bool() && inc->as_bool();
}

json::object usage(int64_t prompt, int64_t completion) {
  return {{"prompt_tokens", prompt},
          {"completion_tokens", completion},
          {"total_tokens", prompt + completion}};
}

json::object envelope(const MockCall& call, std::string_view object, std::string_view id_prefix) {
  json::object o;
  o["id"] = std::string(id_prefix) + call.id;
  o["object"] = object;
  o["created"] = call.created;
  o["model"] = call.model;
  return o;
}

void chat_answer(const std::string& text, const MockCall& call, MockAnswer& out) {
  const auto& req = *call.request;
  int64_t n = choices_wanted(req);
  int64_t prompt = prompt_tokens(req);
  int64_t completion = estimate_tokens(json::value(text)) * n;
  if (!call.stream) {
    json::object r = envelope(call, "chat.completion", "chatcmpl-");
    json::array choices;
    for (int64_t i = 0; i < n; ++i)
      choices.push_back(
          json::object{{"index", i},
                       {"message", json::object{{"role", "assistant"}, {"content", text}}},
                       {"logprobs", nullptr},
                       {"finish_reason", "stop"}});
    r["choices"] = std::move(choices);
    r["usage"] = usage(prompt, completion);
    out.response = std::move(r);
    return;
  }
  out.stream = true;
  auto chunk = [&](int64_t index, json::object delta, json::value finish) {
    json::object c = envelope(call, "chat.completion.chunk", "chatcmpl-");
    c["choices"] = json::array{json::object{{"index", index},
                                            {"delta", std::move(delta)},
                                            {"logprobs", nullptr},
                                            {"finish_reason", std::move(finish)}}};
    return c;
  };
  auto pieces = split_for_stream(text, kStreamPieceChars);
  for (int64_t i = 0; i < n; ++i) {
    out.chunks.push_back(chunk(i, {{"role", "assistant"}, {"content", ""}}, nullptr));
    for (const auto& p : pieces) out.chunks.push_back(chunk(i, {{"content", p}}, nullptr));
    out.chunks.push_back(chunk(i, {}, "stop"));
  }
  if (include_usage(req)) {
    json::object c = envelope(call, "chat.completion.chunk", "chatcmpl-");
    c["choices"] = json::array{};
    c["usage"] = usage(prompt, completion);
    out.chunks.push_back(std::move(c));
  }
}

void text_completion_answer(const std::string& text, const MockCall& call, MockAnswer& out) {
  const auto& req = *call.request;
  int64_t n = choices_wanted(req);
  int64_t prompt = prompt_tokens(req);
  int64_t completion = estimate_tokens(json::value(text)) * n;
  auto choice = [](int64_t index, std::string_view t, json::value finish) {
    return json::object{
        {"text", t}, {"index", index}, {"logprobs", nullptr}, {"finish_reason", std::move(finish)}};
  };
  if (!call.stream) {
    json::object r = envelope(call, "text_completion", "cmpl-");
    json::array choices;
    for (int64_t i = 0; i < n; ++i) choices.push_back(choice(i, text, "stop"));
    r["choices"] = std::move(choices);
    r["usage"] = usage(prompt, completion);
    out.response = std::move(r);
    return;
  }
  out.stream = true;
  auto pieces = split_for_stream(text, kStreamPieceChars);
  for (int64_t i = 0; i < n; ++i) {
    for (const auto& p : pieces) {
      json::object c = envelope(call, "text_completion", "cmpl-");
      c["choices"] = json::array{choice(i, p, nullptr)};
      out.chunks.push_back(std::move(c));
    }
    json::object last = envelope(call, "text_completion", "cmpl-");
    last["choices"] = json::array{choice(i, "", "stop")};
    out.chunks.push_back(std::move(last));
  }
  if (include_usage(req)) {
    json::object c = envelope(call, "text_completion", "cmpl-");
    c["choices"] = json::array{};
    c["usage"] = usage(prompt, completion);
    out.chunks.push_back(std::move(c));
  }
}

// The inputs of an embeddings request as texts: strings as they are, token
// arrays as their numbers. Nullopt when `input` is missing or malformed.
std::optional<std::vector<std::string>> embedding_inputs(const json::object& req) {
  auto* input = req.if_contains("input");
  if (!input) return std::nullopt;
  auto tokens_text = [](const json::array& a) -> std::optional<std::string> {
    std::string s;
    for (const auto& t : a) {
      if (!t.is_int64() && !t.is_uint64()) return std::nullopt;
      s += (s.empty() ? "" : " ") + json::serialize(t);
    }
    return s;
  };
  std::vector<std::string> out;
  if (input->is_string()) {
    out.emplace_back(input->as_string());
    return out;
  }
  if (!input->is_array() || input->as_array().empty()) return std::nullopt;
  const auto& a = input->as_array();
  if (a.front().is_number()) {
    auto t = tokens_text(a);
    if (!t) return std::nullopt;
    out.push_back(std::move(*t));
    return out;
  }
  for (const auto& x : a) {
    if (x.is_string()) {
      out.emplace_back(x.as_string());
    } else if (x.is_array() && !x.as_array().empty()) {
      auto t = tokens_text(x.as_array());
      if (!t) return std::nullopt;
      out.push_back(std::move(*t));
    } else {
      return std::nullopt;
    }
  }
  return out;
}

json::value encode_vector(const std::vector<float>& v, bool base64) {
  if (!base64) {
    json::array a;
    a.reserve(v.size());
    for (float x : v) a.push_back(static_cast<double>(x));
    return a;
  }
  // OpenAI's base64 format: the float32 values, little-endian, back to back.
  std::string bytes(v.size() * 4, '\0');
  for (size_t i = 0; i < v.size(); ++i) {
    uint32_t u = 0;
    std::memcpy(&u, &v[i], 4);
    for (int b = 0; b < 4; ++b) bytes[i * 4 + b] = static_cast<char>((u >> (8 * b)) & 0xff);
  }
  return json::string(providers::base64_encode(bytes));
}

void embeddings_answer(const json::value* given, const MockCall& call, MockAnswer& out) {
  const auto& req = *call.request;
  auto inputs = embedding_inputs(req);
  if (!inputs) {
    out.failure = status_failure(
        400, "'input' must be a string, a list of strings or a list of token lists, not empty");
    return;
  }
  int64_t dimensions = kDefaultDimensions;
  if (req.contains("dimensions") && !req.at("dimensions").is_null()) {
    auto d = loose_number_at(req, "dimensions");
    if (!d || *d < 1 || *d > kMaxDimensions || std::floor(*d) != *d) {
      out.failure = status_failure(
          400, "'dimensions' must be an integer from 1 to " + std::to_string(kMaxDimensions));
      return;
    }
    dimensions = static_cast<int64_t>(*d);
  }
  std::string format = std::string(str_or(req, "encoding_format"));
  if (!format.empty() && format != "float" && format != "base64") {
    out.failure = status_failure(400, "'encoding_format' must be \"float\" or \"base64\"");
    return;
  }
  json::array data;
  int64_t tokens = 0;
  for (size_t i = 0; i < inputs->size(); ++i) {
    std::vector<float> v;
    if (given && given->is_array()) {
      for (const auto& x : given->as_array())
        v.push_back(static_cast<float>(x.to_number<double>()));
    } else {
      v = mock_embedding((*inputs)[i], static_cast<size_t>(dimensions));
    }
    tokens += estimate_tokens(json::value((*inputs)[i]));
    data.push_back(json::object{{"object", "embedding"},
                                {"index", static_cast<int64_t>(i)},
                                {"embedding", encode_vector(v, format == "base64")}});
  }
  out.response =
      json::object{{"object", "list"},
                   {"data", std::move(data)},
                   {"model", call.model},
                   {"usage", json::object{{"prompt_tokens", tokens}, {"total_tokens", tokens}}}};
}

uint64_t fnv1a(std::string_view s) {
  uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}

}  // namespace

Result<MockSpec> read_mock_spec(const json::object& request, const json::object& params) {
  MockSpec spec;
  if (auto* v = pick(request, params, "mock_response")) {
    if (auto problem = config::mock_response_problem(*v); !problem.empty())
      return make_error(ErrorKind::invalid_request, problem, "mock_response");
    spec.response = *v;
  }
  if (auto* v = pick(request, params, "mock_timeout")) {
    auto b = read_bool(*v, "mock_timeout");
    if (!b) return b.error();
    spec.timeout = *b;
  }
  if (auto* v = pick(request, params, "mock_delay")) {
    double d = v->is_number() ? v->to_number<double>() : -1;
    if (!std::isfinite(d) || d < 0 || d > kMaxDelaySeconds)
      return bad_value("mock_delay", "a number of seconds from 0 to 1000000");
    spec.delay_seconds = d;
  }
  if (auto* v = request.if_contains("mock_testing_fallbacks"); v && !v->is_null()) {
    auto b = read_bool(*v, "mock_testing_fallbacks");
    if (!b) return b.error();
    spec.testing_fallbacks = *b;
  }
  return spec;
}

std::optional<MockFailure> mock_error_named(std::string_view text) {
  for (const auto& e : kNamedErrors)
    if (e.name == text) {
      MockFailure f;
      f.kind = e.kind;
      f.status = e.status;
      f.message = std::string(e.message);
      return f;
    }
  if (text.starts_with(kContentFilterPrefix)) return status_failure(400, std::string(text));
  return std::nullopt;
}

MockAnswer mock_answer(const MockSpec& spec, const MockCall& call) {
  MockAnswer out;
  out.delay = std::chrono::milliseconds(static_cast<int64_t>(spec.delay_seconds * 1000));
  if (spec.testing_fallbacks && call.first_group) {
    // LiteLLM's router fails the requested group this way so that its fallbacks run.
    out.failure = status_failure(
        500, "This is a mock exception for model=" + call.model + ", to trigger a fallback.");
    return out;
  }
  if (spec.timeout) {
    out.wait_for_timeout = true;
    out.failure = MockFailure{MockFailure::Kind::timeout, 0, "This is a mock timeout error", ""};
    return out;
  }
  const json::value* given = spec.response ? &*spec.response : nullptr;
  if (given && given->is_object()) {
    out.failure = failure_from_object(given->as_object());
    return out;
  }
  // LiteLLM's default text when only mock_timeout asked for a mock.
  std::string text = given && given->is_string() ? std::string(given->as_string())
                                                 : std::string("This is a mock request");
  if (given && given->is_string())
    if (auto named = mock_error_named(text)) {
      out.failure = std::move(named);
      return out;
    }
  switch (call.endpoint) {
    case Endpoint::embeddings:
      embeddings_answer(given, call, out);
      return out;
    case Endpoint::completions:
    case Endpoint::chat_completions:
      if (given && given->is_array()) {
        out.failure =
            status_failure(400, "mock_response: a list of numbers answers /v1/embeddings only");
        return out;
      }
      if (call.endpoint == Endpoint::completions)
        text_completion_answer(text, call, out);
      else
        chat_answer(text, call, out);
      return out;
  }
  return out;
}

std::vector<std::string> split_for_stream(std::string_view text, size_t size) {
  std::vector<std::string> out;
  size = std::max<size_t>(size, 1);
  size_t start = 0, chars = 0;
  for (size_t i = 0; i <= text.size(); ++i) {
    bool boundary = i == text.size() || (static_cast<unsigned char>(text[i]) & 0xC0) != 0x80;
    if (!boundary) continue;
    if (chars == size || (i == text.size() && i > start)) {
      out.emplace_back(text.substr(start, i - start));
      start = i;
      chars = 0;
    }
    ++chars;
  }
  return out;
}

std::vector<float> mock_embedding(std::string_view text, size_t dimensions) {
  std::vector<double> acc(std::max<size_t>(dimensions, 1), 0.0);
  auto word_char = [](unsigned char c) { return std::isalnum(c) || c >= 0x80; };
  bool any = false;
  std::string word;
  for (size_t i = 0; i <= text.size(); ++i) {
    unsigned char c = i < text.size() ? static_cast<unsigned char>(text[i]) : ' ';
    if (word_char(c)) {
      word += static_cast<char>(c < 0x80 ? std::tolower(c) : c);
      continue;
    }
    if (word.empty()) continue;
    uint64_t h = fnv1a(word);
    acc[h % acc.size()] += (h >> 63) ? -1.0 : 1.0;
    any = true;
    word.clear();
  }
  if (!any) acc[fnv1a(text) % acc.size()] = 1.0;
  double norm = 0;
  for (double x : acc) norm += x * x;
  norm = std::sqrt(norm);
  if (norm == 0) {  // words that cancel out exactly
    acc[fnv1a(text) % acc.size()] = 1.0;
    norm = 1;
  }
  std::vector<float> out(acc.size());
  for (size_t i = 0; i < acc.size(); ++i) out[i] = static_cast<float>(acc[i] / norm);
  return out;
}

int64_t estimate_tokens(const json::value& v) {
  return std::max<int64_t>(1, (count_chars(v) + 3) / 4);
}

}  // namespace routeiq::api
