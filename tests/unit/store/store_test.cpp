// The same behaviour asked of both backends: SQLite in a temporary directory,
// PostgreSQL 15 as a real server started for this test run (pg_server.hpp).
#include "routeiq/store/store.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <filesystem>
#include <thread>

#include "pg_server.hpp"

namespace routeiq::store {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using namespace std::chrono_literals;

test::PgServer* shared_server(std::string& error) {
  return test::shared_pg_server(error);
}

fs::path make_temp_dir() {
  std::string pattern = (fs::temp_directory_path() / "routeiq-store-XXXXXX").string();
  EXPECT_NE(mkdtemp(pattern.data()), nullptr);
  return pattern;
}

Row key_row(std::string id, json::object doc) {
  return Row{std::move(id), std::move(doc)};
}

// Queries spelled out: GCC warns about designated initializers that leave
// members out.
Query where(std::vector<std::pair<std::string, std::string>> equals,
            std::vector<std::string> ids = {}) {
  Query query;
  query.equals = std::move(equals);
  query.ids = std::move(ids);
  return query;
}

Query only(std::vector<std::string> ids) {
  return where({}, std::move(ids));
}

Query page(size_t offset, size_t limit = 100) {
  Query query;
  query.offset = offset;
  query.limit = limit;
  return query;
}

std::vector<std::string> ids_of(const std::vector<Row>& rows) {
  std::vector<std::string> ids;
  for (const auto& row : rows) ids.push_back(row.id);
  return ids;
}

class StoreTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (sqlite()) {
      dir_ = make_temp_dir();
      url_ = "sqlite://" + (dir_ / "store.db").string();
    } else {
      std::string error;
      server_ = shared_server(error);
      ASSERT_NE(server_, nullptr) << error;
      static int databases = 0;
      database_ = "store_test_" + std::to_string(++databases);
      ASSERT_TRUE(server_->create_database(database_, error)) << error;
      url_ = server_->url(database_);
    }
    reopen();
  }

  void TearDown() override {
    store_.reset();
    std::error_code ec;
    if (!dir_.empty()) fs::remove_all(dir_, ec);
  }

  bool sqlite() const { return GetParam() == "sqlite"; }

  void reopen() {
    store_.reset();
    auto opened = open_store(url_, options_);
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    store_ = std::move(opened.value());
  }

  // A statement run beside the store, as another program would: the first
  // column of the first row, or "".
  std::string raw(const std::string& sql) {
    if (!sqlite()) {
      std::string error;
      auto value = server_->query(database_, sql, error);
      EXPECT_TRUE(value.has_value()) << error;
      return value.value_or("");
    }
    sqlite3* db = nullptr;
    EXPECT_EQ(sqlite3_open((dir_ / "store.db").c_str(), &db), SQLITE_OK);
    sqlite3_stmt* stmt = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr), SQLITE_OK)
        << sqlite3_errmsg(db);
    std::string value;
    int rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW && sqlite3_column_text(stmt, 0))
      value = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
    EXPECT_TRUE(rc == SQLITE_ROW || rc == SQLITE_DONE) << sqlite3_errmsg(db);
    sqlite3_finalize(stmt);
    sqlite3_close(db);
    return value;
  }

  int64_t counter() {
    auto n = store_->change_counter();
    EXPECT_TRUE(n.ok()) << n.error().message;
    return n.ok() ? *n : -1;
  }

  std::vector<std::string> list_ids(Table table, const Query& query) {
    auto rows = store_->list(table, query);
    EXPECT_TRUE(rows.ok()) << rows.error().message;
    return rows.ok() ? ids_of(*rows) : std::vector<std::string>{};
  }

  // Rows created in distinct milliseconds, so their order is the insertion
  // order (equal times fall back to the id).
  void insert_slowly(Table table, const std::vector<Row>& rows) {
    for (const auto& row : rows) {
      auto inserted = store_->insert(table, row);
      ASSERT_TRUE(inserted.ok()) << inserted.error().message;
      ASSERT_TRUE(*inserted);
      std::this_thread::sleep_for(3ms);
    }
  }

  OpenOptions options_{.pool_limit = 4, .connect_timeout_s = 5};
  fs::path dir_;
  test::PgServer* server_ = nullptr;
  std::string database_, url_;
  std::unique_ptr<Store> store_;
};

TEST_P(StoreTest, ReportsItsBackend) {
  EXPECT_EQ(store_->backend(), GetParam());
}

