// The sparse logistic solver, task-grouped folds and the pair criterion that
// the linear routers and the hyper-parameter searches share.
#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "routeiq/ml/rng.hpp"
#include "routeiq/ml/router_impl.hpp"
#include "routeiq/ml/sparse_linear.hpp"
#include "routeiq/ml/train.hpp"
#include "router_synthetic.hpp"

namespace routeiq::ml {
namespace {

// Rows with one active "signal" column (0 or 1) and a few noise columns; the
// target is a success rate that depends on the signal only.
struct LogisticProblem {
  SparseDesign x;
  Eigen::MatrixXf y, mask;
};

LogisticProblem make_problem(int rows, uint64_t seed) {
  Rng rng(seed);
  std::vector<Eigen::Triplet<float, int32_t>> t;
  LogisticProblem p;
  p.y.resize(rows, 2);
  p.mask = Eigen::MatrixXf::Ones(rows, 2);
  for (int i = 0; i < rows; ++i) {
    int signal = int(rng.below(2));
    t.emplace_back(i, signal, 1.f);
    t.emplace_back(i, 2 + int(rng.below(50)), 0.5f);
    // Column 0: success 0.9 with signal 0, 0.2 with signal 1. Column 1: always 0.5.
    p.y(i, 0) = float(rng.uniform() < (signal == 0 ? 0.9 : 0.2));
    p.y(i, 1) = 0.5f;
  }
  p.x.resize(rows, 52);
  p.x.setFromTriplets(t.begin(), t.end());
  return p;
}

TEST(SparseLogistic, RecoversSuccessRatesAndConverges) {
  auto p = make_problem(2000, 3);
  LogisticFit fit = fit_sparse_logistic(p.x, p.y, p.mask, 1e-4);
  EXPECT_GT(fit.iterations, 0);
  Eigen::MatrixXf z = sparse_logits(p.x, fit);
  double on0 = 0, on1 = 0, n0 = 0, n1 = 0;
  for (int i = 0; i < p.x.rows(); ++i) {
    bool signal0 = p.x.coeff(i, 0) > 0;
    double prob = 1 / (1 + std::exp(-double(z(i, 0))));
    (signal0 ? on0 : on1) += prob;
    (signal0 ? n0 : n1) += 1;
    EXPECT_NEAR(1 / (1 + std::exp(-double(z(i, 1)))), 0.5, 0.02);
  }
  EXPECT_NEAR(on0 / n0, 0.9, 0.05);
  EXPECT_NEAR(on1 / n1, 0.2, 0.05);
  // Stronger regularisation pulls the two groups together.
  LogisticFit strong = fit_sparse_logistic(p.x, p.y, p.mask, 1.0);
  Eigen::MatrixXf zs = sparse_logits(p.x, strong);
  double gap_weak = 0, gap_strong = 0;
  for (int i = 0; i < p.x.rows(); ++i) {
    gap_weak = std::max(gap_weak, std::abs(double(z(i, 0) - z(0, 0))));
    gap_strong = std::max(gap_strong, std::abs(double(zs(i, 0) - zs(0, 0))));
  }
  EXPECT_LT(gap_strong, gap_weak);
  // A warm start from the solution needs (almost) no further iterations.
  LogisticFit again = fit_sparse_logistic(p.x, p.y, p.mask, 1e-4, &fit);
  EXPECT_LE(again.iterations, 3);
  EXPECT_LE(again.loss, fit.loss + 1e-6);
}

TEST(SparseLogistic, MaskedEntriesDoNotCount) {
  auto p = make_problem(600, 5);
  // Column 1's targets become 1 where masked out: the fit must ignore them.
  for (int i = 0; i < p.x.rows(); i += 2) {
    p.y(i, 1) = 1.f;
    p.mask(i, 1) = 0.f;
  }
  LogisticFit fit = fit_sparse_logistic(p.x, p.y, p.mask, 1e-3);
  EXPECT_NEAR(1 / (1 + std::exp(-double(fit.bias[1]))), 0.5, 0.05);
}

TEST(SparseLogistic, SelectRowsKeepsOrderAndValues) {
  auto p = make_problem(10, 9);
  SparseDesign s = select_sparse_rows(p.x, {7, 2, 2});
  ASSERT_EQ(s.rows(), 3);
  EXPECT_EQ(Eigen::MatrixXf(s.row(0)), Eigen::MatrixXf(p.x.row(7)));
  EXPECT_EQ(Eigen::MatrixXf(s.row(1)), Eigen::MatrixXf(p.x.row(2)));
  EXPECT_EQ(Eigen::MatrixXf(s.row(2)), Eigen::MatrixXf(p.x.row(2)));
}

TEST(GroupedFolds, KeepTasksWholeAndCoverEveryRow) {
  std::vector<std::string> tasks;
  for (int i = 0; i < 200; ++i) tasks.push_back("t" + std::to_string(i % 7));
  auto folds = grouped_folds(tasks, 3, 11);
  ASSERT_EQ(folds.size(), 3u);
  std::set<size_t> seen;
  std::vector<int> fold_of_task(7, -1);
  for (size_t f = 0; f < folds.size(); ++f) {
    EXPECT_FALSE(folds[f].empty());
    for (size_t r : folds[f]) {
      EXPECT_TRUE(seen.insert(r).second) << "row in two folds";
      int t = int(r % 7);
      if (fold_of_task[size_t(t)] < 0) fold_of_task[size_t(t)] = int(f);
      EXPECT_EQ(fold_of_task[size_t(t)], int(f)) << "task split across folds";
    }
  }
  EXPECT_EQ(seen.size(), tasks.size());
  // Fewer tasks than folds: random folds, still a partition.
  auto random = grouped_folds(std::vector<std::string>(30, "only"), 3, 1);
  size_t total = 0;
  for (const auto& f : random) total += f.size();
  EXPECT_EQ(total, 30u);
  EXPECT_EQ(random.size(), 3u);
}

TrainingSet pair_set(const std::vector<std::pair<float, float>>& scores) {
  TrainingSet s;
  s.models = {"weak", "strong"};
  s.prices = testing::synthetic_prices();
  s.scores.resize(int64_t(scores.size()), 2);
  s.known = RowMatrix::Ones(int64_t(scores.size()), 2);
  for (size_t i = 0; i < scores.size(); ++i) {
    s.scores(int64_t(i), 0) = scores[i].first;
    s.scores(int64_t(i), 1) = scores[i].second;
    s.texts.push_back("q");
    s.tasks.push_back("t");
  }
  return s;
}

TEST(PairArea, OrdersRankingsAndIgnoresTies) {
  // Rows 0,1: strong wins; rows 2,3: tie; row 4: weak wins.
  auto set = pair_set({{0, 1}, {0, 1}, {1, 1}, {0, 0}, {1, 0}});
  std::vector<size_t> rows = {0, 1, 2, 3, 4};
  auto [weak, strong] = weak_strong(set);
  EXPECT_EQ(weak, 0);
  EXPECT_EQ(strong, 1);
  Eigen::VectorXf best(5), worst(5), flat = Eigen::VectorXf::Zero(5);
  best << 5, 4, 3, 2, 1;
  worst << 1, 2, 3, 4, 5;
  double a_best = pair_area(best, set, rows, weak, strong);
  double a_worst = pair_area(worst, set, rows, weak, strong);
  double a_flat = pair_area(flat, set, rows, weak, strong);
  EXPECT_GT(a_best, a_flat);
  EXPECT_LT(a_worst, a_flat);
  EXPECT_NEAR(a_flat, 0.5, 1e-9);  // one tied block: the straight line
  // By hand: cumulative gain 1, 2, 2, 2, 1 over total 1, trapezoids / n.
  EXPECT_NEAR(a_best, (0.5 + 1.5 + 2 + 2 + 1.5) / 5.0, 1e-9);
}

TEST(SvmRouter, PairGainOptionFitsOneModelOtherwiseOnePerCandidate) {
  auto gain_options = testing::small_options();
  gain_options.params["pair_gain"] = 1;
  auto pair = train_router("svm", testing::make_dataset(120, 3, false), gain_options);
  ASSERT_TRUE(pair) << pair.error().message;
  EXPECT_EQ(pair->manifest.params.at("target").as_string(), "gain");
  EXPECT_EQ(pair->tensors.at("svm.weights").shape[1], 1);
  auto multi = train_router("svm", testing::make_dataset(120, 3, true), testing::small_options());
  ASSERT_TRUE(multi) << multi.error().message;
  EXPECT_EQ(multi->manifest.params.at("target").as_string(), "scores");
  EXPECT_EQ(multi->tensors.at("svm.weights").shape[1], 3);
  auto per_model =
      train_router("svm", testing::make_dataset(120, 3, false), testing::small_options());
  ASSERT_TRUE(per_model) << per_model.error().message;
  EXPECT_EQ(per_model->manifest.params.at("target").as_string(), "scores");
  // A gain artifact whose pair indices are broken is refused.
  Artifact bad = *pair;
  bad.manifest.params["strong"] = bad.manifest.params.at("weak");
  EXPECT_FALSE(router_from_artifact(bad));
}

}  // namespace
}  // namespace routeiq::ml
