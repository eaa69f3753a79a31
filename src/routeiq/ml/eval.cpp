#include "routeiq/ml/eval.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <random>
#include <stdexcept>
#include <tuple>

namespace routeiq::ml {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kEps = 1e-12;

double lerp_y(const std::pair<double, double>& a, const std::pair<double, double>& b, double x) {
  if (b.first - a.first <= 0) return b.second;
  return a.second + (b.second - a.second) * (x - a.first) / (b.first - a.first);
}

}  // namespace

std::vector<double> normalise_prices(const std::vector<double>& price) {
  std::vector<double> norm(price.size(), 0.0);
  if (price.empty()) return norm;
  double highest = *std::max_element(price.begin(), price.end());
  if (highest <= 0) return norm;
  for (size_t j = 0; j < price.size(); ++j) norm[j] = price[j] / highest;
  return norm;
}

std::vector<double> default_cost_weights(const std::vector<double>& price_norm) {
  std::vector<double> levels = price_norm;
  std::sort(levels.begin(), levels.end());
  double min_gap = kInf;
  for (size_t k = 1; k < levels.size(); ++k)
    if (levels[k] - levels[k - 1] > kEps) min_gap = std::min(min_gap, levels[k] - levels[k - 1]);
  std::vector<double> grid{0.0};
  if (min_gap == kInf) return grid;  // all prices equal: the weight changes nothing
  // Beyond 1/min_gap no quality difference in [0,1] outweighs a price step.
  const double lo = 1e-3, hi = 1.5 / min_gap;
  constexpr int kLogPoints = 240, kLinearPoints = 100;
  for (int k = 0; k < kLogPoints; ++k)
    grid.push_back(lo * std::pow(hi / lo, static_cast<double>(k) / (kLogPoints - 1)));
  for (int k = 1; k <= kLinearPoints; ++k) grid.push_back(static_cast<double>(k) / kLinearPoints);
  std::sort(grid.begin(), grid.end());
  grid.erase(std::unique(grid.begin(), grid.end()), grid.end());
  return grid;
}

int choose_model(const Matrix& predicted, size_t row, const std::vector<double>& price_norm,
                 double cost_weight) {
  int best = -1;
  double best_value = -kInf;
  for (size_t j = 0; j < predicted.cols; ++j) {
    double value = predicted(row, j) - cost_weight * price_norm[j];
    bool better = best < 0 || value > best_value + kEps ||
                  (std::abs(value - best_value) <= kEps && price_norm[j] < price_norm[best]);
    if (better) {
      best = static_cast<int>(j);
      best_value = value;
    }
  }
  return best;
}

std::vector<CostQuality> upper_hull(std::vector<CostQuality> points) {
  std::sort(points.begin(), points.end(), [](const CostQuality& a, const CostQuality& b) {
    return a.first != b.first ? a.first < b.first : a.second > b.second;
  });
  std::vector<CostQuality> hull;
  for (const auto& p : points) {
    if (!hull.empty() && p.second <= hull.back().second) continue;  // dominated: costs more
    while (hull.size() >= 2) {
      const auto& a = hull[hull.size() - 2];
      const auto& b = hull.back();
      double cross =
          (b.first - a.first) * (p.second - a.second) - (b.second - a.second) * (p.first - a.first);
      if (cross < 0) break;  // b stays above the chord a-p
      hull.pop_back();
    }
    hull.push_back(p);
  }
  return hull;
}

double hull_area(const std::vector<CostQuality>& hull) {
  if (hull.empty()) return 0.0;
  double area = std::clamp(hull.front().first, 0.0, 1.0) * hull.front().second;
  for (size_t k = 1; k < hull.size(); ++k) {
    double x0 = std::clamp(hull[k - 1].first, 0.0, 1.0), x1 = std::clamp(hull[k].first, 0.0, 1.0);
    area += (x1 - x0) * (hull[k - 1].second + hull[k].second) / 2.0;
  }
  area += (1.0 - std::clamp(hull.back().first, 0.0, 1.0)) * hull.back().second;
  return area;
}

