// The PostgreSQL backend: a pool of libpq connections, each call on one
// connection. A connection that fails is closed with every idle one (the
// server was likely restarted), the call answers db_unavailable, and the next
// call connects afresh: the database may restart under a running gateway.
#include <libpq-fe.h>
#include <poll.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <mutex>

#include "routeiq/store/backend.hpp"

namespace routeiq::store {

// Both forms of the password are kept out of every message.
std::vector<std::string> url_secrets(const std::string& url) {
  std::vector<std::string> secrets;
  auto start = url.find("://");
  if (start != std::string::npos) {
    std::string authority = url.substr(start + 3, url.find_first_of("/?", start + 3) - start - 3);
    auto at = authority.rfind('@');
    if (at != std::string::npos) {
      auto colon = authority.find(':');
      if (colon < at) secrets.push_back(authority.substr(colon + 1, at - colon - 1));
    }
  }
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(url.c_str(), &error);
  PQfreemem(error);
  for (auto* option = options; option && option->keyword; ++option)
    if (std::string_view(option->keyword) == "password" && option->val)
      secrets.emplace_back(option->val);
  PQconninfoFree(options);
  return secrets;
}

namespace {

constexpr std::string_view kBackend = "postgresql";
// pg_advisory_xact_lock key held while migrating ("RouteIQ1" in ASCII), so
// two gateways starting at once migrate one after the other.
constexpr int64_t kMigrationLockKey = 0x526f757465495131;

using ResultPtr = std::unique_ptr<PGresult, decltype(&PQclear)>;

std::string first_line(std::string_view text) {
  text = text.substr(0, text.find('\n'));
  while (!text.empty() && (text.back() == ' ' || text.back() == '\r')) text.remove_suffix(1);
  return std::string(text);
}

std::optional<int64_t> to_int64(const char* text) {
  int64_t value = 0;
  std::string_view view = text ? text : "";
  auto [end, ec] = std::from_chars(view.data(), view.data() + view.size(), value);
  if (ec != std::errc() || end != view.data() + view.size() || view.empty()) return std::nullopt;
  return value;
}

// The shortest text that reads back as the same double: PostgreSQL's float8
// input is exact, so a value stored and read back is unchanged.
std::string shortest_text(double value) {
  char buffer[32];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
  return ec == std::errc() ? std::string(buffer, end) : "0";
}

std::optional<double> to_double(const char* text) {
  double value = 0;
  std::string_view view = text ? text : "";
  auto [end, ec] = std::from_chars(view.data(), view.data() + view.size(), value);
  if (ec != std::errc() || end != view.data() + view.size() || view.empty()) return std::nullopt;
  return value;
}

// A result row; a number that does not parse reads as 0 (the columns are
// typed, so it cannot happen short of a broken server).
class ResultCells final : public Cells {
 public:
  ResultCells(PGresult* result, int row) : result_(result), row_(row) {}
  bool is_null(int column) const override { return PQgetisnull(result_, row_, column) == 1; }
  std::string text(int column) const override {
    return std::string(PQgetvalue(result_, row_, column), PQgetlength(result_, row_, column));
  }
  int64_t integer(int column) const override {
    return to_int64(PQgetvalue(result_, row_, column)).value_or(0);
  }
  double real(int column) const override {
    return to_double(PQgetvalue(result_, row_, column)).value_or(0);
  }

 private:
  PGresult* result_;
  int row_;
};

void ignore_notice(void*, const char*) {}

class Pool {
 public:
  Pool(const std::string& url, const OpenOptions& options)
      : limit_(std::max<size_t>(options.pool_limit, 1)), secrets_(url_secrets(url)) {
    double seconds = options.connect_timeout_s > 0 ? options.connect_timeout_s : 60;
    timeout_ = std::chrono::milliseconds(static_cast<int64_t>(std::min(seconds, 3600.0) * 1000));
    // libpq's connect_timeout is whole seconds, at least 2.
    auto whole = static_cast<int64_t>(std::max(2.0, std::ceil(std::min(seconds, 3600.0))));
    // Later keywords override the URL's (expand_dbname): the URL may set
    // anything else. Keepalives make a vanished server fail a waiting call
    // instead of hanging it.
    params_ = {{"dbname", url},
               {"connect_timeout", std::to_string(whole)},
               {"fallback_application_name", "routeiq"},
               {"client_encoding", "UTF8"},
               {"keepalives", "1"},
               {"keepalives_idle", "15"},
               {"keepalives_interval", "5"},
               {"keepalives_count", "3"}};
  }
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;
  ~Pool() {
    for (auto* conn : idle_) PQfinish(conn);
  }

