#include "routeiq/api/management.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <charconv>

#include "routeiq/api/key_service.hpp"
#include "routeiq/api/request.hpp"
#include "routeiq/core/json.hpp"
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

bool team_admin(const json::object& team_doc, std::string_view user_id) {
  if (user_id.empty()) return false;
  if (const auto* members = arr_at(team_doc, "members_with_roles"))
    for (const auto& m : *members)
      if (const auto* o = m.if_object(); o && str_or(*o, "user_id") == user_id)
        return str_or(*o, "role") == "admin";
  return false;
}

namespace {

bool team_member(const json::object& team_doc, std::string_view user_id) {
  if (const auto* members = arr_at(team_doc, "members_with_roles"))
    for (const auto& m : *members)
      if (const auto* o = m.if_object(); o && str_or(*o, "user_id") == user_id) return true;
  return false;
}

bool team_permits(const json::object& team_doc, std::string_view route) {
  if (const auto* allowed = arr_at(team_doc, "team_member_permissions"))
    for (const auto& r : *allowed)
      if (r.is_string() && r.get_string() == route) return true;
  return false;
}

Error not_yours(std::string_view why) {
  return make_error(ErrorKind::auth_forbidden, std::string(why));
}

}  // namespace

Status may_manage_key(Store& s, const Principal& caller, const json::object& key_doc,
                      std::string_view route) {
  if (caller.is_admin()) return ok_status();
  auto me = caller.user_id();
  auto team_id = str_or(key_doc, "team_id");
  auto owner = str_or(key_doc, "user_id");
  if (!team_id.empty()) {
    auto team = s.get(Table::teams, team_id);
    if (!team) return team.error();
    const json::object empty;
    const json::object& doc = team.value() ? team.value()->doc : empty;
    if (team_admin(doc, me)) return ok_status();
    if (owner == me && team_member(doc, me) && team_permits(doc, route)) return ok_status();
    return not_yours("user_id=" + std::string(me) +
                     " is not an admin of team_id=" + std::string(team_id) +
                     ": only the team's admins may call " + std::string(route) + " for its keys");
  }
  if (me.empty() || owner != me)
    return not_yours("A key may only manage keys of its own user: call " + std::string(route) +
                     " with the key's user_id, or ask an admin");
  return ok_status();
}

Result<std::vector<Row>> keys_where(Store& s, std::string_view column, const std::string& id) {
  return rows_where(s, Table::keys, column, id);
}

Result<std::vector<Row>> rows_where(Store& s, Table table, std::string_view column,
                                    const std::string& id) {
  store::Query q;
  q.equals.emplace_back(std::string(column), id);
  q.limit = store::kMaxListLimit;
  return s.list(table, q);
}

namespace {

// A user's `teams` list without `team_id` (the user row may be gone already).
Status drop_user_team(Store& s, const std::string& user_id, const std::string& team_id) {
  auto user = s.get(Table::users, user_id);
  if (!user) return user.error();
  if (!user.value()) return ok_status();
  Row row = std::move(*user.value());
  auto* teams = row.doc.if_contains("teams");
  if (!teams || !teams->is_array()) return ok_status();
  auto& list = teams->as_array();
  auto gone = std::remove_if(list.begin(), list.end(), [&](const json::value& t) {
    return t.is_string() && t.get_string() == team_id;
  });
  if (gone == list.end()) return ok_status();
  list.erase(gone, list.end());
  if (auto up = s.update(Table::users, row); !up) return up.error();
  return ok_status();
}

}  // namespace

Status drop_memberships(Store& s, std::string_view column, const std::string& id) {
  auto rows = rows_where(s, Table::memberships, column, id);
  if (!rows) return rows.error();
  for (const auto& m : rows.value()) {
    if (column == "team_id")
      if (auto st = drop_user_team(s, std::string(str_or(m.doc, "user_id")), id); !st) return st;
    if (auto gone = s.remove(Table::memberships, m.id); !gone) return gone.error();
  }
  return ok_status();
}

