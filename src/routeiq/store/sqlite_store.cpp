// The SQLite backend: one connection guarded by a mutex. SQLite runs one
// writer at a time anyway, and a management database is small and mostly
// read through the gateway's caches, so a pool would buy nothing.
#include <sqlite3.h>

#include <algorithm>
#include <mutex>
#include <unordered_map>
#include <utility>

#include "routeiq/store/backend.hpp"

namespace routeiq::store {

namespace {

constexpr std::string_view kBackend = "sqlite";
// Distinct statement texts kept prepared; lists with many ids make new texts,
// which are finalized after use beyond this.
constexpr size_t kMaxCachedStatements = 64;

Error sqlite_error(sqlite3* db, int rc, std::string_view what) {
  int primary = rc & 0xff;
  // Locked by another process past busy_timeout, or the file is unreachable:
  // the caller may retry later, as with a database server that is down.
  bool unavailable = primary == SQLITE_BUSY || primary == SQLITE_LOCKED ||
                     primary == SQLITE_IOERR || primary == SQLITE_CANTOPEN ||
                     primary == SQLITE_FULL;
  std::string detail = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  return make_error(unavailable ? ErrorKind::db_unavailable : ErrorKind::internal,
                    "SQLite " + std::string(what) + ": " + detail);
}

// A prepared statement in use: reset and unbound (cached) or finalized when
// the lease ends.
class Statement {
 public:
  Statement(sqlite3_stmt* stmt, bool cached) : stmt_(stmt), cached_(cached) {}
  Statement(Statement&& other) noexcept : stmt_(std::exchange(other.stmt_, nullptr)) {
    cached_ = other.cached_;
  }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  Statement& operator=(Statement&&) = delete;
  ~Statement() {
    if (!stmt_) return;
    if (cached_) {
      sqlite3_reset(stmt_);
      sqlite3_clear_bindings(stmt_);
    } else {
      sqlite3_finalize(stmt_);
    }
  }
  sqlite3_stmt* get() const { return stmt_; }

 private:
  sqlite3_stmt* stmt_;
  bool cached_;
};

std::string column_text(sqlite3_stmt* stmt, int i) {
  auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt, i));
  return text ? std::string(text, static_cast<size_t>(sqlite3_column_bytes(stmt, i))) : "";
}

// A result row of a stepped statement.
class StatementCells final : public Cells {
 public:
  explicit StatementCells(sqlite3_stmt* stmt) : stmt_(stmt) {}
  bool is_null(int column) const override {
    return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
  }
  std::string text(int column) const override { return column_text(stmt_, column); }
  int64_t integer(int column) const override { return sqlite3_column_int64(stmt_, column); }
  double real(int column) const override { return sqlite3_column_double(stmt_, column); }

 private:
  sqlite3_stmt* stmt_;
};

class Session {
 public:
  static constexpr Dialect kDialect = Dialect::sqlite;

  explicit Session(sqlite3* db) : db_(db) {}
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;
  ~Session() {
    for (auto& [sql, stmt] : cache_) sqlite3_finalize(stmt);
    sqlite3_close_v2(db_);
  }

