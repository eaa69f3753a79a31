#include "routeiq/api/management.hpp"

#include <boost/json.hpp>

#include "routeiq/api/key_service.hpp"
#include "routeiq/core/time.hpp"

namespace routeiq::api {
namespace asio = boost::asio;
namespace json = boost::json;
using store::Row;
using store::Store;
using store::Table;

namespace {

constexpr std::string_view kJson = "application/json";

std::string iso_ms(int64_t ms) {
  return iso8601(SysTime(std::chrono::milliseconds(ms)), true);
}

}  // namespace

json::object shown(const Row& row, std::string_view id_field) {
  json::object out = row.doc;
  out[id_field] = row.id;
  out["created_at"] = iso_ms(row.created_ms);
  out["updated_at"] = iso_ms(row.updated_ms);
  return out;
}

Error not_found(std::string_view what) {
  return make_error(ErrorKind::not_found, std::string(what));
}

std::string caller_name(const Principal& p) {
  if (p.kind == Principal::Kind::virtual_key && p.key) return p.key->token;
  return "proxy_admin";
}

Status delete_keys(Store& s, const std::vector<std::string>& tokens) {
  for (const auto& token : tokens) {
    auto found = s.get(Table::keys, token);
    if (!found) return found.error();
    if (!found.value()) return not_found("Key not found: nothing was deleted");
    Row gone = std::move(*found.value());
    gone.doc["deleted_at"] = iso8601(std::chrono::system_clock::now(), true);
    s.remove(Table::deleted_keys, token);  // a key deleted before, then made again
    if (auto st = s.insert(Table::deleted_keys, gone); !st) return st.error();
    if (auto st = s.remove(Table::keys, token); !st) return st.error();
  }
  return ok_status();
}

asio::awaitable<bool> require_store(RequestContext& ctx) {
  if (ctx.key_service) co_return true;
  auto error = make_error(ErrorKind::invalid_request,
                          "Virtual keys and teams need a master_key in general_settings");
  co_await send_error(ctx, std::move(error));
  co_return false;
}

asio::awaitable<void> answer(RequestContext& ctx,
                             std::function<Result<json::object>(Store&)> work) {
  auto result = co_await ctx.key_service->with_store<json::object>(std::move(work));
  if (!result) {
    co_await send_error(ctx, result.error());
    co_return;
  }
  std::string text = json::serialize(result.value());
  co_await ctx.exchange.respond(200, kJson, text);
}

asio::awaitable<void> answer_list(RequestContext& ctx,
                                  std::function<Result<json::array>(Store&)> work) {
  auto result = co_await ctx.key_service->with_store<json::array>(std::move(work));
  if (!result) {
    co_await send_error(ctx, result.error());
    co_return;
  }
  std::string text = json::serialize(result.value());
  co_await ctx.exchange.respond(200, kJson, text);
}

}  // namespace routeiq::api
