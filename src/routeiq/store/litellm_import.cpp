#include "routeiq/store/litellm_import.hpp"

#include <libpq-fe.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <memory>
#include <optional>

#include "routeiq/core/json.hpp"
#include "routeiq/core/time.hpp"
#include "routeiq/store/backend.hpp"

namespace routeiq::store {
namespace json = boost::json;

namespace {

// Parameters Prisma reads from its DATABASE_URL that libpq would refuse.
constexpr std::string_view kPrismaParams[] = {
    "schema",         "connection_limit",     "pool_timeout", "pgbouncer",
    "socket_timeout", "statement_cache_size", "sslaccept",    "sslidentity",
};

// Rows fetched from the source cursor at a time: a big key table is never
// held whole in memory.
constexpr int kFetchRows = 500;

// The times the store can hold (parse_iso8601's range). LiteLLM rows may say
// 'infinity' or year 9999 for "never"; they are clamped, which keeps their
// meaning (never expired within this range, or long expired).
constexpr std::string_view kEarliest = "1900-01-01T00:00:00.000Z";
constexpr std::string_view kLatest = "2200-12-31T23:59:59.999Z";

struct SourceSpec {
  Table table;
  std::string_view name;      // LiteLLM's table
  std::string_view order_by;  // its primary key (deleted keys: newest deletion first)
};

// In the order they are written: owners before what refers to them.
constexpr SourceSpec kSources[] = {
    {Table::budgets, "LiteLLM_BudgetTable", "budget_id"},
    {Table::organizations, "LiteLLM_OrganizationTable", "organization_id"},
    {Table::teams, "LiteLLM_TeamTable", "team_id"},
    {Table::users, "LiteLLM_UserTable", "user_id"},
    {Table::end_users, "LiteLLM_EndUserTable", "user_id"},
    {Table::memberships, "LiteLLM_TeamMembership", "team_id, user_id"},
    {Table::keys, "LiteLLM_VerificationToken", "token"},
    {Table::deleted_keys, "LiteLLM_DeletedVerificationToken", "token, deleted_at DESC"},
};

const SourceSpec& source_spec(Table table) {
  for (const auto& spec : kSources)
    if (spec.table == table) return spec;
  return kSources[0];  // unreachable: callers go through kSources (models are not imported)
}

// A time as the store writes them ("2024-05-01T12:00:00.123Z"), from what
// row_to_json gives (no offset for TIMESTAMP: UTC, as Prisma writes it).
std::string normalized_time(std::string_view text) {
  if (auto at = parse_iso8601(text)) return iso8601(*at, true);
  bool before = text.starts_with('-') || text.find("BC") != std::string_view::npos ||
                (text.size() > 4 && text[4] == '-' && text.substr(0, 4) < "1900");
  return std::string(before ? kEarliest : kLatest);
}

int64_t time_ms(const json::value* value) {
  if (!value || !value->is_string()) return 0;
  auto at = parse_iso8601(value->get_string());
  if (!at) return 0;
  return std::chrono::duration_cast<std::chrono::milliseconds>(at->time_since_epoch()).count();
}

void normalize_times(json::object& doc, const std::vector<std::string>& names) {
  for (const auto& name : names)
    if (auto* v = doc.if_contains(name); v && v->is_string()) *v = normalized_time(v->get_string());
}

std::string take_string(json::object& doc, std::string_view name) {
  std::string out;
  if (auto* v = doc.if_contains(name); v && v->is_string()) out = std::string(v->get_string());
  doc.erase(name);
  return out;
}

// LiteLLM keeps a key's tags and per-model limits inside its metadata; the
// API (LiteLLM's and this gateway's) takes and shows them as fields.
void lift_from_metadata(json::object& doc) {
  const auto* metadata = obj_at(doc, "metadata");
  if (!metadata) return;
  if (const auto* tags = arr_at(*metadata, "tags"); tags && !doc.contains("tags"))
    doc["tags"] = *tags;
  for (auto name : {"model_rpm_limit", "model_tpm_limit"})
    if (const auto* limits = obj_at(*metadata, name); limits && !doc.contains(name))
      doc[name] = *limits;
}

Result<std::string> key_id(json::object& doc, const HashKey& hash_key) {
  std::string token = take_string(doc, "token");
  // LiteLLM before it hashed keys stored the key itself.
  if (token.starts_with("sk-") && hash_key) token = hash_key(token);
  return token;
}

void map_key(json::object& doc) {
  lift_from_metadata(doc);
  if (auto* blocked = doc.if_contains("blocked"); blocked && blocked->is_null()) *blocked = false;
}

void map_team(json::object& doc, const json::value& model_aliases) {
  // Prisma's default for members_with_roles is {}: no members.
  if (auto* members = doc.if_contains("members_with_roles"); !members || !members->is_array())
    doc["members_with_roles"] = json::array();
  if (model_aliases.is_object()) doc["model_aliases"] = model_aliases;
}

void map_organization(json::object& doc, const json::value& members) {
  json::array list;
  if (members.is_array())
    for (const auto& m : members.as_array()) {
      if (!m.is_object()) continue;
      json::object member = m.as_object();
      normalize_times(member, {"created_at", "updated_at"});
      list.push_back(std::move(member));
    }
  doc["members"] = std::move(list);
}

Result<std::string> row_id(Table table, json::object& doc, const HashKey& hash_key) {
  switch (table) {
    case Table::keys:
      return key_id(doc, hash_key);
    case Table::deleted_keys:
      doc.erase("id");  // LiteLLM's id of the deletion; the store keeps the last one per key
      return key_id(doc, hash_key);
    case Table::teams:
      return take_string(doc, "team_id");
    case Table::users:
    case Table::end_users:
      return take_string(doc, "user_id");
    case Table::organizations:
      return take_string(doc, "organization_id");
    case Table::budgets:
      return take_string(doc, "budget_id");
    case Table::memberships:
      // Both stay in the document: they are the table's indexed columns.
      return str_or(doc, "team_id").empty() || str_or(doc, "user_id").empty()
                 ? std::string()
                 : std::string(str_or(doc, "team_id")) + "\n" + std::string(str_or(doc, "user_id"));
    case Table::models:  // LiteLLM seals its stored models with its own scheme: not imported
      break;
  }
  return std::string();
}

}  // namespace

std::string_view litellm_table_of(Table table) {
  return source_spec(table).name;
}

Result<LitellmSource> litellm_source(std::string_view database_url) {
  if (!database_url.starts_with("postgresql://") && !database_url.starts_with("postgres://"))
    return make_error(ErrorKind::invalid_request,
                      "The LiteLLM database URL must be postgresql://user:pass@host:port/db");
  LitellmSource source;
  auto query = database_url.find('?');
  source.url = std::string(database_url.substr(0, query));
  if (query == std::string_view::npos) return source;
  std::string kept;
  std::string_view rest = database_url.substr(query + 1);
  while (!rest.empty()) {
    auto amp = rest.find('&');
    std::string_view param = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
    std::string_view name = param.substr(0, param.find('='));
    if (name == "schema") {
      source.schema = std::string(param.substr(std::min(param.size(), name.size() + 1)));
      if (source.schema.empty()) source.schema = "public";
    }
    if (std::find(std::begin(kPrismaParams), std::end(kPrismaParams), name) !=
        std::end(kPrismaParams))
      continue;
    kept += (kept.empty() ? "?" : "&") + std::string(param);
  }
  source.url += kept;
  return source;
}

Result<Row> litellm_row(Table table, json::object columns, const ColumnKinds& kinds,
                        const json::value& extra, const HashKey& hash_key) {
  json::object doc = std::move(columns);
  normalize_times(doc, kinds.timestamps);
  for (const auto& name : kinds.arrays)
    if (auto* v = doc.if_contains(name); v && v->is_null()) *v = json::array();
  Row row;
  row.created_ms = time_ms(doc.if_contains("created_at"));
  row.updated_ms = time_ms(doc.if_contains("updated_at"));
  if (row.updated_ms == 0) row.updated_ms = row.created_ms;
  doc.erase("created_at");
  doc.erase("updated_at");
  auto id = row_id(table, doc, hash_key);
  if (!id) return id.error();
  if (id->empty())
    return make_error(ErrorKind::invalid_request,
                      "A " + std::string(litellm_table_of(table)) + " row has no id");
  row.id = std::move(id.value());
  if (table == Table::keys || table == Table::deleted_keys) map_key(doc);
  if (table == Table::teams) map_team(doc, extra);
  // A UI login's password hash: not a field of the API, never shown.
  if (table == Table::users) doc.erase("password");
  if (table == Table::organizations) map_organization(doc, extra);
  row.doc = std::move(doc);
  return row;
}

namespace {

using ResultPtr = std::unique_ptr<PGresult, decltype(&PQclear)>;
// (column, data_type) of a table, from information_schema.
using ColumnTypes = std::vector<std::pair<std::string, std::string>>;

std::string first_line(std::string_view text) {
  text = text.substr(0, text.find('\n'));
  while (!text.empty() && (text.back() == ' ' || text.back() == '\r')) text.remove_suffix(1);
  return std::string(text);
}

// One connection to the LiteLLM database, read in one read-only snapshot.
class Source {
 public:
  Source(PGconn* conn, std::vector<std::string> secrets, std::string schema)
      : conn_(conn), secrets_(std::move(secrets)), schema_(std::move(schema)) {}
  Source(const Source&) = delete;
  Source& operator=(const Source&) = delete;
  ~Source() { PQfinish(conn_); }

