// Spend logs, daily aggregates and document increments, asked of both
// backends: SQLite in a temporary directory and the test run's PostgreSQL.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <atomic>
#include <boost/json.hpp>
#include <cmath>
#include <filesystem>
#include <map>
#include <thread>

#include "pg_server.hpp"
#include "routeiq/store/spend.hpp"
#include "routeiq/store/store.hpp"

namespace routeiq::store {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

// 2025-03-04T10:00:00Z and the next day.
constexpr int64_t kDay1 = 1741082400000;
constexpr int64_t kDay2 = kDay1 + 86400000;

SpendRow spend_row(std::string id, double spend, int64_t start_ms = kDay1) {
  SpendRow row;
  row.request_id = std::move(id);
  row.call_type = "acompletion";
  row.api_key = "hash-a";
  row.key_alias = "alias-a";
  row.model = "gpt-4o-2024-08-06";
  row.model_id = "dep-1";
  row.model_group = "gpt-4o";
  row.custom_llm_provider = "openai";
  row.api_base = "https://api.openai.com/v1";
  row.prompt_tokens = 10;
  row.completion_tokens = 5;
  row.total_tokens = 15;
  row.spend = spend;
  row.start_ms = start_ms;
  row.end_ms = start_ms + 700;
  return row;
}

// Spelled out: GCC warns about designated initializers that leave members out.
SpendTotalsQuery by(SpendGroup group,
                    std::optional<std::pair<SpendEntity, std::string>> entity = {},
                    std::string start_date = {}, std::string end_date = {}) {
  SpendTotalsQuery query;
  query.group_by = group;
  query.entity = std::move(entity);
  query.start_date = std::move(start_date);
  query.end_date = std::move(end_date);
  return query;
}

double spend_of(const Row& row) {
  return row.doc.at("spend").to_number<double>();
}

// A JSON map of numbers as doubles: PostgreSQL gives 2.0 back as 2.
std::map<std::string, double> numbers_of(const json::value& value) {
  std::map<std::string, double> out;
  for (const auto& [name, number] : value.as_object()) out[name] = number.to_number<double>();
  return out;
}

class SpendStoreTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (sqlite()) {
      std::string pattern = (fs::temp_directory_path() / "routeiq-spend-XXXXXX").string();
      ASSERT_NE(mkdtemp(pattern.data()), nullptr);
      dir_ = pattern;
      url_ = "sqlite://" + (dir_ / "store.db").string();
    } else {
      std::string error;
      server_ = test::shared_pg_server(error);
      ASSERT_NE(server_, nullptr) << error;
      static int databases = 0;
      database_ = "spend_store_test_" + std::to_string(++databases);
      ASSERT_TRUE(server_->create_database(database_, error)) << error;
      url_ = server_->url(database_);
    }
    store_ = open();
    ASSERT_NE(store_, nullptr);
  }

  void TearDown() override {
    store_.reset();
    std::error_code ec;
    if (!dir_.empty()) fs::remove_all(dir_, ec);
  }

  bool sqlite() const { return GetParam() == "sqlite"; }

  std::unique_ptr<Store> open() {
    auto opened = open_store(url_, OpenOptions{.pool_limit = 4, .connect_timeout_s = 10});
    EXPECT_TRUE(opened.ok()) << opened.error().message;
    return opened.ok() ? std::move(opened.value()) : nullptr;
  }

  // A statement run beside the store, as another program would.
  void raw(const std::string& sql) {
    if (!sqlite()) {
      std::string error;
      EXPECT_TRUE(server_->query(database_, sql, error).has_value()) << error;
      return;
    }
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open((dir_ / "store.db").c_str(), &db), SQLITE_OK);
    EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK)
        << sqlite3_errmsg(db);
    sqlite3_close(db);
  }

  SpendWriteCounts write(const std::vector<SpendRow>& rows) {
    auto counts = store_->write_spend(rows);
    EXPECT_TRUE(counts.ok()) << counts.error().message;
    return counts.ok() ? *counts : SpendWriteCounts{};
  }

  std::vector<std::string> logged_ids(const SpendQuery& query) {
    auto rows = store_->spend_logs(query);
    EXPECT_TRUE(rows.ok()) << rows.error().message;
    std::vector<std::string> ids;
    if (rows.ok())
      for (const auto& row : *rows) ids.push_back(row.request_id);
    return ids;
  }

  std::vector<SpendTotal> totals(const SpendTotalsQuery& query) {
    auto result = store_->spend_totals(query);
    EXPECT_TRUE(result.ok()) << result.error().message;
    return result.ok() ? *result : std::vector<SpendTotal>{};
  }

  Row document(Table table, const std::string& id) {
    auto row = store_->get(table, id);
    EXPECT_TRUE(row.ok() && row->has_value()) << id;
    return row.ok() && row->has_value() ? **row : Row{};
  }

  void insert_doc(Table table, std::string id, json::object doc) {
    auto inserted = store_->insert(table, Row{std::move(id), std::move(doc)});
    ASSERT_TRUE(inserted.ok() && *inserted) << inserted.error().message;
  }

  fs::path dir_;
  std::string url_, database_;
  test::PgServer* server_ = nullptr;
  std::unique_ptr<Store> store_;
};

