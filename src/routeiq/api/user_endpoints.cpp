#include "routeiq/api/user_endpoints.hpp"

#include <boost/json.hpp>
#include <memory>

#include "routeiq/api/key_service.hpp"
#include "routeiq/api/management.hpp"
#include "routeiq/api/request.hpp"
#include "routeiq/core/json.hpp"
#include "routeiq/keys/key_fields.hpp"

namespace routeiq::api {
namespace asio = boost::asio;
namespace json = boost::json;
using store::Row;
using store::Store;
using store::Table;
using Work = std::function<Result<json::object>(Store&)>;
using SysClock = std::chrono::system_clock;

namespace {

// The key /user/new makes: the user's id and models, and the body's
// key_alias and duration.
Result<json::object> user_key_fields(const json::object& body, const json::object& user,
                                     const std::string& id) {
  json::object key_body{{"user_id", id}};
  if (const auto* models = user.if_contains("models")) key_body["models"] = *models;
  for (auto name : {"key_alias", "duration"})
    if (const auto* v = body.if_contains(name)) key_body[name] = *v;
  return keys::key_fields(key_body, keys::KeyOp::generate, SysClock::now());
}

Result<json::object> new_user(Store& s, const std::string& id, json::object doc,
                              std::optional<json::object> key_fields, const std::string& key,
                              const Principal& caller) {
  Result<json::object> out = make_error(ErrorKind::internal, "not written");
  auto st = s.transaction([&](Store& tx) -> Status {
    Row row{id, std::move(doc)};
    auto inserted = tx.insert(Table::users, row);
    if (!inserted) return inserted.error();
    if (!inserted.value())
      return make_error(ErrorKind::invalid_request, "User already exists: user_id=" + id,
                        "user_id");
    auto stored = tx.get(Table::users, id);
    if (!stored) return stored.error();
    json::object answer = shown(*stored.value(), "user_id");
    if (key_fields) {
      auto made = create_key(tx, std::move(*key_fields), key, caller);
      if (!made) return made.error();
      answer["key"] = made->at("key");
      answer["token"] = made->at("token");
      answer["expires"] = made->at("expires");
    }
    out = std::move(answer);
    return ok_status();
  });
  if (!st) return st.error();
  return out;
}

Result<json::object> user_info(Store& s, const std::string& id) {
  auto user = s.get(Table::users, id);
  if (!user) return user.error();
  if (!user.value()) return not_found("User not found: user_id=" + id);
  auto keys = keys_where(s, "user_id", id);
  if (!keys) return keys.error();
  json::array shown_keys, teams;
  for (const auto& k : keys.value()) shown_keys.push_back(shown(k));
  if (const auto* ids = arr_at(user.value()->doc, "teams"))
    for (const auto& t : *ids) {
      if (!t.is_string()) continue;
      auto team = s.get(Table::teams, t.get_string());
      if (!team) return team.error();
      if (team.value()) teams.push_back(shown(*team.value(), "team_id"));
    }
  return json::object{{"user_id", id},
                      {"user_info", shown(*user.value(), "user_id")},
                      {"keys", std::move(shown_keys)},
                      {"teams", std::move(teams)}};
}

}  // namespace

asio::awaitable<void> handle_user_new(RequestContext& ctx) {
  if (!co_await require_store(ctx)) co_return;
  auto fields = keys::user_fields(ctx.body, keys::KeyOp::generate);
  if (!fields) {
    co_await send_error(ctx, fields.error());
    co_return;
  }
  std::string id(str_or(fields.value(), "user_id"));
  if (id.empty()) id = make_call_id();
  fields->erase("user_id");
  (*fields)["created_by"] = caller_name(ctx.principal);
  std::optional<json::object> key_fields;
  std::string key;
  if (bool_or(ctx.body, "auto_create_key", true)) {
    auto k = user_key_fields(ctx.body, fields.value(), id);
    if (!k) {
      co_await send_error(ctx, k.error());
      co_return;
    }
    key_fields = std::move(k.value());
    key = keys::new_key();
  }
  auto doc = std::make_shared<json::object>(std::move(fields.value()));
  auto key_doc = std::make_shared<std::optional<json::object>>(std::move(key_fields));
  const Principal* caller = &ctx.principal;
  Work work = [id, doc, key_doc, key, caller](Store& s) {
    return new_user(s, id, std::move(*doc), std::move(*key_doc), key, *caller);
  };
  co_await answer(ctx, std::move(work));
  ctx.key_service->forget_all();  // keys made for this user id before now carry its role
}

asio::awaitable<void> handle_user_update(RequestContext& ctx) {
  if (!co_await require_store(ctx)) co_return;
  std::string id(str_or(ctx.body, "user_id"));
  json::object body = ctx.body;
  body.erase("user_id");
  auto fields = keys::user_fields(body, keys::KeyOp::update);
  if (id.empty() || !fields) {
    auto error = fields ? make_error(ErrorKind::invalid_request, "'user_id' is required", "user_id")
                        : fields.error();
    co_await send_error(ctx, std::move(error));
    co_return;
  }
  auto changes = std::make_shared<json::object>(std::move(fields.value()));
  const Principal* caller = &ctx.principal;
  Work work = [id, changes, caller](Store& s) -> Result<json::object> {
    Result<json::object> out = make_error(ErrorKind::internal, "not written");
    auto st = s.transaction([&](Store& tx) -> Status {
      auto found = tx.get(Table::users, id);
      if (!found) return found.error();
      if (!found.value()) return not_found("User not found: user_id=" + id);
      Row row = std::move(*found.value());
      for (const auto& [k, v] : *changes) row.doc[k] = v;
      row.doc["updated_by"] = caller_name(*caller);
      if (auto up = tx.update(Table::users, row); !up) return up.error();
      auto stored = tx.get(Table::users, id);
      if (!stored) return stored.error();
      out = shown(*stored.value(), "user_id");
      return ok_status();
    });
    if (!st) return st.error();
    return out;
  };
  co_await answer(ctx, std::move(work));
  ctx.key_service->forget_all();  // cached keys carry their user's role
}

asio::awaitable<void> handle_user_delete(RequestContext& ctx) {
  co_await answer_delete_owners(ctx, Table::users, "user_id", "user_ids");
}

asio::awaitable<void> handle_user_info(RequestContext& ctx) {
  if (!co_await require_store(ctx)) co_return;
  std::string own = ctx.principal.key ? ctx.principal.key->user_id : std::string();
  auto id = readable_id(ctx, "user_id", own);
  if (!id) {
    co_await send_error(ctx, id.error());
    co_return;
  }
  std::string user_id = id.value();
  Work work = [user_id](Store& s) { return user_info(s, user_id); };
  co_await answer(ctx, std::move(work));
}

asio::awaitable<void> handle_user_list(RequestContext& ctx) {
  if (!co_await require_store(ctx)) co_return;
  auto target = ctx.exchange.request().target();
  auto paged = paged_query(target, "page_size", 25);
  if (!paged) {
    co_await send_error(ctx, paged.error());
    co_return;
  }
  store::Query q = std::move(paged.value());
  if (auto org = query_param(target, "organization_id"); org && !org->empty())
    q.equals.emplace_back("organization_id", *org);
  Work work = [q](Store& s) -> Result<json::object> {
    auto rows = s.list(Table::users, q);
    if (!rows) return rows.error();
    auto total = s.count(Table::users, q);
    if (!total) return total.error();
    json::array users;
    for (const auto& r : rows.value()) users.push_back(shown(r, "user_id"));
    auto per_page = static_cast<int64_t>(q.limit);
    return json::object{{"users", std::move(users)},
                        {"total", total.value()},
                        {"page", static_cast<int64_t>(q.offset) / per_page + 1},
                        {"page_size", per_page},
                        {"total_pages", (total.value() + per_page - 1) / per_page}};
  };
  co_await answer(ctx, std::move(work));
}

}  // namespace routeiq::api
