// The pure part of the LiteLLM import: how one LiteLLM row becomes a store
// row, and how LiteLLM's DATABASE_URL is read. The import against a real
// LiteLLM-shaped PostgreSQL database is tests/integration/litellm_import.
#include "routeiq/store/litellm_import.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "pg_server.hpp"

namespace routeiq::store {
namespace {

namespace json = boost::json;

json::object parsed(std::string_view text) {
  return json::parse(text).as_object();
}

std::string fake_hash(std::string_view key) {
  return "hash-of-" + std::string(key);
}

TEST(LitellmRow, KeyKeepsItsTokenAndFieldsAndTakesItsTimes) {
  ColumnKinds kinds{{"expires", "created_at", "updated_at", "last_active"}, {"models", "policies"}};
  auto row = litellm_row(Table::keys, parsed(R"({
      "token": "0123abcd", "key_name": "sk-...Ab12", "key_alias": "ci \"bot\"'; DROP TABLE x;--",
      "spend": 1.5, "max_budget": 10, "budget_duration": "30d", "tpm_limit": 1000,
      "rpm_limit": null, "models": ["gpt-4o"], "policies": null, "blocked": null,
      "expires": "2027-01-02T03:04:05.678", "last_active": null,
      "created_at": "2024-05-01T12:00:00.123", "updated_at": "2024-06-01T00:00:00",
      "metadata": {"tags": ["prod"], "model_rpm_limit": {"gpt-4o": 5}, "owner": "ünï"}})"),
                         kinds, nullptr, fake_hash);
  ASSERT_TRUE(row.ok()) << row.error().message;
  EXPECT_EQ(row->id, "0123abcd");
  EXPECT_FALSE(row->doc.contains("token"));
  EXPECT_FALSE(row->doc.contains("created_at"));
  EXPECT_EQ(row->created_ms, 1714564800123);
  EXPECT_EQ(row->updated_ms, 1717200000000);
  EXPECT_EQ(row->doc.at("expires"), "2027-01-02T03:04:05.678Z");
  EXPECT_TRUE(row->doc.at("last_active").is_null());
  EXPECT_EQ(row->doc.at("key_alias"), "ci \"bot\"'; DROP TABLE x;--");
  EXPECT_EQ(row->doc.at("models"), json::array({"gpt-4o"}));
  EXPECT_EQ(row->doc.at("policies"), json::array());
  EXPECT_EQ(row->doc.at("blocked"), false);
  EXPECT_EQ(row->doc.at("tags"), json::array({"prod"}));
  EXPECT_EQ(row->doc.at("model_rpm_limit"), parsed(R"({"gpt-4o": 5})"));
  EXPECT_EQ(row->doc.at("metadata").at("owner"), "ünï");
  EXPECT_EQ(row->doc.at("spend"), 1.5);
  EXPECT_EQ(row->doc.at("budget_duration"), "30d");
}

TEST(LitellmRow, PlaintextTokenOfAnOldLitellmIsHashed) {
  auto row = litellm_row(Table::keys, parsed(R"({"token": "sk-plain"})"), {}, nullptr, fake_hash);
  ASSERT_TRUE(row.ok());
  EXPECT_EQ(row->id, "hash-of-sk-plain");
}

TEST(LitellmRow, TimesOutsideTheStoresRangeAreClamped) {
  ColumnKinds kinds{{"expires", "budget_reset_at", "key_rotation_at"}, {}};
  auto row = litellm_row(Table::keys, parsed(R"({"token": "t", "expires": "infinity",
      "budget_reset_at": "9999-12-31T00:00:00", "key_rotation_at": "-infinity"})"),
                         kinds, nullptr, fake_hash);
  ASSERT_TRUE(row.ok());
  EXPECT_EQ(row->doc.at("expires"), "2200-12-31T23:59:59.999Z");
  EXPECT_EQ(row->doc.at("budget_reset_at"), "2200-12-31T23:59:59.999Z");
  EXPECT_EQ(row->doc.at("key_rotation_at"), "1900-01-01T00:00:00.000Z");
  EXPECT_EQ(row->created_ms, 0) << "no created_at: the import decides";
}

TEST(LitellmRow, RowWithoutIdRefused) {
  auto row = litellm_row(Table::teams, parsed(R"({"team_alias": "x"})"), {}, nullptr, fake_hash);
  ASSERT_FALSE(row.ok());
  EXPECT_NE(row.error().message.find("LiteLLM_TeamTable"), std::string::npos);
}

