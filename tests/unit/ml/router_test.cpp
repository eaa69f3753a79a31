#include <gtest/gtest.h>

#include <filesystem>

#include "routeiq/ml/artifact.hpp"
#include "routeiq/ml/router.hpp"
#include "routeiq/ml/train.hpp"
#include "router_synthetic.hpp"

namespace routeiq::ml {
namespace {

using testing::Kind;

TEST(RouterSelect, PicksHighestUtilityAmongAllowed) {
  std::vector<double> q = {0.5, 0.9, 0.8};
  std::vector<double> price = {0.1, 1.0, 0.2};
  EXPECT_EQ(select_model(q, price, 0.0), 1);
  EXPECT_EQ(select_model(q, price, 0.5), 2);  // 0.45 / 0.4 / 0.7
  EXPECT_EQ(select_model(q, price, 5.0), 0);
  EXPECT_EQ(select_model(q, price, 0.0, {true, false, true}), 2);
  EXPECT_EQ(select_model(q, price, 0.0, {false, false, false}), -1);
  EXPECT_EQ(select_model({}, {}, 0.0), -1);
  // Ties go to the cheaper model; NaN qualities are never chosen.
  EXPECT_EQ(select_model({0.7, 0.7}, {0.9, 0.3}, 0.0), 1);
  EXPECT_EQ(select_model({std::nan(""), 0.1}, {0, 0}, 0.0), 1);
  // A short mask disallows the rest; missing prices count as free.
  EXPECT_EQ(select_model(q, price, 0.0, {true}), 0);
  EXPECT_EQ(select_model(q, {}, 0.3), 1);
}

TEST(RouterPrices, NormalisesByTheMostExpensive) {
  auto p = normalized_prices({"weak", "strong", "unknown"}, testing::synthetic_prices());
  EXPECT_DOUBLE_EQ(p[0], 0.1);
  EXPECT_DOUBLE_EQ(p[1], 1.0);
  EXPECT_DOUBLE_EQ(p[2], 0.0);
}

TEST(RouterTrain, RefusesUnknownRoutersAndBadData) {
  auto data = testing::make_dataset(20, 1, true);
  auto r = train_router("telepathy", data, testing::small_options());
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("knn"), std::string::npos) << "lists the valid names";
  data.examples[3].scores.pop_back();
  EXPECT_FALSE(train_router("knn", data, testing::small_options()));
  EXPECT_FALSE(train_router("knn", RoutingDataset{}, testing::small_options()));
}

TEST(RouterBaselines, PickSmallestAndLargestByPrice) {
  auto data = testing::make_dataset(30, 2, true);
  for (auto [name, expected] : {std::pair{"smallest", "weak"}, std::pair{"largest", "strong"}}) {
    auto a = train_router(name, data, testing::small_options());
    ASSERT_TRUE(a) << a.error().message;
    auto router = router_from_artifact(*a);
    ASSERT_TRUE(router);
    auto q = (*router)->predict("anything");
    int pick = select_model(q, {}, 0);
    EXPECT_EQ((*router)->info().models[size_t(pick)], expected) << name;
  }
}

}  // namespace
}  // namespace routeiq::ml