  static Result<std::unique_ptr<Source>> connect(const LitellmSource& source, double timeout_s) {
    auto secrets = url_secrets(source.url);
    std::string timeout = std::to_string(std::max<int64_t>(2, std::llround(timeout_s)));
    const char* keywords[] = {"dbname", "connect_timeout", "client_encoding",
                              "fallback_application_name", nullptr};
    const char* values[] = {source.url.c_str(), timeout.c_str(), "UTF8", "routeiq-import", nullptr};
    PGconn* conn = PQconnectdbParams(keywords, values, /*expand_dbname=*/1);
    if (!conn || PQstatus(conn) != CONNECTION_OK) {
      std::string message = conn ? PQerrorMessage(conn) : "out of memory";
      PQfinish(conn);
      return make_error(ErrorKind::db_unavailable, "Cannot connect to the LiteLLM database: " +
                                                       redacted(first_line(message), secrets));
    }
    auto out = std::make_unique<Source>(conn, std::move(secrets), source.schema);
    // One snapshot for every table: rows added while importing are not half seen.
    if (auto begun = out->exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", {}); !begun)
      return begun.take_error();
    return out;
  }

  Result<ResultPtr> exec(const std::string& sql, const std::vector<std::string>& params) {
    std::vector<const char*> values;
    values.reserve(params.size());
    for (const auto& p : params) values.push_back(p.c_str());
    ResultPtr result(PQexecParams(conn_, sql.c_str(), static_cast<int>(values.size()), nullptr,
                                  values.data(), nullptr, nullptr, 0),
                     &PQclear);
    auto status = result ? PQresultStatus(result.get()) : PGRES_FATAL_ERROR;
    if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return result;
    const char* primary =
        result ? PQresultErrorField(result.get(), PG_DIAG_MESSAGE_PRIMARY) : nullptr;
    std::string message = primary ? primary : first_line(PQerrorMessage(conn_));
    return make_error(ErrorKind::db_unavailable,
                      "The LiteLLM database: " + redacted(message, secrets_));
  }

  // "schema"."name", quoted as an identifier (the schema comes from the URL).
  Result<std::string> qualified(std::string_view name) {
    auto quote = [&](std::string_view id) -> std::optional<std::string> {
      char* q = PQescapeIdentifier(conn_, id.data(), id.size());
      if (!q) return std::nullopt;
      std::string out(q);
      PQfreemem(q);
      return out;
    };
    auto schema = quote(schema_), table = quote(name);
    if (!schema || !table)
      return make_error(ErrorKind::invalid_request, "Invalid schema name in the LiteLLM URL");
    return *schema + "." + *table;
  }

  Result<bool> has_table(std::string_view name) {
    auto columns = column_types(name);
    if (!columns) return columns.error();
    return !columns->empty();
  }

  // (column, data_type) of a table; empty when there is no such table.
  Result<ColumnTypes> column_types(std::string_view name) {
    auto result = exec(
        "SELECT column_name::text, data_type::text FROM information_schema.columns WHERE "
        "table_schema = $1 AND table_name = $2 ORDER BY ordinal_position",
        {schema_, std::string(name)});
    if (!result) return result.error();
    ColumnTypes out;
    for (int i = 0, n = PQntuples(result->get()); i < n; ++i)
      out.emplace_back(PQgetvalue(result->get(), i, 0), PQgetvalue(result->get(), i, 1));
    return out;
  }

 private:
  PGconn* conn_;
  std::vector<std::string> secrets_;
  std::string schema_;
};

ColumnKinds kinds_of(const ColumnTypes& columns) {
  ColumnKinds kinds;
  for (const auto& [name, type] : columns) {
    if (type.starts_with("timestamp")) kinds.timestamps.push_back(name);
    if (type == "ARRAY") kinds.arrays.push_back(name);
  }
  return kinds;
}

bool has_column(const ColumnTypes& columns, std::string_view name) {
  return std::any_of(columns.begin(), columns.end(),
                     [&](const auto& column) { return column.first == name; });
}

// The SQL of the second column a table's rows are read with (see litellm_row).
Result<std::string> extra_sql(Source& source, Table table, const ColumnTypes& columns) {
  if (table == Table::teams && has_column(columns, "model_id")) {
    auto models = source.has_table("LiteLLM_ModelTable");
    if (!models) return models.error();
    auto name = source.qualified("LiteLLM_ModelTable");
    if (!name) return name.error();
    // Prisma maps the model_aliases field to the column "aliases".
    if (*models) return "(SELECT m.aliases::text FROM " + *name + " m WHERE m.id = t.model_id)";
  }
  if (table == Table::organizations) {
    auto members = source.has_table("LiteLLM_OrganizationMembership");
    if (!members) return members.error();
    auto name = source.qualified("LiteLLM_OrganizationMembership");
    if (!name) return name.error();
    if (*members)
      return "(SELECT json_agg(row_to_json(m) ORDER BY m.user_id)::text FROM " + *name +
             " m WHERE m.organization_id = t.organization_id)";
  }
  return std::string("NULL::text");
}

class Importer {
 public:
  Importer(Source& source, Store& target, const LitellmImportOptions& options)
      : source_(source), target_(target), options_(options) {}

