#include "routeiq/api/pipeline.hpp"

#include <boost/json.hpp>

#include "routeiq/config/litellm_keys.hpp"

namespace routeiq::api {
namespace asio = boost::asio;
namespace json = boost::json;

asio::awaitable<Status> Stage::before(RequestContext&) {
  co_return ok_status();
}

void Stage::after(const RequestContext&) noexcept {}

namespace {

void finish(const std::vector<std::unique_ptr<Stage>>& stages, size_t ran, RequestContext& ctx) {
  ctx.record.status = ctx.exchange.status();
  for (size_t i = ran; i-- > 0;) stages[i]->after(ctx);
}

}  // namespace

asio::awaitable<void> Pipeline::run(RequestContext& ctx) const {
  size_t ran = 0;
  try {
    for (; ran < stages_.size(); ++ran) {
      auto st = co_await stages_[ran]->before(ctx);
      if (!st) {
        ++ran;  // the refusing stage sees its own refusal
        co_await send_error(ctx, st.take_error());
        finish(stages_, ran, ctx);
        co_return;
      }
    }
    co_await ctx.route.handler(ctx);
  } catch (...) {
    // The connection's error boundary answers; the record still closes.
    if (ctx.record.error.empty()) ctx.record.error = "internal error";
    finish(stages_, ran, ctx);
    throw;
  }
  finish(stages_, ran, ctx);
}

bool Principal::is_admin() const {
  if (kind != Kind::virtual_key) return true;  // the master key, or no authentication at all
  if (!key) return false;
  if (key->role == keys::Role::proxy_admin) return true;
  return key->user_id.empty() && keys::routes_name(*key, keys::RouteGroup::management, "");
}

bool Principal::is_proxy_admin() const {
  if (kind != Kind::virtual_key) return true;
  return key && key->role == keys::Role::proxy_admin;
}

bool Principal::reads_all() const {
  return is_admin() || (key && key->role == keys::Role::proxy_admin_viewer);
}

std::string_view Principal::user_id() const {
  return key ? std::string_view(key->user_id) : std::string_view();
}

// Rebuilt rather than erased in place: object::erase moves the last member
// into the hole, and the provider should see the client's key order.
json::object take_controls(json::object& body) {
  json::object controls;
  bool any = false;
  for (const auto& m : body) any = any || config::is_litellm_request_key(m.key());
  if (!any) return controls;
  json::object rest(body.storage());
  rest.reserve(body.size());
  for (auto& m : body) {
    auto& target = config::is_litellm_request_key(m.key()) ? controls : rest;
    target.emplace(m.key(), std::move(m.value()));
  }
  body = std::move(rest);
  return controls;
}

asio::awaitable<void> send_error(net::Exchange& ex, Dialect dialect, Error error,
                                 HeaderList headers) {
  if (!error.retry_after.empty()) headers.add("retry-after", error.retry_after);
  co_await ex.respond(error.status(), "application/json", providers::error_body(dialect, error),
                      headers);
}

asio::awaitable<void> send_error(RequestContext& ctx, Error error, HeaderList headers) {
  ctx.record.error = error.message;
  if (!ctx.record.call_id.empty()) headers.add("x-litellm-call-id", ctx.record.call_id);
  headers.append(ctx.answer_headers);
  co_await send_error(ctx.exchange, ctx.dialect(), std::move(error), std::move(headers));
}

}  // namespace routeiq::api