  const std::vector<std::string>& secrets() const { return secrets_; }

  Result<PGconn*> acquire() {
    auto deadline = std::chrono::steady_clock::now() + timeout_;
    std::unique_lock lock(mutex_);
    for (;;) {
      while (!idle_.empty()) {
        PGconn* conn = idle_.back();
        idle_.pop_back();
        if (alive(conn)) return conn;
        PQfinish(conn);
        --open_;
      }
      if (open_ < limit_) break;
      if (freed_.wait_until(lock, deadline) == std::cv_status::timeout && idle_.empty() &&
          open_ >= limit_)
        return make_error(ErrorKind::db_unavailable, "All " + std::to_string(limit_) +
                                                         " PostgreSQL connections stayed busy "
                                                         "(database_connection_pool_limit)");
    }
    ++open_;
    lock.unlock();
    auto conn = connect();
    if (!conn) {
      lock.lock();
      --open_;
      freed_.notify_one();
    }
    return conn;
  }

  void release(PGconn* conn, bool broken) {
    std::vector<PGconn*> closing;
    {
      std::lock_guard lock(mutex_);
      if (broken || PQstatus(conn) != CONNECTION_OK || PQtransactionStatus(conn) != PQTRANS_IDLE) {
        // The others were opened to the same server: if it went away they
        // are dead too, and each would fail one call.
        closing.swap(idle_);
        closing.push_back(conn);
        open_ -= closing.size();
      } else {
        idle_.push_back(conn);
      }
    }
    freed_.notify_all();
    for (auto* c : closing) PQfinish(c);
  }

 private:
  Result<PGconn*> connect() {
    std::vector<const char*> keywords, values;
    for (const auto& [key, value] : params_) {
      keywords.push_back(key.c_str());
      values.push_back(value.c_str());
    }
    keywords.push_back(nullptr);
    values.push_back(nullptr);
    PGconn* conn = PQconnectdbParams(keywords.data(), values.data(), /*expand_dbname=*/1);
    if (conn && PQstatus(conn) == CONNECTION_OK) {
      // CREATE ... IF NOT EXISTS and friends send notices libpq would print.
      PQsetNoticeProcessor(conn, ignore_notice, nullptr);
      return conn;
    }
    std::string message = conn ? PQerrorMessage(conn) : "out of memory";
    PQfinish(conn);
    return make_error(ErrorKind::db_unavailable,
                      "Cannot connect to PostgreSQL: " + redacted(first_line(message), secrets_));
  }

  // An idle connection whose server closed it (restart, idle timeout) has
  // the close waiting on its socket; reading it marks the connection bad.
  static bool alive(PGconn* conn) {
    if (PQstatus(conn) != CONNECTION_OK) return false;
    pollfd pending{PQsocket(conn), POLLIN, 0};
    int ready = poll(&pending, 1, 0);
    if (ready < 0) return false;
    if (ready == 0) return true;
    return PQconsumeInput(conn) == 1 && PQstatus(conn) == CONNECTION_OK;
  }

  size_t limit_;
  std::chrono::milliseconds timeout_{};
  std::vector<std::string> secrets_;
  std::vector<std::pair<std::string, std::string>> params_;
  std::mutex mutex_;
  std::condition_variable freed_;
  std::vector<PGconn*> idle_;
  size_t open_ = 0;
};

bool is_connection_failure(std::string_view sqlstate) {
  // 08: connection exception; 57P01-57P03: the server shutting down or
  // starting; 53300: too many connections.
  return sqlstate.starts_with("08") || sqlstate.starts_with("57P") || sqlstate == "53300";
}

// One leased connection: the calls of one Store method, or of one
// transaction. Given back to the pool (closed if it failed) at the end.
class Session {
 public:
  static constexpr Dialect kDialect = Dialect::postgresql;

