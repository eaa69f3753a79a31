#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "routeiq/ml/features.hpp"
#include "router_synthetic.hpp"

namespace routeiq::ml {
namespace {

FeatureConfig small_config() {
  FeatureConfig c;
  c.hash_bits = 14;
  c.dense_dim = 8;
  c.projection_vocab = 1024;
  return c;
}

std::vector<std::string> corpus(size_t n) {
  auto d = testing::make_dataset(n, 11, true);
  std::vector<std::string> texts;
  for (auto& e : d.examples) texts.push_back(e.query);
  return texts;
}

std::vector<std::string_view> views(const std::vector<std::string>& texts) {
  return {texts.begin(), texts.end()};
}

float cosine(const Eigen::VectorXf& a, const Eigen::VectorXf& b) {
  return a.dot(b) / (a.norm() * b.norm());
}

float sparse_dot(const SparseFeatures& a, const SparseFeatures& b) {
  float dot = 0;
  for (size_t i = 0; i < a.index.size(); ++i)
    for (size_t j = 0; j < b.index.size(); ++j)
      if (a.index[i] == b.index[j]) dot += a.value[i] * b.value[j];
  return dot;
}

TEST(FeaturesSparse, IsUnitLengthUniqueAndDeterministic) {
  auto texts = corpus(60);
  auto f = Featurizer::fit(views(texts), small_config(), false);
  auto a = f.sparse("Prove the theorem that the integral of x^2 is finite.");
  auto b = f.sparse("Prove the theorem that the integral of x^2 is finite.");
  EXPECT_EQ(a.index, b.index);
  EXPECT_EQ(a.value, b.value);
  double norm = 0;
  for (float v : a.value) norm += double(v) * v;
  EXPECT_NEAR(norm, 1.0, 1e-5);
  std::set<uint32_t> unique(a.index.begin(), a.index.end());
  EXPECT_EQ(unique.size(), a.index.size());
  for (uint32_t i : a.index) EXPECT_LT(i, f.sparse_size());
  EXPECT_TRUE(f.sparse("").index.empty());
}

TEST(FeaturesSparse, CaseAndSpacingDoNotMatterButWordsDo) {
  auto texts = corpus(60);
  auto f = Featurizer::fit(views(texts), small_config(), false);
  auto a = f.sparse("What is the capital of France?");
  EXPECT_NEAR(sparse_dot(a, f.sparse("what  is the\ncapital of FRANCE?")), 1.0, 1e-5);
  EXPECT_LT(sparse_dot(a, f.sparse("Write a python function to sort a list")), 0.5);
}

TEST(FeaturesSparse, RareTermsOutweighCommonOnes) {
  // "river" appears in every training text, "zebra" in none: the idf must favour zebra.
  std::vector<std::string> texts;
  for (int i = 0; i < 30; ++i) texts.push_back("river number " + std::to_string(i));
  auto f = Featurizer::fit(views(texts), small_config(), false);
  auto x = f.sparse("river zebra");
  auto river = f.sparse("river");
  auto zebra = f.sparse("zebra");
  EXPECT_GT(sparse_dot(x, zebra), sparse_dot(x, river));
}

TEST(FeaturesSurface, DetectsCodeMathChoicesAndQuestions) {
  auto plain = raw_surface_features("tell me a story about a dog");
  auto code = raw_surface_features("```python\ndef f(x):\n    return {x: 1};\n```");
  auto math = raw_surface_features("Solve $x^2 = 4$ and compute \\frac{3}{4} + 2*5");
  auto choice = raw_surface_features("Which is right?\nA. red\nB. blue\nC. green\nD. none");
  EXPECT_EQ(plain[5], 0.f);
  EXPECT_GT(code[5], plain[5]);
  EXPECT_GT(math[6], plain[6]);
  EXPECT_GT(choice[8], plain[8]);
  EXPECT_EQ(choice[7], 1.f);
  EXPECT_EQ(plain[7], 0.f);
  EXPECT_GT(raw_surface_features(std::string(1000, 'a'))[0], plain[0]);
  EXPECT_GT(raw_surface_features("12 + 34 = 46")[2], plain[2]);
}

TEST(FeaturesDense, SimilarQueriesAreCloserAndSeedIsReproducible) {
  auto texts = corpus(120);
  auto f = Featurizer::fit(views(texts), small_config(), true);
  auto g = Featurizer::fit(views(texts), small_config(), true);
  EXPECT_EQ(f.dense_size(), 8 + kSurfaceFeatures);
  auto hard1 = f.dense("prove the theorem that the integral of river garden");
  auto hard2 = f.dense("prove the theorem that the integral of ocean window");
  auto easy = f.dense("what is the capital of river garden");
  EXPECT_GT(cosine(hard1, hard2), cosine(hard1, easy));
  EXPECT_TRUE(hard1.isApprox(g.dense("prove the theorem that the integral of river garden")));
  EXPECT_NEAR(hard1.head(8).norm(), 1.0, 1e-4);
  for (int i = 0; i < hard1.size(); ++i) EXPECT_TRUE(std::isfinite(hard1[i]));
}

TEST(FeaturesDense, ArtifactRoundTripGivesIdenticalFeatures) {
  auto texts = corpus(80);
  auto f = Featurizer::fit(views(texts), small_config(), true);
  Artifact a;
  f.to_artifact(a);
  auto back = Featurizer::from_artifact(a, true);
  ASSERT_TRUE(back) << back.error().message;
  const char* q = "fix this code: for (int i = 0; i < n; ++i) { pencil";
  EXPECT_EQ(f.dense(q), back->dense(q));
  EXPECT_EQ(f.sparse(q).value, back->sparse(q).value);

  Artifact broken = a;
  broken.manifest.features["hash_bits"] = 40;
  EXPECT_FALSE(Featurizer::from_artifact(broken, true));
  broken = a;
  broken.tensors.erase("features.projection");
  EXPECT_FALSE(Featurizer::from_artifact(broken, true));
  broken = a;
  broken.tensors["features.projection_index"] = Tensor::from_i32({1}, {1 << 20});
  EXPECT_FALSE(Featurizer::from_artifact(broken, true));
}

TEST(FeaturesDense, TinyCorporaStillWork) {
  std::vector<std::string> one = {"only one text"};
  auto f = Featurizer::fit(views(one), small_config(), true);
  auto v = f.dense("anything else");
  EXPECT_EQ(v.size(), f.dense_size());
  for (int i = 0; i < v.size(); ++i) EXPECT_TRUE(std::isfinite(v[i]));
}

}  // namespace
}  // namespace routeiq::ml
