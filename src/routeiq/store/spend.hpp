#pragma once
// Spend logs: one row per request (LiteLLM_SpendLogs in our names), the daily
// aggregates LiteLLM keeps per entity (LiteLLM_Daily*Spend, here one table
// with an entity kind), and the `spend` the documents of the key, team, user,
// end user, organisation and team membership accumulate. Rows are written in
// batches by store::Store::write_spend; what a batch adds is computed here
// without a database (spend_increments), so it can be tested alone.
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "routeiq/core/error.hpp"

namespace routeiq::store {

enum class Table;

struct SpendRow {
  std::string request_id;  // the primary key: a row written twice counts once
  std::string call_type;   // "acompletion", "aembedding"...
  std::string api_key;     // SHA-256 hex of the key, never the key
  std::string key_alias, user_id, team_id, organization_id, end_user;
  // The user row of the proxy-wide budget ("litellm-proxy-budget") when
  // litellm_settings.max_budget is set: its spend grows with every request's.
  std::string proxy_budget;
  std::string model;     // the provider's model
  std::string model_id;  // the deployment's model_info.id
  std::string model_group, custom_llm_provider, api_base;
  int64_t prompt_tokens = 0, completion_tokens = 0, total_tokens = 0;
  int64_t cache_read_tokens = 0, cache_creation_tokens = 0;
  double spend = 0;  // USD
  // UTC milliseconds since the epoch; completion_start_ms is the first token.
  int64_t start_ms = 0, end_ms = 0;
  std::optional<int64_t> completion_start_ms;
  std::string status = "success";  // "success" or "failure"
  bool cache_hit = false;
  std::vector<std::string> tags;  // stored as a JSON array (request_tags)
  std::string metadata = "{}";    // JSON text
  // JSON text, only when store_prompts_in_spend_logs is on.
  std::optional<std::string> messages, response;

  bool operator==(const SpendRow&) const = default;
};

// What a write_spend call did with its rows.
struct SpendWriteCounts {
  size_t written = 0;  // new rows, counted in the aggregates and documents
  size_t skipped = 0;  // request ids already stored (a replay): nothing counted
  size_t refused = 0;  // rows that cannot be stored (see check_spend_row): dropped
  bool operator==(const SpendWriteCounts&) const = default;
};

// Why a row cannot be stored, or ok. Checked row by row so that one bad row
// does not keep its whole batch out of the database forever.
Status check_spend_row(const SpendRow& row);

// The entities a request's spend is aggregated for (entity_kind).
enum class SpendEntity { key, user, team, org, end_user, tag };
std::string_view spend_entity_name(SpendEntity entity);

// One daily_spend row's unique key.
struct DailySpendKey {
  std::string date;  // "YYYY-MM-DD", UTC, of the request's start
  SpendEntity kind = SpendEntity::key;
  std::string entity_id;
  std::string api_key, model, model_group, custom_llm_provider;
  // Spelled out rather than a defaulted <=>, which clang-tidy 14 misreads
  // (modernize-use-nullptr).
  auto fields() const {
    return std::tie(date, kind, entity_id, api_key, model, model_group, custom_llm_provider);
  }
  bool operator<(const DailySpendKey& other) const { return fields() < other.fields(); }
  bool operator==(const DailySpendKey& other) const { return fields() == other.fields(); }
};

struct SpendCounters {
  int64_t prompt_tokens = 0, completion_tokens = 0;
  int64_t cache_read_tokens = 0, cache_creation_tokens = 0;
  double spend = 0;
  int64_t api_requests = 0, successful_requests = 0, failed_requests = 0;
  bool operator==(const SpendCounters&) const = default;
};

// What a batch adds to one document's `spend` (and, for keys and teams, to
// its `model_spend` map, by model group or else model).
struct DocumentIncrement {
  double spend = 0;
  std::map<std::string, double> model_spend;
  bool operator==(const DocumentIncrement&) const = default;
};

struct SpendIncrements {
  std::map<DailySpendKey, SpendCounters> daily;
  // Ordered by table then id: every writer updates the documents in the same
  // order, so two instances flushing at once cannot deadlock on them.
  std::map<std::pair<Table, std::string>, DocumentIncrement> documents;
};

// The aggregates and document increments of `rows`, summed per key so each
// daily row and each document is written once per batch. Every row counts
// under SpendEntity::key, with an empty id when it had no key, so the key
// rows of a day cover all its requests once; the other entities only where
// the row names one (each tag separately).
SpendIncrements spend_increments(std::span<const SpendRow> rows);

// "YYYY-MM-DD" of a UTC millisecond time.
std::string utc_date(int64_t ms);

// Filters of spend_logs() and count_spend_logs(); every one set must match.
struct SpendQuery {
  std::optional<std::string> request_id, api_key, user_id, team_id, end_user;
  std::optional<int64_t> start_ms;  // start_ms >= this
  std::optional<int64_t> end_ms;    // start_ms < this
  std::vector<std::string> tags;    // rows carrying every one of these tags
  bool newest_first = false;        // ordered by start_ms descending
  size_t offset = 0;
  size_t limit = 100;  // at most kMaxListLimit
};

// What spend_totals() sums by.
enum class SpendGroup { key, user, team, org, end_user, tag, model, model_group, provider, date };
std::string_view spend_group_name(SpendGroup group);

// Read from the daily aggregates. Grouping by an entity kind (user, team,
// org, end_user, tag) sums that kind's rows and may be filtered by that kind
// or by key; grouping by key, model, model_group, provider or date sums the
// filter's kind (all requests, as key rows, without one). Other pairs are
// refused: the daily rows do not hold them.
struct SpendTotalsQuery {
  SpendGroup group_by = SpendGroup::key;
  std::string start_date, end_date;  // "YYYY-MM-DD", inclusive; empty: unbounded
  std::optional<std::pair<SpendEntity, std::string>> entity;
  size_t limit = 100;  // at most kMaxListLimit
};

struct SpendTotal {
  std::string group;  // the key hash, user id, tag, model, date...
  SpendCounters counters;
  int64_t total_tokens() const { return counters.prompt_tokens + counters.completion_tokens; }
  bool operator==(const SpendTotal&) const = default;
};

// Filters of daily_spend() and count_daily_spend(): the daily rows of one
// entity kind, for reports that break a day down by several of its key
// columns at once (spend_totals sums by one).
struct DailySpendQuery {
  SpendEntity kind = SpendEntity::key;
  // Set: only rows of these entity ids (an empty list matches none).
  std::optional<std::vector<std::string>> entity_ids;
  std::vector<std::string> exclude_entity_ids;
  std::string start_date, end_date;  // "YYYY-MM-DD", inclusive; empty: unbounded
  std::optional<std::string> model, api_key;
  size_t offset = 0;
  size_t limit = 100;  // at most kMaxListLimit
};

struct DailySpendRow {
  DailySpendKey key;
  SpendCounters counters;
  bool operator==(const DailySpendRow&) const = default;
};

}  // namespace routeiq::store