  Session(Pool& pool, PGconn* conn) : pool_(pool), conn_(conn) {}
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;
  ~Session() { pool_.release(conn_, broken_); }

  Result<ResultPtr> exec(const std::string& sql, const std::vector<Param>& params) {
    std::vector<std::string> numbers;
    numbers.reserve(params.size());  // c_str() of each stays valid
    std::vector<const char*> values;
    for (const auto& param : params) {
      if (auto* text = std::get_if<std::string>(&param)) {
        values.push_back(text->c_str());
      } else if (auto* number = std::get_if<int64_t>(&param)) {
        numbers.push_back(std::to_string(*number));
        values.push_back(numbers.back().c_str());
      } else if (auto* real = std::get_if<double>(&param)) {
        numbers.push_back(shortest_text(*real));
        values.push_back(numbers.back().c_str());
      } else {
        values.push_back(nullptr);
      }
    }
    ResultPtr result(PQexecParams(conn_, sql.c_str(), static_cast<int>(values.size()), nullptr,
                                  values.data(), nullptr, nullptr, 0),
                     &PQclear);
    auto status = result ? PQresultStatus(result.get()) : PGRES_FATAL_ERROR;
    if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return result;
    return failure(result.get());
  }

  Status run(const std::string& sql) {
    auto done = exec(sql, {});
    if (!done) return done.take_error();
    return ok_status();
  }

  bool broken() const { return broken_; }

  Status migrate();

  Status commit() {
    auto done = exec("COMMIT", {});
    if (!done) return done.take_error();
    // A transaction with a failed statement answers COMMIT with ROLLBACK.
    if (std::string_view(PQcmdStatus(done->get())) != "COMMIT")
      return make_error(ErrorKind::internal, "PostgreSQL rolled the transaction back");
    return ok_status();
  }
  void rollback() {
    if (!broken_) run("ROLLBACK");
  }

  Result<std::optional<Row>> get(Table table, std::string_view id, bool for_update) {
    if (auto ok = check_id(id); !ok) return ok.take_error();
    // In a transaction the row stays locked until it ends, so a
    // read-modify-write cannot lose another instance's change.
    auto rows = select(table, std::string(" WHERE id = $1") + (for_update ? " FOR UPDATE" : ""),
                       {std::string(id)});
    if (!rows) return rows.take_error();
    if (rows->empty()) return std::optional<Row>();
    return std::optional<Row>(std::move(rows->front()));
  }

  Result<bool> insert(Table table, const Row& row) {
    auto sql = insert_sql(Dialect::postgresql, table, row);
    if (!sql) return sql.take_error();
    return write(std::move(sql.value()));
  }

  Result<bool> update(Table table, const Row& row) {
    auto sql = update_sql(Dialect::postgresql, table, row);
    if (!sql) return sql.take_error();
    return write(std::move(sql.value()));
  }

  Status put(Table table, const Row& row) {
    auto sql = put_sql(Dialect::postgresql, table, row);
    if (!sql) return sql.take_error();
    auto written = write(std::move(sql.value()));
    if (!written) return written.take_error();
    return ok_status();
  }

  Result<bool> remove(Table table, std::string_view id) {
    auto sql = remove_sql(Dialect::postgresql, table, id);
    if (!sql) return sql.take_error();
    return write(std::move(sql.value()));
  }

  Result<std::vector<Row>> list(Table table, const Query& query) {
    auto suffix = list_suffix(Dialect::postgresql, table, query);
    if (!suffix) return suffix.take_error();
    return select(table, suffix->text, suffix->params);
  }

