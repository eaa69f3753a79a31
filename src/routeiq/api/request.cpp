#include "routeiq/api/request.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <cmath>
#include <cstdlib>
#include <random>
#include <sstream>

#include "routeiq/config/litellm_keys.hpp"
#include "routeiq/core/json.hpp"
#include "routeiq/providers/url.hpp"

namespace routeiq::api {
namespace json = boost::json;

namespace {

// A learned router reads at most this much of the query: featurizing a huge
// message would stall the event loop, and its start says what it is about.
constexpr size_t kMaxRoutingQuery = 32 * 1024;

// Cuts at a UTF-8 character boundary at or before `max` bytes.
void truncate_utf8(std::string& s, size_t max) {
  if (s.size() <= max) return;
  size_t cut = max;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
  s.resize(cut);
}

}  // namespace

// The text a learned router judges: the last user message (its text parts), or
// the prompt / input of completions and embeddings.
std::string routing_query(const json::object& request) {
  auto text_of = [](const json::value& content) {
    std::string out;
    if (content.is_string()) {
      auto s = content.get_string().subview();
      out.assign(s.data(), std::min(s.size(), kMaxRoutingQuery + 4));
    } else if (content.is_array()) {
      for (const auto& part : content.as_array()) {
        if (out.size() > kMaxRoutingQuery) break;
        if (part.is_object() && part.as_object().contains("text") && part.at("text").is_string()) {
          if (!out.empty()) out += "\n";
          auto text = part.at("text").get_string().subview();
          out.append(text.data(), std::min(text.size(), kMaxRoutingQuery + 4));
        }
      }
    }
    truncate_utf8(out, kMaxRoutingQuery);
    return out;
  };
  if (auto it = request.find("messages"); it != request.end() && it->value().is_array()) {
    const auto& messages = it->value().as_array();
    for (auto m = messages.rbegin(); m != messages.rend(); ++m)
      if (m->is_object() && m->as_object().contains("role") && m->at("role") == "user" &&
          m->as_object().contains("content"))
        return text_of(m->at("content"));
  }
  for (auto key : {"prompt", "input"})
    if (auto it = request.find(key); it != request.end()) return text_of(it->value());
  return {};
}

// RouteLLM-style names: "router-knn-0.3" asks the knn router group with cost weight 0.3.
std::optional<std::pair<std::string, double>> parse_router_model_name(std::string_view model) {
  if (!model.starts_with("router-")) return std::nullopt;
  auto rest = model.substr(7);
  auto dash = rest.rfind('-');
  if (dash == std::string_view::npos || dash == 0) return std::nullopt;
  try {
    size_t used = 0;
    std::string number(rest.substr(dash + 1));
    double w = std::stod(number, &used);
    if (used != number.size()) return std::nullopt;
    return std::pair{std::string(rest.substr(0, dash)), w};
  } catch (...) {
    return std::nullopt;
  }
}

// Removes credentials and upstream addresses from text that may reach a client.
std::string scrub(std::string text, const runtime::DeploymentRuntime& d) {
  auto replace_all = [&](const std::string& needle, std::string_view with) {
    if (needle.size() < 4) return;
    for (size_t p = text.find(needle); p != std::string::npos; p = text.find(needle, p))
      text.replace(p, needle.size(), with);
  };
  replace_all(d.api_key, "[REDACTED]");
  replace_all(d.api_base, "[upstream]");
  return text;
}

// A random (version 4) UUID, RFC 4122 section 4.4.
std::string make_call_id() {
  thread_local std::mt19937_64 rng(std::random_device{}());
  uint64_t a = rng(), b = rng();
  a = (a & 0xffffffffffff0fffULL) | 0x0000000000004000ULL;  // version 4
  b = (b & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;  // RFC 4122 variant
  std::string out(36, '-');
  constexpr char kHex[] = "0123456789abcdef";
  size_t pos = 0;
  auto put = [&](uint64_t v, int nibbles) {
    for (int i = nibbles - 1; i >= 0; --i) out[pos++] = kHex[(v >> (4 * i)) & 15];
  };
  put(a >> 32, 8), ++pos, put(a >> 16, 4), ++pos, put(a, 4), ++pos;
  put(b >> 48, 4), ++pos, put(b, 12);
  return out;
}

}  // namespace routeiq::api

namespace routeiq::api {

std::optional<std::string> query_param(std::string_view target, std::string_view name) {
  auto q = target.find('?');
  if (q == std::string_view::npos) return std::nullopt;
  std::string_view rest = target.substr(q + 1);
  while (!rest.empty()) {
    auto amp = rest.find('&');
    auto pair = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
    auto eq = pair.find('=');
    if (pair.substr(0, eq) != name) continue;
    std::string value(eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1));
    for (char& c : value)
      if (c == '+') c = ' ';
    return providers::uri_decode(value);
  }
  return std::nullopt;
}

}  // namespace routeiq::api
