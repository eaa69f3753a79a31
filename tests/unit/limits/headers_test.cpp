#include "routeiq/limits/headers.hpp"

#include <gtest/gtest.h>

#include "fake_clock.hpp"

namespace routeiq::limits {
namespace {

using test::at_s;

TEST(Headers, ScopeKindsAreLiteLLMsNames) {
  EXPECT_EQ(scope_kind("key:abc"), "key");
  EXPECT_EQ(scope_kind("user:u1"), "user");
  EXPECT_EQ(scope_kind("team:t1"), "team");
  EXPECT_EQ(scope_kind("end_user:c1"), "end_user");
  EXPECT_EQ(scope_kind("key_model:abc:gpt-4o"), "model_per_key");
  EXPECT_EQ(scope_kind("team_model:t1:gpt-4o"), "model_per_team");
  EXPECT_EQ(scope_kind("deployment:d1"), "deployment");
}

TEST(Headers, MessageOfAKeyOverItsRpmReadsAsLiteLLMs) {
  Limiter limiter;
  std::vector<Scope> scopes{{"key:abc", Limits{.rpm = 1}}};
  { auto first = limiter.admit(scopes, 0, at_s(0)); }  // released: nothing in flight
  Admission second = limiter.admit(scopes, 0, at_s(1));
  ASSERT_FALSE(second.admitted());
  EXPECT_EQ(refusal_message(*second.refusal),
            "LiteLLM Rate Limit Handler for rate limit type = key. Crossed TPM / RPM / Max "
            "Parallel Request Limit. current rpm: 2, rpm limit: 1, current tpm: 0, tpm limit: "
            "9223372036854775807, current max_parallel_requests: 0, max_parallel_requests: "
            "9223372036854775807");
}

TEST(Headers, RefusalHeadersCarryRetryAfterAndTheScopesLimits) {
  Refusal refusal{"team:t1",
                  LimitKind::tokens,
                  1000,
                  42,
                  Limits{.rpm = 10, .tpm = 1000},
                  Usage{.requests = 4, .tokens = 1200, .in_flight = 1}};
  HeaderList headers = refusal_headers(refusal);
  EXPECT_EQ(headers.size(), 5u);
  EXPECT_EQ(headers[0].first, "retry-after");
  EXPECT_EQ(headers.find("retry-after"), "42");
  EXPECT_EQ(headers.find("x-ratelimit-limit-requests"), "10");
  EXPECT_EQ(headers.find("x-ratelimit-remaining-requests"), "6");
  EXPECT_EQ(headers.find("x-ratelimit-limit-tokens"), "1000");
  EXPECT_EQ(headers.find("x-ratelimit-remaining-tokens"), "0");  // over the limit: 0, not negative
  EXPECT_EQ(refusal_message(refusal),
            "LiteLLM Rate Limit Handler for rate limit type = team. Crossed TPM / RPM / Max "
            "Parallel Request Limit. current rpm: 5, rpm limit: 10, current tpm: 1200, tpm "
            "limit: 1000, current max_parallel_requests: 1, max_parallel_requests: "
            "9223372036854775807");
}

TEST(Headers, RemainingHeadersOnlyForLimitsThatExist) {
  HeaderList only_requests =
      remaining_headers(Remaining{.request_limit = 5, .remaining_requests = 2});
  EXPECT_EQ(only_requests.size(), 2u);
  EXPECT_EQ(only_requests.find("x-ratelimit-remaining-requests"), "2");
  EXPECT_TRUE(only_requests.find("x-ratelimit-limit-tokens").empty());
  EXPECT_TRUE(remaining_headers(Remaining{}).empty());
}

}  // namespace
}  // namespace routeiq::limits