TEST(LitellmRow, TeamGetsListMembersAndItsModelAliases) {
  auto empty = litellm_row(Table::teams, parsed(R"({"team_id": "t1", "members_with_roles": {}})"),
                           {}, parsed(R"({"fast": "gpt-4o-mini"})"), fake_hash);
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty->id, "t1");
  EXPECT_FALSE(empty->doc.contains("team_id"));
  EXPECT_EQ(empty->doc.at("members_with_roles"), json::array());
  EXPECT_EQ(empty->doc.at("model_aliases"), parsed(R"({"fast": "gpt-4o-mini"})"));
  auto members = litellm_row(
      Table::teams,
      parsed(R"({"team_id": "t2", "members_with_roles": [{"role": "admin", "user_id": "ana"}]})"),
      {}, nullptr, fake_hash);
  ASSERT_TRUE(members.ok());
  EXPECT_EQ(members->doc.at("members_with_roles").as_array().size(), 1u);
  EXPECT_FALSE(members->doc.contains("model_aliases"));
}

TEST(LitellmRow, UserPasswordHashIsNotImported) {
  auto row = litellm_row(Table::users,
                         parsed(R"({"user_id": "ana", "password": "scrypt$...", "teams": ["t1"]})"),
                         {}, nullptr, fake_hash);
  ASSERT_TRUE(row.ok());
  EXPECT_EQ(row->id, "ana");
  EXPECT_FALSE(row->doc.contains("password"));
  EXPECT_EQ(row->doc.at("teams"), json::array({"t1"}));
}

TEST(LitellmRow, OrganizationCarriesItsMembers) {
  auto members = json::parse(
      R"([{"user_id": "ana", "organization_id": "o1", "user_role": "org_admin",
           "created_at": "2024-01-01T00:00:00"}])");
  auto row = litellm_row(Table::organizations,
                         parsed(R"({"organization_id": "o1", "organization_alias": "Acme"})"), {},
                         members, fake_hash);
  ASSERT_TRUE(row.ok());
  EXPECT_EQ(row->id, "o1");
  const auto& list = row->doc.at("members").as_array();
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].at("user_role"), "org_admin");
  EXPECT_EQ(list[0].at("created_at"), "2024-01-01T00:00:00.000Z");
}

TEST(LitellmRow, MembershipIdIsTeamThenUser) {
  auto row =
      litellm_row(Table::memberships, parsed(R"({"team_id": "t1", "user_id": "ana", "spend": 2})"),
                  {}, nullptr, fake_hash);
  ASSERT_TRUE(row.ok());
  EXPECT_EQ(row->id, "t1\nana");
  EXPECT_EQ(row->doc.at("team_id"), "t1");
  EXPECT_EQ(row->doc.at("user_id"), "ana");
  EXPECT_FALSE(
      litellm_row(Table::memberships, parsed(R"({"team_id": "t1"})"), {}, nullptr, fake_hash).ok());
}

TEST(LitellmRow, DeletedKeyDropsTheDeletionId) {
  auto row = litellm_row(Table::deleted_keys,
                         parsed(R"({"id": "uuid-1", "token": "abc", "deleted_by": "admin"})"), {},
                         nullptr, fake_hash);
  ASSERT_TRUE(row.ok());
  EXPECT_EQ(row->id, "abc");
  EXPECT_FALSE(row->doc.contains("id"));
  EXPECT_EQ(row->doc.at("deleted_by"), "admin");
}

TEST(LitellmSource, PrismaParametersTakenOffAndSchemaKept) {
  auto source = litellm_source(
      "postgresql://u:p@db:5432/litellm?schema=proxy&connection_limit=5&sslmode=require&"
      "pool_timeout=10");
  ASSERT_TRUE(source.ok());
  EXPECT_EQ(source->url, "postgresql://u:p@db:5432/litellm?sslmode=require");
  EXPECT_EQ(source->schema, "proxy");
  auto plain = litellm_source("postgres://db/litellm");
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(plain->url, "postgres://db/litellm");
  EXPECT_EQ(plain->schema, "public");
  EXPECT_FALSE(litellm_source("sqlite://litellm.db").ok());
}

TEST(MaskedUrl, PasswordsHidden) {
  EXPECT_EQ(masked_url("postgresql://user:s3cr%40t@db:5432/x"), "postgresql://user:***@db:5432/x");
  EXPECT_EQ(masked_url("postgresql://user@db/x?password=hunter2&sslmode=require"),
            "postgresql://user@db/x?password=***&sslmode=require");
  EXPECT_EQ(masked_url("postgresql://db/x"), "postgresql://db/x");
  EXPECT_EQ(masked_url("sqlite:///var/lib/routeiq/keys.db"), "sqlite:///var/lib/routeiq/keys.db");
}

// ---- The import against a LiteLLM database built from its schema ----------

namespace fs = std::filesystem;

