#pragma once
// HTTP entry point of the gateway: the route table and the pipeline. Each
// request takes the runtime's current snapshot and keeps it to the end.
#include <memory>
#include <span>

#include "routeiq/api/pipeline.hpp"
#include "routeiq/api/rate_limits.hpp"
#include "routeiq/runtime/runtime.hpp"

namespace routeiq::api {

// Every endpoint, one row each.
std::span<const Route> route_table();

struct RouteMatch {
  const Route* route = nullptr;
  bool path_known = false;  // the path exists with another method
  std::string parameter;    // what the row's "*" matched
};
// `path` without query and optional /v1 prefix (see normalize_path).
RouteMatch match_route(std::string_view path, net::http::verb method);
// "/v1/chat/completions/?x=1" -> "/chat/completions".
std::string_view normalize_path(std::string_view target);

class Gateway {
 public:
  // `keys`: the virtual-key store and cache (null: only the master key works).
  // `limiter`: the rate-limit counters (null: counted in this process).
  Gateway(std::shared_ptr<runtime::Runtime> runtime, std::shared_ptr<KeyService> keys = nullptr,
          std::shared_ptr<RateLimiter> limiter = nullptr);

  boost::asio::awaitable<void> handle(net::Exchange& exchange);
  std::shared_ptr<const runtime::Snapshot> snapshot() const { return runtime_->snapshot(); }

 private:
  std::shared_ptr<runtime::Runtime> runtime_;
  std::shared_ptr<KeyService> keys_;
  std::shared_ptr<RateLimiter> limiter_;  // rate-limit counters shared by every server thread
  Pipeline pipeline_;
};

}  // namespace routeiq::api
