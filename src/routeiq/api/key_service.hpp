#pragma once
// Virtual keys at request time: the store (opened on first use, on a database
// thread), the threads that talk to it, and the key cache every server thread
// shares. A cached key is trusted for user_api_key_cache_ttl; an unknown key
// is remembered as unknown for a few seconds, so a flood of bad keys does not
// become a flood of queries. Writes made through this instance drop the
// cached entry at once; other instances see them within the TTL.
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "routeiq/api/spend_ledger.hpp"
#include "routeiq/api/ttl_cache.hpp"
#include "routeiq/keys/access.hpp"
#include "routeiq/net/blocking_pool.hpp"
#include "routeiq/store/store.hpp"

namespace routeiq::spend {
class SpendWriter;
}

namespace routeiq::api {

class DbModels;
class ProxyBudget;
class BudgetAlerts;

struct KeyServiceOptions {
  std::string database_url;  // resolved: config, DATABASE_URL, else ./routeiq.db
  store::OpenOptions open;
  std::chrono::milliseconds cache_ttl{60'000};
  std::chrono::milliseconds unknown_ttl{5'000};
  size_t max_cached = 100'000;
  bool allow_requests_on_db_unavailable = false;
  size_t db_threads = 2;
  size_t max_queued = 1024;
};

// The database URL a config asks for (general_settings.database_url, else the
// DATABASE_URL variable, else ./routeiq.db next to where the gateway runs).
std::string database_url_of(std::string_view configured);

// An end user (LiteLLM's customer): the `user` of a request, or its
// x-litellm-customer-id header, as /customer/new stored it.
struct EndUser {
  std::string id;
  bool blocked = false;
  limits::Limits limits;  // from the budget row its budget_id names
  keys::Budget budget;    // that row's max_budget, the end user's own spend
  boost::json::object doc;
};

class KeyService {
 public:
  explicit KeyService(KeyServiceOptions options);
  ~KeyService();

  using KeyPtr = std::shared_ptr<const keys::VirtualKey>;
  // The key with this token (null: no such key), from the cache or the store.
  boost::asio::awaitable<Result<KeyPtr>> find(const std::string& token);
  // The cached answer for this token (null: known not to exist), without a
  // coroutine; nullopt when only the store can tell.
  std::optional<KeyPtr> cached(const std::string& token) { return keys_.get(token); }
  using EndUserPtr = std::shared_ptr<const EndUser>;
  // The end user with this id (null: not stored), from the cache or the store.
  boost::asio::awaitable<Result<EndUserPtr>> find_end_user(const std::string& id);
  // Runs `work` on a database thread with the store (opened on first use).
  template <class T>
  boost::asio::awaitable<Result<T>> with_store(std::function<Result<T>(store::Store&)> work);
  // The store (opened on first use) for a thread that may block but is not
  // one of the database threads: the poll of database models.
  Result<store::Store*> blocking_store() { return opened(true); }
  // The same, but a SQLite file that does not exist yet is not made (null):
  // requests made with the master key alone leave no database behind.
  Result<store::Store*> existing_store() { return opened(false); }
  // Drops a cached key after this instance changed or deleted it.
  void forget(const std::string& token);
  // Drops every cached key and end user (a team, user or customer changed:
  // keys carry their team's models and block and their user's role).
  void forget_all();
  // Drops a cached end user after this instance changed it.
  void forget_end_user(const std::string& id) { end_users_.erase(id); }

  // The deployments stored with store_model_in_db (null when it is off): the
  // /model/* handlers reach them through the store they keep them in. Set
  // before the server starts; they outlive it.
  void set_db_models(DbModels* models) { db_models_ = models; }
  DbModels* db_models() const { return db_models_; }
  // Where the spend-log rows of requests go (null: none are written). Set
  // before the server starts; it outlives it.
  void set_spend_writer(spend::SpendWriter* writer) { spend_writer_ = writer; }
  spend::SpendWriter* spend_writer() const { return spend_writer_; }
  // This instance's spend not yet written (budget checks add it).
  SpendLedger& ledger() { return ledger_; }
  // litellm_settings.max_budget (null: none) and where budget events go
  // (null: nowhere). Set before the server starts; they outlive it.
  void set_proxy_budget(ProxyBudget* budget) { proxy_budget_ = budget; }
  ProxyBudget* proxy_budget() const { return proxy_budget_; }
  void set_budget_alerts(BudgetAlerts* alerts) { budget_alerts_ = alerts; }
  BudgetAlerts* budget_alerts() const { return budget_alerts_; }

  bool allow_requests_on_db_unavailable() const {
    return options_.allow_requests_on_db_unavailable;
  }
  std::string_view backend_name() const;

 private:
  std::chrono::milliseconds ttl_for(bool found) const;
  // On a database thread. With `create` false, a SQLite file that does not
  // exist yet is not made: no database means no virtual keys, and a wrong key
  // must not leave a file behind.
  Result<store::Store*> opened(bool create = true);

  KeyServiceOptions options_;
  TtlCache<keys::VirtualKey> keys_;
  TtlCache<EndUser> end_users_;
  std::mutex store_mutex_;
  std::unique_ptr<store::Store> store_;
  DbModels* db_models_ = nullptr;
  spend::SpendWriter* spend_writer_ = nullptr;
  ProxyBudget* proxy_budget_ = nullptr;
  BudgetAlerts* budget_alerts_ = nullptr;
  SpendLedger ledger_;
  net::BlockingPool pool_;
};

template <class T>
boost::asio::awaitable<Result<T>> KeyService::with_store(
    std::function<Result<T>(store::Store&)> work) {
  std::function<Result<T>()> job = [this, work = std::move(work)]() -> Result<T> {
    auto s = opened(true);
    if (!s) return s.error();
    return work(*s.value());
  };
  co_return co_await pool_.run<T>(std::move(job));
}

}  // namespace routeiq::api
