#include "router.hpp"

namespace mock {
namespace {

// A path is `prefix`, or `prefix` + argument + `suffix` when has_arg is set.
struct RouteRow {
  std::string_view prefix;
  std::string_view suffix;
  bool has_arg;
  Endpoint endpoint;
  std::string_view methods;  // as sent in Allow
};

constexpr RouteRow kRoutes[] = {
    {"/chat/completions", "", false, Endpoint::chat, "POST"},
    {"/completions", "", false, Endpoint::completions, "POST"},
    {"/embeddings", "", false, Endpoint::embeddings, "POST"},
    {"/models", "", false, Endpoint::models, "GET"},
    {"/models/", "", true, Endpoint::model, "GET"},
    {"/openai/deployments/", "/chat/completions", true, Endpoint::azure_chat, "POST"},
    {"/mock/config", "", false, Endpoint::mock_config, "GET, POST"},
    {"/mock/stats", "", false, Endpoint::mock_stats, "GET"},
    {"/mock/reset", "", false, Endpoint::mock_reset, "POST"},
};

bool matches(const RouteRow& row, std::string_view path, std::string_view& arg) {
  if (!row.has_arg) return path == row.prefix;
  if (path.size() <= row.prefix.size() + row.suffix.size()) return false;
  if (!path.starts_with(row.prefix) || !path.ends_with(row.suffix)) return false;
  arg = path.substr(row.prefix.size(), path.size() - row.prefix.size() - row.suffix.size());
  return true;
}

bool method_listed(std::string_view methods, std::string_view method) {
  while (!methods.empty()) {
    size_t comma = methods.find(", ");
    if (methods.substr(0, comma) == method) return true;
    if (comma == std::string_view::npos) break;
    methods.remove_prefix(comma + 2);
  }
  return false;
}

}  // namespace

Route match_route(std::string_view method, std::string_view target) {
  Route route;
  size_t question = target.find('?');
  route.path = target.substr(0, question);
  if (question != std::string_view::npos) route.query = target.substr(question + 1);
  std::string_view path = route.path;
  if (path.starts_with("/v1/")) path.remove_prefix(3);
  for (const auto& row : kRoutes) {
    std::string_view arg;
    if (!matches(row, path, arg)) continue;
    route.endpoint = row.endpoint;
    route.arg = arg;
    route.allowed_methods = row.methods;
    route.method_allowed = method_listed(row.methods, method);
    return route;
  }
  return route;
}

bool is_inference(Endpoint e) {
  return e == Endpoint::chat || e == Endpoint::completions || e == Endpoint::embeddings ||
         e == Endpoint::azure_chat;
}

bool is_control(Endpoint e) {
  return e == Endpoint::mock_config || e == Endpoint::mock_stats || e == Endpoint::mock_reset;
}

std::optional<std::string_view> query_param(std::string_view query, std::string_view name) {
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    size_t eq = pair.find('=');
    if (pair.substr(0, eq) == name)
      return eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1);
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return std::nullopt;
}

std::string_view reason_phrase(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 409:
      return "Conflict";
    case 413:
      return "Payload Too Large";
    case 422:
      return "Unprocessable Entity";
    case 429:
      return "Too Many Requests";
    case 500:
      return "Internal Server Error";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    default:
      return "Unknown";
  }
}

}  // namespace mock
