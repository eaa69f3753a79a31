// Deployment ids: stable across runs and key order, different when params differ.
#include "routeiq/config/stable_id.hpp"

#include <boost/json.hpp>

#include "test_util.hpp"

namespace routeiq::config {
namespace {

using testing::load_ok;

std::string id_of(const std::string& params) {
  Config c = load_ok("model_list:\n  - model_name: m\n    litellm_params:\n" + params);
  return c.model_list.empty() ? "" : c.model_list[0].model_info.id;
}

TEST(CanonicalJson, SortsKeysAtEveryLevel) {
  auto a = boost::json::parse(R"({"b":1,"a":{"y":[1,{"d":2,"c":3}],"x":"s"}})");
  EXPECT_EQ(canonical_json(a), R"({"a":{"x":"s","y":[1,{"c":3,"d":2}]},"b":1})");
}

TEST(StableId, SameParamsInAnyKeyOrderGiveTheSameId) {
  std::string a = id_of("      model: openai/gpt-4o\n      rpm: 10\n      api_key: k\n");
  std::string b = id_of("      api_key: k\n      rpm: 10\n      model: openai/gpt-4o\n");
  EXPECT_EQ(a.size(), 32u);
  EXPECT_EQ(a.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_EQ(a, b);
  EXPECT_EQ(a, id_of("      model: openai/gpt-4o\n      rpm: 10\n      api_key: k\n"));
}

TEST(StableId, DifferentParamsGiveDifferentIds) {
  std::string base = id_of("      model: openai/gpt-4o\n      api_key: k1\n");
  EXPECT_NE(base, id_of("      model: openai/gpt-4o\n      api_key: k2\n"));  // secrets count
  EXPECT_NE(base, id_of("      model: openai/gpt-4o-mini\n      api_key: k1\n"));
  EXPECT_NE(base, id_of("      model: openai/gpt-4o\n      api_key: k1\n      temperature: 0\n"));
}

TEST(StableId, ModelNameIsPartOfTheId) {
  Config c = load_ok(R"(model_list:
  - model_name: a
    litellm_params: {model: openai/gpt-4o}
  - model_name: b
    litellm_params: {model: openai/gpt-4o}
)");
  EXPECT_NE(c.model_list[0].model_info.id, c.model_list[1].model_info.id);
}

TEST(StableId, MatchesTheDocumentedHashInput) {
  Config c = load_ok(
      "model_list:\n  - model_name: m\n    litellm_params:\n"
      "      model: openai/gpt-4o\n      rpm: 10\n");
  boost::json::object params{{"rpm", 10}, {"model", "openai/gpt-4o"}};
  EXPECT_EQ(c.model_list[0].model_info.id, deployment_id("m", params));
}

TEST(StableId, ExplicitIdWins) {
  EXPECT_EQ(id_of("      model: openai/gpt-4o\n    model_info:\n      id: my-id\n"), "my-id");
}

TEST(StableId, IdenticalEntriesGetOrderedSuffixes) {
  Config c = load_ok(R"(model_list:
  - model_name: a
    litellm_params: {model: openai/gpt-4o}
  - model_name: a
    litellm_params: {model: openai/gpt-4o}
)");
  ASSERT_EQ(c.model_list.size(), 2u);
  EXPECT_EQ(c.model_list[1].model_info.id, c.model_list[0].model_info.id + "-2");
  ASSERT_EQ(c.warnings.size(), 1u);
  EXPECT_TRUE(
      c.warnings[0].starts_with("config.yaml:4: model_list[1]: same model_name and "
                                "litellm_params as model_list[0]"))
      << c.warnings[0];
}

}  // namespace
}  // namespace routeiq::config
