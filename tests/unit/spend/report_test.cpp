// LiteLLM's spend answers planned, read from a real SQLite store in a
// temporary directory, and rendered; the sums are computed by hand.
#include "routeiq/spend/report.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <filesystem>

#include "routeiq/keys/key_fields.hpp"
#include "routeiq/store/store.hpp"

namespace routeiq::spend {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using store::SpendRow;

// 2025-03-04T10:00:00Z and the next day; "now" is two days later.
constexpr int64_t kDay1 = 1741082400000;
constexpr int64_t kDay2 = kDay1 + 86400000;
constexpr int64_t kNow = kDay2 + 2 * 86400000;

SpendRow spend_row(std::string id, double spend, int64_t start_ms, std::string api_key) {
  SpendRow row;
  row.request_id = std::move(id);
  row.call_type = "acompletion";
  row.api_key = std::move(api_key);
  row.model = "gpt-4o-2024-08-06";
  row.model_group = "gpt-4o";
  row.custom_llm_provider = "openai";
  row.prompt_tokens = 10;
  row.completion_tokens = 5;
  row.total_tokens = 15;
  row.spend = spend;
  row.start_ms = start_ms;
  row.end_ms = start_ms + 700;
  return row;
}

json::value parsed(std::string_view text) {
  return json::parse(text);
}

class ReportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "routeiq-report-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    auto opened = store::open_store("sqlite://" + (dir_ / "store.db").string(), {});
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    store_ = std::move(opened.value());
  }
  void TearDown() override {
    store_.reset();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  void write(const std::vector<SpendRow>& rows) {
    auto counts = store_->write_spend(rows);
    ASSERT_TRUE(counts.ok()) << counts.error().message;
    ASSERT_EQ(counts->written, rows.size());
  }

  void insert(store::Table table, std::string id, json::object doc) {
    auto inserted = store_->insert(table, store::Row{std::move(id), std::move(doc)});
    ASSERT_TRUE(inserted.ok() && *inserted);
  }

  json::value answer(Endpoint endpoint, const Params& params) {
    auto report = plan_report(endpoint, params, kNow);
    EXPECT_TRUE(report.ok()) << report.error().message;
    if (!report.ok()) return nullptr;
    auto data = read_report(*store_, report->reads);
    EXPECT_TRUE(data.ok()) << data.error().message;
    if (!data.ok()) return nullptr;
    return render_report(*report, *data);
  }

  // Three requests: key A (user u1, team t1) on day 1 for $1; key A (user
  // u2, team t1, claude) on day 2 for $2; key B (no user, no team, customer
  // c1) on day 2 for $0.5.
  void write_three() {
    SpendRow a = spend_row("a", 1, kDay1, key_a_);
    a.user_id = "u1";
    a.team_id = "t1";
    a.tags = {"prod"};
    SpendRow b = spend_row("b", 2, kDay2, key_a_);
    b.user_id = "u2";
    b.team_id = "t1";
    b.model = "claude-3-5-sonnet";
    b.model_group = "claude";
    b.custom_llm_provider = "anthropic";
    b.status = "failure";
    b.tags = {"prod", "blue"};
    SpendRow c = spend_row("c", 0.5, kDay2, "hash-b");
    c.end_user = "c1";
    c.completion_tokens = 7;
    write({a, b, c});
  }

  fs::path dir_;
  std::unique_ptr<store::Store> store_;
  std::string key_a_ = keys::hash_key("sk-key-a");
};

Error plan_error(Endpoint endpoint, const Params& params) {
  auto report = plan_report(endpoint, params, kNow);
  EXPECT_FALSE(report.ok());
  return report.ok() ? Error{} : report.error();
}

TEST(ReportDates, StrptimeFormsTakenBadOnesRefusedWithLiteLLMsMessage) {
  EXPECT_EQ(parse_report_date("2024-1-5").value(), "2024-01-05");
  EXPECT_EQ(parse_report_date("2024-02-29").value(), "2024-02-29");
  auto bad = parse_report_date("2024-13-01");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().kind, ErrorKind::invalid_request);
  EXPECT_EQ(bad.error().message, "time data '2024-13-01' does not match format '%Y-%m-%d'");
  EXPECT_FALSE(parse_report_date("2023-02-29").ok());
  EXPECT_FALSE(parse_report_date("2024-01-01T00:00").ok());
  EXPECT_FALSE(parse_report_date("24-01-01").ok());
}

