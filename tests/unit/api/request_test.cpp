// The routing query read from a client body.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "routeiq/api/request.hpp"

namespace routeiq::api {
namespace {
namespace json = boost::json;

TEST(RoutingQuery, CappedAtThirtyTwoKiBOnACharacterBoundary) {
  std::string huge;
  while (huge.size() < 100'000) huge += "\xc3\xa9";  // two-byte characters
  json::object request{
      {"messages", json::array{json::object{{"role", "user"}, {"content", huge}}}}};
  auto q = routing_query(request);
  EXPECT_LE(q.size(), 32u * 1024);
  EXPECT_GE(q.size(), 32u * 1024 - 1);
  EXPECT_EQ(q.size() % 2, 0u) << "cut inside a character";
  json::array parts;
  for (int i = 0; i < 100; ++i) parts.push_back(json::object{{"type", "text"}, {"text", huge}});
  request["messages"] = json::array{json::object{{"role", "user"}, {"content", parts}}};
  EXPECT_LE(routing_query(request).size(), 32u * 1024);
  request["messages"] = json::array{json::object{{"role", "user"}, {"content", "short"}}};
  EXPECT_EQ(routing_query(request), "short");
}

}  // namespace
}  // namespace routeiq::api
