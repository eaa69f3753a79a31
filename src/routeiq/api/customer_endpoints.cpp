#include "routeiq/api/customer_endpoints.hpp"

#include <boost/json.hpp>
#include <memory>

#include "routeiq/api/budget_endpoints.hpp"
#include "routeiq/api/key_service.hpp"
#include "routeiq/api/management.hpp"
#include "routeiq/api/request.hpp"
#include "routeiq/core/json.hpp"
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

Error customer_not_found(const std::string& id) {
  return not_found("End User Id=" + id + " does not exist in db");
}

// A customer as LiteLLM shows it: its row with its budget joined.
Result<json::object> customer_shown(Store& s, const Row& row) {
  json::object out = shown(row, "user_id");
  auto budget = budget_table(s, str_or(row.doc, "budget_id"));
  if (!budget) return budget.error();
  out["litellm_budget_table"] = std::move(budget.value());
  return out;
}

Result<json::object> stored_customer(Store& s, const std::string& id) {
  auto found = s.get(Table::end_users, id);
  if (!found) return found.error();
  if (!found.value()) return customer_not_found(id);
  return customer_shown(s, *found.value());
}

// The customer's budget_id: a new budget when the body set budget fields, else
// the one it named (which must exist), else none.
Status link_budget(Store& s, keys::OwnerFields& fields, const std::string& current,
                   const Principal& caller) {
  if (!fields.budget.empty()) {
    auto id = write_owner_budget(s, current, fields.budget, caller);
    if (!id) return id.error();
    fields.own["budget_id"] = id.value();
    return ok_status();
  }
  std::string named(str_or(fields.own, "budget_id"));
  return named.empty() ? ok_status() : require_budget(s, named);
}

Result<json::object> new_customer(Store& s, keys::OwnerFields fields, const Principal& caller) {
  std::string id(str_or(fields.own, "user_id"));
  fields.own.erase("user_id");
  Result<json::object> out = customer_not_found(id);
  auto st = s.transaction([&](Store& tx) -> Status {
    if (auto linked = link_budget(tx, fields, "", caller); !linked) return linked;
    auto inserted = tx.insert(Table::end_users, Row{id, std::move(fields.own)});
    if (!inserted) return inserted.error();
    if (!inserted.value())
      return make_error(
          ErrorKind::invalid_request,
          "Customer already exists, passed user_id=" + id + ". Please pass a new user_id.",
          "user_id");
    out = stored_customer(tx, id);
    return out ? ok_status() : Status(out.error());
  });
  if (!st) return st.error();
  return out;
}

Result<json::object> change_customer(Store& s, keys::OwnerFields fields, const Principal& caller) {
  std::string id(str_or(fields.own, "user_id"));
  fields.own.erase("user_id");
  Result<json::object> out = customer_not_found(id);
  auto st = s.transaction([&](Store& tx) -> Status {
    auto found = tx.get(Table::end_users, id);
    if (!found) return found.error();
    if (!found.value()) return customer_not_found(id);
    Row row = std::move(*found.value());
    std::string current(str_or(row.doc, "budget_id"));
    if (auto linked = link_budget(tx, fields, current, caller); !linked) return linked;
    for (const auto& [k, v] : fields.own) row.doc[k] = v;
    if (auto up = tx.update(Table::end_users, row); !up) return up.error();
    out = stored_customer(tx, id);
    return out ? ok_status() : Status(out.error());
  });
  if (!st) return st.error();
  return out;
}

// Python's str() of a list of strings, as LiteLLM's delete message shows it.
std::string python_list(const std::vector<std::string>& ids) {
  std::string out = "[";
  for (const auto& id : ids) out += (out.size() > 1 ? ", '" : "'") + id + "'";
  return out + "]";
}

Result<json::object> delete_customers(Store& s, const std::vector<std::string>& ids) {
  auto st = s.transaction([&](Store& tx) -> Status {
    std::string missing;
    for (const auto& id : ids) {
      auto found = tx.get(Table::end_users, id);
      if (!found) return found.error();
      if (!found.value()) missing += (missing.empty() ? "" : ", ") + id;
    }
    if (!missing.empty()) return not_found("End User Id(s)=" + missing + " do not exist in db");
    for (const auto& id : ids)
      if (auto gone = tx.remove(Table::end_users, id); !gone) return gone.error();
    return ok_status();
  });
  if (!st) return st.error();
  return json::object{{"deleted_customers", static_cast<int64_t>(ids.size())},
                      {"message", "Successfully deleted customers with ids: " + python_list(ids)}};
}

// /customer/block upserts: an end user not seen yet is blocked before its first request.
Result<json::object> block_customers(Store& s, const std::vector<std::string>& ids) {
  json::array blocked;
  auto st = s.transaction([&](Store& tx) -> Status {
    for (const auto& id : ids) {
      auto found = tx.get(Table::end_users, id);
      if (!found) return found.error();
      if (found.value()) {
        Row row = std::move(*found.value());
        row.doc["blocked"] = true;
        if (auto up = tx.update(Table::end_users, row); !up) return up.error();
      } else {
        auto made = keys::customer_fields(json::object{{"user_id", id}}, keys::KeyOp::generate);
        if (!made) return made.error();  // an empty id
        made->own.erase("user_id");
        made->own["blocked"] = true;
        if (auto in = tx.insert(Table::end_users, Row{id, std::move(made->own)}); !in)
          return in.error();
      }
      auto shown_row = stored_customer(tx, id);
      if (!shown_row) return shown_row.error();
      blocked.push_back(std::move(shown_row.value()));
    }
    return ok_status();
  });
  if (!st) return st.error();
  return json::object{{"blocked_users", std::move(blocked)}};
}

