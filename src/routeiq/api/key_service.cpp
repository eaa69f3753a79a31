#include "routeiq/api/key_service.hpp"

#include <filesystem>

#include "routeiq/api/scoped_budgets.hpp"
#include "routeiq/core/env.hpp"
#include "routeiq/core/json.hpp"
#include "routeiq/core/log.hpp"
#include "routeiq/core/time.hpp"

namespace routeiq::api {
namespace asio = boost::asio;
using SteadyClock = std::chrono::steady_clock;

std::string database_url_of(std::string_view configured) {
  if (!configured.empty()) return std::string(configured);
  if (auto env = env_or_empty("DATABASE_URL"); !env.empty()) return env;
  return "sqlite://routeiq.db";
}

KeyService::KeyService(KeyServiceOptions options)
    : options_(std::move(options)),
      keys_(options_.max_cached),
      end_users_(options_.max_cached),
      pool_(options_.db_threads, options_.max_queued) {}

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

std::chrono::milliseconds KeyService::ttl_for(bool found) const {
  return found ? options_.cache_ttl : std::min(options_.cache_ttl, options_.unknown_ttl);
}

void KeyService::forget(const std::string& token) {
  keys_.erase(token);
}

void KeyService::forget_all() {
  keys_.clear();
  end_users_.clear();
}

namespace {

using SysClock = std::chrono::system_clock;

const std::vector<store::Link> kKeyOwners = {{"team_id", store::Table::teams},
                                             {"user_id", store::Table::users}};

// A key row with its team and user rows, in one round trip on PostgreSQL.
using KeyRows = std::vector<std::optional<store::Row>>;

// The rows a presented token stands for: its own, or, within a rotation's
// grace period, those of the key it was regenerated to (followed a few
// times: a key rotated twice within the period). `grace_ends`: when the
// borrowed rows stop being valid for this token. Empty: no such key.
Result<KeyRows> active_rows(store::Store& s, std::string token,
                            std::optional<SysClock::time_point>& grace_ends) {
  auto now = SysClock::now();
  for (int hop = 0; hop < 4; ++hop) {
    auto rows = s.get_linked(store::Table::keys, token, kKeyOwners);
    if (!rows) return rows.take_error();
    if (rows->front()) return rows;
    auto gone = s.get(store::Table::deleted_keys, token);
    if (!gone) return gone.error();
    if (!gone.value()) break;
    auto next = str_or(gone.value()->doc, "regenerated_to");
    auto revoke = parse_iso8601(str_or(gone.value()->doc, "revoke_at"));
    if (next.empty() || !revoke || *revoke <= now) break;
    grace_ends = grace_ends ? std::min(*grace_ends, *revoke) : *revoke;
    token = std::string(next);
  }
  return KeyRows{};
}

// A stored key as the auth stage checks it: with its team's models and block,
// its user's role, and the budgets of its organisation and team membership.
Result<KeyService::KeyPtr> key_with_owners(store::Store& s, KeyRows rows) {
  auto key = keys::read_key(rows[0]->id, std::move(rows[0]->doc));
  if (!key) return key.error();
  if (rows[1]) keys::attach_team(key.value(), rows[1]->doc);
  if (rows[2]) keys::attach_user(key.value(), rows[2]->doc);
  if (auto st = attach_scoped_budgets(s, key.value(), rows[1] ? &rows[1]->doc : nullptr); !st)
    return st.error();
  return std::make_shared<const keys::VirtualKey>(std::move(key.value()));
}

}  // namespace

asio::awaitable<Result<KeyService::KeyPtr>> KeyService::find(const std::string& token) {
  if (auto hit = keys_.get(token)) co_return *hit;
  auto grace_ends = std::make_shared<std::optional<SysClock::time_point>>();
  std::function<Result<KeyPtr>()> lookup = [this, token, grace_ends]() -> Result<KeyPtr> {
    auto opened_store = opened(false);
    if (!opened_store) return opened_store.error();
    if (!opened_store.value()) return KeyPtr{};  // no database yet: no keys
    auto& s = *opened_store.value();
    auto rows = active_rows(s, token, *grace_ends);
    if (!rows) return rows.error();
    if (rows->empty()) return KeyPtr{};
    return key_with_owners(s, std::move(rows.value()));
  };
  auto found = co_await pool_.run<KeyPtr>(std::move(lookup));
  if (!found) co_return found.error();
  auto ttl = ttl_for(found.value() != nullptr);
  if (*grace_ends)  // an old key in its grace period: trusted no longer than that
    ttl = std::min(
        ttl, std::chrono::duration_cast<std::chrono::milliseconds>(**grace_ends - SysClock::now()));
  keys_.put(token, found.value(), ttl);
  co_return found.value();
}

asio::awaitable<Result<KeyService::EndUserPtr>> KeyService::find_end_user(const std::string& id) {
  if (auto hit = end_users_.get(id)) co_return *hit;
  std::function<Result<EndUserPtr>()> lookup = [this, id]() -> Result<EndUserPtr> {
    auto opened_store = opened(false);
    if (!opened_store) return opened_store.error();
    if (!opened_store.value()) return EndUserPtr{};
    auto row = opened_store.value()->get(store::Table::end_users, id);
    if (!row) return row.error();
    if (!row.value()) return EndUserPtr{};
    EndUser user{
        id, bool_or(row.value()->doc, "blocked", false), {}, {}, std::move(row.value()->doc)};
    user.budget.spend = keys::budget_of(user.doc).spend;
    // LiteLLM keeps a customer's rpm, tpm and parallel limits in its budget.
    if (auto budget_id = str_or(user.doc, "budget_id"); !budget_id.empty()) {
      auto budget = opened_store.value()->get(store::Table::budgets, budget_id);
      if (!budget) return budget.error();
      if (budget.value()) {
        user.limits = keys::owner_limits(budget.value()->doc).own;
        // The spend is the customer's; the limit and its period the budget's.
        double spend = user.budget.spend;
        user.budget = keys::budget_of(budget.value()->doc);
        user.budget.spend = spend;
      }
    }
    return std::make_shared<const EndUser>(std::move(user));
  };
  auto found = co_await pool_.run<EndUserPtr>(std::move(lookup));
  if (!found) co_return found.error();
  end_users_.put(id, found.value(), ttl_for(found.value() != nullptr));
  co_return found.value();
}

}  // namespace routeiq::api
