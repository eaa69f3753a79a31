#pragma once
// Offline evaluation of a router from its predictions alone: the core takes the
// predicted quality matrix P, the measured score matrix S and the model prices,
// so it is independent of any router implementation.
//
// Selection at cost weight w picks, per query, argmax_j P[i][j] - w * price_norm[j]
// (cheaper model on ties) with price_norm = price / highest price, the same rule
// and scale as serving (select_model), so a weight read off the curve can be
// configured as is. The cost of a query is the chosen model's raw price; for areas
// it is mapped to [0,1] between the cheapest and the most expensive model.
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace routeiq::ml {

// Row-major rows x cols matrix: one row per query, one column per model.
struct Matrix {
  size_t rows = 0;
  size_t cols = 0;
  std::vector<double> values;

  Matrix() = default;
  Matrix(size_t r, size_t c, double fill = 0.0) : rows(r), cols(c), values(r * c, fill) {}
  double& operator()(size_t i, size_t j) { return values[i * cols + j]; }
  double operator()(size_t i, size_t j) const { return values[i * cols + j]; }
};

struct EvalInput {
  std::vector<std::string> models;
  Matrix predicted;           // P, n x m
  Matrix truth;               // S, n x m, no NaN
  std::vector<double> price;  // per model, USD per million tokens (blended)
};

struct EvalOptions {
  std::vector<double> cost_weights;  // empty: default_cost_weights(price_norm)
  int bootstrap_resamples = 1000;    // 0: no confidence intervals
  uint64_t seed = 20240917;
};

struct CurvePoint {
  double cost_weight = 0;
  double mean_score = 0;
  double mean_cost = 0;        // USD per million tokens
  double cost_norm = 0;        // mean_cost mapped to [0,1] between cheapest and priciest model
  double strong_fraction = 0;  // pairs: share of queries sent to the strong model; else NaN
};

// A point of a cost-quality plane: normalised cost and mean score.
using CostQuality = std::pair<double, double>;

struct Interval {
  double lo = 0;
  double hi = 0;
};

// A headline number with its 95% percentile-bootstrap interval (absent if no resamples).
struct Estimate {
  double value = 0;
  std::optional<Interval> ci;
};

struct ModelSummary {
  std::string model;
  double mean_score = 0;
  double price = 0;
  double price_norm = 0;  // selection scale: price / highest price
};

struct PolicySummary {
  double mean_score = 0;
  double mean_cost = 0;
};

struct PairMetrics {
  int weak = 0;  // model indices; weak is the cheaper model
  int strong = 1;
  double weak_score = 0;
  double strong_score = 0;
  std::vector<std::pair<double, double>> pgr_curve;  // (strong fraction, PGR), 101 points
  Estimate apgr;                                     // exact area under the PGR curve
  Estimate apgr_10bin;                               // trapezoid over fractions 0, 0.1, ..., 1
  Estimate cpt50;                                    // strong fraction first reaching PGR 0.5
  Estimate cpt80;                                    // ... PGR 0.8; NaN when never reached
};

struct EvalResult {
  size_t n = 0;
  std::vector<ModelSummary> models;
  int best_single = 0;                   // highest mean score, cheaper on ties
  int cheapest = 0;                      // lowest price, better on ties
  std::vector<CurvePoint> curve;         // the router, one point per cost weight
  std::vector<CurvePoint> oracle_curve;  // the same sweep choosing by the true scores
  std::vector<CostQuality> random_mix;   // upper hull of the single models (random mixtures)
  PolicySummary oracle;                  // per query best score, cheapest among ties
  PolicySummary random;                  // expected value of a uniform choice
  Estimate score_at_zero;                // router mean score at cost weight 0
  double cost_at_zero = 0;
  Estimate max_mean_score;  // best router mean score over the sweep
  Estimate gap_closed;      // (score_at_zero - best single) / (oracle - best single)
  // Lowest router cost reaching the best single model's mean score, over that model's
  // price; +inf when never reached.
  Estimate cost_ratio_at_best_single_quality;
  Estimate auc;  // area under the router's upper hull, normalised cost 0..1
  double oracle_auc = 0;
  double random_mix_auc = 0;
  // README metric: the cheapest single model within 1% of the best one's mean score,
  // and the router's best mean score at no more than its price.
  int near_best_model = 0;
  double router_score_at_near_best_cost = 0;
  std::optional<PairMetrics> pair;  // when there are exactly two models
};

EvalResult evaluate(const EvalInput& input, const EvalOptions& options = {});

// 0, a log grid from 1e-3 to beyond the largest weight that can still change a
// choice (predictions in [0,1]), and a linear grid over [0,1]; sorted, unique.
std::vector<double> default_cost_weights(const std::vector<double>& price_norm);

// price / highest price (all zero when every price is zero).
std::vector<double> normalise_prices(const std::vector<double>& price);

// Per query, the model maximising predicted - weight * price_norm; cheaper, then
// lower index, on ties.
int choose_model(const Matrix& predicted, size_t row, const std::vector<double>& price_norm,
                 double cost_weight);

// The non-decreasing upper concave hull of cost-quality points (RouterBench's
// AIQ construction, Hu et al. 2024): mixing two operating points at random
// reaches every point between them.
std::vector<CostQuality> upper_hull(std::vector<CostQuality> points);
// Area under the hull over normalised cost [0,1]; flat beyond its ends.
double hull_area(const std::vector<CostQuality>& hull);

// Threshold sweep for a weak/strong pair: queries sorted by predicted gain
// (descending), the top fraction x sent to the strong model, tied gains
// sharing their block evenly (linear within it). weights: bootstrap counts,
// empty = all ones. Returns (x, PGR) at every block boundary.
std::vector<std::pair<double, double>> pgr_curve(const std::vector<double>& gain,
                                                 const std::vector<double>& weak_score,
                                                 const std::vector<double>& strong_score,
                                                 const std::vector<double>& weights = {});
double pgr_at(const std::vector<std::pair<double, double>>& curve, double x);
double apgr_dense(const std::vector<std::pair<double, double>>& curve);
double apgr_bins(const std::vector<std::pair<double, double>>& curve, int bins);
// Smallest x with PGR(x) >= target (linear inside segments); NaN if never.
double cpt(const std::vector<std::pair<double, double>>& curve, double target);

}  // namespace routeiq::ml
