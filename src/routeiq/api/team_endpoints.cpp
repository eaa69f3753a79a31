#include "routeiq/api/team_endpoints.hpp"

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
using Change = std::function<Status(json::object& team)>;

namespace {

Result<std::string> named_team(const json::object& body) {
  auto id = str_or(body, "team_id");
  if (id.empty()) return make_error(ErrorKind::invalid_request, "'team_id' is required", "team_id");
  return std::string(id);
}

// Reads a team, lets `change` edit its document, writes it back: one transaction.
Result<json::object> change_team(Store& s, const std::string& id, const Change& change,
                                 const Principal& caller) {
  Result<json::object> out = make_error(ErrorKind::internal, "not written");
  auto st = s.transaction([&](Store& tx) -> Status {
    auto found = tx.get(Table::teams, id);
    if (!found) return found.error();
    if (!found.value()) return not_found("Team not found: team_id=" + id);
    Row row = std::move(*found.value());
    // Past the route check, a caller that is not an admin is a team admin or nothing.
    if (!caller.is_admin() && !team_admin(row.doc, caller.user_id()))
      return make_error(
          ErrorKind::auth_forbidden,
          "Only an admin of team_id=" + id + " (or a proxy admin) may change its members");
    if (auto edited = change(row.doc); !edited) return edited;
    row.doc["updated_by"] = caller_name(caller);
    if (auto up = tx.update(Table::teams, row); !up) return up.error();
    auto stored = tx.get(Table::teams, id);
    if (!stored) return stored.error();
    out = shown(*stored.value(), "team_id");
    return ok_status();
  });
  if (!st) return st.error();
  return out;
}

// Runs a change of one team named in the body, then drops cached keys (they
// carry their team's models and block).
asio::awaitable<void> answer_change(RequestContext& ctx, Change change) {
  if (!co_await require_store(ctx)) co_return;
  auto id = named_team(ctx.body);
  if (!id) {
    co_await send_error(ctx, id.error());
    co_return;
  }
  std::string team_id = id.value();
  const Principal* caller = &ctx.principal;
  Work work = [team_id, change = std::move(change), caller](Store& s) {
    return change_team(s, team_id, change, *caller);
  };
  co_await answer(ctx, std::move(work));
  ctx.key_service->forget_all();
}

// Members are kept in the team's members_with_roles, one entry per user.
json::array& members_of(json::object& team) {
  auto& v = team["members_with_roles"];
  if (!v.is_array()) v = json::array();
  return v.as_array();
}

std::string member_id(const json::value& m) {
  const auto* o = m.if_object();
  if (!o) return {};
  auto id = str_or(*o, "user_id");
  return std::string(id.empty() ? str_or(*o, "user_email") : id);
}

Status put_member(json::object& team, const json::value& member) {
  auto& list = members_of(team);
  std::string id = member_id(member);
  for (auto& m : list)
    if (member_id(m) == id) {
      m = member;
      return ok_status();
    }
  list.push_back(member);
  return ok_status();
}

Result<json::object> team_with_keys(Store& s, const std::string& id) {
  auto team = s.get(Table::teams, id);
  if (!team) return team.error();
  if (!team.value()) return not_found("Team not found: team_id=" + id);
  auto keys = keys_where(s, "team_id", id);
  if (!keys) return keys.error();
  json::array shown_keys;
  for (const auto& k : keys.value()) shown_keys.push_back(shown(k));
  return json::object{{"team_id", id},
                      {"team_info", shown(*team.value(), "team_id")},
                      {"keys", std::move(shown_keys)}};
}

}  // namespace

asio::awaitable<void> handle_team_new(RequestContext& ctx) {
  if (!co_await require_store(ctx)) co_return;
  auto fields = keys::team_fields(ctx.body, keys::KeyOp::generate);
  if (!fields) {
    co_await send_error(ctx, fields.error());
    co_return;
  }
  std::string id(str_or(fields.value(), "team_id"));
  if (id.empty()) id = make_call_id();
  fields->erase("team_id");
  (*fields)["created_by"] = caller_name(ctx.principal);
  auto doc = std::make_shared<json::object>(std::move(fields.value()));
  Work work = [doc, id](Store& s) -> Result<json::object> {
    Row row{id, std::move(*doc)};
    auto inserted = s.insert(Table::teams, row);
    if (!inserted) return inserted.error();
    if (!inserted.value())
      return make_error(ErrorKind::invalid_request, "Team already exists: team_id=" + id,
                        "team_id");
    auto stored = s.get(Table::teams, id);
    if (!stored) return stored.error();
    return shown(*stored.value(), "team_id");
  };
  co_await answer(ctx, std::move(work));
}

asio::awaitable<void> handle_team_update(RequestContext& ctx) {
  json::object body = ctx.body;
  body.erase("team_id");
  auto fields = keys::team_fields(body, keys::KeyOp::update);
  if (!fields) {
    co_await send_error(ctx, fields.error());
    co_return;
  }
  auto changes = std::make_shared<json::object>(std::move(fields.value()));
  Change change = [changes](json::object& team) {
    for (const auto& [k, v] : *changes) team[k] = v;
    return ok_status();
  };
  co_await answer_change(ctx, std::move(change));
}

