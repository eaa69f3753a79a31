// Building upstream requests and call plans from a config and a client body.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "routeiq/api/request.hpp"

namespace routeiq::api {
namespace {
namespace json = boost::json;

std::shared_ptr<const runtime::Snapshot> snapshot(const std::string& yaml) {
  auto cfg = config::load_config_string(yaml);
  EXPECT_TRUE(cfg) << (cfg ? "" : cfg.error().message);
  auto snap =
      runtime::build_snapshot(std::make_shared<const config::Config>(std::move(cfg.value())));
  EXPECT_TRUE(snap) << (snap ? "" : snap.error().message);
  return snap.value();
}

const char* kConfig = R"(model_list:
  - model_name: g
    litellm_params:
      model: openai/gpt-4o
      api_base: http://127.0.0.1:9/v1
      api_key: sk-up
      order: 2
      max_budget: 10
      cache_read_input_token_cost: 0.1
      aws_region_name: us-east-1
      temperature: 0.3
  - model_name: az
    litellm_params:
      model: azure/dep
      api_base: http://127.0.0.1:9
      api_key: az-key
      api_version: "2024-10-21"
)";

json::object body(std::string_view text) {
  return json::parse(text).as_object();
}

TEST(BuildUpstream, LiteLLMKeysStayInTheGateway) {
  auto snap = snapshot(kConfig);
  auto request = body(
      R"({"model":"g","messages":[],"timeout":3,"metadata":{"a":1},"tags":["t"],"caching":true,)"
      R"("fallbacks":["x"],"mock_testing_fallbacks":true,"api_key":"client","user":"u","top_k":3})");
  auto built = build_upstream(snap->deployments[0], Endpoint::chat_completions, request, "gpt-4o");
  ASSERT_TRUE(built);
  auto sent = json::parse(built->body).as_object();
  for (auto key :
       {"timeout", "metadata", "tags", "caching", "fallbacks", "mock_testing_fallbacks", "api_key",
        "order", "max_budget", "cache_read_input_token_cost", "aws_region_name"})
    EXPECT_FALSE(sent.contains(key)) << key;
  EXPECT_EQ(sent.at("user"), "u");  // OpenAI's own keys and unknown ones pass
  EXPECT_EQ(sent.at("top_k"), 3);
  EXPECT_EQ(sent.at("temperature"), 0.3);
  EXPECT_EQ(sent.at("model"), "gpt-4o");
}

TEST(BuildUpstream, AzureDeploymentIsOneEncodedSegment) {
  auto snap = snapshot(kConfig);
  const auto& az = snap->deployments[1];
  auto request = body(R"({"model":"az","messages":[]})");
  auto built = build_upstream(az, Endpoint::chat_completions, request, "my dep/../x?y=1");
  ASSERT_TRUE(built);
  EXPECT_EQ(built->url,
            "http://127.0.0.1:9/openai/deployments/my%20dep%2F..%2Fx%3Fy%3D1/chat/completions"
            "?api-version=2024-10-21");
  for (auto dots : {"..", ".", ""})
    EXPECT_FALSE(build_upstream(az, Endpoint::chat_completions, request, dots)) << dots;
}

TEST(RoutingQuery, CappedAtThirtyTwoKiBOnACharacterBoundary) {
  std::string huge;
  while (huge.size() < 100'000) huge += "\xc3\xa9";  // two-byte characters
  json::object request{
      {"messages", json::array{json::object{{"role", "user"}, {"content", huge}}}}};
  auto q = routing_query(request);
  EXPECT_LE(q.size(), 32u * 1024);
  EXPECT_GE(q.size(), 32u * 1024 - 1);
  EXPECT_EQ(q.size() % 2, 0u) << "cut inside a character";
  json::array parts;
  for (int i = 0; i < 100; ++i) parts.push_back(json::object{{"type", "text"}, {"text", huge}});
  request["messages"] = json::array{json::object{{"role", "user"}, {"content", parts}}};
  EXPECT_LE(routing_query(request).size(), 32u * 1024);
  request["messages"] = json::array{json::object{{"role", "user"}, {"content", "short"}}};
  EXPECT_EQ(routing_query(request), "short");
}

}  // namespace
}  // namespace routeiq::api