TEST(ReportPlans, BadParametersRefused) {
  EXPECT_EQ(
      plan_error(Endpoint::spend_logs, {{"start_date", "2025-03-04"}, {"end_date", "x"}}).message,
      "time data 'x' does not match format '%Y-%m-%d'");
  EXPECT_EQ(plan_error(Endpoint::spend_logs, {{"summarize", "maybe"}}).kind,
            ErrorKind::invalid_request);
  EXPECT_EQ(plan_error(Endpoint::global_spend_tags, {{"start_date", "2025-03-04"}}).message,
            "Please provide start_date and end_date");
  EXPECT_EQ(plan_error(Endpoint::user_daily_activity, {}).message,
            "Please provide start_date and end_date");
  EXPECT_EQ(plan_error(Endpoint::global_spend_keys, {{"limit", "0"}}).message,
            "Invalid limit: 0, error: Limit must be greater than 0");
  EXPECT_EQ(
      plan_error(Endpoint::global_spend_report,
                 {{"start_date", "2025-03-04"}, {"end_date", "2025-03-05"}, {"group_by", "x"}})
          .kind,
      ErrorKind::invalid_request);
  EXPECT_EQ(
      plan_error(Endpoint::user_daily_activity,
                 {{"start_date", "2025-03-04"}, {"end_date", "2025-03-05"}, {"page_size", "1001"}})
          .kind,
      ErrorKind::invalid_request);
  EXPECT_EQ(plan_error(Endpoint::team_daily_activity,
                       {{"start_date", "2025-03-04"}, {"end_date", "2025-03-05"}, {"page", "0"}})
                .kind,
            ErrorKind::invalid_request);
}

TEST_F(ReportTest, SpendLogsBySkKeyAreTheRowsOfItsHash) {
  write_three();
  auto rows = answer(Endpoint::spend_logs, {{"api_key", "sk-key-a"}});
  ASSERT_TRUE(rows.is_array());
  ASSERT_EQ(rows.as_array().size(), 2u);
  const auto& a = rows.as_array()[0].as_object();
  EXPECT_EQ(a.at("request_id"), "a");
  EXPECT_EQ(a.at("api_key"), json::value(key_a_));
  EXPECT_EQ(a.at("user"), "u1");
  EXPECT_EQ(a.at("team_id"), "t1");
  EXPECT_EQ(a.at("spend"), 1.0);
  EXPECT_EQ(a.at("total_tokens"), 15);
  EXPECT_EQ(a.at("startTime"), "2025-03-04T10:00:00.000Z");
  EXPECT_EQ(a.at("endTime"), "2025-03-04T10:00:00.700Z");
  EXPECT_EQ(a.at("completionStartTime"), nullptr);
  EXPECT_EQ(a.at("cache_hit"), "False");
  EXPECT_EQ(a.at("request_tags"), parsed(R"(["prod"])"));
  EXPECT_EQ(a.at("metadata"), json::object());
  EXPECT_EQ(a.at("status"), "success");
  EXPECT_EQ(rows.as_array()[1].at("request_id"), "b");

  // The first filter given wins, as in LiteLLM: the user is not applied.
  auto by_key = answer(Endpoint::spend_logs, {{"api_key", key_a_}, {"user_id", "nobody"}});
  EXPECT_EQ(by_key.as_array().size(), 2u);
  auto by_request = answer(Endpoint::spend_logs, {{"request_id", "c"}});
  ASSERT_EQ(by_request.as_array().size(), 1u);
  EXPECT_EQ(by_request.as_array()[0].at("end_user"), "c1");
}

TEST_F(ReportTest, SpendLogsInARangeUnsummarizedNewestFirstEndDayIncluded) {
  write_three();
  auto rows =
      answer(Endpoint::spend_logs,
             {{"start_date", "2025-03-04"}, {"end_date", "2025-03-05"}, {"summarize", "false"}});
  ASSERT_EQ(rows.as_array().size(), 3u);
  EXPECT_EQ(rows.as_array()[0].at("request_id"), "c");
  EXPECT_EQ(rows.as_array()[2].at("request_id"), "a");
  auto first_day =
      answer(Endpoint::spend_logs,
             {{"start_date", "2025-03-04"}, {"end_date", "2025-03-04"}, {"summarize", "0"}});
  ASSERT_EQ(first_day.as_array().size(), 1u);
  EXPECT_EQ(first_day.as_array()[0].at("request_id"), "a");
}