Result<int64_t> delete_owner(Store& s, Table table, std::string_view column,
                             const std::string& id) {
  auto owner = s.get(table, id);
  if (!owner) return owner.error();
  if (!owner.value())
    return not_found("Not found: " + std::string(column) + "=" + id + "; nothing was deleted");
  auto keys = keys_where(s, column, id);
  if (!keys) return keys.error();
  std::vector<std::string> tokens;
  for (const auto& k : keys.value()) tokens.push_back(k.id);
  if (auto del = delete_keys(s, tokens); !del) return del.error();
  if (table == Table::teams || table == Table::users)
    if (auto st = drop_memberships(s, column, id); !st) return st.error();
  if (auto gone = s.remove(table, id); !gone) return gone.error();
  return static_cast<int64_t>(tokens.size());
}

Result<json::object> delete_owners(Store& s, Table table, std::string_view column,
                                   const std::vector<std::string>& ids) {
  int64_t keys_deleted = 0;
  auto st = s.transaction([&](Store& tx) -> Status {
    for (const auto& id : ids) {
      auto deleted = delete_owner(tx, table, column, id);
      if (!deleted) return deleted.error();
      keys_deleted += deleted.value();
    }
    return ok_status();
  });
  if (!st) return st.error();
  std::string owners = table == Table::teams ? "deleted_teams" : "deleted_users";
  return json::object{{owners, json::array(ids.begin(), ids.end())},
                      {"deleted_keys", keys_deleted}};
}

Status known_fields(const json::object& body, std::initializer_list<std::string_view> names,
                    std::string_view route) {
  for (const auto& [name, value] : body)
    if (std::find(names.begin(), names.end(), std::string_view(name)) == names.end())
      return make_error(ErrorKind::invalid_request,
                        "Unknown field '" + std::string(name) + "' for " + std::string(route),
                        std::string(name));
  return ok_status();
}

Result<std::vector<std::string>> id_list(const json::object& body, std::string_view name) {
  const auto* given = arr_at(body, name);
  std::vector<std::string> ids;
  if (given)
    for (const auto& v : *given)
      if (v.is_string()) ids.emplace_back(v.get_string());
  if (ids.empty() || ids.size() != given->size())
    return make_error(ErrorKind::invalid_request, "'" + std::string(name) + "': a list of ids",
                      std::string(name));
  return ids;
}

Result<std::string> readable_id(const RequestContext& ctx, std::string_view param,
                                const std::string& own) {
  auto given = query_param(ctx.exchange.request().target(), param);
  std::string id = given && !given->empty() ? *given : own;
  if (id.empty())
    return make_error(ErrorKind::invalid_request, "'" + std::string(param) + "' is required",
                      std::string(param));
  if (!ctx.principal.reads_all() && id != own)
    return make_error(ErrorKind::auth_forbidden,
                      "A virtual key may only read the info of its own " +
                          std::string(param.substr(0, param.find('_'))));  // "team", "user"
  return id;
}

Result<store::Query> paged_query(std::string_view target, std::string_view size_param,
                                 size_t default_size) {
  auto number = [&](std::string_view name, size_t dflt, size_t max) -> Result<size_t> {
    auto v = query_param(target, name);
    if (!v) return dflt;
    size_t n = 0;
    auto [end, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
    if (ec != std::errc() || end != v->data() + v->size() || n < 1 || n > max)
      return make_error(ErrorKind::invalid_request,
                        std::string(name) + ": a whole number from 1 to " + std::to_string(max),
                        std::string(name));
    return n;
  };
  auto page = number("page", 1, 1'000'000);
  if (!page) return page.error();
  auto size = number(size_param, default_size, 100);
  if (!size) return size.error();
  store::Query q;
  q.limit = size.value();
  q.offset = (page.value() - 1) * size.value();
  return q;
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

asio::awaitable<void> answer_delete_owners(RequestContext& ctx, Table table,
                                           std::string_view column, std::string_view list_name) {
  if (!co_await require_store(ctx)) co_return;
  auto ids = id_list(ctx.body, list_name);
  if (!ids) {
    co_await send_error(ctx, ids.error());
    co_return;
  }
  std::function<Result<json::object>(Store&)> work = [table, column,
                                                      owners = std::move(ids.value())](Store& s) {
    return delete_owners(s, table, column, owners);
  };
  co_await answer(ctx, std::move(work));
  ctx.key_service->forget_all();
}

}  // namespace routeiq::api
