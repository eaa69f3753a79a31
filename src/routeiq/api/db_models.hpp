#pragma once
// Deployments kept in the database (LiteLLM's store_model_in_db): the rules
// of a stored entry ({model_name, litellm_params, model_info}, its secrets
// sealed with the salt key), and DbModels, which loads them into the runtime
// after a change through this instance and, polling the store's change
// counter off the request path, after a change through another one.
#include <boost/json/object.hpp>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include "routeiq/config/deployment_json.hpp"
#include "routeiq/keys/secret_box.hpp"
#include "routeiq/runtime/runtime.hpp"
#include "routeiq/store/store.hpp"

namespace routeiq::api {

class KeyService;

// Largest entry /model/new and /model/update take (serialized): far beyond a
// real deployment (a Google service account is about 2.5 KiB), small enough
// that the store and every snapshot build stay cheap.
inline constexpr size_t kMaxModelEntryBytes = 64 * 1024;

// litellm_params that hold credentials: stored sealed, never shown. Named
// ones (api_key, aws_secret_access_key, vertex_credentials, ...), any name
// ending like one (azure_api_key, client_secret, ...), and the extra headers,
// which may carry an Authorization value.
bool is_secret_param(std::string_view key);

// The entry a /model/new body adds: its fields checked (unknown ones
// refused), model_info.id set (given, else a new UUID). Secrets in plaintext.
Result<boost::json::object> new_model_entry(const boost::json::object& body);
// A stored entry (unsealed) with a /model/update body applied: model_name
// replaced, litellm_params and model_info merged key by key (a null removes
// a key); model_info.id must name the entry.
Result<boost::json::object> updated_model_entry(boost::json::object entry,
                                                const boost::json::object& body);
// The deployment of an entry, as strict as API input should be: every
// warning the config loader would log (unknown provider, unset variable...)
// is a 400 here, as are router groups (routeiq/*, config only).
Result<config::Deployment> checked_deployment(const boost::json::object& entry);

// The entry with its secrets sealed (bound to the model id and the param), as
// stored. A secret with no box is refused: credentials are never stored in
// plaintext. os.environ/ references are not secrets and stay as written.
Result<boost::json::object> sealed_entry(boost::json::object entry, const keys::SecretBox* box);
// The entry of a stored row (model_info.id: the row's), its secrets opened again.
Result<boost::json::object> unsealed_entry(const store::Row& row, const keys::SecretBox* box);

// The deployment a stored row stands for, marked model_info.db_model: true
// (as LiteLLM marks them). Warnings go to `warnings`.
Result<config::Deployment> stored_deployment(const store::Row& row, const keys::SecretBox* box,
                                             std::vector<std::string>& warnings);

class DbModels {
 public:
  // `salt_key` empty: no secret can be stored or read.
  DbModels(std::shared_ptr<runtime::Runtime> runtime, std::shared_ptr<KeyService> keys,
           std::string_view salt_key);
  ~DbModels();
  DbModels(const DbModels&) = delete;
  DbModels& operator=(const DbModels&) = delete;

  // Null without a salt key.
  const keys::SecretBox* box() const { return box_ ? &*box_ : nullptr; }

  // Blocking (a database thread, the poll thread): reads every stored
  // deployment and makes the runtime serve them, unless they are what it
  // serves already. A row that cannot be read is left out and logged.
  Status load(store::Store& s);
  // Loads on a thread of its own every `interval` when the store's change
  // counter moved since the last load: another instance's change is served
  // within about `interval`, and no request ever waits for it.
  void start_polling(std::chrono::milliseconds interval);
  void stop_polling();

 private:
  void poll_loop(std::chrono::milliseconds interval);
  void poll_once();

  std::shared_ptr<runtime::Runtime> runtime_;
  std::shared_ptr<KeyService> keys_;
  std::optional<keys::SecretBox> box_;
  std::mutex load_mutex_;
  std::optional<int64_t> loaded_counter_;  // the change counter the last load saw
  std::string loaded_fingerprint_;         // ids, times and documents of that load
  std::mutex poll_mutex_;
  std::condition_variable poll_wake_;
  bool stopping_ = false;
  std::thread poller_;
};

}  // namespace routeiq::api
