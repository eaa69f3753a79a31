#pragma once
// The OpenAI-format proxy: pick a deployment, call it, retry within the group,
// fall back to other groups, and relay the answer (streamed chunk by chunk).
#include <boost/json/object.hpp>
#include <chrono>
#include <memory>
#include <string>

#include "routeiq/app/snapshot.hpp"
#include "routeiq/net/http_server.hpp"

namespace routeiq::api {

enum class Endpoint { chat_completions, completions, embeddings };

struct ProxyRequest {
  std::shared_ptr<const app::Snapshot> snapshot;
  Endpoint endpoint = Endpoint::chat_completions;
  boost::json::object body;  // the client's OpenAI-format request
  std::string call_id;
  std::chrono::steady_clock::time_point received;
};

boost::asio::awaitable<void> proxy_openai(net::Exchange& exchange, ProxyRequest request);

// Sends an OpenAI-format error with the table's status (and Retry-After if set).
boost::asio::awaitable<void> send_openai_error(net::Exchange& exchange, Error error,
                                               net::HeaderList headers = {});

}  // namespace routeiq::api
