#include "validate.hpp"

#include <array>
#include <boost/json.hpp>
#include <charconv>
#include <cmath>
#include <span>

namespace mock {
namespace json = boost::json;
namespace {

// Accepted JSON kinds of a parameter, as bits; null is always accepted since
// OpenAI treats an explicit null as "not given".
enum Kind : unsigned {
  kString = 1,
  kInteger = 2,
  kDecimal = 4,  // any number
  kBoolean = 8,
  kArray = 16,
  kObject = 32,
};

struct Param {
  std::string_view name;
  unsigned kinds;
  double min = -INFINITY;
  double max = INFINITY;
};

// https://platform.openai.com/docs/api-reference/chat/create
constexpr Param kChatParams[] = {
    {"model", kString},
    {"messages", kArray},
    {"stream", kBoolean},
    {"stream_options", kObject},
    {"temperature", kDecimal, 0, 2},
    {"top_p", kDecimal, 0, 1},
    {"n", kInteger, 1, 128},
    {"stop", kString | kArray},
    {"max_tokens", kInteger, 1},
    {"max_completion_tokens", kInteger, 1},
    {"presence_penalty", kDecimal, -2, 2},
    {"frequency_penalty", kDecimal, -2, 2},
    {"logit_bias", kObject},
    {"logprobs", kBoolean},
    {"top_logprobs", kInteger, 0, 20},
    {"user", kString},
    {"tools", kArray},
    {"tool_choice", kString | kObject},
    {"parallel_tool_calls", kBoolean},
    {"response_format", kObject},
    {"seed", kInteger},
    {"service_tier", kString},
    {"store", kBoolean},
    {"metadata", kObject},
    {"reasoning_effort", kString},
    {"modalities", kArray},
    {"audio", kObject},
    {"prediction", kObject},
    {"web_search_options", kObject},
    {"functions", kArray},
    {"function_call", kString | kObject},
    {"verbosity", kString},
    {"prompt_cache_key", kString},
    {"safety_identifier", kString},
};

// https://platform.openai.com/docs/api-reference/completions/create
constexpr Param kCompletionParams[] = {
    {"model", kString},
    {"prompt", kString | kArray},
    {"best_of", kInteger, 0, 20},
    {"echo", kBoolean},
    {"frequency_penalty", kDecimal, -2, 2},
    {"logit_bias", kObject},
    {"logprobs", kInteger, 0, 5},
    {"max_tokens", kInteger, 0},
    {"n", kInteger, 1, 128},
    {"presence_penalty", kDecimal, -2, 2},
    {"seed", kInteger},
    {"stop", kString | kArray},
    {"stream", kBoolean},
    {"stream_options", kObject},
    {"suffix", kString},
    {"temperature", kDecimal, 0, 2},
    {"top_p", kDecimal, 0, 1},
    {"user", kString},
};

// https://platform.openai.com/docs/api-reference/embeddings/create
constexpr Param kEmbeddingParams[] = {
    {"model", kString},
    {"input", kString | kArray},
    {"encoding_format", kString},
    {"dimensions", kInteger, 1, 4096},
    {"user", kString},
};

constexpr std::string_view kRoles[] = {"system", "user",     "assistant",
                                       "tool",   "function", "developer"};

ApiError invalid(std::string message, std::optional<std::string> param,
                 std::optional<std::string> code) {
  ApiError e;
  e.message = std::move(message);
  e.param = std::move(param);
  e.code = std::move(code);
  return e;
}

ApiError missing(const std::string& param) {
  return invalid("Missing required parameter: '" + param + "'.", param,
                 "missing_required_parameter");
}

std::string_view describe_kind(const json::value& v) {
  switch (v.kind()) {
    case json::kind::string:
      return "a string";
    case json::kind::int64:
    case json::kind::uint64:
      return "an integer";
    case json::kind::double_:
      return "a decimal";
    case json::kind::bool_:
      return "a boolean";
    case json::kind::array:
      return "an array";
    case json::kind::object:
      return "an object";
    default:
      return "null";
  }
}

std::string describe_kinds(unsigned kinds) {
  constexpr std::pair<unsigned, std::string_view> names[] = {
      {kString, "a string"},   {kInteger, "an integer"}, {kDecimal, "a decimal"},
      {kBoolean, "a boolean"}, {kArray, "an array"},     {kObject, "an object"}};
  std::string out;
  int count = 0;
  for (auto [bit, name] : names) {
    if (!(kinds & bit)) continue;
    out += count++ ? " or " : "";
    out += name;
  }
  return count > 1 ? "one of " + out : out;
}

bool is_integral(const json::value& v) {
  if (v.is_int64() || v.is_uint64()) return true;
  return v.is_double() && std::floor(v.get_double()) == v.get_double();
}

bool kind_matches(const json::value& v, unsigned kinds) {
  if (v.is_null()) return true;
  if ((kinds & kString) && v.is_string()) return true;
  if ((kinds & kInteger) && v.is_number() && is_integral(v)) return true;
  if ((kinds & kDecimal) && v.is_number()) return true;
  if ((kinds & kBoolean) && v.is_bool()) return true;
  if ((kinds & kArray) && v.is_array()) return true;
  return (kinds & kObject) && v.is_object();
}

ApiError wrong_type(const std::string& param, unsigned kinds, const json::value& got) {
  return invalid("Invalid type for '" + param + "': expected " + describe_kinds(kinds) +
                     ", but got " + std::string(describe_kind(got)) + " instead.",
                 param, "invalid_type");
}

// Shortest form, as OpenAI prints them: 2, 2.5 (Boost.JSON would say 2.5E0).
std::string format_number(double x) {
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, x);
  return std::string(buf, static_cast<size_t>(end - buf));
}

std::optional<ApiError> check_range(const Param& p, const json::value& v) {
  if (!v.is_number()) return std::nullopt;
  double x = v.to_number<double>();
  std::string unit = p.kinds & kDecimal ? "decimal" : "integer";
  if (x < p.min)
    return invalid("Invalid '" + std::string(p.name) + "': " + unit +
                       " below minimum value. Expected a value >= " + format_number(p.min) +
                       ", but got " + format_number(x) + " instead.",
                   std::string(p.name), unit + "_below_min_value");
  if (x > p.max)
    return invalid("Invalid '" + std::string(p.name) + "': " + unit +
                       " above maximum value. Expected a value <= " + format_number(p.max) +
                       ", but got " + format_number(x) + " instead.",
                   std::string(p.name), unit + "_above_max_value");
  return std::nullopt;
}

const Param* find_param(std::span<const Param> params, std::string_view name) {
  for (const auto& p : params)
    if (p.name == name) return &p;
  return nullptr;
}

std::optional<ApiError> check_unknown(const json::object& body, std::span<const Param> params) {
  std::vector<std::string_view> unknown;
  for (const auto& [key, value] : body)
    if (!find_param(params, key)) unknown.push_back(key);
  if (unknown.empty()) return std::nullopt;
  std::string message = unknown.size() == 1 ? "Unrecognized request argument supplied: "
                                            : "Unrecognized request arguments supplied: ";
  for (size_t i = 0; i < unknown.size(); ++i) message += (i ? ", " : "") + std::string(unknown[i]);
  return invalid(std::move(message), std::nullopt, std::nullopt);
}

std::optional<ApiError> check_params(const json::object& body, std::span<const Param> params) {
  if (auto err = check_unknown(body, params)) return err;
  for (const auto& [key, value] : body) {
    const Param& p = *find_param(params, key);
    if (!kind_matches(value, p.kinds)) return wrong_type(std::string(key), p.kinds, value);
    if (auto err = check_range(p, value)) return err;
  }
  return std::nullopt;
}

const json::value* field(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  return it == o.end() || it->value().is_null() ? nullptr : &it->value();
}

std::optional<ApiError> require_model(const json::object& body, std::string& model) {
  const json::value* v = field(body, "model");
  if (!v) return invalid("you must provide a model parameter", std::nullopt, std::nullopt);
  model = std::string(v->get_string());
  return std::nullopt;
}

struct StreamFlags {
  bool stream = false;
  bool include_usage = false;
};

std::optional<ApiError> read_stream_flags(const json::object& body, StreamFlags& out) {
  const json::value* stream = field(body, "stream");
  out.stream = stream && stream->get_bool();
  const json::value* options = field(body, "stream_options");
  if (!options) return std::nullopt;
  if (!out.stream)
    return invalid("The 'stream_options' parameter is only allowed when 'stream' is enabled.",
                   "stream_options", std::nullopt);
  const json::value* usage = field(options->get_object(), "include_usage");
  if (usage && !usage->is_bool())
    return wrong_type("stream_options.include_usage", kBoolean, *usage);
  out.include_usage = usage && usage->get_bool();
  return std::nullopt;
}

int read_n(const json::object& body) {
  const json::value* n = field(body, "n");
  return n ? static_cast<int>(n->to_number<double>()) : 1;
}

bool role_known(std::string_view role) {
  for (auto r : kRoles)
    if (r == role) return true;
  return false;
}

// Content parts: [{"type":"text","text":"..."}, {"type":"image_url",...}].
std::optional<ApiError> check_parts(const json::array& parts, const std::string& path,
                                    size_t& chars) {
  for (size_t i = 0; i < parts.size(); ++i) {
    std::string part_path = path + "[" + std::to_string(i) + "]";
    if (!parts[i].is_object()) return wrong_type(part_path, kObject, parts[i]);
    const auto& part = parts[i].get_object();
    const json::value* type = field(part, "type");
    if (!type) return missing(part_path + ".type");
    if (!type->is_string()) return wrong_type(part_path + ".type", kString, *type);
    const json::value* text = field(part, "text");
    if (text && text->is_string()) chars += text->get_string().size();
  }
  return std::nullopt;
}

bool content_optional(std::string_view role) {
  return role == "assistant" || role == "function";
}

std::optional<ApiError> check_content(const json::object& message, std::string_view role,
                                      const std::string& path, size_t& chars) {
  const json::value* content = field(message, "content");
  std::string content_path = path + ".content";
  if (!content) {
    if (content_optional(role)) return std::nullopt;
    return missing(content_path);
  }
  if (content->is_string()) {
    chars += content->get_string().size();
    return std::nullopt;
  }
  if (!content->is_array()) return wrong_type(content_path, kString | kArray, *content);
  return check_parts(content->get_array(), content_path, chars);
}

std::optional<ApiError> check_role(const json::object& message, const std::string& path,
                                   std::string_view& role) {
  const json::value* v = field(message, "role");
  if (!v) return missing(path + ".role");
  if (!v->is_string()) return wrong_type(path + ".role", kString, *v);
  role = v->get_string();
  if (role_known(role)) return std::nullopt;
  return invalid("Invalid value: '" + std::string(role) +
                     "'. Supported values are: 'system', 'assistant', 'user', 'function', "
                     "'tool', and 'developer'.",
                 path + ".role", "invalid_value");
}

std::optional<ApiError> check_message(const json::value& v, size_t index, size_t& chars) {
  std::string path = "messages[" + std::to_string(index) + "]";
  if (!v.is_object()) return wrong_type(path, kObject, v);
  const auto& message = v.get_object();
  std::string_view role;
  if (auto err = check_role(message, path, role)) return err;
  if (auto err = check_content(message, role, path, chars)) return err;
  if (role == "tool") {
    const json::value* id = field(message, "tool_call_id");
    if (!id) return missing(path + ".tool_call_id");
    if (!id->is_string()) return wrong_type(path + ".tool_call_id", kString, *id);
  }
  return std::nullopt;
}

std::optional<ApiError> check_messages(const json::object& body, size_t& chars) {
  const json::value* v = field(body, "messages");
  if (!v) return missing("messages");
  const auto& messages = v->get_array();
  if (messages.empty())
    return invalid(
        "Invalid 'messages': empty array. Expected an array with minimum length 1, but got an "
        "empty array instead.",
        "messages", "empty_array");
  for (size_t i = 0; i < messages.size(); ++i)
    if (auto err = check_message(messages[i], i, chars)) return err;
  return std::nullopt;
}

ApiError invalid_input() {
  return invalid(
      "'$.input' is invalid. Please check the API reference: "
      "https://platform.openai.com/docs/api-reference.",
      std::nullopt, std::nullopt);
}

// Tokens are spelled as text so equal token arrays hash equally.
std::optional<std::string> spell_tokens(const json::array& tokens) {
  std::string key;
  for (const auto& t : tokens) {
    if (!t.is_int64() && !t.is_uint64()) return std::nullopt;
    key += json::serialize(t) + ",";
  }
  return key;
}

size_t tokens_of_text(size_t chars) {
  return chars / 4 > 0 ? chars / 4 : 1;
}

std::optional<ApiError> add_input(const json::value& item, EmbeddingRequest& out) {
  if (item.is_string()) {
    if (item.get_string().empty()) return invalid_input();
    out.inputs.emplace_back(item.get_string());
    out.prompt_tokens += tokens_of_text(item.get_string().size());
    return std::nullopt;
  }
  if (!item.is_array() || item.get_array().empty()) return invalid_input();
  auto key = spell_tokens(item.get_array());
  if (!key) return invalid_input();
  out.inputs.push_back(std::move(*key));
  out.prompt_tokens += item.get_array().size();
  return std::nullopt;
}

// input: "text" | ["a", "b"] | [1, 2, 3] | [[1, 2], [3]]
std::optional<ApiError> read_inputs(const json::value& input, EmbeddingRequest& out) {
  if (input.is_string()) return add_input(input, out);
  const auto& items = input.get_array();
  if (items.empty()) return invalid_input();
  if (items.front().is_number()) return add_input(input, out);
  for (const auto& item : items)
    if (auto err = add_input(item, out)) return err;
  return std::nullopt;
}

size_t prompt_text_chars(const json::value& prompt) {
  if (prompt.is_string()) return prompt.get_string().size();
  size_t chars = 0;
  for (const auto& item : prompt.get_array())
    chars += item.is_string() ? item.get_string().size() : 4;
  return chars;
}

}  // namespace

