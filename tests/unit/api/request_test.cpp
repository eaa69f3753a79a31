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
