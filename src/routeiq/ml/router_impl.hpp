#pragma once
// Internal building blocks of the router implementations (not a public API).
#include <Eigen/Core>
#include <memory>
#include <string>
#include <vector>

#include "routeiq/ml/artifact.hpp"
#include "routeiq/ml/features.hpp"
#include "routeiq/ml/router.hpp"
#include "routeiq/ml/train.hpp"

namespace routeiq::ml {

using RowMatrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// The training view of a dataset: texts and a dense score matrix in which
// unknown scores are filled with the model's mean and masked out.
struct TrainingSet {
  std::vector<std::string> models;
  std::vector<std::string_view> texts;
  std::vector<std::string> tasks;
  RowMatrix scores;  // rows x models
  RowMatrix known;   // 1 = measured, 0 = filled
  PriceMap prices;

  size_t size() const { return texts.size(); }
  size_t model_count() const { return models.size(); }
  TrainingSet subset(const std::vector<size_t>& rows) const;
  Eigen::VectorXf model_means() const;
};

TrainingSet make_training_set(const RoutingDataset& data, const std::vector<size_t>& rows,
                              const PriceMap& prices);

// What a router contributes to the registry.
struct RouterSpec {
  std::string_view name;
  bool dense_features;
  bool text_features;  // false: the router ignores the query (baselines)
  // Fills manifest.params, manifest.models (if not all) and the router tensors.
  Status (*train)(const TrainingSet& set, const Featurizer& features, const TrainOptions& options,
                  Artifact& out);
  Result<std::shared_ptr<const Router>> (*load)(const Artifact& a, Featurizer features);
  // Tensor names the router adds to the featurizer's.
  std::vector<std::string_view> (*tensor_names)(const Artifact& a);
};

const std::vector<RouterSpec>& router_specs();

// Implementations, one per file.
const RouterSpec& knn_router_spec();
const RouterSpec& svm_router_spec();
const RouterSpec& mlp_router_spec();
const RouterSpec& mf_router_spec();
const RouterSpec& elo_router_spec();
const RouterSpec& routerdc_router_spec();
const RouterSpec& hybrid_router_spec();
const RouterSpec& graph_router_spec();
const RouterSpec& smallest_router_spec();
const RouterSpec& largest_router_spec();

// Common base: owns info and the featurizer.
class FeatureRouter : public Router {
 public:
  FeatureRouter(const Artifact& a, Featurizer features);
  const RouterInfo& info() const override { return info_; }

 protected:
  RouterInfo info_;
  Featurizer features_;
};

template <class T, class... Args>
Result<std::shared_ptr<const Router>> make_router(Args&&... args) {
  return std::shared_ptr<const Router>(std::make_shared<const T>(std::forward<Args>(args)...));
}

// Reads a float tensor of the given shape, refusing NaN and infinities.
Result<std::vector<float>> finite_tensor(const Artifact& a, std::string_view name,
                                         std::initializer_list<int64_t> shape);
Result<RowMatrix> finite_matrix(const Artifact& a, std::string_view name, int64_t rows,
                                int64_t cols);
Tensor matrix_tensor(const RowMatrix& m);
Tensor vector_tensor(const Eigen::VectorXf& v);

// Rows split into `folds` deterministic folds.
std::vector<std::vector<size_t>> kfold(size_t n, int folds, uint64_t seed);
// Folds that keep tasks whole (hyper-parameters must hold on unseen tasks): tasks
// shuffled with the seed, then each given to the fold with the fewest rows so far.
// Rows without a task form one group. With fewer than `folds` groups (no task
// labels), random folds.
std::vector<std::vector<size_t>> grouped_folds(const std::vector<std::string>& tasks, int folds,
                                               uint64_t seed);
std::vector<size_t> complement(size_t n, const std::vector<size_t>& rows);

// k-means++ seeding then Lloyd iterations on the rows of x; returns k x dim centroids.
RowMatrix kmeans(const RowMatrix& x, int k, uint64_t seed, int iterations = 25);
Eigen::VectorXf unit(const Eigen::VectorXf& v);
void normalize_rows(RowMatrix& m);

// Mean measured score of the model each predicted row would pick at cost weight 0
// (rows[i] indexes set for predicted row i): the criterion every router tunes on.
double routing_quality(const RowMatrix& predicted, const TrainingSet& set,
                       const std::vector<size_t>& rows);

// Weak and strong model of a pair: weak is the cheaper one (by price, else the
// one with the lower mean score).
std::pair<int, int> weak_strong(const TrainingSet& set);
// Area under the quality curve when the rows with the largest predicted gain
// P[strong] - P[weak] go to the strong model first (tied gains share their block
// evenly), scaled so that perfect ranking -> 1 and random -> 0.5: APGR on `rows`.
double pair_area(const Eigen::VectorXf& gain, const TrainingSet& set,
                 const std::vector<size_t>& rows, int weak, int strong);
// What hyper-parameter searches maximise: APGR for two models, else the mean
// measured score at cost weight 0 (routing_quality).
double routing_criterion(const RowMatrix& predicted, const TrainingSet& set,
                         const std::vector<size_t>& rows);

// L2-regularised logistic regression with soft targets in [0,1], by Newton's
// method (IRLS); x should carry its own bias column. Returns the coefficients.
Eigen::VectorXf fit_logistic(const RowMatrix& x, const Eigen::VectorXf& target, float l2,
                             int iterations = 30);

// Cosine nearest neighbours over fixed unit vectors with an HNSW index
// (hnswlib); the graph is built at load with a fixed seed, so results are
// reproducible and nothing executable is ever read from disk.
class NeighbourIndex {
 public:
  explicit NeighbourIndex(const RowMatrix& unit_rows);
  ~NeighbourIndex();
  NeighbourIndex(const NeighbourIndex&) = delete;
  NeighbourIndex& operator=(const NeighbourIndex&) = delete;
  // (similarity, row) pairs, most similar first.
  std::vector<std::pair<float, int64_t>> search(const Eigen::VectorXf& unit_query, size_t k) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Mean of the known scores of model j among `rows`.
float column_mean(const TrainingSet& set, int j);

inline float clamp01(float v) {
  return v < 0 ? 0 : (v > 1 ? 1 : v);
}
inline float sigmoid(float v) {
  return 1.f / (1.f + std::exp(-v));
}

// Linear routers on the full sparse vector: rows [tf-idf | surface * kLinearSurfaceScale].
inline constexpr float kLinearSurfaceScale = 0.25f;
SparseRows linear_design(const Featurizer& f, const std::vector<std::string_view>& texts);
// L2 strength of the sparse logistic model chosen by task-grouped cross-validation of
// routing_criterion; optionally the chosen strength's out-of-fold predictions.
struct LinearChoice {
  double l2;
  double criterion;
};
LinearChoice choose_linear_l2(const SparseRows& x, const TrainingSet& set,
                              const TrainOptions& options, RowMatrix* out_of_fold);

// A parameter override from options.params, or the default.
double option_number(const TrainOptions& o, std::string_view key, double fallback);

}  // namespace routeiq::ml
