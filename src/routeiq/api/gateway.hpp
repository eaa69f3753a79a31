#pragma once
// HTTP entry point of the gateway: route table, auth, body parsing, and the
// OpenAI-compatible endpoints. Each request takes the runtime's current
// snapshot and keeps it to the end.
#include <atomic>
#include <memory>

#include "routeiq/net/http_server.hpp"
#include "routeiq/runtime/runtime.hpp"

namespace routeiq::api {

class Gateway {
 public:
  explicit Gateway(std::shared_ptr<runtime::Runtime> runtime);

  boost::asio::awaitable<void> handle(net::Exchange& exchange);
  std::shared_ptr<const runtime::Snapshot> snapshot() const { return runtime_->snapshot(); }

 private:
  boost::asio::awaitable<void> handle_messages(net::Exchange& ex,
                                               std::shared_ptr<const runtime::Snapshot> snap,
                                               std::chrono::steady_clock::time_point received);
  boost::asio::awaitable<void> handle_count_tokens(net::Exchange& ex);

  std::shared_ptr<runtime::Runtime> runtime_;
};

// Parses a JSON object; the error names the byte offset, line and column.
Result<boost::json::object> parse_json_object(std::string_view body);
// The key from Authorization: Bearer, x-litellm-api-key or api-key.
std::string presented_key(const net::http::request<net::http::string_body>& req);
bool constant_time_equal(std::string_view a, std::string_view b);

}  // namespace routeiq::api