TEST_F(ReportTest, SpendLogsSummarizedPerDayPaddedToTheEndDate) {
  write_three();
  auto days =
      answer(Endpoint::spend_logs, {{"start_date", "2025-03-04"}, {"end_date", "2025-03-07"}});
  std::string a = key_a_;
  EXPECT_EQ(days, parsed(R"([
    {"users": {"u1": 1.0}, "models": {"gpt-4o-2024-08-06": 1.0}, "spend": 1.0,
     ")" + a + R"(": 1.0, "startTime": "2025-03-04"},
    {"users": {"u2": 2.0}, "models": {"claude-3-5-sonnet": 2.0, "gpt-4o-2024-08-06": 0.5},
     "spend": 2.5, ")" + a +
                         R"(": 2.0, "hash-b": 0.5, "startTime": "2025-03-05"},
    {"startTime": "2025-03-06", "spend": 0.0, "users": {}, "models": {}},
    {"startTime": "2025-03-07", "spend": 0.0, "users": {}, "models": {}}])"));

  auto user = answer(Endpoint::spend_logs,
                     {{"start_date", "2025-03-05"}, {"end_date", "2025-03-05"}, {"user_id", "u2"}});
  EXPECT_EQ(user, parsed(R"([{"users": {"u2": 2.0}, "models": {"claude-3-5-sonnet": 2.0},
    "spend": 2.0, ")" + a +
                         R"(": 2.0, "startTime": "2025-03-05"}])"));

  auto request =
      answer(Endpoint::spend_logs,
             {{"start_date", "2025-03-04"}, {"end_date", "2025-03-05"}, {"request_id", "c"}});
  EXPECT_EQ(request, parsed(R"([{"users": {"": 0.5}, "models": {"gpt-4o-2024-08-06": 0.5},
    "spend": 0.5, "hash-b": 0.5, "startTime": "2025-03-05"}])"));

  EXPECT_EQ(
      answer(Endpoint::spend_logs, {{"start_date", "2025-04-01"}, {"end_date", "2025-04-02"}}),
      json::array());
}

TEST_F(ReportTest, SpendTagsCountRequestsAndSpend) {
  write_three();
  EXPECT_EQ(answer(Endpoint::spend_tags, {}), parsed(R"([
    {"individual_request_tag": "prod", "log_count": 2, "total_spend": 3.0},
    {"individual_request_tag": "blue", "log_count": 1, "total_spend": 2.0}])"));
  EXPECT_EQ(
      answer(Endpoint::spend_tags, {{"start_date", "2025-03-04"}, {"end_date", "2025-03-04"}}),
      parsed(R"([{"individual_request_tag": "prod", "log_count": 1, "total_spend": 1.0}])"));
  EXPECT_EQ(answer(Endpoint::global_spend_tags,
                   {{"start_date", "2025-03-04"}, {"end_date", "2025-03-05"}, {"tags", "blue"}}),
            parsed(R"({"spend_per_tag": [{"name": "blue", "spend": 2.0, "log_count": 1}]})"));
}

TEST_F(ReportTest, SpendKeysAndUsersAreTheirDocumentsBySpend) {
  insert(store::Table::keys, "k1", json::object{{"key_alias", "one"}, {"spend", 1.5}});
  insert(store::Table::keys, "k2", json::object{{"key_alias", "two"}, {"spend", 4.0}});
  insert(store::Table::users, "u1", json::object{{"spend", 2.0}});
  auto keys = answer(Endpoint::spend_keys, {});
  ASSERT_EQ(keys.as_array().size(), 2u);
  EXPECT_EQ(keys.as_array()[0], parsed(R"({"key_alias": "two", "spend": 4.0, "token": "k2"})"));
  EXPECT_EQ(answer(Endpoint::spend_users, {{"user_id", "u1"}}),
            parsed(R"([{"spend": 2.0, "user_id": "u1"}])"));
  EXPECT_EQ(answer(Endpoint::spend_users, {{"user_id", "none"}}), json::array());
}

