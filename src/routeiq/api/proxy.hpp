#pragma once
// The OpenAI-format proxy: pick a deployment, call it, retry within the group,
// fall back to other groups, and relay the answer (streamed chunk by chunk).
#include <boost/json/object.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "routeiq/api/request.hpp"
#include "routeiq/net/http_server.hpp"
#include "routeiq/providers/codec.hpp"
#include "routeiq/runtime/snapshot.hpp"

namespace routeiq::api {

struct ProxyRequest {
  std::shared_ptr<const runtime::Snapshot> snapshot;
  Endpoint endpoint = Endpoint::chat_completions;
  Dialect dialect = Dialect::openai;
  boost::json::object body;           // the client's request, in its dialect
  boost::json::object canonical;      // the same request in OpenAI chat form
  net::HeaderList client_headers;     // e.g. anthropic-version / anthropic-beta to pass through
  std::optional<double> cost_weight;  // x-routeiq-cost-weight: learned-router trade-off
  std::string call_id;
  std::chrono::steady_clock::time_point received;
};

boost::asio::awaitable<void> proxy_openai(net::Exchange& exchange, ProxyRequest request);

// Sends an error in the client's dialect with the table's status (and Retry-After if set).
boost::asio::awaitable<void> send_error(net::Exchange& exchange, Dialect dialect, Error error,
                                        net::HeaderList headers = {});
inline boost::asio::awaitable<void> send_openai_error(net::Exchange& exchange, Error error,
                                                      net::HeaderList headers = {}) {
  return send_error(exchange, Dialect::openai, std::move(error), std::move(headers));
}

}  // namespace routeiq::api
