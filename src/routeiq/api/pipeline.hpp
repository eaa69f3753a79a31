#pragma once
// The request pipeline. Every endpoint is a row of the route table (path,
// method, client dialect, body kind, auth, handler); every request carries one
// RequestContext through the stages and its handler. A stage's `before` runs
// ahead of the handler and may refuse the request; its `after` runs exactly
// once when the request is over (after the last byte of a stream, or on
// failure), which is where spend, metrics and logs read the RequestRecord.
#include <boost/json/object.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "routeiq/core/error.hpp"
#include "routeiq/keys/access.hpp"
#include "routeiq/limits/limiter.hpp"
#include "routeiq/net/http_server.hpp"
#include "routeiq/providers/codec.hpp"
#include "routeiq/runtime/snapshot.hpp"

namespace routeiq::api {

using providers::Dialect;
using providers::Endpoint;
using Clock = std::chrono::steady_clock;

enum class BodyKind { none, json };  // multipart and raw bodies arrive with their endpoints
using keys::RouteGroup;              // who may call a route: open, llm_api, info, management
class AnswerTranscript;
class KeyService;
class RateLimiter;

struct RequestContext;
using RouteHandler = boost::asio::awaitable<void> (*)(RequestContext&);

struct Route {
  std::string_view path;  // without the optional /v1 prefix; "/models/*" matches one segment
  net::http::verb method;
  Dialect dialect;  // the error shape of the endpoint
  BodyKind body;
  RouteGroup group;
  Endpoint endpoint;  // what a proxied endpoint asks a deployment for
  RouteHandler handler;
};

// Who is calling: nobody (no master key configured, or an open route), the
// master key (LiteLLM's proxy_admin), or a virtual key, with its user's role.
struct Principal {
  enum class Kind { anonymous, master_key, virtual_key } kind = Kind::anonymous;
  std::shared_ptr<const keys::VirtualKey> key;  // set for virtual_key
  std::string end_user;            // the request's customer (`user`, x-litellm-customer-id)
  limits::Limits end_user_limits;  // from the customer's budget
  keys::Budget end_user_budget;    // the customer's max_budget and spend

  // May act on anything: the master key, a proxy_admin user's key, or a
  // management key that belongs to no user (made by an admin for tooling).
  bool is_admin() const;
  // LiteLLM's proxy_admin: the master key or a key of a proxy_admin user (not
  // a management key, which may manage keys but not deployments and their
  // credentials).
  bool is_proxy_admin() const;
  // May read anything: an admin or a proxy_admin_viewer.
  bool reads_all() const;
  // The user a virtual key acts for ("" for the master key and keys without one).
  std::string_view user_id() const;
};

// What happened to one request, filled as it goes and read by `after` stages.
struct RequestRecord {
  std::string call_id;
  Clock::time_point received;
  std::string model_group;
  std::string deployment_id;  // model_info.id of the deployment that answered (or failed last)
  const runtime::DeploymentRuntime* deployment = nullptr;  // the same, in the request's snapshot
  std::string answered_model;                              // the model the provider says answered
  int attempts = 0;
  int retries = 0;
  int fallbacks = 0;
  bool stream = false;
  bool complete = false;  // the answer reached its final event / a whole body
  bool cache_hit = false;
  providers::Usage usage;
  std::optional<double> response_cost;  // USD; unset: the model has no price
  int status = 0;                       // the status sent to the client
  std::string error;                    // the error's message when the request failed
  Clock::duration upstream_time{};
  // When the first chunk of a stream went out (LiteLLM's completionStartTime).
  std::optional<Clock::time_point> first_chunk;
  // The answer as sent, kept only when store_prompts_in_spend_logs is on.
  std::shared_ptr<AnswerTranscript> transcript;
};

struct RequestContext {
  RequestContext(net::Exchange& ex, std::shared_ptr<const runtime::Snapshot> snap, const Route& r)
      : exchange(ex), snapshot(std::move(snap)), route(r) {}

  net::Exchange& exchange;
  std::shared_ptr<const runtime::Snapshot> snapshot;  // kept to the end of the request
  const Route& route;
  std::string path_parameter;  // the "*" of the route's path
  Principal principal;
  KeyService* key_service = nullptr;  // the key store and cache; null when there is no master key
  boost::json::object body;           // the client's body without LiteLLM's own keys
  boost::json::object controls;       // those keys (timeout, fallbacks, mock_response, metadata...)
  boost::json::object canonical;      // the body in OpenAI chat form when the client speaks another
  HeaderList client_headers;          // client headers a provider should see (anthropic-beta...)
  std::optional<double> cost_weight;  // x-routeiq-cost-weight: learned-router trade-off
  HeaderList answer_headers;          // set by stages for the answer or the refusal (x-ratelimit-*)
  RateLimiter* limiter = nullptr;     // the rate-limit counters every thread shares
  // The request's places in the rate-limit counters (its owners', and the
  // deployment that answered), settled with the real tokens by the stage's
  // `after`, which sees the context const; dropping them ends the in-flight count.
  mutable limits::Reservation owner_hold, deployment_hold;
  RequestRecord record;

  Dialect dialect() const { return route.dialect; }
  // The request in OpenAI chat form.
  const boost::json::object& openai_body() const {
    return dialect() == Dialect::openai ? body : canonical;
  }
};

class Stage {
 public:
  virtual ~Stage() = default;
  virtual std::string_view name() const = 0;
  // Before the handler: an error refuses the request (sent in the client's dialect).
  virtual boost::asio::awaitable<Status> before(RequestContext& ctx);
  // Once, when the request is over; must not throw.
  virtual void after(const RequestContext& ctx) noexcept;
};

class Pipeline {
 public:
  explicit Pipeline(std::vector<std::unique_ptr<Stage>> stages) : stages_(std::move(stages)) {}
  // Runs the stages' `before` in order, the handler, then the `after` of every
  // stage whose `before` ran, in reverse order, also when the handler throws.
  boost::asio::awaitable<void> run(RequestContext& ctx) const;

 private:
  std::vector<std::unique_ptr<Stage>> stages_;
};

// Moves LiteLLM's own keys (config::is_litellm_request_key) out of a body.
boost::json::object take_controls(boost::json::object& body);

// Sends an error in the client's dialect with the table's status (and Retry-After if set).
boost::asio::awaitable<void> send_error(net::Exchange& exchange, Dialect dialect, Error error,
                                        HeaderList headers = {});
// The same, noted in the request's record.
boost::asio::awaitable<void> send_error(RequestContext& ctx, Error error, HeaderList headers = {});

}  // namespace routeiq::api
