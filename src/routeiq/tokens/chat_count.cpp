#include "routeiq/tokens/chat_count.hpp"

#include <boost/json.hpp>
#include <string>

#include "routeiq/core/json.hpp"

namespace routeiq::tokens {
namespace json = boost::json;

namespace {

constexpr int64_t kTokensPerMessage = 3;
constexpr int64_t kTokensPerName = 1;
constexpr int64_t kReplyPriming = 3;  // <|start|>assistant<|message|>

struct Counter {
  const Encoding& encoding;
  size_t message = 0;

  int64_t text(std::string_view s) const { return static_cast<int64_t>(encoding.count(s)); }

  Error bad(const std::string& what) const {
    return make_error(ErrorKind::invalid_request,
                      "messages[" + std::to_string(message) + "]: " + what, "messages");
  }

  // Python's str() of a non-string `arguments` differs from JSON; a client sends a string.
  int64_t arguments(const json::object& call) const {
    const auto* args = call.if_contains("arguments");
    if (!args || args->is_null()) return text("");
    if (args->is_string()) return text(args->get_string());
    return text(json::serialize(*args));
  }

  Result<int64_t> tool_calls(const json::value& v) const {
    if (!v.is_array()) return bad("tool_calls must be a list");
    int64_t n = 0;
    for (const auto& call : v.get_array()) {
      const auto* fn = call.is_object() ? obj_at(call.get_object(), "function") : nullptr;
      if (!fn) return bad("a tool call must contain a function");
      n += arguments(*fn);
    }
    return n;
  }

  Result<int64_t> image(const json::object& part) const {
    const auto* image_url = part.if_contains("image_url");
    if (image_url && image_url->is_object()) {
      const auto& o = image_url->get_object();
      auto detail = str_or(o, "detail", "auto");
      if (detail != "low" && detail != "high" && detail != "auto")
        return bad("Invalid detail value: " + std::string(detail) +
                   ". Expected 'low', 'high', or 'auto'.");
      if (str_or(o, "url").empty()) return bad("Missing required key 'url' in image_url dict.");
    } else if (!image_url || !image_url->is_string()) {
      return bad("image_url must be a string or an object with a url");
    }
    return kImageTokens;
  }

  // A content part; tool_result content may hold parts itself (one level: `nested`).
  Result<int64_t> part(const json::value& v, bool nested) const {
    if (v.is_string()) return text(v.get_string());
    if (!v.is_object()) return bad("a content part must be a string or an object");
    const auto& p = v.get_object();
    auto type = str_or(p, "type");
    if (type == "text") return text(str_or(p, "text"));
    if (type == "thinking" || type == "redacted_thinking") return text(str_or(p, "thinking"));
    if (type == "compaction") return text(str_or(p, "content"));
    if (type == "image_url") return image(p);
    if (type == "image") return kImageTokens;
    if (type == "tool_use") {
      const auto* input = p.if_contains("input");
      auto args = input ? json::serialize(*input) : std::string();
      return text(str_or(p, "name")) + text(args);
    }
    if (type == "tool_result" && !nested) {
      const auto* content = p.if_contains("content");
      if (!content || content->is_null()) return int64_t{0};
      if (content->is_string()) return text(content->get_string());
      if (content->is_array()) return parts(content->get_array(), true);
    }
    return bad("Invalid content item type: " + std::string(type.empty() ? "(none)" : type) +
               ". Expected str or dict with 'type' field (text, image_url, image, tool_use, "
               "tool_result, thinking, redacted_thinking, compaction).");
  }

  Result<int64_t> parts(const json::array& list, bool nested) const {
    int64_t n = 0;
    for (const auto& v : list) {
      auto r = part(v, nested);
      if (!r) return r.error();
      n += r.value();
    }
    return n;
  }

  Result<int64_t> member(std::string_view key, const json::value& v) const {
    if (v.is_null()) return int64_t{0};
    if (key == "tool_calls") return tool_calls(v);
    if (key == "function_call") {
      if (!v.is_object()) return bad("function_call must be an object");
      return arguments(v.get_object());
    }
    if (v.is_string()) return text(v.get_string()) + (key == "name" ? kTokensPerName : 0);
    if (key == "content" && v.is_array()) return parts(v.get_array(), false);
    return int64_t{0};  // other members (numbers, objects) are not counted, as in LiteLLM
  }

  Result<int64_t> message_tokens(const json::value& m) const {
    if (!m.is_object()) return bad("a message must be an object");
    int64_t n = kTokensPerMessage;
    for (const auto& kv : m.get_object()) {
      auto r = member(kv.key(), kv.value());
      if (!r) return r.error();
      n += r.value();
    }
    return n;
  }
};

}  // namespace

Result<int64_t> count_chat_tokens(const Encoding& encoding, const json::array& messages) {
  Counter counter{encoding};
  int64_t total = kReplyPriming;
  for (; counter.message < messages.size(); ++counter.message) {
    auto n = counter.message_tokens(messages[counter.message]);
    if (!n) return n.error();
    total += n.value();
  }
  return total;
}

}  // namespace routeiq::tokens
