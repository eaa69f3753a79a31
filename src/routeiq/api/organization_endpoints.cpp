#include "routeiq/api/organization_endpoints.hpp"

#include <boost/json.hpp>
#include <cctype>
#include <memory>
#include <optional>

#include "routeiq/api/budget_endpoints.hpp"
#include "routeiq/api/key_service.hpp"
#include "routeiq/api/management.hpp"
#include "routeiq/api/request.hpp"
#include "routeiq/core/json.hpp"
#include "routeiq/core/time.hpp"
#include "routeiq/keys/owner_fields.hpp"

namespace routeiq::api {
namespace asio = boost::asio;
namespace json = boost::json;
using store::Row;
using store::Store;
using store::Table;
using Work = std::function<Result<json::object>(Store&)>;
using ListWork = std::function<Result<json::array>(Store&)>;

namespace {

Error org_not_found(const std::string& id) {
  return not_found("Organization not found for organization_id=" + id);
}

std::string now_iso() {
  return iso8601(std::chrono::system_clock::now(), true);
}

json::array& members_of(json::object& org) {
  auto& v = org["members"];
  if (!v.is_array()) v = json::array();
  return v.as_array();
}

// An organisation as LiteLLM shows it: its row, its budget and, for info and
// list (LiteLLM_OrganizationTableWithMembers), its teams.
Result<json::object> org_shown(Store& s, const Row& row, bool with_teams) {
  json::object out = shown(row, "organization_id");
  members_of(out);
  auto budget = budget_table(s, str_or(row.doc, "budget_id"));
  if (!budget) return budget.error();
  out["litellm_budget_table"] = std::move(budget.value());
  if (!with_teams) return out;
  auto teams = rows_where(s, Table::teams, "organization_id", row.id);
  if (!teams) return teams.error();
  json::array shown_teams;
  for (const auto& t : teams.value()) shown_teams.push_back(shown(t, "team_id"));
  out["teams"] = std::move(shown_teams);
  return out;
}

Result<Row> get_org(Store& s, const std::string& id) {
  auto found = s.get(Table::organizations, id);
  if (!found) return found.error();
  if (!found.value()) return org_not_found(id);
  return std::move(*found.value());
}

Result<json::object> stored_org(Store& s, const std::string& id, bool with_teams) {
  auto row = get_org(s, id);
  if (!row) return row.error();
  return org_shown(s, row.value(), with_teams);
}

Result<json::object> new_org(Store& s, const std::string& id, keys::OwnerFields fields,
                             const Principal& caller) {
  Result<json::object> out = org_not_found(id);
  auto st = s.transaction([&](Store& tx) -> Status {
    std::string budget_id(str_or(fields.own, "budget_id"));
    if (!budget_id.empty()) {
      if (auto named = require_budget(tx, budget_id); !named) return named;
    } else {
      // Every organisation has a budget row, as in LiteLLM, even with no limit set.
      auto made = write_owner_budget(tx, "", fields.budget, caller);
      if (!made) return made.error();
      fields.own["budget_id"] = made.value();
    }
    fields.own["created_by"] = caller_name(caller);
    fields.own["updated_by"] = caller_name(caller);
    fields.own["members"] = json::array();
    auto inserted = tx.insert(Table::organizations, Row{id, std::move(fields.own)});
    if (!inserted) return inserted.error();
    if (!inserted.value())
      return make_error(ErrorKind::invalid_request,
                        "Organization already exists: organization_id=" + id, "organization_id");
    out = stored_org(tx, id, false);
    return out ? ok_status() : Status(out.error());
  });
  if (!st) return st.error();
  return out;
}

// The budget fields go to the organisation's budget; metadata is merged into
// the stored one, as LiteLLM's update does.
Status apply_org_changes(Store& s, Row& row, keys::OwnerFields& fields, const Principal& caller) {
  if (!fields.budget.empty()) {
    auto id =
        write_owner_budget(s, std::string(str_or(row.doc, "budget_id")), fields.budget, caller);
    if (!id) return id.error();
    row.doc["budget_id"] = id.value();
  }
  std::string named(str_or(fields.own, "budget_id"));
  if (!named.empty())
    if (auto st = require_budget(s, named); !st) return st;
  const auto* metadata = fields.own.if_contains("metadata");
  const auto* stored = obj_at(row.doc, "metadata");
  if (metadata && metadata->is_object() && stored) {
    json::object merged = *stored;
    for (const auto& [k, v] : metadata->as_object()) merged[k] = v;
    fields.own["metadata"] = std::move(merged);
  }
  for (const auto& [k, v] : fields.own) row.doc[k] = v;
  if (!fields.own.contains("updated_by")) row.doc["updated_by"] = caller_name(caller);
  return ok_status();
}

Result<json::object> change_org(Store& s, const std::string& id, keys::OwnerFields fields,
                                const Principal& caller) {
  Result<json::object> out = org_not_found(id);
  auto st = s.transaction([&](Store& tx) -> Status {
    auto row = get_org(tx, id);
    if (!row) return row.error();
    if (auto applied = apply_org_changes(tx, row.value(), fields, caller); !applied) return applied;
    if (auto up = tx.update(Table::organizations, row.value()); !up) return up.error();
    out = stored_org(tx, id, true);
    return out ? ok_status() : Status(out.error());
  });
  if (!st) return st.error();
  return out;
}

// Deletes one organisation with its teams (and their keys and memberships)
// and its keys, as LiteLLM's /organization/delete does. Its budget stays.
Status delete_org(Store& s, const std::string& id) {
  auto teams = rows_where(s, Table::teams, "organization_id", id);
  if (!teams) return teams.error();
  for (const auto& t : teams.value())
    if (auto gone = delete_owner(s, Table::teams, "team_id", t.id); !gone) return gone.error();
  auto keys = keys_where(s, "organization_id", id);
  if (!keys) return keys.error();
  std::vector<std::string> tokens;
  for (const auto& k : keys.value()) tokens.push_back(k.id);
  if (auto del = delete_keys(s, tokens); !del) return del;
  if (auto gone = s.remove(Table::organizations, id); !gone) return gone.error();
  return ok_status();
}

Result<json::array> delete_orgs(Store& s, const std::vector<std::string>& ids) {
  json::array deleted;
  auto st = s.transaction([&](Store& tx) -> Status {
    for (const auto& id : ids) {  // all found first: nothing is deleted on a 404
      auto org = stored_org(tx, id, true);
      if (!org && org.error().kind == ErrorKind::not_found)
        return not_found("Organization=" + id + " not found");
      if (!org) return org.error();
      deleted.push_back(std::move(org.value()));
    }
    for (const auto& id : ids)
      if (auto gone = delete_org(tx, id); !gone) return gone;
    return ok_status();
  });
  if (!st) return st.error();
  return deleted;
}

Result<json::array> orgs_by_id(Store& s, const std::vector<std::string>& ids) {
  store::Query q;
  q.ids = ids;
  q.limit = store::kMaxListLimit;
  auto rows = s.list(Table::organizations, q);
  if (!rows) return rows.error();
  json::array out;
  for (const auto& r : rows.value()) {
    auto org = org_shown(s, r, false);
    if (!org) return org.error();
    out.push_back(std::move(org.value()));
  }
  return out;
}

std::string lower(std::string_view text) {
  std::string out(text);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool has_member(const json::object& org, std::string_view user_id) {
  if (const auto* members = arr_at(org, "members"))
    for (const auto& m : *members)
      if (m.is_object() && str_or(m.as_object(), "user_id") == user_id) return true;
  return false;
}

// /organization/list filters: org_id (exact), org_alias (part of the alias,
// any case) and, for a virtual key, the organisations its user belongs to.
struct OrgFilter {
  std::string org_id, alias_part;
  std::optional<std::string> member;
};

bool admitted(const Row& r, const OrgFilter& f) {
  if (!f.org_id.empty() && r.id != f.org_id) return false;
  if (!f.alias_part.empty() &&
      lower(str_or(r.doc, "organization_alias")).find(f.alias_part) == std::string::npos)
    return false;
  return !f.member || has_member(r.doc, *f.member);
}

Result<json::array> list_orgs(Store& s, const OrgFilter& filter) {
  store::Query all;
  all.limit = store::kMaxListLimit;
  auto rows = s.list(Table::organizations, all);
  if (!rows) return rows.error();
  json::array out;
  for (const auto& r : rows.value()) {
    if (!admitted(r, filter)) continue;
    auto org = org_shown(s, r, true);
    if (!org) return org.error();
    out.push_back(std::move(org.value()));
  }
  return out;
}

// The user a member entry names: by user_id, else by user_email (which must
// name one user only).
Result<std::optional<Row>> find_user(Store& s, const std::string& user_id,
                                     const std::string& email) {
  if (!user_id.empty()) {
    auto found = s.get(Table::users, user_id);
    if (!found || found.value() || email.empty()) return found;
  }
  if (email.empty()) return std::optional<Row>();
  auto rows = rows_where(s, Table::users, "user_email", email);
  if (!rows) return rows.error();
  if (rows->size() > 1)
    return make_error(ErrorKind::invalid_request,
                      "Multiple users with this email found in db. Please use 'user_id' instead.",
                      "user_email");
  if (rows->empty()) return std::optional<Row>();
  return std::optional<Row>(std::move(rows->front()));
}

// LiteLLM makes an internal user for a member it does not know yet.
Result<Row> user_for_member(Store& s, const json::object& member, const Principal& caller) {
  std::string user_id(str_or(member, "user_id")), email(str_or(member, "user_email"));
  auto found = find_user(s, user_id, email);
  if (!found) return found.error();
  if (found.value()) return std::move(*found.value());
  json::object doc{{"user_email", email.empty() ? json::value() : json::value(email)},
                   {"user_role", "internal_user"},
                   {"models", json::array()},
                   {"teams", json::array()},
                   {"metadata", json::object()},
                   {"spend", 0.0},
                   {"created_by", caller_name(caller)}};
  Row row{user_id.empty() ? make_call_id() : user_id, std::move(doc)};
  if (auto in = s.insert(Table::users, row); !in) return in.error();
  auto stored = s.get(Table::users, row.id);
  if (!stored) return stored.error();
  return std::move(*stored.value());
}

json::object* member_in(json::object& org, const std::string& user_id) {
  for (auto& m : members_of(org))
    if (m.is_object() && str_or(m.as_object(), "user_id") == user_id) return &m.as_object();
  return nullptr;
}

// A member's budget (max_budget_in_organization): written on its own budget row.
Status set_member_budget(Store& s, json::object& membership, const json::value& max_budget,
                         const Principal& caller) {
  if (max_budget.is_null()) return ok_status();
  json::object fields{{"max_budget", max_budget}};
  auto id = write_owner_budget(s, std::string(str_or(membership, "budget_id")), fields, caller);
  if (!id) return id.error();
  membership["budget_id"] = id.value();
  return ok_status();
}

struct MemberAdd {
  std::string org_id;
  json::array members;
  json::value max_budget;
};

Result<json::object> add_members(Store& s, const MemberAdd& add, const Principal& caller) {
  json::array users, memberships;
  auto st = s.transaction([&](Store& tx) -> Status {
    auto org = get_org(tx, add.org_id);
    if (!org) return org.error();
    for (const auto& m : add.members) {
      auto user = user_for_member(tx, m.as_object(), caller);
      if (!user) return user.error();
      json::object* membership = member_in(org->doc, user->id);
      if (!membership) {
        members_of(org->doc).push_back(json::object{{"user_id", user->id},
                                                    {"organization_id", add.org_id},
                                                    {"spend", 0.0},
                                                    {"budget_id", nullptr},
                                                    {"created_at", now_iso()}});
        membership = &members_of(org->doc).back().as_object();
      }
      (*membership)["user_role"] = str_or(m.as_object(), "role");
      (*membership)["updated_at"] = now_iso();
      if (auto b = set_member_budget(tx, *membership, add.max_budget, caller); !b) return b;
      users.push_back(shown(user.value(), "user_id"));
      memberships.push_back(*membership);
    }
    if (auto up = tx.update(Table::organizations, org.value()); !up) return up.error();
    return ok_status();
  });
  if (!st) return st.error();
  return json::object{{"organization_id", add.org_id},
                      {"updated_users", std::move(users)},
                      {"updated_organization_memberships", std::move(memberships)}};
}

// The member a member_update or member_delete body names: its user_id, or the
// user_id of the one user with its user_email.
Result<std::string> named_member(Store& s, const json::object& body) {
  std::string user_id(str_or(body, "user_id")), email(str_or(body, "user_email"));
  if (!user_id.empty()) return user_id;
  auto found = find_user(s, "", email);
  if (!found) return found.error();
  if (!found.value())
    return make_error(ErrorKind::invalid_request,
                      "Unique user not found for user_email=" + email + ". Use 'user_id' instead.",
                      "user_email");
  return found.value()->id;
}

Error member_not_found(const std::string& user_id) {
  return not_found("Member not found in organization for user_id=" + user_id);
}

Result<json::object> membership_shown(Store& s, const json::object& membership) {
  json::object out = membership;
  auto budget = budget_table(s, str_or(membership, "budget_id"));
  if (!budget) return budget.error();
  out["litellm_budget_table"] = std::move(budget.value());
  return out;
}

Result<json::object> update_member(Store& s, const json::object& body, const Principal& caller) {
  std::string org_id(str_or(body, "organization_id"));
  Result<json::object> out = org_not_found(org_id);
  auto st = s.transaction([&](Store& tx) -> Status {
    auto org = get_org(tx, org_id);
    if (!org)  // LiteLLM answers 400 here, 404 for a missing member
      return make_error(ErrorKind::invalid_request, org.error().message, "organization_id");
    auto user_id = named_member(tx, body);
    if (!user_id) return user_id.error();
    json::object* membership = member_in(org->doc, user_id.value());
    if (!membership) return member_not_found(user_id.value());
    if (const auto* role = body.if_contains("role"); role && role->is_string())
      (*membership)["user_role"] = *role;
    if (const auto* max = body.if_contains("max_budget_in_organization"))
      if (auto b = set_member_budget(tx, *membership, *max, caller); !b) return b;
    (*membership)["updated_at"] = now_iso();
    out = membership_shown(tx, *membership);
    if (auto up = tx.update(Table::organizations, org.value()); !up) return up.error();
    return out ? ok_status() : Status(out.error());
  });
  if (!st) return st.error();
  return out;
}

Result<json::object> delete_member(Store& s, const json::object& body) {
  std::string org_id(str_or(body, "organization_id"));
  json::object removed;
  auto st = s.transaction([&](Store& tx) -> Status {
    auto org = get_org(tx, org_id);
    if (!org) return org.error();
    auto user_id = named_member(tx, body);
    if (!user_id) return user_id.error();
    auto& list = members_of(org->doc);
    for (auto it = list.begin(); it != list.end(); ++it)
      if (it->is_object() && str_or(it->as_object(), "user_id") == user_id.value()) {
        removed = it->as_object();
        list.erase(it);
        auto up = tx.update(Table::organizations, org.value());
        return up ? ok_status() : Status(up.error());
      }
    return member_not_found(user_id.value());
  });
  if (!st) return st.error();
  return removed;
}

Result<std::string> named_org(const json::object& body) {
  auto id = str_or(body, "organization_id");
  if (id.empty())
    return make_error(ErrorKind::invalid_request, "'organization_id' is required",
                      "organization_id");
  return std::string(id);
}

// The member(s) of /organization/member_add, checked, as a list.
Result<MemberAdd> member_add_body(const json::object& body) {
  if (auto known = known_fields(body, {"organization_id", "member", "max_budget_in_organization"},
                                "/organization/member_add");
      !known)
    return known.error();
  auto org = named_org(body);
  if (!org) return org.error();
  MemberAdd add{org.value(), {}, nullptr};
  const auto* member = body.if_contains("member");
  if (member && member->is_object()) add.members.push_back(*member);
  if (member && member->is_array()) add.members = member->as_array();
  if (add.members.empty())
    return make_error(ErrorKind::invalid_request,
                      "'member': a {role, user_id} object or a list of them", "member");
  for (const auto& m : add.members)
    if (auto st = keys::check_org_member("member", m); !st) return st.error();
  if (const auto* max = body.if_contains("max_budget_in_organization")) {
    if (auto st = keys::check_member_budget(*max); !st) return st.error();
    add.max_budget = *max;
  }
  return add;
}

// member_update and member_delete bodies: the organisation and the member.
Status check_member_body(const json::object& body, std::string_view route, bool update) {
  auto known = update ? known_fields(body,
                                     {"organization_id", "user_id", "user_email", "role",
                                      "max_budget_in_organization"},
                                     route)
                      : known_fields(body, {"organization_id", "user_id", "user_email"}, route);
  if (!known) return known;
  if (auto org = named_org(body); !org) return org.error();
  if (str_or(body, "user_id").empty() && str_or(body, "user_email").empty())
    return make_error(ErrorKind::invalid_request, "'user_id' or 'user_email' is required",
                      "user_id");
  if (const auto* role = body.if_contains("role"); update && role && !role->is_null()) {
    json::object probe{{"role", *role}, {"user_id", "x"}};
    if (auto st = keys::check_org_member("role", probe); !st) return st;
  }
  if (const auto* max = body.if_contains("max_budget_in_organization"); update && max)
    return keys::check_member_budget(*max);
  return ok_status();
}

}  // namespace

asio::awaitable<void> handle_organization_new(RequestContext& ctx) {
  if (!co_await require_store(ctx)) co_return;
  auto fields = keys::organization_fields(ctx.body, keys::KeyOp::generate);
  if (!fields) {
    co_await send_error(ctx, fields.error());
    co_return;
  }
  std::string id(str_or(fields->own, "organization_id"));
  if (id.empty()) id = make_call_id();
  fields->own.erase("organization_id");
  auto given = std::make_shared<keys::OwnerFields>(std::move(fields.value()));
  const Principal* caller = &ctx.principal;
  Work work = [id, given, caller](Store& s) { return new_org(s, id, std::move(*given), *caller); };
  co_await answer(ctx, std::move(work));
}

asio::awaitable<void> handle_organization_update(RequestContext& ctx) {
  if (!co_await require_store(ctx)) co_return;
  auto id = named_org(ctx.body);
  json::object body = ctx.body;
  body.erase("organization_id");
  auto fields = keys::organization_fields(body, keys::KeyOp::update);
  if (!id || !fields) {
    Error error = id ? fields.error() : id.error();
    co_await send_error(ctx, std::move(error));
    co_return;
  }
  std::string org_id = id.value();
  auto given = std::make_shared<keys::OwnerFields>(std::move(fields.value()));
  const Principal* caller = &ctx.principal;
  Work work = [org_id, given, caller](Store& s) {
    return change_org(s, org_id, std::move(*given), *caller);
  };
  co_await answer(ctx, std::move(work));
}

asio::awaitable<void> handle_organization_delete(RequestContext& ctx) {
  if (!co_await require_store(ctx)) co_return;
  auto known = known_fields(ctx.body, {"organization_ids"}, "/organization/delete");
  auto ids = id_list(ctx.body, "organization_ids");
  if (!known || !ids) {
    Error error = known ? ids.error() : known.error();
    co_await send_error(ctx, std::move(error));
    co_return;
  }
  std::vector<std::string> org_ids = std::move(ids.value());
  ListWork work = [org_ids](Store& s) { return delete_orgs(s, org_ids); };
  co_await answer_list(ctx, std::move(work));
  ctx.key_service->forget_all();  // the deleted teams' and organisations' keys
}

asio::awaitable<void> handle_organization_info(RequestContext& ctx) {
  if (!co_await require_store(ctx)) co_return;
  auto id = query_param(ctx.exchange.request().target(), "organization_id");
  if (!id || id->empty()) {
    co_await send_error(ctx, make_error(ErrorKind::invalid_request, "'organization_id' is required",
                                        "organization_id"));
    co_return;
  }
  std::string org_id = *id;
  Work work = [org_id](Store& s) { return stored_org(s, org_id, true); };
  co_await answer(ctx, std::move(work));
}

// The older POST /organization/info {"organizations": [ids]}: the ones found.
asio::awaitable<void> handle_organization_info_list(RequestContext& ctx) {
  if (!co_await require_store(ctx)) co_return;
  auto known = known_fields(ctx.body, {"organizations"}, "/organization/info");
  auto ids = id_list(ctx.body, "organizations");
  if (!known || !ids) {
    Error error = known ? ids.error() : known.error();
    co_await send_error(ctx, std::move(error));
    co_return;
  }
  std::vector<std::string> org_ids = std::move(ids.value());
  ListWork work = [org_ids](Store& s) { return orgs_by_id(s, org_ids); };
  co_await answer_list(ctx, std::move(work));
}

asio::awaitable<void> handle_organization_list(RequestContext& ctx) {
  if (!co_await require_store(ctx)) co_return;
  auto target = ctx.exchange.request().target();
  OrgFilter filter;
  filter.org_id = query_param(target, "org_id").value_or("");
  filter.alias_part = lower(query_param(target, "org_alias").value_or(""));
  // A virtual key (LiteLLM's internal user) sees the organisations its user is in.
  if (ctx.principal.kind == Principal::Kind::virtual_key)
    filter.member = ctx.principal.key ? ctx.principal.key->user_id : std::string();
  ListWork work = [filter](Store& s) { return list_orgs(s, filter); };
  co_await answer_list(ctx, std::move(work));
}

asio::awaitable<void> handle_organization_member_add(RequestContext& ctx) {
  if (!co_await require_store(ctx)) co_return;
  auto add = member_add_body(ctx.body);
  if (!add) {
    co_await send_error(ctx, add.error());
    co_return;
  }
  auto given = std::make_shared<MemberAdd>(std::move(add.value()));
  const Principal* caller = &ctx.principal;
  Work work = [given, caller](Store& s) { return add_members(s, *given, *caller); };
  co_await answer(ctx, std::move(work));
}

asio::awaitable<void> handle_organization_member_update(RequestContext& ctx) {
  if (!co_await require_store(ctx)) co_return;
  if (auto st = check_member_body(ctx.body, "/organization/member_update", true); !st) {
    co_await send_error(ctx, st.error());
    co_return;
  }
  auto body = std::make_shared<json::object>(ctx.body);
  const Principal* caller = &ctx.principal;
  Work work = [body, caller](Store& s) { return update_member(s, *body, *caller); };
  co_await answer(ctx, std::move(work));
}

asio::awaitable<void> handle_organization_member_delete(RequestContext& ctx) {
  if (!co_await require_store(ctx)) co_return;
  if (auto st = check_member_body(ctx.body, "/organization/member_delete", false); !st) {
    co_await send_error(ctx, st.error());
    co_return;
  }
  auto body = std::make_shared<json::object>(ctx.body);
  Work work = [body](Store& s) { return delete_member(s, *body); };
  co_await answer(ctx, std::move(work));
}

}  // namespace routeiq::api
