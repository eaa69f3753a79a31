#pragma once
// What the SQLite and PostgreSQL backends share: the table specs their
// migrations are made from, the checks every row and query goes through
// before any SQL, the query text with numbered placeholders, and the Store
// view a transaction's work runs on. Internal to store/.
#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "routeiq/store/spend.hpp"
#include "routeiq/store/store.hpp"

namespace routeiq::store {

struct ColumnSpec {
  std::string_view name;
  // The schema version that added the column: migrations add columns by
  // version, so an old database gains them in order.
  int since = 1;
};

struct TableSpec {
  Table table;
  std::string_view name;
  std::vector<ColumnSpec> columns;
  int since = 1;
};

const std::vector<TableSpec>& table_specs();
const TableSpec& table_spec(Table table);

enum class Dialect { sqlite, postgresql };

// The statements that bring a database from version - 1 to `version`.
std::vector<std::string> migration_statements(Dialect dialect, int version);

using Param = std::variant<std::monostate, std::string, int64_t, double>;  // monostate: NULL
struct Sql {
  std::string text;
  std::vector<Param> params;
};

// A row checked and made ready for writing: the serialized document and the
// indexed column values (NULL when the member is absent or not a string).
struct RowValues {
  std::string doc;
  std::vector<std::optional<std::string>> columns;  // in table_spec(table).columns order
};
Result<RowValues> row_values(Table table, const Row& row);
Status check_id(std::string_view id);

// " WHERE ..." (or nothing) for a query, with placeholders numbered from
// `first`; unknown columns are refused by name.
Result<Sql> where_clause(Dialect dialect, Table table, const Query& query, int first = 1);
std::string placeholder(Dialect dialect, int n);
int64_t bounded_limit(const Query& query);
int64_t bounded_offset(const Query& query);

// The statements of the Store calls, with the dialect's placeholders (and
// PostgreSQL's ::jsonb cast on the document); both backends run these.
Result<Sql> insert_sql(Dialect dialect, Table table, const Row& row);
Result<Sql> update_sql(Dialect dialect, Table table, const Row& row);
Result<Sql> remove_sql(Dialect dialect, Table table, std::string_view id);
// put(): an upsert that writes the row's own times.
Result<Sql> put_sql(Dialect dialect, Table table, const Row& row);
// " WHERE ... ORDER BY created_ms, id LIMIT .. OFFSET .." of list().
Result<Sql> list_suffix(Dialect dialect, Table table, const Query& query);
Result<Sql> count_sql(Dialect dialect, Table table, const Query& query);
// get_linked() as one statement: rows of (tag, id, doc, created_ms,
// updated_ms), tag 0 for the row itself and i for links[i - 1].
Result<Sql> linked_sql(Dialect dialect, Table table, std::string_view id,
                       const std::vector<Link>& links);
inline constexpr std::string_view kChangeCounterSql = "SELECT n FROM routeiq_changes WHERE id = 1";

// ---- Spend (spend_sql.cpp) ----
// Version 3: routeiq_spend_logs and routeiq_daily_spend.
std::vector<std::string> spend_migration_statements(Dialect dialect);
// The row (checked with check_spend_row) inserted unless its request_id is
// already there: one changed row means a new request.
Sql spend_insert_sql(Dialect dialect, const SpendRow& row);
Sql daily_upsert_sql(Dialect dialect, const DailySpendKey& key, const SpendCounters& counters);
// Adds to a document's spend (and model_spend) in the database's own
// arithmetic: atomic against other instances' increments.
Sql document_increment_sql(Dialect dialect, Table table, const std::string& id,
                           const DocumentIncrement& increment);
// The columns spend_row_from() reads, in its order.
Result<Sql> spend_logs_sql(Dialect dialect, const SpendQuery& query);
Result<Sql> count_spend_logs_sql(Dialect dialect, const SpendQuery& query);
// Columns: the group, then SpendCounters' sums in order.
Result<Sql> spend_totals_sql(Dialect dialect, const SpendTotalsQuery& query);
// Columns: DailySpendKey's, then SpendCounters' in order.
Result<Sql> daily_spend_sql(Dialect dialect, const DailySpendQuery& query);
Result<Sql> count_daily_spend_sql(Dialect dialect, const DailySpendQuery& query);

// One result row as a backend reads it.
class Cells {
 public:
  virtual ~Cells() = default;
  virtual bool is_null(int column) const = 0;
  virtual std::string text(int column) const = 0;
  virtual int64_t integer(int column) const = 0;
  virtual double real(int column) const = 0;
};
SpendRow spend_row_from(const Cells& cells);
SpendTotal spend_total_from(const Cells& cells);
DailySpendRow daily_spend_row_from(const Cells& cells);

// write_spend on a session already in a transaction, the same for both
// backends: `session.changed_rows(sql)` runs a statement and answers how many
// rows it changed. The new rows are found first, so only they are counted.
template <class Session>
Result<SpendWriteCounts> write_spend_rows(Session& session, std::span<const SpendRow> rows) {
  SpendWriteCounts counts;
  std::vector<SpendRow> fresh;
  for (const auto& row : rows) {
    if (!check_spend_row(row)) {
      ++counts.refused;
      continue;
    }
    auto changed = session.changed_rows(spend_insert_sql(Session::kDialect, row));
    if (!changed) return changed.take_error();
    if (*changed == 0) {
      ++counts.skipped;
      continue;
    }
    ++counts.written;
    fresh.push_back(row);
  }
  auto increments = spend_increments(fresh);
  for (const auto& [key, counters] : increments.daily)
    if (auto done = session.changed_rows(daily_upsert_sql(Session::kDialect, key, counters)); !done)
      return done.take_error();
  for (const auto& [target, increment] : increments.documents)
    if (auto done = session.changed_rows(
            document_increment_sql(Session::kDialect, target.first, target.second, increment));
        !done)
      return done.take_error();
  return counts;
}

// A stored document read back; a corrupt one is an internal error.
Result<Row> stored_row(Table table, std::string id, std::string_view doc, int64_t created_ms,
                       int64_t updated_ms);

int64_t now_ms();

// `message` with every non-empty secret replaced, for errors that quote a
// library's message about a connection string.
std::string redacted(std::string message, const std::vector<std::string>& secrets);
// The password of a PostgreSQL URL as written and as libpq decodes it.
std::vector<std::string> url_secrets(const std::string& url);

Result<std::unique_ptr<Store>> open_sqlite(const std::string& path, const OpenOptions& options);
Result<std::unique_ptr<Store>> open_postgres(const std::string& url, const OpenOptions& options);
Result<int> sqlite_schema_version(const std::string& path);
Result<int> postgres_schema_version(const std::string& url, const OpenOptions& options);

// The Store a transaction's work runs on: calls go to the session that holds
// the transaction (no locking, no new connection), and the first failure is
// kept so the transaction rolls back even if the work ignores it.
template <class Session>
class TransactionView final : public Store {
 public:
  TransactionView(Session& session, std::string_view backend)
      : session_(session), backend_(backend) {}