std::string litellm_schema() {
  std::ifstream in(std::string(ROUTEIQ_TEST_DATA) + "/litellm/schema.sql");
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

constexpr const char* kRows = R"(
INSERT INTO "LiteLLM_BudgetTable" (budget_id, max_budget, created_by, updated_by)
  VALUES ('b1', 100, 'admin', 'admin');
INSERT INTO "LiteLLM_OrganizationTable" (organization_id, organization_alias, budget_id, created_by,
  updated_by) VALUES ('o1', 'Acme', 'b1', 'admin', 'admin');
INSERT INTO "LiteLLM_TeamTable" (team_id, team_alias, organization_id, models, created_at)
  VALUES ('t1', 'search', 'o1', '{gpt-4o}', '2024-03-01 10:00:00.250');
INSERT INTO "LiteLLM_UserTable" (user_id, user_email, password, teams)
  VALUES ('ana', 'ana@example.com', 'hash', '{t1}');
INSERT INTO "LiteLLM_OrganizationMembership" (user_id, organization_id, user_role)
  VALUES ('ana', 'o1', 'org_admin');
INSERT INTO "LiteLLM_TeamMembership" (user_id, team_id, spend) VALUES ('ana', 't1', 1.5);
INSERT INTO "LiteLLM_EndUserTable" (user_id, alias) VALUES ('cust', 'Customer');
INSERT INTO "LiteLLM_VerificationToken" (token, key_alias, models, team_id, metadata, expires,
  created_at, updated_at) VALUES ('aa11', 'it''s "x"', '{gpt-4o}', 't1',
  '{"tags": ["prod"], "note": "ünï"}', 'infinity', '2024-05-01 12:00:00.123',
  '2024-06-01 00:00:00');
INSERT INTO "LiteLLM_VerificationToken" (token, key_alias) VALUES ('sk-plaintext-old', 'old');
INSERT INTO "LiteLLM_DeletedVerificationToken" (id, token, key_alias, deleted_at)
  VALUES ('d1', 'gone', 'first', '2024-01-01'), ('d2', 'gone', 'last', '2024-02-01');
)";

class LitellmImportTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    static std::string start_error;
    static std::unique_ptr<test::PgServer> server = test::PgServer::start(start_error);
    server_ = server.get();
    ASSERT_NE(server_, nullptr) << start_error;
    static int n = 0;
    std::string suffix = std::to_string(++n) + (GetParam() == "sqlite" ? "s" : "p");
    source_db_ = "litellm_" + suffix;
    std::string error;
    ASSERT_TRUE(server_->create_database(source_db_, error)) << error;
    if (GetParam() == "sqlite") {
      std::string pattern = (fs::temp_directory_path() / "routeiq-import-XXXXXX").string();
      ASSERT_NE(mkdtemp(pattern.data()), nullptr);
      dir_ = pattern;
      target_url_ = "sqlite://" + (dir_ / "keys.db").string();
    } else {
      ASSERT_TRUE(server_->create_database("target_" + suffix, error)) << error;
      target_url_ = server_->url("target_" + suffix);
    }
    auto opened = open_store(target_url_);
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    target_ = std::move(opened.value());
  }
  void TearDown() override {
    target_.reset();
    std::error_code ec;
    if (!dir_.empty()) fs::remove_all(dir_, ec);
  }

  void load(const std::string& sql) {
    std::string error;
    ASSERT_TRUE(server_->query(source_db_, sql, error).has_value()) << error;
  }

  Result<std::vector<ImportCount>> import(std::string_view query = "") {
    auto source = litellm_source(server_->url(source_db_) + std::string(query));
    EXPECT_TRUE(source.ok());
    LitellmImportOptions options;
    options.hash_key = fake_hash;
    return import_litellm(*source, *target_, options);
  }

  static const ImportCount& count_of(const std::vector<ImportCount>& counts, Table table) {
    for (const auto& c : counts)
      if (c.table == table) return c;
    static ImportCount none;
    ADD_FAILURE() << "no count for " << table_name(table);
    return none;
  }

  Row stored(Table table, std::string_view id) {
    auto row = target_->get(table, id);
    EXPECT_TRUE(row.ok() && row->has_value()) << table_name(table) << " " << id;
    return row.ok() && row->has_value() ? **row : Row{};
  }

  test::PgServer* server_ = nullptr;
  std::string source_db_, target_url_;
  fs::path dir_;
  std::unique_ptr<Store> target_;
};