  Result<int64_t> count(Table table, const Query& query) {
    auto sql = count_sql(Dialect::postgresql, table, query);
    if (!sql) return sql.take_error();
    return scalar(sql->text, sql->params);
  }

  Result<int64_t> change_counter() { return scalar(std::string(kChangeCounterSql), {}); }

  // A statement of a write_spend transaction; the change counter is left
  // alone (Store::change_counter says why).
  Result<int64_t> changed_rows(const Sql& sql) {
    auto result = exec(sql.text, sql.params);
    if (!result) return result.take_error();
    return to_int64(PQcmdTuples(result->get())).value_or(0);
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

  // The version migrate() recorded; 0 before the first migration.
  Result<int64_t> recorded_version() {
    auto exists = scalar("SELECT (to_regclass('routeiq_schema') IS NOT NULL)::int", {});
    if (!exists || exists.value() == 0) return exists;
    return scalar("SELECT COALESCE(MAX(version), 0) FROM routeiq_schema", {});
  }

 private:
  Error failure(const PGresult* result) {
    const char* state = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
    std::string_view sqlstate = state ? state : "";
    // The primary message only: the detail of a data error may quote values.
    const char* primary = result ? PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY) : nullptr;
    std::string message = primary ? primary : first_line(PQerrorMessage(conn_));
    if (PQstatus(conn_) != CONNECTION_OK || is_connection_failure(sqlstate) || !result) {
      broken_ = true;
      return make_error(ErrorKind::db_unavailable,
                        "PostgreSQL connection failed: " + redacted(message, pool_.secrets()));
    }
    // Serialization failure or deadlock: worth retrying, like an outage.
    if (sqlstate.starts_with("40"))
      return make_error(ErrorKind::db_unavailable, "PostgreSQL: " + message);
    // Data exceptions: a value PostgreSQL cannot hold (\u0000 in JSONB).
    if (sqlstate.starts_with("22"))
      return make_error(ErrorKind::invalid_request, "PostgreSQL refused a value: " + message);
    return make_error(ErrorKind::internal, "PostgreSQL: " + message);
  }

  // Row `i` of a result whose columns from `first` are id, doc, created_ms, updated_ms.
  Result<Row> row_at(PGresult* r, int i, Table table, int first) {
    auto created = to_int64(PQgetvalue(r, i, first + 2));
    auto updated = to_int64(PQgetvalue(r, i, first + 3));
    if (!created || !updated)
      return make_error(ErrorKind::internal,
                        "Corrupt row in " + std::string(table_name(table)) + ": bad times");
    return stored_row(table, std::string(PQgetvalue(r, i, first), PQgetlength(r, i, first)),
                      std::string_view(PQgetvalue(r, i, first + 1), PQgetlength(r, i, first + 1)),
                      *created, *updated);
  }

  Result<std::vector<Row>> select(Table table, const std::string& where,
                                  const std::vector<Param>& params) {
    auto result = exec("SELECT id, doc::text, created_ms, updated_ms FROM " +
                           std::string(table_name(table)) + where,
                       params);
    if (!result) return result.take_error();
    PGresult* r = result->get();
    std::vector<Row> rows;
    for (int i = 0, n = PQntuples(r); i < n; ++i) {
      auto row = row_at(r, i, table, 0);
      if (!row) return row.take_error();
      rows.push_back(std::move(row.value()));
    }
    return rows;
  }

 public:
  Result<std::vector<std::optional<Row>>> get_linked(Table table, std::string_view id,
                                                     const std::vector<Link>& links) {
    auto sql = linked_sql(Dialect::postgresql, table, id, links);
    if (!sql) return sql.take_error();
    auto result = exec(sql->text, sql->params);
    if (!result) return result.take_error();
    PGresult* r = result->get();
    std::vector<std::optional<Row>> out(links.size() + 1);
    for (int i = 0, n = PQntuples(r); i < n; ++i) {
      auto tag = to_int64(PQgetvalue(r, i, 0));
      if (!tag || *tag < 0 || static_cast<size_t>(*tag) > links.size())
        return make_error(ErrorKind::internal, "Corrupt linked row");
      auto row = row_at(r, i, *tag == 0 ? table : links[*tag - 1].table, 1);
      if (!row) return row.take_error();
      out[*tag] = std::move(row.value());
    }
    return out;
  }

