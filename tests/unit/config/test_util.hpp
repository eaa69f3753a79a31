#pragma once
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

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

// Sets a variable for one test and restores the previous state afterwards.
class ScopedEnv {
 public:
  ScopedEnv(std::string name, const char* value) : name_(std::move(name)) {
    if (const char* old = std::getenv(name_.c_str())) old_ = old, had_ = true;
    if (value)
      ::setenv(name_.c_str(), value, 1);
    else
      ::unsetenv(name_.c_str());
  }
  ~ScopedEnv() {
    if (had_)
      ::setenv(name_.c_str(), old_.c_str(), 1);
    else
      ::unsetenv(name_.c_str());
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  std::string name_, old_;
  bool had_ = false;
};

}  // namespace routeiq::config::testing
