// Planning and rendering LiteLLM's spend answers. LiteLLM reads most of them
// from LiteLLM_SpendLogs or its views; here they come from the daily
// aggregates (routeiq_daily_spend), which hold the same sums per day, key,
// model and entity without scanning every request.
#include "routeiq/spend/report.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <chrono>
#include <set>
#include <tuple>

#include "routeiq/core/time.hpp"
#include "routeiq/keys/key_fields.hpp"
#include "routeiq/store/store.hpp"

namespace routeiq::spend {

namespace json = boost::json;
using store::DailySpendQuery;
using store::DailySpendRow;
using store::SpendCounters;
using store::SpendEntity;
using store::SpendGroup;
using store::SpendTotalsQuery;

namespace {

constexpr int64_t kDayMs = 86400000;

Error bad_request(std::string message) {
  return make_error(ErrorKind::invalid_request, std::move(message));
}

std::optional<int> digits(std::string_view text, size_t min_len, size_t max_len) {
  if (text.size() < min_len || text.size() > max_len) return std::nullopt;
  int value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::chrono::sys_days day_of(const std::string& date) {
  // Only called on dates parse_report_date made.
  int y = std::stoi(date.substr(0, 4)), m = std::stoi(date.substr(5, 2)),
      d = std::stoi(date.substr(8, 2));
  return std::chrono::sys_days(std::chrono::year(y) / m / d);
}

std::string date_of(std::chrono::sys_days day) {
  return iso_date(SysTime(day));
}

int64_t day_start_ms(const std::string& date) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(day_of(date).time_since_epoch())
      .count();
}

std::string days_before(int64_t now_ms, int days) {
  return store::utc_date(now_ms - days * kDayMs);
}

const std::string* param(const Params& params, const std::string& name) {
  auto it = params.find(name);
  return it == params.end() || it->second.empty() ? nullptr : &it->second;
}

// Both dates, or neither (nullopt): LiteLLM reads a range only when both are given.
Result<std::optional<std::pair<std::string, std::string>>> date_range(const Params& params) {
  const std::string *start = param(params, "start_date"), *end = param(params, "end_date");
  if (!start || !end) return std::optional<std::pair<std::string, std::string>>{};
  auto start_date = parse_report_date(*start);
  if (!start_date) return start_date.take_error();
  auto end_date = parse_report_date(*end);
  if (!end_date) return end_date.take_error();
  return std::optional{std::pair{*start_date, *end_date}};
}

Result<std::pair<std::string, std::string>> required_range(const Params& params) {
  auto range = date_range(params);
  if (!range) return range.take_error();
  if (!*range) return bad_request("Please provide start_date and end_date");
  return **range;
}

// FastAPI's int query parameter, with a lower bound (and an upper one when set).
Result<std::optional<int64_t>> int_param(const Params& params, const std::string& name, int64_t min,
                                         std::optional<int64_t> max = {}) {
  const std::string* text = param(params, name);
  if (!text) return std::optional<int64_t>{};
  int64_t value = 0;
  auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (ec != std::errc() || end != text->data() + text->size())
    return bad_request(name + ": Input should be a valid integer, unable to parse string as an " +
                       "integer");
  if (value < min)
    return bad_request(name + ": Input should be greater than or equal to " + std::to_string(min));
  if (max && value > *max)
    return bad_request(name + ": Input should be less than or equal to " + std::to_string(*max));
  return std::optional{value};
}

// FastAPI's bool query parameter.
Result<bool> bool_param(const Params& params, const std::string& name, bool dflt) {
  const std::string* text = param(params, name);
  if (!text) return dflt;
  std::string lower(*text);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  for (const char* yes : {"true", "1", "yes", "on", "t", "y"})
    if (lower == yes) return true;
  for (const char* no : {"false", "0", "no", "off", "f", "n"})
    if (lower == no) return false;
  return bad_request(name + ": Input should be a valid boolean, unable to interpret input");
}

std::vector<std::string> split_csv(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = std::min(text.find(',', start), text.size());
    if (comma > start) out.push_back(text.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

DailySpendQuery daily_of(SpendEntity kind, const std::string& start, const std::string& end) {
  DailySpendQuery query;
  query.kind = kind;
  query.start_date = start;
  query.end_date = end;
  query.limit = store::kMaxListLimit;
  return query;
}

SpendTotalsQuery totals_of(SpendGroup group, std::string start, std::string end, size_t limit) {
  SpendTotalsQuery query;
  query.group_by = group;
  query.start_date = std::move(start);
  query.end_date = std::move(end);
  query.limit = limit;
  return query;
}

// ---- planning ----

// LiteLLM applies one filter, the first given of api_key, request_id, user_id.
void add_log_filter(const Params& params, store::SpendQuery& query) {
  if (const auto* key = param(params, "api_key"))
    query.api_key = stored_key_hash(*key);
  else if (const auto* id = param(params, "request_id"))
    query.request_id = *id;
  else if (const auto* user = param(params, "user_id"))
    query.user_id = *user;
}

// The per-day summary from the daily rows: key rows (all requests) give the
// spend by key and model, user rows the spend by user; a user filter reads
// only that user's rows. A request id is one request: read from the logs.
void plan_spend_logs_per_day(const Params& params, Report& report) {
  auto& reads = report.reads;
  if (!param(params, "api_key") && param(params, "request_id")) {
    store::SpendQuery logs;
    add_log_filter(params, logs);
    logs.start_ms = day_start_ms(report.start_date);
    logs.end_ms = day_start_ms(report.end_date) + kDayMs;
    reads.logs = logs;
    return;
  }
  if (!param(params, "api_key") && param(params, "user_id")) {
    auto users = daily_of(SpendEntity::user, report.start_date, report.end_date);
    users.entity_ids = std::vector<std::string>{*param(params, "user_id")};
    reads.daily = {users, users};
    return;
  }
  auto keys = daily_of(SpendEntity::key, report.start_date, report.end_date);
  auto users = daily_of(SpendEntity::user, report.start_date, report.end_date);
  if (const auto* key = param(params, "api_key")) {
    keys.entity_ids = std::vector<std::string>{stored_key_hash(*key)};
    users.api_key = stored_key_hash(*key);
  }
  reads.daily = {keys, users};
}

Status plan_spend_logs(const Params& params, Report& report) {
  auto range = date_range(params);
  if (!range) return range.take_error();
  auto summarize = bool_param(params, "summarize", true);
  if (!summarize) return summarize.take_error();
  store::SpendQuery logs;
  logs.limit = store::kMaxListLimit;
  add_log_filter(params, logs);
  if (*range) {
    std::tie(report.start_date, report.end_date) = **range;
    if (*summarize) {
      report.per_day = true;
      plan_spend_logs_per_day(params, report);
      return ok_status();
    }
    // The end date is a whole day: LiteLLM's `lte` midnight drops it.
    logs.start_ms = day_start_ms(report.start_date);
    logs.end_ms = day_start_ms(report.end_date) + kDayMs;
    logs.newest_first = true;
  }
  report.reads.logs = logs;
  return ok_status();
}

Status plan_spend_tags(const Params& params, Report& report) {
  auto range = date_range(params);
  if (!range) return range.take_error();
  if (*range) std::tie(report.start_date, report.end_date) = **range;
  report.reads.totals = {
      totals_of(SpendGroup::tag, report.start_date, report.end_date, store::kMaxListLimit)};
  return ok_status();
}

// LiteLLM's views cover the 30 days before today.
std::string last_30_days(int64_t now_ms) {
  return days_before(now_ms, 30);
}

Status plan_global_spend_logs(const Params& params, Report& report, int64_t now_ms) {
  auto query = totals_of(SpendGroup::date, last_30_days(now_ms), "", store::kMaxListLimit);
  if (const auto* key = param(params, "api_key")) {
    report.with_api_key = true;
    report.api_key = stored_key_hash(*key);
    query.entity = std::pair{SpendEntity::key, report.api_key};
  }
  report.reads.totals = {query};
  return ok_status();
}

Status plan_global_spend_keys(const Params& params, Report& report, int64_t now_ms) {
  const std::string* text = param(params, "limit");
  int64_t limit = static_cast<int64_t>(store::kMaxListLimit);
  if (text) {
    auto parsed = int_param(params, "limit", INT64_MIN);
    if (!parsed) return parsed.take_error();
    if (**parsed < 1)
      return bad_request("Invalid limit: " + *text + ", error: Limit must be greater than 0");
    limit = **parsed;
  }
  // One more: the row of requests without a key is left out.
  size_t rows = std::min<size_t>(static_cast<size_t>(limit) + 1, store::kMaxListLimit);
  report.page_size = limit;
  report.reads.totals = {totals_of(SpendGroup::key, last_30_days(now_ms), "", rows)};
  report.reads.keys = Docs::named;
  return ok_status();
}

Status plan_global_spend_models(const Params& params, Report& report, int64_t now_ms) {
  auto limit = int_param(params, "limit", INT64_MIN);
  if (!limit) return limit.take_error();
  report.page_size = std::max<int64_t>(limit->value_or(10), 0);
  size_t rows = std::min<size_t>(static_cast<size_t>(report.page_size) + 1, store::kMaxListLimit);
  report.reads.totals = {totals_of(SpendGroup::model, last_30_days(now_ms), "", rows)};
  return ok_status();
}

Status plan_global_spend_teams(Report& report, int64_t now_ms) {
  report.start_date = last_30_days(now_ms);
  report.reads.daily = {daily_of(SpendEntity::team, report.start_date, "")};
  report.reads.totals = {totals_of(SpendGroup::date, report.start_date, "", store::kMaxListLimit)};
  report.reads.teams = Docs::named;
  return ok_status();
}

// startTime / endTime are datetimes in LiteLLM; the daily rows answer by day.
Result<std::string> day_param(const Params& params, const std::string& name, std::string dflt) {
  const std::string* text = param(params, name);
  if (!text) return dflt;
  return parse_report_date(text->substr(0, std::min(text->find('T'), text->find(' '))));
}

Status plan_global_spend_end_users(const Params& params, Report& report, int64_t now_ms) {
  auto start = day_param(params, "startTime", last_30_days(now_ms));
  if (!start) return start.take_error();
  auto end = day_param(params, "endTime", store::utc_date(now_ms));
  if (!end) return end.take_error();
  auto query = totals_of(SpendGroup::end_user, *start, *end, 100);
  if (const auto* key = param(params, "api_key"))
    query.entity = std::pair{SpendEntity::key, stored_key_hash(*key)};
  report.reads.totals = {query};
  return ok_status();
}

Status plan_global_spend_tags(const Params& params, Report& report) {
  auto range = required_range(params);
  if (!range) return range.take_error();
  std::tie(report.start_date, report.end_date) = *range;
  if (const auto* tags = param(params, "tags")) {
    report.tags = split_csv(*tags);
    if (std::find(report.tags.begin(), report.tags.end(), "all-tags") != report.tags.end())
      report.tags.clear();
  }
  report.reads.totals = {
      totals_of(SpendGroup::tag, report.start_date, report.end_date, store::kMaxListLimit)};
  return ok_status();
}

Status plan_global_spend_report(const Params& params, Report& report) {
  auto range = required_range(params);
  if (!range) return range.take_error();
  std::tie(report.start_date, report.end_date) = *range;
  const std::string* group = param(params, "group_by");
  report.group_by = group ? *group : "team";
  if (report.group_by != "team" && report.group_by != "customer" && report.group_by != "api_key")
    return bad_request("group_by: Input should be 'team', 'customer' or 'api_key'");
  auto keys = daily_of(SpendEntity::key, report.start_date, report.end_date);
  if (const auto* key = param(params, "api_key")) {
    report.group_by = "api_key";
    keys.entity_ids = std::vector<std::string>{stored_key_hash(*key)};
  } else if (const auto* user = param(params, "internal_user_id")) {
    report.group_by = "api_key";
    keys = daily_of(SpendEntity::user, report.start_date, report.end_date);
    keys.entity_ids = std::vector<std::string>{*user};
  }
  report.reads.daily = {keys};
  if (report.group_by == "team") {
    report.reads.daily.push_back(daily_of(SpendEntity::team, report.start_date, report.end_date));
    report.reads.teams = Docs::named;
  } else if (report.group_by == "customer") {
    report.reads.daily.push_back(
        daily_of(SpendEntity::end_user, report.start_date, report.end_date));
  }
  return ok_status();
}

Status plan_daily_activity(const Params& params, Report& report, bool team) {
  auto range = required_range(params);
  if (!range) return range.take_error();
  std::tie(report.start_date, report.end_date) = *range;
  auto page = int_param(params, "page", 1);
  if (!page) return page.take_error();
  auto page_size = int_param(params, "page_size", 1, team ? std::nullopt : std::optional(1000));
  if (!page_size) return page_size.take_error();
  report.page = page->value_or(1);
  report.page_size = page_size->value_or(team ? 10 : 50);
  auto query =
      daily_of(team ? SpendEntity::team : SpendEntity::user, report.start_date, report.end_date);
  if (const auto* model = param(params, "model")) query.model = *model;
  if (const auto* key = param(params, "api_key")) query.api_key = stored_key_hash(*key);
  if (const auto* user = param(params, "user_id"); user && !team)
    query.entity_ids = std::vector<std::string>{*user};
  if (const auto* ids = param(params, "team_ids"); ids && team) query.entity_ids = split_csv(*ids);
  if (const auto* ids = param(params, "exclude_team_ids"); ids && team)
    query.exclude_entity_ids = split_csv(*ids);
  // A page past 2^63 rows is no page: clamped rather than overflowed.
  query.offset = static_cast<size_t>(
      std::min<int64_t>(report.page - 1, INT64_MAX / report.page_size) * report.page_size);
  query.limit = static_cast<size_t>(report.page_size);
  report.reads.daily_page = query;
  report.reads.keys = Docs::named;
  if (team) report.reads.teams = Docs::named;
  return ok_status();
}

Status plan_spend_users(const Params& params, Report& report) {
  if (const auto* user = param(params, "user_id")) {
    report.reads.users = Docs::named;
    report.reads.user_ids = {*user};
  } else {
    report.reads.users = Docs::all;
  }
  return ok_status();
}

}  // namespace

std::string stored_key_hash(std::string_view api_key) {
  return api_key.starts_with("sk-") ? keys::hash_key(api_key) : std::string(api_key);
}

Result<std::string> parse_report_date(std::string_view text) {
  auto refused = [&] {
    return bad_request("time data '" + std::string(text) + "' does not match format '%Y-%m-%d'");
  };
  size_t first = text.find('-'), second = text.find('-', first + 1);
  if (first == std::string_view::npos || second == std::string_view::npos) return refused();
  auto y = digits(text.substr(0, first), 4, 4);
  auto m = digits(text.substr(first + 1, second - first - 1), 1, 2);
  auto d = digits(text.substr(second + 1), 1, 2);
  // Years system_clock can hold (its nanoseconds end in 2262).
  if (!y || !m || !d || *y < 1900 || *y > 2200) return refused();
  std::chrono::year_month_day date{std::chrono::year(*y), std::chrono::month(*m),
                                   std::chrono::day(*d)};
  if (!date.ok()) return refused();
  return date_of(std::chrono::sys_days(date));
}

Result<Report> plan_report(Endpoint endpoint, const Params& params, int64_t now_ms) {
  Report report;
  report.endpoint = endpoint;
  Status planned = ok_status();
  switch (endpoint) {
    case Endpoint::spend_logs:
      planned = plan_spend_logs(params, report);
      break;
    case Endpoint::spend_keys:
      report.reads.keys = Docs::all;
      break;
    case Endpoint::spend_users:
      planned = plan_spend_users(params, report);
      break;
    case Endpoint::spend_tags:
      planned = plan_spend_tags(params, report);
      break;
    case Endpoint::global_spend_logs:
      planned = plan_global_spend_logs(params, report, now_ms);
      break;
    case Endpoint::global_spend_keys:
      planned = plan_global_spend_keys(params, report, now_ms);
      break;
    case Endpoint::global_spend_teams:
      planned = plan_global_spend_teams(report, now_ms);
      break;
    case Endpoint::global_spend_end_users:
      planned = plan_global_spend_end_users(params, report, now_ms);
      break;
    case Endpoint::global_spend_models:
      planned = plan_global_spend_models(params, report, now_ms);
      break;
    case Endpoint::global_spend_tags:
      planned = plan_global_spend_tags(params, report);
      break;
    case Endpoint::global_spend_report:
      planned = plan_global_spend_report(params, report);
      break;
    case Endpoint::user_daily_activity:
      planned = plan_daily_activity(params, report, false);
      break;
    case Endpoint::team_daily_activity:
      planned = plan_daily_activity(params, report, true);
      break;
  }
  if (!planned) return planned.take_error();
  return report;
}

}  // namespace routeiq::spend

// ---- reading ----

namespace routeiq::spend {

namespace {

Result<std::vector<DailySpendRow>> read_all_daily(store::Store& store, DailySpendQuery query) {
  std::vector<DailySpendRow> out;
  query.offset = 0;
  query.limit = store::kMaxListLimit;
  while (out.size() < kMaxReportRows) {
    auto page = store.daily_spend(query);
    if (!page) return page.take_error();
    out.insert(out.end(), page->begin(), page->end());
    if (page->size() < query.limit) break;
    query.offset += page->size();
  }
  if (out.size() > kMaxReportRows) out.resize(kMaxReportRows);
  return out;
}

// Rows of `table` by id, in chunks: one IN list per statement stays short.
Result<std::map<std::string, json::object>> read_docs(store::Store& store, store::Table table,
                                                      const std::set<std::string>& ids) {
  std::map<std::string, json::object> out;
  std::vector<std::string> all(ids.begin(), ids.end());
  constexpr size_t kChunk = 500;
  for (size_t i = 0; i < all.size(); i += kChunk) {
    store::Query query;
    query.ids.assign(all.begin() + static_cast<std::ptrdiff_t>(i),
                     all.begin() + static_cast<std::ptrdiff_t>(std::min(i + kChunk, all.size())));
    query.limit = kChunk;
    auto rows = store.list(table, query);
    if (!rows) return rows.take_error();
    for (auto& row : *rows) out.emplace(row.id, std::move(row.doc));
  }
  return out;
}

Result<std::map<std::string, json::object>> read_all_docs(store::Store& store, store::Table table) {
  store::Query query;
  query.limit = store::kMaxListLimit;
  auto rows = store.list(table, query);
  if (!rows) return rows.take_error();
  std::map<std::string, json::object> out;
  for (auto& row : *rows) out.emplace(row.id, std::move(row.doc));
  return out;
}

// The key hashes and team ids the spend rows of `data` name.
void named_ids(const ReportReads& reads, const ReportData& data, std::set<std::string>& keys,
               std::set<std::string>& teams) {
  auto add = [&](const DailySpendRow& row) {
    if (!row.key.api_key.empty()) keys.insert(row.key.api_key);
    if (row.key.kind == SpendEntity::team) teams.insert(row.key.entity_id);
  };
  for (const auto& rows : data.daily)
    for (const auto& row : rows) add(row);
  for (const auto& row : data.daily_page) add(row);
  for (size_t i = 0; i < reads.totals.size() && i < data.totals.size(); ++i) {
    SpendGroup group = reads.totals[i].group_by;
    for (const auto& total : data.totals[i]) {
      if (group == SpendGroup::key && !total.group.empty()) keys.insert(total.group);
      if (group == SpendGroup::team) teams.insert(total.group);
    }
  }
}

Status read_spend(store::Store& store, const ReportReads& reads, ReportData& data) {
  if (reads.logs) {
    auto logs = store.spend_logs(*reads.logs);
    if (!logs) return logs.take_error();
    data.logs = std::move(*logs);
  }
  for (const auto& query : reads.daily) {
    auto rows = read_all_daily(store, query);
    if (!rows) return rows.take_error();
    data.daily.push_back(std::move(*rows));
  }
  if (reads.daily_page) {
    auto rows = store.daily_spend(*reads.daily_page);
    if (!rows) return rows.take_error();
    data.daily_page = std::move(*rows);
    auto count = store.count_daily_spend(*reads.daily_page);
    if (!count) return count.take_error();
    data.daily_count = *count;
  }
  for (const auto& query : reads.totals) {
    auto totals = store.spend_totals(query);
    if (!totals) return totals.take_error();
    data.totals.push_back(std::move(*totals));
  }
  return ok_status();
}

Result<std::map<std::string, json::object>> docs_for(store::Store& store, store::Table table,
                                                     Docs docs, const std::set<std::string>& ids) {
  if (docs == Docs::all) return read_all_docs(store, table);
  if (docs == Docs::named) return read_docs(store, table, ids);
  return std::map<std::string, json::object>{};
}

}  // namespace

Result<ReportData> read_report(store::Store& store, const ReportReads& reads) {
  ReportData data;
  if (auto read = read_spend(store, reads, data); !read) return read.take_error();
  std::set<std::string> key_ids, team_ids;
  named_ids(reads, data, key_ids, team_ids);
  std::set<std::string> user_ids(reads.user_ids.begin(), reads.user_ids.end());
  auto keys = docs_for(store, store::Table::keys, reads.keys, key_ids);
  if (!keys) return keys.take_error();
  auto teams = docs_for(store, store::Table::teams, reads.teams, team_ids);
  if (!teams) return teams.take_error();
  auto users = docs_for(store, store::Table::users, reads.users, user_ids);
  if (!users) return users.take_error();
  data.keys = std::move(*keys);
  data.teams = std::move(*teams);
  data.users = std::move(*users);
  return data;
}

}  // namespace routeiq::spend
