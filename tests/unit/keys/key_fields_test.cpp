#include "routeiq/keys/key_fields.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <set>

#include "routeiq/core/time.hpp"

namespace routeiq::keys {
namespace {

namespace json = boost::json;
using namespace std::chrono;

json::object body(std::string_view text) {
  return json::parse(text).as_object();
}

const auto kNow = sys_days{year{2026} / 12 / 2} + hours{3};

TEST(ParseDuration, LiteLLMUnits) {
  EXPECT_EQ(parse_duration("30s"), seconds(30));
  EXPECT_EQ(parse_duration("30m"), minutes(30));
  EXPECT_EQ(parse_duration("30h"), hours(30));
  EXPECT_EQ(parse_duration("30d"), hours(24 * 30));
  EXPECT_EQ(parse_duration("2w"), hours(24 * 14));
  EXPECT_EQ(parse_duration("1mo"), hours(24 * 30));
  for (auto bad : {"", "30", "d", "-1d", "1y", "1.5h", "30 d", "9999999999d"})
    EXPECT_FALSE(parse_duration(bad)) << bad;
}

TEST(KeyFields, GenerateFillsDefaultsAndExpiry) {
  auto doc = key_fields(body(R"({"key_alias":"ci-bot","models":["gpt-4o-mini"],"team_id":"search",
                                 "duration":"30d","metadata":{"owner":"ana"}})"),
                        KeyOp::generate, kNow);
  ASSERT_TRUE(doc) << doc.error().message;
  EXPECT_EQ(doc->at("key_alias").as_string(), "ci-bot");
  EXPECT_EQ(doc->at("expires").as_string(), iso8601(kNow + hours(24 * 30), true));
  EXPECT_FALSE(doc->contains("duration")) << "duration becomes expires";
  EXPECT_EQ(doc->at("key_type").as_string(), "default");
  EXPECT_TRUE(doc->at("allowed_routes").as_array().empty());
  EXPECT_EQ(doc->at("spend").as_double(), 0.0);
  EXPECT_FALSE(doc->at("blocked").as_bool());
  EXPECT_EQ(doc->at("metadata").at("owner").as_string(), "ana");
}

TEST(KeyFields, KeyTypeSetsAllowedRoutes) {
  auto doc = key_fields(body(R"({"key_type":"read_only"})"), KeyOp::generate, kNow);
  ASSERT_TRUE(doc);
  EXPECT_EQ(doc->at("allowed_routes").as_array(), json::array({"info_routes"}));
  doc = key_fields(body(R"({"key_type":"llm_api"})"), KeyOp::generate, kNow);
  EXPECT_EQ(doc->at("allowed_routes").as_array(), json::array({"llm_api_routes"}));
  EXPECT_FALSE(key_fields(body(R"({"key_type":"superuser"})"), KeyOp::generate, kNow));
  EXPECT_FALSE(key_fields(body(R"({"key_type":"llm_api"})"), KeyOp::update, kNow))
      << "a key's type is chosen when it is made";
}

TEST(KeyFields, WrongTypesAreRefusedNamingTheField) {
  for (auto text : {R"({"models":"gpt-4o"})", R"({"models":[1]})", R"({"max_budget":-1})",
                    R"({"tpm_limit":1.5})", R"({"rpm_limit":-2})", R"({"metadata":[]})",
                    R"({"aliases":{"a":1}})", R"({"blocked":"yes"})", R"({"duration":"soon"})",
                    R"({"model_rpm_limit":{"gpt-4o":"x"}})", R"({"key_alias":7})"}) {
    auto doc = key_fields(body(text), KeyOp::generate, kNow);
    ASSERT_FALSE(doc) << text;
    EXPECT_EQ(doc.error().kind, ErrorKind::invalid_request);
    EXPECT_NE(doc.error().message.find('\''), std::string::npos) << doc.error().message;
  }
}

TEST(KeyFields, UnknownAndUnsupportedFieldsAreRefusedNotDropped) {
  auto unknown = key_fields(body(R"({"modles":["x"]})"), KeyOp::generate, kNow);
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().message, "Unknown field 'modles' for /key/generate");
  auto later = key_fields(body(R"({"guardrails":["pii"]})"), KeyOp::generate, kNow);
  ASSERT_FALSE(later);
  EXPECT_EQ(later.error().message, "'guardrails' is not supported by this gateway yet");
  EXPECT_TRUE(key_fields(body(R"({"models":["all-team-models"]})"), KeyOp::generate, kNow));
}