  Status table(const SourceSpec& spec, ImportCount& count) {
    auto columns = source_.column_types(spec.name);
    if (!columns) return columns.error();
    count.present = !columns->empty();
    if (!count.present) return ok_status();
    if (auto opened = open_cursor(spec, *columns); !opened) return opened;
    if (auto copied = copy_rows(spec, kinds_of(*columns), count); !copied) return copied;
    auto closed = source_.exec("CLOSE routeiq_import", {});
    if (!closed) return closed.error();
    return ok_status();
  }

 private:
  Status open_cursor(const SourceSpec& spec, const ColumnTypes& columns) {
    auto name = source_.qualified(spec.name);
    if (!name) return name.error();
    auto extra = extra_sql(source_, spec.table, columns);
    if (!extra) return extra.error();
    auto declared =
        source_.exec("DECLARE routeiq_import NO SCROLL CURSOR FOR SELECT row_to_json(t)::text, " +
                         *extra + " FROM " + *name + " t ORDER BY " + std::string(spec.order_by),
                     {});
    if (!declared) return declared.error();
    return ok_status();
  }

  Status copy_rows(const SourceSpec& spec, const ColumnKinds& kinds, ImportCount& count) {
    std::string last_id;
    for (int64_t seen = 0;;) {
      auto batch =
          source_.exec("FETCH FORWARD " + std::to_string(kFetchRows) + " FROM routeiq_import", {});
      if (!batch) return batch.error();
      int n = PQntuples(batch->get());
      if (n == 0) return ok_status();
      for (int i = 0; i < n; ++i, ++seen) {
        auto row = read_row(spec, batch->get(), i, kinds, seen);
        if (!row) return row.error();
        // A key deleted twice has two deleted-keys rows: the newest came first.
        if (spec.table == Table::deleted_keys && row->id == last_id) continue;
        last_id = row->id;
        if (auto written = write(spec.table, std::move(row.value()), count); !written)
          return written;
      }
    }
  }

