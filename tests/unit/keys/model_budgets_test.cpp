// model_max_budget as a key document states it, and what /key/generate refuses.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <limits>

#include "routeiq/keys/access.hpp"
#include "routeiq/keys/key_fields.hpp"

namespace routeiq::keys {
namespace {

boost::json::object body(std::string_view text) {
  return boost::json::parse(text).as_object();
}

TEST(ModelBudgets, LiteLLMsFormsAndAliases) {
  auto read = read_model_budgets(body(R"({
      "gpt-4o": {"budget_limit": "0.0001", "time_period": "1d"},
      "claude": {"max_budget": 2, "budget_duration": "30m"},
      "mini": {"budget_limit": 1}})"));
  ASSERT_TRUE(read) << read.error().message;
  EXPECT_EQ(read->at("gpt-4o"), (ModelBudget{0.0001, 86'400'000}));
  EXPECT_EQ(read->at("claude"), (ModelBudget{2, 1'800'000}));
  EXPECT_EQ(read->at("mini").period_ms, std::numeric_limits<int64_t>::max())
      << "no time_period: the window never ends";
}

TEST(ModelBudgets, RefusedWithLiteLLMsMessage) {
  for (auto text : {R"({"gpt-4o": 5})", R"({"gpt-4o": {"budget_limit": "lots"}})",
                    R"({"gpt-4o": {"budget_limit": -1, "time_period": "1d"}})",
                    R"({"gpt-4o": {"budget_limit": 1, "time_period": "daily"}})",
                    R"({"gpt-4o": {"time_period": "1d"}})"}) {
    auto read = read_model_budgets(body(text));
    ASSERT_FALSE(read) << text;
    EXPECT_EQ(read.error().status(), 400);
    EXPECT_TRUE(read.error().message.starts_with("Invalid model_max_budget: gpt-4o: "))
        << read.error().message;
    EXPECT_FALSE(key_fields(body(std::string(R"({"model_max_budget":)") + text + "}"),
                            KeyOp::generate, std::chrono::system_clock::now()))
        << text;
  }
  EXPECT_TRUE(
      key_fields(body(R"({"model_max_budget":{"gpt-4o":{"budget_limit":1,"time_period":"1h"}}})"),
                 KeyOp::generate, std::chrono::system_clock::now()));
}

TEST(ModelBudgets, ProviderPrefixFallsBackToTheBareName) {
  ModelBudgets budgets{{"gpt-4o", {1, 1000}}, {"openai/o1", {2, 1000}}};
  ASSERT_NE(model_budget_for(budgets, "gpt-4o"), nullptr);
  ASSERT_NE(model_budget_for(budgets, "openai/gpt-4o"), nullptr);
  EXPECT_EQ(model_budget_for(budgets, "openai/gpt-4o")->first, "gpt-4o") << "the entry's window";
  EXPECT_DOUBLE_EQ(model_budget_for(budgets, "openai/gpt-4o")->second.limit, 1);
  EXPECT_DOUBLE_EQ(model_budget_for(budgets, "openai/o1")->second.limit, 2);
  EXPECT_EQ(model_budget_for(budgets, "o1"), nullptr) << "only the request's prefix is dropped";
  EXPECT_EQ(model_budget_for(budgets, "gpt-4o-mini"), nullptr);
}

TEST(ModelBudgets, ReadWithTheKeyAndAnUnreadableEntryIgnored) {
  auto key = read_key(
      "t", body(R"({"model_max_budget":{"gpt-4o":{"budget_limit":0.5,"time_period":"1d"}}})"));
  ASSERT_TRUE(key);
  ASSERT_EQ(key->model_budgets.size(), 1u);
  EXPECT_DOUBLE_EQ(key->model_budgets.at("gpt-4o").limit, 0.5);
  auto imported = read_key("t", body(R"({"model_max_budget":{"gpt-4":5.0}})"));
  ASSERT_TRUE(imported) << "a stored entry LiteLLM's validator refuses does not lock the key out";
  EXPECT_TRUE(imported->model_budgets.empty());
}

TEST(ModelBudgets, TheTeamsOrganisationRidesWithTheKey) {
  auto key = read_key("t", body(R"({"team_id":"t1"})"));
  ASSERT_TRUE(key);
  attach_team(key.value(), body(R"({"organization_id":"org-1"})"));
  EXPECT_EQ(key->team_organization_id, "org-1");
}

}  // namespace
}  // namespace routeiq::keys