TEST_P(SpendStoreTest, RowsReadBackAsWritten) {
  SpendRow full = spend_row("r1", 0.125);
  full.user_id = "u1";
  full.team_id = "t1";
  full.organization_id = "o1";
  full.end_user = "customer-9";
  full.cache_read_tokens = 3;
  full.cache_creation_tokens = 2;
  full.completion_start_ms = kDay1 + 150;
  full.cache_hit = true;
  full.tags = {"prod", "team:x", "quote\"d"};
  full.metadata = R"({"user_api_key_alias":"alias-a","n":[1,2]})";
  full.messages = R"([{"role":"user","content":"hi \u00e9"}])";
  full.response = R"({"id":"chatcmpl-1"})";
  full.spend = 0.1;  // not exact in binary: must still read back equal
  SpendRow failed = spend_row("r2", 0, kDay1 + 1);
  failed.status = "failure";
  EXPECT_EQ(write({failed, full}), (SpendWriteCounts{2, 0, 0}));
  auto rows = store_->spend_logs({});
  ASSERT_TRUE(rows.ok()) << rows.error().message;
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_EQ((*rows)[0], full) << "ordered by start_ms";
  EXPECT_EQ((*rows)[1], failed);
  EXPECT_FALSE((*rows)[1].completion_start_ms.has_value());
  EXPECT_FALSE((*rows)[1].messages.has_value());
}

TEST_P(SpendStoreTest, ReplayedRowsCountOnce) {
  insert_doc(Table::keys, "hash-a", {{"key_alias", "alias-a"}, {"spend", 1.0}});
  std::vector<SpendRow> batch{spend_row("r1", 0.5), spend_row("r2", 0.25)};
  EXPECT_EQ(write(batch), (SpendWriteCounts{2, 0, 0}));
  // The same batch again (a journal replayed twice), then one new row with an
  // old one and the same new one twice in a batch.
  EXPECT_EQ(write(batch), (SpendWriteCounts{0, 2, 0}));
  EXPECT_EQ(write({spend_row("r1", 0.5), spend_row("r3", 2), spend_row("r3", 2)}),
            (SpendWriteCounts{1, 2, 0}));
  EXPECT_EQ(*store_->count_spend_logs({}), 3);
  EXPECT_EQ(spend_of(document(Table::keys, "hash-a")), 3.75);
  auto by_key = totals({});
  ASSERT_EQ(by_key.size(), 1u);
  EXPECT_EQ(by_key[0].group, "hash-a");
  EXPECT_EQ(by_key[0].counters.api_requests, 3);
  EXPECT_EQ(by_key[0].counters.spend, 2.75);
  EXPECT_EQ(by_key[0].counters.prompt_tokens, 30);
  EXPECT_EQ(by_key[0].total_tokens(), 45);
}