  Result<Row> read_row(const SourceSpec& spec, PGresult* result, int i, const ColumnKinds& kinds,
                       int64_t seen) {
    std::string where = std::string(spec.name) + " row " + std::to_string(seen + 1) + ": ";
    auto columns = parse_json_object(
        std::string_view(PQgetvalue(result, i, 0), PQgetlength(result, i, 0)), "row");
    if (!columns) return make_error(ErrorKind::invalid_request, where + columns.error().message);
    json::value extra;
    if (!PQgetisnull(result, i, 1)) {
      std::string text(PQgetvalue(result, i, 1), PQgetlength(result, i, 1));
      auto wrapped = parse_json_object("{\"v\":" + text + "}", "joined rows");
      if (!wrapped) return make_error(ErrorKind::invalid_request, where + wrapped.error().message);
      extra = wrapped->at("v");
    }
    auto row = litellm_row(spec.table, std::move(columns.value()), kinds, extra, options_.hash_key);
    if (!row) return make_error(row.error().kind, where + row.error().message);
    return row;
  }

  // A row that is already there as it would be written is left alone; times
  // the source does not have are kept from the stored row (else: now).
  Status write(Table table, Row row, ImportCount& count) {
    auto existing = target_.get(table, row.id);
    if (!existing) return existing.error();
    const Row* old = existing->has_value() ? &**existing : nullptr;
    int64_t now = now_ms();
    bool same_doc = old && old->doc == row.doc;
    if (row.created_ms == 0) {
      row.created_ms = old ? old->created_ms : now;
      row.updated_ms = same_doc ? old->updated_ms : now;
    }
    if (same_doc && old->created_ms == row.created_ms && old->updated_ms == row.updated_ms) {
      ++count.unchanged;
      return ok_status();
    }
    if (auto put = target_.put(table, row); !put) return put;
    ++(old ? count.updated : count.inserted);
    return ok_status();
  }