std::string error_body(const ApiError& e) {
  json::object err;
  err["message"] = e.message;
  err["type"] = e.type;
  err["param"] = e.param ? json::value(*e.param) : json::value(nullptr);
  err["code"] = e.code ? json::value(*e.code) : json::value(nullptr);
  json::object root;
  root["error"] = std::move(err);
  return json::serialize(root);
}

ApiError invalid_json_error() {
  return invalid(
      "We could not parse the JSON body of your request. (HINT: This likely means you aren't "
      "using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was "
      "sent was not valid JSON. If you have trouble figuring out how to fix this, please contact "
      "us through our help center at help.openai.com.)",
      std::nullopt, std::nullopt);
}

std::optional<ApiError> check_is_object(const json::value& body) {
  if (body.is_object()) return std::nullopt;
  return invalid_json_error();
}

std::optional<ApiError> check_chat(const json::object& body, bool model_required,
                                   ChatRequest& out) {
  if (auto err = check_params(body, kChatParams)) return err;
  if (model_required) {
    if (auto err = require_model(body, out.model)) return err;
  } else if (const json::value* model = field(body, "model")) {
    out.model = std::string(model->get_string());
  }
  if (auto err = check_messages(body, out.prompt_chars)) return err;
  StreamFlags flags;
  if (auto err = read_stream_flags(body, flags)) return err;
  out.stream = flags.stream;
  out.include_usage = flags.include_usage;
  out.n = read_n(body);
  return std::nullopt;
}