TEST_P(SpendStoreTest, LogsFilteredAndPaged) {
  std::vector<SpendRow> rows;
  for (int i = 0; i < 6; ++i) {
    SpendRow row = spend_row("r" + std::to_string(i), 0.5, kDay1 + i * 1000);
    row.api_key = i % 2 ? "hash-b" : "hash-a";
    row.user_id = i < 3 ? "u1" : "u2";
    row.team_id = i == 4 ? "t1" : "";
    row.end_user = i == 5 ? "cust" : "";
    row.tags = i % 3 == 0 ? std::vector<std::string>{"prod", "x"} : std::vector<std::string>{"x"};
    rows.push_back(row);
  }
  write(rows);
  using Ids = std::vector<std::string>;
  auto query = [] { return SpendQuery{}; };
  SpendQuery q = query();
  q.api_key = "hash-b";
  EXPECT_EQ(logged_ids(q), (Ids{"r1", "r3", "r5"}));
  q.user_id = "u2";
  EXPECT_EQ(logged_ids(q), (Ids{"r3", "r5"}));
  EXPECT_EQ(*store_->count_spend_logs(q), 2);
  q = query();
  q.team_id = "t1";
  EXPECT_EQ(logged_ids(q), (Ids{"r4"}));
  q = query();
  q.end_user = "cust";
  EXPECT_EQ(logged_ids(q), (Ids{"r5"}));
  q = query();
  q.request_id = "r2";
  EXPECT_EQ(logged_ids(q), (Ids{"r2"}));
  q = query();
  q.start_ms = kDay1 + 1000;
  q.end_ms = kDay1 + 3000;  // exclusive
  EXPECT_EQ(logged_ids(q), (Ids{"r1", "r2"}));
  q = query();
  q.tags = {"prod"};
  EXPECT_EQ(logged_ids(q), (Ids{"r0", "r3"}));
  q.tags = {"prod", "nope"};
  EXPECT_TRUE(logged_ids(q).empty());
  q = query();
  q.offset = 2;
  q.limit = 3;
  EXPECT_EQ(logged_ids(q), (Ids{"r2", "r3", "r4"}));
  EXPECT_EQ(*store_->count_spend_logs(q), 6) << "count ignores offset and limit";
  q = query();
  q.user_id = std::string("a\0b", 3);
  EXPECT_EQ(store_->spend_logs(q).error().kind, ErrorKind::invalid_request);
}

TEST_P(SpendStoreTest, AggregatesByDateEntityAndTag) {
  SpendRow a = spend_row("a", 1, kDay1);
  a.user_id = "u1";
  a.team_id = "t1";
  a.organization_id = "o1";
  a.end_user = "c1";
  a.tags = {"prod", "prod", "blue"};  // a tag named twice counts once
  SpendRow b = spend_row("b", 2, kDay2);
  b.user_id = "u1";
  b.status = "failure";
  b.model_group = "claude";
  b.custom_llm_provider = "anthropic";
  b.tags = {"prod"};
  SpendRow c = spend_row("c", 4, kDay2);
  c.api_key = "hash-b";
  c.team_id = "t1";
  write({a, b, c});

  auto by_tag = totals(by(SpendGroup::tag));
  ASSERT_EQ(by_tag.size(), 2u);
  EXPECT_EQ(by_tag[0].group, "prod");
  EXPECT_EQ(by_tag[0].counters.spend, 3);
  EXPECT_EQ(by_tag[0].counters.api_requests, 2);
  EXPECT_EQ(by_tag[0].counters.failed_requests, 1);
  EXPECT_EQ(by_tag[1].group, "blue");

  auto by_date = totals(by(SpendGroup::date));
  ASSERT_EQ(by_date.size(), 2u);
  EXPECT_EQ(by_date[0].group, "2025-03-04");
  EXPECT_EQ(by_date[0].counters.spend, 1);
  EXPECT_EQ(by_date[1].group, "2025-03-05");
  EXPECT_EQ(by_date[1].counters.spend, 6);
  EXPECT_EQ(by_date[1].counters.successful_requests, 1);

  auto by_team = totals(by(SpendGroup::team));
  ASSERT_EQ(by_team.size(), 1u);
  EXPECT_EQ(by_team[0].group, "t1");
  EXPECT_EQ(by_team[0].counters.spend, 5);

  // A team's spend by model group, on the second day only.
  auto team_models = totals(
      by(SpendGroup::model_group, std::pair{SpendEntity::team, "t1"}, "2025-03-05", "2025-03-05"));
  ASSERT_EQ(team_models.size(), 1u);
  EXPECT_EQ(team_models[0].group, "gpt-4o");
  EXPECT_EQ(team_models[0].counters.spend, 4);

  auto providers = totals(by(SpendGroup::provider));
  ASSERT_EQ(providers.size(), 2u);
  EXPECT_EQ(providers[0].group, "openai");
  EXPECT_EQ(providers[0].counters.spend, 5);

  auto key_users = totals(by(SpendGroup::user, std::pair{SpendEntity::key, "hash-a"}));
  ASSERT_EQ(key_users.size(), 1u);
  EXPECT_EQ(key_users[0].counters.spend, 3);
  EXPECT_EQ(totals(by(SpendGroup::org))[0].group, "o1");
  EXPECT_EQ(totals(by(SpendGroup::end_user))[0].group, "c1");

  auto refused = store_->spend_totals(by(SpendGroup::tag, std::pair{SpendEntity::team, "t1"}));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().kind, ErrorKind::invalid_request);
}

