#pragma once
// How one request is to be served, decided before the first attempt: the
// groups to try (the requested one, then fallbacks), retries per group, and
// the deadlines. Pure: from the config and the client's controls.
#include <boost/json/object.hpp>
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "routeiq/config/config.hpp"
#include "routeiq/core/error.hpp"

namespace routeiq::routing {

struct CallPlan {
  std::vector<std::string> groups;  // the requested group, then fallbacks
  int num_retries = 0;
  double timeout = 600;                  // seconds; LiteLLM's default request timeout
  std::optional<double> stream_timeout;  // request-level override
  bool timeout_from_request = false;     // a request `timeout` beats the deployment's
  bool stream = false;
};

// 400 when a numeric control (timeout, stream_timeout, num_retries) is not a
// finite number in range.
Result<CallPlan> make_plan(const config::Config& config, const std::string& group,
                           const boost::json::object& body);

struct Deadlines {
  using clock = std::chrono::steady_clock;
  clock::time_point total;       // the whole attempt, body included
  clock::time_point first_byte;  // response headers by then
};

// The request's own deadline: `timeout` after it was received.
std::chrono::steady_clock::time_point request_deadline(
    const CallPlan& plan, std::chrono::steady_clock::time_point received);

// One attempt's deadlines: the deployment's timeout (unless the request set
// one), never past the request's; the first byte by `stream_timeout` (request,
// then deployment, then router) when streaming.
Deadlines attempt_deadlines(const CallPlan& plan, const config::Deployment& deployment,
                            const config::RouterSettings& router,
                            std::chrono::steady_clock::time_point received,
                            std::chrono::steady_clock::time_point now);

}  // namespace routeiq::routing