std::vector<std::pair<double, double>> pgr_curve(const std::vector<double>& gain,
                                                 const std::vector<double>& weak_score,
                                                 const std::vector<double>& strong_score,
                                                 const std::vector<double>& weights) {
  size_t n = gain.size();
  auto weight = [&](size_t i) { return weights.empty() ? 1.0 : weights[i]; };
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return gain[a] > gain[b]; });
  double total = 0, weak_sum = 0, strong_sum = 0;
  for (size_t i = 0; i < n; ++i) {
    total += weight(i);
    weak_sum += weight(i) * weak_score[i];
    strong_sum += weight(i) * strong_score[i];
  }
  double gap = strong_sum - weak_sum;  // PGR = recovered part of this gap
  double nan = std::numeric_limits<double>::quiet_NaN();
  std::vector<std::pair<double, double>> curve{{0.0, gap > 0 ? 0.0 : nan}};
  double routed = 0, recovered = 0;
  for (size_t k = 0; k < n;) {
    size_t end = k;
    while (end < n && gain[order[end]] == gain[order[k]]) {
      size_t i = order[end++];
      routed += weight(i);
      recovered += weight(i) * (strong_score[i] - weak_score[i]);
    }
    curve.emplace_back(total > 0 ? routed / total : 1.0, gap > 0 ? recovered / gap : nan);
    k = end;
  }
  return curve;
}

double pgr_at(const std::vector<std::pair<double, double>>& curve, double x) {
  for (size_t k = 1; k < curve.size(); ++k)
    if (x <= curve[k].first) return lerp_y(curve[k - 1], curve[k], x);
  return curve.back().second;
}

double apgr_dense(const std::vector<std::pair<double, double>>& curve) {
  double area = 0;
  for (size_t k = 1; k < curve.size(); ++k)
    area += (curve[k].first - curve[k - 1].first) * (curve[k].second + curve[k - 1].second) / 2;
  return area;
}

double apgr_bins(const std::vector<std::pair<double, double>>& curve, int bins) {
  double area = 0;
  for (int b = 0; b < bins; ++b) {
    double x0 = static_cast<double>(b) / bins, x1 = static_cast<double>(b + 1) / bins;
    area += (x1 - x0) * (pgr_at(curve, x0) + pgr_at(curve, x1)) / 2;
  }
  return area;
}

double cpt(const std::vector<std::pair<double, double>>& curve, double target) {
  if (curve.empty() || std::isnan(curve.front().second)) return std::nan("");
  if (curve.front().second >= target) return curve.front().first;
  for (size_t k = 1; k < curve.size(); ++k) {
    const auto& a = curve[k - 1];
    const auto& b = curve[k];
    if (b.second >= target)
      return a.first + (target - a.second) / (b.second - a.second) * (b.first - a.first);
  }
  return std::nan("");
}

