#pragma once
// Out-of-distribution shrinkage shared by every text router. A router's
// predictions are only as good as the training queries near the query; far
// from all of them a learned router is worse than the global per-model means
// (leave-one-task-out on LLMRouter data: every parametric router loses to the
// best single model). So each prediction is pulled toward the prior
//   q' = prior + alpha(s) * (q - prior),  alpha(s) = clamp((s - low) / width, 0, 1),
// where s is the cosine similarity of the query to the nearest training
// cluster. The clusters are k-means centroids of count-sketches of the TF-IDF
// vectors (a signed hashed projection, Charikar, Chen & Farach-Colton 2002;
// Weinberger et al. 2009), so the check costs one pass over the query's
// buckets and K dot products, whatever the router. `low` and `width` are
// chosen on out-of-fold predictions of folds that keep tasks whole, i.e. for
// queries of tasks the router has not seen; when no setting beats plain
// predictions, shrinkage is off (alpha = 1 everywhere).
#include <Eigen/Core>
#include <memory>
#include <string_view>
#include <vector>

#include "routeiq/ml/router_impl.hpp"

namespace routeiq::ml {

inline constexpr int kSketchDim = 256;

// Unit-length count-sketch of a sparse TF-IDF vector (zero for an empty one).
Eigen::VectorXf sketch(const SparseFeatures& x);

struct Shrinkage {
  RowMatrix centroids;    // K x kSketchDim, unit rows
  Eigen::VectorXf prior;  // per model
  float low = -2;         // alpha = 1 at s >= low + width
  float width = 0;

  bool enabled() const { return low > -1.5f; }
  // Largest cosine similarity of a unit sketch to a centroid.
  float similarity(const Eigen::VectorXf& unit_sketch) const;
  float alpha(float similarity) const;
  void apply(std::vector<double>& quality, float similarity) const;
};

// Chooses `low` and `width` for `spec` on `set` by task-grouped
// cross-validation (the router retrained on each fold's complement), and fits
// the centroids and prior on the whole set. Adds ood.* tensors and params to `out`.
Status fit_shrinkage(const RouterSpec& spec, const TrainingSet& set, const Featurizer& features,
                     const FeatureConfig& feature_config, const TrainOptions& options,
                     Artifact& out);

// True when the artifact carries shrinkage tensors.
bool has_shrinkage(const Artifact& a);
std::vector<std::string_view> shrinkage_tensor_names();

// Wraps `inner`: its predictions shrunk by the artifact's shrinkage.
Result<std::shared_ptr<const Router>> with_shrinkage(const Artifact& a,
                                                     std::shared_ptr<const Router> inner);

}  // namespace routeiq::ml
