// Evaluation metrics against values worked out by hand on tiny matrices.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "routeiq/ml/eval.hpp"

namespace routeiq::ml {
namespace {

Matrix matrix(const std::vector<std::vector<double>>& rows) {
  Matrix m(rows.size(), rows.front().size());
  for (size_t i = 0; i < rows.size(); ++i)
    for (size_t j = 0; j < rows[i].size(); ++j) m(i, j) = rows[i][j];
  return m;
}

EvalOptions no_bootstrap() {
  EvalOptions options;
  options.bootstrap_resamples = 0;
  return options;
}

// A weak/strong pair, 4 queries, prices 1 and 10 (selection scale .1 and 1).
//   true scores   weak  [0, 0, 1, 0]   strong [1, 1, 1, 0]   -> q_weak .25, q_strong .75
//   strong - weak gain d = [1, 1, 0, 0]; the gap is 2 queries' worth.
//   predicted gain g = [.8, .3, .5, .1]  -> routing order q0, q2, q1, q3
// Routing the top k to the strong model recovers 1, 1, 2, 2 of the gap, so the
// PGR curve is (0,0) (.25,.5) (.5,.5) (.75,1) (1,1):
//   APGR (exact)  = .25 * (.25 + .5 + .75 + 1) = .625
//   APGR (10 bins): PGR at 0,.1..1 = 0 .2 .4 .5 .5 .5 .7 .9 1 1 1 -> .1 * (5.7 + .5) = .62
//   CPT(50%) = .25 (first segment reaches .5 at its end); CPT(80%) = .5 + .3/2 = .65
// Cost-weight sweep (strong iff g > .9 w): strong fractions 1, .75, .5, .25, 0 with scores
// .75 .75 .5 .5 .25; normalised cost = strong fraction. Upper hull (0,.25) (.25,.5)
// (.75,.75): area .25*.375 + .5*.625 + .25*.75 = .59375. The best single model
// (strong, .75) is matched first at 3/4 strong: cost .75*10 + .25*1 = 7.75 -> ratio .775.
// Oracle: q0,q1 strong; q2,q3 tie -> weak (cheaper): score .75, cost 5.5.
EvalInput pair_example() {
  EvalInput in;
  in.models = {"weak", "strong"};
  in.truth = matrix({{0, 1}, {0, 1}, {1, 1}, {0, 0}});
  in.predicted = matrix({{0.5, 1.3}, {0.5, 0.8}, {0.5, 1.0}, {0.5, 0.6}});
  in.price = {1, 10};
  return in;
}

TEST(EvalPair, PgrApgrAndCptByHand) {
  auto r = evaluate(pair_example(), no_bootstrap());
  ASSERT_TRUE(r.pair);
  EXPECT_EQ(r.pair->weak, 0);
  EXPECT_EQ(r.pair->strong, 1);
  EXPECT_DOUBLE_EQ(r.pair->weak_score, 0.25);
  EXPECT_DOUBLE_EQ(r.pair->strong_score, 0.75);
  EXPECT_DOUBLE_EQ(r.pair->apgr.value, 0.625);
  EXPECT_NEAR(r.pair->apgr_10bin.value, 0.62, 1e-12);
  EXPECT_DOUBLE_EQ(r.pair->cpt50.value, 0.25);
  EXPECT_NEAR(r.pair->cpt80.value, 0.65, 1e-12);
  EXPECT_NEAR(r.pair->pgr_curve[60].second, 0.7, 1e-12);
  EXPECT_FALSE(r.pair->apgr.ci);  // no resamples asked for
}

TEST(EvalPair, CostCurveBaselinesAndArea) {
  auto r = evaluate(pair_example(), no_bootstrap());
  EXPECT_EQ(r.best_single, 1);
  EXPECT_EQ(r.cheapest, 0);
  EXPECT_DOUBLE_EQ(r.score_at_zero.value, 0.75);
  EXPECT_DOUBLE_EQ(r.cost_at_zero, 10.0);
  EXPECT_DOUBLE_EQ(r.oracle.mean_score, 0.75);
  EXPECT_DOUBLE_EQ(r.oracle.mean_cost, 5.5);
  EXPECT_DOUBLE_EQ(r.random.mean_score, 0.5);
  EXPECT_DOUBLE_EQ(r.random.mean_cost, 5.5);
  EXPECT_TRUE(std::isnan(r.gap_closed.value));  // the oracle is no better than the strong model
  EXPECT_DOUBLE_EQ(r.cost_ratio_at_best_single_quality.value, 0.775);
  EXPECT_DOUBLE_EQ(r.auc.value, 0.59375);
  EXPECT_DOUBLE_EQ(r.random_mix_auc, 0.5);
  EXPECT_DOUBLE_EQ(r.oracle_auc, 0.625);  // points (0,.25) and (.5,.75)
  for (const auto& p : r.curve) {
    EXPECT_DOUBLE_EQ(p.cost_norm, p.strong_fraction);
    double w = 0.9 * p.cost_weight;
    if (w >= 0.3 + 1e-9 && w < 0.5 - 1e-9) {
      EXPECT_DOUBLE_EQ(p.strong_fraction, 0.5);
    }
    if (w >= 0.8 + 1e-9) {
      EXPECT_DOUBLE_EQ(p.mean_score, 0.25);
    }
  }
}

// Three models priced 1, 2, 4 (selection scale .25, .5, 1), 4 queries:
//   S = [1 .5 0; 0 1 0; 0 0 1; 1 1 1]  means .5 .625 .5 -> best single m1, cheapest m0
//   oracle: m0, m1, m2, m0 -> score 1, cost 2; random: score 1.625/3, cost 7/3
//   P = [.4 .6 .1; .1 .8 .3; 0 .1 .9; .2 .6 .5]
// Choices by cost weight w (value P - w * price_norm, cheaper on ties); only price
// differences matter, .25 and .75 times w against m0, so with v = .75 w:
//   v < .6      m1 m1 m2 m1  score .875 cost 2.5
//   .6 <= v <.9 m0 m1 m2 m1  score 1    cost 2.25
//   .9 <= v<1.2 m0 m1 m0 m1  score .75  cost 1.5
//   1.2<= v<2.1 m0 m1 m0 m0  score .75  cost 1.25
//   v >= 2.1    m0 m0 m0 m0  score .5   cost 1
// gap closed at w=0: (.875-.625)/(1-.625) = 2/3; best single matched at cost 1.25 -> ratio .625.
// Hull over normalised cost: (0,.5) (1/12,.75) (5/12,1) -> area 5/96 + 28/96 + 56/96 = 89/96.
// Oracle sweep: (1/3,1) for w<1, (1/12,.75) for w<3, (0,.5) -> area 5/96 + 21/96 + 64/96 = .9375.
EvalInput three_model_example() {
  EvalInput in;
  in.models = {"small", "medium", "large"};
  in.truth = matrix({{1, 0.5, 0}, {0, 1, 0}, {0, 0, 1}, {1, 1, 1}});
  in.predicted = matrix({{0.4, 0.6, 0.1}, {0.1, 0.8, 0.3}, {0.0, 0.1, 0.9}, {0.2, 0.6, 0.5}});
  in.price = {1, 2, 4};
  return in;
}

TEST(EvalMany, BaselinesByHand) {
  auto r = evaluate(three_model_example(), no_bootstrap());
  EXPECT_FALSE(r.pair);
  EXPECT_EQ(r.best_single, 1);
  EXPECT_EQ(r.cheapest, 0);
  EXPECT_DOUBLE_EQ(r.models[1].mean_score, 0.625);
  EXPECT_DOUBLE_EQ(r.oracle.mean_score, 1.0);
  EXPECT_DOUBLE_EQ(r.oracle.mean_cost, 2.0);
  EXPECT_NEAR(r.random.mean_score, 1.625 / 3, 1e-12);
  EXPECT_NEAR(r.random.mean_cost, 7.0 / 3, 1e-12);
  EXPECT_NEAR(r.random_mix_auc, 0.1875 + 0.625 * 2 / 3, 1e-12);
}

TEST(EvalMany, RouterCurveByHand) {
  auto r = evaluate(three_model_example(), no_bootstrap());
  EXPECT_DOUBLE_EQ(r.score_at_zero.value, 0.875);
  EXPECT_DOUBLE_EQ(r.cost_at_zero, 2.5);
  EXPECT_NEAR(r.gap_closed.value, 2.0 / 3, 1e-12);
  EXPECT_DOUBLE_EQ(r.max_mean_score.value, 1.0);
  EXPECT_DOUBLE_EQ(r.cost_ratio_at_best_single_quality.value, 0.625);
  EXPECT_NEAR(r.auc.value, 89.0 / 96, 1e-12);
  EXPECT_NEAR(r.oracle_auc, 0.9375, 1e-12);
  EXPECT_EQ(r.near_best_model, 1);
  EXPECT_DOUBLE_EQ(r.router_score_at_near_best_cost, 0.75);
  for (const auto& p : r.curve) {
    double v = 0.75 * p.cost_weight;
    if (v >= 0.6 + 1e-9 && v < 0.9 - 1e-9) {
      EXPECT_DOUBLE_EQ(p.mean_score, 1.0) << p.cost_weight;
      EXPECT_DOUBLE_EQ(p.mean_cost, 2.25) << p.cost_weight;
    }
    EXPECT_TRUE(std::isnan(p.strong_fraction));
  }
  EXPECT_DOUBLE_EQ(r.curve.back().mean_cost, 1.0);  // the grid reaches all-cheapest
}

TEST(EvalMany, NeverMatchingTheBestModelGivesInfiniteRatio) {
  auto in = three_model_example();
  in.predicted = matrix({{1, 0, 0}, {1, 0, 0}, {1, 0, 0}, {1, 0, 0}});  // always the cheapest
  auto r = evaluate(in, no_bootstrap());
  EXPECT_DOUBLE_EQ(r.max_mean_score.value, 0.5);
  EXPECT_TRUE(std::isinf(r.cost_ratio_at_best_single_quality.value));
}

TEST(EvalHull, AreaOfAKnownCurve) {
  // (.3,.3) lies under the chord (0,.2)-(.5,.6); (.9,.6) is dominated.
  auto hull = upper_hull({{0, 0.2}, {0.5, 0.6}, {1, 0.7}, {0.3, 0.3}, {0.9, 0.6}});
  ASSERT_EQ(hull.size(), 3u);
  EXPECT_EQ(hull[1], (CostQuality{0.5, 0.6}));
  EXPECT_NEAR(hull_area(hull), 0.2 + 0.325, 1e-12);
  // A single point extends flat over the whole cost range.
  EXPECT_DOUBLE_EQ(hull_area(upper_hull({{0.4, 0.8}})), 0.8);
}

TEST(EvalSelect, TiesGoToTheCheaperModel) {
  Matrix p = matrix({{0.5, 0.5, 0.5}});
  EXPECT_EQ(choose_model(p, 0, {1.0, 0.2, 0.5}, 0.0), 1);
  Matrix q = matrix({{0.2, 0.9}});
  EXPECT_EQ(choose_model(q, 0, {0.5, 1.0}, 1.0), 1);  // .9 - 1 > .2 - .5
  EXPECT_EQ(choose_model(q, 0, {0.5, 1.0}, 1.4), 0);  // .9 - 1.4 = .2 - .7: tie, cheaper
}

struct Synthetic {
  std::vector<double> weak, strong, random_gain, true_gain;
};

Synthetic synthetic_pair(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::bernoulli_distribution weak_right(0.6), strong_right(0.8);
  std::uniform_real_distribution<double> noise(0.0, 1.0);
  Synthetic s;
  for (size_t i = 0; i < n; ++i) {
    s.weak.push_back(weak_right(rng) ? 1.0 : 0.0);
    s.strong.push_back(strong_right(rng) ? 1.0 : 0.0);
    s.random_gain.push_back(noise(rng));
    s.true_gain.push_back(s.strong.back() - s.weak.back() + 0.1 * noise(rng));
  }
  return s;
}

TEST(EvalPair, RandomRoutingGivesApgrOneHalf) {
  auto s = synthetic_pair(4000, 11);
  auto curve = pgr_curve(s.random_gain, s.weak, s.strong);
  EXPECT_NEAR(apgr_dense(curve), 0.5, 0.04);
  EXPECT_NEAR(cpt(curve, 0.5), 0.5, 0.08);
  // A router that knows the true gain does far better.
  auto informed = pgr_curve(s.true_gain, s.weak, s.strong);
  EXPECT_GT(apgr_dense(informed), 0.85);
  EXPECT_LT(cpt(informed, 0.8), 0.3);
}

TEST(EvalPair, ConstantPredictionIsExactlyRandom) {
  auto s = synthetic_pair(500, 3);
  std::vector<double> same(s.weak.size(), 0.2);
  auto curve = pgr_curve(same, s.weak, s.strong);
  ASSERT_EQ(curve.size(), 2u);  // one block of ties: a straight line
  EXPECT_NEAR(apgr_dense(curve), 0.5, 1e-12);
  EXPECT_NEAR(apgr_bins(curve, 10), 0.5, 1e-12);
  EXPECT_NEAR(cpt(curve, 0.8), 0.8, 1e-12);
}

EvalInput synthetic_input(size_t n, uint64_t seed) {
  auto s = synthetic_pair(n, seed);
  EvalInput in;
  in.models = {"weak", "strong"};
  in.truth = Matrix(n, 2);
  in.predicted = Matrix(n, 2);
  for (size_t i = 0; i < n; ++i) {
    in.truth(i, 0) = s.weak[i];
    in.truth(i, 1) = s.strong[i];
    in.predicted(i, 0) = 0.5;
    in.predicted(i, 1) = 0.5 + 0.5 * s.true_gain[i] + 0.5 * (s.random_gain[i] - 0.5);
  }
  in.price = {0.5, 20};
  return in;
}

TEST(EvalBootstrap, FixedSeedIsDeterministicAndBracketsTheEstimate) {
  auto in = synthetic_input(200, 5);
  EvalOptions options;
  options.bootstrap_resamples = 100;
  options.seed = 99;
  auto first = evaluate(in, options);
  auto again = evaluate(in, options);
  ASSERT_TRUE(first.pair && first.pair->apgr.ci && first.auc.ci);
  EXPECT_EQ(first.pair->apgr.ci->lo, again.pair->apgr.ci->lo);
  EXPECT_EQ(first.pair->apgr.ci->hi, again.pair->apgr.ci->hi);
  EXPECT_EQ(first.auc.ci->lo, again.auc.ci->lo);
  EXPECT_LT(first.pair->apgr.ci->lo, first.pair->apgr.value);
  EXPECT_GT(first.pair->apgr.ci->hi, first.pair->apgr.value);
  EXPECT_LE(first.score_at_zero.ci->lo, first.score_at_zero.value);
  options.seed = 100;
  auto other = evaluate(in, options);
  EXPECT_NE(first.pair->apgr.ci->lo, other.pair->apgr.ci->lo);
}

}  // namespace
}  // namespace routeiq::ml
