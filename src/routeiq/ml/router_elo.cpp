// Elo / Bradley-Terry router: every training query in which two models scored
// differently is a game won by the better one. Ratings are fitted globally and
// per query cluster (k-means on the dense features); a cluster's ratings are
// shrunk toward the global ones by a Gaussian prior, which is the blend. The
// predicted quality of a model is its expected win rate against the field in
// the query's cluster.
#include <boost/json.hpp>
#include <cmath>
#include <numeric>

#include "routeiq/ml/router_impl.hpp"

namespace routeiq::ml {
namespace {

constexpr int kCandidateClusters[] = {1, 4, 8, 16, 32};
constexpr float kTieMargin = 1e-6f;

using Wins = Eigen::MatrixXf;  // wins(a, b): games a won against b

void add_games(const TrainingSet& set, size_t row, Wins& wins) {
  const int64_t m = set.scores.cols();
  for (int64_t a = 0; a < m; ++a)
    for (int64_t b = 0; b < m; ++b)
      if (a != b && set.known(int64_t(row), a) > 0 && set.known(int64_t(row), b) > 0 &&
          set.scores(int64_t(row), a) > set.scores(int64_t(row), b) + kTieMargin)
        wins(a, b) += 1;
}

// MAP Bradley-Terry ratings: maximises sum wins(a,b) log sigmoid(r_a - r_b)
// - prior/2 |r - centre|^2 by gradient ascent (the problem is concave).
Eigen::VectorXf fit_ratings(const Wins& wins, const Eigen::VectorXf& centre, float prior) {
  const int64_t m = wins.rows();
  Eigen::VectorXf r = centre;
  const float games = std::max(1.f, wins.sum());
  const float step = 4.f / (games / float(m) + prior + 1.f);
  for (int it = 0; it < 300; ++it) {
    Eigen::VectorXf g = -prior * (r - centre);
    for (int64_t a = 0; a < m; ++a)
      for (int64_t b = 0; b < m; ++b) {
        if (wins(a, b) == 0) continue;
        float p = sigmoid(r[a] - r[b]);
        g[a] += wins(a, b) * (1 - p);
        g[b] -= wins(a, b) * (1 - p);
      }
    r += step * g;
  }
  return r;
}

Eigen::VectorXf win_rates(const Eigen::VectorXf& r) {
  const int64_t m = r.size();
  Eigen::VectorXf q(m);
  for (int64_t a = 0; a < m; ++a) {
    float total = 0;
    for (int64_t b = 0; b < m; ++b)
      if (a != b) total += sigmoid(r[a] - r[b]);
    q[a] = m > 1 ? total / float(m - 1) : 0.5f;
  }
  return q;
}

int nearest(const RowMatrix& centroids, const Eigen::RowVectorXf& x) {
  Eigen::Index best = 0;
  (centroids.rowwise() - x).rowwise().squaredNorm().minCoeff(&best);
  return int(best);
}

struct EloModel {
  RowMatrix centroids;  // k x dense
  RowMatrix ratings;    // k x models
  Eigen::VectorXf global;
};

EloModel fit_elo(const RowMatrix& x, const TrainingSet& set, const std::vector<size_t>& rows,
                 int clusters, float prior, uint64_t seed) {
  const int64_t m = set.scores.cols();
  EloModel model;
  Wins all = Wins::Zero(m, m);
  for (size_t r : rows) add_games(set, r, all);
  model.global = fit_ratings(all, Eigen::VectorXf::Zero(m), 0.1f);
  RowMatrix sub(int64_t(rows.size()), x.cols());
  for (size_t i = 0; i < rows.size(); ++i) sub.row(int64_t(i)) = x.row(int64_t(rows[i]));
  model.centroids = kmeans(sub, clusters, seed);
  const int64_t k = model.centroids.rows();
  std::vector<Wins> per(size_t(k), Wins::Zero(m, m));
  for (size_t i = 0; i < rows.size(); ++i)
    add_games(set, rows[i], per[size_t(nearest(model.centroids, sub.row(int64_t(i))))]);
  model.ratings.resize(k, m);
  for (int64_t c = 0; c < k; ++c)
    model.ratings.row(c) = fit_ratings(per[size_t(c)], model.global, prior).transpose();
  return model;
}

Status train_elo(const TrainingSet& set, const Featurizer& features, const TrainOptions& options,
                 Artifact& out) {
  RowMatrix x = features.dense_rows(set.texts);
  normalize_rows(x);
  const float prior = float(option_number(options, "prior", 2.0));
  std::vector<double> quality(std::size(kCandidateClusters), 0);
  for (const auto& fold : kfold(set.size(), std::max(2, options.cv_folds), options.seed)) {
    auto rest = complement(set.size(), fold);
    if (fold.empty() || rest.empty()) continue;
    for (size_t g = 0; g < quality.size(); ++g) {
      EloModel model = fit_elo(x, set, rest, kCandidateClusters[g], prior, options.seed);
      RowMatrix pred(int64_t(fold.size()), set.scores.cols());
      for (size_t i = 0; i < fold.size(); ++i)
        pred.row(int64_t(i)) = model.ratings.row(nearest(model.centroids, x.row(int64_t(fold[i]))));
      quality[g] += routing_quality(pred, set, fold) * double(fold.size());
    }
  }
  int clusters =
      kCandidateClusters[std::max_element(quality.begin(), quality.end()) - quality.begin()];
  clusters = int(option_number(options, "clusters", clusters));
  std::vector<size_t> all(set.size());
  std::iota(all.begin(), all.end(), size_t(0));
  EloModel model = fit_elo(x, set, all, clusters, prior, options.seed);
  out.manifest.params["clusters"] = int64_t(model.centroids.rows());
  out.manifest.params["prior"] = prior;
  out.tensors["elo.centroids"] = matrix_tensor(model.centroids);
  out.tensors["elo.ratings"] = matrix_tensor(model.ratings);
  out.tensors["elo.global"] = vector_tensor(model.global);
  return ok_status();
}

class EloRouter final : public FeatureRouter {
 public:
  EloRouter(const Artifact& a, Featurizer f, RowMatrix centroids, RowMatrix ratings)
      : FeatureRouter(a, std::move(f)), centroids_(std::move(centroids)) {
    quality_.resize(ratings.rows(), ratings.cols());
    for (int64_t c = 0; c < ratings.rows(); ++c)
      quality_.row(c) = win_rates(ratings.row(c).transpose()).transpose();
  }

