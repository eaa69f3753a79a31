#pragma once
// Small pure helpers of the request path: the text a learned router judges,
// RouteLLM-style router model names, scrubbing secrets from upstream
// messages, and call ids.
#include <boost/json/object.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "routeiq/core/error.hpp"
#include "routeiq/net/upstream.hpp"
#include "routeiq/providers/codec.hpp"
#include "routeiq/runtime/snapshot.hpp"

namespace routeiq::api {

using providers::Dialect;
using providers::Endpoint;

// The text a learned router judges: the last user message (its text parts), or
// the prompt / input of completions and embeddings.
std::string routing_query(const boost::json::object& request);

// RouteLLM-style names: "router-knn-0.3" -> {"knn", 0.3}.
std::optional<std::pair<std::string, double>> parse_router_model_name(std::string_view model);

// Removes the deployment's key and base URL from text that may reach a client.
std::string scrub(std::string text, const runtime::DeploymentRuntime& d);
// A random (version 4) UUID, RFC 4122 section 4.4.
std::string make_call_id();

}  // namespace routeiq::api

namespace routeiq::api {

// The decoded value of `name` in the query of a request target
// ("/key/info?key=sk-%2B1" -> "sk-+1"; '+' is a space), or nullopt.
std::optional<std::string> query_param(std::string_view target, std::string_view name);

}  // namespace routeiq::api
