#pragma once
// Credentials that need a network call or a file: Google service-account
// OAuth tokens (Vertex AI), the AWS credential chain (Bedrock, S3) and Entra
// ID client-credentials tokens (Azure).
//
// A Source says where a caller's credentials come from. It is decided once,
// when a snapshot is built (from a deployment's litellm_params and the
// environment), and knows nothing of config types, so other callers (remote
// config sync) build their own. fill() runs per request: it returns cached
// values and fetches, single-flight, only when they are due for refresh.
#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <variant>

#include "routeiq/providers/google_auth.hpp"
#include "routeiq/providers/provider_table.hpp"
#include "routeiq/providers/translator.hpp"

namespace routeiq::credentials {

struct AwsCredentials {
  std::string access_key_id, secret_access_key, session_token;
  std::chrono::system_clock::time_point expires_at = std::chrono::system_clock::time_point::max();
  std::string source{};  // "params", "env", "profile", "web_identity", "ecs", "imds"
};

// The AWS SDKs' default chain, with every name it reads already resolved.
struct AwsSource {
  AwsCredentials fixed;  // from litellm_params or AWS_* env; used when both keys are set
  std::string credentials_file, profile;
  std::string role_arn, web_identity_token, web_identity_token_file, session_name, sts_endpoint;
  std::string container_url, container_token, container_token_file;  // ECS
  std::string imds_endpoint;  // empty when AWS_EC2_METADATA_DISABLED=true
  std::string region;
};

// A service account (parsed once; a file is read at build, not per request).
struct GoogleSource {
  std::shared_ptr<const providers::ServiceAccount> account;
  std::string problem;  // why there is no account: every call fails with it
};

struct EntraSource {
  std::string static_token;  // azure_ad_token
  std::string tenant, client, secret, authority;
};

struct Source {
  // Values fetched for this source are cached under this key ("aws:<id>").
  std::string cache_key;
  std::string label;  // named in logs (a model name), never a secret
  std::variant<std::monostate, AwsSource, GoogleSource, EntraSource> how;
};

// Where the AWS chain looks, from litellm_params (aws_*) over the environment.
AwsSource aws_source(const boost::json::object& params);

// The source of a deployment of `format`, from its litellm_params: Vertex AI
// (vertex_credentials or GOOGLE_APPLICATION_CREDENTIALS), Bedrock without an
// api_key (the AWS chain), Azure with azure_ad_token or tenant_id/client_id/
// client_secret (Entra ID); nothing for every other deployment.
std::shared_ptr<const Source> source_for(providers::WireFormat format,
                                         const boost::json::object& params, bool has_api_key,
                                         std::string_view id, std::string_view label);

// Sets target.credentials from the source (bearer token or AWS keys and region).
boost::asio::awaitable<Status> fill(const Source& source, providers::Target& target);

// AWS credentials of a source, cached and refreshed before they expire.
boost::asio::awaitable<Result<AwsCredentials>> aws_credentials(const Source& source);

// When a cached credential should be replaced: a quarter of its lifetime (at
// most five minutes) before it expires.
bool needs_refresh(std::chrono::system_clock::time_point fetched_at,
                   std::chrono::system_clock::time_point expires_at,
                   std::chrono::system_clock::time_point now);

// When credentials expire, from their "Expiration" text; unreadable means now.
std::chrono::system_clock::time_point expiry_from(std::string_view text);

}  // namespace routeiq::credentials
