#pragma once
// Error replies that do not come from request checking: authentication,
// injected failures, rate limits, unknown routes. Bodies follow the upstream
// being imitated (OpenAI, or Azure OpenAI on /openai/deployments/...).
#include <optional>
#include <string>
#include <string_view>

#include "router.hpp"
#include "settings.hpp"
#include "validate.hpp"

namespace mock {

struct Reply {
  int status = 200;
  std::string body;
  std::string headers;  // extra header lines, each ending in \r\n
};

Reply reply_from(const ApiError& error);

// `authorization` / `api_key` are the header values, empty when absent.
std::optional<Reply> check_auth(const Settings& settings, Endpoint endpoint,
                                std::string_view authorization, std::string_view api_key);
std::optional<Reply> check_azure_query(std::string_view query);

// Decides from the request's sequence number (1, 2, ...) whether it is rate
// limited or fails. Deterministic: error_rate R fails exactly floor(n * R) of
// the first n requests.
std::optional<Reply> injected_fault(const Settings& settings, uint64_t sequence);
bool is_rate_limit(const Reply& reply);

Reply not_found(std::string_view method, std::string_view path);
Reply method_not_allowed(std::string_view method, std::string_view path, std::string_view allowed);

}  // namespace mock