TEST_P(StoreTest, InsertGetUpdateRemove) {
  auto missing = store_->get(Table::keys, "k1");
  ASSERT_TRUE(missing.ok()) << missing.error().message;
  EXPECT_FALSE(missing->has_value());

  json::object doc{{"key_alias", "alias"}, {"spend", 1.5}, {"models", json::array{"a", "b"}}};
  auto inserted = store_->insert(Table::keys, key_row("k1", doc));
  ASSERT_TRUE(inserted.ok()) << inserted.error().message;
  EXPECT_TRUE(*inserted);

  auto got = store_->get(Table::keys, "k1");
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ((*got)->id, "k1");
  EXPECT_EQ((*got)->doc, doc);
  EXPECT_GT((*got)->created_ms, 1'600'000'000'000);
  EXPECT_EQ((*got)->updated_ms, (*got)->created_ms);

  auto again = store_->insert(Table::keys, key_row("k1", {{"key_alias", "other"}}));
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(*again);
  EXPECT_EQ((*store_->get(Table::keys, "k1"))->doc, doc);

  std::this_thread::sleep_for(3ms);
  json::object changed{{"key_alias", "renamed"}};
  auto updated = store_->update(Table::keys, key_row("k1", changed));
  ASSERT_TRUE(updated.ok()) << updated.error().message;
  EXPECT_TRUE(*updated);
  auto after = store_->get(Table::keys, "k1");
  EXPECT_EQ((*after)->doc, changed);
  EXPECT_EQ((*after)->created_ms, (*got)->created_ms);
  EXPECT_GT((*after)->updated_ms, (*got)->updated_ms);

  auto no_such = store_->update(Table::keys, key_row("nope", changed));
  ASSERT_TRUE(no_such.ok());
  EXPECT_FALSE(*no_such);
  EXPECT_FALSE(store_->get(Table::keys, "nope")->has_value());

  // Tables are separate: the same id elsewhere is another row.
  EXPECT_FALSE(store_->get(Table::deleted_keys, "k1")->has_value());

  auto removed = store_->remove(Table::keys, "k1");
  ASSERT_TRUE(removed.ok());
  EXPECT_TRUE(*removed);
  EXPECT_FALSE(*store_->remove(Table::keys, "k1"));
  EXPECT_FALSE(store_->get(Table::keys, "k1")->has_value());
}

TEST_P(StoreTest, EveryTableStoresRows) {
  for (auto table : {Table::keys, Table::deleted_keys, Table::teams, Table::users, Table::end_users,
                     Table::organizations, Table::budgets, Table::memberships}) {
    ASSERT_TRUE(*store_->insert(table, key_row("team-1\nuser-1", {{"n", 1}}))) << table_name(table);
    EXPECT_EQ(*store_->count(table, {}), 1) << table_name(table);
  }
}

TEST_P(StoreTest, GetLinkedReadsARowWithTheRowsItsColumnsName) {
  ASSERT_TRUE(*store_->insert(Table::teams, key_row("t1", {{"models", json::array{"m"}}})));
  ASSERT_TRUE(*store_->insert(Table::users, key_row("u1", {{"user_role", "internal_user"}})));
  ASSERT_TRUE(*store_->insert(Table::keys, key_row("k1", {{"team_id", "t1"}, {"user_id", "u1"}})));
  ASSERT_TRUE(*store_->insert(Table::keys, key_row("k2", {{"team_id", "gone"}})));
  const std::vector<Link> owners = {{"team_id", Table::teams}, {"user_id", Table::users}};
  auto both = store_->get_linked(Table::keys, "k1", owners);
  ASSERT_TRUE(both.ok()) << both.error().message;
  ASSERT_EQ(both->size(), 3u);
  ASSERT_TRUE((*both)[0] && (*both)[1] && (*both)[2]);
  EXPECT_EQ((*both)[0]->id, "k1");
  EXPECT_EQ((*both)[1]->id, "t1");
  EXPECT_EQ((*both)[1]->doc.at("models"), (json::array{"m"}));
  EXPECT_EQ((*both)[2]->doc.at("user_role"), "internal_user");
  EXPECT_GT((*both)[1]->created_ms, 0);
  auto dangling = store_->get_linked(Table::keys, "k2", owners);
  ASSERT_TRUE(dangling.ok());
  EXPECT_TRUE((*dangling)[0]);
  EXPECT_FALSE((*dangling)[1]) << "a team that does not exist";
  EXPECT_FALSE((*dangling)[2]) << "no user_id";
  auto missing = store_->get_linked(Table::keys, "nope", owners);
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE((*missing)[0]);
  EXPECT_FALSE(store_->get_linked(Table::keys, "k1", {{"doc", Table::teams}}).ok())
      << "only indexed columns link";
}

TEST_P(StoreTest, ListsInCreationOrderWithOffsetAndLimit) {
  insert_slowly(Table::teams, {key_row("c", {}), key_row("a", {}), key_row("e", {}),
                               key_row("b", {}), key_row("d", {})});
  EXPECT_EQ(list_ids(Table::teams, {}), (std::vector<std::string>{"c", "a", "e", "b", "d"}));
  EXPECT_EQ(list_ids(Table::teams, page(1, 2)), (std::vector<std::string>{"a", "e"}));
  EXPECT_EQ(list_ids(Table::teams, page(4, 10)), (std::vector<std::string>{"d"}));
  EXPECT_TRUE(list_ids(Table::teams, page(5)).empty());
  EXPECT_TRUE(list_ids(Table::teams, page(0, 0)).empty());
  EXPECT_EQ(list_ids(Table::teams, page(0, kMaxListLimit * 10)).size(), 5u);
  EXPECT_EQ(list_ids(Table::teams, page(SIZE_MAX)).size(), 0u);

  // Updating does not move a row.
  ASSERT_TRUE(*store_->update(Table::teams, key_row("c", {{"x", 1}})));
  EXPECT_EQ(list_ids(Table::teams, page(0, 1)), (std::vector<std::string>{"c"}));
}

