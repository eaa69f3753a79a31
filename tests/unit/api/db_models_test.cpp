// The rules of a stored deployment: which params are credentials, sealing
// and opening them, and the strict checks of /model/new and /model/update.
#include "routeiq/api/db_models.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace routeiq::api {
namespace {

namespace json = boost::json;

keys::SecretBox box_of(std::string_view salt) {
  auto box = keys::SecretBox::from_salt_key(salt);
  EXPECT_TRUE(box.ok());
  return std::move(box.value());
}

json::object entry_with_secrets() {
  return {{"model_name", "m"},
          {"litellm_params",
           {{"model", "openai/gpt-4o"},
            {"api_base", "http://127.0.0.1:9/v1"},
            {"api_key", "sk-plain-secret-1"},
            {"vertex_credentials", {{"private_key", "-----BEGIN KEY-----"}}},
            {"aws_secret_access_key", "os.environ/AWS_SECRET"},
            {"temperature", 0.2}}},
          {"model_info", {{"id", "model-1"}}}};
}

TEST(DbModels, SecretParams) {
  for (auto key : {"api_key", "aws_secret_access_key", "aws_session_token", "vertex_credentials",
                   "azure_api_key", "client_secret", "extra_headers", "azure_ad_token"})
    EXPECT_TRUE(is_secret_param(key)) << key;
  for (auto key : {"model", "api_base", "max_tokens", "input_cost_per_token", "temperature",
                   "vertex_project", "aws_region_name"})
    EXPECT_FALSE(is_secret_param(key)) << key;
}

TEST(DbModels, SecretsAreSealedAndOpenedAgain) {
  auto box = box_of("salt");
  auto sealed = sealed_entry(entry_with_secrets(), &box);
  ASSERT_TRUE(sealed.ok()) << sealed.error().message;
  std::string text = json::serialize(sealed.value());
  EXPECT_EQ(text.find("sk-plain-secret-1"), std::string::npos);
  EXPECT_EQ(text.find("BEGIN KEY"), std::string::npos);
  const auto& params = sealed->at("litellm_params").as_object();
  EXPECT_TRUE(keys::is_sealed(params.at("api_key").as_string()));
  EXPECT_EQ(params.at("aws_secret_access_key").as_string(), "os.environ/AWS_SECRET")
      << "a reference stays";
  EXPECT_EQ(params.at("temperature").as_double(), 0.2);

  store::Row row{"model-1", sealed.value()};
  auto opened = unsealed_entry(row, &box);
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  EXPECT_EQ(opened.value(), entry_with_secrets());
}

TEST(DbModels, ASealedSecretOpensOnlyForItsModelAndSaltKey) {
  auto box = box_of("salt");
  auto sealed = sealed_entry(entry_with_secrets(), &box);
  ASSERT_TRUE(sealed.ok());
  store::Row moved{"model-2", sealed.value()};
  EXPECT_FALSE(unsealed_entry(moved, &box).ok()) << "copied to another model's row";
  auto other = box_of("another salt");
  store::Row row{"model-1", sealed.value()};
  auto wrong = unsealed_entry(row, &other);
  ASSERT_FALSE(wrong.ok());
  EXPECT_NE(wrong.error().message.find("salt key"), std::string::npos);
  EXPECT_FALSE(unsealed_entry(row, nullptr).ok());
}

TEST(DbModels, NoSaltKeyNoStoredCredential) {
  auto refused = sealed_entry(entry_with_secrets(), nullptr);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("ROUTEIQ_SALT_KEY"), std::string::npos);
  json::object by_reference = entry_with_secrets();
  auto& params = by_reference["litellm_params"].as_object();
  params.erase("vertex_credentials");
  params["api_key"] = "os.environ/OPENAI_KEY";
  EXPECT_TRUE(sealed_entry(by_reference, nullptr).ok());
}

TEST(DbModels, NewEntryFields) {
  json::object body{{"model_name", "m"}, {"litellm_params", {{"model", "openai/x"}}}};
  auto entry = new_model_entry(body);
  ASSERT_TRUE(entry.ok()) << entry.error().message;
  EXPECT_EQ(entry->at("model_info").at("id").as_string().size(), 36u) << "a new UUID";

  json::object typo = body;
  typo["modle_info"] = json::object();
  EXPECT_NE(new_model_entry(typo).error().message.find("Unknown field 'modle_info'"),
            std::string::npos);
  json::object huge = body;
  huge["model_info"] = json::object{{"blob", std::string(kMaxModelEntryBytes, 'x')}};
  EXPECT_FALSE(new_model_entry(huge).ok());
  json::object bad_id = body;
  bad_id["model_info"] = json::object{{"id", "a\nb"}};
  EXPECT_EQ(new_model_entry(bad_id).error().param, "model_info.id");
  json::object no_params{{"model_name", "m"}};
  EXPECT_FALSE(new_model_entry(no_params).ok());
}

TEST(DbModels, CheckedDeploymentIsStrict) {
  auto entry = [](json::object params) {
    return json::object{{"model_name", "m"}, {"litellm_params", std::move(params)}};
  };
  EXPECT_TRUE(checked_deployment(entry({{"model", "openai/x"}})).ok());
  auto unknown = checked_deployment(entry({{"model", "nosuch/x"}}));
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.error().message.find("unknown provider \"nosuch\""), std::string::npos);
  EXPECT_EQ(unknown.error().message.find("is kept"), std::string::npos);
  EXPECT_FALSE(checked_deployment(entry({{"model", "routeiq/knn"}})).ok());
  auto unset = checked_deployment(
      entry({{"model", "openai/x"}, {"api_key", "os.environ/ROUTEIQ_TEST_SURELY_UNSET"}}));
  ASSERT_FALSE(unset.ok());
  EXPECT_NE(unset.error().message.find("ROUTEIQ_TEST_SURELY_UNSET"), std::string::npos);
  EXPECT_FALSE(
      checked_deployment(entry({{"model", "openai/x"}, {"extra_headers", {{"X-A", "1\r\n2"}}}}))
          .ok());
}

TEST(DbModels, UpdateMergesKeyByKey) {
  json::object stored{{"model_name", "m"},
                      {"litellm_params", {{"model", "openai/x"}, {"api_key", "k"}}},
                      {"model_info", {{"id", "model-1"}, {"team", "a"}}}};
  json::object body{{"model_info", {{"id", "model-1"}, {"team", nullptr}, {"owner", "ana"}}},
                    {"litellm_params", {{"api_base", "http://h/v1"}}}};
  auto merged = updated_model_entry(stored, body);
  ASSERT_TRUE(merged.ok()) << merged.error().message;
  EXPECT_EQ(merged->at("litellm_params").at("api_key").as_string(), "k");
  EXPECT_EQ(merged->at("litellm_params").at("api_base").as_string(), "http://h/v1");
  EXPECT_FALSE(merged->at("model_info").as_object().contains("team"));
  EXPECT_EQ(merged->at("model_info").at("owner").as_string(), "ana");
  json::object other_id{{"model_info", {{"id", "model-2"}}}};
  EXPECT_FALSE(updated_model_entry(stored, other_id).ok());
}

}  // namespace
}  // namespace routeiq::api