TEST_F(ReportTest, GlobalSpendLogsKeysAndModelsOverTheLast30Days) {
  write_three();
  insert(store::Table::keys, key_a_,
         json::object{{"key_alias", "alpha"}, {"key_name", "sk-...ey-a"}, {"team_id", "t1"}});
  EXPECT_EQ(answer(Endpoint::global_spend_logs, {}), parsed(R"([
    {"date": "2025-03-04", "spend": 1.0}, {"date": "2025-03-05", "spend": 2.5}])"));
  EXPECT_EQ(answer(Endpoint::global_spend_logs, {{"api_key", "hash-b"}}),
            parsed(R"([{"date": "2025-03-05", "spend": 0.5, "api_key": "hash-b"}])"));
  EXPECT_EQ(answer(Endpoint::global_spend_keys, {}), parsed(R"([
    {"api_key": ")" + key_a_ + R"(", "total_spend": 3.0, "team_id": "t1", "key_alias": "alpha",
     "key_name": "sk-...ey-a"},
    {"api_key": "hash-b", "total_spend": 0.5, "team_id": "", "key_alias": "",
     "key_name": "hash-b"}])"));
  EXPECT_EQ(answer(Endpoint::global_spend_keys, {{"limit", "1"}}).as_array().size(), 1u);
  EXPECT_EQ(answer(Endpoint::global_spend_models, {{"limit", "1"}}),
            parsed(R"([{"model": "claude-3-5-sonnet", "total_spend": 2.0}])"));
  // Outside the 30 days: nothing.
  auto later = plan_report(Endpoint::global_spend_models, {}, kNow + 40 * 86400000LL);
  ASSERT_TRUE(later.ok());
  EXPECT_EQ(render_report(*later, read_report(*store_, later->reads).value()), json::array());
}

TEST_F(ReportTest, GlobalSpendTeamsByAliasWithTheRestUnassigned) {
  write_three();
  insert(store::Table::teams, "t1", json::object{{"team_alias", "alpha"}});
  EXPECT_EQ(answer(Endpoint::global_spend_teams, {}), parsed(R"({
    "daily_spend": [{"date": "2025-03-04", "alpha": 1.0},
                    {"date": "2025-03-05", "alpha": 2.0, "Unassigned": 0.5}],
    "teams": ["Unassigned", "alpha"],
    "total_spend_per_team": [{"team_id": "alpha", "total_spend": 3.0},
                             {"team_id": "Unassigned", "total_spend": 0.5}]})"));
}

TEST_F(ReportTest, GlobalSpendEndUsers) {
  write_three();
  EXPECT_EQ(answer(Endpoint::global_spend_end_users, {}),
            parsed(R"([{"end_user": "c1", "total_count": 1, "total_spend": 0.5}])"));
  EXPECT_EQ(answer(Endpoint::global_spend_end_users, {{"api_key", key_a_}}), json::array());
}

TEST_F(ReportTest, GlobalSpendReportByTeamCustomerAndKey) {
  write_three();
  insert(store::Table::teams, "t1", json::object{{"team_alias", "alpha"}});
  Params range{{"start_date", "2025-03-04"}, {"end_date", "2025-03-05"}};
  std::string a = key_a_;
  EXPECT_EQ(answer(Endpoint::global_spend_report, range), parsed(R"([
    {"group_by_day": "2025-03-04", "teams": [{"team_name": "alpha", "total_spend": 1.0,
      "metadata": [{"model": "gpt-4o-2024-08-06", "api_key": ")" +
                                                                 a + R"(", "spend": 1.0,
                    "total_tokens": 15}]}]},
    {"group_by_day": "2025-03-05", "teams": [
      {"team_name": "Unassigned Team", "total_spend": 0.5,
       "metadata": [{"model": "gpt-4o-2024-08-06", "api_key": "hash-b", "spend": 0.5,
                     "total_tokens": 17}]},
      {"team_name": "alpha", "total_spend": 2.0,
       "metadata": [{"model": "claude-3-5-sonnet", "api_key": ")" +
                                                                 a + R"(", "spend": 2.0,
                     "total_tokens": 15}]}]}])"));

  Params customers = range;
  customers["group_by"] = "customer";
  auto by_customer = answer(Endpoint::global_spend_report, customers);
  ASSERT_EQ(by_customer.as_array().size(), 2u);
  EXPECT_EQ(by_customer.as_array()[1], parsed(R"({"group_by_day": "2025-03-05", "customers": [
      {"customer": null, "total_spend": 2.0,
       "metadata": [{"model": "claude-3-5-sonnet", "api_key": ")" +
                                              a + R"(", "spend": 2.0,
                     "total_tokens": 15}]},
      {"customer": "c1", "total_spend": 0.5,
       "metadata": [{"model": "gpt-4o-2024-08-06", "api_key": "hash-b", "spend": 0.5,
                     "total_tokens": 17}]}]})"));

  Params by_key = range;
  by_key["group_by"] = "api_key";
  EXPECT_EQ(answer(Endpoint::global_spend_report, by_key), parsed(R"([
    {"api_key": ")" + a + R"(", "total_cost": 3.0, "total_input_tokens": 20,
     "total_output_tokens": 10, "model_details": [
       {"model": "claude-3-5-sonnet", "total_cost": 2.0, "total_input_tokens": 10,
        "total_output_tokens": 5},
       {"model": "gpt-4o-2024-08-06", "total_cost": 1.0, "total_input_tokens": 10,
        "total_output_tokens": 5}]},
    {"api_key": "hash-b", "total_cost": 0.5, "total_input_tokens": 10, "total_output_tokens": 7,
     "model_details": [{"model": "gpt-4o-2024-08-06", "total_cost": 0.5,
                        "total_input_tokens": 10, "total_output_tokens": 7}]}])"));

  Params one_user = range;
  one_user["internal_user_id"] = "u2";
  auto user = answer(Endpoint::global_spend_report, one_user);
  ASSERT_EQ(user.as_array().size(), 1u);
  EXPECT_EQ(user.as_array()[0].at("total_cost"), 2.0);
}

