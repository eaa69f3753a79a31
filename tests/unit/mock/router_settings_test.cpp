#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <stdexcept>
#include <vector>

#include "core/router.hpp"
#include "core/settings.hpp"

namespace mock {
namespace {

TEST(MatchRoute, ServesOpenAIPathsWithAndWithoutV1) {
  for (auto target : {"/v1/chat/completions", "/chat/completions"}) {
    auto route = match_route("POST", target);
    EXPECT_EQ(route.endpoint, Endpoint::chat) << target;
    EXPECT_TRUE(route.method_allowed);
  }
  EXPECT_EQ(match_route("POST", "/v1/embeddings").endpoint, Endpoint::embeddings);
  EXPECT_EQ(match_route("POST", "/completions").endpoint, Endpoint::completions);
  EXPECT_EQ(match_route("GET", "/v1/models").endpoint, Endpoint::models);
  EXPECT_EQ(match_route("POST", "/v1/chat").endpoint, Endpoint::not_found);
}

TEST(MatchRoute, ExtractsArgumentsAndQuery) {
  auto model = match_route("GET", "/v1/models/openai/gpt-4o");
  EXPECT_EQ(model.endpoint, Endpoint::model);
  EXPECT_EQ(model.arg, "openai/gpt-4o");

  auto azure =
      match_route("POST", "/openai/deployments/prod-4o/chat/completions?api-version=2024-06-01");
  EXPECT_EQ(azure.endpoint, Endpoint::azure_chat);
  EXPECT_EQ(azure.arg, "prod-4o");
  EXPECT_EQ(azure.path, "/openai/deployments/prod-4o/chat/completions");
  EXPECT_EQ(query_param(azure.query, "api-version"), "2024-06-01");
  EXPECT_FALSE(query_param(azure.query, "api"));
}

TEST(MatchRoute, WrongMethodIsFlaggedWithAllowedMethods) {
  auto route = match_route("GET", "/v1/chat/completions");
  EXPECT_EQ(route.endpoint, Endpoint::chat);
  EXPECT_FALSE(route.method_allowed);
  EXPECT_EQ(route.allowed_methods, "POST");
  EXPECT_TRUE(match_route("GET", "/mock/config").method_allowed);
  EXPECT_TRUE(match_route("POST", "/mock/config").method_allowed);
  EXPECT_FALSE(match_route("PUT", "/mock/config").method_allowed);
}

Settings parse(std::vector<std::string> args) {
  std::vector<char*> argv{const_cast<char*>("mock-provider")};
  for (auto& a : args) argv.push_back(a.data());
  return parse_flags(static_cast<int>(argv.size()), argv.data());
}

TEST(ParseFlags, ReadsEveryKind) {
  auto s = parse({"--port", "8080", "--name", "east", "--threads", "2", "--error-rate", "0.5",
                  "--chunks", "64", "--tokens-per-second", "12.5", "--fail-mid-stream-after", "3"});
  EXPECT_EQ(s.port, 8080);
  EXPECT_EQ(s.name, "east");
  EXPECT_EQ(s.threads, 2);
  EXPECT_DOUBLE_EQ(s.error_rate, 0.5);
  EXPECT_EQ(s.chunks, 64);
  EXPECT_DOUBLE_EQ(s.tokens_per_second, 12.5);
  EXPECT_EQ(s.fail_mid_stream_after, 3);
}

TEST(ParseFlags, RejectsBadInput) {
  EXPECT_THROW(parse({"--bogus", "1"}), std::invalid_argument);
  EXPECT_THROW(parse({"--chunks"}), std::invalid_argument);
  EXPECT_THROW(parse({"--chunks", "many"}), std::invalid_argument);
  EXPECT_THROW(parse({"--chunks", "0"}), std::invalid_argument);
  EXPECT_THROW(parse({"--error-rate", "1.5"}), std::invalid_argument);
  EXPECT_THROW(parse({"--latency-ms", "2.5"}), std::invalid_argument);
  EXPECT_THROW(parse({"--port", "70000"}), std::invalid_argument);
}

TEST(ApplyConfig, ChangesLiveSettingsAtomically) {
  Settings s;
  auto changes = boost::json::parse(R"({"error_rate":1,"error_status":503,"latency_ms":200})");
  EXPECT_FALSE(apply_config(s, changes.as_object()));
  EXPECT_DOUBLE_EQ(s.error_rate, 1);
  EXPECT_EQ(s.error_status, 503);
  EXPECT_EQ(s.latency_ms, 200);

  auto partly_bad = boost::json::parse(R"({"latency_ms":5,"chunks":"eight"})");
  auto error = apply_config(s, partly_bad.as_object());
  ASSERT_TRUE(error);
  EXPECT_NE(error->find("chunks"), std::string::npos);
  EXPECT_EQ(s.latency_ms, 200) << "a rejected update changes nothing";

  EXPECT_TRUE(apply_config(s, boost::json::parse(R"({"threads":4})").as_object()))
      << "threads is start-up only";
  EXPECT_TRUE(apply_config(s, boost::json::parse(R"({"error_rat":0})").as_object()));

  auto shown = settings_to_json(s);
  EXPECT_EQ(shown.at("error_status"), 503);
  EXPECT_FALSE(shown.contains("threads"));
}

}  // namespace
}  // namespace mock