TEST_P(StoreTest, EqualsFiltersOnIndexedColumns) {
  insert_slowly(Table::keys, {key_row("k1", {{"team_id", "t1"}, {"user_id", "u1"}}),
                              key_row("k2", {{"team_id", "t1"}, {"user_id", "u2"}}),
                              key_row("k3", {{"team_id", "t2"}, {"user_id", "u1"}}),
                              // Not a string: NULL in the column, matched by nothing.
                              key_row("k4", {{"team_id", 7}, {"user_id", nullptr}})});
  EXPECT_EQ(list_ids(Table::keys, where({{"team_id", "t1"}})),
            (std::vector<std::string>{"k1", "k2"}));
  EXPECT_EQ(list_ids(Table::keys, where({{"team_id", "t1"}, {"user_id", "u1"}})),
            (std::vector<std::string>{"k1"}));
  EXPECT_TRUE(list_ids(Table::keys, where({{"team_id", "7"}})).empty());
  EXPECT_TRUE(list_ids(Table::keys, where({{"team_id", "T1"}})).empty());
  EXPECT_EQ(*store_->count(Table::keys, where({{"user_id", "u1"}})), 2);

  // The columns follow the document on update, and go with the row.
  ASSERT_TRUE(*store_->update(Table::keys, key_row("k3", {{"team_id", "t1"}})));
  EXPECT_EQ(list_ids(Table::keys, where({{"team_id", "t1"}})),
            (std::vector<std::string>{"k1", "k2", "k3"}));
  EXPECT_EQ(*store_->count(Table::keys, where({{"user_id", "u1"}})), 1);
  ASSERT_TRUE(*store_->remove(Table::keys, "k1"));
  EXPECT_EQ(*store_->count(Table::keys, where({{"team_id", "t1"}})), 2);
}

TEST_P(StoreTest, IdsFilter) {
  insert_slowly(Table::users,
                {key_row("u1", {{"user_email", "a@x"}}), key_row("u2", {{"user_email", "b@x"}}),
                 key_row("u3", {{"user_email", "a@x"}})});
  EXPECT_EQ(list_ids(Table::users, only({"u3", "u1", "missing"})),
            (std::vector<std::string>{"u1", "u3"}));
  EXPECT_EQ(list_ids(Table::users, where({{"user_email", "a@x"}}, {"u2", "u3"})),
            (std::vector<std::string>{"u3"}));
  EXPECT_EQ(*store_->count(Table::users, only({"u1", "u2", "u2"})), 2);
  std::vector<std::string> many;
  for (int i = 0; i < 2000; ++i) many.push_back("u" + std::to_string(i));
  EXPECT_EQ(list_ids(Table::users, only(many)).size(), 3u);

  std::vector<std::string> too_many(kMaxListLimit + 1, "u1");
  auto refused = store_->list(Table::users, only(too_many));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().kind, ErrorKind::invalid_request);
}

TEST_P(StoreTest, UnknownColumnRefusedByName) {
  for (const std::string& column : {std::string("doc"), std::string("id"), std::string("user_id"),
                                    std::string("team_alias = team_alias OR 1=1; --")}) {
    auto listed = store_->list(Table::teams, where({{column, "x"}}));
    ASSERT_FALSE(listed.ok()) << column;
    EXPECT_EQ(listed.error().kind, ErrorKind::invalid_request);
    EXPECT_NE(listed.error().message.find(column), std::string::npos) << listed.error().message;
    auto counted = store_->count(Table::teams, where({{column, "x"}}));
    ASSERT_FALSE(counted.ok());
    EXPECT_EQ(counted.error().kind, ErrorKind::invalid_request);
  }
  EXPECT_TRUE(store_->list(Table::budgets, {}).ok());
  EXPECT_FALSE(store_->list(Table::budgets, where({{"budget_id", "b"}})).ok());
}

TEST_P(StoreTest, CountIgnoresOffsetAndLimit) {
  EXPECT_EQ(*store_->count(Table::organizations, {}), 0);
  for (int i = 0; i < 7; ++i)
    ASSERT_TRUE(*store_->insert(
        Table::organizations,
        key_row("o" + std::to_string(i), {{"organization_alias", i % 2 ? "odd" : "even"}})));
  EXPECT_EQ(*store_->count(Table::organizations, page(3, 1)), 7);
  EXPECT_EQ(*store_->count(Table::organizations, where({{"organization_alias", "odd"}})), 3);
}