TEST(TeamFields, MembersAndUnsupportedFields) {
  auto doc = team_fields(body(R"({"team_alias":"search","models":["gpt-4o"],
                                   "members_with_roles":[{"role":"admin","user_id":"ana"}]})"),
                         KeyOp::generate);
  ASSERT_TRUE(doc) << doc.error().message;
  EXPECT_FALSE(doc->at("blocked").as_bool());
  EXPECT_TRUE(doc->at("tags").as_array().empty());
  for (auto text : {R"({"members_with_roles":[{"role":"owner","user_id":"a"}]})",
                    R"({"members_with_roles":[{"role":"user"}]})", R"({"models":"x"})",
                    R"({"team_member_budget":-5})", R"({"team_member_permissions":"x"})",
                    R"({"tem_alias":"x"})"})
    EXPECT_FALSE(team_fields(body(text), KeyOp::generate)) << text;
  EXPECT_FALSE(team_fields(body(R"({"team_id":"other"})"), KeyOp::update))
      << "a team's id is chosen when it is made";
}

TEST(UserFields, DefaultsAndTheKeyFieldsLeftOut) {
  auto doc = user_fields(body(R"({"user_id":"ana","key_alias":"k","duration":"1h",
                                   "auto_create_key":true})"),
                         KeyOp::generate);
  ASSERT_TRUE(doc) << doc.error().message;
  EXPECT_EQ(doc->at("user_role").as_string(), "internal_user");
  EXPECT_FALSE(doc->contains("key_alias")) << "it names the user's key, not the user";
  EXPECT_FALSE(doc->contains("auto_create_key"));
  EXPECT_FALSE(user_fields(body(R"({"user_role":"king"})"), KeyOp::generate));
  EXPECT_FALSE(user_fields(body(R"({"password":"x"})"), KeyOp::generate));
  EXPECT_FALSE(user_fields(body(R"({"auto_create_key":true})"), KeyOp::update));
}

TEST(KeyFields, UpdateSetsOnlyWhatIsGiven) {
  auto doc =
      key_fields(body(R"({"key":"sk-x","models":["a"],"duration":null})"), KeyOp::update, kNow);
  ASSERT_TRUE(doc);
  EXPECT_EQ(doc->size(), 2u) << json::serialize(*doc);
  EXPECT_TRUE(doc->at("expires").is_null());
  EXPECT_FALSE(doc->contains("key")) << "the key itself is never a stored field";
}

TEST(Keys, NewKeysAreUniqueAndWellFormed) {
  std::set<std::string> seen;
  for (int i = 0; i < 200; ++i) {
    auto k = new_key();
    ASSERT_EQ(k.size(), 25u);
    ASSERT_EQ(k.substr(0, 3), "sk-");
    for (char c : k.substr(3)) ASSERT_TRUE(std::isalnum(static_cast<unsigned char>(c))) << k;
    seen.insert(k);
  }
  EXPECT_EQ(seen.size(), 200u);
}

TEST(Keys, HashMaskAndTokenOf) {
  auto h = hash_key("sk-1234");
  EXPECT_EQ(h, "88dc28d0f030c55ed4ab77ed8faf098196cb1c05df778539800c9f1243fe6b4b")
      << "SHA-256 hex, as LiteLLM stores it";
  EXPECT_EQ(token_of("sk-1234"), h);
  EXPECT_EQ(token_of(h), h) << "a hash is taken as is";
  EXPECT_EQ(mask_key("sk-abcdefghijklmnopqrstuvXy9Q"), "sk-...Xy9Q");
}

}  // namespace
}  // namespace routeiq::keys
