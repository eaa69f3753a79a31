#pragma once
// Maps a request line to an endpoint. OpenAI's routes answer both with and
// without the /v1 prefix, since clients configure base URLs either way.
#include <optional>
#include <string_view>

namespace mock {

enum class Endpoint {
  chat,
  completions,
  embeddings,
  models,
  model,
  azure_chat,
  mock_config,
  mock_stats,
  mock_reset,
  not_found,
};

struct Route {
  Endpoint endpoint = Endpoint::not_found;
  std::string_view path;   // without the query
  std::string_view query;  // after '?', may be empty
  std::string_view arg;    // model id or Azure deployment
  bool method_allowed = true;
  std::string_view allowed_methods;
};

Route match_route(std::string_view method, std::string_view target);

// Endpoints that generate (and so may be rate limited or fail on purpose).
bool is_inference(Endpoint endpoint);
bool is_control(Endpoint endpoint);

// The raw value of `name` in an URL query string, if present.
std::optional<std::string_view> query_param(std::string_view query, std::string_view name);

std::string_view reason_phrase(int status);

}  // namespace mock