TEST_P(SpendStoreTest, DailyRowsWithTheirKeysNewestFirst) {
  SpendRow a = spend_row("a", 1, kDay1);
  a.team_id = "t1";
  SpendRow b = spend_row("b", 2, kDay2);
  b.team_id = "t2";
  b.model = "claude-3";
  SpendRow c = spend_row("c", 4, kDay2);
  c.team_id = "t1";
  c.api_key = "hash-b";
  SpendRow d = spend_row("d", 8, kDay2);  // no team: only in the key rows
  write({a, b, c, d});

  DailySpendQuery teams;
  teams.kind = SpendEntity::team;
  auto rows = store_->daily_spend(teams);
  ASSERT_TRUE(rows.ok()) << rows.error().message;
  ASSERT_EQ(rows->size(), 3u);
  EXPECT_EQ((*rows)[0].key.date, "2025-03-05");
  EXPECT_EQ((*rows)[0].key.entity_id, "t1");
  EXPECT_EQ((*rows)[0].key.api_key, "hash-b");
  EXPECT_EQ((*rows)[0].counters.spend, 4);
  EXPECT_EQ((*rows)[1].key.entity_id, "t2");
  EXPECT_EQ((*rows)[1].key.model, "claude-3");
  EXPECT_EQ((*rows)[1].key.kind, SpendEntity::team);
  EXPECT_EQ((*rows)[2].key.date, "2025-03-04");
  EXPECT_EQ((*rows)[2].counters.prompt_tokens, 10);
  EXPECT_EQ((*rows)[2].counters.api_requests, 1);

  teams.entity_ids = std::vector<std::string>{"t1"};
  teams.start_date = "2025-03-05";
  auto t1 = store_->daily_spend(teams);
  ASSERT_TRUE(t1.ok());
  ASSERT_EQ(t1->size(), 1u);
  EXPECT_EQ((*t1)[0].counters.spend, 4);

  teams.entity_ids = std::vector<std::string>{};
  EXPECT_EQ(store_->count_daily_spend(teams).value(), 0);

  DailySpendQuery others;
  others.kind = SpendEntity::team;
  others.exclude_entity_ids = {"t1"};
  others.model = "claude-3";
  EXPECT_EQ(store_->count_daily_spend(others).value(), 1);
  others.model.reset();
  others.api_key = "hash-b";
  EXPECT_EQ(store_->count_daily_spend(others).value(), 0);

  DailySpendQuery keys;  // every request, as key rows
  keys.offset = 1;
  keys.limit = 1;
  auto paged = store_->daily_spend(keys);
  ASSERT_TRUE(paged.ok());
  ASSERT_EQ(paged->size(), 1u);
  // Day two's key rows: hash-a with claude-3, hash-a with gpt-4o (d), hash-b.
  EXPECT_EQ((*paged)[0].key.api_key, "hash-a");
  EXPECT_EQ((*paged)[0].key.model, "gpt-4o-2024-08-06");
  EXPECT_EQ((*paged)[0].counters.spend, 8);
  EXPECT_EQ(store_->count_daily_spend(keys).value(), 4);

  SpendQuery newest;
  newest.newest_first = true;
  EXPECT_EQ(logged_ids(newest), (std::vector<std::string>{"d", "c", "b", "a"}));
}

