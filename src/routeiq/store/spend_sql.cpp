// The spend statements both backends run: the same text with the dialect's
// placeholders, every value a parameter.
#include <array>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <functional>

#include "routeiq/store/backend.hpp"
#include "routeiq/store/spend.hpp"

namespace routeiq::store {

namespace {

enum class ColumnType { text, integer, real, nullable_integer, nullable_text };

struct SpendColumn {
  std::string_view name;
  ColumnType type;
};

// In SpendRow's order: spend_row_params() writes and spend_row_from() reads
// a row in this order.
constexpr std::array<SpendColumn, 28> kSpendColumns{{
    {"request_id", ColumnType::text},
    {"call_type", ColumnType::text},
    {"api_key", ColumnType::text},
    {"key_alias", ColumnType::text},
    {"user_id", ColumnType::text},
    {"team_id", ColumnType::text},
    {"organization_id", ColumnType::text},
    {"end_user", ColumnType::text},
    {"model", ColumnType::text},
    {"model_id", ColumnType::text},
    {"model_group", ColumnType::text},
    {"custom_llm_provider", ColumnType::text},
    {"api_base", ColumnType::text},
    {"prompt_tokens", ColumnType::integer},
    {"completion_tokens", ColumnType::integer},
    {"total_tokens", ColumnType::integer},
    {"cache_read_tokens", ColumnType::integer},
    {"cache_creation_tokens", ColumnType::integer},
    {"spend", ColumnType::real},
    {"start_ms", ColumnType::integer},
    {"end_ms", ColumnType::integer},
    {"completion_start_ms", ColumnType::nullable_integer},
    {"status", ColumnType::text},
    {"cache_hit", ColumnType::integer},
    {"request_tags", ColumnType::text},
    {"metadata", ColumnType::text},
    {"messages", ColumnType::nullable_text},
    {"response", ColumnType::nullable_text},
}};

// A daily row's unique key, then its counters (SpendCounters' order).
constexpr std::array<std::string_view, 7> kDailyKeyColumns{
    "date", "entity_kind", "entity_id", "api_key", "model", "model_group", "custom_llm_provider"};
constexpr std::array<std::string_view, 8> kDailyCounterColumns{
    "prompt_tokens", "completion_tokens", "cache_read_tokens",   "cache_creation_tokens",
    "spend",         "api_requests",      "successful_requests", "failed_requests"};

std::string_view sql_type(Dialect dialect, ColumnType type) {
  const bool pg = dialect == Dialect::postgresql;
  switch (type) {
    case ColumnType::text:
      return "TEXT NOT NULL";
    case ColumnType::integer:
      return pg ? "BIGINT NOT NULL" : "INTEGER NOT NULL";
    case ColumnType::real:
      return pg ? "DOUBLE PRECISION NOT NULL" : "REAL NOT NULL";
    case ColumnType::nullable_integer:
      return pg ? "BIGINT" : "INTEGER";
    case ColumnType::nullable_text:
      return "TEXT";
  }
  return "TEXT";
}

template <size_t N>
std::string joined(const std::array<std::string_view, N>& names) {
  std::string out;
  for (size_t i = 0; i < N; ++i) out.append(i ? ", " : "").append(names[i]);
  return out;
}

std::string spend_column_list() {
  std::string out;
  for (size_t i = 0; i < kSpendColumns.size(); ++i)
    out.append(i ? ", " : "").append(kSpendColumns[i].name);
  return out;
}

std::string placeholders(Dialect dialect, int first, size_t count) {
  std::string out;
  for (size_t i = 0; i < count; ++i)
    out.append(i ? ", " : "").append(placeholder(dialect, first + static_cast<int>(i)));
  return out;
}

std::string spend_logs_table(Dialect dialect) {
  const bool pg = dialect == Dialect::postgresql;
  std::string sql = "CREATE TABLE routeiq_spend_logs (";
  for (size_t i = 0; i < kSpendColumns.size(); ++i) {
    const auto& column = kSpendColumns[i];
    sql.append(i ? ", " : "")
        .append(column.name)
        .append(" ")
        .append(sql_type(dialect, column.type));
    // Ids collate bytewise on PostgreSQL as on SQLite, so both list alike.
    if (column.name == "request_id") sql.append(pg ? " COLLATE \"C\"" : "").append(" PRIMARY KEY");
  }
  return sql + ")";
}

std::string daily_spend_table(Dialect dialect) {
  const bool pg = dialect == Dialect::postgresql;
  std::string sql = "CREATE TABLE routeiq_daily_spend (";
  for (auto name : kDailyKeyColumns) sql.append(name).append(" TEXT NOT NULL, ");
  for (auto name : kDailyCounterColumns) {
    std::string_view type =
        name == "spend" ? (pg ? "DOUBLE PRECISION" : "REAL") : (pg ? "BIGINT" : "INTEGER");
    sql.append(name).append(" ").append(type).append(" NOT NULL, ");
  }
  return sql + "PRIMARY KEY (" + joined(kDailyKeyColumns) + "))";
}

std::string tags_json(const std::vector<std::string>& tags) {
  boost::json::array array;
  for (const auto& tag : tags) array.emplace_back(tag);
  return boost::json::serialize(array);
}

Param nullable(const std::optional<std::string>& text) {
  if (!text) return std::monostate{};
  return *text;
}

}  // namespace

std::vector<std::string> spend_migration_statements(Dialect dialect) {
  std::vector<std::string> out{spend_logs_table(dialect), daily_spend_table(dialect)};
  out.push_back(
      "CREATE INDEX routeiq_spend_logs_start ON routeiq_spend_logs (start_ms, request_id)");
  for (std::string_view column : {"api_key", "user_id", "team_id", "end_user"})
    out.push_back("CREATE INDEX routeiq_spend_logs_" + std::string(column) +
                  " ON routeiq_spend_logs (" + std::string(column) + ", start_ms)");
  // The primary key starts with the date; an entity's history needs its own.
  out.push_back(
      "CREATE INDEX routeiq_daily_spend_entity ON routeiq_daily_spend (entity_kind, entity_id, "
      "date)");
  return out;
}

Sql spend_insert_sql(Dialect dialect, const SpendRow& row) {
  Sql sql{"INSERT INTO routeiq_spend_logs (" + spend_column_list() + ") VALUES (" +
              placeholders(dialect, 1, kSpendColumns.size()) +
              ") ON CONFLICT (request_id) DO NOTHING",
          {}};
  auto& p = sql.params;
  for (const std::string* text :
       {&row.request_id, &row.call_type, &row.api_key, &row.key_alias, &row.user_id, &row.team_id,
        &row.organization_id, &row.end_user, &row.model, &row.model_id, &row.model_group,
        &row.custom_llm_provider, &row.api_base})
    p.emplace_back(*text);
  for (int64_t number : {row.prompt_tokens, row.completion_tokens, row.total_tokens,
                         row.cache_read_tokens, row.cache_creation_tokens})
    p.emplace_back(number);
  p.emplace_back(row.spend);
  p.emplace_back(row.start_ms);
  p.emplace_back(row.end_ms);
  if (row.completion_start_ms)
    p.emplace_back(*row.completion_start_ms);
  else
    p.emplace_back(std::monostate{});
  p.emplace_back(row.status);
  p.emplace_back(int64_t{row.cache_hit ? 1 : 0});
  p.emplace_back(tags_json(row.tags));
  p.emplace_back(row.metadata);
  p.push_back(nullable(row.messages));
  p.push_back(nullable(row.response));
  return sql;
}

Sql daily_upsert_sql(Dialect dialect, const DailySpendKey& key, const SpendCounters& counters) {
  std::string sets;
  for (auto name : kDailyCounterColumns)
    sets.append(sets.empty() ? "" : ", ")
        .append(name)
        .append(" = routeiq_daily_spend.")
        .append(name)
        .append(" + excluded.")
        .append(name);
  Sql sql{"INSERT INTO routeiq_daily_spend (" + joined(kDailyKeyColumns) + ", " +
              joined(kDailyCounterColumns) + ") VALUES (" +
              placeholders(dialect, 1, kDailyKeyColumns.size() + kDailyCounterColumns.size()) +
              ") ON CONFLICT (" + joined(kDailyKeyColumns) + ") DO UPDATE SET " + sets,
          {key.date, std::string(spend_entity_name(key.kind)), key.entity_id, key.api_key,
           key.model, key.model_group, key.custom_llm_provider}};
  auto& p = sql.params;
  p.emplace_back(counters.prompt_tokens);
  p.emplace_back(counters.completion_tokens);
  p.emplace_back(counters.cache_read_tokens);
  p.emplace_back(counters.cache_creation_tokens);
  p.emplace_back(counters.spend);
  p.emplace_back(counters.api_requests);
  p.emplace_back(counters.successful_requests);
  p.emplace_back(counters.failed_requests);
  return sql;
}

namespace {

// The new `spend` of a document: its number (0 when absent or not a number)
// plus $2, computed by the database from the row as it is when the update
// runs, so increments from other instances are never overwritten.
std::string spend_expression(Dialect dialect) {
  if (dialect == Dialect::sqlite)
    return "'$.spend', coalesce(CASE WHEN json_type(doc, '$.spend') IN ('integer', 'real') THEN "
           "json_extract(doc, '$.spend') END, 0) + ?2";
  return "to_jsonb(coalesce(CASE WHEN jsonb_typeof(doc->'spend') = 'number' THEN "
         "(doc->>'spend')::float8 END, 0) + $2::float8)";
}

// The new `model_spend`: the old map (or {}) with each model of $3 (a JSON
// object of increments) added to its value.
std::string model_spend_expression(Dialect dialect) {
  if (dialect == Dialect::sqlite) {
    const std::string old =
        "json_each(CASE WHEN json_type(doc, '$.model_spend') = 'object' THEN "
        "json_extract(doc, '$.model_spend') ELSE '{}' END)";
    // json() keeps the subquery's result JSON, not a string, in json_set.
    return "'$.model_spend', json((SELECT json_group_object(k, v) FROM ("
           "SELECT o.key AS k, CASE WHEN o.type IN ('integer', 'real') THEN o.value ELSE 0 END + "
           "coalesce((SELECT n.value FROM json_each(?3) n WHERE n.key = o.key), 0) AS v FROM " +
           old +
           " o UNION ALL SELECT n.key, n.value FROM json_each(?3) n WHERE n.key NOT IN "
           "(SELECT o.key FROM " +
           old + " o))))";
  }
  return "coalesce(CASE WHEN jsonb_typeof(doc->'model_spend') = 'object' THEN doc->'model_spend' "
         "END, '{}'::jsonb) || (SELECT jsonb_object_agg(n.key, to_jsonb(n.value::float8 + "
         "coalesce(CASE WHEN jsonb_typeof(doc->'model_spend'->n.key) = 'number' THEN "
         "(doc->'model_spend'->>n.key)::float8 END, 0))) FROM jsonb_each_text($3::jsonb) n)";
}

std::string model_spend_json(const std::map<std::string, double>& model_spend) {
  boost::json::object object;
  for (const auto& [model, spend] : model_spend) object[model] = spend;
  return boost::json::serialize(object);
}

}  // namespace

Sql document_increment_sql(Dialect dialect, Table table, const std::string& id,
                           const DocumentIncrement& increment) {
  const bool pg = dialect == Dialect::postgresql;
  const bool models = !increment.model_spend.empty();
  std::string value;
  if (pg) {
    value = "jsonb_set(doc, '{spend}', " + spend_expression(dialect) + ")";
    if (models)
      value = "jsonb_set(" + value + ", '{model_spend}', " + model_spend_expression(dialect) + ")";
  } else {
    value = "json_set(doc, " + spend_expression(dialect) +
            (models ? ", " + model_spend_expression(dialect) : "") + ")";
  }
  // A document that is not an object (corrupt) is left as it is: an error
  // would keep the whole batch, and every later one, out of the database.
  std::string guard = pg ? "jsonb_typeof(doc) = 'object'"
                         : "CASE WHEN json_valid(doc) THEN json_type(doc) = 'object' END";
  Sql sql{"UPDATE " + std::string(table_name(table)) + " SET doc = " + value +
              " WHERE id = " + placeholder(dialect, 1) + " AND " + guard,
          {id, increment.spend}};
  if (models) sql.params.emplace_back(model_spend_json(increment.model_spend));
  return sql;
}

namespace {

Result<Sql> spend_where(Dialect dialect, const SpendQuery& query) {
  Sql sql;
  std::vector<std::string> terms;
  auto next = [&](Param value) {
    sql.params.push_back(std::move(value));
    return placeholder(dialect, static_cast<int>(sql.params.size()));
  };
  const std::pair<std::string_view, const std::optional<std::string>*> equals[] = {
      {"request_id", &query.request_id},
      {"api_key", &query.api_key},
      {"user_id", &query.user_id},
      {"team_id", &query.team_id},
      {"end_user", &query.end_user}};
  for (const auto& [column, value] : equals) {
    if (!*value) continue;
    if ((*value)->find('\0') != std::string::npos)
      return make_error(ErrorKind::invalid_request, "A query value must not contain NUL");
    terms.push_back(std::string(column) + " = " + next(**value));
  }
  if (query.start_ms) terms.push_back("start_ms >= " + next(*query.start_ms));
  if (query.end_ms) terms.push_back("start_ms < " + next(*query.end_ms));
  for (const auto& tag : query.tags) {
    if (tag.find('\0') != std::string::npos)
      return make_error(ErrorKind::invalid_request, "A query value must not contain NUL");
    terms.push_back(
        dialect == Dialect::sqlite
            ? "EXISTS (SELECT 1 FROM json_each(request_tags) WHERE value = " + next(tag) + ")"
            : "request_tags::jsonb @> jsonb_build_array(" + next(tag) + "::text)");
  }
  for (size_t i = 0; i < terms.size(); ++i) sql.text += (i ? " AND " : " WHERE ") + terms[i];
  return sql;
}

}  // namespace

Result<Sql> spend_logs_sql(Dialect dialect, const SpendQuery& query) {
  auto sql = spend_where(dialect, query);
  if (!sql) return sql;
  int n = static_cast<int>(sql->params.size()) + 1;
  sql->text = "SELECT " + spend_column_list() + " FROM routeiq_spend_logs" + sql->text +
              (query.newest_first ? " ORDER BY start_ms DESC, request_id DESC"
                                  : " ORDER BY start_ms, request_id") +
              " LIMIT " + placeholder(dialect, n) + " OFFSET " + placeholder(dialect, n + 1);
  Query bounds;
  bounds.limit = query.limit;
  bounds.offset = query.offset;
  sql->params.emplace_back(bounded_limit(bounds));
  sql->params.emplace_back(bounded_offset(bounds));
  return sql;
}

Result<Sql> count_spend_logs_sql(Dialect dialect, const SpendQuery& query) {
  auto sql = spend_where(dialect, query);
  if (!sql) return sql;
  sql->text = "SELECT COUNT(*) FROM routeiq_spend_logs" + sql->text;
  return sql;
}

namespace {

std::optional<SpendEntity> entity_of(SpendGroup group) {
  switch (group) {
    case SpendGroup::user:
      return SpendEntity::user;
    case SpendGroup::team:
      return SpendEntity::team;
    case SpendGroup::org:
      return SpendEntity::org;
    case SpendGroup::end_user:
      return SpendEntity::end_user;
    case SpendGroup::tag:
      return SpendEntity::tag;
    default:
      return std::nullopt;
  }
}

std::string_view dimension_column(SpendGroup group) {
  switch (group) {
    case SpendGroup::model:
      return "model";
    case SpendGroup::model_group:
      return "model_group";
    case SpendGroup::provider:
      return "custom_llm_provider";
    case SpendGroup::date:
      return "date";
    default:
      return "api_key";
  }
}

// Which daily rows are summed (their kind), by which column, and which
// column the entity filter compares.
struct TotalsShape {
  SpendEntity kind;
  std::string_view group_column, filter_column;
};

Result<TotalsShape> totals_shape(const SpendTotalsQuery& query) {
  if (auto kind = entity_of(query.group_by)) {
    if (!query.entity || query.entity->first == *kind)
      return TotalsShape{*kind, "entity_id", "entity_id"};
    if (query.entity->first == SpendEntity::key) return TotalsShape{*kind, "entity_id", "api_key"};
    return make_error(ErrorKind::invalid_request,
                      "Spend by " + std::string(spend_group_name(query.group_by)) +
                          " cannot be filtered by " +
                          std::string(spend_entity_name(query.entity->first)));
  }
  SpendEntity kind = query.entity ? query.entity->first : SpendEntity::key;
  return TotalsShape{kind, dimension_column(query.group_by), "entity_id"};
}

}  // namespace

Result<Sql> spend_totals_sql(Dialect dialect, const SpendTotalsQuery& query) {
  auto shape = totals_shape(query);
  if (!shape) return shape.take_error();
  Sql sql{"", {std::string(spend_entity_name(shape->kind))}};
  auto next = [&](Param value) {
    sql.params.push_back(std::move(value));
    return placeholder(dialect, static_cast<int>(sql.params.size()));
  };
  std::string where = " WHERE entity_kind = " + placeholder(dialect, 1);
  for (const std::string* text : {&query.start_date, &query.end_date})
    if (text->find('\0') != std::string::npos)
      return make_error(ErrorKind::invalid_request, "A query value must not contain NUL");
  if (query.entity) {
    if (query.entity->second.find('\0') != std::string::npos)
      return make_error(ErrorKind::invalid_request, "A query value must not contain NUL");
    where += " AND " + std::string(shape->filter_column) + " = " + next(query.entity->second);
  }
  if (!query.start_date.empty()) where += " AND date >= " + next(query.start_date);
  if (!query.end_date.empty()) where += " AND date <= " + next(query.end_date);
  std::string group(shape->group_column), sums;
  for (auto name : kDailyCounterColumns) sums.append(", SUM(").append(name).append(")");
  std::string order = query.group_by == SpendGroup::date ? group : "SUM(spend) DESC, " + group;
  Query bounds;
  bounds.limit = query.limit;
  sql.text = "SELECT " + group + sums + " FROM routeiq_daily_spend" + where + " GROUP BY " + group +
             " ORDER BY " + order + " LIMIT " + next(bounded_limit(bounds));
  return sql;
}

namespace {

bool any_nul(const DailySpendQuery& query) {
  auto nul = [](const std::string& text) { return text.find('\0') != std::string::npos; };
  if (nul(query.start_date) || nul(query.end_date)) return true;
  if ((query.model && nul(*query.model)) || (query.api_key && nul(*query.api_key))) return true;
  if (query.entity_ids)
    for (const auto& id : *query.entity_ids)
      if (nul(id)) return true;
  for (const auto& id : query.exclude_entity_ids)
    if (nul(id)) return true;
  return false;
}

// "entity_id IN ($2, $3)", or a term matching nothing for an empty list.
std::string in_list(std::string_view column, const std::vector<std::string>& ids, bool negated,
                    const std::function<std::string(Param)>& next) {
  if (ids.empty()) return negated ? "1 = 1" : "1 = 0";
  std::string term = std::string(column) + (negated ? " NOT IN (" : " IN (");
  for (size_t i = 0; i < ids.size(); ++i) term += (i ? ", " : "") + next(ids[i]);
  return term + ")";
}

Result<Sql> daily_where(Dialect dialect, const DailySpendQuery& query) {
  if (any_nul(query))
    return make_error(ErrorKind::invalid_request, "A query value must not contain NUL");
  Sql sql;
  std::function<std::string(Param)> next = [&](Param value) {
    sql.params.push_back(std::move(value));
    return placeholder(dialect, static_cast<int>(sql.params.size()));
  };
  sql.text = " WHERE entity_kind = " + next(std::string(spend_entity_name(query.kind)));
  if (query.entity_ids) sql.text += " AND " + in_list("entity_id", *query.entity_ids, false, next);
  if (!query.exclude_entity_ids.empty())
    sql.text += " AND " + in_list("entity_id", query.exclude_entity_ids, true, next);
  if (!query.start_date.empty()) sql.text += " AND date >= " + next(query.start_date);
  if (!query.end_date.empty()) sql.text += " AND date <= " + next(query.end_date);
  if (query.model) sql.text += " AND model = " + next(*query.model);
  if (query.api_key) sql.text += " AND api_key = " + next(*query.api_key);
  return sql;
}

// Bytewise on PostgreSQL as on SQLite, so both page alike.
std::string daily_order(Dialect dialect) {
  std::string collate = dialect == Dialect::postgresql ? " COLLATE \"C\"" : "";
  std::string order = " ORDER BY date DESC";
  for (std::string_view column :
       {"entity_id", "api_key", "model", "model_group", "custom_llm_provider"})
    order.append(", ").append(column).append(collate);
  return order;
}

}  // namespace

Result<Sql> daily_spend_sql(Dialect dialect, const DailySpendQuery& query) {
  auto sql = daily_where(dialect, query);
  if (!sql) return sql;
  Query bounds;
  bounds.limit = query.limit;
  bounds.offset = query.offset;
  int n = static_cast<int>(sql->params.size()) + 1;
  sql->text = "SELECT " + joined(kDailyKeyColumns) + ", " + joined(kDailyCounterColumns) +
              " FROM routeiq_daily_spend" + sql->text + daily_order(dialect) + " LIMIT " +
              placeholder(dialect, n) + " OFFSET " + placeholder(dialect, n + 1);
  sql->params.emplace_back(bounded_limit(bounds));
  sql->params.emplace_back(bounded_offset(bounds));
  return sql;
}

Result<Sql> count_daily_spend_sql(Dialect dialect, const DailySpendQuery& query) {
  auto sql = daily_where(dialect, query);
  if (!sql) return sql;
  sql->text = "SELECT COUNT(*) FROM routeiq_daily_spend" + sql->text;
  return sql;
}

namespace {

std::vector<std::string> tags_from(std::string_view text) {
  std::vector<std::string> tags;
  boost::system::error_code ec;
  auto value = boost::json::parse(text, ec);
  if (ec || !value.is_array()) return tags;
  for (const auto& tag : value.get_array())
    if (tag.is_string()) tags.emplace_back(tag.get_string());
  return tags;
}

std::optional<std::string> nullable_text(const Cells& cells, int column) {
  if (cells.is_null(column)) return std::nullopt;
  return cells.text(column);
}

}  // namespace

SpendRow spend_row_from(const Cells& cells) {
  SpendRow row;
  int i = 0;
  for (std::string* text :
       {&row.request_id, &row.call_type, &row.api_key, &row.key_alias, &row.user_id, &row.team_id,
        &row.organization_id, &row.end_user, &row.model, &row.model_id, &row.model_group,
        &row.custom_llm_provider, &row.api_base})
    *text = cells.text(i++);
  for (int64_t* number : {&row.prompt_tokens, &row.completion_tokens, &row.total_tokens,
                          &row.cache_read_tokens, &row.cache_creation_tokens})
    *number = cells.integer(i++);
  row.spend = cells.real(i++);
  row.start_ms = cells.integer(i++);
  row.end_ms = cells.integer(i++);
  if (!cells.is_null(i)) row.completion_start_ms = cells.integer(i);
  ++i;
  row.status = cells.text(i++);
  row.cache_hit = cells.integer(i++) != 0;
  row.tags = tags_from(cells.text(i++));
  row.metadata = cells.text(i++);
  row.messages = nullable_text(cells, i++);
  row.response = nullable_text(cells, i++);
  return row;
}

SpendTotal spend_total_from(const Cells& cells) {
  SpendTotal total;
  total.group = cells.text(0);
  auto& c = total.counters;
  c.prompt_tokens = cells.integer(1);
  c.completion_tokens = cells.integer(2);
  c.cache_read_tokens = cells.integer(3);
  c.cache_creation_tokens = cells.integer(4);
  c.spend = cells.real(5);
  c.api_requests = cells.integer(6);
  c.successful_requests = cells.integer(7);
  c.failed_requests = cells.integer(8);
  return total;
}

namespace {

SpendEntity entity_from(std::string_view name) {
  for (auto kind : {SpendEntity::key, SpendEntity::user, SpendEntity::team, SpendEntity::org,
                    SpendEntity::end_user, SpendEntity::tag})
    if (spend_entity_name(kind) == name) return kind;
  return SpendEntity::key;
}

}  // namespace

DailySpendRow daily_spend_row_from(const Cells& cells) {
  DailySpendRow row;
  auto& key = row.key;
  key.date = cells.text(0);
  key.kind = entity_from(cells.text(1));
  key.entity_id = cells.text(2);
  key.api_key = cells.text(3);
  key.model = cells.text(4);
  key.model_group = cells.text(5);
  key.custom_llm_provider = cells.text(6);
  auto& c = row.counters;
  c.prompt_tokens = cells.integer(7);
  c.completion_tokens = cells.integer(8);
  c.cache_read_tokens = cells.integer(9);
  c.cache_creation_tokens = cells.integer(10);
  c.spend = cells.real(11);
  c.api_requests = cells.integer(12);
  c.successful_requests = cells.integer(13);
  c.failed_requests = cells.integer(14);
  return row;
}

}  // namespace routeiq::store
