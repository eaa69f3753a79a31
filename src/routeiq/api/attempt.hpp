#pragma once
// One attempt at one deployment: a mocked answer, or an upstream call through
// the deployment's codec, relayed to the client whole or as a stream. The
// proxy's loop (api/proxy) decides which deployment; this decides nothing.
#include <boost/asio/steady_timer.hpp>
#include <string>

#include "routeiq/api/mock_response.hpp"
#include "routeiq/api/model_choice.hpp"
#include "routeiq/api/pipeline.hpp"
#include "routeiq/net/upstream.hpp"
#include "routeiq/routing/plan.hpp"

namespace routeiq::api {

struct Outcome {
  enum Kind { ok, http_error, transport_error, client_gone } kind = transport_error;
  int status = 0;
  std::string message{};
  std::string retry_after{};
  net::CallFailure failure = net::CallFailure::none;
};

// The call in progress, shared with the client-gone watcher that cancels it.
struct CallState {
  net::UpstreamCall* active = nullptr;
  boost::asio::steady_timer* mock_wait = nullptr;  // a mocked attempt's delay or timeout
  HeaderList upstream_ids;  // the provider's request id headers, passed to the client
  bool client_gone = false;
};

// What every attempt of one request shares.
struct AttemptScope {
  RequestContext& ctx;
  const routing::CallPlan& plan;
  const ModelChoice& choice;
  CallState& state;

  Clock::time_point deadline() const;  // the request's
  net::Deadlines deadlines_for(const config::Deployment& d) const;
};

// Calls deployment `index` of `res` (or answers its mock) and relays a success.
boost::asio::awaitable<Outcome> attempt_deployment(AttemptScope& scope, size_t index,
                                                   const routing::Resolution& res);

// A mocked attempt: waits as asked (within the attempt's deadlines; the client
// going away ends the wait), then fails as a provider would, or answers
// through the client's encoder with the usual headers.
boost::asio::awaitable<Outcome> answer_mock(AttemptScope& scope, MockAnswer answer,
                                            const runtime::DeploymentRuntime& d,
                                            const routing::Resolution& res);

Outcome local_error(int status, std::string message);

// Response headers: LiteLLM's x-litellm-* set, the provider's request ids, the
// learned router's decision.
HeaderList success_headers(const AttemptScope& scope, const runtime::DeploymentRuntime& d,
                           const routing::Resolution& res);
// The answer's cost from its usage (record.usage set) at the deployment's
// price, into the record; unset when the model has no price.
void note_cost(RequestContext& ctx, const runtime::DeploymentRuntime& d);
// A stream's bytes went to the client: the first marks the time to first
// token; all are kept when the transcript is on.
void note_sent(RequestRecord& r, std::string_view bytes);
// A whole answer went to the client (kept when the transcript is on).
void note_whole(RequestRecord& r, std::string_view body);
// After a stream: x-litellm-response-cost as a trailer (the header went
// before the usage was known).
HeaderList cost_trailers(const RequestRecord& r);
// USD as Python prints a float: the shortest text that reads back the same.
std::string format_cost(double usd);
// The answer when attempts are over: the upstream's error as it said it, or
// the transport failure of the last attempt.
boost::asio::awaitable<void> send_upstream_error(AttemptScope& scope, const Outcome& o,
                                                 size_t deployment);
boost::asio::awaitable<void> send_final_error(AttemptScope& scope, const Outcome& last,
                                              size_t deployment);

}  // namespace routeiq::api
