#include "routeiq/store/store.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <limits>

#include <boost/json/serialize.hpp>

#include "routeiq/core/json.hpp"
#include "routeiq/store/backend.hpp"

namespace routeiq::store {

namespace {

// Version 1: every table as LiteLLM's management API needs it. A later change
// is a new version: a TableSpec with `since` set to it is created by
// migration_statements(); a ColumnSpec with a later `since` also needs its
// ALTER TABLE ... ADD COLUMN, index and backfill from the documents written
// there (not written yet: no such column exists).
// Version 2: routeiq_models (store_model_in_db deployments).
// Version 3: routeiq_spend_logs and routeiq_daily_spend (typed tables, not
// documents: they are summed and filtered by the database).
constexpr int kSchemaVersion = 3;

// A list may name this many ids: each is one bound parameter, and both
// backends cap the parameters of a statement (SQLite at 32766).
constexpr size_t kMaxQueryIds = kMaxListLimit;

std::vector<TableSpec> make_table_specs() {
  using enum Table;
  return {
      {keys, "routeiq_keys", {{"key_alias"}, {"user_id"}, {"team_id"}, {"organization_id"}}},
      {deleted_keys,
       "routeiq_deleted_keys",
       {{"key_alias"}, {"user_id"}, {"team_id"}, {"organization_id"}}},
      {teams, "routeiq_teams", {{"team_alias"}, {"organization_id"}}},
      {users, "routeiq_users", {{"user_email"}, {"organization_id"}}},
      {end_users, "routeiq_end_users", {{"alias"}}},
      {organizations, "routeiq_organizations", {{"organization_alias"}}},
      {budgets, "routeiq_budgets", {}},
      {memberships, "routeiq_memberships", {{"team_id"}, {"user_id"}}},
      {models, "routeiq_models", {{"model_name", 2}}, 2},
  };
}

std::string column_list_sql(const TableSpec& spec, int version) {
  std::string sql;
  for (const auto& column : spec.columns)
    if (column.since <= version) sql += ", " + std::string(column.name) + " TEXT";
  return sql;
}

void add_table_statements(Dialect dialect, const TableSpec& spec, int version,
                          std::vector<std::string>& out) {
  std::string name(spec.name);
  const bool pg = dialect == Dialect::postgresql;
  // PostgreSQL ids collate bytewise ("C"), as SQLite's do, so both list in
  // the same order whatever the database's locale.
  out.push_back("CREATE TABLE " + name + " (id TEXT" + (pg ? " COLLATE \"C\"" : "") +
                " PRIMARY KEY, doc " + (pg ? "JSONB" : "TEXT") + " NOT NULL, created_ms " +
                (pg ? "BIGINT" : "INTEGER") + " NOT NULL, updated_ms " +
                (pg ? "BIGINT" : "INTEGER") + " NOT NULL" + column_list_sql(spec, version) + ")");
  out.push_back("CREATE INDEX " + name + "_created ON " + name + " (created_ms, id)");
  for (const auto& column : spec.columns)
    if (column.since <= version)
      out.push_back("CREATE INDEX " + name + "_" + std::string(column.name) + " ON " + name + " (" +
                    std::string(column.name) + ")");
}

bool has_nul(std::string_view text) {
  return text.find('\0') != std::string_view::npos;
}

}  // namespace

int schema_version() {
  return kSchemaVersion;
}

const std::vector<TableSpec>& table_specs() {
  static const std::vector<TableSpec> specs = make_table_specs();
  return specs;
}

const TableSpec& table_spec(Table table) {
  return table_specs()[static_cast<size_t>(table)];
}

std::string_view table_name(Table table) {
  return table_spec(table).name;
}

std::vector<std::string_view> indexed_columns(Table table) {
  std::vector<std::string_view> names;
  for (const auto& column : table_spec(table).columns) names.push_back(column.name);
  return names;
}

std::vector<std::string> migration_statements(Dialect dialect, int version) {
  std::vector<std::string> out;
  if (version == 1) {
    const bool pg = dialect == Dialect::postgresql;
    out.push_back(std::string("CREATE TABLE routeiq_changes (id INTEGER PRIMARY KEY, n ") +
                  (pg ? "BIGINT" : "INTEGER") + " NOT NULL)");
    out.push_back("INSERT INTO routeiq_changes (id, n) VALUES (1, 0)");
  }
  for (const auto& spec : table_specs())
    if (spec.since == version) add_table_statements(dialect, spec, version, out);
  if (version == 3)
    for (auto& statement : spend_migration_statements(dialect)) out.push_back(std::move(statement));
  return out;
}

std::string placeholder(Dialect dialect, int n) {
  return (dialect == Dialect::sqlite ? "?" : "$") + std::to_string(n);
}

Status check_id(std::string_view id) {
  if (id.empty()) return make_error(ErrorKind::invalid_request, "A store row needs a non-empty id");
  // PostgreSQL text cannot hold NUL; refused by both backends so they agree.
  if (has_nul(id)) return make_error(ErrorKind::invalid_request, "A store id must not contain NUL");
  return ok_status();
}

Result<RowValues> row_values(Table table, const Row& row) {
  if (auto ok = check_id(row.id); !ok) return ok.take_error();
  RowValues values;
  values.doc = boost::json::serialize(row.doc);
  // Boost.JSON writes string bytes as they are; a document that would not
  // parse back (invalid UTF-8) is refused here rather than stored unreadable.
  if (!is_valid_json(values.doc))
    return make_error(ErrorKind::invalid_request,
                      "A " + std::string(table_name(table)) +
                          " document is not valid JSON once serialized (invalid UTF-8?)");
  for (const auto& column : table_spec(table).columns) {
    auto it = row.doc.find(column.name);
    if (it == row.doc.end() || !it->value().is_string()) {
      values.columns.emplace_back();
      continue;
    }
    std::string_view text = it->value().get_string();
    if (has_nul(text))
      return make_error(ErrorKind::invalid_request,
                        "Member " + std::string(column.name) + " must not contain NUL");
    values.columns.emplace_back(std::string(text));
  }
  return values;
}

Result<Sql> where_clause(Dialect dialect, Table table, const Query& query, int first) {
  const auto& spec = table_spec(table);
  Sql sql;
  int n = first;
  auto next = [&](std::string value) {
    sql.params.emplace_back(std::move(value));
    return placeholder(dialect, n++);
  };
  std::vector<std::string> terms;
  for (const auto& term : query.equals) {
    // Named, not a structured binding: clang before 16 cannot capture one.
    const std::string& column = term.first;
    const std::string& value = term.second;
    auto known = std::find_if(spec.columns.begin(), spec.columns.end(),
                              [&](const ColumnSpec& c) { return c.name == column; });
    if (known == spec.columns.end())
      return make_error(ErrorKind::invalid_request, "Unknown column for " + std::string(spec.name) +
                                                        ": " + column.substr(0, 100));
    if (has_nul(value))
      return make_error(ErrorKind::invalid_request, "A query value must not contain NUL");
    terms.push_back(std::string(known->name) + " = " + next(value));
  }
  if (query.ids.size() > kMaxQueryIds)
    return make_error(ErrorKind::invalid_request,
                      "A store query may name at most " + std::to_string(kMaxQueryIds) + " ids");
  if (!query.ids.empty()) {
    std::string in = "id IN (";
    for (size_t i = 0; i < query.ids.size(); ++i) {
      if (has_nul(query.ids[i]))
        return make_error(ErrorKind::invalid_request, "A store id must not contain NUL");
      in += (i ? ", " : "") + next(query.ids[i]);
    }
    terms.push_back(in + ")");
  }
  for (size_t i = 0; i < terms.size(); ++i) sql.text += (i ? " AND " : " WHERE ") + terms[i];
  return sql;
}

int64_t bounded_limit(const Query& query) {
  return static_cast<int64_t>(std::min(query.limit, kMaxListLimit));
}

int64_t bounded_offset(const Query& query) {
  constexpr auto kMax = static_cast<size_t>(std::numeric_limits<int64_t>::max());
  return static_cast<int64_t>(std::min(query.offset, kMax));
}

Result<Row> stored_row(Table table, std::string id, std::string_view doc, int64_t created_ms,
                       int64_t updated_ms) {
  auto parsed = parse_json_object(doc, "stored document");
  if (!parsed)
    return make_error(ErrorKind::internal, "Corrupt row in " + std::string(table_name(table)) +
                                               ": " + parsed.error().message);
  return Row{std::move(id), std::move(parsed.value()), created_ms, updated_ms};
}

int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

std::string redacted(std::string message, const std::vector<std::string>& secrets) {
  for (const auto& secret : secrets) {
    if (secret.empty()) continue;
    for (size_t at = message.find(secret); at != std::string::npos;
         at = message.find(secret, at + 3))
      message.replace(at, secret.size(), "***");
  }
  return message;
}

namespace {

Param to_param(std::optional<std::string> value) {
  if (!value) return std::monostate{};
  return std::move(*value);
}

std::string doc_placeholder(Dialect dialect, int n) {
  return placeholder(dialect, n) + (dialect == Dialect::postgresql ? "::jsonb" : "");
}

}  // namespace

Result<Sql> insert_sql(Dialect dialect, Table table, const Row& row) {
  auto values = row_values(table, row);
  if (!values) return values.take_error();
  const auto& spec = table_spec(table);
  std::string names = "id, doc, created_ms, updated_ms";
  std::string marks = placeholder(dialect, 1) + ", " + doc_placeholder(dialect, 2) + ", " +
                      placeholder(dialect, 3) + ", " + placeholder(dialect, 4);
  int n = 5;
  for (const auto& column : spec.columns) {
    names += ", " + std::string(column.name);
    marks += ", " + placeholder(dialect, n++);
  }
  int64_t now = now_ms();
  Sql sql{"INSERT INTO " + std::string(spec.name) + " (" + names + ") VALUES (" + marks +
              ") ON CONFLICT (id) DO NOTHING",
          {row.id, std::move(values->doc), now, now}};
  for (auto& value : values->columns) sql.params.push_back(to_param(std::move(value)));
  return sql;
}

Result<Sql> update_sql(Dialect dialect, Table table, const Row& row) {
  auto values = row_values(table, row);
  if (!values) return values.take_error();
  const auto& spec = table_spec(table);
  Sql sql{"UPDATE " + std::string(spec.name) + " SET doc = " + doc_placeholder(dialect, 2) +
              ", updated_ms = " + placeholder(dialect, 3),
          {row.id, std::move(values->doc), now_ms()}};
  int n = 4;
  for (size_t i = 0; i < spec.columns.size(); ++i) {
    sql.text += ", " + std::string(spec.columns[i].name) + " = " + placeholder(dialect, n++);
    sql.params.push_back(to_param(std::move(values->columns[i])));
  }
  sql.text += " WHERE id = " + placeholder(dialect, 1);
  return sql;
}

Result<Sql> put_sql(Dialect dialect, Table table, const Row& row) {
  auto values = row_values(table, row);
  if (!values) return values.take_error();
  const auto& spec = table_spec(table);
  std::string names = "id, doc, created_ms, updated_ms";
  std::string marks = placeholder(dialect, 1) + ", " + doc_placeholder(dialect, 2) + ", " +
                      placeholder(dialect, 3) + ", " + placeholder(dialect, 4);
  std::string sets =
      "doc = excluded.doc, created_ms = excluded.created_ms, updated_ms = "
      "excluded.updated_ms";
  int n = 5;
  for (const auto& column : spec.columns) {
    std::string name(column.name);
    names += ", " + name;
    marks += ", " + placeholder(dialect, n++);
    sets.append(", ").append(name).append(" = excluded.").append(name);
  }
  // INSERT ... ON CONFLICT DO UPDATE: the same text on SQLite (3.24+) and
  // PostgreSQL, one statement whether or not the row exists.
  Sql sql{"INSERT INTO " + std::string(spec.name) + " (" + names + ") VALUES (" + marks +
              ") ON CONFLICT (id) DO UPDATE SET " + sets,
          {row.id, std::move(values->doc), row.created_ms, row.updated_ms}};
  for (auto& value : values->columns) sql.params.push_back(to_param(std::move(value)));
  return sql;
}

Result<Sql> remove_sql(Dialect dialect, Table table, std::string_view id) {
  if (auto ok = check_id(id); !ok) return ok.take_error();
  return Sql{
      "DELETE FROM " + std::string(table_name(table)) + " WHERE id = " + placeholder(dialect, 1),
      {std::string(id)}};
}

Result<Sql> list_suffix(Dialect dialect, Table table, const Query& query) {
  auto where = where_clause(dialect, table, query);
  if (!where) return where.take_error();
  int n = static_cast<int>(where->params.size()) + 1;
  where->text += " ORDER BY created_ms, id LIMIT " + placeholder(dialect, n) + " OFFSET " +
                 placeholder(dialect, n + 1);
  where->params.emplace_back(bounded_limit(query));
  where->params.emplace_back(bounded_offset(query));
  return where;
}

Result<Sql> count_sql(Dialect dialect, Table table, const Query& query) {
  auto where = where_clause(dialect, table, query);
  if (!where) return where.take_error();
  where->text = "SELECT COUNT(*) FROM " + std::string(table_name(table)) + where->text;
  return where;
}

Result<Sql> linked_sql(Dialect dialect, Table table, std::string_view id,
                       const std::vector<Link>& links) {
  if (auto ok = check_id(id); !ok) return ok.take_error();
  const bool pg = dialect == Dialect::postgresql;
  const std::string doc = pg ? "doc::text" : "doc", p1 = placeholder(dialect, 1);
  const std::string name(table_name(table));
  std::string text =
      "SELECT 0, id, " + doc + ", created_ms, updated_ms FROM " + name + " WHERE id = " + p1;
  auto columns = indexed_columns(table);
  for (size_t i = 0; i < links.size(); ++i) {
    if (std::find(columns.begin(), columns.end(), links[i].column) == columns.end())
      return make_error(ErrorKind::invalid_request,
                        "Not an indexed column of " + name + ": " + std::string(links[i].column));
    text += " UNION ALL SELECT " + std::to_string(i + 1) + ", l.id, l." + doc +
            ", l.created_ms, l.updated_ms FROM " + std::string(table_name(links[i].table)) +
            " l JOIN " + name + " r ON l.id = r." + std::string(links[i].column) +
            " WHERE r.id = " + p1;
  }
  return Sql{std::move(text), {std::string(id)}};
}

Result<std::vector<std::optional<Row>>> Store::get_linked(Table table, std::string_view id,
                                                          const std::vector<Link>& links) {
  // The same statement checks as the one-query form, so both refuse alike.
  if (auto sql = linked_sql(Dialect::sqlite, table, id, links); !sql) return sql.take_error();
  std::vector<std::optional<Row>> out;
  auto row = get(table, id);
  if (!row) return row.take_error();
  out.push_back(std::move(row.value()));
  for (const auto& link : links) {
    std::optional<Row> linked;
    if (out.front()) {
      auto target = str_or(out.front()->doc, link.column);
      if (!target.empty()) {
        auto found = get(link.table, target);
        if (!found) return found.take_error();
        linked = std::move(found.value());
      }
    }
    out.push_back(std::move(linked));
  }
  return out;
}

std::optional<std::string> sqlite_path(std::string_view url) {
  auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return std::string(url);
  // sqlite:///abs/path keeps its leading slash; sqlite://rel.db is relative.
  if (url.substr(0, scheme_end) == "sqlite") return std::string(url.substr(scheme_end + 3));
  return std::nullopt;
}

namespace {

bool is_postgres_url(std::string_view url) {
  std::string_view scheme = url.substr(0, url.find("://"));
  return scheme == "postgresql" || scheme == "postgres";
}

Error unsupported_scheme(std::string_view url) {
  std::string_view scheme = url.substr(0, url.find("://"));
  // Only the scheme is quoted: the rest of a URL may hold a password.
  bool printable =
      scheme.size() <= 32 && std::all_of(scheme.begin(), scheme.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '-' || c == '.';
      });
  return make_error(ErrorKind::invalid_request,
                    "Unsupported database URL scheme" +
                        (printable ? " \"" + std::string(scheme) + "\"" : std::string()) +
                        ": use sqlite://, postgresql:// or a file path");
}

}  // namespace

