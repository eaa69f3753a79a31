// What a batch of spend rows adds (pure), and the SQL both backends run to
// store and read spend: the same statements with the dialect's placeholders.
#include "routeiq/store/spend.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>

#include "routeiq/core/json.hpp"
#include "routeiq/core/time.hpp"
#include "routeiq/store/store.hpp"

namespace routeiq::store {

namespace {

// 2200-01-01: past it system_clock (nanoseconds) would overflow in utc_date.
constexpr int64_t kMaxTimeMs = 7258118400000;

bool has_nul(std::string_view text) {
  return text.find('\0') != std::string_view::npos;
}

Error refused(const SpendRow& row, std::string why) {
  return make_error(ErrorKind::invalid_request,
                    "Spend row " + row.request_id.substr(0, 100) + ": " + std::move(why));
}

bool valid_time(int64_t ms) {
  return ms >= 0 && ms < kMaxTimeMs;
}

}  // namespace

Status check_spend_row(const SpendRow& row) {
  if (row.request_id.empty()) return refused(row, "no request_id");
  // PostgreSQL text cannot hold NUL; refused on both backends so they agree.
  for (const std::string* text :
       {&row.request_id, &row.call_type, &row.api_key, &row.key_alias, &row.user_id, &row.team_id,
        &row.organization_id, &row.end_user, &row.model, &row.model_id, &row.model_group,
        &row.custom_llm_provider, &row.api_base, &row.status, &row.metadata})
    if (has_nul(*text)) return refused(row, "a value contains NUL");
  for (const auto& tag : row.tags)
    if (has_nul(tag)) return refused(row, "a tag contains NUL");
  if (!std::isfinite(row.spend)) return refused(row, "spend is not a finite number");
  if (!valid_time(row.start_ms) || !valid_time(row.end_ms) ||
      (row.completion_start_ms && !valid_time(*row.completion_start_ms)))
    return refused(row, "a time is out of range");
  if (!is_valid_json(row.metadata)) return refused(row, "metadata is not JSON");
  for (const auto* text : {&row.messages, &row.response})
    if (*text && (has_nul(**text) || !is_valid_json(**text)))
      return refused(row, "messages or response is not JSON");
  return ok_status();
}

std::string_view spend_entity_name(SpendEntity entity) {
  switch (entity) {
    case SpendEntity::key:
      return "key";
    case SpendEntity::user:
      return "user";
    case SpendEntity::team:
      return "team";
    case SpendEntity::org:
      return "org";
    case SpendEntity::end_user:
      return "end_user";
    case SpendEntity::tag:
      return "tag";
  }
  return "key";
}

std::string_view spend_group_name(SpendGroup group) {
  switch (group) {
    case SpendGroup::key:
      return "key";
    case SpendGroup::user:
      return "user";
    case SpendGroup::team:
      return "team";
    case SpendGroup::org:
      return "org";
    case SpendGroup::end_user:
      return "end_user";
    case SpendGroup::tag:
      return "tag";
    case SpendGroup::model:
      return "model";
    case SpendGroup::model_group:
      return "model_group";
    case SpendGroup::provider:
      return "provider";
    case SpendGroup::date:
      return "date";
  }
  return "key";
}

std::string utc_date(int64_t ms) {
  ms = std::clamp<int64_t>(ms, 0, kMaxTimeMs);
  return iso_date(SysTime(std::chrono::milliseconds(ms)));
}

namespace {

void add_request(SpendCounters& counters, const SpendRow& row) {
  counters.prompt_tokens += row.prompt_tokens;
  counters.completion_tokens += row.completion_tokens;
  counters.cache_read_tokens += row.cache_read_tokens;
  counters.cache_creation_tokens += row.cache_creation_tokens;
  counters.spend += row.spend;
  counters.api_requests += 1;
  (row.status == "success" ? counters.successful_requests : counters.failed_requests) += 1;
}

void add_daily(SpendIncrements& out, const SpendRow& row, const std::string& date, SpendEntity kind,
               const std::string& entity_id) {
  DailySpendKey key{
      date, kind, entity_id, row.api_key, row.model, row.model_group, row.custom_llm_provider};
  add_request(out.daily[std::move(key)], row);
}

void add_document(SpendIncrements& out, const SpendRow& row, Table table, std::string id,
                  bool with_model_spend) {
  auto& increment = out.documents[{table, std::move(id)}];
  increment.spend += row.spend;
  const std::string& model = row.model_group.empty() ? row.model : row.model_group;
  if (with_model_spend && !model.empty()) increment.model_spend[model] += row.spend;
}

}  // namespace

SpendIncrements spend_increments(std::span<const SpendRow> rows) {
  SpendIncrements out;
  for (const auto& row : rows) {
    const std::string date = utc_date(row.start_ms);
    add_daily(out, row, date, SpendEntity::key, row.api_key);
    const std::pair<SpendEntity, const std::string*> named[] = {
        {SpendEntity::user, &row.user_id},
        {SpendEntity::team, &row.team_id},
        {SpendEntity::org, &row.organization_id},
        {SpendEntity::end_user, &row.end_user}};
    for (const auto& [kind, id] : named)
      if (!id->empty()) add_daily(out, row, date, kind, *id);
    // A tag named twice on one request counts once.
    std::vector<std::string> tags = row.tags;
    std::sort(tags.begin(), tags.end());
    tags.erase(std::unique(tags.begin(), tags.end()), tags.end());
    for (const auto& tag : tags) add_daily(out, row, date, SpendEntity::tag, tag);

    if (!row.api_key.empty()) add_document(out, row, Table::keys, row.api_key, true);
    if (!row.team_id.empty()) add_document(out, row, Table::teams, row.team_id, true);
    if (!row.user_id.empty()) add_document(out, row, Table::users, row.user_id, false);
    if (!row.proxy_budget.empty() && row.proxy_budget != row.user_id)
      add_document(out, row, Table::users, row.proxy_budget, false);
    if (!row.end_user.empty()) add_document(out, row, Table::end_users, row.end_user, false);
    if (!row.organization_id.empty())
      add_document(out, row, Table::organizations, row.organization_id, false);
    if (!row.team_id.empty() && !row.user_id.empty())
      add_document(out, row, Table::memberships, row.team_id + "\n" + row.user_id, false);
  }
  return out;
}

}  // namespace routeiq::store