TEST_P(StoreTest, TransactionCommits) {
  int64_t before = counter();
  auto done = store_->transaction([](Store& tx) -> Status {
    auto a = tx.insert(Table::teams, key_row("t1", {{"team_alias", "one"}}));
    if (!a) return a.take_error();
    auto b = tx.insert(Table::memberships, key_row("t1\nu1", {{"team_id", "t1"}}));
    if (!b) return b.take_error();
    // The transaction's own writes are visible inside it.
    auto seen = tx.get(Table::teams, "t1");
    if (!seen || !seen->has_value()) return make_error(ErrorKind::internal, "not seen");
    auto n = tx.count(Table::memberships, where({{"team_id", "t1"}}));
    if (!n || *n != 1) return make_error(ErrorKind::internal, "not counted");
    return ok_status();
  });
  ASSERT_TRUE(done.ok()) << done.error().message;
  EXPECT_TRUE(store_->get(Table::teams, "t1")->has_value());
  EXPECT_TRUE(store_->get(Table::memberships, "t1\nu1")->has_value());
  EXPECT_EQ(counter(), before + 2);
}

TEST_P(StoreTest, TransactionRollsBackOnError) {
  ASSERT_TRUE(*store_->insert(Table::teams, key_row("kept", {{"team_alias", "k"}})));
  int64_t before = counter();
  auto done = store_->transaction([](Store& tx) -> Status {
    (void)tx.insert(Table::teams, key_row("t1", {}));
    (void)tx.update(Table::teams, key_row("kept", {{"team_alias", "changed"}}));
    (void)tx.remove(Table::teams, "kept");
    return make_error(ErrorKind::forbidden, "no, after all");
  });
  ASSERT_FALSE(done.ok());
  EXPECT_EQ(done.error().kind, ErrorKind::forbidden);
  EXPECT_EQ(done.error().message, "no, after all");
  EXPECT_FALSE(store_->get(Table::teams, "t1")->has_value());
  EXPECT_EQ((*store_->get(Table::teams, "kept"))->doc, (json::object{{"team_alias", "k"}}));
  EXPECT_EQ(counter(), before);

  // A failed call inside rolls back even when the work ignores it.
  auto ignored = store_->transaction([](Store& tx) -> Status {
    (void)tx.insert(Table::teams, key_row("t2", {}));
    (void)tx.list(Table::teams, where({{"bogus", "x"}}));
    return ok_status();
  });
  ASSERT_FALSE(ignored.ok());
  EXPECT_EQ(ignored.error().kind, ErrorKind::invalid_request);
  EXPECT_FALSE(store_->get(Table::teams, "t2")->has_value());
  EXPECT_EQ(counter(), before);

  auto nested = store_->transaction(
      [](Store& tx) -> Status { return tx.transaction([](Store&) { return ok_status(); }); });
  EXPECT_FALSE(nested.ok());

  // And the store is usable afterwards.
  EXPECT_TRUE(*store_->insert(Table::teams, key_row("t3", {})));
}

TEST_P(StoreTest, ChangeCounterMovesOnWritesOnly) {
  int64_t n = counter();
  EXPECT_EQ(counter(), n);
  ASSERT_TRUE(*store_->insert(Table::keys, key_row("k", {{"key_alias", "a"}})));
  EXPECT_EQ(counter(), n + 1);
  (void)store_->get(Table::keys, "k");
  (void)store_->list(Table::keys, {});
  (void)store_->count(Table::keys, {});
  EXPECT_EQ(counter(), n + 1);
  ASSERT_FALSE(*store_->insert(Table::keys, key_row("k", {})));
  ASSERT_FALSE(*store_->update(Table::keys, key_row("other", {})));
  ASSERT_FALSE(*store_->remove(Table::keys, "other"));
  EXPECT_EQ(counter(), n + 1);
  ASSERT_TRUE(*store_->update(Table::keys, key_row("k", {{"key_alias", "b"}})));
  EXPECT_EQ(counter(), n + 2);
  ASSERT_TRUE(*store_->remove(Table::keys, "k"));
  EXPECT_EQ(counter(), n + 3);
}

// Gateways sharing the database see each other's writes and counter.
TEST_P(StoreTest, InstancesSharingTheDatabaseShareTheCounter) {
  auto other = open_store(url_, options_);
  ASSERT_TRUE(other.ok()) << other.error().message;
  int64_t seen = *(*other)->change_counter();
  ASSERT_TRUE(*store_->insert(Table::end_users, key_row("e1", {{"alias", "a"}})));
  EXPECT_EQ(*(*other)->change_counter(), seen + 1);
  EXPECT_TRUE((*other)->get(Table::end_users, "e1")->has_value());
  ASSERT_TRUE(*(*other)->remove(Table::end_users, "e1"));
  EXPECT_EQ(counter(), seen + 2);
  EXPECT_FALSE(store_->get(Table::end_users, "e1")->has_value());
}

