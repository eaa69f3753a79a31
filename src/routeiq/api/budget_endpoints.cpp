#include "routeiq/api/budget_endpoints.hpp"

#include <boost/json.hpp>
#include <memory>

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
using SysClock = std::chrono::system_clock;

namespace {

Error budget_not_found(const std::string& id) {
  return not_found("Budget not found: budget_id=" + id);
}

Result<json::object> stored_budget(Store& s, const std::string& id) {
  auto stored = s.get(Table::budgets, id);
  if (!stored) return stored.error();
  if (!stored.value()) return budget_not_found(id);
  return shown(*stored.value(), "budget_id");
}

Result<json::object> new_budget(Store& s, const std::string& id, json::object doc,
                                const Principal& caller) {
  doc["created_by"] = caller_name(caller);
  doc["updated_by"] = caller_name(caller);
  auto inserted = s.insert(Table::budgets, Row{id, std::move(doc)});
  if (!inserted) return inserted.error();
  if (!inserted.value())
    return make_error(ErrorKind::invalid_request, "Budget already exists: budget_id=" + id,
                      "budget_id");
  return stored_budget(s, id);
}

Result<json::object> change_budget(Store& s, const std::string& id, const json::object& changes,
                                   const Principal& caller) {
  Result<json::object> out = budget_not_found(id);
  auto st = s.transaction([&](Store& tx) -> Status {
    auto found = tx.get(Table::budgets, id);
    if (!found) return found.error();
    if (!found.value()) return budget_not_found(id);
    Row row = std::move(*found.value());
    for (const auto& [k, v] : changes) row.doc[k] = v;
    row.doc["updated_by"] = caller_name(caller);
    if (auto up = tx.update(Table::budgets, row); !up) return up.error();
    out = stored_budget(tx, id);
    return out ? ok_status() : Status(out.error());
  });
  if (!st) return st.error();
  return out;
}

Result<json::object> remove_budget(Store& s, const std::string& id) {
  Result<json::object> out = budget_not_found(id);
  auto st = s.transaction([&](Store& tx) -> Status {
    out = stored_budget(tx, id);
    if (!out) return out.error();
    if (auto gone = tx.remove(Table::budgets, id); !gone) return gone.error();
    return ok_status();
  });
  if (!st) return st.error();
  return out;
}

ListWork budgets_work(const store::Query& q) {
  return [q](Store& s) -> Result<json::array> {
    auto rows = s.list(Table::budgets, q);
    if (!rows) return rows.error();
    json::array out;
    for (const auto& r : rows.value()) out.push_back(shown(r, "budget_id"));
    return out;
  };
}

// /budget/settings: the fields the Admin UI may edit, with LiteLLM's types
// and descriptions (BudgetNewRequest's).
struct Setting {
  std::string_view name, type, description;
};
constexpr Setting kSettings[] = {
    {"max_budget", "Float", "Requests will fail if this budget (in USD) is exceeded."},
    {"soft_budget", "Float",
     "Requests will NOT fail if this is exceeded. Will fire alerting though."},
    {"max_parallel_requests", "Integer", "Max concurrent requests allowed for this budget id."},
    {"tpm_limit", "Integer", "Max tokens per minute, allowed for this budget id."},
    {"rpm_limit", "Integer", "Max requests per minute, allowed for this budget id."},
    {"budget_duration", "String",
     "Max duration budget should be set for (e.g. '1hr', '1d', '28d')"},
    {"model_max_budget", "Object",
     "Max budget for each model (e.g. {'gpt-4o': {'max_budget': "
     "'0.0000001', 'budget_duration': '1d'}})"},
};

Result<json::array> budget_settings(Store& s, const std::string& id) {
  auto found = s.get(Table::budgets, id);
  if (!found) return found.error();
  json::object doc = found.value() ? found.value()->doc : json::object();
  json::array out;
  for (const auto& f : kSettings) {
    const auto* value = doc.if_contains(f.name);
    out.push_back(json::object{{"field_name", f.name},
                               {"field_type", f.type},
                               {"field_description", f.description},
                               {"field_value", value ? *value : json::value()},
                               {"stored_in_db", true},
                               {"field_default_value", nullptr}});
  }
  return out;
}

}  // namespace

Result<json::value> budget_table(Store& s, std::string_view id) {
  if (id.empty()) return json::value();
  auto found = s.get(Table::budgets, id);
  if (!found) return found.error();
  if (!found.value()) return json::value();
  return json::value(shown(*found.value(), "budget_id"));
}