  Source& source_;
  Store& target_;
  const LitellmImportOptions& options_;
};

}  // namespace

Result<std::vector<ImportCount>> import_litellm(const LitellmSource& source, Store& target,
                                                const LitellmImportOptions& options) {
  auto connected = Source::connect(source, options.connect_timeout_s);
  if (!connected) return connected.error();
  Source& from = *connected.value();
  auto keys = from.has_table("LiteLLM_VerificationToken");
  if (!keys) return keys.error();
  if (!*keys)
    return make_error(ErrorKind::invalid_request,
                      "No LiteLLM_VerificationToken table in schema \"" + source.schema +
                          "\": not a LiteLLM database (or give ?schema= as in its DATABASE_URL)");
  std::vector<ImportCount> counts;
  auto written = target.transaction([&](Store& tx) -> Status {
    counts.clear();
    Importer importer(from, tx, options);
    for (const auto& spec : kSources) {
      if (spec.table == Table::deleted_keys && !options.deleted_keys) continue;
      ImportCount count;
      count.table = spec.table;
      count.source = std::string(spec.name);
      if (auto done = importer.table(spec, count); !done) return done;
      counts.push_back(std::move(count));
    }
    return ok_status();
  });
  if (!written) return written.error();
  return counts;
}

}  // namespace routeiq::store
