#include "routeiq/core/error.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace routeiq {
namespace {

TEST(ErrorTable, StatusesFollowTheTable) {
  EXPECT_EQ(make_error(ErrorKind::invalid_json, "x").status(), 400);
  EXPECT_EQ(make_error(ErrorKind::unauthorized, "x").status(), 401);
  EXPECT_EQ(make_error(ErrorKind::payload_too_large, "x").status(), 413);
  EXPECT_EQ(make_error(ErrorKind::rate_limited, "x").status(), 429);
  EXPECT_EQ(make_error(ErrorKind::no_deployment_available, "x").status(), 503);
  EXPECT_EQ(make_error(ErrorKind::timeout, "x").status(), 504);
}

TEST(ErrorTable, UpstreamStatusOverridesTable) {
  auto e = make_error(ErrorKind::upstream_error, "bad");
  e.status_override = 418;
  EXPECT_EQ(e.status(), 418);
  auto body = boost::json::parse(openai_error_body(e)).as_object();
  EXPECT_EQ(body.at("error").at("code").as_string(), "418");
}

TEST(ErrorTable, OpenAIShape) {
  auto body = boost::json::parse(
                  openai_error_body(make_error(ErrorKind::invalid_request, "msg \"q\"", "model")))
                  .as_object();
  const auto& err = body.at("error").as_object();
  EXPECT_EQ(err.at("message").as_string(), "msg \"q\"");
  EXPECT_EQ(err.at("type").as_string(), "invalid_request_error");
  EXPECT_EQ(err.at("param").as_string(), "model");
  EXPECT_TRUE(err.contains("code"));
  auto no_param = boost::json::parse(openai_error_body(make_error(ErrorKind::internal, "m")));
  EXPECT_TRUE(no_param.at("error").at("param").is_null());
}

TEST(ErrorTable, AnthropicShape) {
  auto body =
      boost::json::parse(anthropic_error_body(make_error(ErrorKind::unauthorized, "no key")))
          .as_object();
  EXPECT_EQ(body.at("type").as_string(), "error");
  EXPECT_EQ(body.at("error").at("type").as_string(), "authentication_error");
  EXPECT_EQ(body.at("error").at("message").as_string(), "no key");
}

TEST(ResultType, HoldsValueOrError) {
  Result<int> ok = 5;
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok.value(), 5);
  Result<int> bad = make_error(ErrorKind::timeout, "slow");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().kind, ErrorKind::timeout);
}

}  // namespace
}  // namespace routeiq

namespace routeiq {
namespace {

TEST(ErrorTable, UpstreamStatusKinds) {
  EXPECT_EQ(error_kind_for_status(529), ErrorKind::overloaded);
  EXPECT_EQ(error_spec(ErrorKind::overloaded).anthropic_type, "overloaded_error");
  EXPECT_EQ(error_kind_for_status(429), ErrorKind::rate_limited);
  EXPECT_EQ(error_kind_for_status(504), ErrorKind::timeout);
  EXPECT_EQ(error_kind_for_status(418), ErrorKind::upstream_error);
}

}  // namespace
}  // namespace routeiq
