// Out-of-distribution shrinkage shared by the text routers.
#include <gtest/gtest.h>

#include <cmath>

#include "routeiq/ml/rng.hpp"
#include "routeiq/ml/router_impl.hpp"
#include "routeiq/ml/shrinkage.hpp"
#include "router_synthetic.hpp"

namespace routeiq::ml {
namespace {

TEST(Shrinkage, AlphaRampsFromLowAndApplyPullsToThePrior) {
  Shrinkage s;
  EXPECT_FALSE(s.enabled());
  EXPECT_EQ(s.alpha(-1.f), 1.f);
  s.low = 0.3f;
  s.width = 0.2f;
  s.prior = Eigen::Vector2f(0.6f, 0.4f);
  EXPECT_TRUE(s.enabled());
  EXPECT_EQ(s.alpha(0.2f), 0.f);
  EXPECT_NEAR(s.alpha(0.4f), 0.5f, 1e-6);
  EXPECT_EQ(s.alpha(0.9f), 1.f);
  std::vector<double> q = {0.0, 1.0};
  s.apply(q, 0.1f);
  EXPECT_NEAR(q[0], 0.6, 1e-6);
  EXPECT_NEAR(q[1], 0.4, 1e-6);
  q = {0.0, 1.0};
  s.apply(q, 0.4f);
  EXPECT_NEAR(q[0], 0.3, 1e-6);
  EXPECT_NEAR(q[1], 0.7, 1e-6);
  s.width = 0;  // a step
  EXPECT_EQ(s.alpha(0.29f), 0.f);
  EXPECT_EQ(s.alpha(0.3f), 1.f);
}

TEST(Shrinkage, SketchIsUnitAndKeepsSimilarTextsClose) {
  std::vector<std::string> texts = {"prove the theorem about the integral of a function",
                                    "prove the theorem about the integral of a sequence",
                                    "write a python function that sorts a list"};
  std::vector<std::string_view> views(texts.begin(), texts.end());
  FeatureConfig config;
  config.hash_bits = 14;
  Featurizer f = Featurizer::fit(views, config, false);
  auto a = sketch(f.sparse(texts[0])), b = sketch(f.sparse(texts[1])),
       c = sketch(f.sparse(texts[2]));
  EXPECT_NEAR(a.norm(), 1.f, 1e-5);
  EXPECT_GT(a.dot(b), a.dot(c));
  EXPECT_EQ(sketch(SparseFeatures{}).norm(), 0.f);
}

// Tasks with their own vocabulary; which model is better depends on the task,
// not on any word shared across tasks, so a router's predictions on a task it
// has not seen are noise, while "strong" is the best single model overall.
RoutingDataset disjoint_tasks(uint64_t seed) {
  RoutingDataset d;
  d.models = {"weak", "strong"};
  Rng rng(seed);
  const int tasks = 8;
  for (int t = 0; t < tasks; ++t) {
    // Per task: which words mark the queries the weak model gets right.
    for (int i = 0; i < 60; ++i) {
      RoutingExample e;
      e.id = "t" + std::to_string(t) + "-" + std::to_string(i);
      e.task = "task" + std::to_string(t);
      bool marked = rng.below(2) == 0;
      std::string q;
      for (int w = 0; w < 6; ++w)
        q += "w" + std::to_string(t) + "x" + std::to_string(rng.below(12)) + " ";
      // The marker word is shared by all tasks, but its meaning flips by task.
      if (marked) q += "zebra";
      e.query = q;
      bool weak_wins = marked == (t % 2 == 0);
      e.scores = {weak_wins ? 1.0 : 0.0, weak_wins ? 0.3 : 1.0};
      d.examples.push_back(std::move(e));
    }
  }
  return d;
}

TEST(Shrinkage, TrainedRouterShrinksQueriesOfUnseenTasksOnly) {
  auto data = disjoint_tasks(4);
  auto o = testing::small_options(5);
  o.val_fraction = 0;
  o.cv_folds = 4;
  auto artifact = train_router("knn", data, o);
  ASSERT_TRUE(artifact) << artifact.error().message;
  const auto& p = artifact->manifest.params;
  ASSERT_TRUE(p.contains("ood_low"));
  ASSERT_TRUE(artifact->tensors.count("ood.centroids"));
  // Out of fold (whole tasks held out) the shrunk predictions must not be
  // worse than the plain ones: that is how the setting was chosen.
  EXPECT_GE(p.at("ood_cv_shrunk").to_number<double>(), p.at("ood_cv_plain").to_number<double>());
  auto router = router_from_artifact(*artifact);
  ASSERT_TRUE(router) << router.error().message;
  // Queries in a vocabulary no training task used end at the prior.
  auto far = (*router)->predict("completely unrelated words about sailing boats");
  auto means = make_training_set(data, complement(data.examples.size(), {}), {}).model_means();
  // Here plain predictions on an unseen task are worse than the prior (the
  // shared marker word flips meaning), so the search must switch shrinkage on.
  EXPECT_GT(p.at("ood_low").to_number<double>(), -1.5);
  EXPECT_GT(p.at("ood_cv_shrunk").to_number<double>(), p.at("ood_cv_plain").to_number<double>());
  EXPECT_NEAR(far[0], means[0], 1e-4);
  EXPECT_NEAR(far[1], means[1], 1e-4);
  // A training query is near its own cluster: it keeps (most of) its own prediction.
  auto near = (*router)->predict(data.examples[0].query);
  auto plain = train_router("knn", data, [&] {
    auto q = o;
    q.params["ood"] = false;
    return q;
  }());
  ASSERT_TRUE(plain);
  EXPECT_FALSE(plain->tensors.count("ood.centroids"));
  auto plain_router = router_from_artifact(*plain);
  ASSERT_TRUE(plain_router);
  auto own = (*plain_router)->predict(data.examples[0].query);
  EXPECT_NEAR(near[0], own[0], 0.5 * std::abs(own[0] - means[0]) + 1e-6);
}

TEST(Shrinkage, ArtifactsWithBrokenShrinkageAreRefused) {
  auto data = testing::make_dataset(160, 2, false);
  auto o = testing::small_options(1);
  auto artifact = train_router("knn", data, o);
  ASSERT_TRUE(artifact) << artifact.error().message;
  ASSERT_TRUE(router_from_artifact(*artifact));
  Artifact bad = *artifact;
  auto prior = bad.tensors.at("ood.prior").to_f32();
  prior[0] = std::nanf("");
  bad.tensors["ood.prior"] = Tensor::from_f32({int64_t(prior.size())}, prior);
  EXPECT_FALSE(router_from_artifact(bad));
  Artifact no_param = *artifact;
  no_param.manifest.params.erase("ood_width");
  EXPECT_FALSE(router_from_artifact(no_param));
  Artifact missing = *artifact;
  missing.tensors.erase("ood.centroids");
  EXPECT_FALSE(router_from_artifact(missing));
}

}  // namespace
}  // namespace routeiq::ml