std::optional<ApiError> check_completion(const json::object& body, CompletionRequest& out) {
  if (auto err = check_params(body, kCompletionParams)) return err;
  if (auto err = require_model(body, out.model)) return err;
  const json::value* prompt = field(body, "prompt");
  if (!prompt) return missing("prompt");
  out.prompt_chars = prompt_text_chars(*prompt);
  StreamFlags flags;
  if (auto err = read_stream_flags(body, flags)) return err;
  out.stream = flags.stream;
  out.include_usage = flags.include_usage;
  out.n = read_n(body);
  return std::nullopt;
}

std::optional<ApiError> check_embedding(const json::object& body, EmbeddingRequest& out) {
  if (auto err = check_params(body, kEmbeddingParams)) return err;
  if (auto err = require_model(body, out.model)) return err;
  const json::value* input = field(body, "input");
  if (!input) return missing("input");
  if (auto err = read_inputs(*input, out)) return err;
  if (const json::value* format = field(body, "encoding_format")) {
    std::string_view f = format->get_string();
    if (f != "float" && f != "base64")
      return invalid(
          "Invalid value: '" + std::string(f) + "'. Supported values are: 'float' and 'base64'.",
          "encoding_format", "invalid_value");
    out.base64 = f == "base64";
  }
  if (const json::value* dims = field(body, "dimensions"))
    out.dimensions = static_cast<int>(dims->to_number<double>());
  return std::nullopt;
}

}  // namespace mock