  std::vector<double> predict(std::string_view query) const override {
    Eigen::RowVectorXf x = unit(features_.dense(query)).transpose();
    auto row = quality_.row(nearest(centroids_, x));
    std::vector<double> out;
    for (int64_t j = 0; j < row.size(); ++j) out.push_back(clamp01(row[j]));
    return out;
  }

 private:
  RowMatrix centroids_;
  RowMatrix quality_;  // win rate per cluster and model, precomputed at load
};

Result<std::shared_ptr<const Router>> load_elo(const Artifact& a, Featurizer f) {
  const int64_t m = int64_t(a.manifest.models.size());
  auto centroids = finite_matrix(a, "elo.centroids", -1, f.dense_size());
  if (!centroids) return centroids.take_error();
  if (centroids->rows() == 0) return artifact_error("elo: no clusters");
  auto ratings = finite_matrix(a, "elo.ratings", centroids->rows(), m);
  if (!ratings) return ratings.take_error();
  auto global = finite_tensor(a, "elo.global", {m});
  if (!global) return global.take_error();
  return make_router<EloRouter>(a, std::move(f), std::move(centroids.value()),
                                std::move(ratings.value()));
}

std::vector<std::string_view> elo_tensors(const Artifact&) {
  return {"elo.centroids", "elo.ratings", "elo.global"};
}

}  // namespace

const RouterSpec& elo_router_spec() {
  static const RouterSpec spec{"elo", true, true, train_elo, load_elo, elo_tensors};
  return spec;
}

}  // namespace routeiq::ml
