#include "routeiq/core/json.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace routeiq {
namespace {

TEST(JsonNumber, NumbersAndNumericStrings) {
  auto o = boost::json::parse(R"({"a": 3, "b": 0.25, "c": "1.5", "d": "x", "e": "", "f": true})")
               .as_object();
  EXPECT_EQ(loose_number_at(o, "a"), 3.0);
  EXPECT_EQ(loose_number_at(o, "b"), 0.25);
  EXPECT_EQ(loose_number_at(o, "c"), 1.5);
  EXPECT_FALSE(loose_number_at(o, "d"));
  EXPECT_FALSE(loose_number_at(o, "e"));
  EXPECT_FALSE(loose_number_at(o, "f"));
  EXPECT_FALSE(loose_number_at(o, "missing"));
  EXPECT_EQ(str_or(o, "c"), "1.5");
  EXPECT_EQ(str_or(o, "a"), "") << "a number is not a string";
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

namespace routeiq {
namespace {

TEST(JsonReaders, AbsentOrOtherTypeReadsAsAbsent) {
  auto o =
      boost::json::parse(
          R"({"s": "x", "o": {}, "a": [1], "i": 7, "big": 18014398509481984, "d": 2.0, "b": true})")
          .as_object();
  EXPECT_EQ(str_or(o, "s"), "x");
  EXPECT_EQ(str_or(o, "i", "dflt"), "dflt");
  EXPECT_NE(obj_at(o, "o"), nullptr);
  EXPECT_EQ(obj_at(o, "a"), nullptr);
  EXPECT_NE(arr_at(o, "a"), nullptr);
  EXPECT_EQ(int_at(o, "i"), 7);
  EXPECT_EQ(int_at(o, "d"), 2);
  EXPECT_FALSE(int_at(o, "big")) << "2^54 is not an exact count";
  EXPECT_FALSE(int_at(o, "s"));
  EXPECT_EQ(num_at(o, "d"), 2.0);
  EXPECT_FALSE(num_at(o, "s"));
  EXPECT_TRUE(bool_or(o, "b", false));
  EXPECT_TRUE(bool_or(o, "i", true)) << "a number is not a bool";
}

TEST(JsonParse, ObjectOnlyBoundedFinite) {
  auto ok = parse_json_object(R"({"a": 1})", "request body");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->at("a").as_int64(), 1);
  auto arr = parse_json_object("[1]", "request body");
  ASSERT_FALSE(arr);
  EXPECT_EQ(arr.error().message, "Request body must be a JSON object");
  std::string deep(kMaxJsonDepth + 1, '[');
  deep = "{\"a\":" + deep;
  auto too_deep = parse_json_object(deep, "request body");
  ASSERT_FALSE(too_deep);
  EXPECT_EQ(too_deep.error().kind, ErrorKind::invalid_json);
}

}  // namespace
}  // namespace routeiq
