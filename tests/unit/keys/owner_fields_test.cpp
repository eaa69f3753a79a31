#include "routeiq/keys/owner_fields.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json.hpp>
#include <vector>

#include "routeiq/core/time.hpp"

namespace routeiq::keys {
namespace {

namespace json = boost::json;
using namespace std::chrono;

json::object body(std::string_view text) {
  return json::parse(text).as_object();
}

const auto kNow = sys_days{year{2026} / 12 / 2} + hours{3};

// The message of the error a body gets, or "" when it is accepted.
template <class F>
std::string refusal(F check, std::string_view text) {
  auto r = check(body(text));
  return r ? std::string() : r.error().message;
}

TEST(CustomerFields, NewSplitsBudgetFieldsAndFillsLiteLLMDefaults) {
  auto f = customer_fields(body(R"({"user_id":"end-1","alias":"Ana","max_budget":10,
                                    "budget_duration":"30d","allowed_model_region":"eu"})"),
                           KeyOp::generate);
  ASSERT_TRUE(f) << f.error().message;
  EXPECT_EQ(f->own.at("user_id").as_string(), "end-1");
  EXPECT_EQ(f->own.at("alias").as_string(), "Ana");
  EXPECT_EQ(f->own.at("blocked"), json::value(false));
  EXPECT_EQ(f->own.at("spend").as_double(), 0.0);
  EXPECT_TRUE(f->own.at("default_model").is_null());
  EXPECT_FALSE(f->own.contains("max_budget")) << "budget fields go to the budget row";
  EXPECT_EQ(f->budget.at("max_budget").as_int64(), 10);
  EXPECT_EQ(f->budget.at("budget_duration").as_string(), "30d");
}

TEST(CustomerFields, RefusalsNameTheField) {
  auto fresh = [](const json::object& b) { return customer_fields(b, KeyOp::generate); };
  auto update = [](const json::object& b) { return customer_fields(b, KeyOp::update); };
  EXPECT_EQ(refusal(fresh, R"({"user_id":"a","alais":"x"})"),
            "Unknown field 'alais' for /customer/new");
  EXPECT_EQ(refusal(fresh, R"({"alias":"x"})"), "'user_id' is required");
  EXPECT_EQ(refusal(fresh, R"({"user_id":7})"), "Invalid value for 'user_id': expected a string");
  EXPECT_EQ(refusal(fresh, R"({"user_id":"a","max_budget":1,"budget_id":"b"})"),
            "Set either 'max_budget' or 'budget_id', not both.");
  EXPECT_NE(refusal(fresh, R"({"user_id":"a","allowed_model_region":"asia"})"), "");
  EXPECT_NE(refusal(fresh, R"({"user_id":"a","blocked":"yes"})"), "");
  EXPECT_NE(refusal(fresh, R"({"user_id":"a","max_budget":-1})"), "");
  EXPECT_NE(refusal(fresh, R"({"user_id":"a","budget_reset_at":"soon"})"), "");
  EXPECT_EQ(refusal(fresh, R"({"user_id":"a","object_permission":{}})"),
            "'object_permission' is not supported by this gateway yet");
  EXPECT_EQ(refusal(update, R"({"user_id":"a","spend":3})"),
            "Unknown field 'spend' for /customer/update")
      << "UpdateCustomerRequest has no spend";
  EXPECT_EQ(refusal(update, R"({"user_id":"a","blocked":true,"max_budget":2})"), "");
}

TEST(OrganizationFields, NewNeedsAnAliasAndKeepsBudgetFieldsApart) {
  auto f = organization_fields(body(R"({"organization_alias":"acme","models":["gpt-4o"],
                                        "tpm_limit":100,"metadata":{"tier":"gold"}})"),
                               KeyOp::generate);
  ASSERT_TRUE(f) << f.error().message;
  EXPECT_EQ(f->own.at("organization_alias").as_string(), "acme");
  EXPECT_EQ(f->own.at("metadata").at("tier").as_string(), "gold");
  EXPECT_EQ(f->own.at("spend").as_double(), 0.0);
  EXPECT_EQ(f->budget.at("tpm_limit").as_int64(), 100);
  EXPECT_FALSE(f->own.contains("tpm_limit"));
  auto none = organization_fields(body(R"({"models":[]})"), KeyOp::generate);
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().message, "'organization_alias' is required");
}

