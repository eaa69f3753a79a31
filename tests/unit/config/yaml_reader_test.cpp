#include "routeiq/config/yaml_reader.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace routeiq::config::detail {
namespace {

TEST(YamlReader, ParseNumber) {
  EXPECT_EQ(parse_number("30"), 30.0);
  EXPECT_EQ(parse_number(" 2.5 "), 2.5);
  EXPECT_EQ(parse_number("+1e3"), 1000.0);
  EXPECT_EQ(parse_number("-0.5"), -0.5);
  EXPECT_FALSE(parse_number("abc"));
  EXPECT_FALSE(parse_number("inf"));
  EXPECT_FALSE(parse_number("nan"));
  EXPECT_FALSE(parse_number("1.2.3"));
  EXPECT_FALSE(parse_number(""));
  EXPECT_FALSE(parse_number("30s"));
}

TEST(YamlReader, ParseInteger) {
  EXPECT_EQ(parse_integer("42"), 42);
  EXPECT_EQ(parse_integer("-7"), -7);
  EXPECT_EQ(parse_integer("+7"), 7);
  EXPECT_EQ(parse_integer("3.0"), 3);
  EXPECT_EQ(parse_integer("1e3"), 1000);
  EXPECT_FALSE(parse_integer("1.5"));
  EXPECT_FALSE(parse_integer("x"));
}

// PyYAML reads YAML 1.1, where "_" groups the digits of integers and floats.
TEST(YamlReader, DigitSeparatorsAsInYaml11) {
  EXPECT_EQ(parse_integer("20_000"), 20000);
  EXPECT_EQ(parse_integer("+1_000_000"), 1000000);
  EXPECT_EQ(parse_integer("-2_5"), -25);
  EXPECT_EQ(parse_number("20_000"), 20000.0);
  EXPECT_EQ(parse_number("1_000.25"), 1000.25);
  EXPECT_EQ(parse_number("0.000_1"), 0.0001);
  EXPECT_EQ(parse_number("1_0.5e+2"), 1050.0);
}

TEST(YamlReader, DigitSeparatorsOnlyWhereYaml11AllowsThem) {
  for (const char* bad : {"_1000", "-_5", "1e1_0", "._5", "0_10", "1_000x", "_", "1_000.5.5"}) {
    EXPECT_FALSE(parse_integer(bad)) << bad;
    EXPECT_FALSE(parse_number(bad)) << bad;
  }
  EXPECT_FALSE(parse_integer("1_000.5"));
}

TEST(YamlReader, ParseBoolFollowsYaml11) {
  for (const char* t : {"true", "True", "TRUE", "yes", "on"}) EXPECT_EQ(parse_bool(t), true) << t;
  for (const char* f : {"false", "False", "no", "OFF"}) EXPECT_EQ(parse_bool(f), false) << f;
  EXPECT_FALSE(parse_bool("1"));
  EXPECT_FALSE(parse_bool("y"));
}

TEST(YamlReader, ToJsonTypes) {
  Warnings warnings;
  std::string file = "t.yaml";
  At at{&file, 1, "x"};
  auto v = to_json(YAML::Load(R"({i: 3, f: 1.5, b: yes, s: hello, q: "3", n: ~, l: [1, two],
                                  big: 99999999999999999999, ver: 1.2.3, grouped: 4_096,
                                  grouped_f: 0.5_0, word: a_b})"),
                   at, warnings);
  const auto& o = v.as_object();
  EXPECT_EQ(o.at("i").as_int64(), 3);
  EXPECT_DOUBLE_EQ(o.at("f").as_double(), 1.5);
  EXPECT_TRUE(o.at("b").as_bool());
  EXPECT_EQ(o.at("s").as_string(), "hello");
  EXPECT_EQ(o.at("q").as_string(), "3");
  EXPECT_TRUE(o.at("n").is_null());
  EXPECT_EQ(o.at("l").as_array()[0].as_int64(), 1);
  EXPECT_EQ(o.at("l").as_array()[1].as_string(), "two");
  EXPECT_TRUE(o.at("big").is_double());
  EXPECT_EQ(o.at("ver").as_string(), "1.2.3");
  EXPECT_EQ(o.at("grouped").as_int64(), 4096);
  EXPECT_DOUBLE_EQ(o.at("grouped_f").as_double(), 0.5);
  EXPECT_EQ(o.at("word").as_string(), "a_b");
  EXPECT_TRUE(warnings.empty());
}

TEST(YamlReader, AtFormatsPaths) {
  std::string file = "c.yaml";
  At root{&file, 1, ""};
  At item = root.key("model_list", 2).index(3, 9).key("litellm_params", 10);
  EXPECT_EQ(item.path, "model_list[3].litellm_params");
  EXPECT_EQ(item.where(), "c.yaml:10: model_list[3].litellm_params:");
  try {
    fail(item, "boom");
    FAIL() << "fail() returned";
  } catch (const LoadError& e) {
    EXPECT_STREQ(e.what(), "c.yaml:10: model_list[3].litellm_params: boom");
  }
}

}  // namespace
}  // namespace routeiq::config::detail