// LiteLLM answers /customer/unblock with the ids still blocked.
Result<json::object> unblock_customers(Store& s, const std::vector<std::string>& ids) {
  json::array still_blocked;
  auto st = s.transaction([&](Store& tx) -> Status {
    for (const auto& id : ids) {
      auto found = tx.get(Table::end_users, id);
      if (!found) return found.error();
      if (!found.value()) continue;  // never seen, so not blocked
      Row row = std::move(*found.value());
      row.doc["blocked"] = false;
      if (auto up = tx.update(Table::end_users, row); !up) return up.error();
    }
    store::Query all;
    all.limit = store::kMaxListLimit;
    auto rows = tx.list(Table::end_users, all);
    if (!rows) return rows.error();
    for (const auto& r : rows.value())
      if (bool_or(r.doc, "blocked", false)) still_blocked.emplace_back(r.id);
    return ok_status();
  });
  if (!st) return st.error();
  return json::object{{"blocked_users", std::move(still_blocked)}};
}

Result<json::array> list_customers(Store& s) {
  store::Query all;
  all.limit = store::kMaxListLimit;
  auto rows = s.list(Table::end_users, all);
  if (!rows) return rows.error();
  json::array out;
  for (const auto& r : rows.value()) {
    auto c = customer_shown(s, r);
    if (!c) return c.error();
    out.push_back(std::move(c.value()));
  }
  return out;
}

// The user_ids of /customer/delete, /block and /unblock (LiteLLM's
// DeleteCustomerRequest and BlockUsers), or the error to answer.
Result<std::vector<std::string>> customer_ids(const RequestContext& ctx, std::string_view route) {
  if (auto known = known_fields(ctx.body, {"user_ids"}, route); !known) return known.error();
  return id_list(ctx.body, "user_ids");
}

// A default_model must be a model of this proxy, as LiteLLM checks.
Status check_default_model(const RequestContext& ctx, const json::object& own) {
  std::string model(str_or(own, "default_model"));
  if (model.empty() || ctx.snapshot->table->resolve(model)) return ok_status();
  return make_error(ErrorKind::invalid_request,
                    "Default Model not on proxy. Configure via `/model/new` or config.yaml. "
                    "Default_model=" +
                        model,
                    "default_model");
}

Result<keys::OwnerFields> checked_customer(const RequestContext& ctx, keys::KeyOp op) {
  auto fields = keys::customer_fields(ctx.body, op);
  if (!fields) return fields.error();
  if (auto st = check_default_model(ctx, fields->own); !st) return st.error();
  return fields;
}

asio::awaitable<void> answer_ids(RequestContext& ctx, std::string_view route,
                                 Result<json::object> (*run)(Store&,
                                                             const std::vector<std::string>&)) {
  if (!co_await require_store(ctx)) co_return;
  auto ids = customer_ids(ctx, route);
  if (!ids) {
    co_await send_error(ctx, ids.error());
    co_return;
  }
  std::vector<std::string> user_ids = std::move(ids.value());
  Work work = [user_ids, run](Store& s) { return run(s, user_ids); };
  co_await answer(ctx, std::move(work));
  ctx.key_service->forget_all();  // a cached request path may hold the customer's block
}

}  // namespace

asio::awaitable<void> handle_customer_new(RequestContext& ctx) {
  if (!co_await require_store(ctx)) co_return;
  auto fields = checked_customer(ctx, keys::KeyOp::generate);
  if (!fields) {
    co_await send_error(ctx, fields.error());
    co_return;
  }
  auto given = std::make_shared<keys::OwnerFields>(std::move(fields.value()));
  const Principal* caller = &ctx.principal;
  Work work = [given, caller](Store& s) { return new_customer(s, std::move(*given), *caller); };
  co_await answer(ctx, std::move(work));
  ctx.key_service->forget_all();
}

asio::awaitable<void> handle_customer_update(RequestContext& ctx) {
  if (!co_await require_store(ctx)) co_return;
  auto fields = checked_customer(ctx, keys::KeyOp::update);
  if (!fields) {
    co_await send_error(ctx, fields.error());
    co_return;
  }
  auto given = std::make_shared<keys::OwnerFields>(std::move(fields.value()));
  const Principal* caller = &ctx.principal;
  Work work = [given, caller](Store& s) { return change_customer(s, std::move(*given), *caller); };
  co_await answer(ctx, std::move(work));
  ctx.key_service->forget_all();
}

asio::awaitable<void> handle_customer_delete(RequestContext& ctx) {
  co_await answer_ids(ctx, "/customer/delete", delete_customers);
}

asio::awaitable<void> handle_customer_block(RequestContext& ctx) {
  co_await answer_ids(ctx, "/customer/block", block_customers);
}

asio::awaitable<void> handle_customer_unblock(RequestContext& ctx) {
  co_await answer_ids(ctx, "/customer/unblock", unblock_customers);
}

asio::awaitable<void> handle_customer_info(RequestContext& ctx) {
  if (!co_await require_store(ctx)) co_return;
  auto id = query_param(ctx.exchange.request().target(), "end_user_id");
  if (!id || id->empty()) {
    co_await send_error(
        ctx, make_error(ErrorKind::invalid_request, "'end_user_id' is required", "end_user_id"));
    co_return;
  }
  std::string user_id = *id;
  Work work = [user_id](Store& s) { return stored_customer(s, user_id); };
  co_await answer(ctx, std::move(work));
}

asio::awaitable<void> handle_customer_list(RequestContext& ctx) {
  if (!co_await require_store(ctx)) co_return;
  ListWork work = [](Store& s) { return list_customers(s); };
  co_await answer_list(ctx, std::move(work));
}

}  // namespace routeiq::api