TEST(OrganizationFields, UpdateFlattensTheUIsNestedBudget) {
  auto f = organization_fields(
      body(R"({"litellm_budget_table":{"max_budget":5,"rpm_limit":9,"created_at":"x"},
               "rpm_limit":3,"spend":1.5})"),
      KeyOp::update);
  ASSERT_TRUE(f) << f.error().message;
  EXPECT_EQ(f->budget.at("max_budget").as_int64(), 5);
  EXPECT_EQ(f->budget.at("rpm_limit").as_int64(), 3) << "a flat field wins";
  EXPECT_FALSE(f->budget.contains("created_at")) << "only budget fields are taken";
  EXPECT_FALSE(f->own.contains("litellm_budget_table"));
  EXPECT_EQ(f->own.at("spend").as_double(), 1.5);
  auto bad =
      organization_fields(body(R"({"litellm_budget_table":{"max_budget":"lots"}})"), KeyOp::update);
  EXPECT_FALSE(bad);
  auto fresh_only = organization_fields(body(R"({"organization_id":"o"})"), KeyOp::update);
  ASSERT_FALSE(fresh_only);
  EXPECT_EQ(fresh_only.error().message, "Unknown field 'organization_id' for /organization/update");
}

TEST(BudgetFields, NewSetsTheResetTimeFromTheDuration) {
  auto doc = budget_fields(body(R"({"budget_id":"free","max_budget":1,"budget_duration":"1d"})"),
                           KeyOp::generate, kNow);
  ASSERT_TRUE(doc) << doc.error().message;
  EXPECT_FALSE(doc->contains("budget_id")) << "the id is the row's";
  // LiteLLM's calendar rule: "1d" resets at the next midnight (UTC).
  EXPECT_EQ(doc->at("budget_reset_at").as_string(), "2026-12-03T00:00:00.000Z");
  auto given = budget_fields(body(R"({"budget_duration":"1d",
                                      "budget_reset_at":"2027-01-01T00:00:00Z"})"),
                             KeyOp::generate, kNow);
  ASSERT_TRUE(given);
  EXPECT_EQ(given->at("budget_reset_at").as_string(), "2027-01-01T00:00:00Z");
}

TEST(BudgetFields, UpdateNeedsTheIdAndChecksEveryValue) {
  auto update = [](const json::object& b) { return budget_fields(b, KeyOp::update, kNow); };
  EXPECT_EQ(refusal(update, R"({"max_budget":1})"), "budget_id is required");
  EXPECT_EQ(refusal(update, R"({"budget_id":"b","tpm_limit":1.5})"),
            "Invalid value for 'tpm_limit': expected a whole number >= 0 or null");
  EXPECT_EQ(refusal(update, R"({"budget_id":"b","budget_duration":"forever"})").substr(0, 35),
            "Invalid value for 'budget_duration'");
  EXPECT_EQ(refusal(update, R"({"budget_id":"b","max_budgets":1})"),
            "Unknown field 'max_budgets' for /budget/update");
  EXPECT_EQ(refusal(update, R"({"budget_id":"b","max_budget":null,"model_max_budget":{}})"), "");
}

TEST(OrgMember, RolesAndIds) {
  EXPECT_TRUE(check_org_member("member", json::parse(R"({"role":"org_admin","user_id":"a"})")));
  EXPECT_TRUE(check_org_member("member",
                               json::parse(R"({"role":"internal_user_viewer","user_email":"e"})")));
  EXPECT_FALSE(check_org_member("member", json::parse(R"({"role":"admin","user_id":"a"})")));
  EXPECT_FALSE(check_org_member("member", json::parse(R"({"role":"internal_user"})")));
  EXPECT_FALSE(check_org_member("member", json::parse(R"({"role":"internal_user","user_id":1})")));
  EXPECT_FALSE(check_org_member(
      "member", json::parse(R"({"role":"internal_user","user_id":"a","budget":1})")));
  EXPECT_FALSE(check_org_member("member", json::parse(R"("a")")));
}

TEST(BudgetRowFields, AreLiteLLMBudgetTableFields) {
  std::vector<std::string_view> names(budget_row_fields().begin(), budget_row_fields().end());
  for (auto name : {"max_budget", "soft_budget", "tpm_limit", "rpm_limit", "budget_duration",
                    "model_max_budget", "max_parallel_requests"})
    EXPECT_NE(std::find(names.begin(), names.end(), name), names.end()) << name;
}

}  // namespace
}  // namespace routeiq::keys