TEST_P(StoreTest, HostileValuesStoredIntact) {
  std::string quotes = "it's a \"key\" `with` \\back\\slashes";
  std::string injection = "'; DROP TABLE routeiq_keys; --";
  std::string unicode = "ключ 🔑 日本語 ǅ \u200b e\u0301";
  std::string control;
  for (int c = 1; c < 0x20; ++c) control += static_cast<char>(c);
  control += "\x7f\u00ff\U0010ffff";
  std::string big(1 << 20, 'm');
  for (size_t i = 0; i < big.size(); i += 997) big[i] = "'\"\\;%_\n"[i % 7];

  std::vector<std::string> ids = {quotes, injection, unicode, control, "%", "_", "*"};
  for (const auto& id : ids) {
    json::object doc{{"key_alias", id},
                     {"team_id", injection},
                     {id, id},
                     {"metadata", json::object{{"big", big}, {"nested", json::array{id}}}}};
    auto inserted = store_->insert(Table::keys, key_row(id, doc));
    ASSERT_TRUE(inserted.ok()) << inserted.error().message;
    ASSERT_TRUE(*inserted);
    auto got = store_->get(Table::keys, id);
    ASSERT_TRUE(got.ok() && got->has_value()) << id;
    EXPECT_EQ((*got)->id, id);
    EXPECT_TRUE((*got)->doc == doc) << id;
    EXPECT_EQ(list_ids(Table::keys, where({{"key_alias", id}})), (std::vector<std::string>{id}));
  }
  EXPECT_EQ(*store_->count(Table::keys, where({{"team_id", injection}})),
            static_cast<int64_t>(ids.size()));
  EXPECT_EQ(*store_->count(Table::keys, only(ids)), static_cast<int64_t>(ids.size()));
  EXPECT_TRUE(list_ids(Table::keys, where({{"key_alias", "%"}})).size() == 1);
  auto listed = store_->list(Table::keys, {});
  ASSERT_TRUE(listed.ok());
  EXPECT_EQ(listed->size(), ids.size());
}

TEST_P(StoreTest, RefusesWhatTheBackendsCannotAgreeOn) {
  auto nul_id = store_->insert(Table::keys, key_row(std::string("a\0b", 3), {}));
  ASSERT_FALSE(nul_id.ok());
  EXPECT_EQ(nul_id.error().kind, ErrorKind::invalid_request);
  EXPECT_EQ(store_->insert(Table::keys, key_row("", {})).error().kind, ErrorKind::invalid_request);
  auto nul_column =
      store_->insert(Table::keys, key_row("k", {{"key_alias", std::string("a\0b", 3)}}));
  EXPECT_EQ(nul_column.error().kind, ErrorKind::invalid_request);
  auto bad_utf8 = store_->insert(Table::keys, key_row("k", {{"x", "\xff\xfe"}}));
  EXPECT_EQ(bad_utf8.error().kind, ErrorKind::invalid_request);
  auto nul_query = store_->list(Table::keys, where({{"key_alias", std::string("\0", 1)}}));
  EXPECT_EQ(nul_query.error().kind, ErrorKind::invalid_request);
  EXPECT_EQ(*store_->count(Table::keys, {}), 0);
}

TEST_P(StoreTest, ReopeningKeepsDataAndSkipsMigrations) {
  ASSERT_TRUE(*store_->insert(Table::budgets, key_row("b1", {{"max_budget", 10}})));
  int64_t n = counter();
  std::string applied = raw("SELECT applied_ms FROM routeiq_schema WHERE version = 1");
  EXPECT_EQ(raw("SELECT COUNT(*) FROM routeiq_schema"), std::to_string(schema_version()));
  std::this_thread::sleep_for(5ms);
  reopen();
  reopen();
  EXPECT_EQ((*store_->get(Table::budgets, "b1"))->doc, (json::object{{"max_budget", 10}}));
  EXPECT_EQ(counter(), n);
  EXPECT_EQ(raw("SELECT COUNT(*) FROM routeiq_schema"), std::to_string(schema_version()));
  EXPECT_EQ(raw("SELECT applied_ms FROM routeiq_schema WHERE version = 1"), applied);
}

// A version 1 database (made before deployments were stored) gains the
// models table when a newer build opens it, and keeps its rows.
TEST_P(StoreTest, VersionOneDatabaseGainsTheModelsTable) {
  ASSERT_TRUE(*store_->insert(Table::teams, key_row("t1", {{"team_alias", "a"}})));
  store_.reset();
  raw("DROP TABLE routeiq_models");
  raw("DROP TABLE routeiq_spend_logs");
  raw("DROP TABLE routeiq_daily_spend");
  raw("DELETE FROM routeiq_schema WHERE version >= 2");
  reopen();
  EXPECT_EQ(raw("SELECT COUNT(*) FROM routeiq_schema"), std::to_string(schema_version()));
  EXPECT_TRUE((*store_->get(Table::teams, "t1")).has_value());
  json::object doc{{"model_name", "gpt-4o"}, {"litellm_params", {{"model", "openai/gpt-4o"}}}};
  ASSERT_TRUE(*store_->insert(Table::models, key_row("m1", doc)));
  auto found = store_->list(Table::models, where({{"model_name", "gpt-4o"}}));
  ASSERT_TRUE(found.ok());
  ASSERT_EQ(found->size(), 1u);
  EXPECT_EQ(found->front().doc, doc);
}

TEST_P(StoreTest, NewerSchemaRefused) {
  store_.reset();
  int newer = schema_version() + 1;
  raw("INSERT INTO routeiq_schema (version, applied_ms) VALUES (" + std::to_string(newer) + ", 0)");
  auto opened = open_store(url_, options_);
  ASSERT_FALSE(opened.ok());
  EXPECT_NE(opened.error().message.find("newer"), std::string::npos) << opened.error().message;
  EXPECT_NE(opened.error().message.find(std::to_string(newer)), std::string::npos);
}

