// Helpers shared by the router implementations.
// hnswlib 0.6's SSE search prefetches the entry after the last link it visits,
// reading 4 bytes past a link list's allocation. The read is only used as a
// prefetch address and never faults, but AddressSanitizer rightly reports it;
// sanitizer builds use hnswlib's plain loops instead.
#if defined(__SANITIZE_ADDRESS__) && !defined(NO_MANUAL_VECTORIZATION)
#define NO_MANUAL_VECTORIZATION
#endif
#include <hnswlib/hnswlib.h>
#include <Eigen/Cholesky>
#include <boost/json.hpp>
#include <cmath>
#include <limits>
#include <map>
#include <numeric>

#include "routeiq/ml/rng.hpp"
#include "routeiq/ml/router_impl.hpp"

namespace routeiq::ml {

TrainingSet make_training_set(const RoutingDataset& data, const std::vector<size_t>& rows,
                              const PriceMap& prices) {
  TrainingSet set;
  set.models = data.models;
  set.prices = prices;
  const int64_t n = int64_t(rows.size()), m = int64_t(data.models.size());
  set.scores = RowMatrix::Zero(n, m);
  set.known = RowMatrix::Zero(n, m);
  for (int64_t i = 0; i < n; ++i) {
    const auto& e = data.examples[rows[i]];
    set.texts.push_back(e.query);
    set.tasks.push_back(e.task);
    for (int64_t j = 0; j < m; ++j) {
      double s = e.scores[j];
      if (std::isfinite(s)) {
        set.scores(i, j) = clamp01(float(s));
        set.known(i, j) = 1;
      }
    }
  }
  // Unknown scores take the model's mean so dense algorithms see a neutral value.
  for (int64_t j = 0; j < m; ++j) {
    float mean = column_mean(set, int(j));
    for (int64_t i = 0; i < n; ++i)
      if (set.known(i, j) == 0) set.scores(i, j) = mean;
  }
  return set;
}

TrainingSet TrainingSet::subset(const std::vector<size_t>& rows) const {
  TrainingSet s;
  s.models = models;
  s.prices = prices;
  s.scores.resize(int64_t(rows.size()), scores.cols());
  s.known.resize(int64_t(rows.size()), known.cols());
  for (size_t i = 0; i < rows.size(); ++i) {
    s.texts.push_back(texts[rows[i]]);
    s.tasks.push_back(tasks[rows[i]]);
    s.scores.row(int64_t(i)) = scores.row(int64_t(rows[i]));
    s.known.row(int64_t(i)) = known.row(int64_t(rows[i]));
  }
  return s;
}

float column_mean(const TrainingSet& set, int j) {
  double sum = 0, count = 0;
  for (int64_t i = 0; i < set.known.rows(); ++i)
    if (set.known(i, j) > 0) {
      sum += set.scores(i, j);
      count += 1;
    }
  return count > 0 ? float(sum / count) : 0.f;
}

Eigen::VectorXf TrainingSet::model_means() const {
  Eigen::VectorXf means(int64_t(models.size()));
  for (size_t j = 0; j < models.size(); ++j) means[int64_t(j)] = column_mean(*this, int(j));
  return means;
}

FeatureRouter::FeatureRouter(const Artifact& a, Featurizer features)
    : features_(std::move(features)) {
  info_.type = a.manifest.router_type;
  info_.version = a.version;
  info_.created = a.manifest.created;
  info_.models = a.manifest.models;
  for (const auto& m : info_.models)
    if (auto it = a.manifest.prices.find(m); it != a.manifest.prices.end())
      info_.prices[m] = it->second;
}

Result<std::vector<float>> finite_tensor(const Artifact& a, std::string_view name,
                                         std::initializer_list<int64_t> shape) {
  auto t = require_tensor(a, name, shape);
  if (!t) return t.take_error();
  auto values = (*t)->to_f32();
  for (float v : values)
    if (!std::isfinite(v))
      return artifact_error("tensor '" + std::string(name) + "' holds NaN or infinity");
  return values;
}

Result<RowMatrix> finite_matrix(const Artifact& a, std::string_view name, int64_t rows,
                                int64_t cols) {
  auto values = finite_tensor(a, name, {rows, cols});
  if (!values) return values.take_error();
  const auto& shape = a.tensors.find(name)->second.shape;
  return RowMatrix(Eigen::Map<RowMatrix>(values->data(), shape[0], shape[1]));
}

Tensor matrix_tensor(const RowMatrix& m) {
  return Tensor::from_f32({m.rows(), m.cols()}, std::vector<float>(m.data(), m.data() + m.size()));
}

Tensor vector_tensor(const Eigen::VectorXf& v) {
  return Tensor::from_f32({v.size()}, std::vector<float>(v.data(), v.data() + v.size()));
}

std::vector<std::vector<size_t>> kfold(size_t n, int folds, uint64_t seed) {
  Rng rng(seed ^ 0x5eed);
  auto order = rng.permutation(n);
  std::vector<std::vector<size_t>> out(size_t(std::max(1, folds)));
  for (size_t i = 0; i < n; ++i) out[i % out.size()].push_back(order[i]);
  for (auto& f : out) std::sort(f.begin(), f.end());
  return out;
}

std::vector<std::vector<size_t>> grouped_folds(const std::vector<std::string>& tasks, int folds,
                                               uint64_t seed) {
  folds = std::max(1, folds);
  std::map<std::string, std::vector<size_t>> groups;
  for (size_t i = 0; i < tasks.size(); ++i) groups[tasks[i]].push_back(i);
  if (groups.size() < size_t(folds)) return kfold(tasks.size(), folds, seed);
  std::vector<const std::vector<size_t>*> order;
  for (const auto& [task, rows] : groups) order.push_back(&rows);
  Rng rng(seed ^ 0x9a0f);
  rng.shuffle(order);
  std::vector<std::vector<size_t>> out(static_cast<size_t>(folds));
  for (const auto* rows : order) {
    auto smallest = std::min_element(
        out.begin(), out.end(), [](const auto& a, const auto& b) { return a.size() < b.size(); });
    smallest->insert(smallest->end(), rows->begin(), rows->end());
  }
  for (auto& f : out) std::sort(f.begin(), f.end());
  return out;
}

std::vector<size_t> complement(size_t n, const std::vector<size_t>& rows) {
  std::vector<bool> taken(n, false);
  for (size_t r : rows) taken[r] = true;
  std::vector<size_t> out;
  for (size_t i = 0; i < n; ++i)
    if (!taken[i]) out.push_back(i);
  return out;
}

Eigen::VectorXf unit(const Eigen::VectorXf& v) {
  float n = v.norm();
  return n > 1e-12f ? Eigen::VectorXf(v / n) : v;
}

void normalize_rows(RowMatrix& m) {
  for (int64_t i = 0; i < m.rows(); ++i) {
    float n = m.row(i).norm();
    if (n > 1e-12f) m.row(i) /= n;
  }
}

RowMatrix kmeans(const RowMatrix& x, int k, uint64_t seed, int iterations) {
  const int64_t n = x.rows(), d = x.cols();
  k = int(std::max<int64_t>(1, std::min<int64_t>(k, n)));
  Rng rng(seed ^ 0x6b6d);
  RowMatrix centroids(k, d);
  // k-means++ seeding (Arthur & Vassilvitskii 2007).
  centroids.row(0) = x.row(int64_t(rng.below(uint64_t(n))));
  Eigen::VectorXf nearest = (x.rowwise() - centroids.row(0)).rowwise().squaredNorm();
  for (int c = 1; c < k; ++c) {
    double total = nearest.sum(), pick = rng.uniform() * total;
    int64_t chosen = n - 1;
    for (int64_t i = 0; i < n; ++i) {
      pick -= nearest[i];
      if (pick <= 0) {
        chosen = i;
        break;
      }
    }
    centroids.row(c) = x.row(chosen);
    nearest = nearest.cwiseMin((x.rowwise() - centroids.row(c)).rowwise().squaredNorm());
  }
  std::vector<int> assign(size_t(n), -1);
  for (int it = 0; it < iterations; ++it) {
    bool changed = false;
    RowMatrix dots = x * centroids.transpose();
    Eigen::VectorXf cnorm = centroids.rowwise().squaredNorm();
    for (int64_t i = 0; i < n; ++i) {
      Eigen::Index best = 0;
      (cnorm.transpose() - 2 * dots.row(i)).minCoeff(&best);
      if (assign[size_t(i)] != int(best)) changed = true;
      assign[size_t(i)] = int(best);
    }
    if (!changed) break;
    RowMatrix sums = RowMatrix::Zero(k, d);
    Eigen::VectorXf counts = Eigen::VectorXf::Zero(k);
    for (int64_t i = 0; i < n; ++i) {
      sums.row(assign[size_t(i)]) += x.row(i);
      counts[assign[size_t(i)]] += 1;
    }
    for (int c = 0; c < k; ++c)
      if (counts[c] > 0) centroids.row(c) = sums.row(c) / counts[c];
  }
  return centroids;
}

double routing_quality(const RowMatrix& predicted, const TrainingSet& set,
                       const std::vector<size_t>& rows) {
  double total = 0;
  for (size_t i = 0; i < rows.size(); ++i) {
    Eigen::Index pick = 0;
    predicted.row(int64_t(i)).maxCoeff(&pick);
    total += set.scores(int64_t(rows[i]), pick);
  }
  return rows.empty() ? 0 : total / double(rows.size());
}

std::pair<int, int> weak_strong(const TrainingSet& set) {
  auto price = [&](int j) {
    auto it = set.prices.find(set.models[size_t(j)]);
    return it == set.prices.end() ? -1.0
                                  : it->second.input_per_million + it->second.output_per_million;
  };
  if (set.model_count() < 2) return {0, 0};
  Eigen::VectorXf mean = set.model_means();
  double p0 = price(0), p1 = price(1);
  bool zero_weak = p0 >= 0 && p1 >= 0 && p0 != p1 ? p0 < p1 : mean[0] <= mean[1];
  return zero_weak ? std::pair{0, 1} : std::pair{1, 0};
}

double pair_area(const Eigen::VectorXf& gain, const TrainingSet& set,
                 const std::vector<size_t>& rows, int weak, int strong) {
  const size_t n = rows.size();
  if (n == 0) return 0.5;
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), size_t(0));
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return gain[int64_t(a)] > gain[int64_t(b)]; });
  double qw = 0, delta_total = 0;
  for (size_t r : rows) {
    qw += set.scores(int64_t(r), weak);
    delta_total += set.scores(int64_t(r), strong) - set.scores(int64_t(r), weak);
  }
  if (std::abs(delta_total) < 1e-9) return 0.5;
  // Trapezoid area of the cumulative gain over positions 0..n; a block of tied
  // predictions adds its mean delta at every position.
  double cumulative = 0, area = 0;
  for (size_t start = 0; start < n;) {
    size_t end = start + 1;
    while (end < n && gain[int64_t(order[end])] == gain[int64_t(order[start])]) ++end;
    double block = 0;
    for (size_t k = start; k < end; ++k) {
      size_t r = rows[order[k]];
      block += set.scores(int64_t(r), strong) - set.scores(int64_t(r), weak);
    }
    double step = block / double(end - start);
    for (size_t k = start; k < end; ++k) {
      area += cumulative + step / 2;
      cumulative += step;
    }
    start = end;
  }
  return area / double(n) / delta_total;
}