  // Statements without parameters: pragmas, migrations, BEGIN/COMMIT.
  Status exec(const std::string& sql) {
    int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr);
    if (rc != SQLITE_OK) return sqlite_error(db_, rc, "statement failed");
    return ok_status();
  }

  Status migrate(const std::string& path);

  Status begin() {
    auto begun = exec("BEGIN IMMEDIATE");
    if (begun) in_transaction_ = true;
    return begun;
  }
  Status finish(bool commit) {
    in_transaction_ = false;
    if (commit) {
      auto committed = exec("COMMIT");
      if (committed) return committed;
      exec("ROLLBACK");
      return committed;
    }
    return exec("ROLLBACK");
  }

  Result<std::optional<Row>> get(Table table, std::string_view id, bool /*for_update*/) {
    if (auto ok = check_id(id); !ok) return ok.take_error();
    auto rows = select(table, " WHERE id = ?1", {std::string(id)});
    if (!rows) return rows.take_error();
    if (rows->empty()) return std::optional<Row>();
    return std::optional<Row>(std::move(rows->front()));
  }

  Result<bool> insert(Table table, const Row& row) {
    auto sql = insert_sql(Dialect::sqlite, table, row);
    if (!sql) return sql.take_error();
    return write(sql.value());
  }

  Result<bool> update(Table table, const Row& row) {
    auto sql = update_sql(Dialect::sqlite, table, row);
    if (!sql) return sql.take_error();
    return write(sql.value());
  }

  Status put(Table table, const Row& row) {
    auto sql = put_sql(Dialect::sqlite, table, row);
    if (!sql) return sql.take_error();
    auto written = write(sql.value());
    if (!written) return written.take_error();
    return ok_status();
  }

  Result<bool> remove(Table table, std::string_view id) {
    auto sql = remove_sql(Dialect::sqlite, table, id);
    if (!sql) return sql.take_error();
    return write(sql.value());
  }

  Result<std::vector<Row>> list(Table table, const Query& query) {
    auto suffix = list_suffix(Dialect::sqlite, table, query);
    if (!suffix) return suffix.take_error();
    return select(table, suffix->text, suffix->params);
  }

  Result<int64_t> count(Table table, const Query& query) {
    auto sql = count_sql(Dialect::sqlite, table, query);
    if (!sql) return sql.take_error();
    return scalar(sql->text, sql->params);
  }

  Result<int64_t> change_counter() { return scalar(std::string(kChangeCounterSql), {}); }

  // A statement of a write_spend transaction; the change counter is left
  // alone (Store::change_counter says why).
  Result<int64_t> changed_rows(const Sql& sql) {
    auto stmt = prepared(sql.text, sql.params);
    if (!stmt) return stmt.take_error();
    int rc = sqlite3_step(stmt->get());
    if (rc != SQLITE_DONE) return sqlite_error(db_, rc, "write failed");
    return int64_t{sqlite3_changes(db_)};
  }

  Result<std::vector<SpendRow>> spend_logs(const SpendQuery& query) {
    auto sql = spend_logs_sql(kDialect, query);
    if (!sql) return sql.take_error();
    return rows_of<SpendRow>(*sql, spend_row_from);
  }

  Result<int64_t> count_spend_logs(const SpendQuery& query) {
    auto sql = count_spend_logs_sql(kDialect, query);
    if (!sql) return sql.take_error();
    return scalar(sql->text, sql->params);
  }

  Result<std::vector<SpendTotal>> spend_totals(const SpendTotalsQuery& query) {
    auto sql = spend_totals_sql(kDialect, query);
    if (!sql) return sql.take_error();
    return rows_of<SpendTotal>(*sql, spend_total_from);
  }

  Result<std::vector<DailySpendRow>> daily_spend(const DailySpendQuery& query) {
    auto sql = daily_spend_sql(kDialect, query);
    if (!sql) return sql.take_error();
    return rows_of<DailySpendRow>(*sql, daily_spend_row_from);
  }

  Result<int64_t> count_daily_spend(const DailySpendQuery& query) {
    auto sql = count_daily_spend_sql(kDialect, query);
    if (!sql) return sql.take_error();
    return scalar(sql->text, sql->params);
  }

 private:
  template <class T>
  Result<std::vector<T>> rows_of(const Sql& sql, T (*read)(const Cells&)) {
    auto stmt = prepared(sql.text, sql.params);
    if (!stmt) return stmt.take_error();
    std::vector<T> out;
    StatementCells cells(stmt->get());
    for (;;) {
      int rc = sqlite3_step(stmt->get());
      if (rc == SQLITE_DONE) return out;
      if (rc != SQLITE_ROW) return sqlite_error(db_, rc, "query failed");
      out.push_back(read(cells));
    }
  }

  Result<Statement> prepare(const std::string& sql) {
    if (auto it = cache_.find(sql); it != cache_.end()) return Statement(it->second, true);
    sqlite3_stmt* stmt = nullptr;
    int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                                SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
    if (rc != SQLITE_OK) return sqlite_error(db_, rc, "prepare failed");
    bool cached = cache_.size() < kMaxCachedStatements;
    if (cached) cache_.emplace(sql, stmt);
    return Statement(stmt, cached);
  }

  // The strings bound stay alive in `params` until the statement is stepped.
  Result<Statement> prepared(const std::string& sql, const std::vector<Param>& params) {
    auto stmt = prepare(sql);
    if (!stmt) return stmt;
    for (size_t i = 0; i < params.size(); ++i) {
      int at = static_cast<int>(i) + 1, rc = SQLITE_OK;
      if (auto* text = std::get_if<std::string>(&params[i]))
        rc = sqlite3_bind_text64(stmt->get(), at, text->data(), text->size(), SQLITE_STATIC,
                                 SQLITE_UTF8);
      else if (auto* number = std::get_if<int64_t>(&params[i]))
        rc = sqlite3_bind_int64(stmt->get(), at, *number);
      else if (auto* real = std::get_if<double>(&params[i]))
        rc = sqlite3_bind_double(stmt->get(), at, *real);
      else
        rc = sqlite3_bind_null(stmt->get(), at);
      if (rc != SQLITE_OK) return sqlite_error(db_, rc, "bind failed");
    }
    return stmt;
  }

  Result<std::vector<Row>> select(Table table, const std::string& where,
                                  const std::vector<Param>& params) {
    auto stmt = prepared(
        "SELECT id, doc, created_ms, updated_ms FROM " + std::string(table_name(table)) + where,
        params);
    if (!stmt) return stmt.take_error();
    std::vector<Row> rows;
    for (;;) {
      int rc = sqlite3_step(stmt->get());
      if (rc == SQLITE_DONE) return rows;
      if (rc != SQLITE_ROW) return sqlite_error(db_, rc, "query failed");
      std::string doc = column_text(stmt->get(), 1);
      auto row =
          stored_row(table, column_text(stmt->get(), 0), doc, sqlite3_column_int64(stmt->get(), 2),
                     sqlite3_column_int64(stmt->get(), 3));
      if (!row) return row.take_error();
      rows.push_back(std::move(row.value()));
    }
  }

  Result<int64_t> scalar(const std::string& sql, const std::vector<Param>& params) {
    auto stmt = prepared(sql, params);
    if (!stmt) return stmt.take_error();
    int rc = sqlite3_step(stmt->get());
    if (rc != SQLITE_ROW) return sqlite_error(db_, rc, "query failed");
    return sqlite3_column_int64(stmt->get(), 0);
  }

  // The statement and the change counter in one transaction: its own, or
  // the caller's transaction().
  Result<bool> write(const Sql& sql) {
    bool own = !in_transaction_;
    if (own)
      if (auto begun = begin(); !begun) return begun.take_error();
    auto changed = write_in_transaction(sql);
    if (!own) return changed;
    auto finished = finish(changed.ok());
    if (!changed) return changed;
    if (!finished) return finished.take_error();
    return changed;
  }

  Result<bool> write_in_transaction(const Sql& sql) {
    auto stmt = prepared(sql.text, sql.params);
    if (!stmt) return stmt.take_error();
    int rc = sqlite3_step(stmt->get());
    if (rc != SQLITE_DONE) return sqlite_error(db_, rc, "write failed");
    if (sqlite3_changes(db_) == 0) return false;
    auto bump = prepared("UPDATE routeiq_changes SET n = n + 1 WHERE id = 1", {});
    if (!bump) return bump.take_error();
    rc = sqlite3_step(bump->get());
    if (rc != SQLITE_DONE) return sqlite_error(db_, rc, "change counter update failed");
    return true;
  }

  sqlite3* db_;
  std::unordered_map<std::string, sqlite3_stmt*> cache_;
  bool in_transaction_ = false;
};