Result<std::string> create_budget(Store& s, json::object fields, const Principal& caller) {
  std::string id = make_call_id();
  auto made = new_budget(s, id, std::move(fields), caller);
  if (!made) return made.error();
  return id;
}

Result<std::string> write_owner_budget(Store& s, const std::string& id, const json::object& fields,
                                       const Principal& caller) {
  auto checked = keys::budget_fields(fields, keys::KeyOp::generate, SysClock::now());
  if (!checked) return checked.error();
  auto found = id.empty() ? Result<std::optional<Row>>(std::nullopt) : s.get(Table::budgets, id);
  if (!found) return found.error();
  if (!found.value()) return create_budget(s, std::move(checked.value()), caller);
  Row row = std::move(*found.value());
  for (const auto& [k, v] : checked.value()) row.doc[k] = v;
  row.doc["updated_by"] = caller_name(caller);
  if (auto up = s.update(Table::budgets, row); !up) return up.error();
  return id;
}

Status require_budget(Store& s, const std::string& id) {
  auto found = s.get(Table::budgets, id);
  if (!found) return found.error();
  if (found.value()) return ok_status();
  return make_error(ErrorKind::invalid_request, "Budget not found: budget_id=" + id, "budget_id");
}

asio::awaitable<void> handle_budget_new(RequestContext& ctx) {
  if (!co_await require_store(ctx)) co_return;
  auto fields = keys::budget_fields(ctx.body, keys::KeyOp::generate, SysClock::now());
  if (!fields) {
    co_await send_error(ctx, fields.error());
    co_return;
  }
  std::string id(str_or(ctx.body, "budget_id"));
  if (id.empty()) id = make_call_id();
  auto doc = std::make_shared<json::object>(std::move(fields.value()));
  const Principal* caller = &ctx.principal;
  Work work = [id, doc, caller](Store& s) { return new_budget(s, id, std::move(*doc), *caller); };
  co_await answer(ctx, std::move(work));
}

asio::awaitable<void> handle_budget_update(RequestContext& ctx) {
  if (!co_await require_store(ctx)) co_return;
  auto fields = keys::budget_fields(ctx.body, keys::KeyOp::update, SysClock::now());
  if (!fields) {
    co_await send_error(ctx, fields.error());
    co_return;
  }
  std::string id(str_or(ctx.body, "budget_id"));
  auto changes = std::make_shared<json::object>(std::move(fields.value()));
  const Principal* caller = &ctx.principal;
  Work work = [id, changes, caller](Store& s) { return change_budget(s, id, *changes, *caller); };
  co_await answer(ctx, std::move(work));
}

asio::awaitable<void> handle_budget_delete(RequestContext& ctx) {
  if (!co_await require_store(ctx)) co_return;
  std::string id(str_or(ctx.body, "id"));
  auto known = known_fields(ctx.body, {"id"}, "/budget/delete");
  if (!known || id.empty()) {
    auto error =
        known ? make_error(ErrorKind::invalid_request, "'id' is required", "id") : known.error();
    co_await send_error(ctx, std::move(error));
    co_return;
  }
  Work work = [id](Store& s) { return remove_budget(s, id); };
  co_await answer(ctx, std::move(work));
}

asio::awaitable<void> handle_budget_info(RequestContext& ctx) {
  if (!co_await require_store(ctx)) co_return;
  auto known = known_fields(ctx.body, {"budgets"}, "/budget/info");
  auto ids = id_list(ctx.body, "budgets");
  if (!known || !ids) {
    Error error = known ? ids.error() : known.error();
    co_await send_error(ctx, std::move(error));
    co_return;
  }
  store::Query q;
  q.ids = std::move(ids.value());
  q.limit = store::kMaxListLimit;
  co_await answer_list(ctx, budgets_work(q));
}

asio::awaitable<void> handle_budget_list(RequestContext& ctx) {
  if (!co_await require_store(ctx)) co_return;
  store::Query q;
  q.limit = store::kMaxListLimit;
  co_await answer_list(ctx, budgets_work(q));
}

asio::awaitable<void> handle_budget_settings(RequestContext& ctx) {
  if (!co_await require_store(ctx)) co_return;
  auto id = query_param(ctx.exchange.request().target(), "budget_id");
  if (!id || id->empty()) {
    co_await send_error(
        ctx, make_error(ErrorKind::invalid_request, "'budget_id' is required", "budget_id"));
    co_return;
  }
  std::string budget_id = *id;
  ListWork work = [budget_id](Store& s) { return budget_settings(s, budget_id); };
  co_await answer_list(ctx, std::move(work));
}

}  // namespace routeiq::api
