// k-nearest-neighbour router: a query's quality per model is the
// similarity-weighted mean of its neighbours' measured scores. Neighbours are
// found by cosine similarity on the dense projection with an HNSW index
// (Malkov & Yashunin 2016, hnswlib); k and the weighting temperature are
// chosen by cross-validation over folds that keep tasks whole, on APGR for a
// pair and the routing quality otherwise (routing_criterion).
#include <algorithm>
#include <boost/json.hpp>
#include <cmath>

#include "routeiq/ml/router_impl.hpp"

namespace routeiq::ml {
namespace {

constexpr int kCandidateK[] = {5, 10, 20, 40, 80, 160};
constexpr float kCandidateTemperature[] = {0.02f, 0.05f, 0.1f, 1.0f};

using Neighbours = std::vector<std::pair<float, int64_t>>;  // (similarity, row), best first

// Softmax weights over similarity / temperature; neighbours must be sorted.
void weighted_mean(const Neighbours& nb, size_t k, float temperature, const RowMatrix& scores,
                   float* out) {
  const int64_t m = scores.cols();
  std::fill(out, out + m, 0.f);
  k = std::min(k, nb.size());
  if (k == 0) return;
  float total = 0;
  for (size_t i = 0; i < k; ++i) {
    float w = std::exp((nb[i].first - nb[0].first) / temperature);
    total += w;
    for (int64_t j = 0; j < m; ++j) out[j] += w * scores(nb[i].second, j);
  }
  for (int64_t j = 0; j < m; ++j) out[j] /= total;
}

Neighbours top_neighbours(const Eigen::VectorXf& sims, size_t k) {
  Neighbours nb;
  nb.reserve(size_t(sims.size()));
  for (int64_t i = 0; i < sims.size(); ++i) nb.emplace_back(sims[i], i);
  k = std::min(k, nb.size());
  std::partial_sort(nb.begin(), nb.begin() + int64_t(k), nb.end(),
                    [](const auto& a, const auto& b) {
                      return a.first != b.first ? a.first > b.first : a.second < b.second;
                    });
  nb.resize(k);
  return nb;
}

struct KnnChoice {
  int k;
  float temperature;
};

KnnChoice choose_by_cross_validation(const RowMatrix& x, const TrainingSet& set,
                                     const TrainOptions& options) {
  const int folds = std::max(2, options.cv_folds);
  const int64_t m = set.scores.cols();
  constexpr size_t nk = std::size(kCandidateK), nt = std::size(kCandidateTemperature);
  std::vector<double> quality(nk * nt, 0);
  for (const auto& fold : grouped_folds(set.tasks, folds, options.seed)) {
    auto rest = complement(set.size(), fold);
    if (fold.empty() || rest.empty()) continue;
    RowMatrix rest_x(int64_t(rest.size()), x.cols());
    RowMatrix rest_scores(int64_t(rest.size()), m);
    for (size_t i = 0; i < rest.size(); ++i) {
      rest_x.row(int64_t(i)) = x.row(int64_t(rest[i]));
      rest_scores.row(int64_t(i)) = set.scores.row(int64_t(rest[i]));
    }
    std::vector<RowMatrix> predicted(nk * nt, RowMatrix(int64_t(fold.size()), m));
    for (size_t i = 0; i < fold.size(); ++i) {
      Eigen::VectorXf sims = rest_x * x.row(int64_t(fold[i])).transpose();
      auto nb = top_neighbours(sims, size_t(kCandidateK[nk - 1]));
      for (size_t a = 0; a < nk; ++a)
        for (size_t b = 0; b < nt; ++b)
          weighted_mean(nb, size_t(kCandidateK[a]), kCandidateTemperature[b], rest_scores,
                        predicted[a * nt + b].row(int64_t(i)).data());
    }
    for (size_t c = 0; c < nk * nt; ++c)
      quality[c] += routing_criterion(predicted[c], set, fold) * double(fold.size());
  }
  size_t best = size_t(std::max_element(quality.begin(), quality.end()) - quality.begin());
  return {kCandidateK[best / nt], kCandidateTemperature[best % nt]};
}

Status train_knn(const TrainingSet& set, const Featurizer& features, const TrainOptions& options,
                 Artifact& out) {
  RowMatrix x = features.dense_rows(set.texts);
  normalize_rows(x);
  KnnChoice choice = choose_by_cross_validation(x, set, options);
  if (const auto* k = options.params.if_contains("k"); k && k->is_int64())
    choice.k = int(k->get_int64());
  choice.temperature = float(option_number(options, "temperature", choice.temperature));
  out.manifest.params["k"] = choice.k;
  out.manifest.params["temperature"] = choice.temperature;
  out.tensors["knn.vectors"] = matrix_tensor(x);
  out.tensors["knn.scores"] = matrix_tensor(set.scores);
  return ok_status();
}

class KnnRouter final : public FeatureRouter {
 public:
  KnnRouter(const Artifact& a, Featurizer f, const RowMatrix& vectors, RowMatrix scores, int k,
            float temperature)
      : FeatureRouter(a, std::move(f)),
        index_(vectors),
        scores_(std::move(scores)),
        k_(size_t(k)),
        temperature_(temperature) {}

  std::vector<double> predict(std::string_view query) const override {
    Eigen::VectorXf q = unit(features_.dense(query));
    Neighbours nb = index_.search(q, k_);
    std::vector<float> quality(size_t(scores_.cols()));
    weighted_mean(nb, k_, temperature_, scores_, quality.data());
    std::vector<double> out;
    out.reserve(quality.size());
    for (float v : quality) out.push_back(clamp01(v));
    return out;
  }

 private:
  NeighbourIndex index_;
  RowMatrix scores_;
  size_t k_;
  float temperature_;
};

Result<std::shared_ptr<const Router>> load_knn(const Artifact& a, Featurizer f) {
  const int64_t m = int64_t(a.manifest.models.size());
  auto k = param_int(a.manifest, "k", 1, 100000);
  auto temperature = param_number(a.manifest, "temperature", 1e-4, 1e4);
  if (!k) return k.take_error();
  if (!temperature) return temperature.take_error();
  auto vectors = finite_matrix(a, "knn.vectors", -1, f.dense_size());
  if (!vectors) return vectors.take_error();
  auto scores = finite_matrix(a, "knn.scores", vectors->rows(), m);
  if (!scores) return scores.take_error();
  if (vectors->rows() == 0) return artifact_error("knn: no reference queries");
  return make_router<KnnRouter>(a, std::move(f), *vectors, std::move(scores.value()), int(*k),
                                float(*temperature));
}

std::vector<std::string_view> knn_tensors(const Artifact&) {
  return {"knn.vectors", "knn.scores"};
}

}  // namespace

const RouterSpec& knn_router_spec() {
  static const RouterSpec spec{"knn", true, true, train_knn, load_knn, knn_tensors};
  return spec;
}

}  // namespace routeiq::ml