TEST_P(SpendStoreTest, SpendAddedToTheDocumentsARowNames) {
  insert_doc(Table::keys, "hash-a",
             {{"key_alias", "alias-a"}, {"spend", 1.5}, {"model_spend", {{"gpt-4o", 1.5}}}});
  insert_doc(Table::teams, "t1", {{"team_alias", "team"}});
  insert_doc(Table::users, "u1", {{"spend", "not a number"}});
  insert_doc(Table::end_users, "c1", {{"spend", 0}});
  insert_doc(Table::organizations, "o1", {{"spend", 10}});
  insert_doc(Table::memberships, "t1\nu1", {{"team_id", "t1"}, {"user_id", "u1"}});
  int64_t counter = *store_->change_counter();
  SpendRow a = spend_row("a", 0.5);
  a.user_id = "u1";
  a.team_id = "t1";
  a.organization_id = "o1";
  a.end_user = "c1";
  SpendRow b = a;
  b.request_id = "b";
  b.model_group = "claude \"3.5\" $.x";  // no JSON path is made of it
  b.spend = 0.25;
  SpendRow other = spend_row("other", 8);
  other.api_key = "hash-unknown";  // no such key: nothing to update, no error
  other.team_id = "t-unknown";
  EXPECT_EQ(write({a, b, other}).written, 3u);

  Row key = document(Table::keys, "hash-a");
  EXPECT_EQ(spend_of(key), 2.25);
  EXPECT_EQ(key.doc.at("key_alias"), "alias-a") << "the rest of the document kept";
  EXPECT_EQ(numbers_of(key.doc.at("model_spend")),
            (std::map<std::string, double>{{"gpt-4o", 2.0}, {b.model_group, 0.25}}));
  Row team = document(Table::teams, "t1");
  EXPECT_EQ(spend_of(team), 0.75);
  EXPECT_EQ(numbers_of(team.doc.at("model_spend")),
            (std::map<std::string, double>{{"gpt-4o", 0.5}, {b.model_group, 0.25}}));
  EXPECT_EQ(spend_of(document(Table::users, "u1")), 0.75) << "a non-number counts as 0";
  EXPECT_FALSE(document(Table::users, "u1").doc.contains("model_spend"));
  EXPECT_EQ(spend_of(document(Table::end_users, "c1")), 0.75);
  EXPECT_EQ(spend_of(document(Table::organizations, "o1")), 10.75);
  EXPECT_EQ(spend_of(document(Table::memberships, "t1\nu1")), 0.75);
  EXPECT_EQ(*store_->change_counter(), counter) << "spend writes do not invalidate caches";
}

TEST_P(SpendStoreTest, BadRowsRefusedTheRestWritten) {
  SpendRow bad_json = spend_row("bad-json", 1);
  bad_json.metadata = "{not json";
  SpendRow nan = spend_row("nan", std::nan(""));
  SpendRow nul = spend_row("nul", 1);
  nul.user_id = std::string("u\0", 2);
  SpendRow no_id = spend_row("", 1);
  EXPECT_EQ(write({bad_json, spend_row("good", 1), nan, nul, no_id}), (SpendWriteCounts{1, 0, 4}));
  EXPECT_EQ(logged_ids({}), std::vector<std::string>{"good"});
  EXPECT_EQ(totals({})[0].counters.api_requests, 1);
}

TEST_P(SpendStoreTest, WriteSpendInATransactionRollsBackWithIt) {
  insert_doc(Table::keys, "hash-a", {{"spend", 0}});
  std::vector<SpendRow> rows{spend_row("r1", 1)};
  auto failed = store_->transaction([&](Store& tx) -> Status {
    auto counts = tx.write_spend(rows);
    if (!counts) return counts.take_error();
    EXPECT_EQ(counts->written, 1u);
    EXPECT_EQ(*tx.count_spend_logs({}), 1) << "seen inside the transaction";
    return make_error(ErrorKind::internal, "abandon");
  });
  EXPECT_FALSE(failed.ok());
  EXPECT_EQ(*store_->count_spend_logs({}), 0);
  EXPECT_EQ(spend_of(document(Table::keys, "hash-a")), 0);
  EXPECT_TRUE(totals({}).empty());
  ASSERT_TRUE(store_
                  ->transaction([&](Store& tx) -> Status {
                    auto counts = tx.write_spend(rows);
                    if (!counts) return counts.take_error();
                    return ok_status();
                  })
                  .ok());
  EXPECT_EQ(spend_of(document(Table::keys, "hash-a")), 1);
}

// A version 2 database (made before spend logs) gains the spend tables when
// this build opens it, and keeps its rows.
TEST_P(SpendStoreTest, VersionTwoDatabaseGainsTheSpendTables) {
  insert_doc(Table::keys, "hash-a", {{"spend", 2}});
  store_.reset();
  raw("DROP TABLE routeiq_spend_logs");
  raw("DROP TABLE routeiq_daily_spend");
  raw("DELETE FROM routeiq_schema WHERE version = 3");
  auto version = database_schema_version(url_);
  ASSERT_TRUE(version.ok());
  EXPECT_EQ(*version, 2);
  store_ = open();
  ASSERT_NE(store_, nullptr);
  EXPECT_EQ(*database_schema_version(url_), 3);
  EXPECT_EQ(write({spend_row("r1", 0.5)}).written, 1u);
  EXPECT_EQ(spend_of(document(Table::keys, "hash-a")), 2.5);
  EXPECT_EQ(logged_ids({}), std::vector<std::string>{"r1"});
}