namespace {

// Everything about the inputs that the bootstrap does not change.
struct Prepared {
  size_t n = 0, m = 0;
  std::vector<double> price_norm, grid;
  size_t zero_index = 0;           // grid position of cost weight 0
  std::vector<int> router_choice;  // grid-major: [g * n + i]
  std::vector<int> oracle_choice;
  std::vector<double> oracle_score, oracle_cost;  // per query, at weight 0
  int weak = -1, strong = -1;                     // pairs only
  std::vector<double> gain, weak_score, strong_score;
};

// The metrics of one (re)sample, weighted by how often each query was drawn.
struct Measured {
  std::vector<double> model_mean;
  int best = 0;
  double oracle_score = 0, oracle_cost = 0;
  std::vector<CurvePoint> curve, oracle_curve;
  double score_at_zero = 0, cost_at_zero = 0, max_score = 0, gap_closed = 0;
  double cost_ratio = 0, auc = 0;
  std::vector<std::pair<double, double>> pgr;
  double apgr = 0, apgr10 = 0, cpt50 = 0, cpt80 = 0;
};

std::vector<int> choices_over_grid(const Matrix& scores, const Prepared& prep) {
  std::vector<int> choice(prep.grid.size() * prep.n);
  for (size_t g = 0; g < prep.grid.size(); ++g)
    for (size_t i = 0; i < prep.n; ++i)
      choice[g * prep.n + i] = choose_model(scores, i, prep.price_norm, prep.grid[g]);
  return choice;
}

// The weak model is the cheaper one (the lower scoring one at equal price).
std::pair<int, int> weak_strong(const EvalInput& in, const std::vector<double>& model_mean) {
  bool first_weak =
      in.price[0] != in.price[1] ? in.price[0] < in.price[1] : model_mean[0] <= model_mean[1];
  return first_weak ? std::pair{0, 1} : std::pair{1, 0};
}

std::vector<double> column_means(const Matrix& s) {
  std::vector<double> mean(s.cols, 0.0);
  for (size_t i = 0; i < s.rows; ++i)
    for (size_t j = 0; j < s.cols; ++j) mean[j] += s(i, j) / static_cast<double>(s.rows);
  return mean;
}

Prepared prepare(const EvalInput& in, const EvalOptions& options) {
  Prepared prep;
  prep.n = in.truth.rows;
  prep.m = in.truth.cols;
  prep.price_norm = normalise_prices(in.price);
  prep.grid =
      options.cost_weights.empty() ? default_cost_weights(prep.price_norm) : options.cost_weights;
  if (std::find(prep.grid.begin(), prep.grid.end(), 0.0) == prep.grid.end())
    prep.grid.push_back(0.0);
  std::sort(prep.grid.begin(), prep.grid.end());
  prep.grid.erase(std::unique(prep.grid.begin(), prep.grid.end()), prep.grid.end());
  prep.zero_index = std::find(prep.grid.begin(), prep.grid.end(), 0.0) - prep.grid.begin();
  prep.router_choice = choices_over_grid(in.predicted, prep);
  prep.oracle_choice = choices_over_grid(in.truth, prep);
  for (size_t i = 0; i < prep.n; ++i) {
    int j = prep.oracle_choice[i];  // weight 0: best score, cheapest among ties
    prep.oracle_score.push_back(in.truth(i, j));
    prep.oracle_cost.push_back(in.price[j]);
  }
  if (prep.m == 2) {
    std::tie(prep.weak, prep.strong) = weak_strong(in, column_means(in.truth));
    for (size_t i = 0; i < prep.n; ++i) {
      prep.gain.push_back(in.predicted(i, prep.strong) - in.predicted(i, prep.weak));
      prep.weak_score.push_back(in.truth(i, prep.weak));
      prep.strong_score.push_back(in.truth(i, prep.strong));
    }
  }
  return prep;
}

std::vector<CurvePoint> sweep(const EvalInput& in, const Prepared& prep,
                              const std::vector<int>& choice, const std::vector<double>& w,
                              double total) {
  auto [lo, hi] = std::minmax_element(in.price.begin(), in.price.end());
  std::vector<CurvePoint> curve;
  for (size_t g = 0; g < prep.grid.size(); ++g) {
    double score = 0, cost = 0, strong = 0;
    for (size_t i = 0; i < prep.n; ++i) {
      int j = choice[g * prep.n + i];
      score += w[i] * in.truth(i, j);
      cost += w[i] * in.price[j];
      strong += (j == prep.strong) ? w[i] : 0.0;
    }
    CurvePoint p{prep.grid[g], score / total, cost / total, 0.0, std::nan("")};
    p.cost_norm = *hi > *lo ? (p.mean_cost - *lo) / (*hi - *lo) : 0.0;
    if (prep.m == 2) p.strong_fraction = strong / total;
    curve.push_back(p);
  }
  return curve;
}

double curve_auc(const std::vector<CurvePoint>& curve) {
  std::vector<CostQuality> points;
  points.reserve(curve.size());
  for (const auto& p : curve) points.emplace_back(p.cost_norm, p.mean_score);
  return hull_area(upper_hull(std::move(points)));
}

int best_model(const std::vector<double>& mean, const std::vector<double>& price) {
  int best = 0;
  for (size_t j = 1; j < mean.size(); ++j)
    if (mean[j] > mean[best] + kEps ||
        (std::abs(mean[j] - mean[best]) <= kEps && price[j] < price[best]))
      best = static_cast<int>(j);
  return best;
}

void measure_pair(const Prepared& prep, const std::vector<double>& w, Measured& out) {
  out.pgr = pgr_curve(prep.gain, prep.weak_score, prep.strong_score, w);
  out.apgr = apgr_dense(out.pgr);
  out.apgr10 = apgr_bins(out.pgr, 10);
  out.cpt50 = cpt(out.pgr, 0.5);
  out.cpt80 = cpt(out.pgr, 0.8);
}

Measured measure(const EvalInput& in, const Prepared& prep, const std::vector<double>& w,
                 bool with_oracle_curve) {
  Measured out;
  double total = std::accumulate(w.begin(), w.end(), 0.0);
  out.model_mean.assign(prep.m, 0.0);
  for (size_t i = 0; i < prep.n; ++i) {
    for (size_t j = 0; j < prep.m; ++j) out.model_mean[j] += w[i] * in.truth(i, j) / total;
    out.oracle_score += w[i] * prep.oracle_score[i] / total;
    out.oracle_cost += w[i] * prep.oracle_cost[i] / total;
  }
  out.best = best_model(out.model_mean, in.price);
  out.curve = sweep(in, prep, prep.router_choice, w, total);
  if (with_oracle_curve) out.oracle_curve = sweep(in, prep, prep.oracle_choice, w, total);
  const CurvePoint& zero = out.curve[prep.zero_index];
  out.score_at_zero = zero.mean_score;
  out.cost_at_zero = zero.mean_cost;
  double best_score = out.model_mean[out.best];
  double headroom = out.oracle_score - best_score;
  out.gap_closed = headroom > kEps ? (zero.mean_score - best_score) / headroom : std::nan("");
  out.max_score = -kInf;
  double cheapest_match = kInf;
  for (const auto& p : out.curve) {
    out.max_score = std::max(out.max_score, p.mean_score);
    if (p.mean_score >= best_score - kEps) cheapest_match = std::min(cheapest_match, p.mean_cost);
  }
  double best_price = in.price[out.best];
  out.cost_ratio = best_price > 0 ? cheapest_match / best_price : std::nan("");
  out.auc = curve_auc(out.curve);
  if (prep.m == 2) measure_pair(prep, w, out);
  return out;
}

// 95% percentile interval; NaN draws (metric undefined on that resample) are left out.
std::optional<Interval> percentile_interval(std::vector<double> draws) {
  draws.erase(std::remove_if(draws.begin(), draws.end(), [](double x) { return std::isnan(x); }),
              draws.end());
  if (draws.empty()) return std::nullopt;
  std::sort(draws.begin(), draws.end());
  auto quantile = [&](double q) {
    double pos = q * static_cast<double>(draws.size() - 1);
    size_t k = static_cast<size_t>(pos);
    double t = pos - static_cast<double>(k);
    if (t == 0 || k + 1 >= draws.size() || std::isinf(draws[k])) return draws[k];
    return draws[k] + t * (draws[k + 1] - draws[k]);
  };
  return Interval{quantile(0.025), quantile(0.975)};
}

// Draws for each bootstrapped metric, in the order of the `fields` table below.
using Field = double Measured::*;
constexpr Field kFields[] = {&Measured::score_at_zero, &Measured::max_score, &Measured::gap_closed,
                             &Measured::cost_ratio,    &Measured::auc,       &Measured::apgr,
                             &Measured::apgr10,        &Measured::cpt50,     &Measured::cpt80};
constexpr size_t kFieldCount = sizeof(kFields) / sizeof(kFields[0]);

std::vector<std::optional<Interval>> bootstrap(const EvalInput& in, const Prepared& prep,
                                               const EvalOptions& options) {
  std::vector<std::vector<double>> draws(kFieldCount);
  std::mt19937_64 rng(options.seed);
  std::vector<double> w(prep.n);
  for (int b = 0; b < options.bootstrap_resamples; ++b) {
    std::fill(w.begin(), w.end(), 0.0);
    for (size_t k = 0; k < prep.n; ++k) w[rng() % prep.n] += 1.0;
    Measured sample = measure(in, prep, w, false);
    for (size_t f = 0; f < kFieldCount; ++f) draws[f].push_back(sample.*kFields[f]);
  }
  std::vector<std::optional<Interval>> intervals;
  intervals.reserve(draws.size());
  for (auto& d : draws) intervals.push_back(percentile_interval(std::move(d)));
  return intervals;
}

std::vector<CostQuality> random_mix_hull(const std::vector<ModelSummary>& models) {
  auto [lo, hi] = std::minmax_element(
      models.begin(), models.end(), [](const auto& a, const auto& b) { return a.price < b.price; });
  double span = hi->price - lo->price;
  std::vector<CostQuality> points;
  points.reserve(models.size());
  for (const auto& m : models)
    points.emplace_back(span > 0 ? (m.price - lo->price) / span : 0.0, m.mean_score);
  return upper_hull(std::move(points));
}

// The cheapest model within 1% of the best one's mean score, and what the router
// reaches without spending more than that model's price.
void fill_near_best(EvalResult& r) {
  double bar = 0.99 * r.models[r.best_single].mean_score;
  r.near_best_model = r.best_single;
  for (size_t j = 0; j < r.models.size(); ++j)
    if (r.models[j].mean_score >= bar && r.models[j].price < r.models[r.near_best_model].price)
      r.near_best_model = static_cast<int>(j);
  double budget = r.models[r.near_best_model].price;
  r.router_score_at_near_best_cost = std::nan("");
  for (const auto& p : r.curve)
    if (p.mean_cost <= budget + kEps &&
        !(p.mean_score <= r.router_score_at_near_best_cost))  // NaN-aware max
      r.router_score_at_near_best_cost = p.mean_score;
}

void check_shapes(const EvalInput& in) {
  size_t n = in.truth.rows, m = in.truth.cols;
  if (n == 0 || m == 0) throw std::invalid_argument("evaluate: no queries or no models");
  if (in.predicted.rows != n || in.predicted.cols != m || in.price.size() != m ||
      in.models.size() != m)
    throw std::invalid_argument("evaluate: P, S, prices and models disagree in shape");
}

}  // namespace