asio::awaitable<void> handle_team_block(RequestContext& ctx) {
  Change change = [](json::object& team) {
    team["blocked"] = true;
    return ok_status();
  };
  co_await answer_change(ctx, std::move(change));
}

asio::awaitable<void> handle_team_unblock(RequestContext& ctx) {
  Change change = [](json::object& team) {
    team["blocked"] = false;
    return ok_status();
  };
  co_await answer_change(ctx, std::move(change));
}

asio::awaitable<void> handle_team_member_add(RequestContext& ctx) {
  auto member = ctx.body.if_contains("member");
  json::array added = member && member->is_array() ? member->as_array() : json::array();
  if (member && member->is_object()) added.push_back(*member);
  json::object check{{"members_with_roles", added}};
  auto valid = keys::team_fields(check, keys::KeyOp::update);
  if (!member || added.empty() || !valid) {
    auto error = valid
                     ? make_error(ErrorKind::invalid_request,
                                  "'member': a {role, user_id} object or a list of them", "member")
                     : valid.error();
    co_await send_error(ctx, std::move(error));
    co_return;
  }
  Change change = [added](json::object& team) {
    for (const auto& m : added)
      if (auto st = put_member(team, m); !st) return st;
    return ok_status();
  };
  co_await answer_change(ctx, std::move(change));
}

asio::awaitable<void> handle_team_member_delete(RequestContext& ctx) {
  std::string user(str_or(ctx.body, "user_id"));
  if (user.empty()) user = std::string(str_or(ctx.body, "user_email"));
  if (user.empty()) {
    co_await send_error(ctx, make_error(ErrorKind::invalid_request,
                                        "'user_id' or 'user_email' is required", "user_id"));
    co_return;
  }
  Change change = [user](json::object& team) -> Status {
    auto& list = members_of(team);
    for (auto it = list.begin(); it != list.end(); ++it)
      if (member_id(*it) == user) {
        list.erase(it);
        return ok_status();
      }
    return not_found("No member " + user + " in this team");
  };
  co_await answer_change(ctx, std::move(change));
}

asio::awaitable<void> handle_team_member_update(RequestContext& ctx) {
  std::string user(str_or(ctx.body, "user_id"));
  std::string role(str_or(ctx.body, "role", "user"));
  if (user.empty() || (role != "admin" && role != "user")) {
    co_await send_error(
        ctx, make_error(ErrorKind::invalid_request,
                        "'user_id' and a 'role' of admin or user are required", "user_id"));
    co_return;
  }
  Change change = [user, role](json::object& team) -> Status {
    for (auto& m : members_of(team))
      if (member_id(m) == user && m.is_object()) {
        m.as_object()["role"] = role;
        return ok_status();
      }
    return not_found("No member " + user + " in this team");
  };
  co_await answer_change(ctx, std::move(change));
}

asio::awaitable<void> handle_team_delete(RequestContext& ctx) {
  if (!co_await require_store(ctx)) co_return;
  auto ids = id_list(ctx.body, "team_ids");
  if (!ids) {
    co_await send_error(ctx, ids.error());
    co_return;
  }
  std::vector<std::string> team_ids = std::move(ids.value());
  Work work = [team_ids](Store& s) { return delete_owners(s, Table::teams, "team_id", team_ids); };
  co_await answer(ctx, std::move(work));
  ctx.key_service->forget_all();
}

asio::awaitable<void> handle_team_info(RequestContext& ctx) {
  if (!co_await require_store(ctx)) co_return;
  std::string own = ctx.principal.key ? ctx.principal.key->team_id : std::string();
  auto id = readable_id(ctx, "team_id", own);
  if (!id) {
    co_await send_error(ctx, id.error());
    co_return;
  }
  std::string team_id = id.value();
  Work work = [team_id](Store& s) { return team_with_keys(s, team_id); };
  co_await answer(ctx, std::move(work));
}

asio::awaitable<void> handle_team_list(RequestContext& ctx) {
  if (!co_await require_store(ctx)) co_return;
  store::Query q;
  q.limit = store::kMaxListLimit;
  if (auto org = query_param(ctx.exchange.request().target(), "organization_id");
      org && !org->empty())
    q.equals.emplace_back("organization_id", *org);
  // LiteLLM answers /team/list with a bare array of teams.
  std::function<Result<json::array>(Store&)> work = [q](Store& s) -> Result<json::array> {
    auto rows = s.list(Table::teams, q);
    if (!rows) return rows.error();
    json::array teams;
    for (const auto& r : rows.value()) teams.push_back(shown(r, "team_id"));
    return teams;
  };
  co_await answer_list(ctx, std::move(work));
}

}  // namespace routeiq::api