double routing_criterion(const RowMatrix& predicted, const TrainingSet& set,
                         const std::vector<size_t>& rows) {
  if (set.model_count() != 2) return routing_quality(predicted, set, rows);
  auto [weak, strong] = weak_strong(set);
  Eigen::VectorXf gain = predicted.col(strong) - predicted.col(weak);
  return pair_area(gain, set, rows, weak, strong);
}

Eigen::VectorXf fit_logistic(const RowMatrix& x, const Eigen::VectorXf& target, float l2,
                             int iterations) {
  const int64_t d = x.cols();
  Eigen::VectorXd beta = Eigen::VectorXd::Zero(d);
  const Eigen::MatrixXd xd = x.cast<double>();
  const Eigen::VectorXd t = target.cast<double>();
  for (int it = 0; it < iterations; ++it) {
    Eigen::VectorXd z = xd * beta;
    Eigen::VectorXd p = (1.0 / (1.0 + (-z.array()).exp())).matrix();
    Eigen::VectorXd w = p.array() * (1 - p.array());
    Eigen::VectorXd g = xd.transpose() * (p - t) + l2 * beta;
    Eigen::MatrixXd h = xd.transpose() * w.asDiagonal() * xd;
    h.diagonal().array() += l2 + 1e-9;
    Eigen::VectorXd step = h.ldlt().solve(g);
    beta -= step;
    if (step.norm() < 1e-7) break;
  }
  return beta.cast<float>();
}