TEST_F(ReportTest, UserDailyActivityBrokenDownByModelProviderKeyAndUser) {
  write_three();
  insert(store::Table::keys, key_a_, json::object{{"key_alias", "alpha"}, {"team_id", "t1"}});
  auto activity = answer(Endpoint::user_daily_activity,
                         {{"start_date", "2025-03-04"}, {"end_date", "2025-03-05"}});
  ASSERT_TRUE(activity.is_object());
  const auto& results = activity.at("results").as_array();
  ASSERT_EQ(results.size(), 2u);  // the user-less request is in no user row
  const auto& day2 = results[0].as_object();
  EXPECT_EQ(day2.at("date"), "2025-03-05");
  json::value metrics = parsed(R"({"spend": 2.0, "prompt_tokens": 10, "completion_tokens": 5,
    "cache_read_input_tokens": 0, "cache_creation_input_tokens": 0, "total_tokens": 15,
    "successful_requests": 0, "failed_requests": 1, "api_requests": 1})");
  EXPECT_EQ(day2.at("metrics"), metrics);
  json::value key_metric = json::object{
      {"metrics", metrics}, {"metadata", json::object{{"key_alias", "alpha"}, {"team_id", "t1"}}}};
  json::value bucket = json::object{{"metrics", metrics},
                                    {"metadata", json::object()},
                                    {"api_key_breakdown", json::object{{key_a_, key_metric}}}};
  const auto& breakdown = day2.at("breakdown").as_object();
  EXPECT_EQ(breakdown.at("models"), (json::object{{"claude-3-5-sonnet", bucket}}));
  EXPECT_EQ(breakdown.at("model_groups"), (json::object{{"claude", bucket}}));
  EXPECT_EQ(breakdown.at("providers"), (json::object{{"anthropic", bucket}}));
  EXPECT_EQ(breakdown.at("api_keys"), (json::object{{key_a_, key_metric}}));
  EXPECT_EQ(breakdown.at("entities"), (json::object{{"u2", bucket}}));
  EXPECT_EQ(breakdown.at("mcp_servers"), json::object());
  EXPECT_EQ(results[1].at("date"), "2025-03-04");
  EXPECT_EQ(activity.at("metadata"), parsed(R"({"total_spend": 3.0, "total_prompt_tokens": 20,
    "total_completion_tokens": 10, "total_tokens": 30, "total_api_requests": 2,
    "total_successful_requests": 1, "total_failed_requests": 1,
    "total_cache_read_input_tokens": 0, "total_cache_creation_input_tokens": 0,
    "page": 1, "total_pages": 1, "has_more": false})"));

  auto page = answer(Endpoint::user_daily_activity, {{"start_date", "2025-03-04"},
                                                     {"end_date", "2025-03-05"},
                                                     {"page_size", "1"},
                                                     {"page", "2"}});
  EXPECT_EQ(page.at("results").as_array().size(), 1u);
  EXPECT_EQ(page.at("results").as_array()[0].at("date"), "2025-03-04");
  EXPECT_EQ(page.at("metadata").at("total_pages"), 2);
  EXPECT_EQ(page.at("metadata").at("has_more"), false);
  EXPECT_EQ(page.at("metadata").at("total_spend"), 1.0);

  auto one = answer(Endpoint::user_daily_activity, {{"start_date", "2025-03-04"},
                                                    {"end_date", "2025-03-05"},
                                                    {"user_id", "u1"},
                                                    {"model", "gpt-4o-2024-08-06"}});
  EXPECT_EQ(one.at("metadata").at("total_spend"), 1.0);
  EXPECT_EQ(one.at("metadata").at("has_more"), false);
}

