// Every learned router must recover a routing that is known by construction,
// reproduce itself bit for bit with a fixed seed, and survive a disk round trip.
#include <gtest/gtest.h>

#include <filesystem>

#include "routeiq/ml/artifact.hpp"
#include "routeiq/ml/router.hpp"
#include "routeiq/ml/train.hpp"
#include "router_synthetic.hpp"

namespace routeiq::ml {
namespace {

using testing::Kind;

struct Case {
  const char* router;
  bool pair_only;  // trained on weak/strong only
};

class RouterRecovery : public ::testing::TestWithParam<Case> {};

std::string best_model(Kind kind, bool with_coder, double cost_weight) {
  if (kind == Kind::hard) return "strong";
  if (kind == Kind::code) return with_coder ? "coder" : "strong";
  return cost_weight > 0 ? "weak" : "weak";  // easy: weak ties strong and is cheaper
}

TEST_P(RouterRecovery, RoutesHeldOutQueriesToTheKnownBestModel) {
  const Case c = GetParam();
  const bool with_coder = !c.pair_only;
  auto train = testing::make_dataset(180, 21, with_coder);
  auto artifact = train_router(c.router, train, testing::small_options());
  ASSERT_TRUE(artifact) << artifact.error().message;
  auto router = router_from_artifact(*artifact);
  ASSERT_TRUE(router) << router.error().message;
  const auto& models = (*router)->info().models;
  auto prices = normalized_prices(models, (*router)->info().prices);

  std::vector<Kind> kinds;
  auto test = testing::make_dataset(90, 99, with_coder, &kinds);
  const double cost_weight = 0.3;
  int correct = 0;
  for (size_t i = 0; i < test.examples.size(); ++i) {
    auto q = (*router)->predict(test.examples[i].query);
    ASSERT_EQ(q.size(), models.size());
    for (double v : q) ASSERT_TRUE(v >= 0 && v <= 1) << v;
    int pick = select_model(q, prices, cost_weight);
    ASSERT_GE(pick, 0);
    correct += models[size_t(pick)] == best_model(kinds[i], with_coder, cost_weight);
  }
  EXPECT_GE(correct, int(0.9 * double(test.examples.size())))
      << c.router << " routed " << correct << " of " << test.examples.size();
  EXPECT_TRUE(artifact->manifest.metrics.contains("mean_quality"));
}

TEST_P(RouterRecovery, FixedSeedGivesIdenticalArtifactsAndDiskRoundTrip) {
  const Case c = GetParam();
  auto data = testing::make_dataset(70, 5, !c.pair_only);
  auto a = train_router(c.router, data, testing::small_options(3));
  auto b = train_router(c.router, data, testing::small_options(3));
  ASSERT_TRUE(a && b);
  EXPECT_EQ(encode_safetensors(a->tensors), encode_safetensors(b->tensors));
  EXPECT_EQ(manifest_to_json(a->manifest, a->tensors), manifest_to_json(b->manifest, b->tensors));

  auto dir = (std::filesystem::temp_directory_path() /
              ("routeiq_recovery_" + std::to_string(::getpid()) + "_" + c.router))
                 .string();
  ASSERT_TRUE(write_artifact(*a, dir));
  auto loaded = load_router(dir);
  ASSERT_TRUE(loaded) << loaded.error().message;
  auto direct = router_from_artifact(*a);
  ASSERT_TRUE(direct);
  for (const auto& e : data.examples)
    EXPECT_EQ((*loaded)->predict(e.query), (*direct)->predict(e.query));
  EXPECT_EQ((*loaded)->info().version, a->version);
  std::filesystem::remove_all(dir);
}

// On a two-model pool the pair routers must still order queries by the strong
// model's gain (routerdc once collapsed to a constant there; svm fits the gain).
class PairGain : public ::testing::TestWithParam<const char*> {};

TEST_P(PairGain, HardQueriesGetTheLargerPredictedGain) {
  auto train = testing::make_dataset(180, 21, false);
  auto artifact = train_router(GetParam(), train, testing::small_options());
  ASSERT_TRUE(artifact) << artifact.error().message;
  auto router = router_from_artifact(*artifact);
  ASSERT_TRUE(router) << router.error().message;
  std::vector<Kind> kinds;
  auto test = testing::make_dataset(90, 99, false, &kinds);
  double hard = 0, easy = 0, n_hard = 0, n_easy = 0, lowest_hard = 2, highest_easy = -2;
  for (size_t i = 0; i < test.examples.size(); ++i) {
    auto q = (*router)->predict(test.examples[i].query);
    ASSERT_EQ(q.size(), 2u);
    double gain = q[1] - q[0];  // strong - weak
    if (kinds[i] == Kind::hard) {
      hard += gain, n_hard += 1;
      lowest_hard = std::min(lowest_hard, gain);
    } else {
      easy += gain, n_easy += 1;
      highest_easy = std::max(highest_easy, gain);
    }
  }
  ASSERT_GT(n_hard, 0);
  ASSERT_GT(n_easy, 0);
  EXPECT_GT(hard / n_hard, easy / n_easy + 0.3) << GetParam();
  EXPECT_GT(lowest_hard, highest_easy) << GetParam() << ": the gains do not separate the kinds";
}

INSTANTIATE_TEST_SUITE_P(Routers, PairGain, ::testing::Values("svm", "routerdc", "knn", "mf"),
                         [](const auto& info) { return std::string(info.param); });

INSTANTIATE_TEST_SUITE_P(Routers, RouterRecovery,
                         ::testing::Values(Case{"knn", false}, Case{"svm", false},
                                           Case{"mlp", false}, Case{"mf", false},
                                           Case{"elo", false}, Case{"routerdc", false},
                                           Case{"hybrid", true}, Case{"graph", false}),
                         [](const auto& info) { return std::string(info.param.router); });

}  // namespace
}  // namespace routeiq::ml