TEST_P(LitellmImportTest, EveryTableImportedThenNothingChangesOnASecondRun) {
  load(litellm_schema() + kRows);
  auto first = import("&schema=public&connection_limit=3");
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_EQ(first->size(), 8u);
  for (const auto& c : *first) {
    EXPECT_TRUE(c.present) << c.source;
    EXPECT_EQ(c.updated + c.unchanged, 0) << c.source;
  }
  EXPECT_EQ(count_of(*first, Table::keys).inserted, 2);
  EXPECT_EQ(count_of(*first, Table::deleted_keys).inserted, 1);

  Row key = stored(Table::keys, "aa11");
  EXPECT_EQ(key.doc.at("key_alias"), "it's \"x\"");
  EXPECT_EQ(key.doc.at("tags"), json::array({"prod"}));
  EXPECT_EQ(key.doc.at("expires"), "2200-12-31T23:59:59.999Z");
  EXPECT_EQ(key.doc.at("allowed_routes"), json::array());
  EXPECT_EQ(key.created_ms, 1714564800123);
  EXPECT_EQ(key.updated_ms, 1717200000000);
  EXPECT_EQ(stored(Table::keys, "hash-of-sk-plaintext-old").doc.at("key_alias"), "old");
  EXPECT_EQ(stored(Table::deleted_keys, "gone").doc.at("key_alias"), "last");
  Row org = stored(Table::organizations, "o1");
  ASSERT_EQ(org.doc.at("members").as_array().size(), 1u);
  EXPECT_EQ(org.doc.at("members").at(0).at("user_role"), "org_admin");
  EXPECT_FALSE(stored(Table::users, "ana").doc.contains("password"));
  EXPECT_EQ(stored(Table::memberships, "t1\nana").doc.at("spend"), 1.5);
  EXPECT_EQ(stored(Table::teams, "t1").created_ms, 1709287200250);
  int64_t end_user_created = stored(Table::end_users, "cust").created_ms;
  EXPECT_GT(end_user_created, 0) << "no time in LiteLLM: the time of the import";

  auto counter = target_->change_counter();
  auto second = import();
  ASSERT_TRUE(second.ok()) << second.error().message;
  for (const auto& c : *second) EXPECT_EQ(c.inserted + c.updated, 0) << c.source;
  EXPECT_EQ(count_of(*second, Table::keys).unchanged, 2);
  EXPECT_EQ(*target_->change_counter(), *counter) << "nothing written";
  EXPECT_EQ(stored(Table::end_users, "cust").created_ms, end_user_created);

  load(R"(UPDATE "LiteLLM_VerificationToken" SET spend = 2.25 WHERE token = 'aa11')");
  auto third = import();
  ASSERT_TRUE(third.ok()) << third.error().message;
  EXPECT_EQ(count_of(*third, Table::keys).updated, 1);
  EXPECT_EQ(count_of(*third, Table::keys).unchanged, 1);
  EXPECT_EQ(stored(Table::keys, "aa11").doc.at("spend"), 2.25);
  EXPECT_EQ(*target_->count(Table::keys, {}), 2);
}

TEST_P(LitellmImportTest, OlderLitellmWithoutSomeTablesAndAnotherSchema) {
  // An older LiteLLM, in schema "proxy" (?schema=proxy in its DATABASE_URL).
  load("CREATE SCHEMA proxy; SET search_path TO proxy; " + litellm_schema() + kRows +
       R"(DROP TABLE "LiteLLM_DeletedVerificationToken";
          DROP TABLE "LiteLLM_OrganizationMembership";
          ALTER TABLE "LiteLLM_VerificationToken" DROP COLUMN allowed_routes;)");
  auto wrong = import();
  ASSERT_FALSE(wrong.ok());
  EXPECT_NE(wrong.error().message.find("not a LiteLLM database"), std::string::npos);
  auto counts = import("&schema=proxy");
  ASSERT_TRUE(counts.ok()) << counts.error().message;
  EXPECT_FALSE(count_of(*counts, Table::deleted_keys).present);
  EXPECT_EQ(count_of(*counts, Table::keys).inserted, 2);
  EXPECT_EQ(stored(Table::organizations, "o1").doc.at("members"), json::array());
  EXPECT_FALSE(stored(Table::keys, "aa11").doc.contains("allowed_routes"));
}

TEST_P(LitellmImportTest, AFailingRowWritesNothing) {
  std::string deep = "{}";
  for (int i = 0; i < 300; ++i) deep = "{\"d\": " + deep + "}";
  load(litellm_schema() + kRows +
       "INSERT INTO \"LiteLLM_VerificationToken\" (token, metadata) VALUES ('zz99', '" + deep +
       "');");
  auto counts = import();
  ASSERT_FALSE(counts.ok());
  EXPECT_NE(counts.error().message.find("LiteLLM_VerificationToken row 3"), std::string::npos)
      << counts.error().message;
  EXPECT_EQ(*target_->count(Table::budgets, {}), 0);
  EXPECT_EQ(*target_->count(Table::keys, {}), 0);
}

INSTANTIATE_TEST_SUITE_P(Targets, LitellmImportTest, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace routeiq::store
