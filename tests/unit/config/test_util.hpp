#pragma once
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "../scoped_env.hpp"
#include "routeiq/config/config.hpp"

namespace routeiq::config::testing {

inline const std::string kData = std::string(ROUTEIQ_TEST_DATA) + "/config";

// Loads YAML text named "config.yaml"; a failure is reported with its message.
inline Config load_ok(const std::string& yaml) {
  auto result = load_config_string(yaml, "config.yaml");
  EXPECT_TRUE(result.ok()) << (result.ok() ? "" : result.error().message);
  return result.ok() ? std::move(result).value() : Config{};
}

inline std::string load_error(const std::string& yaml) {
  auto result = load_config_string(yaml, "config.yaml");
  EXPECT_FALSE(result.ok()) << "expected an error for:\n" << yaml;
  return result.ok() ? std::string() : result.error().message;
}

using routeiq::testing::ScopedEnv;

}  // namespace routeiq::config::testing
