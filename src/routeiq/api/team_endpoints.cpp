#include "routeiq/api/team_endpoints.hpp"

#include <boost/json.hpp>
#include <memory>

#include "routeiq/api/budget_endpoints.hpp"
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
// What else a team change writes in its transaction (membership rows).
using Sync = std::function<Status(Store& s, const std::string& team_id)>;

namespace {

Result<std::string> named_team(const json::object& body) {
  auto id = str_or(body, "team_id");
  if (id.empty()) return make_error(ErrorKind::invalid_request, "'team_id' is required", "team_id");
  return std::string(id);
}

// Reads a team, lets `change` edit its document, writes it back, then runs
// `sync`: one transaction.
Result<json::object> change_team(Store& s, const std::string& id, const Change& change,
                                 const Sync& sync, const Principal& caller) {
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
    if (sync)
      if (auto synced = sync(tx, id); !synced) return synced;
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
asio::awaitable<void> answer_change(RequestContext& ctx, Change change, Sync sync = {}) {
  if (!co_await require_store(ctx)) co_return;
  auto id = named_team(ctx.body);
  if (!id) {
    co_await send_error(ctx, id.error());
    co_return;
  }
  std::string team_id = id.value();
  const Principal* caller = &ctx.principal;
  Work work = [team_id, change = std::move(change), sync = std::move(sync), caller](Store& s) {
    return change_team(s, team_id, change, sync, *caller);
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

std::string membership_id(const std::string& team_id, const std::string& user_id) {
  return team_id + "\n" + user_id;
}

// LiteLLM_TeamMembership and the user's `teams` list follow a member added to
// a team, when the member is a known user (by user_id).
Status add_membership(Store& s, const std::string& team_id, const std::string& user_id) {
  auto user = s.get(Table::users, user_id);
  if (!user) return user.error();
  if (!user.value()) return ok_status();
  Row membership{
      membership_id(team_id, user_id),
      json::object{
          {"team_id", team_id}, {"user_id", user_id}, {"spend", 0.0}, {"budget_id", nullptr}}};
  if (auto in = s.insert(Table::memberships, membership); !in) return in.error();
  Row row = std::move(*user.value());
  auto& teams = row.doc["teams"];
  if (!teams.is_array()) teams = json::array();
  for (const auto& t : teams.as_array())
    if (t.is_string() && t.get_string() == team_id) return ok_status();
  teams.as_array().emplace_back(team_id);
  if (auto up = s.update(Table::users, row); !up) return up.error();
  return ok_status();
}

Status add_memberships(Store& s, const std::string& team_id, const json::array& members) {
  for (const auto& m : members) {
    const auto* o = m.if_object();
    std::string user_id(o ? str_or(*o, "user_id") : std::string_view());
    if (user_id.empty()) continue;
    if (auto st = add_membership(s, team_id, user_id); !st) return st;
  }
  return ok_status();
}

// The member's membership row goes, and the team leaves its `teams` list.
Status drop_membership(Store& s, const std::string& team_id, const std::string& user_id) {
  if (auto gone = s.remove(Table::memberships, membership_id(team_id, user_id)); !gone)
    return gone.error();
  auto user = s.get(Table::users, user_id);
  if (!user) return user.error();
  if (!user.value()) return ok_status();
  Row row = std::move(*user.value());
  auto* teams = row.doc.if_contains("teams");
  if (!teams || !teams->is_array()) return ok_status();
  auto& list = teams->as_array();
  for (auto it = list.begin(); it != list.end(); ++it)
    if (it->is_string() && it->get_string() == team_id) {
      list.erase(it);
      auto up = s.update(Table::users, row);
      return up ? ok_status() : Status(up.error());
    }
  return ok_status();
}

// A team's organization_id must name an organisation, as LiteLLM checks.
Status require_organization(Store& s, const json::object& team) {
  std::string org(str_or(team, "organization_id"));
  if (org.empty()) return ok_status();
  auto found = s.get(Table::organizations, org);
  if (!found) return found.error();
  if (found.value()) return ok_status();
  return make_error(ErrorKind::invalid_request, "Organization not found for organization_id=" + org,
                    "organization_id");
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

// LiteLLM's team_member_budget: the members' default budget, a budget row the
// team names in metadata.team_member_budget_id (made, or changed in place).
Status set_team_member_budget(Store& s, json::object& team, const json::value& max_budget,
                              const Principal& caller) {
  auto& meta = team["metadata"];
  if (!meta.is_object()) meta = json::object();
  std::string id(str_or(meta.as_object(), "team_member_budget_id"));
  auto written = write_owner_budget(s, id, json::object{{"max_budget", max_budget}}, caller);
  if (!written) return written.error();
  meta.as_object()["team_member_budget_id"] = written.value();
  return ok_status();
}

// LiteLLM's max_budget_in_team: the member's own budget row, which wins over
// the team's default. Members that are not known users have no membership.
Status set_membership_budget(Store& s, const std::string& team_id, const std::string& user_id,
                             const json::value& max_budget, const Principal& caller) {
  auto found = s.get(Table::memberships, membership_id(team_id, user_id));
  if (!found) return found.error();
  if (!found.value()) return ok_status();
  Row row = std::move(*found.value());
  std::string id(str_or(row.doc, "budget_id"));
  auto written = write_owner_budget(s, id, json::object{{"max_budget", max_budget}}, caller);
  if (!written) return written.error();
  row.doc["budget_id"] = written.value();
  auto up = s.update(Table::memberships, row);
  return up ? ok_status() : Status(up.error());
}

// max_budget_in_team when the body has one: a number >= 0 (null: unchanged).
Result<std::optional<json::value>> member_budget_in(const json::object& body) {
  const auto* v = body.if_contains("max_budget_in_team");
  if (!v || v->is_null()) return std::optional<json::value>();
  if (!v->is_number() || v->to_number<double>() < 0)
    return make_error(ErrorKind::invalid_request, "'max_budget_in_team' must be a number >= 0",
                      "max_budget_in_team");
  return std::optional<json::value>(*v);
}

Error member_update_refused() {
  return make_error(
      ErrorKind::invalid_request,
      "'user_id' and a 'role' of admin or user, or 'max_budget_in_team', are required", "user_id");
}

Result<json::object> team_with_keys(Store& s, const std::string& id) {
  auto team = s.get(Table::teams, id);
  if (!team) return team.error();
  if (!team.value()) return not_found("Team not found: team_id=" + id);
  auto keys = keys_where(s, "team_id", id);
  if (!keys) return keys.error();
  json::array shown_keys;
  for (const auto& k : keys.value()) shown_keys.push_back(shown(k));
  // LiteLLM's team_memberships: one LiteLLM_TeamMembership row per known user.
  auto memberships = rows_where(s, Table::memberships, "team_id", id);
  if (!memberships) return memberships.error();
  json::array shown_memberships;
  for (const auto& m : memberships.value()) shown_memberships.push_back(m.doc);
  return json::object{{"team_id", id},
                      {"team_info", shown(*team.value(), "team_id")},
                      {"keys", std::move(shown_keys)},
                      {"team_memberships", std::move(shown_memberships)}};
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
  const Principal* caller = &ctx.principal;
  Work work = [doc, id, caller](Store& s) -> Result<json::object> {
    Result<json::object> out = make_error(ErrorKind::internal, "not written");
    auto st = s.transaction([&](Store& tx) -> Status {
      if (auto org = require_organization(tx, *doc); !org) return org;
      if (auto member_budget = doc->if_contains("team_member_budget")) {
        json::value max = *member_budget;
        doc->erase("team_member_budget");
        if (!max.is_null())
          if (auto st = set_team_member_budget(tx, *doc, max, *caller); !st) return st;
      }
      const json::array members = doc->at("members_with_roles").as_array();
      auto inserted = tx.insert(Table::teams, Row{id, std::move(*doc)});
      if (!inserted) return inserted.error();
      if (!inserted.value())
        return make_error(ErrorKind::invalid_request, "Team already exists: team_id=" + id,
                          "team_id");
      if (auto synced = add_memberships(tx, id, members); !synced) return synced;
      auto stored = tx.get(Table::teams, id);
      if (!stored) return stored.error();
      out = shown(*stored.value(), "team_id");
      return ok_status();
    });
    if (!st) return st.error();
    return out;
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
  json::value member_budget;
  if (auto given = changes->if_contains("team_member_budget")) {
    member_budget = *given;
    changes->erase("team_member_budget");
  }
  Change change = [changes](json::object& team) {
    for (const auto& [k, v] : *changes) team[k] = v;
    return ok_status();
  };
  Sync sync;
  if (!member_budget.is_null()) {
    const Principal* caller = &ctx.principal;
    sync = [member_budget, caller](Store& s, const std::string& team_id) -> Status {
      auto team = s.get(Table::teams, team_id);
      if (!team) return team.error();
      Row row = std::move(*team.value());
      if (auto st = set_team_member_budget(s, row.doc, member_budget, *caller); !st) return st;
      auto up = s.update(Table::teams, row);
      return up ? ok_status() : Status(up.error());
    };
  }
  co_await answer_change(ctx, std::move(change), std::move(sync));
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
  auto budget = member_budget_in(ctx.body);
  if (!budget) {
    co_await send_error(ctx, budget.error());
    co_return;
  }
  Change change = [added](json::object& team) {
    for (const auto& m : added)
      if (auto st = put_member(team, m); !st) return st;
    return ok_status();
  };
  const Principal* caller = &ctx.principal;
  Sync sync = [added, max = budget.value(), caller](Store& s, const std::string& team_id) {
    if (auto st = add_memberships(s, team_id, added); !st) return st;
    if (!max) return ok_status();
    for (const auto& m : added)
      if (auto user = member_id(m); !user.empty())
        if (auto st = set_membership_budget(s, team_id, user, *max, *caller); !st) return st;
    return ok_status();
  };
  co_await answer_change(ctx, std::move(change), std::move(sync));
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
  Sync sync = [user](Store& s, const std::string& team_id) {
    return drop_membership(s, team_id, user);
  };
  co_await answer_change(ctx, std::move(change), std::move(sync));
}

asio::awaitable<void> handle_team_member_update(RequestContext& ctx) {
  std::string user(str_or(ctx.body, "user_id"));
  // The role stays as it is unless given (a budget change alone keeps it).
  std::string role(str_or(ctx.body, "role"));
  auto budget = member_budget_in(ctx.body);
  if (!budget) {
    co_await send_error(ctx, budget.error());
    co_return;
  }
  bool budget_given = budget.value().has_value();
  if (user.empty() || (!role.empty() && role != "admin" && role != "user") ||
      (role.empty() && !budget_given)) {
    co_await send_error(ctx, member_update_refused());
    co_return;
  }
  Change change = [user, role](json::object& team) -> Status {
    for (auto& m : members_of(team))
      if (member_id(m) == user && m.is_object()) {
        if (!role.empty()) m.as_object()["role"] = role;
        return ok_status();
      }
    return not_found("No member " + user + " in this team");
  };
  Sync sync;
  if (budget_given) {
    const Principal* caller = &ctx.principal;
    sync = [user, max = *budget.value(), caller](Store& s, const std::string& team_id) {
      return set_membership_budget(s, team_id, user, max, *caller);
    };
  }
  co_await answer_change(ctx, std::move(change), std::move(sync));
}

asio::awaitable<void> handle_team_delete(RequestContext& ctx) {
  co_await answer_delete_owners(ctx, Table::teams, "team_id", "team_ids");
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
