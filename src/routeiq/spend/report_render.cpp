// LiteLLM's JSON for each planned report, from what read_report found.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <set>
#include <tuple>

#include <boost/json/parse.hpp>

#include "routeiq/core/json.hpp"
#include "routeiq/core/time.hpp"
#include "routeiq/spend/report.hpp"

namespace routeiq::spend {

namespace json = boost::json;
using store::DailySpendRow;
using store::SpendCounters;
using store::SpendTotal;

namespace {

// ---- shared pieces ----

void add(SpendCounters& into, const SpendCounters& c) {
  into.prompt_tokens += c.prompt_tokens;
  into.completion_tokens += c.completion_tokens;
  into.cache_read_tokens += c.cache_read_tokens;
  into.cache_creation_tokens += c.cache_creation_tokens;
  into.spend += c.spend;
  into.api_requests += c.api_requests;
  into.successful_requests += c.successful_requests;
  into.failed_requests += c.failed_requests;
}

void subtract(SpendCounters& from, const SpendCounters& c) {
  SpendCounters negative{
      -c.prompt_tokens, -c.completion_tokens, -c.cache_read_tokens,   -c.cache_creation_tokens,
      -c.spend,         -c.api_requests,      -c.successful_requests, -c.failed_requests};
  add(from, negative);
}

int64_t total_tokens(const SpendCounters& c) {
  return c.prompt_tokens + c.completion_tokens;
}

// LiteLLM's SpendMetrics (the members RouteIQ counts).
json::object metrics_json(const SpendCounters& c) {
  json::object out;
  out["spend"] = c.spend;
  out["prompt_tokens"] = c.prompt_tokens;
  out["completion_tokens"] = c.completion_tokens;
  out["cache_read_input_tokens"] = c.cache_read_tokens;
  out["cache_creation_input_tokens"] = c.cache_creation_tokens;
  out["total_tokens"] = total_tokens(c);
  out["successful_requests"] = c.successful_requests;
  out["failed_requests"] = c.failed_requests;
  out["api_requests"] = c.api_requests;
  return out;
}

double rounded(double value, int places) {
  double scale = std::pow(10.0, places);
  return std::round(value * scale) / scale;
}

const json::object* doc_of(const std::map<std::string, json::object>& docs, const std::string& id) {
  auto it = docs.find(id);
  return it == docs.end() ? nullptr : &it->second;
}

// A string member, or null when the document or the member is missing.
json::value string_or_null(const json::object* doc, std::string_view name) {
  if (!doc) return nullptr;
  auto it = doc->find(name);
  if (it == doc->end() || !it->value().is_string()) return nullptr;
  return it->value();
}

std::string team_alias(const ReportData& data, const std::string& team_id) {
  const json::object* doc = doc_of(data.teams, team_id);
  return doc ? std::string(str_or(*doc, "team_alias")) : std::string();
}

json::value parsed_or(const std::optional<std::string>& text, json::value dflt) {
  if (!text) return dflt;
  boost::system::error_code ec;
  json::value value = json::parse(*text, ec);
  return ec ? dflt : value;
}

std::string iso_ms(int64_t ms) {
  return iso8601(SysTime(std::chrono::milliseconds(ms)), true);
}

// ---- /spend/logs ----

// One LiteLLM_SpendLogs row, LiteLLM's column names.
json::object spend_row_json(const store::SpendRow& row) {
  json::object out;
  out["request_id"] = row.request_id;
  out["call_type"] = row.call_type;
  out["api_key"] = row.api_key;
  out["spend"] = row.spend;
  out["total_tokens"] = row.total_tokens;
  out["prompt_tokens"] = row.prompt_tokens;
  out["completion_tokens"] = row.completion_tokens;
  out["startTime"] = iso_ms(row.start_ms);
  out["endTime"] = iso_ms(row.end_ms);
  out["request_duration_ms"] = row.end_ms - row.start_ms;
  out["completionStartTime"] =
      row.completion_start_ms ? json::value(iso_ms(*row.completion_start_ms)) : nullptr;
  out["model"] = row.model;
  out["model_id"] = row.model_id;
  out["model_group"] = row.model_group;
  out["custom_llm_provider"] = row.custom_llm_provider;
  out["api_base"] = row.api_base;
  out["user"] = row.user_id;
  out["metadata"] = parsed_or(row.metadata, json::object());
  // LiteLLM stores the flag as the text of a Python bool.
  out["cache_hit"] = row.cache_hit ? "True" : "False";
  out["cache_key"] = "";
  json::array tags;
  for (const auto& tag : row.tags) tags.emplace_back(tag);
  out["request_tags"] = std::move(tags);
  out["team_id"] = row.team_id;
  out["organization_id"] = row.organization_id;
  out["end_user"] = row.end_user;
  out["requester_ip_address"] = "";
  out["messages"] = parsed_or(row.messages, json::object());
  out["response"] = parsed_or(row.response, json::object());
  out["status"] = row.status;
  return out;
}

json::array spend_rows_json(const std::vector<store::SpendRow>& rows) {
  json::array out;
  for (const auto& row : rows) out.push_back(spend_row_json(row));
  return out;
}

struct DaySummary {
  double spend = 0;
  std::map<std::string, double> users, models, keys;
};

json::object to_object(const std::map<std::string, double>& values) {
  json::object out;
  for (const auto& [name, value] : values) out[name] = value;
  return out;
}

json::object day_summary_json(const std::string& date, const DaySummary& day) {
  json::object out;
  out["users"] = to_object(day.users);
  out["models"] = to_object(day.models);
  out["spend"] = day.spend;
  for (const auto& [key, spend] : day.keys) out[key] = spend;
  out["startTime"] = date;
  return out;
}

std::map<std::string, DaySummary> summarize_days(const ReportData& data) {
  std::map<std::string, DaySummary> days;
  for (const auto& row : data.logs) {
    auto& day = days[store::utc_date(row.start_ms)];
    day.spend += row.spend;
    day.keys[row.api_key] += row.spend;
    day.users[row.user_id] += row.spend;
    day.models[row.model] += row.spend;
  }
  if (data.daily.size() == 2) {
    for (const auto& row : data.daily[0]) {
      auto& day = days[row.key.date];
      day.spend += row.counters.spend;
      day.keys[row.key.api_key] += row.counters.spend;
      day.models[row.key.model] += row.counters.spend;
    }
    for (const auto& row : data.daily[1])
      days[row.key.date].users[row.key.entity_id] += row.counters.spend;
  }
  return days;
}

// LiteLLM's per-day form, each day after the last one with spend, up to the
// end date, answered with zeros.
json::array spend_logs_per_day(const Report& report, const ReportData& data) {
  auto days = summarize_days(data);
  json::array out;
  for (const auto& [date, day] : days) out.push_back(day_summary_json(date, day));
  if (days.empty()) return out;
  std::string next = days.rbegin()->first;
  for (int guard = 0; guard < 100000; ++guard) {
    auto parsed = parse_iso8601(next);
    if (!parsed) break;
    next = iso_date(*parsed + std::chrono::hours(24));
    if (next > report.end_date) break;
    out.push_back(day_summary_json(next, DaySummary{}));
  }
  return out;
}

// ---- documents ----

double spend_member(const json::object& doc) {
  return num_at(doc, "spend").value_or(0);
}

// Documents with their id under `id_name`, highest spend first.
json::array docs_by_spend(const std::map<std::string, json::object>& docs,
                          std::string_view id_name) {
  std::vector<json::object> rows;
  for (const auto& [id, doc] : docs) {
    json::object row = doc;
    if (!row.contains(id_name)) row[id_name] = id;
    rows.push_back(std::move(row));
  }
  std::stable_sort(rows.begin(), rows.end(),
                   [](const auto& a, const auto& b) { return spend_member(a) > spend_member(b); });
  json::array out;
  for (auto& row : rows) out.emplace_back(std::move(row));
  return out;
}

// ---- totals ----

const std::vector<SpendTotal>& first_totals(const ReportData& data) {
  static const std::vector<SpendTotal> kNone;
  return data.totals.empty() ? kNone : data.totals[0];
}

json::array spend_tags(const ReportData& data) {
  json::array out;
  for (const auto& total : first_totals(data)) {
    json::object row;
    row["individual_request_tag"] = total.group;
    row["log_count"] = total.counters.api_requests;
    row["total_spend"] = total.counters.spend;
    out.push_back(std::move(row));
  }
  return out;
}

json::array global_spend_logs(const Report& report, const ReportData& data) {
  json::array out;
  for (const auto& total : first_totals(data)) {
    json::object row;
    row["date"] = total.group;
    row["spend"] = total.counters.spend;
    if (report.with_api_key) row["api_key"] = report.api_key;
    out.push_back(std::move(row));
  }
  return out;
}

json::array global_spend_keys(const Report& report, const ReportData& data) {
  json::array out;
  for (const auto& total : first_totals(data)) {
    if (total.group.empty()) continue;  // requests without a key
    if (static_cast<int64_t>(out.size()) >= report.page_size) break;
    const json::object* doc = doc_of(data.keys, total.group);
    json::object row;
    row["api_key"] = total.group;
    row["total_spend"] = total.counters.spend;
    row["team_id"] = doc ? str_or(*doc, "team_id") : "";
    row["key_alias"] = doc ? str_or(*doc, "key_alias") : "";
    row["key_name"] = doc && !str_or(*doc, "key_name").empty() ? str_or(*doc, "key_name")
                                                               : std::string_view(total.group);
    out.push_back(std::move(row));
  }
  return out;
}

json::array global_spend_models(const Report& report, const ReportData& data) {
  json::array out;
  for (const auto& total : first_totals(data)) {
    if (total.group.empty()) continue;
    if (static_cast<int64_t>(out.size()) >= report.page_size) break;
    json::object row;
    row["model"] = total.group;
    row["total_spend"] = total.counters.spend;
    out.push_back(std::move(row));
  }
  return out;
}

json::array global_spend_end_users(const ReportData& data) {
  json::array out;
  for (const auto& total : first_totals(data)) {
    json::object row;
    row["end_user"] = total.group;
    row["total_count"] = total.counters.api_requests;
    row["total_spend"] = total.counters.spend;
    out.push_back(std::move(row));
  }
  return out;
}

json::object global_spend_tags(const Report& report, const ReportData& data) {
  json::array tags;
  for (const auto& total : first_totals(data)) {
    if (!report.tags.empty() &&
        std::find(report.tags.begin(), report.tags.end(), total.group) == report.tags.end())
      continue;
    json::object row;
    row["name"] = total.group;
    row["spend"] = rounded(total.counters.spend, 4);
    row["log_count"] = total.counters.api_requests;
    tags.push_back(std::move(row));
  }
  json::object out;
  out["spend_per_tag"] = std::move(tags);
  return out;
}

// ---- /global/spend/teams ----

// Spend by date and team alias over the last 30 days; requests without a
// team (the date's total less its teams') count as "Unassigned", as the
// aliases LiteLLM's join finds no team for.
std::map<std::string, std::map<std::string, double>> team_spend_by_date(const ReportData& data) {
  std::map<std::string, std::map<std::string, double>> by_date;
  std::map<std::string, SpendCounters> teamed;
  if (!data.daily.empty())
    for (const auto& row : data.daily[0]) {
      std::string alias = team_alias(data, row.key.entity_id);
      by_date[row.key.date][alias.empty() ? "Unassigned" : alias] += row.counters.spend;
      add(teamed[row.key.date], row.counters);
    }
  for (const auto& total : first_totals(data)) {
    SpendCounters rest = total.counters;
    subtract(rest, teamed[total.group]);
    if (rest.api_requests > 0) by_date[total.group]["Unassigned"] += rest.spend;
  }
  return by_date;
}

json::object global_spend_teams(const ReportData& data) {
  auto by_date = team_spend_by_date(data);
  json::array daily;
  std::map<std::string, double> per_team;
  for (const auto& [date, teams] : by_date) {
    json::object row;
    row["date"] = date;
    for (const auto& [alias, spend] : teams) {
      row[alias] = rounded(spend, 2);
      per_team[alias] += rounded(spend, 2);
    }
    daily.push_back(std::move(row));
  }
  std::vector<std::pair<std::string, double>> ranked(per_team.begin(), per_team.end());
  std::stable_sort(ranked.begin(), ranked.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  json::array top, names;
  for (const auto& [alias, spend] : ranked) {
    if (top.size() < 10) top.push_back(json::object{{"team_id", alias}, {"total_spend", spend}});
  }
  for (const auto& [alias, spend] : per_team) names.emplace_back(alias);
  json::object out;
  out["daily_spend"] = std::move(daily);
  out["teams"] = std::move(names);
  out["total_spend_per_team"] = std::move(top);
  return out;
}

// ---- /global/spend/report ----

// A group's name; nullopt is JSON null (a customer-less request).
using GroupName = std::optional<std::string>;
// (day, group name, model, api_key) -> counters.
using ReportCells =
    std::map<std::tuple<std::string, GroupName, std::string, std::string>, SpendCounters>;

// The entity rows by group name, and what the key rows (every request) hold
// beyond them under `unnamed`.
ReportCells report_cells(const Report& report, const ReportData& data) {
  ReportCells cells;
  const bool team = report.group_by == "team";
  std::map<std::tuple<std::string, std::string, std::string>, SpendCounters> named;
  if (data.daily.size() > 1)
    for (const auto& row : data.daily[1]) {
      GroupName name = row.key.entity_id;
      if (team) {
        std::string alias = team_alias(data, row.key.entity_id);
        name = alias.empty() ? "Unassigned Team" : alias;
      }
      add(cells[{row.key.date, name, row.key.model, row.key.api_key}], row.counters);
      add(named[{row.key.date, row.key.model, row.key.api_key}], row.counters);
    }
  std::map<std::tuple<std::string, std::string, std::string>, SpendCounters> all;
  if (!data.daily.empty())
    for (const auto& row : data.daily[0])
      add(all[{row.key.date, row.key.model, row.key.api_key}], row.counters);
  GroupName unnamed = team ? GroupName("Unassigned Team") : std::nullopt;
  for (auto& [where, counters] : all) {
    subtract(counters, named[where]);
    const auto& [date, model, key] = where;
    if (counters.api_requests > 0) add(cells[{date, unnamed, model, key}], counters);
  }
  return cells;
}

json::array spend_report_by_group(const Report& report, const ReportData& data) {
  const bool team = report.group_by == "team";
  auto cells = report_cells(report, data);
  // day -> group -> (total, metadata)
  std::map<std::string, std::map<GroupName, std::pair<double, json::array>>> days;
  for (const auto& [where, counters] : cells) {
    const auto& [date, name, model, key] = where;
    auto& group = days[date][name];
    group.first += counters.spend;
    group.second.push_back(json::object{{"model", model},
                                        {"api_key", key},
                                        {"spend", counters.spend},
                                        {"total_tokens", total_tokens(counters)}});
  }
  json::array out;
  for (auto& [date, groups] : days) {
    json::array entries;
    for (auto& [name, group] : groups) {
      json::object entry;
      entry[team ? "team_name" : "customer"] = name ? json::value(*name) : nullptr;
      entry["total_spend"] = group.first;
      entry["metadata"] = std::move(group.second);
      entries.push_back(std::move(entry));
    }
    json::object day;
    day["group_by_day"] = date;
    day[team ? "teams" : "customers"] = std::move(entries);
    out.push_back(std::move(day));
  }
  return out;
}

json::object cost_json(const char* name_key, const std::string& name, const SpendCounters& c,
                       const char* total_prefix) {
  json::object out;
  out[name_key] = name;
  out[std::string(total_prefix) + "cost"] = c.spend;
  out[std::string(total_prefix) + "input_tokens"] = c.prompt_tokens;
  out[std::string(total_prefix) + "output_tokens"] = c.completion_tokens;
  return out;
}

json::array spend_report_by_key(const ReportData& data) {
  std::map<std::string, std::pair<SpendCounters, std::map<std::string, SpendCounters>>> keys;
  if (!data.daily.empty())
    for (const auto& row : data.daily[0]) {
      auto& key = keys[row.key.api_key];
      add(key.first, row.counters);
      add(key.second[row.key.model], row.counters);
    }
  std::vector<json::object> rows;
  for (const auto& [key, sums] : keys) {
    json::object row = cost_json("api_key", key, sums.first, "total_");
    json::array models;
    for (const auto& [model, c] : sums.second)
      models.push_back(cost_json("model", model, c, "total_"));
    row["model_details"] = std::move(models);
    rows.push_back(std::move(row));
  }
  std::stable_sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) {
    return a.at("total_cost").as_double() > b.at("total_cost").as_double();
  });
  json::array out;
  for (auto& row : rows) out.emplace_back(std::move(row));
  return out;
}

// ---- daily activity ----

struct KeyBreakdown {
  SpendCounters metrics;
  std::map<std::string, SpendCounters> by_key;
};

struct DayActivity {
  SpendCounters metrics;
  std::map<std::string, KeyBreakdown> models, model_groups, providers, entities;
  std::map<std::string, SpendCounters> api_keys;
};

void add_breakdown(std::map<std::string, KeyBreakdown>& into, const std::string& name,
                   const DailySpendRow& row) {
  auto& bucket = into[name];
  add(bucket.metrics, row.counters);
  add(bucket.by_key[row.key.api_key], row.counters);
}

void add_activity(DayActivity& day, const DailySpendRow& row) {
  const auto& k = row.key;
  add(day.metrics, row.counters);
  if (!k.model.empty()) add_breakdown(day.models, k.model, row);
  const std::string& group = k.model_group.empty() ? k.model : k.model_group;
  if (!group.empty()) add_breakdown(day.model_groups, group, row);
  add_breakdown(day.providers, k.custom_llm_provider.empty() ? "unknown" : k.custom_llm_provider,
                row);
  add(day.api_keys[k.api_key], row.counters);
  add_breakdown(day.entities, k.entity_id.empty() ? "Unassigned" : k.entity_id, row);
}

json::object key_metadata(const ReportData& data, const std::string& api_key) {
  const json::object* doc = doc_of(data.keys, api_key);
  json::object out;
  out["key_alias"] = string_or_null(doc, "key_alias");
  out["team_id"] = string_or_null(doc, "team_id");
  return out;
}

json::object key_metric(const ReportData& data, const std::string& key, const SpendCounters& c) {
  json::object out;
  out["metrics"] = metrics_json(c);
  out["metadata"] = key_metadata(data, key);
  return out;
}

json::object breakdown_json(const ReportData& data, const std::map<std::string, KeyBreakdown>& in,
                            bool team_entities = false) {
  json::object out;
  for (const auto& [name, bucket] : in) {
    json::object metadata;
    if (team_entities && doc_of(data.teams, name))
      metadata["team_alias"] = string_or_null(doc_of(data.teams, name), "team_alias");
    json::object by_key;
    for (const auto& [key, c] : bucket.by_key) by_key[key] = key_metric(data, key, c);
    out[name] = json::object{{"metrics", metrics_json(bucket.metrics)},
                             {"metadata", std::move(metadata)},
                             {"api_key_breakdown", std::move(by_key)}};
  }
  return out;
}

json::object day_activity_json(const std::string& date, const DayActivity& day,
                               const ReportData& data, bool team) {
  json::object breakdown;
  breakdown["mcp_servers"] = json::object();
  breakdown["models"] = breakdown_json(data, day.models);
  breakdown["model_groups"] = breakdown_json(data, day.model_groups);
  breakdown["providers"] = breakdown_json(data, day.providers);
  breakdown["endpoints"] = json::object();
  json::object keys;
  for (const auto& [key, c] : day.api_keys) keys[key] = key_metric(data, key, c);
  breakdown["api_keys"] = std::move(keys);
  breakdown["entities"] = breakdown_json(data, day.entities, team);
  json::object out;
  out["date"] = date;
  out["metrics"] = metrics_json(day.metrics);
  out["breakdown"] = std::move(breakdown);
  return out;
}

json::object activity_metadata(const Report& report, const ReportData& data,
                               const SpendCounters& c) {
  json::object out;
  out["total_spend"] = c.spend;
  out["total_prompt_tokens"] = c.prompt_tokens;
  out["total_completion_tokens"] = c.completion_tokens;
  out["total_tokens"] = total_tokens(c);
  out["total_api_requests"] = c.api_requests;
  out["total_successful_requests"] = c.successful_requests;
  out["total_failed_requests"] = c.failed_requests;
  out["total_cache_read_input_tokens"] = c.cache_read_tokens;
  out["total_cache_creation_input_tokens"] = c.cache_creation_tokens;
  out["page"] = report.page;
  out["total_pages"] = (data.daily_count + report.page_size - 1) / report.page_size;
  out["has_more"] = report.page * report.page_size < data.daily_count;
  return out;
}

json::object daily_activity(const Report& report, const ReportData& data) {
  std::map<std::string, DayActivity, std::greater<>> days;  // newest first
  SpendCounters totals;
  for (const auto& row : data.daily_page) {
    add_activity(days[row.key.date], row);
    add(totals, row.counters);
  }
  const bool team = report.endpoint == Endpoint::team_daily_activity;
  json::array results;
  for (const auto& [date, day] : days) results.push_back(day_activity_json(date, day, data, team));
  json::object out;
  out["results"] = std::move(results);
  out["metadata"] = activity_metadata(report, data, totals);
  return out;
}

}  // namespace

