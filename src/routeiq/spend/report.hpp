#pragma once
// LiteLLM's spend API answers (/spend/*, /global/spend/*, /user and
// /team/daily/activity, /spend/calculate) without HTTP: a handler plans a
// report from the query parameters (validated here, with LiteLLM's messages),
// reads what the plan asks for from the store on a database thread, and
// renders LiteLLM's JSON from it. Planning and rendering are pure; only
// read_report touches the store. docs/spend.md describes every answer.
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "routeiq/core/error.hpp"
#include "routeiq/store/spend.hpp"

namespace routeiq::store {
class Store;
}

namespace routeiq::spend {

// Query parameters (or a POST body's string members) by name.
using Params = std::map<std::string, std::string>;

enum class Endpoint {
  spend_logs,              // GET /spend/logs
  spend_keys,              // GET /spend/keys
  spend_users,             // GET /spend/users
  spend_tags,              // GET /spend/tags
  global_spend_logs,       // GET /global/spend/logs
  global_spend_keys,       // GET /global/spend/keys
  global_spend_teams,      // GET /global/spend/teams
  global_spend_end_users,  // POST /global/spend/end_users
  global_spend_models,     // GET /global/spend/models
  global_spend_tags,       // GET /global/spend/tags
  global_spend_report,     // GET /global/spend/report
  user_daily_activity,     // GET /user/daily/activity
  team_daily_activity,     // GET /team/daily/activity
};

// Which documents of an entity table a report names: none, those whose ids
// appear in the spend read (keys by api_key, teams by team id), or all.
enum class Docs { none, named, all };

// What a report reads. Daily queries are read whole (paged through, up to
// kMaxReportRows rows each), except `daily_page`, read as one page.
struct ReportReads {
  std::optional<store::SpendQuery> logs;
  std::vector<store::DailySpendQuery> daily;
  std::optional<store::DailySpendQuery> daily_page;  // and counted, for total_pages
  std::vector<store::SpendTotalsQuery> totals;
  Docs keys = Docs::none, teams = Docs::none, users = Docs::none;
  std::vector<std::string> user_ids;  // users: Docs::named reads these
};

// What the reads found, in the same order.
struct ReportData {
  std::vector<store::SpendRow> logs;
  std::vector<std::vector<store::DailySpendRow>> daily;
  std::vector<store::DailySpendRow> daily_page;
  int64_t daily_count = 0;
  std::vector<std::vector<store::SpendTotal>> totals;
  // Documents by id: keys by token, teams by team_id, users by user_id.
  std::map<std::string, boost::json::object> keys, teams, users;
};

// A planned report: its reads and what rendering needs of the parameters.
struct Report {
  Endpoint endpoint = Endpoint::spend_logs;
  ReportReads reads;
  std::string start_date, end_date;  // "YYYY-MM-DD", when the answer spans them
  std::string group_by;              // global_spend_report: team | customer | api_key
  bool per_day = false;              // spend_logs: the per-day summary
  bool with_api_key = false;         // global_spend_logs: rows name their api_key
  std::string api_key;               // the hashed api_key filter, when given
  std::vector<std::string> tags;     // global_spend_tags: only these (empty: all)
  int64_t page = 1, page_size = 50;  // daily activity
};

// Rows a whole daily read stops at: a bound on one answer's memory.
constexpr size_t kMaxReportRows = 200000;

// The hash LiteLLM stores for a key: "sk-..." keys are hashed, anything else
// is taken as a hash already.
std::string stored_key_hash(std::string_view api_key);

// `now_ms` (UTC milliseconds) dates LiteLLM's "last 30 days" views.
Result<Report> plan_report(Endpoint endpoint, const Params& params, int64_t now_ms);
// Blocking: run it on a database thread.
Result<ReportData> read_report(store::Store& store, const ReportReads& reads);
boost::json::value render_report(const Report& report, const ReportData& data);

// POST /spend/calculate: {"model", "messages"} (the prompt's cost before the
// call) or {"completion_response": {"model", "usage"}}; answers {"cost": x}.
struct CostFunctions {
  // USD for a model's tokens; nullopt when the model has no price.
  std::function<std::optional<double>(std::string_view model, int64_t prompt_tokens,
                                      int64_t completion_tokens)>
      cost;
  // The prompt tokens `messages` make for `model`.
  std::function<int64_t(std::string_view model, const boost::json::array& messages)>
      count_prompt_tokens;
};
Result<boost::json::value> calculate_spend(const boost::json::object& body,
                                           const CostFunctions& functions);

// "YYYY-MM-DD" (month and day may have one digit, as Python's strptime
// takes them) -> the zero-padded date; LiteLLM's message otherwise.
Result<std::string> parse_report_date(std::string_view text);

}  // namespace routeiq::spend
