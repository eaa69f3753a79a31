#include "routeiq/core/http_request.hpp"

#include <gtest/gtest.h>

#include <string>

namespace routeiq {
namespace {

TEST(HeaderList, AddRefusesWhatWouldSplitAMessage) {
  HeaderList h;
  EXPECT_TRUE(h.add("x-team", "blue"));
  EXPECT_FALSE(h.add("x-bad", "a\r\nx-injected: 1"));
  EXPECT_FALSE(h.add("x-lf", "a\nb"));
  EXPECT_FALSE(h.add("x-nul", std::string("a\0b", 3)));
  EXPECT_FALSE(h.add("x bad", "v"));
  EXPECT_FALSE(h.add("x:bad", "v"));
  EXPECT_FALSE(h.add("", "v"));
  ASSERT_EQ(h.size(), 1u) << "refused headers are not kept";
  EXPECT_EQ(h[0].first, "x-team");
  EXPECT_EQ(h.refused(), "x-bad") << "the first refusal is named";
}

TEST(HeaderList, UnsendableNameIsNotEchoed) {
  HeaderList h;
  EXPECT_FALSE(h.add("x\r\nevil", "v"));
  EXPECT_EQ(h.refused(), "?");
}

TEST(HeaderList, FindIgnoresAsciiCase) {
  HeaderList h;
  h.add("Anthropic-Version", "2023-06-01");
  EXPECT_EQ(h.find("anthropic-version"), "2023-06-01");
  EXPECT_EQ(h.find("anthropic-beta"), "");
}

TEST(HeaderList, AppendKeepsOrderAndRefusal) {
  HeaderList a, b;
  a.add("a", "1");
  b.add("b", "2");
  b.add("c", "x\ry");
  a.append(b);
  ASSERT_EQ(a.size(), 2u);
  EXPECT_EQ(a[1].first, "b");
  EXPECT_EQ(a.refused(), "c");
  a.clear();
  EXPECT_TRUE(a.empty());
  EXPECT_EQ(a.refused(), "");
}

TEST(HeaderChecks, LongValuesAreCheckedPastTheFirstWord) {
  std::string v(37, 'a');
  EXPECT_TRUE(valid_header_value(v));
  v[33] = '\n';
  EXPECT_FALSE(valid_header_value(v));
  std::string name(21, 'x');
  name[17] = ' ';
  EXPECT_FALSE(valid_header_name(name));
}

}  // namespace
}  // namespace routeiq
