#include "routeiq/api/key_service.hpp"

#include <filesystem>

#include "routeiq/core/env.hpp"
#include "routeiq/core/log.hpp"

namespace routeiq::api {
namespace asio = boost::asio;
using SteadyClock = std::chrono::steady_clock;

std::string database_url_of(std::string_view configured) {
  if (!configured.empty()) return std::string(configured);
  if (auto env = env_or_empty("DATABASE_URL"); !env.empty()) return env;
  return "sqlite://routeiq.db";
}

KeyService::KeyService(KeyServiceOptions options)
    : options_(std::move(options)), pool_(options_.db_threads, options_.max_queued) {}

KeyService::~KeyService() = default;

std::string_view KeyService::backend_name() const {
  return options_.database_url.starts_with("postgres") ? "postgresql" : "sqlite";
}

Result<store::Store*> KeyService::opened(bool create) {
  std::lock_guard lock(store_mutex_);
  if (!store_) {
    auto path = store::sqlite_path(options_.database_url);
    if (!create && path && !std::filesystem::exists(*path)) return nullptr;
    auto s = store::open_store(options_.database_url, options_.open);
    if (!s) {
      log::warn() << "key database: " << s.error().message;
      return make_error(ErrorKind::db_unavailable,
                        "The key database is unavailable: " + s.error().message);
    }
    log::info() << "key database: " << s.value()->backend() << " opened";
    store_ = std::move(s.value());
  }
  return store_.get();
}

std::optional<KeyService::Cached> KeyService::cached(const std::string& token) {
  std::lock_guard lock(cache_mutex_);
  auto it = cache_.find(token);
  if (it == cache_.end()) return std::nullopt;
  if (SteadyClock::now() >= it->second.until) {
    cache_.erase(it);
    return std::nullopt;
  }
  return it->second;
}

void KeyService::remember(const std::string& token, KeyPtr key) {
  auto ttl = key ? options_.cache_ttl : std::min(options_.cache_ttl, options_.unknown_ttl);
  if (ttl.count() <= 0) return;
  std::lock_guard lock(cache_mutex_);
  // A full cache starts over rather than tracking ages: rare, and the next
  // requests refill it from the store.
  if (cache_.size() >= options_.max_cached) cache_.clear();
  cache_[token] = Cached{std::move(key), SteadyClock::now() + ttl};
}

void KeyService::forget(const std::string& token) {
  std::lock_guard lock(cache_mutex_);
  cache_.erase(token);
}

void KeyService::forget_all() {
  std::lock_guard lock(cache_mutex_);
  cache_.clear();
}

asio::awaitable<Result<KeyService::KeyPtr>> KeyService::find(const std::string& token) {
  if (auto hit = cached(token)) co_return hit->key;
  std::function<Result<KeyPtr>()> lookup = [this, token]() -> Result<KeyPtr> {
    auto opened_store = opened(false);
    if (!opened_store) return opened_store.error();
    if (!opened_store.value()) return KeyPtr{};  // no database yet: no keys
    auto row = opened_store.value()->get(store::Table::keys, token);
    if (!row) return row.error();
    if (!row.value()) return KeyPtr{};
    auto key = keys::read_key(token, std::move(row.value()->doc));
    if (!key) return key.error();
    if (!key->team_id.empty()) {  // the team's models and block travel with the key
      auto team = opened_store.value()->get(store::Table::teams, key->team_id);
      if (!team) return team.error();
      if (team.value()) keys::attach_team(key.value(), team.value()->doc);
    }
    return std::make_shared<const keys::VirtualKey>(std::move(key.value()));
  };
  auto found = co_await pool_.run<KeyPtr>(std::move(lookup));
  if (!found) co_return found.error();
  remember(token, found.value());
  co_return found.value();
}

}  // namespace routeiq::api
