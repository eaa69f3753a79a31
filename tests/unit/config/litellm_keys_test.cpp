#include <gtest/gtest.h>

#include "routeiq/config/litellm_keys.hpp"

namespace routeiq::config {
namespace {

TEST(LiteLLMKeys, RequestAndDeploymentScopes) {
  EXPECT_TRUE(is_litellm_request_key("timeout"));
  EXPECT_TRUE(is_litellm_request_key("metadata"));
  EXPECT_FALSE(is_litellm_request_key("order"));  // a deployment setting only
  EXPECT_FALSE(is_litellm_request_key("temperature"));
  EXPECT_FALSE(is_litellm_request_key("user"));
  EXPECT_TRUE(is_litellm_deployment_key("order"));
  EXPECT_TRUE(is_litellm_deployment_key("vertex_ai_location"));
  EXPECT_TRUE(is_litellm_deployment_key("input_cost_per_token_above_200k_tokens"));
  EXPECT_FALSE(is_litellm_deployment_key("max_tokens"));
  EXPECT_FALSE(is_litellm_deployment_key("metadata"));
}

}  // namespace
}  // namespace routeiq::config
