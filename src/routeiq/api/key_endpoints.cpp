#include "routeiq/api/key_endpoints.hpp"

#include <boost/json.hpp>
#include <charconv>

#include "routeiq/api/key_service.hpp"
#include "routeiq/api/management.hpp"
#include "routeiq/api/request.hpp"
#include "routeiq/core/json.hpp"
#include "routeiq/core/time.hpp"
#include "routeiq/keys/key_fields.hpp"

namespace routeiq::api {
namespace asio = boost::asio;
namespace json = boost::json;
using store::Row;
using store::Store;
using store::Table;
using SysClock = std::chrono::system_clock;

namespace {

// ---------------------------------------------------------------- pure parts

// A custom key (`key` in /key/generate): LiteLLM wants the sk- prefix; bytes
// that could not be sent back in a header or JSON are refused too.
Status check_custom_key(std::string_view key) {
  if (!key.starts_with("sk-") || key.size() < 8 || key.size() > 256)
    return make_error(ErrorKind::invalid_request,
                      "key: a custom key must start with 'sk-' and be 8 to 256 characters", "key");
  for (unsigned char c : key)
    if (c <= 0x20 || c >= 0x7f)
      return make_error(ErrorKind::invalid_request,
                        "key: only visible ASCII characters are allowed", "key");
  return ok_status();
}

// Unique key aliases, as LiteLLM enforces them (`except` is the key being changed).
Status alias_free(Store& s, const json::object& doc, std::string_view except) {
  auto alias = str_or(doc, "key_alias");
  if (alias.empty()) return ok_status();
  store::Query q;
  q.equals.emplace_back("key_alias", std::string(alias));
  q.limit = 2;
  auto rows = s.list(Table::keys, q);
  if (!rows) return rows.error();
  for (const auto& r : rows.value())
    if (r.id != except)
      return make_error(ErrorKind::invalid_request,
                        "Unique key aliases across all keys are required. Key alias '" +
                            std::string(alias) + "' already exists",
                        "key_alias");
  return ok_status();
}

// A key's team must exist, and a key cannot be given models its team does not
// have (LiteLLM's rule); "all-team-models" is whatever the team has.
Status team_admits(Store& s, const json::object& doc) {
  auto team_id = str_or(doc, "team_id");
  if (team_id.empty()) return ok_status();
  auto team = s.get(Table::teams, team_id);
  if (!team) return team.error();
  if (!team.value())
    return make_error(ErrorKind::invalid_request, "Team not found: team_id=" + std::string(team_id),
                      "team_id");
  std::vector<std::string> team_models;
  if (const auto* a = arr_at(team.value()->doc, "models"))
    for (const auto& m : *a)
      if (m.is_string()) team_models.emplace_back(m.get_string());
  if (team_models.empty()) return ok_status();
  keys::VirtualKey probe;
  probe.team_id = std::string(team_id);
  probe.team_models = team_models;
  auto no_groups = [](std::string_view) { return std::vector<std::string>{}; };
  if (const auto* a = arr_at(doc, "models"))
    for (const auto& m : *a) {
      std::string_view name = m.is_string() ? std::string_view(m.get_string()) : "";
      if (name == "all-team-models" || keys::model_allowed(probe, name, no_groups)) continue;
      return make_error(ErrorKind::invalid_request,
                        "Model '" + std::string(name) + "' is not one of team " +
                            std::string(team_id) + "'s models",
                        "models");
    }
  return ok_status();
}

// The document of a new key: the checked fields and who made it.
json::object new_key_doc(json::object fields, std::string_view key, const Principal& caller) {
  fields["key_name"] = keys::mask_key(key);
  fields["created_by"] = caller_name(caller);
  fields["updated_by"] = caller_name(caller);
  return fields;
}

// The answer of generate and regenerate: the key in plaintext, once.
json::object generated(const Row& row, std::string_view key) {
  json::object out = shown(row);
  out["key"] = key;
  out["token_id"] = row.id;
  return out;
}

Result<Row> insert_key(Store& s, const std::string& token, json::object doc) {
  if (auto st = alias_free(s, doc, ""); !st) return st.error();
  if (auto st = team_admits(s, doc); !st) return st.error();
  Row row{token, std::move(doc)};
  auto inserted = s.insert(Table::keys, row);
  if (!inserted) return inserted.error();
  if (!inserted.value())
    return make_error(ErrorKind::invalid_request, "this key already exists", "key");
  auto stored = s.get(Table::keys, token);
  if (!stored) return stored.error();
  return std::move(*stored.value());
}

Result<Row> change_key(Store& s, const std::string& token, const json::object& fields,
                       const Principal& caller) {
  auto found = s.get(Table::keys, token);
  if (!found) return found.error();
  if (!found.value()) return not_found("Key not found");
  Row row = std::move(*found.value());
  if (auto st = may_manage_key(s, caller, row.doc, "/key/update"); !st) return st.error();
  for (const auto& [k, v] : fields) row.doc[k] = v;
  row.doc["updated_by"] = caller_name(caller);
  if (auto st = may_manage_key(s, caller, row.doc, "/key/update"); !st) return st.error();
  if (fields.contains("key_alias"))
    if (auto st = alias_free(s, row.doc, token); !st) return st.error();
  if (fields.contains("team_id") || fields.contains("models"))
    if (auto st = team_admits(s, row.doc); !st) return st.error();
  auto updated = s.update(Table::keys, row);
  if (!updated) return updated.error();
  auto stored = s.get(Table::keys, token);
  if (!stored) return stored.error();
  if (!stored.value()) return not_found("Key not found");
  return std::move(*stored.value());
}

Result<std::vector<std::string>> tokens_by_alias(Store& s, const json::array& aliases) {
  std::vector<std::string> out;
  for (const auto& a : aliases) {
    if (!a.is_string())
      return make_error(ErrorKind::invalid_request, "key_aliases: a list of strings",
                        "key_aliases");
    store::Query q;
    q.equals.emplace_back("key_alias", std::string(a.get_string()));
    auto rows = s.list(Table::keys, q);
    if (!rows) return rows.error();
    if (rows->empty())
      return not_found("Key not found for alias '" + std::string(a.get_string()) + "'");
    for (auto& r : rows.value()) out.push_back(std::move(r.id));
  }
  return out;
}

Result<std::vector<std::string>> tokens_of(const json::array& given) {
  std::vector<std::string> out;
  for (const auto& k : given) {
    if (!k.is_string())
      return make_error(ErrorKind::invalid_request, "keys: a list of strings", "keys");
    out.push_back(keys::token_of(k.get_string()));
  }
  return out;
}

// The key a body names with "key" (the plaintext key or its hash).
Result<std::string> named_token(const json::object& body) {
  auto key = str_or(body, "key");
  if (key.empty()) return make_error(ErrorKind::invalid_request, "'key' is required", "key");
  return keys::token_of(key);
}

// /key/list's filters, from the query string, on indexed columns only.
Result<store::Query> list_query(std::string_view target) {
  auto q = paged_query(target, "size", 10);
  if (!q) return q;
  for (auto name : {"user_id", "team_id", "organization_id", "key_alias"})
    if (auto v = query_param(target, name); v && !v->empty()) q->equals.emplace_back(name, *v);
  return q;
}

struct KeyPage {
  std::vector<Row> rows;
  int64_t total = 0;
};

json::object list_body(const KeyPage& page, const store::Query& q, bool full) {
  json::array out;
  for (const auto& r : page.rows) {
    if (full)
      out.push_back(shown(r));
    else
      out.emplace_back(r.id);
  }
  int64_t size = static_cast<int64_t>(q.limit);
  return {{"keys", std::move(out)},
          {"total_count", page.total},
          {"current_page", static_cast<int64_t>(q.offset) / size + 1},
          {"total_pages", (page.total + size - 1) / size}};
}

// The keys exist and the caller may manage each (admins: checked by delete_keys).
Status may_manage_all(Store& s, const Principal& caller, const std::vector<std::string>& tokens,
                      std::string_view route) {
  if (caller.is_admin()) return ok_status();
  for (const auto& token : tokens) {
    auto row = s.get(Table::keys, token);
    if (!row) return row.error();
    if (!row.value()) return not_found("Key not found: nothing was deleted");
    if (auto st = may_manage_key(s, caller, row.value()->doc, route); !st) return st;
  }
  return ok_status();
}

// Whether the caller may read a key: any for admins and viewers, else its
// own key or its user's keys.
bool may_read_key(const Principal& p, const Row& row) {
  if (p.reads_all()) return true;
  if (p.key && row.id == p.key->token) return true;
  return !p.user_id().empty() && str_or(row.doc, "user_id") == p.user_id();
}

// ---------------------------------------------------------------- handlers

Result<json::object> block_body(Store& s, const json::object& body, bool blocked,
                                const Principal& caller) {
  auto token = named_token(body);
  if (!token) return token.error();
  json::object fields{{"blocked", blocked}};
  auto row = change_key(s, token.value(), fields, caller);
  if (!row) return row.error();
  return shown(row.value());
}

asio::awaitable<void> set_blocked(RequestContext& ctx, bool blocked) {
  if (!co_await require_store(ctx)) co_return;
  auto token = named_token(ctx.body);
  const json::object* body = &ctx.body;
  const Principal* caller = &ctx.principal;
  std::function<Result<json::object>(Store&)> work = [body, blocked, caller](Store& s) {
    return block_body(s, *body, blocked, *caller);
  };
  co_await answer(ctx, std::move(work));
  if (token) ctx.key_service->forget(token.value());
}

}  // namespace

Result<json::object> create_key(Store& s, json::object fields, const std::string& key,
                                const Principal& caller) {
  auto row = insert_key(s, keys::hash_key(key), new_key_doc(std::move(fields), key, caller));
  if (!row) return row.error();
  return generated(row.value(), key);
}

asio::awaitable<void> handle_key_generate(RequestContext& ctx) {
  if (!co_await require_store(ctx)) co_return;
  auto fields = keys::key_fields(ctx.body, keys::KeyOp::generate, SysClock::now());
  if (!fields) {
    co_await send_error(ctx, fields.error());
    co_return;
  }
  std::string key(str_or(ctx.body, "key"));
  if (key.empty()) key = keys::new_key();
  if (auto st = check_custom_key(key); !st) {
    co_await send_error(ctx, st.error());
    co_return;
  }
  // A user's own key unless an admin says otherwise, as LiteLLM does: a key
  // without a user would escape its maker's role.
  if (!ctx.principal.is_admin() && str_or(fields.value(), "user_id").empty())
    fields.value()["user_id"] = ctx.principal.user_id();
  auto fields_ptr = std::make_shared<json::object>(std::move(fields.value()));
  std::string token = keys::hash_key(key);
  const Principal* caller = &ctx.principal;
  std::function<Result<json::object>(Store&)> work = [fields_ptr, key,
                                                      caller](Store& s) -> Result<json::object> {
    Result<json::object> out = make_error(ErrorKind::internal, "not written");
    auto st = s.transaction([&](Store& tx) -> Status {
      if (auto mine = may_manage_key(tx, *caller, *fields_ptr, "/key/generate"); !mine) return mine;
      out = create_key(tx, std::move(*fields_ptr), key, *caller);
      if (!out) return out.error();
      return ok_status();
    });
    if (!st) return st.error();
    return out;
  };
  co_await answer(ctx, std::move(work));
  ctx.key_service->forget(token);  // it may be cached as unknown
}

asio::awaitable<void> handle_key_update(RequestContext& ctx) {
  if (!co_await require_store(ctx)) co_return;
  auto token = named_token(ctx.body);
  if (!token) {
    co_await send_error(ctx, token.error());
    co_return;
  }
  auto fields = keys::key_fields(ctx.body, keys::KeyOp::update, SysClock::now());
  if (!fields) {
    co_await send_error(ctx, fields.error());
    co_return;
  }
  auto changes = std::make_shared<json::object>(std::move(fields.value()));
  std::string t = token.value();
  const Principal* caller = &ctx.principal;
  std::function<Result<json::object>(Store&)> work = [changes, t,
                                                      caller](Store& s) -> Result<json::object> {
    Result<Row> row = make_error(ErrorKind::internal, "not written");
    auto st = s.transaction([&](Store& tx) -> Status {
      row = change_key(tx, t, *changes, *caller);
      if (!row) return row.error();
      return ok_status();
    });
    if (!st) return st.error();
    return shown(row.value());
  };
  co_await answer(ctx, std::move(work));
  ctx.key_service->forget(t);
}

asio::awaitable<void> handle_key_delete(RequestContext& ctx) {
  if (!co_await require_store(ctx)) co_return;
  const auto* by_key = arr_at(ctx.body, "keys");
  const auto* by_alias = arr_at(ctx.body, "key_aliases");
  if (!by_key && !by_alias) {
    co_await send_error(ctx, make_error(ErrorKind::invalid_request,
                                        "give 'keys' or 'key_aliases' (a list)", "keys"));
    co_return;
  }
  std::vector<std::string> tokens;
  if (by_key) {
    auto t = tokens_of(*by_key);
    if (!t) {
      co_await send_error(ctx, t.error());
      co_return;
    }
    tokens = std::move(t.value());
  }
  auto deleted = std::make_shared<std::vector<std::string>>(std::move(tokens));
  json::array aliases = by_alias ? *by_alias : json::array();
  json::array given = by_key ? *by_key : aliases;
  const Principal* caller = &ctx.principal;
  std::function<Result<json::object>(Store&)> work = [deleted, aliases, given,
                                                      caller](Store& s) -> Result<json::object> {
    auto st = s.transaction([&](Store& tx) -> Status {
      auto more = tokens_by_alias(tx, aliases);
      if (!more) return more.error();
      deleted->insert(deleted->end(), more->begin(), more->end());
      if (auto mine = may_manage_all(tx, *caller, *deleted, "/key/delete"); !mine) return mine;
      return delete_keys(tx, *deleted);
    });
    if (!st) return st.error();
    return json::object{{"deleted_keys", given}};
  };
  co_await answer(ctx, std::move(work));
  for (const auto& t : *deleted) ctx.key_service->forget(t);
}

asio::awaitable<void> handle_key_info(RequestContext& ctx) {
  if (!co_await require_store(ctx)) co_return;
  auto given = query_param(ctx.exchange.request().target(), "key");
  const auto& p = ctx.principal;
  std::string token;
  if (given && !given->empty()) {
    token = keys::token_of(*given);
  } else if (p.kind == Principal::Kind::virtual_key && p.key) {
    token = p.key->token;
  } else {
    co_await send_error(ctx, make_error(ErrorKind::invalid_request, "'key' is required", "key"));
    co_return;
  }
  std::string shown_key = given && !given->empty() ? *given : p.key->key_name;
  const Principal* caller = &p;
  std::function<Result<json::object>(Store&)> work = [token, shown_key,
                                                      caller](Store& s) -> Result<json::object> {
    auto row = s.get(Table::keys, token);
    if (!row) return row.error();
    if (!row.value()) return not_found("Key not found");
    if (!may_read_key(*caller, *row.value()))
      return make_error(ErrorKind::auth_forbidden,
                        "A virtual key may only read its own keys' /key/info");
    return json::object{{"key", shown_key}, {"info", shown(*row.value())}};
  };
  co_await answer(ctx, std::move(work));
}

asio::awaitable<void> handle_key_list(RequestContext& ctx) {
  if (!co_await require_store(ctx)) co_return;
  auto target = ctx.exchange.request().target();
  auto q = list_query(target);
  if (!q) {
    co_await send_error(ctx, q.error());
    co_return;
  }
  bool full = query_param(target, "return_full_object") == std::optional<std::string>("true");
  store::Query query = std::move(q.value());
  const auto& p = ctx.principal;
  if (!p.reads_all()) {  // a user lists its own keys; a key without a user, itself
    if (!p.user_id().empty())
      query.equals.emplace_back("user_id", std::string(p.user_id()));
    else
      query.ids = {p.key->token};
  }
  std::function<Result<json::object>(Store&)> work = [query,
                                                      full](Store& s) -> Result<json::object> {
    KeyPage page;
    auto rows = s.list(Table::keys, query);
    if (!rows) return rows.error();
    page.rows = std::move(rows.value());
    auto total = s.count(Table::keys, query);
    if (!total) return total.error();
    page.total = total.value();
    return list_body(page, query, full);
  };
  co_await answer(ctx, std::move(work));
}

asio::awaitable<void> handle_key_block(RequestContext& ctx) {
  co_await set_blocked(ctx, true);
}

asio::awaitable<void> handle_key_unblock(RequestContext& ctx) {
  co_await set_blocked(ctx, false);
}

namespace {

// The regenerated key's old token, kept in the deleted keys with the token
// that replaced it; with a grace period, the old key keeps authenticating
// (as the new one) until revoke_at.
Status retire_key(Store& s, Row old_row, const std::string& new_token,
                  std::optional<std::chrono::seconds> grace) {
  auto now = SysClock::now();
  old_row.doc["deleted_at"] = iso8601(now, true);
  old_row.doc["regenerated_to"] = new_token;
  if (grace) old_row.doc["revoke_at"] = iso8601(now + *grace, true);
  s.remove(Table::deleted_keys, old_row.id);
  auto inserted = s.insert(Table::deleted_keys, old_row);
  if (!inserted) return inserted.error();
  auto gone = s.remove(Table::keys, old_row.id);
  if (!gone) return gone.error();
  return ok_status();
}

struct Regeneration {
  std::string old_token, key;
  std::optional<std::chrono::seconds> grace;
  json::object changes;
};

// The key to regenerate (the path's /key/{key}/regenerate, else the body's
// `key`), the new key, the grace period and the fields to change.
Result<Regeneration> regeneration(const RequestContext& ctx) {
  Regeneration r;
  json::object rest = ctx.body;
  if (!ctx.path_parameter.empty()) {
    r.old_token = keys::token_of(ctx.path_parameter);
  } else {
    auto token = named_token(rest);
    if (!token) return token.error();
    r.old_token = token.value();
  }
  rest.erase("key");
  r.key = std::string(str_or(rest, "new_key"));
  rest.erase("new_key");
  if (const auto* g = rest.if_contains("grace_period"); g && !g->is_null()) {
    auto d = g->is_string() ? keys::parse_duration(g->get_string()) : std::nullopt;
    if (!d)
      return make_error(ErrorKind::invalid_request,
                        "Invalid value for 'grace_period': expected a duration such as \"24h\"",
                        "grace_period");
    r.grace = *d;
  }
  rest.erase("grace_period");
  auto fields = keys::key_fields(rest, keys::KeyOp::update, SysClock::now());
  if (!fields) return fields.error();
  r.changes = std::move(fields.value());
  if (r.key.empty()) r.key = keys::new_key();
  if (auto st = check_custom_key(r.key); !st) return st.error();
  return r;
}

Result<json::object> regenerate(Store& s, const Regeneration& r, const Principal& caller) {
  std::string new_token = keys::hash_key(r.key);
  Result<Row> row = make_error(ErrorKind::internal, "not written");
  auto st = s.transaction([&](Store& tx) -> Status {
    auto old_row = tx.get(Table::keys, r.old_token);
    if (!old_row) return old_row.error();
    if (!old_row.value()) return not_found("Key not found");
    if (auto mine = may_manage_key(tx, caller, old_row.value()->doc, "/key/regenerate"); !mine)
      return mine;
    json::object doc = old_row.value()->doc;
    for (const auto& [k, v] : r.changes) doc[k] = v;
    doc["key_name"] = keys::mask_key(r.key);
    doc["updated_by"] = caller_name(caller);
    if (auto retired = retire_key(tx, std::move(*old_row.value()), new_token, r.grace); !retired)
      return retired;
    row = insert_key(tx, new_token, std::move(doc));
    if (!row) return row.error();
    return ok_status();
  });
  if (!st) return st.error();
  return generated(row.value(), r.key);
}

}  // namespace

asio::awaitable<void> handle_key_regenerate(RequestContext& ctx) {
  if (!co_await require_store(ctx)) co_return;
  auto r = regeneration(ctx);
  if (!r) {
    co_await send_error(ctx, r.error());
    co_return;
  }
  auto shared = std::make_shared<const Regeneration>(std::move(r.value()));
  const Principal* caller = &ctx.principal;
  std::function<Result<json::object>(Store&)> work = [shared, caller](Store& s) {
    return regenerate(s, *shared, *caller);
  };
  co_await answer(ctx, std::move(work));
  ctx.key_service->forget(shared->old_token);
  ctx.key_service->forget(keys::hash_key(shared->key));
}

}  // namespace routeiq::api