Status Session::migrate(const std::string& path) {
  if (auto begun = begin(); !begun) return begun;
  auto applied = [&]() -> Status {
    auto created = exec(
        "CREATE TABLE IF NOT EXISTS routeiq_schema (version INTEGER PRIMARY KEY, applied_ms "
        "INTEGER NOT NULL)");
    if (!created) return created;
    auto current = scalar("SELECT COALESCE(MAX(version), 0) FROM routeiq_schema", {});
    if (!current) return current.take_error();
    if (*current > schema_version())
      return make_error(ErrorKind::internal,
                        "SQLite database " + path + " has schema version " +
                            std::to_string(*current) + ", newer than this build's " +
                            std::to_string(schema_version()) +
                            ": it was written by a newer RouteIQ; upgrade, or use another file");
    for (int version = static_cast<int>(*current) + 1; version <= schema_version(); ++version) {
      for (const auto& statement : migration_statements(Dialect::sqlite, version))
        if (auto ran = exec(statement); !ran) return ran;
      auto stmt = prepared("INSERT INTO routeiq_schema (version, applied_ms) VALUES (?1, ?2)",
                           {int64_t{version}, now_ms()});
      if (!stmt) return stmt.take_error();
      if (int rc = sqlite3_step(stmt->get()); rc != SQLITE_DONE)
        return sqlite_error(db_, rc, "migration failed");
    }
    return ok_status();
  }();
  auto finished = finish(applied.ok());
  if (!applied) return applied;
  return finished;
}

class SqliteStore final : public Store {
 public:
  explicit SqliteStore(sqlite3* db) : session_(db) {}

  Status open(const std::string& path, const OpenOptions& options) {
    // WAL lets readers in other processes go on while one writes.
    if (auto wal = session_.exec("PRAGMA journal_mode = WAL"); !wal) return wal;
    if (auto sync = session_.exec("PRAGMA synchronous = NORMAL"); !sync) return sync;
    return session_.migrate(path);
  }

  std::string_view backend() const override { return kBackend; }

