// The pure part of the LiteLLM import: how one LiteLLM row becomes a store
// row, and how LiteLLM's DATABASE_URL is read. The import against a real
// LiteLLM-shaped PostgreSQL database is tests/integration/litellm_import.
#include "routeiq/store/litellm_import.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

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

}  // namespace
}  // namespace routeiq::store
