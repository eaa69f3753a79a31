#include "routeiq/api/stages.hpp"

#include <boost/json.hpp>

#include "routeiq/api/attempt.hpp"
#include "routeiq/api/budgets.hpp"
#include "routeiq/api/key_service.hpp"
#include "routeiq/api/rate_limits.hpp"
#include "routeiq/api/spend_log.hpp"
#include "routeiq/core/json.hpp"
#include "routeiq/core/log.hpp"
#include "routeiq/keys/key_fields.hpp"

namespace routeiq::api {
namespace asio = boost::asio;
namespace http = net::http;
namespace json = boost::json;

std::string presented_key(const http::request<http::string_body>& req) {
  auto strip_bearer = [](std::string_view v) {
    if (v.size() > 7 && boost::beast::iequals(v.substr(0, 7), "bearer ")) v.remove_prefix(7);
    while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
    return std::string(v);
  };
  if (auto v = req[http::field::authorization]; !v.empty()) return strip_bearer(v);
  if (auto v = req["x-litellm-api-key"]; !v.empty()) return strip_bearer(v);
  if (auto v = req["api-key"]; !v.empty()) return std::string(v);
  if (auto v = req["x-api-key"]; !v.empty()) return std::string(v);  // Anthropic clients
  return {};
}

bool constant_time_equal(std::string_view a, std::string_view b) {
  unsigned char diff = a.size() != b.size();
  for (size_t i = 0; i < a.size(); ++i) diff |= a[i] ^ b[i % (b.empty() ? 1 : b.size())];
  return diff == 0 && !b.empty();
}

namespace {

// LiteLLM answers every refused key with type "auth_error" (401).
Error unauthorized() {
  return make_error(ErrorKind::auth_error,
                    "Authentication Error: invalid or missing API key. Pass it as "
                    "'Authorization: Bearer <key>'");
}

// LiteLLM's answer to a key it does not know; the key is shown masked and
// its hash not at all (the hash is what the store is searched by).
Error unknown_key(std::string_view presented) {
  return make_error(ErrorKind::auth_error,
                    "Authentication Error, Invalid proxy server token passed. Received API Key = " +
                        keys::mask_key(presented) +
                        ". Unable to find token in cache or the key database");
}

// The checks once the key's row is known, from the cache or the store. Not a
// coroutine: a cached key must not cost the request another coroutine frame.
Status admit_virtual_key(RequestContext& ctx, std::string_view presented,
                         const Result<KeyService::KeyPtr>& found) {
  if (!found) {
    // LiteLLM's escape hatch for an outage, never for the routes that manage keys.
    if (found.error().kind == ErrorKind::db_unavailable &&
        ctx.key_service->allow_requests_on_db_unavailable() &&
        ctx.route.group != RouteGroup::management) {
      log::warn()
          << "key database unavailable: request let through (allow_requests_on_db_unavailable)";
      return ok_status();
    }
    return found.error();
  }
  if (!found.value()) return unknown_key(presented);
  const auto& key = *found.value();
  if (auto st = keys::key_usable(key, std::chrono::system_clock::now()); !st) return st;
  bool read_only = ctx.exchange.request().method() == http::verb::get;
  if (auto st = keys::route_allowed(key, ctx.route.group, ctx.route.path, read_only); !st)
    return st;
  ctx.principal.kind = Principal::Kind::virtual_key;
  ctx.principal.key = found.value();
  return ok_status();
}

}  // namespace

asio::awaitable<Status> AuthStage::before(RequestContext& ctx) {
  const auto& master = ctx.snapshot->config->general_settings.master_key;
  if (ctx.route.group == RouteGroup::open || master.empty()) co_return ok_status();
  std::string presented = presented_key(ctx.exchange.request());
  if (presented.empty()) co_return unauthorized();
  if (constant_time_equal(presented, master)) {
    ctx.principal.kind = Principal::Kind::master_key;
    co_return ok_status();
  }
  if (!ctx.key_service) co_return unauthorized();
  std::string token = keys::hash_key(presented);
  if (auto hit = ctx.key_service->cached(token))
    co_return admit_virtual_key(ctx, presented, Result<KeyService::KeyPtr>(std::move(*hit)));
  auto found = co_await ctx.key_service->find(token);
  co_return admit_virtual_key(ctx, presented, found);
}

asio::awaitable<Status> JsonBodyStage::before(RequestContext& ctx) {
  if (ctx.route.body != BodyKind::json) co_return ok_status();
  auto body = parse_json_object(ctx.exchange.request().body(), "request body");
  if (!body) co_return body.error();
  ctx.body = std::move(body.value());
  // LiteLLM's own keys (metadata, user, timeout...) steer LLM calls; a
  // management body is the object itself ("metadata" is a key's field there).
  if (ctx.route.group == RouteGroup::llm_api) ctx.controls = take_controls(ctx.body);
  co_return ok_status();
}

std::string end_user_of(const RequestContext& ctx) {
  const auto& req = ctx.exchange.request();
  for (std::string_view header : {"x-litellm-customer-id", "x-litellm-end-user-id"})
    if (auto v = req[header]; !v.empty()) return std::string(v);
  if (auto user = str_or(ctx.body, "user"); !user.empty()) return std::string(user);
  if (const auto* m = obj_at(ctx.controls, "litellm_metadata"))
    if (auto user = str_or(*m, "user"); !user.empty()) return std::string(user);
  if (const auto* m = obj_at(ctx.controls, "metadata"))  // Anthropic's metadata.user_id
    if (auto user = str_or(*m, "user_id"); !user.empty()) return std::string(user);
  return {};
}

asio::awaitable<Status> EndUserStage::before(RequestContext& ctx) {
  if (ctx.route.group != RouteGroup::llm_api || !ctx.key_service) co_return ok_status();
  ctx.principal.end_user = end_user_of(ctx);
  if (ctx.principal.end_user.empty()) co_return ok_status();
  auto found = co_await ctx.key_service->find_end_user(ctx.principal.end_user);
  // Unknown end users pass (LiteLLM records them as they come); an outage
  // must not turn every request with a `user` into an error.
  if (!found) {
    log::warn() << "end user lookup failed: " << found.error().message;
    co_return ok_status();
  }
  if (found.value() && found.value()->blocked)
    co_return make_error(ErrorKind::auth_error,
                         "Authentication Error - End User=" + ctx.principal.end_user +
                             " is blocked. Update via `/customer/unblock` if you're admin.");
  if (found.value()) {
    ctx.principal.end_user_limits = found.value()->limits;
    ctx.principal.end_user_budget = found.value()->budget;
  }
  co_return ok_status();
}

void RecordLogStage::after(const RequestContext& ctx) noexcept {
  if (!log::enabled(log::Level::debug)) return;
  const auto& r = ctx.record;
  auto ms = std::chrono::duration<double, std::milli>(Clock::now() - r.received).count();
  log::debug() << "request call_id=" << r.call_id << " path=" << ctx.route.path
               << " status=" << r.status << " model_group=" << r.model_group
               << " deployment=" << r.deployment_id << " model=" << r.answered_model
               << " stream=" << (r.stream ? "true" : "false")
               << " complete=" << (r.complete ? "true" : "false")
               << " prompt_tokens=" << r.usage.prompt_tokens
               << " completion_tokens=" << r.usage.completion_tokens << " cost="
               << (r.response_cost ? format_cost(*r.response_cost) : std::string("none"))
               << " attempts=" << r.attempts << " retries=" << r.retries
               << " fallbacks=" << r.fallbacks << " duration_ms=" << ms;
}

std::vector<std::unique_ptr<Stage>> default_stages() {
  std::vector<std::unique_ptr<Stage>> stages;
  stages.push_back(std::make_unique<RecordLogStage>());  // first: it sees refusals too
  stages.push_back(std::make_unique<AuthStage>());
  stages.push_back(std::make_unique<JsonBodyStage>());
  stages.push_back(std::make_unique<EndUserStage>());
  stages.push_back(std::make_unique<SpendLogStage>());  // its row covers the refusals below
  stages.push_back(std::make_unique<BudgetStage>());
  stages.push_back(std::make_unique<RateLimitStage>());
  return stages;
}

}  // namespace routeiq::api
