#include "routeiq/api/db_models.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <iterator>

#include "routeiq/api/key_service.hpp"
#include "routeiq/api/request.hpp"
#include "routeiq/config/model_ref.hpp"
#include "routeiq/core/json.hpp"
#include "routeiq/core/log.hpp"
#include "routeiq/providers/provider_table.hpp"

namespace routeiq::api {
namespace json = boost::json;

namespace {

constexpr std::string_view kEntryFields[] = {"model_name", "litellm_params", "model_info"};
constexpr size_t kMaxNameBytes = 256;

// Credentials by name, as LiteLLM's providers take them.
constexpr std::string_view kSecretParams[] = {
    "api_key",
    "aws_access_key_id",
    "aws_secret_access_key",
    "aws_session_token",
    "aws_bearer_token",
    "azure_ad_token",
    "vertex_credentials",
    "password",
    "token",
    "extra_headers",
    "headers",
};
// Names ending so are secrets too, whatever the provider calls them.
constexpr std::string_view kSecretSuffixes[] = {
    "_api_key",      "_secret",        "_secret_key",    "_password",     "_credentials",
    "_access_token", "_session_token", "_refresh_token", "_bearer_token", "_auth_token",
};

Error bad(std::string message, std::string param = {}) {
  return make_error(ErrorKind::invalid_request, std::move(message), std::move(param));
}

bool is_env_reference(const json::value& v) {
  return v.is_string() && std::string_view(v.get_string()).starts_with("os.environ/");
}

// A model id and name go into log lines, answers and the sealing context
// (id, newline, param): no control characters, bounded.
Status check_name(const json::value* v, std::string_view field) {
  std::string problem = std::string(field) + ": a non-empty string of at most " +
                        std::to_string(kMaxNameBytes) + " bytes without control characters";
  if (!v || !v->is_string()) return bad(problem, std::string(field));
  std::string_view text = v->get_string();
  if (text.empty() || text.size() > kMaxNameBytes) return bad(problem, std::string(field));
  for (unsigned char c : text)
    if (c < 0x20 || c == 0x7f) return bad(problem, std::string(field));
  return ok_status();
}

Status check_fields(const json::object& body, std::string_view route) {
  for (const auto& [k, v] : body)
    if (std::find(std::begin(kEntryFields), std::end(kEntryFields), std::string_view(k)) ==
        std::end(kEntryFields))
      return bad("Unknown field '" + std::string(k).substr(0, 100) + "' for " + std::string(route),
                 std::string(k).substr(0, 100));
  size_t bytes = json::serialize(body).size();
  if (bytes > kMaxModelEntryBytes)
    return bad("The deployment is " + std::to_string(bytes) + " bytes; at most " +
               std::to_string(kMaxModelEntryBytes) + " are accepted");
  for (std::string_view member : {"litellm_params", "model_info"}) {
    auto it = body.find(member);
    if (it != body.end() && !it->value().is_object() && !it->value().is_null())
      return bad(std::string(member) + ": an object", std::string(member));
  }
  return ok_status();
}

// `patch` applied to `into`: a null value removes the key.
void merge_into(json::object& into, const json::object& patch) {
  for (const auto& [k, v] : patch) {
    if (v.is_null())
      into.erase(k);
    else
      into[k] = v;
  }
}

std::string secret_context(std::string_view id, std::string_view param) {
  return std::string(id) + "\n" + std::string(param);
}

std::string model_id_of(const json::object& entry) {
  const auto* info = obj_at(entry, "model_info");
  return info ? std::string(str_or(*info, "id")) : std::string();
}

// The loader's warning for an API caller: the note that a config would be
// served anyway does not apply, since nothing is stored.
std::string refusal_of(std::string warning) {
  if (auto cut = warning.find("; deployment \""); cut != std::string::npos) warning.resize(cut);
  return warning;
}

json::object entry_only(const json::object& stored) {
  json::object entry;
  for (auto field : kEntryFields)
    if (auto it = stored.find(field); it != stored.end()) entry[field] = it->value();
  return entry;
}

std::string fingerprint_of(const std::vector<store::Row>& rows) {
  std::string out;
  for (const auto& r : rows)
    out += r.id + "\n" + std::to_string(r.updated_ms) + "\n" + json::serialize(r.doc) + "\n";
  return out;
}

Result<std::vector<store::Row>> all_models(store::Store& s) {
  std::vector<store::Row> rows;
  store::Query page;
  page.limit = store::kMaxListLimit;
  for (;;) {
    auto got = s.list(store::Table::models, page);
    if (!got) return got.error();
    size_t n = got->size();
    std::move(got->begin(), got->end(), std::back_inserter(rows));
    if (n < page.limit) return rows;
    page.offset += n;
  }
}

}  // namespace

bool is_secret_param(std::string_view key) {
  if (std::find(std::begin(kSecretParams), std::end(kSecretParams), key) != std::end(kSecretParams))
    return true;
  return std::any_of(std::begin(kSecretSuffixes), std::end(kSecretSuffixes),
                     [&](std::string_view suffix) { return key.ends_with(suffix); });
}

Result<json::object> new_model_entry(const json::object& body) {
  if (auto st = check_fields(body, "/model/new"); !st) return st.error();
  if (auto st = check_name(body.if_contains("model_name"), "model_name"); !st) return st.error();
  const auto* params = obj_at(body, "litellm_params");
  if (!params) return bad("litellm_params: an object with at least `model`", "litellm_params");
  json::object info;
  if (const auto* given = obj_at(body, "model_info")) info = *given;
  if (info.contains("id")) {
    if (auto st = check_name(info.if_contains("id"), "model_info.id"); !st) return st.error();
  } else {
    info["id"] = make_call_id();
  }
  json::object entry;
  entry["model_name"] = body.at("model_name");
  entry["litellm_params"] = *params;
  entry["model_info"] = std::move(info);
  return entry;
}

Result<json::object> updated_model_entry(json::object entry, const json::object& body) {
  if (auto st = check_fields(body, "/model/update"); !st) return st.error();
  const auto* info = obj_at(body, "model_info");
  if (!info || str_or(*info, "id") != model_id_of(entry))
    return bad("model_info.id: the id of the model to update", "model_info.id");
  if (body.contains("model_name")) {
    if (auto st = check_name(body.if_contains("model_name"), "model_name"); !st) return st.error();
    entry["model_name"] = body.at("model_name");
  }
  if (const auto* params = obj_at(body, "litellm_params")) {
    auto& stored_params = entry["litellm_params"];
    if (!stored_params.is_object()) stored_params = json::object();
    merge_into(stored_params.as_object(), *params);
  }
  json::object patch = *info;
  patch.erase("id");  // the id names the row; it is never changed
  auto& stored_info = entry["model_info"];
  if (!stored_info.is_object()) stored_info = json::object();
  merge_into(stored_info.as_object(), patch);
  if (json::serialize(entry).size() > kMaxModelEntryBytes)
    return bad("The updated deployment would be larger than " +
               std::to_string(kMaxModelEntryBytes) + " bytes");
  return entry;
}

Result<config::Deployment> checked_deployment(const json::object& entry) {
  auto loaded = config::load_deployment_json(entry);
  if (!loaded) return bad(loaded.error().message);
  const auto& d = loaded->deployment;
  if (!d.provider.empty()) {
    const auto* provider = providers::find_provider(d.provider);
    if (!provider)
      return bad("litellm_params.model: " +
                     config::unknown_provider_problem(d.provider, d.provider + "/" + d.model),
                 "litellm_params.model");
    if (provider->format == providers::WireFormat::router)
      return bad("litellm_params.model: routeiq/* router groups are set in the config file only",
                 "litellm_params.model");
  }
  if (!loaded->warnings.empty()) return bad(refusal_of(loaded->warnings.front()));
  return d;
}

Result<json::object> sealed_entry(json::object entry, const keys::SecretBox* box) {
  std::string id = model_id_of(entry);
  auto& params = entry["litellm_params"].as_object();
  for (auto& [k, v] : params) {
    if (!is_secret_param(k) || v.is_null() || is_env_reference(v)) continue;
    if (!box)
      return make_error(ErrorKind::invalid_request,
                        "litellm_params." + std::string(k) +
                            " is a credential, and credentials are stored encrypted only: set "
                            "ROUTEIQ_SALT_KEY (or LITELLM_SALT_KEY) on the gateway, or give it "
                            "as os.environ/<VARIABLE>",
                        "litellm_params." + std::string(k));
    auto sealed = box->seal(json::serialize(v), secret_context(id, k));
    if (!sealed) return sealed.error();
    v = std::move(sealed.value());
  }
  return entry;
}

Result<json::object> unsealed_entry(const store::Row& row, const keys::SecretBox* box) {
  json::object entry = entry_only(row.doc);
  const std::string& id = row.id;
  auto& info = entry["model_info"];
  if (!info.is_object()) info = json::object();
  info.as_object()["id"] = id;
  auto* params = entry["litellm_params"].if_object();
  if (!params) return make_error(ErrorKind::internal, "Stored model " + id + " has no params");
  for (auto& [k, v] : *params) {
    if (!is_secret_param(k) || !v.is_string() || !keys::is_sealed(v.get_string())) continue;
    if (!box)
      return make_error(ErrorKind::internal,
                        "Stored model " + id + ": litellm_params." + std::string(k) +
                            " is encrypted and no ROUTEIQ_SALT_KEY / LITELLM_SALT_KEY is set");
    auto opened = box->open(v.get_string(), secret_context(id, k));
    if (!opened)
      return make_error(ErrorKind::internal, "Stored model " + id + ": litellm_params." +
                                                 std::string(k) + ": " + opened.error().message);
    boost::system::error_code ec;
    v = json::parse(opened.value(), ec);
    if (ec) return make_error(ErrorKind::internal, "Stored model " + id + ": corrupt secret");
  }
  return entry;
}

Result<config::Deployment> stored_deployment(const store::Row& row, const keys::SecretBox* box,
                                             std::vector<std::string>& warnings) {
  auto entry = unsealed_entry(row, box);
  if (!entry) return entry.error();
  (*entry)["model_info"].as_object()["db_model"] = true;
  auto loaded = config::load_deployment_json(*entry);
  if (!loaded)
    return make_error(ErrorKind::internal,
                      "Stored model " + row.id + ": " + loaded.error().message);
  for (auto& w : loaded->warnings) warnings.push_back("stored model " + row.id + ": " + w);
  return std::move(loaded->deployment);
}

DbModels::DbModels(std::shared_ptr<runtime::Runtime> runtime, std::shared_ptr<KeyService> keys,
                   std::string_view salt_key)
    : runtime_(std::move(runtime)), keys_(std::move(keys)) {
  if (salt_key.empty()) return;
  auto box = keys::SecretBox::from_salt_key(salt_key);
  if (box)
    box_.emplace(std::move(box.value()));
  else
    log::error() << "database models: " << box.error().message;
}

DbModels::~DbModels() {
  stop_polling();
}

Status DbModels::load(store::Store& s) {
  std::lock_guard lock(load_mutex_);
  // Read before the rows: a change after it makes the next poll load again.
  auto counter = s.change_counter();
  if (!counter) return counter.error();
  auto rows = all_models(s);
  if (!rows) return rows.error();
  std::string fingerprint = fingerprint_of(rows.value());
  if (loaded_counter_ && fingerprint == loaded_fingerprint_) {
    loaded_counter_ = counter.value();  // other tables changed: nothing to rebuild
    return ok_status();
  }
  std::vector<config::Deployment> deployments;
  std::vector<std::string> warnings;
  for (const auto& row : rows.value()) {
    auto d = stored_deployment(row, box(), warnings);
    if (d)
      deployments.push_back(std::move(d.value()));
    else
      log::error() << "database models: not served: " << d.error().message;
  }
  for (const auto& w : warnings) log::warn() << "database models: " << w;
  size_t served = deployments.size();
  if (auto st = runtime_->set_db_deployments(std::move(deployments)); !st) {
    log::error() << "database models: " << st.error().message;
    return st;
  }
  loaded_counter_ = counter.value();
  loaded_fingerprint_ = std::move(fingerprint);
  log::info() << "database models: serving " << served << " deployments from the database";
  return ok_status();
}

void DbModels::start_polling(std::chrono::milliseconds interval) {
  stop_polling();
  {
    std::lock_guard lock(poll_mutex_);
    stopping_ = false;
  }
  poller_ = std::thread([this, interval] { poll_loop(interval); });
}

void DbModels::stop_polling() {
  {
    std::lock_guard lock(poll_mutex_);
    stopping_ = true;
  }
  poll_wake_.notify_all();
  if (poller_.joinable()) poller_.join();
}

void DbModels::poll_loop(std::chrono::milliseconds interval) {
  for (;;) {
    {
      std::unique_lock lock(poll_mutex_);
      if (poll_wake_.wait_for(lock, interval, [this] { return stopping_; })) return;
    }
    poll_once();
  }
}

void DbModels::poll_once() {
  auto s = keys_->blocking_store();
  if (!s) return;  // KeyService logged why; the next poll tries again
  auto counter = s.value()->change_counter();
  if (!counter) return;
  {
    std::lock_guard lock(load_mutex_);
    if (loaded_counter_ == counter.value()) return;
  }
  load(*s.value());
}

}  // namespace routeiq::api
