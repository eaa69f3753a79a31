#pragma once
// Credentials that need a network call or a file: Google service-account
// OAuth tokens (Vertex AI), the AWS credential chain (Bedrock) and Entra ID
// client-credentials tokens (Azure). Fetched off the hot path once, cached
// process-wide, and refreshed before they expire.
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <string>

#include "routeiq/providers/translator.hpp"
#include "routeiq/runtime/snapshot.hpp"

namespace routeiq::credentials {

// Fills target.credentials for native formats that need more than an api_key.
boost::asio::awaitable<Status> fill_credentials(const runtime::DeploymentRuntime& d,
                                                providers::Target& target);

// An Entra ID bearer token for an Azure deployment configured with
// tenant_id/client_id/client_secret or azure_ad_token; empty when it uses an api-key.
boost::asio::awaitable<Result<std::string>> azure_bearer_token(const runtime::DeploymentRuntime& d);

struct AwsCredentials {
  std::string access_key_id, secret_access_key, session_token;
  std::chrono::system_clock::time_point expires_at = std::chrono::system_clock::time_point::max();
  std::string source{};  // "params", "env", "profile", "web_identity", "ecs", "imds"
};

// When a cached credential should be replaced: a quarter of its lifetime (at
// most five minutes) before it expires.
bool needs_refresh(std::chrono::system_clock::time_point fetched_at,
                   std::chrono::system_clock::time_point expires_at,
                   std::chrono::system_clock::time_point now);

// When credentials expire, from their "Expiration" text; unreadable means now.
std::chrono::system_clock::time_point expiry_from(std::string_view text);

}  // namespace routeiq::credentials