EvalResult evaluate(const EvalInput& in, const EvalOptions& options) {
  check_shapes(in);
  Prepared prep = prepare(in, options);
  Measured full = measure(in, prep, std::vector<double>(prep.n, 1.0), true);
  EvalResult r;
  r.n = prep.n;
  for (size_t j = 0; j < prep.m; ++j)
    r.models.push_back({in.models[j], full.model_mean[j], in.price[j], prep.price_norm[j]});
  r.best_single = full.best;
  r.cheapest = 0;
  for (size_t j = 1; j < prep.m; ++j) {
    const auto& a = r.models[j];
    const auto& b = r.models[r.cheapest];
    if (a.price < b.price || (a.price == b.price && a.mean_score > b.mean_score))
      r.cheapest = static_cast<int>(j);
  }
  r.curve = full.curve;
  r.oracle_curve = full.oracle_curve;
  r.random_mix = random_mix_hull(r.models);
  r.oracle = {full.oracle_score, full.oracle_cost};
  for (const auto& m : r.models) {
    r.random.mean_score += m.mean_score / static_cast<double>(prep.m);
    r.random.mean_cost += m.price / static_cast<double>(prep.m);
  }
  auto intervals = options.bootstrap_resamples > 0
                       ? bootstrap(in, prep, options)
                       : std::vector<std::optional<Interval>>(kFieldCount);
  auto estimate = [&](size_t f) { return Estimate{full.*kFields[f], intervals[f]}; };
  r.score_at_zero = estimate(0);
  r.cost_at_zero = full.cost_at_zero;
  r.max_mean_score = estimate(1);
  r.gap_closed = estimate(2);
  r.cost_ratio_at_best_single_quality = estimate(3);
  r.auc = estimate(4);
  r.oracle_auc = curve_auc(full.oracle_curve);
  r.random_mix_auc = hull_area(r.random_mix);
  fill_near_best(r);
  if (prep.m == 2) {
    PairMetrics pair;
    pair.weak = prep.weak;
    pair.strong = prep.strong;
    pair.weak_score = full.model_mean[prep.weak];
    pair.strong_score = full.model_mean[prep.strong];
    for (int k = 0; k <= 100; ++k)
      pair.pgr_curve.emplace_back(k / 100.0, pgr_at(full.pgr, k / 100.0));
    pair.apgr = estimate(5);
    pair.apgr_10bin = estimate(6);
    pair.cpt50 = estimate(7);
    pair.cpt80 = estimate(8);
    r.pair = pair;
  }
  return r;
}

}  // namespace routeiq::ml
