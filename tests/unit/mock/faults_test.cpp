#include "core/faults.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace mock {
namespace {

TEST(InjectedFault, ErrorRateFailsAnExactFraction) {
  Settings s;
  s.error_rate = 0.25;
  s.error_status = 503;
  int failures = 0;
  for (uint64_t n = 1; n <= 100; ++n) {
    auto fault = injected_fault(s, n);
    if (!fault) continue;
    ++failures;
    EXPECT_EQ(fault->status, 503);
    EXPECT_EQ(boost::json::parse(fault->body).at("error").at("type"), "server_error");
  }
  EXPECT_EQ(failures, 25);
}

TEST(InjectedFault, NoFaultsByDefaultAndAllAtRateOne) {
  Settings s;
  for (uint64_t n = 1; n <= 10; ++n) EXPECT_FALSE(injected_fault(s, n));
  s.error_rate = 1;
  for (uint64_t n = 1; n <= 10; ++n) EXPECT_TRUE(injected_fault(s, n));
}

TEST(InjectedFault, RateLimitsEveryNthWithRetryAfter) {
  Settings s;
  s.rate_limit_every = 3;
  s.retry_after = 9;
  for (uint64_t n = 1; n <= 9; ++n) {
    auto fault = injected_fault(s, n);
    ASSERT_EQ(fault.has_value(), n % 3 == 0) << n;
    if (!fault) continue;
    EXPECT_EQ(fault->status, 429);
    EXPECT_TRUE(is_rate_limit(*fault));
    EXPECT_EQ(fault->headers, "Retry-After: 9\r\n");
    EXPECT_EQ(boost::json::parse(fault->body).at("error").at("code"), "rate_limit_exceeded");
  }
}

TEST(CheckAuth, BearerKeyOnOpenAIRoutes) {
  Settings s;
  EXPECT_FALSE(check_auth(s, Endpoint::chat, "", ""));
  s.api_key = "sk-right";
  EXPECT_FALSE(check_auth(s, Endpoint::chat, "Bearer sk-right", ""));
  auto missing = check_auth(s, Endpoint::chat, "", "");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 401);
  auto wrong = check_auth(s, Endpoint::models, "Bearer sk-wrong-key", "");
  ASSERT_TRUE(wrong);
  EXPECT_EQ(boost::json::parse(wrong->body).at("error").at("code"), "invalid_api_key");
  EXPECT_EQ(wrong->body.find("sk-wrong-key"), std::string::npos) << "key must be masked";
}

TEST(CheckAuth, AzureNeedsApiKeyHeader) {
  Settings s;
  EXPECT_TRUE(check_auth(s, Endpoint::azure_chat, "Bearer x", ""));
  EXPECT_FALSE(check_auth(s, Endpoint::azure_chat, "", "any"));
  s.api_key = "k1";
  EXPECT_TRUE(check_auth(s, Endpoint::azure_chat, "", "k2"));
  EXPECT_FALSE(check_auth(s, Endpoint::azure_chat, "", "k1"));
}

TEST(CheckAzureQuery, NeedsApiVersion) {
  EXPECT_FALSE(check_azure_query("api-version=2024-06-01"));
  EXPECT_FALSE(check_azure_query("a=1&api-version=2024-06-01"));
  auto missing = check_azure_query("a=1");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
  EXPECT_TRUE(check_azure_query("api-version="));
}

TEST(RouteErrors, NotFoundAndMethodNotAllowed) {
  auto nf = not_found("POST", "/v1/nope");
  EXPECT_EQ(nf.status, 404);
  EXPECT_EQ(boost::json::parse(nf.body).at("error").at("message"), "Invalid URL (POST /v1/nope)");
  auto mna = method_not_allowed("GET", "/v1/chat/completions", "POST");
  EXPECT_EQ(mna.status, 405);
  EXPECT_EQ(mna.headers, "Allow: POST\r\n");
}

}  // namespace
}  // namespace mock
