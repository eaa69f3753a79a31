#include "faults.hpp"

#include <cmath>

namespace mock {
namespace {

ApiError api_error(int status, std::string message, std::string type,
                   std::optional<std::string> code) {
  ApiError e;
  e.status = status;
  e.message = std::move(message);
  e.type = std::move(type);
  e.code = std::move(code);
  return e;
}

// OpenAI shows a key as its first and last characters.
std::string mask_key(std::string_view key) {
  if (key.size() <= 8) return "****";
  return std::string(key.substr(0, 3)) + "*" + std::string(key.substr(key.size() - 4));
}

Reply openai_unauthorized(std::string_view authorization) {
  if (authorization.empty())
    return reply_from(api_error(
        401,
        "You didn't provide an API key. You need to provide your API key in an Authorization "
        "header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY), or as the password field "
        "(with blank username) if you're accessing the API from your browser and are prompted for "
        "a username. You can obtain an API key from https://platform.openai.com/account/api-keys.",
        "invalid_request_error", std::nullopt));
  std::string_view key = authorization;
  if (key.starts_with("Bearer ")) key.remove_prefix(7);
  return reply_from(api_error(401,
                              "Incorrect API key provided: " + mask_key(key) +
                                  ". You can find your API key at "
                                  "https://platform.openai.com/account/api-keys.",
                              "invalid_request_error", "invalid_api_key"));
}

// Azure's error object has no type or param: {"error":{"code","message"}}.
Reply azure_error(int status, std::string_view message) {
  Reply r;
  r.status = status;
  r.body = R"({"error":{"code":")" + std::to_string(status) + R"(","message":")" +
           std::string(message) + R"("}})";
  return r;
}

bool crosses_error_threshold(double rate, uint64_t n) {
  if (rate <= 0) return false;
  return std::floor(static_cast<double>(n) * rate) > std::floor(static_cast<double>(n - 1) * rate);
}

Reply fault_reply(int status, int retry_after) {
  if (status == 429) {
    Reply r = reply_from(api_error(429,
                                   "Rate limit reached for requests. Please try again in " +
                                       std::to_string(retry_after) + "s.",
                                   "requests", "rate_limit_exceeded"));
    r.headers = "Retry-After: " + std::to_string(retry_after) + "\r\n";
    return r;
  }
  if (status >= 500)
    return reply_from(api_error(
        status, "The server had an error while processing your request. Sorry about that!",
        "server_error", std::nullopt));
  return reply_from(api_error(status, "Injected error with status " + std::to_string(status),
                              "invalid_request_error", std::nullopt));
}

}  // namespace

Reply reply_from(const ApiError& error) {
  return Reply{error.status, error_body(error), {}};
}

std::optional<Reply> check_auth(const Settings& settings, Endpoint endpoint,
                                std::string_view authorization, std::string_view api_key) {
  if (endpoint == Endpoint::azure_chat) {
    bool accepted = settings.api_key.empty() ? !api_key.empty() : api_key == settings.api_key;
    if (accepted) return std::nullopt;
    return azure_error(401,
                       "Access denied due to invalid subscription key or wrong API endpoint. "
                       "Make sure to provide a valid key for an active subscription and use a "
                       "correct regional API endpoint for your resource.");
  }
  if (settings.api_key.empty()) return std::nullopt;
  if (authorization.starts_with("Bearer ") && authorization.substr(7) == settings.api_key)
    return std::nullopt;
  return openai_unauthorized(authorization);
}

std::optional<Reply> check_azure_query(std::string_view query) {
  auto version = query_param(query, "api-version");
  if (version && !version->empty()) return std::nullopt;
  return azure_error(404, "Resource not found");
}

std::optional<Reply> injected_fault(const Settings& settings, uint64_t sequence) {
  if (settings.rate_limit_every > 0 &&
      sequence % static_cast<uint64_t>(settings.rate_limit_every) == 0)
    return fault_reply(429, settings.retry_after);
  if (crosses_error_threshold(settings.error_rate, sequence))
    return fault_reply(settings.error_status, settings.retry_after);
  return std::nullopt;
}

bool is_rate_limit(const Reply& reply) {
  return reply.status == 429;
}

Reply not_found(std::string_view method, std::string_view path) {
  return reply_from(api_error(404,
                              "Invalid URL (" + std::string(method) + " " + std::string(path) + ")",
                              "invalid_request_error", std::nullopt));
}

Reply method_not_allowed(std::string_view method, std::string_view path, std::string_view allowed) {
  Reply r = reply_from(
      api_error(405, "Method not allowed: " + std::string(method) + " " + std::string(path),
                "invalid_request_error", "method_not_allowed"));
  r.headers = "Allow: " + std::string(allowed) + "\r\n";
  return r;
}

}  // namespace mock