Result<std::unique_ptr<Store>> open_store(std::string_view url, const OpenOptions& options) {
  if (auto path = sqlite_path(url)) {
    if (path->empty())
      return make_error(ErrorKind::invalid_request, "The SQLite database URL has no path");
    return open_sqlite(*path, options);
  }
  if (is_postgres_url(url)) return open_postgres(std::string(url), options);
  return unsupported_scheme(url);
}

Result<int> database_schema_version(std::string_view url, const OpenOptions& options) {
  if (auto path = sqlite_path(url)) {
    if (path->empty())
      return make_error(ErrorKind::invalid_request, "The SQLite database URL has no path");
    return sqlite_schema_version(*path);
  }
  if (is_postgres_url(url)) return postgres_schema_version(std::string(url), options);
  return unsupported_scheme(url);
}

std::string masked_url(std::string_view url) {
  std::string out(url);
  auto start = out.find("://");
  if (start != std::string::npos) {
    auto end = out.find_first_of("/?#", start + 3);
    auto at = out.rfind('@', end == std::string::npos ? out.size() : end);
    if (at != std::string::npos && at > start) {
      auto colon = out.find(':', start + 3);
      if (colon < at) out.replace(colon + 1, at - colon - 1, "***");
    }
  }
  // A password may also come as a query parameter (postgresql://h/db?password=...).
  for (size_t at = out.find("password="); at != std::string::npos;
       at = out.find("password=", at + 1)) {
    size_t value = at + 9, end = out.find('&', value);
    out.replace(value, (end == std::string::npos ? out.size() : end) - value, "***");
  }
  return out;
}

}  // namespace routeiq::store