TEST_P(StoreTest, CorruptRowIsAnErrorNotACrash) {
  ASSERT_TRUE(*store_->insert(Table::users, key_row("u1", {{"user_email", "a@x"}})));
  // JSONB only holds valid JSON: a non-object stands for corruption there.
  raw(sqlite() ? "UPDATE routeiq_users SET doc = '{\"user_email\": ' WHERE id = 'u1'"
               : "UPDATE routeiq_users SET doc = '[1, 2]' WHERE id = 'u1'");
  auto got = store_->get(Table::users, "u1");
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.error().kind, ErrorKind::internal);
  EXPECT_FALSE(store_->list(Table::users, {}).ok());
  EXPECT_EQ(*store_->count(Table::users, {}), 1);
}

// Threads writing at once: every write lands, and read-modify-write inside
// transaction() loses no increment.
TEST_P(StoreTest, ConcurrentCallersFromSeveralThreads) {
  ASSERT_TRUE(*store_->insert(Table::budgets, key_row("shared", {{"n", 0}})));
  constexpr int kThreads = 4, kEach = 15;
  std::atomic<int> failures = 0;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        std::string id = "t" + std::to_string(t) + "-" + std::to_string(i);
        if (!store_->insert(Table::teams, key_row(id, {{"team_alias", id}})).ok()) ++failures;
        auto done = store_->transaction([](Store& tx) -> Status {
          auto row = tx.get(Table::budgets, "shared");
          if (!row) return row.take_error();
          if (!row->has_value()) return make_error(ErrorKind::internal, "gone");
          Row next = std::move(**row);
          next.doc["n"] = next.doc["n"].as_int64() + 1;
          auto updated = tx.update(Table::budgets, next);
          if (!updated) return updated.take_error();
          return ok_status();
        });
        if (!done.ok()) ++failures;
      }
    });
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(*store_->count(Table::teams, {}), kThreads * kEach);
  EXPECT_EQ((*store_->get(Table::budgets, "shared"))->doc.at("n").as_int64(), kThreads * kEach);
}

TEST_P(StoreTest, PutWritesTheRowsOwnTimesAndReplacesWhole) {
  Row imported{"k1", {{"key_alias", "a"}, {"spend", 1.5}}, 1714564800123, 1717200000000};
  int64_t before = counter();
  ASSERT_TRUE(store_->put(Table::keys, imported).ok());
  auto stored = store_->get(Table::keys, "k1");
  ASSERT_TRUE(stored.ok() && stored->has_value());
  EXPECT_EQ((*stored)->doc, imported.doc);
  EXPECT_EQ((*stored)->created_ms, 1714564800123);
  EXPECT_EQ((*stored)->updated_ms, 1717200000000);
  EXPECT_GT(counter(), before);
  // Again, changed: the same row replaced, no second row; indexed columns follow.
  Row again{"k1", {{"team_id", "t1"}}, 1714564800000, 1717200000999};
  ASSERT_TRUE(store_->transaction([&](Store& tx) { return tx.put(Table::keys, again); }).ok());
  stored = store_->get(Table::keys, "k1");
  EXPECT_EQ((*stored)->doc, again.doc);
  EXPECT_EQ((*stored)->created_ms, 1714564800000);
  EXPECT_EQ((*stored)->updated_ms, 1717200000999);
  EXPECT_EQ(*store_->count(Table::keys, {}), 1);
  EXPECT_EQ(list_ids(Table::keys, where({{"team_id", "t1"}})), std::vector<std::string>{"k1"});
  EXPECT_TRUE(list_ids(Table::keys, where({{"key_alias", "a"}})).empty());
}

TEST_P(StoreTest, SchemaVersionReadWithoutMigrating) {
  auto version = database_schema_version(url_, options_);
  ASSERT_TRUE(version.ok()) << version.error().message;
  EXPECT_EQ(*version, schema_version());
  store_.reset();
  raw("DELETE FROM routeiq_schema");
  version = database_schema_version(url_, options_);
  ASSERT_TRUE(version.ok()) << version.error().message;
  EXPECT_EQ(*version, 0);
  EXPECT_EQ(raw("SELECT COUNT(*) FROM routeiq_schema"), "0") << "nothing migrated";
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreTest, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });

// ---- Not per backend --------------------------------------------------------

TEST(StoreTables, NamesAndColumns) {
  EXPECT_EQ(table_name(Table::keys), "routeiq_keys");
  EXPECT_EQ(table_name(Table::memberships), "routeiq_memberships");
  EXPECT_EQ(indexed_columns(Table::keys),
            (std::vector<std::string_view>{"key_alias", "user_id", "team_id", "organization_id"}));
  EXPECT_EQ(indexed_columns(Table::teams),
            (std::vector<std::string_view>{"team_alias", "organization_id"}));
  EXPECT_EQ(indexed_columns(Table::users),
            (std::vector<std::string_view>{"user_email", "organization_id"}));
  EXPECT_EQ(indexed_columns(Table::end_users), (std::vector<std::string_view>{"alias"}));
  EXPECT_TRUE(indexed_columns(Table::budgets).empty());
  EXPECT_EQ(table_name(Table::models), "routeiq_models");
  EXPECT_EQ(indexed_columns(Table::models), (std::vector<std::string_view>{"model_name"}));
  EXPECT_GE(schema_version(), 2);
}

class OpenStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = make_temp_dir(); }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  fs::path dir_;
};

TEST_F(OpenStoreTest, SqliteUrlForms) {
  auto absolute = open_store("sqlite://" + (dir_ / "abs.db").string());
  ASSERT_TRUE(absolute.ok()) << absolute.error().message;
  EXPECT_EQ((*absolute)->backend(), "sqlite");
  EXPECT_TRUE(fs::exists(dir_ / "abs.db"));

  auto plain = open_store((dir_ / "plain.db").string());
  ASSERT_TRUE(plain.ok()) << plain.error().message;
  EXPECT_TRUE(fs::exists(dir_ / "plain.db"));

  auto cwd = fs::current_path();
  fs::current_path(dir_);
  auto relative = open_store("sqlite://relative.db");
  fs::current_path(cwd);
  ASSERT_TRUE(relative.ok()) << relative.error().message;
  EXPECT_TRUE(fs::exists(dir_ / "relative.db"));

  // WAL, so readers in other processes go on while one writes.
  EXPECT_TRUE(fs::exists(dir_ / "abs.db-wal"));
}

TEST_F(OpenStoreTest, SchemaVersionOfNoDatabaseIsZeroAndMakesNoFile) {
  auto version = database_schema_version("sqlite://" + (dir_ / "none.db").string());
  ASSERT_TRUE(version.ok()) << version.error().message;
  EXPECT_EQ(*version, 0);
  EXPECT_FALSE(fs::exists(dir_ / "none.db"));
  ASSERT_TRUE(open_store("sqlite://" + (dir_ / "some.db").string()).ok());
  EXPECT_EQ(*database_schema_version((dir_ / "some.db").string()), schema_version());
  EXPECT_FALSE(database_schema_version("mysql://u:hunter2@db/x").ok());
}

TEST_F(OpenStoreTest, BadUrlsRefusedWithoutThePassword) {
  auto mysql = open_store("mysql://admin:hunter2secret@db:3306/litellm");
  ASSERT_FALSE(mysql.ok());
  EXPECT_EQ(mysql.error().kind, ErrorKind::invalid_request);
  EXPECT_NE(mysql.error().message.find("\"mysql\""), std::string::npos) << mysql.error().message;
  EXPECT_EQ(mysql.error().message.find("hunter2secret"), std::string::npos);

  EXPECT_EQ(open_store("").error().kind, ErrorKind::invalid_request);
  EXPECT_EQ(open_store("sqlite://").error().kind, ErrorKind::invalid_request);

  auto bad_uri = open_store("postgresql://admin:hunter2secret@db:notaport/x?bogus_option=1");
  ASSERT_FALSE(bad_uri.ok());
  EXPECT_EQ(bad_uri.error().kind, ErrorKind::invalid_request);
  EXPECT_EQ(bad_uri.error().message.find("hunter2secret"), std::string::npos)
      << bad_uri.error().message;

  auto cannot_open = open_store((dir_ / "no" / "such" / "dir.db").string());
  ASSERT_FALSE(cannot_open.ok());
  EXPECT_NE(cannot_open.error().message.find("dir.db"), std::string::npos);
}

TEST_F(OpenStoreTest, UnreachablePostgresIsUnavailableWithoutThePassword) {
  std::string error;
  ASSERT_NE(shared_server(error), nullptr) << error;  // a port nobody listens on:
  int port = shared_server(error)->port();
  std::string url = "postgres://admin:hunter2%40secret@127.0.0.1:" + std::to_string(port + 1) +
                    "/routeiq?sslmode=disable";
  auto started = std::chrono::steady_clock::now();
  auto opened = open_store(url, {.pool_limit = 2, .connect_timeout_s = 2});
  ASSERT_FALSE(opened.ok());
  EXPECT_LT(std::chrono::steady_clock::now() - started, 10s);
  EXPECT_EQ(opened.error().kind, ErrorKind::db_unavailable) << opened.error().message;
  EXPECT_EQ(opened.error().message.find("hunter2"), std::string::npos) << opened.error().message;
  EXPECT_EQ(opened.error().message.find("@secret"), std::string::npos);

  // Wrong password on a server that checks none is still refused for the
  // database that does not exist, and says so without the password.
  auto no_db = open_store("postgresql://postgres:hunter2secret@127.0.0.1:" + std::to_string(port) +
                          "/no_such_database?sslmode=disable");
  ASSERT_FALSE(no_db.ok());
  EXPECT_EQ(no_db.error().message.find("hunter2secret"), std::string::npos);
  EXPECT_NE(no_db.error().message.find("no_such_database"), std::string::npos)
      << no_db.error().message;
}

