// Runtime tables built from a config: which deployments can be called.
#include <gtest/gtest.h>

#include <cstdlib>

#include "routeiq/runtime/snapshot.hpp"

namespace routeiq::runtime {
namespace {

TEST(Snapshot, AMockedDeploymentIsCallableWithoutApiBase) {
  ::unsetenv("AZURE_API_BASE");
  auto cfg = config::load_config_string(R"(model_list:
  - model_name: mocked
    litellm_params: {model: azure/dep, mock_response: hi}
  - model_name: real
    litellm_params: {model: azure/dep}
  - model_name: unknown
    litellm_params: {model: nosuchprovider/x, mock_response: hi}
)");
  ASSERT_TRUE(cfg) << cfg.error().message;
  auto snap = build_snapshot(std::make_shared<const config::Config>(std::move(cfg.value())));
  ASSERT_TRUE(snap) << snap.error().message;
  const auto& d = snap.value()->deployments;
  ASSERT_EQ(d.size(), 3u);
  EXPECT_EQ(d[0].not_callable_reason, "");
  EXPECT_NE(d[1].not_callable_reason.find("needs an api_base"), std::string::npos);
  // A mock does not make an unknown provider known: LiteLLM fails it too.
  EXPECT_NE(d[2].not_callable_reason.find("nosuchprovider"), std::string::npos);
}

}  // namespace
}  // namespace routeiq::runtime
