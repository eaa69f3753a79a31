#pragma once
// HTTP entry point of the gateway: route table, auth, body parsing, and the
// OpenAI-compatible endpoints. Holds the current config snapshot.
#include <atomic>
#include <memory>

#include "routeiq/app/snapshot.hpp"
#include "routeiq/net/http_server.hpp"

namespace routeiq::api {

class Gateway {
 public:
  explicit Gateway(std::shared_ptr<const app::Snapshot> snapshot);

  boost::asio::awaitable<void> handle(net::Exchange& exchange);
  std::shared_ptr<const app::Snapshot> snapshot() const { return std::atomic_load(&snapshot_); }
  void swap_snapshot(std::shared_ptr<const app::Snapshot> next) {
    std::atomic_store(&snapshot_, std::move(next));
  }

 private:
  boost::asio::awaitable<void> handle_messages(net::Exchange& ex,
                                               std::shared_ptr<const app::Snapshot> snap,
                                               std::chrono::steady_clock::time_point received);
  boost::asio::awaitable<void> handle_count_tokens(net::Exchange& ex);

  std::shared_ptr<const app::Snapshot> snapshot_;
};

// Parses a JSON object; the error names the byte offset, line and column.
Result<boost::json::object> parse_json_object(std::string_view body);
// The key from Authorization: Bearer, x-litellm-api-key or api-key.
std::string presented_key(const net::http::request<net::http::string_body>& req);
bool constant_time_equal(std::string_view a, std::string_view b);

}  // namespace routeiq::api