 private:
  Result<int64_t> scalar(const std::string& sql, const std::vector<Param>& params) {
    auto result = exec(sql, params);
    if (!result) return result.take_error();
    auto value =
        PQntuples(result->get()) == 1 ? to_int64(PQgetvalue(result->get(), 0, 0)) : std::nullopt;
    if (!value) return make_error(ErrorKind::internal, "PostgreSQL answered no number");
    return *value;
  }

  template <class T>
  Result<std::vector<T>> rows_of(const Sql& sql, T (*read)(const Cells&)) {
    auto result = exec(sql.text, sql.params);
    if (!result) return result.take_error();
    std::vector<T> out;
    for (int i = 0, n = PQntuples(result->get()); i < n; ++i)
      out.push_back(read(ResultCells(result->get(), i)));
    return out;
  }

  // One statement writes the row and bumps the change counter only if a row
  // changed: atomic without a transaction of its own.
  Result<bool> write(Sql sql) {
    sql.text = "WITH w AS (" + sql.text +
               " RETURNING 1) UPDATE routeiq_changes SET n = n + 1 WHERE id = 1 AND EXISTS "
               "(SELECT 1 FROM w)";
    auto result = exec(sql.text, sql.params);
    if (!result) return result.take_error();
    return std::string_view(PQcmdTuples(result->get())) == "1";
  }

  Pool& pool_;
  PGconn* conn_;
  bool broken_ = false;
};

Status Session::migrate() {
  if (auto begun = run("BEGIN"); !begun) return begun;
  auto applied = [&]() -> Status {
    auto locked = exec("SELECT pg_advisory_xact_lock($1)", {kMigrationLockKey});
    if (!locked) return locked.take_error();
    auto created =
        run("CREATE TABLE IF NOT EXISTS routeiq_schema (version INTEGER PRIMARY KEY, applied_ms "
            "BIGINT NOT NULL)");
    if (!created) return created;
    auto current = scalar("SELECT COALESCE(MAX(version), 0) FROM routeiq_schema", {});
    if (!current) return current.take_error();
    if (*current > schema_version())
      return make_error(ErrorKind::internal,
                        "PostgreSQL database has schema version " + std::to_string(*current) +
                            ", newer than this build's " + std::to_string(schema_version()) +
                            ": it was written by a newer RouteIQ; upgrade, or use another "
                            "database");
    for (int version = static_cast<int>(*current) + 1; version <= schema_version(); ++version) {
      for (const auto& statement : migration_statements(Dialect::postgresql, version))
        if (auto ran = run(statement); !ran) return ran;
      auto recorded = exec("INSERT INTO routeiq_schema (version, applied_ms) VALUES ($1, $2)",
                           {int64_t{version}, now_ms()});
      if (!recorded) return recorded.take_error();
    }
    return ok_status();
  }();
  if (!applied) {
    rollback();
    return applied;
  }
  return commit();
}

class PostgresStore final : public Store {
 public:
  PostgresStore(const std::string& url, const OpenOptions& options) : pool_(url, options) {}

  Status open() {
    return with_session([](Session& session) { return session.migrate(); });
  }

  std::string_view backend() const override { return kBackend; }