  std::string_view backend() const override { return backend_; }
  Result<std::optional<Row>> get(Table table, std::string_view id) override {
    return noted(session_.get(table, id, /*for_update=*/true));
  }
  Result<bool> insert(Table table, const Row& row) override {
    return noted(session_.insert(table, row));
  }
  Result<bool> update(Table table, const Row& row) override {
    return noted(session_.update(table, row));
  }
  Result<bool> remove(Table table, std::string_view id) override {
    return noted(session_.remove(table, id));
  }
  Status put(Table table, const Row& row) override { return noted(session_.put(table, row)); }
  Result<std::vector<Row>> list(Table table, const Query& query) override {
    return noted(session_.list(table, query));
  }
  Result<int64_t> count(Table table, const Query& query) override {
    return noted(session_.count(table, query));
  }
  Status transaction(const std::function<Status(Store&)>&) override {
    return noted(Status(make_error(ErrorKind::internal, "store transaction() is not reentrant")));
  }
  Result<int64_t> change_counter() override { return noted(session_.change_counter()); }
  Result<SpendWriteCounts> write_spend(std::span<const SpendRow> rows) override {
    return noted(write_spend_rows(session_, rows));
  }
  Result<std::vector<SpendRow>> spend_logs(const SpendQuery& query) override {
    return noted(session_.spend_logs(query));
  }
  Result<int64_t> count_spend_logs(const SpendQuery& query) override {
    return noted(session_.count_spend_logs(query));
  }
  Result<std::vector<SpendTotal>> spend_totals(const SpendTotalsQuery& query) override {
    return noted(session_.spend_totals(query));
  }
  Result<std::vector<DailySpendRow>> daily_spend(const DailySpendQuery& query) override {
    return noted(session_.daily_spend(query));
  }
  Result<int64_t> count_daily_spend(const DailySpendQuery& query) override {
    return noted(session_.count_daily_spend(query));
  }

  const std::optional<Error>& first_error() const { return first_error_; }

 private:
  template <class T>
  Result<T> noted(Result<T> result) {
    if (!result.ok() && !first_error_) first_error_ = result.error();
    return result;
  }

  Session& session_;
  std::string_view backend_;
  std::optional<Error> first_error_;
};

}  // namespace routeiq::store