json::value render_report(const Report& report, const ReportData& data) {
  switch (report.endpoint) {
    case Endpoint::spend_logs:
      return report.per_day ? spend_logs_per_day(report, data) : spend_rows_json(data.logs);
    case Endpoint::spend_keys:
      return docs_by_spend(data.keys, "token");
    case Endpoint::spend_users:
      return docs_by_spend(data.users, "user_id");
    case Endpoint::spend_tags:
      return spend_tags(data);
    case Endpoint::global_spend_logs:
      return global_spend_logs(report, data);
    case Endpoint::global_spend_keys:
      return global_spend_keys(report, data);
    case Endpoint::global_spend_teams:
      return global_spend_teams(data);
    case Endpoint::global_spend_end_users:
      return global_spend_end_users(data);
    case Endpoint::global_spend_models:
      return global_spend_models(report, data);
    case Endpoint::global_spend_tags:
      return global_spend_tags(report, data);
    case Endpoint::global_spend_report:
      return report.group_by == "api_key" ? spend_report_by_key(data)
                                          : spend_report_by_group(report, data);
    case Endpoint::user_daily_activity:
    case Endpoint::team_daily_activity:
      return daily_activity(report, data);
  }
  return json::array();
}

// ---- /spend/calculate ----

namespace {

Error calculate_error(std::string message) {
  return make_error(ErrorKind::invalid_request, std::move(message));
}

Result<json::value> priced(const CostFunctions& functions, std::string_view model,
                           int64_t prompt_tokens, int64_t completion_tokens) {
  auto cost =
      functions.cost ? functions.cost(model, prompt_tokens, completion_tokens) : std::nullopt;
  if (!cost)
    return calculate_error("This model isn't mapped yet. model=" + std::string(model) +
                           ". Add it to the model's litellm_params (input_cost_per_token, "
                           "output_cost_per_token) or to the price table.");
  return json::value(json::object{{"cost", *cost}});
}

}  // namespace

Result<json::value> calculate_spend(const json::object& body, const CostFunctions& functions) {
  std::string_view model = str_or(body, "model");
  if (!model.empty()) {
    const json::array* messages = arr_at(body, "messages");
    if (!messages)
      return calculate_error("Bad Request - messages must be provided if 'model' is provided");
    int64_t prompt =
        functions.count_prompt_tokens ? functions.count_prompt_tokens(model, *messages) : 0;
    return priced(functions, model, prompt, 0);
  }
  if (const json::object* response = obj_at(body, "completion_response")) {
    const json::object* usage = obj_at(*response, "usage");
    int64_t prompt = usage ? int_at(*usage, "prompt_tokens").value_or(0) : 0;
    int64_t completion = usage ? int_at(*usage, "completion_tokens").value_or(0) : 0;
    return priced(functions, str_or(*response, "model"), prompt, completion);
  }
  return calculate_error("Bad Request - Either 'model' or 'completion_response' must be provided");
}

}  // namespace routeiq::spend
