#include "routeiq/keys/access.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace routeiq::keys {
namespace {

namespace json = boost::json;
using namespace std::chrono;

VirtualKey key(std::string_view doc) {
  auto k = read_key("t", json::parse(doc).as_object());
  EXPECT_TRUE(k) << doc;
  return k.value();
}

std::vector<std::string> no_groups(std::string_view) {
  return {};
}

TEST(Access, BlockedAndExpired) {
  auto now = system_clock::now();
  EXPECT_TRUE(key_usable(key(R"({})"), now));
  auto blocked = key_usable(key(R"({"blocked":true})"), now);
  ASSERT_FALSE(blocked);
  EXPECT_EQ(blocked.error().kind, ErrorKind::auth_error);
  EXPECT_NE(blocked.error().message.find("blocked"), std::string::npos);
  auto expired = key_usable(key(R"({"expires":"2020-01-01T00:00:00Z"})"), now);
  ASSERT_FALSE(expired);
  EXPECT_NE(expired.error().message.find("Expired Key"), std::string::npos);
  EXPECT_TRUE(key_usable(key(R"({"expires":"2199-01-01T00:00:00Z"})"), now));
  EXPECT_FALSE(read_key("t", json::parse(R"({"expires":"2999-01-01T00:00:00Z"})").as_object()))
      << "beyond what the clock can hold";
  EXPECT_TRUE(key_usable(key(R"({"expires":null})"), now));
  EXPECT_FALSE(read_key("t", json::parse(R"({"expires":"soon"})").as_object()));
}

// A key as the cache holds it: its document, and its user's role.
VirtualKey key_of(std::string_view doc, Role role) {
  auto k = key(doc);
  k.role = role;
  return k;
}

Status call(const VirtualKey& k, RouteGroup group, std::string_view path, bool get = false) {
  return route_allowed(k, group, path, get);
}

TEST(Access, RouteGroups) {
  auto plain = key(R"({})");
  EXPECT_TRUE(call(plain, RouteGroup::llm_api, "/chat/completions"));
  EXPECT_TRUE(call(plain, RouteGroup::info, "/key/info", true));
  auto no_user = call(plain, RouteGroup::management, "/key/generate");
  ASSERT_FALSE(no_user);
  EXPECT_EQ(no_user.error().kind, ErrorKind::auth_error);
  EXPECT_NE(no_user.error().message.find("Only proxy admin"), std::string::npos);
  auto read_only = key(R"({"allowed_routes":["info_routes"]})");
  auto refused = call(read_only, RouteGroup::llm_api, "/chat/completions");
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().kind, ErrorKind::auth_forbidden) << "LiteLLM: 403 for allowed_routes";
  EXPECT_NE(refused.error().message.find("[info_routes]"), std::string::npos);
  EXPECT_TRUE(call(read_only, RouteGroup::info, "/key/info", true));
  auto llm = key(R"({"allowed_routes":["llm_api_routes"]})");
  EXPECT_TRUE(call(llm, RouteGroup::llm_api, "/embeddings"));
  EXPECT_FALSE(call(llm, RouteGroup::info, "/key/info", true));
  auto one_path = key(R"({"allowed_routes":["/embeddings"]})");
  EXPECT_TRUE(call(one_path, RouteGroup::llm_api, "/embeddings"));
  EXPECT_FALSE(call(one_path, RouteGroup::llm_api, "/chat/completions"));
  auto prefix = key(R"({"allowed_routes":["/key/*"]})");
  EXPECT_TRUE(call(prefix, RouteGroup::info, "/key/info", true));
  EXPECT_FALSE(call(prefix, RouteGroup::info, "/keys/info", true));
  auto management = key(R"({"allowed_routes":["management_routes"]})");
  EXPECT_TRUE(call(management, RouteGroup::management, "/key/generate"));
  EXPECT_TRUE(call(management, RouteGroup::open, "/health/liveliness"));
}

TEST(Access, Roles) {
  EXPECT_EQ(role_named("proxy_admin_viewer"), Role::proxy_admin_viewer);
  EXPECT_EQ(role_named("customer"), Role::none);
  EXPECT_EQ(role_name(Role::internal_user), "internal_user");
  auto admin = key_of(R"({"user_id":"root"})", Role::proxy_admin);
  EXPECT_TRUE(call(admin, RouteGroup::management, "/team/new"));
  auto viewer = key_of(R"({"user_id":"auditor"})", Role::proxy_admin_viewer);
  EXPECT_TRUE(call(viewer, RouteGroup::management, "/key/list", true)) << "reads everything";
  auto write = call(viewer, RouteGroup::management, "/key/generate");
  ASSERT_FALSE(write);
  EXPECT_EQ(write.error().kind, ErrorKind::auth_forbidden);
  EXPECT_NE(write.error().message.find("role= proxy_admin_viewer"), std::string::npos);
  EXPECT_FALSE(call(viewer, RouteGroup::llm_api, "/chat/completions")) << "no spending";
  auto user = key_of(R"({"user_id":"ana-1234567"})", Role::internal_user);
  EXPECT_TRUE(call(user, RouteGroup::management, "/key/generate"));
  EXPECT_TRUE(call(user, RouteGroup::management, "/key/sk-abc/regenerate"));
  EXPECT_TRUE(call(user, RouteGroup::management, "/team/member_add")) << "the endpoint checks";
  auto team_new = call(user, RouteGroup::management, "/team/new");
  ASSERT_FALSE(team_new);
  EXPECT_NE(team_new.error().message.find("Your role=internal_user"), std::string::npos);
  EXPECT_NE(team_new.error().message.find("ana-12***67"), std::string::npos) << "user id masked";
  auto user_viewer = key_of(R"({"user_id":"bo"})", Role::internal_user_viewer);
  EXPECT_FALSE(call(user_viewer, RouteGroup::management, "/key/generate"));
  EXPECT_TRUE(call(user_viewer, RouteGroup::info, "/key/info", true));
  auto limited_admin = key_of(R"({"allowed_routes":["llm_api_routes"]})", Role::proxy_admin);
  EXPECT_FALSE(call(limited_admin, RouteGroup::management, "/key/generate"))
      << "a key's allowed_routes bind every role";
}

TEST(Access, Models) {
  EXPECT_TRUE(model_allowed(key(R"({})"), "gpt-4o", no_groups)) << "no list: every model";
  auto mini = key(R"({"models":["gpt-4o-mini"]})");
  EXPECT_TRUE(model_allowed(mini, "gpt-4o-mini", no_groups));
  EXPECT_FALSE(model_allowed(mini, "gpt-4o", no_groups));
  EXPECT_TRUE(model_allowed(key(R"({"models":["all-proxy-models"]})"), "x", no_groups));
  EXPECT_TRUE(model_allowed(key(R"({"models":["openai/*"]})"), "openai/gpt-4o", no_groups));
  EXPECT_FALSE(model_allowed(key(R"({"models":["openai/*"]})"), "anthropic/c", no_groups));
  auto groups = [](std::string_view group) {
    return group == "claude" ? std::vector<std::string>{"beta-models"} : std::vector<std::string>{};
  };
  auto beta = key(R"({"models":["beta-models"]})");
  EXPECT_TRUE(model_allowed(beta, "claude", groups)) << "access group in model_info";
  EXPECT_FALSE(model_allowed(beta, "gpt-4o", groups));
  EXPECT_EQ(model_refused("gpt-4o").message.find("gpt-4o-mini"), std::string::npos);
}

TEST(Access, TheTeamNarrowsAndBlocks) {
  auto k = key(R"({"team_id":"search","models":["all-team-models"]})");
  attach_team(k, json::parse(R"({"models":["gpt-4o-mini"]})").as_object());
  EXPECT_TRUE(model_allowed(k, "gpt-4o-mini", no_groups));
  EXPECT_FALSE(model_allowed(k, "gpt-4o", no_groups)) << "all-team-models means the team's";
  auto wide = key(R"({"team_id":"search","models":["gpt-4o","gpt-4o-mini"]})");
  attach_team(wide, json::parse(R"({"models":["gpt-4o-mini"]})").as_object());
  EXPECT_FALSE(model_allowed(wide, "gpt-4o", no_groups)) << "the team's list bounds the key's";
  auto open_team = key(R"({"team_id":"search"})");
  attach_team(open_team, json::parse(R"({"models":[]})").as_object());
  EXPECT_TRUE(model_allowed(open_team, "anything", no_groups));
  attach_team(open_team, json::parse(R"({"blocked":true})").as_object());
  auto st = key_usable(open_team, system_clock::now());
  ASSERT_FALSE(st);
  EXPECT_NE(st.error().message.find("Team=search is blocked"), std::string::npos);
}

TEST(Access, ReadKeyKeepsAliasesAndDoc) {
  auto k = key(R"({"key_alias":"ci","aliases":{"fast":"gpt-4o-mini","bad":1},"team_id":"s"})");
  EXPECT_EQ(k.key_alias, "ci");
  EXPECT_EQ(k.team_id, "s");
  ASSERT_EQ(k.aliases.size(), 1u);
  EXPECT_EQ(k.aliases.at("fast"), "gpt-4o-mini");
  EXPECT_EQ(k.doc.at("key_alias").as_string(), "ci");
}

}  // namespace
}  // namespace routeiq::keys

namespace routeiq::keys {
namespace {

TEST(OwnerLimits, ReadsLimitsAndPerModelLimits) {
  auto k = read_key("t", boost::json::parse(R"({"rpm_limit":10,"tpm_limit":1000,
      "max_parallel_requests":2,"model_rpm_limit":{"gpt-4o":3},
      "model_tpm_limit":{"gpt-4o":300,"mini":50}})")
                             .as_object());
  ASSERT_TRUE(k);
  const auto& l = k.value().limits;
  EXPECT_EQ(l.own.rpm, 10);
  EXPECT_EQ(l.own.tpm, 1000);
  EXPECT_EQ(l.own.max_parallel, 2);
  ASSERT_EQ(l.per_model.size(), 2u);
  EXPECT_EQ(l.per_model.at("gpt-4o").rpm, 3);
  EXPECT_EQ(l.per_model.at("gpt-4o").tpm, 300);
  EXPECT_FALSE(l.per_model.at("mini").rpm);
  EXPECT_EQ(l.per_model.at("mini").tpm, 50);
  EXPECT_TRUE(l.any());
}

TEST(OwnerLimits, MetadataLimitsAndNullsAndNone) {
  // Older LiteLLM versions kept per-model limits in metadata.
  auto meta = owner_limits(
      boost::json::parse(R"({"metadata":{"model_rpm_limit":{"m":1}},"rpm_limit":null})")
          .as_object());
  EXPECT_FALSE(meta.own.rpm);
  EXPECT_EQ(meta.per_model.at("m").rpm, 1);
  auto none = owner_limits(boost::json::parse(R"({"rpm_limit":-1,"models":[]})").as_object());
  EXPECT_FALSE(none.any());
}

TEST(OwnerLimits, TeamAndUserLimitsRideWithTheKey) {
  auto k = read_key("t", boost::json::parse(R"({"team_id":"a","user_id":"u"})").as_object());
  ASSERT_TRUE(k);
  auto key = k.value();
  attach_team(key, boost::json::parse(R"({"rpm_limit":5})").as_object());
  attach_user(key,
              boost::json::parse(R"({"tpm_limit":7,"user_role":"internal_user"})").as_object());
  EXPECT_EQ(key.team_limits.own.rpm, 5);
  EXPECT_EQ(key.user_limits.own.tpm, 7);
  EXPECT_FALSE(key.limits.any());
}

}  // namespace
}  // namespace routeiq::keys