struct NeighbourIndex::Impl {
  explicit Impl(const RowMatrix& rows)
      : vectors(rows),
        space(size_t(rows.cols())),
        index(&space, size_t(std::max<int64_t>(1, rows.rows())), 16, 100, 100) {
    for (int64_t i = 0; i < vectors.rows(); ++i) index.addPoint(vectors.row(i).data(), size_t(i));
    index.setEf(64);
  }
  RowMatrix vectors;
  hnswlib::InnerProductSpace space;
  hnswlib::HierarchicalNSW<float> index;
};

NeighbourIndex::NeighbourIndex(const RowMatrix& unit_rows)
    : impl_(std::make_unique<Impl>(unit_rows)) {}
NeighbourIndex::~NeighbourIndex() = default;

std::vector<std::pair<float, int64_t>> NeighbourIndex::search(const Eigen::VectorXf& unit_query,
                                                              size_t k) const {
  k = std::min<size_t>(k, size_t(impl_->vectors.rows()));
  std::vector<std::pair<float, int64_t>> out;
  if (k == 0) return out;
  auto found = impl_->index.searchKnn(unit_query.data(), k);
  out.resize(found.size());
  // The queue pops the farthest first; inner-product distance is 1 - similarity.
  for (size_t i = found.size(); i-- > 0; found.pop())
    out[i] = {1.f - found.top().first, int64_t(found.top().second)};
  return out;
}

double option_number(const TrainOptions& o, std::string_view key, double fallback) {
  const auto* v = o.params.if_contains(key);
  return v && v->is_number() ? v->to_number<double>() : fallback;
}

}  // namespace routeiq::ml
