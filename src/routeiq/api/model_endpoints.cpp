#include "routeiq/api/model_endpoints.hpp"

#include <boost/json.hpp>

#include "routeiq/api/db_models.hpp"
#include "routeiq/api/info_endpoints.hpp"
#include "routeiq/api/key_service.hpp"
#include "routeiq/api/management.hpp"
#include "routeiq/core/json.hpp"

namespace routeiq::api {
namespace asio = boost::asio;
namespace json = boost::json;
using store::Row;
using store::Store;
using store::Table;
using Work = std::function<Result<json::object>(Store&)>;

namespace {

// ---------------------------------------------------------------- pure parts

// Why this caller may not manage models here, if it may not. LiteLLM lets
// only the proxy admin add, change or remove deployments.
std::optional<Error> model_route_refusal(const RequestContext& ctx) {
  if (!ctx.principal.is_proxy_admin())
    return make_error(ErrorKind::auth_forbidden,
                      "Only the proxy admin (the master key, or a key of a proxy_admin user) may "
                      "add, update or delete models");
  if (!ctx.key_service->db_models())
    return make_error(ErrorKind::invalid_request,
                      "Models are stored only with general_settings.store_model_in_db: true (or "
                      "STORE_MODEL_IN_DB=True)");
  return std::nullopt;
}

// A config deployment with this id would win over the stored one, which
// would then never be served.
Status id_not_in_config(const runtime::Snapshot& snap, const std::string& id) {
  for (const auto& d : snap.config->model_list)
    if (d.model_info.id == id && !d.model_info.extra.contains("db_model"))
      return make_error(ErrorKind::invalid_request,
                        "model_info.id '" + id + "' is the id of a deployment in the config file",
                        "model_info.id");
  return ok_status();
}

json::value member_or(const json::object& o, std::string_view key, std::string_view dflt) {
  if (const auto* v = o.if_contains(key)) return *v;
  return json::string(dflt);
}

// LiteLLM answers with the stored row; credentials are left out here, as
// /model/info leaves them out.
json::object model_answer(const Row& row, config::Deployment d) {
  d.model_info.extra["db_model"] = true;
  json::object entry = model_info_entry(d);
  json::object times = shown(row, "model_id");
  json::object out;
  out["model_id"] = row.id;
  for (auto field : {"model_name", "litellm_params", "model_info"}) out[field] = entry[field];
  out["created_at"] = times["created_at"];
  out["updated_at"] = times["updated_at"];
  out["created_by"] = member_or(row.doc, "created_by", "");
  out["updated_by"] = member_or(row.doc, "updated_by", "");
  return out;
}

// After a write: this instance serves the change before it answers. If the
// stored deployments cannot be served, the write is undone by `undo`.
Status serve_after_write(Store& s, DbModels& models, const std::function<void()>& undo) {
  auto loaded = models.load(s);
  if (loaded) return loaded;
  undo();
  models.load(s);
  return make_error(
      ErrorKind::internal,
      "The deployment could not be served, nothing was changed: " + loaded.error().message);
}

Result<json::object> add_model(Store& s, DbModels& models, Row row,
                               const config::Deployment& deployment) {
  auto inserted = s.insert(Table::models, row);
  if (!inserted) return inserted.error();
  if (!inserted.value())
    return make_error(ErrorKind::invalid_request,
                      "A model with model_info.id '" + row.id + "' already exists",
                      "model_info.id");
  auto stored = s.get(Table::models, row.id);
  if (!stored) return stored.error();
  if (!stored.value()) return not_found("Model not found: model_info.id=" + row.id);
  std::string id = row.id;
  if (auto st = serve_after_write(s, models, [&] { s.remove(Table::models, id); }); !st)
    return st.error();
  return model_answer(*stored.value(), deployment);
}

// The row of `id` with the /model/update body applied, checked and sealed.
Result<std::pair<Row, config::Deployment>> changed_row(Store& tx, const keys::SecretBox* box,
                                                       const std::string& id,
                                                       const json::object& body,
                                                       const std::string& caller) {
  auto found = tx.get(Table::models, id);
  if (!found) return found.error();
  if (!found.value()) return not_found("Model not found: model_info.id=" + id);
  Row row = std::move(*found.value());
  auto entry = unsealed_entry(row, box);
  if (!entry) return entry.error();
  auto merged = updated_model_entry(std::move(entry.value()), body);
  if (!merged) return merged.error();
  auto deployment = checked_deployment(merged.value());
  if (!deployment) return deployment.error();
  auto sealed = sealed_entry(std::move(merged.value()), box);
  if (!sealed) return sealed.error();
  json::value created_by = member_or(row.doc, "created_by", caller);
  row.doc = std::move(sealed.value());
  row.doc["created_by"] = created_by;
  row.doc["updated_by"] = caller;
  return std::pair{std::move(row), std::move(deployment.value())};
}

Result<json::object> update_model(Store& s, DbModels& models, const std::string& id,
                                  const json::object& body, const std::string& caller) {
  std::optional<Row> before;
  std::optional<config::Deployment> deployment;
  auto st = s.transaction([&](Store& tx) -> Status {
    if (auto old = tx.get(Table::models, id); old && old.value()) before = *old.value();
    auto changed = changed_row(tx, models.box(), id, body, caller);
    if (!changed) return changed.error();
    deployment = std::move(changed->second);
    auto updated = tx.update(Table::models, changed->first);
    if (!updated) return updated.error();
    return ok_status();
  });
  if (!st) return st.error();
  auto undo = [&] {
    if (before) s.update(Table::models, *before);
  };
  if (auto served = serve_after_write(s, models, undo); !served) return served.error();
  auto stored = s.get(Table::models, id);
  if (!stored) return stored.error();
  if (!stored.value()) return not_found("Model not found: model_info.id=" + id);
  return model_answer(*stored.value(), std::move(*deployment));
}

Result<json::object> delete_model(Store& s, DbModels& models, const std::string& id) {
  auto removed = s.remove(Table::models, id);
  if (!removed) return removed.error();
  if (!removed.value())
    return not_found("Model not found in the database: id=" + id +
                     " (deployments of the config file are removed by editing it)");
  if (auto st = models.load(s); !st) return st.error();
  json::object out;
  out["message"] = "Model: " + id + " deleted successfully";
  return out;
}

// ---------------------------------------------------------------- the works

Result<Work> new_model_work(const RequestContext& ctx) {
  auto entry = new_model_entry(ctx.body);
  if (!entry) return entry.error();
  auto deployment = checked_deployment(entry.value());
  if (!deployment) return deployment.error();
  std::string id = deployment->model_info.id;
  if (auto st = id_not_in_config(*ctx.snapshot, id); !st) return st.error();
  auto sealed = sealed_entry(std::move(entry.value()), ctx.key_service->db_models()->box());
  if (!sealed) return sealed.error();
  Row row;
  row.id = id;
  row.doc = std::move(sealed.value());
  row.doc["created_by"] = caller_name(ctx.principal);
  row.doc["updated_by"] = caller_name(ctx.principal);
  auto d = std::make_shared<const config::Deployment>(std::move(deployment.value()));
  DbModels* models = ctx.key_service->db_models();
  return Work(
      [models, row = std::move(row), d](Store& s) { return add_model(s, *models, row, *d); });
}

Result<Work> update_model_work(const RequestContext& ctx) {
  const auto* info = obj_at(ctx.body, "model_info");
  std::string id(info ? str_or(*info, "id") : "");
  if (id.empty())
    return make_error(ErrorKind::invalid_request, "model_info.id is required: the model to update",
                      "model_info.id");
  auto body = std::make_shared<const json::object>(ctx.body);
  std::string caller = caller_name(ctx.principal);
  DbModels* models = ctx.key_service->db_models();
  return Work(
      [models, id, body, caller](Store& s) { return update_model(s, *models, id, *body, caller); });
}

Result<Work> delete_model_work(const RequestContext& ctx) {
  for (const auto& [k, v] : ctx.body)
    if (k != "id")
      return make_error(ErrorKind::invalid_request,
                        "Unknown field '" + std::string(k).substr(0, 100) + "' for /model/delete",
                        std::string(k).substr(0, 100));
  std::string id(str_or(ctx.body, "id"));
  if (id.empty())
    return make_error(ErrorKind::invalid_request, "'id' is required: the model_info.id to delete",
                      "id");
  DbModels* models = ctx.key_service->db_models();
  return Work([models, id](Store& s) { return delete_model(s, *models, id); });
}

// ---------------------------------------------------------------- handlers

asio::awaitable<bool> require_model_store(RequestContext& ctx) {
  if (!co_await require_store(ctx)) co_return false;
  auto refused = model_route_refusal(ctx);
  if (!refused) co_return true;
  co_await send_error(ctx, std::move(*refused));
  co_return false;
}

asio::awaitable<void> run_model_work(RequestContext& ctx, Result<Work> work) {
  if (!work) {
    co_await send_error(ctx, work.error());
    co_return;
  }
  co_await answer(ctx, std::move(work.value()));
}

}  // namespace

asio::awaitable<void> handle_model_new(RequestContext& ctx) {
  if (!co_await require_model_store(ctx)) co_return;
  auto work = new_model_work(ctx);
  co_await run_model_work(ctx, std::move(work));
}

asio::awaitable<void> handle_model_update(RequestContext& ctx) {
  if (!co_await require_model_store(ctx)) co_return;
  auto work = update_model_work(ctx);
  co_await run_model_work(ctx, std::move(work));
}

asio::awaitable<void> handle_model_delete(RequestContext& ctx) {
  if (!co_await require_model_store(ctx)) co_return;
  auto work = delete_model_work(ctx);
  co_await run_model_work(ctx, std::move(work));
}

}  // namespace routeiq::api
