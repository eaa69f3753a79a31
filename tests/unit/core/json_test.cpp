#include "routeiq/core/json.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace routeiq {
namespace {

TEST(JsonNumber, NumbersAndNumericStrings) {
  auto o = boost::json::parse(R"({"a": 3, "b": 0.25, "c": "1.5", "d": "x", "e": "", "f": true})")
               .as_object();
  EXPECT_EQ(json_number(o, "a"), 3.0);
  EXPECT_EQ(json_number(o, "b"), 0.25);
  EXPECT_EQ(json_number(o, "c"), 1.5);
  EXPECT_FALSE(json_number(o, "d"));
  EXPECT_FALSE(json_number(o, "e"));
  EXPECT_FALSE(json_number(o, "f"));
  EXPECT_FALSE(json_number(o, "missing"));
  EXPECT_EQ(json_string(o, "c"), "1.5");
  EXPECT_EQ(json_string(o, "a"), "");
}

}  // namespace
}  // namespace routeiq

namespace routeiq {
namespace {

TEST(JsonValidity, OneValueNothingElse) {
  EXPECT_TRUE(is_valid_json(R"({"a":[1,2,{"b":null}]})"));
  EXPECT_TRUE(is_valid_json(" 3 "));
  EXPECT_FALSE(is_valid_json("<html>maintenance</html>"));
  EXPECT_FALSE(is_valid_json(R"({"a":1)"));
  EXPECT_FALSE(is_valid_json(R"({"a":1} {"b":2})"));
  EXPECT_FALSE(is_valid_json(""));
}

TEST(JsonValidity, DepthUpToTheLimit) {
  auto nested = [](size_t depth) { return std::string(depth, '[') + std::string(depth, ']'); };
  EXPECT_TRUE(is_valid_json(nested(kMaxJsonDepth)));
  EXPECT_FALSE(is_valid_json(nested(kMaxJsonDepth + 1)));
}

TEST(JsonNonFinite, FoundAtAnyDepth) {
  EXPECT_FALSE(has_non_finite_number(boost::json::parse(R"({"a":[1.5,2,{"b":-3e10}]})")));
  EXPECT_TRUE(has_non_finite_number(boost::json::parse(R"({"a":[1,{"b":1e400}]})")));
  EXPECT_TRUE(has_non_finite_number(boost::json::parse("-1e999")));
}

}  // namespace
}  // namespace routeiq
