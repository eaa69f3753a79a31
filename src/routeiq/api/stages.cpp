#include "routeiq/api/stages.hpp"

#include <boost/json.hpp>

#include "routeiq/core/json.hpp"
#include "routeiq/core/log.hpp"

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

Error unauthorized() {
  return make_error(ErrorKind::unauthorized,
                    "Authentication Error: invalid or missing API key. Pass it as "
                    "'Authorization: Bearer <key>'");
}

}  // namespace

asio::awaitable<Status> AuthStage::before(RequestContext& ctx) {
  const auto& master = ctx.snapshot->config->general_settings.master_key;
  if (ctx.route.auth == Auth::open || master.empty()) co_return ok_status();
  if (!constant_time_equal(presented_key(ctx.exchange.request()), master)) co_return unauthorized();
  ctx.principal.kind = Principal::Kind::master_key;
  co_return ok_status();
}

asio::awaitable<Status> JsonBodyStage::before(RequestContext& ctx) {
  if (ctx.route.body != BodyKind::json) co_return ok_status();
  auto body = parse_json_object(ctx.exchange.request().body(), "request body");
  if (!body) co_return body.error();
  ctx.body = std::move(body.value());
  ctx.controls = take_controls(ctx.body);
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
               << " completion_tokens=" << r.usage.completion_tokens << " attempts=" << r.attempts
               << " retries=" << r.retries << " fallbacks=" << r.fallbacks << " duration_ms=" << ms;
}

std::vector<std::unique_ptr<Stage>> default_stages() {
  std::vector<std::unique_ptr<Stage>> stages;
  stages.push_back(std::make_unique<RecordLogStage>());  // first: it sees refusals too
  stages.push_back(std::make_unique<AuthStage>());
  stages.push_back(std::make_unique<JsonBodyStage>());
  return stages;
}

}  // namespace routeiq::api