// ---- PostgreSQL only --------------------------------------------------------

class PostgresTest : public ::testing::Test {
 protected:
  std::string fresh_database(test::PgServer& server) {
    static int n = 0;
    std::string name = "pg_test_" + std::to_string(++n), error;
    EXPECT_TRUE(server.create_database(name, error)) << error;
    return server.url(name);
  }
};

TEST_F(PostgresTest, DatabaseGoesAwayAndComesBack) {
  std::string error;
  auto server = test::PgServer::start(error);  // its own: this test stops it
  ASSERT_NE(server, nullptr) << error;
  auto opened = open_store(fresh_database(*server), {.pool_limit = 3, .connect_timeout_s = 2});
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  auto& store = *opened.value();
  ASSERT_TRUE(*store.insert(Table::keys, key_row("k1", {{"key_alias", "a"}})));
  // Several pooled connections, all of which die with the server.
  std::vector<std::thread> readers;
  for (int i = 0; i < 3; ++i) readers.emplace_back([&] { (void)store.list(Table::keys, {}); });
  for (auto& reader : readers) reader.join();

  ASSERT_TRUE(server->stop(error)) << error;
  for (int attempt = 0; attempt < 3; ++attempt) {
    auto started = std::chrono::steady_clock::now();
    auto got = store.get(Table::keys, "k1");
    EXPECT_LT(std::chrono::steady_clock::now() - started, 8s);
    ASSERT_FALSE(got.ok());
    EXPECT_EQ(got.error().kind, ErrorKind::db_unavailable) << got.error().message;
    auto inserted = store.insert(Table::keys, key_row("k2", {}));
    ASSERT_FALSE(inserted.ok());
    EXPECT_EQ(inserted.error().kind, ErrorKind::db_unavailable);
  }
  auto in_tx = store.transaction([](Store&) { return ok_status(); });
  EXPECT_EQ(in_tx.error().kind, ErrorKind::db_unavailable);

  ASSERT_TRUE(server->restart(error)) << error << server->log_tail();
  auto got = store.get(Table::keys, "k1");
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_TRUE(got->has_value());
  EXPECT_TRUE(*store.insert(Table::keys, key_row("k2", {})));
  EXPECT_EQ(*store.count(Table::keys, {}), 2);
}

TEST_F(PostgresTest, GatewaysStartingTogetherMigrateOnce) {
  std::string error;
  auto* server = shared_server(error);
  ASSERT_NE(server, nullptr) << error;
  std::string url = fresh_database(*server);
  constexpr int kStarters = 4;
  std::vector<std::unique_ptr<Store>> stores(kStarters);
  std::vector<std::string> errors(kStarters);
  std::vector<std::thread> threads;
  for (int i = 0; i < kStarters; ++i)
    threads.emplace_back([&, i] {
      auto opened = open_store(url, {.pool_limit = 1, .connect_timeout_s = 60});
      if (opened.ok())
        stores[i] = std::move(opened.value());
      else
        errors[i] = opened.error().message;
    });
  for (auto& thread : threads) thread.join();
  for (int i = 0; i < kStarters; ++i) ASSERT_NE(stores[i], nullptr) << errors[i];
  std::string database = url.substr(url.rfind('/') + 1);
  database = database.substr(0, database.find('?'));
  EXPECT_EQ(server->query(database, "SELECT COUNT(*) FROM routeiq_schema", error),
            std::to_string(schema_version()));
  // One instance's write moves the counter the others read.
  int64_t before = *stores[1]->change_counter();
  ASSERT_TRUE(*stores[0]->insert(Table::teams, key_row("t", {})));
  EXPECT_EQ(*stores[1]->change_counter(), before + 1);
  EXPECT_TRUE(stores[2]->get(Table::teams, "t")->has_value());
}

TEST_F(PostgresTest, ExhaustedPoolWaitsThenAnswersUnavailable) {
  std::string error;
  auto* server = shared_server(error);
  ASSERT_NE(server, nullptr) << error;
  auto opened = open_store(fresh_database(*server), {.pool_limit = 1, .connect_timeout_s = 2});
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  auto& store = *opened.value();
  auto done = store.transaction([&](Store& tx) -> Status {
    auto started = std::chrono::steady_clock::now();
    // The one connection is this transaction's: the outer store must wait
    // for it, and give up after the timeout rather than hang.
    auto outside = store.get(Table::keys, "k");
    auto waited = std::chrono::steady_clock::now() - started;
    EXPECT_FALSE(outside.ok());
    if (!outside.ok()) {
      EXPECT_EQ(outside.error().kind, ErrorKind::db_unavailable);
    }
    EXPECT_GE(waited, 1500ms);
    EXPECT_LT(waited, 6s);
    auto inside = tx.insert(Table::keys, key_row("k", {}));
    if (!inside) return inside.take_error();
    return ok_status();
  });
  ASSERT_TRUE(done.ok()) << done.error().message;
  EXPECT_TRUE(store.get(Table::keys, "k")->has_value());
}

}  // namespace
}  // namespace routeiq::store
