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