// Two instances (two stores on one database) adding to the same documents
// and daily rows at once: every increment lands.
TEST_P(SpendStoreTest, TwoInstancesWritingAtOnceLoseNothing) {
  insert_doc(Table::keys, "hash-a", {{"spend", 0}});
  insert_doc(Table::teams, "t1", {{"spend", 0}});
  auto second = open();
  ASSERT_NE(second, nullptr);
  constexpr int kBatches = 20, kRows = 10;
  std::atomic<int> failures = 0;
  auto run = [&](Store& store, std::string prefix) {
    for (int b = 0; b < kBatches; ++b) {
      std::vector<SpendRow> rows;
      for (int r = 0; r < kRows; ++r) {
        SpendRow row = spend_row(prefix + std::to_string(b) + "-" + std::to_string(r), 0.25);
        row.team_id = "t1";
        rows.push_back(row);
      }
      auto counts = store.write_spend(rows);
      if (!counts.ok() || counts->written != kRows) ++failures;
    }
  };
  std::thread one(run, std::ref(*store_), "one-");
  std::thread two(run, std::ref(*second), "two-");
  one.join();
  two.join();
  EXPECT_EQ(failures.load(), 0);
  const double expected = 2 * kBatches * kRows * 0.25;
  EXPECT_EQ(spend_of(document(Table::keys, "hash-a")), expected);
  EXPECT_EQ(spend_of(document(Table::teams, "t1")), expected);
  auto by_key = totals({});
  ASSERT_EQ(by_key.size(), 1u);
  EXPECT_EQ(by_key[0].counters.api_requests, 2 * kBatches * kRows);
  EXPECT_EQ(by_key[0].counters.spend, expected);
}

INSTANTIATE_TEST_SUITE_P(Backends, SpendStoreTest, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });

// ---- Pure: what a batch adds ------------------------------------------------

TEST(SpendIncrements, OneDailyRowPerEntityAndDocumentsSummed) {
  SpendRow a = spend_row("a", 1, kDay1);
  a.user_id = "u1";
  a.team_id = "t1";
  a.tags = {"x", "y"};
  SpendRow b = spend_row("b", 2, kDay1 + 3600000);
  b.user_id = "u1";
  b.status = "failure";
  SpendRow anonymous = spend_row("c", 4, kDay2);
  anonymous.api_key = "";
  std::vector<SpendRow> rows{a, b, anonymous};
  auto increments = spend_increments(rows);

  DailySpendKey user_key{"2025-03-04", SpendEntity::user, "u1",    "hash-a",
                         a.model,      "gpt-4o",          "openai"};
  ASSERT_TRUE(increments.daily.contains(user_key));
  SpendCounters user = increments.daily.at(user_key);
  EXPECT_EQ(user.spend, 3);
  EXPECT_EQ(user.api_requests, 2);
  EXPECT_EQ(user.successful_requests, 1);
  EXPECT_EQ(user.failed_requests, 1);
  EXPECT_EQ(user.prompt_tokens, 20);
  // key rows: a+b on day 1, and the keyless request under "" on day 2.
  DailySpendKey keyless{"2025-03-05", SpendEntity::key, "", "", a.model, "gpt-4o", "openai"};
  ASSERT_TRUE(increments.daily.contains(keyless));
  EXPECT_EQ(increments.daily.at(keyless).spend, 4);
  // day 1: key, user, team, tag x, tag y; day 2: key.
  EXPECT_EQ(increments.daily.size(), 6u);

  auto key = increments.documents.at({Table::keys, "hash-a"});
  EXPECT_EQ(key.spend, 3);
  EXPECT_EQ(key.model_spend, (std::map<std::string, double>{{"gpt-4o", 3}}));
  EXPECT_EQ(increments.documents.at({Table::users, "u1"}).spend, 3);
  EXPECT_TRUE(increments.documents.at({Table::users, "u1"}).model_spend.empty());
  EXPECT_EQ(increments.documents.at({Table::memberships, "t1\nu1"}).spend, 1);
  EXPECT_FALSE(increments.documents.contains({Table::keys, ""}));
  EXPECT_EQ(increments.documents.size(), 4u);  // key, user, team, membership
}

TEST(SpendIncrements, UtcDates) {
  EXPECT_EQ(utc_date(0), "1970-01-01");
  EXPECT_EQ(utc_date(kDay1), "2025-03-04");
  EXPECT_EQ(utc_date(1741132799999), "2025-03-04");  // 23:59:59.999
  EXPECT_EQ(utc_date(1741132800000), "2025-03-05");
}

}  // namespace
}  // namespace routeiq::store
