// One env reader and one file reader for the whole program.
#include "routeiq/core/env.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace routeiq {
namespace {

TEST(Env, UnsetAndEmptyReadTheSame) {
  ::setenv("ROUTEIQ_ENV_TEST", "value", 1);
  EXPECT_EQ(env_or_empty("ROUTEIQ_ENV_TEST"), "value");
  EXPECT_TRUE(env_set("ROUTEIQ_ENV_TEST"));
  ::setenv("ROUTEIQ_ENV_TEST", "", 1);
  EXPECT_FALSE(env_set("ROUTEIQ_ENV_TEST"));
  ::unsetenv("ROUTEIQ_ENV_TEST");
  EXPECT_EQ(env_or_empty("ROUTEIQ_ENV_TEST"), "");
  EXPECT_EQ(env_or_empty(""), "");
}

TEST(ReadWholeFile, ContentsOrWhyNot) {
  auto path = std::filesystem::temp_directory_path() / "routeiq-env-test.bin";
  {
    std::ofstream out(path, std::ios::binary);
    out << std::string("a\0b\n", 4);
  }
  std::string problem;
  auto text = read_whole_file(path.string(), problem);
  ASSERT_TRUE(text);
  EXPECT_EQ(*text, std::string("a\0b\n", 4)) << "binary-safe";
  std::filesystem::remove(path);
  EXPECT_FALSE(read_whole_file(path.string(), problem));
  EXPECT_NE(problem.find("No such file"), std::string::npos) << problem;
}

}  // namespace
}  // namespace routeiq
