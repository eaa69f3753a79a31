#pragma once
// The management store: virtual keys, teams, users, end users, organisations,
// budgets, team memberships and deployments added through the API, as LiteLLM
// keeps them. Each row is one JSON
// document (the fields LiteLLM's management API takes and returns) plus the
// columns it is found by, so the API layer owns the field rules and a backend
// only stores, indexes and migrates.
//
// Calls are blocking: the gateway runs them on its database threads, never on
// an event loop. Every statement is parameterized; a column name in a Query
// must be one of the table's indexed columns (anything else is an error, not
// SQL).
#include <boost/json/object.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "routeiq/core/error.hpp"
#include "routeiq/store/spend.hpp"

namespace routeiq::store {

enum class Table {
  keys,           // id: token (SHA-256 hex of the sk- key); LiteLLM_VerificationToken
  deleted_keys,   // id: token; a deleted key's last row (LiteLLM_DeletedVerificationToken)
  teams,          // id: team_id
  users,          // id: user_id
  end_users,      // id: user_id of the end user (the request's `user`)
  organizations,  // id: organization_id
  budgets,        // id: budget_id
  memberships,    // id: "<team_id>\n<user_id>" (a team member's role, spend, budget)
  models,         // id: model_info.id; a deployment added by /model/new (LiteLLM_ProxyModelTable)
};

// The columns a table can be queried by, extracted from its documents by the
// backend (a missing or non-string member is NULL):
//   keys, deleted_keys: key_alias, user_id, team_id, organization_id
//   teams: team_alias, organization_id
//   users: user_email, organization_id
//   end_users: alias
//   organizations: organization_alias
//   budgets: (none)
//   memberships: team_id, user_id
//   models: model_name
std::vector<std::string_view> indexed_columns(Table table);
std::string_view table_name(Table table);

struct Row {
  std::string id;
  boost::json::object doc;
  // Set by the store: when the row was first written and last changed (UTC,
  // milliseconds since the epoch).
  int64_t created_ms = 0, updated_ms = 0;
};

struct Query {
  // Every pair must match (column = value); columns from indexed_columns().
  std::vector<std::pair<std::string, std::string>> equals;
  // Rows whose id is one of these (empty: no restriction).
  std::vector<std::string> ids;
  size_t offset = 0;
  size_t limit = 100;  // at most kMaxListLimit
};

constexpr size_t kMaxListLimit = 10000;

// A row's indexed column that holds the id of a row of another table (a
// key's team_id, in teams).
struct Link {
  std::string_view column;
  Table table;
};

// Store failures: ErrorKind::db_unavailable when the database cannot be
// reached (the gateway then answers 503), invalid_request for a bad Query.
class Store {
 public:
  virtual ~Store() = default;

  virtual std::string_view backend() const = 0;  // "sqlite", "postgresql"

  virtual Result<std::optional<Row>> get(Table table, std::string_view id) = 0;
  // The row `id` of `table`, then for each link the row its column names
  // (nullopt: no row, or the column is NULL). PostgreSQL answers in one round
  // trip (a cold key with its team and user); the default asks row by row.
  virtual Result<std::vector<std::optional<Row>>> get_linked(Table table, std::string_view id,
                                                             const std::vector<Link>& links);
  // false when a row with this id already exists (nothing written).
  virtual Result<bool> insert(Table table, const Row& row) = 0;
  // false when there is no such row (nothing written).
  virtual Result<bool> update(Table table, const Row& row) = 0;
  // false when there was no such row.
  virtual Result<bool> remove(Table table, std::string_view id) = 0;
  // Writes the row whole with its own created_ms and updated_ms: inserted,
  // or replacing the row with this id. For imports, which keep the times the
  // rows had where they came from; the API's writes use insert and update.
  virtual Status put(Table table, const Row& row) = 0;
  // Ordered by created time, then id.
  virtual Result<std::vector<Row>> list(Table table, const Query& query) = 0;
  virtual Result<int64_t> count(Table table, const Query& query) = 0;

  // Runs `work` in one transaction: committed when it returns ok, rolled back
  // when it returns an error (or the connection fails). Not reentrant.
  // `work` uses only the Store it is given (valid during the call): the outer
  // one would wait for the lock or a free connection. A call that fails
  // inside rolls the transaction back even if `work` goes on and returns ok
  // (transaction() then returns that call's error). A row read with get()
  // inside stays locked until the end (SELECT ... FOR UPDATE; SQLite's
  // transaction is exclusive), so a read-modify-write loses no other
  // instance's change.
  virtual Status transaction(const std::function<Status(Store&)>& work) = 0;

  // A number that changes whenever any row changes, on any instance sharing
  // the database: instances compare it to drop cached keys early. Spend
  // writes leave it alone: they come every second, and each would make every
  // instance reload what it caches.
  virtual Result<int64_t> change_counter() = 0;

  // ---- Spend (spend.hpp) ----
  // In one transaction: the rows whose request_id is new are inserted (the
  // others skipped, so a batch written twice counts once), their daily
  // aggregates upserted, and their spend added to the `spend` (and keys' and
  // teams' `model_spend`) of the documents they name that exist: the key by
  // api_key, team, user, end user, organisation and team membership. The
  // database does the additions, so instances writing at once lose nothing.
  // Rows check_spend_row refuses are counted and left out.
  virtual Result<SpendWriteCounts> write_spend(std::span<const SpendRow> rows) = 0;
  // Ordered by start_ms, then request_id.
  virtual Result<std::vector<SpendRow>> spend_logs(const SpendQuery& query) = 0;
  virtual Result<int64_t> count_spend_logs(const SpendQuery& query) = 0;
  // Ordered by spend, highest first (by date, oldest first, for SpendGroup::date).
  virtual Result<std::vector<SpendTotal>> spend_totals(const SpendTotalsQuery& query) = 0;
  // Ordered by date, newest first, then by the rest of the key.
  virtual Result<std::vector<DailySpendRow>> daily_spend(const DailySpendQuery& query) = 0;
  virtual Result<int64_t> count_daily_spend(const DailySpendQuery& query) = 0;
};

// Opens (creating if needed) and migrates the store at `url`:
//   sqlite:///abs/path/routeiq.db, sqlite://relative.db, a plain path, or
//   postgresql://user:pass@host:port/db (also postgres://).
// Migrations are versioned and applied in order at open; a database written
// by a newer version is refused with a clear error.
struct OpenOptions {
  size_t pool_limit = 10;         // database_connection_pool_limit (PostgreSQL)
  double connect_timeout_s = 60;  // database_connection_timeout
};
Result<std::unique_ptr<Store>> open_store(std::string_view url, const OpenOptions& options = {});

// The file of a SQLite URL (sqlite:///abs, sqlite://relative, a plain path);
// nullopt for other schemes.
std::optional<std::string> sqlite_path(std::string_view url);

// The schema version this build writes.
int schema_version();

// The schema version of the database at `url` as it is, without migrating
// or creating anything: 0 when it has no RouteIQ tables yet (or a SQLite file
// does not exist).
Result<int> database_schema_version(std::string_view url, const OpenOptions& options = {});

// `url` fit to be printed: the password (user:password@, password=...)
// replaced by ***.
std::string masked_url(std::string_view url);

}  // namespace routeiq::store