TEST_F(ReportTest, TeamDailyActivityNamesTheTeamAlias) {
  write_three();
  insert(store::Table::teams, "t1", json::object{{"team_alias", "alpha"}});
  auto activity =
      answer(Endpoint::team_daily_activity,
             {{"start_date", "2025-03-04"}, {"end_date", "2025-03-05"}, {"team_ids", "t1,t9"}});
  const auto& results = activity.at("results").as_array();
  ASSERT_EQ(results.size(), 2u);
  const auto& entities = results[0].at("breakdown").at("entities").as_object();
  ASSERT_TRUE(entities.contains("t1"));
  EXPECT_EQ(entities.at("t1").at("metadata"), (json::object{{"team_alias", "alpha"}}));
  EXPECT_EQ(entities.at("t1").at("metrics").at("spend"), 2.0);
  EXPECT_EQ(results[0].at("breakdown").at("api_keys").at(key_a_).at("metadata"),
            parsed(R"({"key_alias": null, "team_id": null})"));
  EXPECT_EQ(activity.at("metadata").at("total_spend"), 3.0);

  auto excluded = answer(
      Endpoint::team_daily_activity,
      {{"start_date", "2025-03-04"}, {"end_date", "2025-03-05"}, {"exclude_team_ids", "t1"}});
  EXPECT_EQ(excluded.at("results"), json::array());
  EXPECT_EQ(excluded.at("metadata").at("total_pages"), 0);
}

TEST(SpendCalculate, PromptOrResponseTokensPriced) {
  std::vector<std::tuple<std::string, int64_t, int64_t>> asked;
  CostFunctions functions;
  functions.cost = [&](std::string_view model, int64_t prompt,
                       int64_t completion) -> std::optional<double> {
    asked.emplace_back(std::string(model), prompt, completion);
    if (model == "unpriced") return std::nullopt;
    return prompt * 0.25 + completion * 1.0;
  };
  functions.count_prompt_tokens = [](std::string_view, const json::array& messages) {
    return static_cast<int64_t>(messages.size() * 4);
  };
  auto before = calculate_spend(
      parsed(R"({"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]})").as_object(),
      functions);
  ASSERT_TRUE(before.ok());
  EXPECT_EQ(*before, parsed(R"({"cost": 1.0})"));
  auto after = calculate_spend(parsed(R"({"completion_response": {"model": "gpt-4o-mini",
      "usage": {"prompt_tokens": 8, "completion_tokens": 3, "total_tokens": 11}}})")
                                   .as_object(),
                               functions);
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(*after, parsed(R"({"cost": 5.0})"));
  EXPECT_EQ(asked[1], std::make_tuple(std::string("gpt-4o-mini"), int64_t{8}, int64_t{3}));

  auto no_messages = calculate_spend(parsed(R"({"model": "gpt-4o"})").as_object(), functions);
  ASSERT_FALSE(no_messages.ok());
  EXPECT_EQ(no_messages.error().message,
            "Bad Request - messages must be provided if 'model' is provided");
  auto nothing = calculate_spend(json::object(), functions);
  ASSERT_FALSE(nothing.ok());
  EXPECT_EQ(nothing.error().message,
            "Bad Request - Either 'model' or 'completion_response' must be provided");
  EXPECT_FALSE(
      calculate_spend(parsed(R"({"model": "unpriced", "messages": []})").as_object(), functions)
          .ok());
}

}  // namespace
}  // namespace routeiq::spend