  Result<std::optional<Row>> get(Table table, std::string_view id) override {
    return with_session([&](Session& s) { return s.get(table, id, false); });
  }
  Result<std::vector<std::optional<Row>>> get_linked(Table table, std::string_view id,
                                                     const std::vector<Link>& links) override {
    return with_session([&](Session& s) { return s.get_linked(table, id, links); });
  }
  Result<bool> insert(Table table, const Row& row) override {
    return with_session([&](Session& s) { return s.insert(table, row); });
  }
  Result<bool> update(Table table, const Row& row) override {
    return with_session([&](Session& s) { return s.update(table, row); });
  }
  Result<bool> remove(Table table, std::string_view id) override {
    return with_session([&](Session& s) { return s.remove(table, id); });
  }
  Status put(Table table, const Row& row) override {
    return with_session([&](Session& s) { return s.put(table, row); });
  }
  Result<std::vector<Row>> list(Table table, const Query& query) override {
    return with_session([&](Session& s) { return s.list(table, query); });
  }
  Result<int64_t> count(Table table, const Query& query) override {
    return with_session([&](Session& s) { return s.count(table, query); });
  }
  Result<int64_t> change_counter() override {
    return with_session([](Session& s) { return s.change_counter(); });
  }

  Result<SpendWriteCounts> write_spend(std::span<const SpendRow> rows) override {
    return with_session([&](Session& session) -> Result<SpendWriteCounts> {
      if (auto begun = session.run("BEGIN"); !begun) return begun.take_error();
      auto counts = write_spend_rows(session, rows);
      if (!counts) {
        session.rollback();
        return counts;
      }
      if (auto committed = session.commit(); !committed) return committed.take_error();
      return counts;
    });
  }
  Result<std::vector<SpendRow>> spend_logs(const SpendQuery& query) override {
    return with_session([&](Session& s) { return s.spend_logs(query); });
  }
  Result<int64_t> count_spend_logs(const SpendQuery& query) override {
    return with_session([&](Session& s) { return s.count_spend_logs(query); });
  }
  Result<std::vector<SpendTotal>> spend_totals(const SpendTotalsQuery& query) override {
    return with_session([&](Session& s) { return s.spend_totals(query); });
  }
  Result<std::vector<DailySpendRow>> daily_spend(const DailySpendQuery& query) override {
    return with_session([&](Session& s) { return s.daily_spend(query); });
  }
  Result<int64_t> count_daily_spend(const DailySpendQuery& query) override {
    return with_session([&](Session& s) { return s.count_daily_spend(query); });
  }

  Status transaction(const std::function<Status(Store&)>& work) override {
    return with_session([&](Session& session) -> Status {
      if (auto begun = session.run("BEGIN"); !begun) return begun;
      TransactionView<Session> view(session, kBackend);
      Status result = ok_status();
      try {
        result = work(view);
      } catch (...) {
        session.rollback();
        throw;
      }
      if (result && view.first_error()) result = *view.first_error();
      if (!result) {
        session.rollback();
        return result;
      }
      return session.commit();
    });
  }

 private:
  template <class F>
  auto with_session(F f) -> decltype(f(std::declval<Session&>())) {
    auto conn = pool_.acquire();
    if (!conn) return conn.take_error();
    Session session(pool_, *conn);
    return f(session);
  }

  Pool pool_;
};

}  // namespace

namespace {

Status check_url(const std::string& url) {
  char* error = nullptr;
  PQconninfoOption* parsed = PQconninfoParse(url.c_str(), &error);
  PQconninfoFree(parsed);
  if (parsed) return ok_status();
  std::string message = error ? first_line(error) : "out of memory";
  PQfreemem(error);
  return make_error(ErrorKind::invalid_request,
                    "Invalid PostgreSQL URL: " + redacted(message, url_secrets(url)));
}

}  // namespace

Result<int> postgres_schema_version(const std::string& url, const OpenOptions& options) {
  if (auto valid = check_url(url); !valid) return valid.take_error();
  Pool pool(url, options);
  auto conn = pool.acquire();
  if (!conn) return conn.take_error();
  Session session(pool, *conn);
  auto version = session.recorded_version();
  if (!version) return version.take_error();
  return static_cast<int>(version.value());
}

Result<std::unique_ptr<Store>> open_postgres(const std::string& url, const OpenOptions& options) {
  if (auto valid = check_url(url); !valid) return valid.take_error();
  auto store = std::make_unique<PostgresStore>(url, options);
  if (auto opened = store->open(); !opened) return opened.take_error();
  return std::unique_ptr<Store>(std::move(store));
}

}  // namespace routeiq::store