  Result<std::optional<Row>> get(Table table, std::string_view id) override {
    std::lock_guard lock(mutex_);
    return session_.get(table, id, false);
  }
  Result<bool> insert(Table table, const Row& row) override {
    std::lock_guard lock(mutex_);
    return session_.insert(table, row);
  }
  Result<bool> update(Table table, const Row& row) override {
    std::lock_guard lock(mutex_);
    return session_.update(table, row);
  }
  Result<bool> remove(Table table, std::string_view id) override {
    std::lock_guard lock(mutex_);
    return session_.remove(table, id);
  }
  Status put(Table table, const Row& row) override {
    std::lock_guard lock(mutex_);
    return session_.put(table, row);
  }
  Result<std::vector<Row>> list(Table table, const Query& query) override {
    std::lock_guard lock(mutex_);
    return session_.list(table, query);
  }
  Result<int64_t> count(Table table, const Query& query) override {
    std::lock_guard lock(mutex_);
    return session_.count(table, query);
  }
  Result<int64_t> change_counter() override {
    std::lock_guard lock(mutex_);
    return session_.change_counter();
  }

  Result<SpendWriteCounts> write_spend(std::span<const SpendRow> rows) override {
    std::lock_guard lock(mutex_);
    if (auto begun = session_.begin(); !begun) return begun.take_error();
    auto counts = write_spend_rows(session_, rows);
    auto finished = session_.finish(counts.ok());
    if (!counts) return counts;
    if (!finished) return finished.take_error();
    return counts;
  }
  Result<std::vector<SpendRow>> spend_logs(const SpendQuery& query) override {
    std::lock_guard lock(mutex_);
    return session_.spend_logs(query);
  }
  Result<int64_t> count_spend_logs(const SpendQuery& query) override {
    std::lock_guard lock(mutex_);
    return session_.count_spend_logs(query);
  }
  Result<std::vector<SpendTotal>> spend_totals(const SpendTotalsQuery& query) override {
    std::lock_guard lock(mutex_);
    return session_.spend_totals(query);
  }
  Result<std::vector<DailySpendRow>> daily_spend(const DailySpendQuery& query) override {
    std::lock_guard lock(mutex_);
    return session_.daily_spend(query);
  }
  Result<int64_t> count_daily_spend(const DailySpendQuery& query) override {
    std::lock_guard lock(mutex_);
    return session_.count_daily_spend(query);
  }

  Status transaction(const std::function<Status(Store&)>& work) override {
    std::lock_guard lock(mutex_);
    if (auto begun = session_.begin(); !begun) return begun;
    TransactionView<Session> view(session_, kBackend);
    Status result = ok_status();
    try {
      result = work(view);
    } catch (...) {
      session_.finish(false);
      throw;
    }
    if (result && view.first_error()) result = *view.first_error();
    auto finished = session_.finish(result.ok());
    if (!result) return result;
    return finished;
  }

 private:
  std::mutex mutex_;
  Session session_;
};

}  // namespace

Result<std::unique_ptr<Store>> open_sqlite(const std::string& path, const OpenOptions& options) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(
      path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    Error error = sqlite_error(db, rc, "cannot open " + path);
    sqlite3_close_v2(db);
    return error;
  }
  auto store = std::make_unique<SqliteStore>(db);
  // Another process holding the write lock is waited for this long.
  double busy_ms = std::clamp(options.connect_timeout_s * 1000, 0.0, 3600e3);
  sqlite3_busy_timeout(db, static_cast<int>(busy_ms));
  if (auto opened = store->open(path, options); !opened) return opened.take_error();
  return std::unique_ptr<Store>(std::move(store));
}

Result<int> sqlite_schema_version(const std::string& path) {
  sqlite3* db = nullptr;
  // Read-only and without SQLITE_OPEN_CREATE: looking never makes a file.
  int rc = sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nullptr);
  std::unique_ptr<sqlite3, decltype(&sqlite3_close_v2)> owned(db, &sqlite3_close_v2);
  if ((rc & 0xff) == SQLITE_CANTOPEN) return 0;
  if (rc != SQLITE_OK) return sqlite_error(db, rc, "cannot open " + path);
  sqlite3_stmt* stmt = nullptr;
  rc = sqlite3_prepare_v2(
      db, "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'routeiq_schema'", -1,
      &stmt, nullptr);
  if (rc != SQLITE_OK) return sqlite_error(db, rc, "cannot read " + path);
  rc = sqlite3_step(stmt);
  sqlite3_finalize(stmt);
  if (rc == SQLITE_DONE) return 0;
  if (rc != SQLITE_ROW) return sqlite_error(db, rc, "cannot read " + path);
  rc = sqlite3_prepare_v2(db, "SELECT COALESCE(MAX(version), 0) FROM routeiq_schema", -1, &stmt,
                          nullptr);
  if (rc != SQLITE_OK) return sqlite_error(db, rc, "cannot read " + path);
  rc = sqlite3_step(stmt);
  int version = rc == SQLITE_ROW ? sqlite3_column_int(stmt, 0) : 0;
  sqlite3_finalize(stmt);
  if (rc != SQLITE_ROW) return sqlite_error(db, rc, "cannot read " + path);
  return version;
}

}  // namespace routeiq::store
