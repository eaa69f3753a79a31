#pragma once
// Query featurizer with no external weights: hashed TF-IDF over word 1-2-grams
// and character 3-5-grams (feature hashing, Weinberger et al. 2009; sublinear
// tf and smoothed idf as in classic IR), cheap surface features (length, code
// and math markers, multiple-choice patterns, ...), and an optional dense
// projection learned by randomized SVD (Halko, Martinsson, Tropp 2011) for the
// routers that need dense inputs. All statistics are learned at training time
// and stored in the artifact; the same text always gives the same features.
#include <Eigen/Core>
#include <Eigen/SparseCore>
#include <array>
#include <boost/json/object.hpp>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "routeiq/core/error.hpp"
#include "routeiq/ml/artifact.hpp"

namespace routeiq::ml {

struct FeatureConfig {
  int hash_bits = 18;  // 2^18 TF-IDF buckets
  int char_min = 3;    // character n-gram range
  int char_max = 5;
  bool word_bigrams = true;
  int max_chars = 4096;          // longer queries are cut (keeps predict() bounded)
  int dense_dim = 128;           // SVD components of the dense projection
  int projection_vocab = 16384;  // most frequent buckets the projection reads
  double surface_weight = 0.15;  // scale of the standardised surface features in dense()
  uint64_t seed = 42;

  boost::json::object to_json() const;
  static Result<FeatureConfig> from_json(const boost::json::object& o);
};

inline constexpr int kSurfaceFeatures = 16;
using SurfaceFeatures = std::array<float, kSurfaceFeatures>;

// L2-normalised sparse TF-IDF vector; indices are unique, in first-seen order.
struct SparseFeatures {
  std::vector<uint32_t> index;
  std::vector<float> value;
};

using SparseRows = Eigen::SparseMatrix<float, Eigen::RowMajor, int32_t>;
using DenseRows = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

class Featurizer {
 public:
  // Learns idf, surface statistics and (if with_dense) the projection.
  static Featurizer fit(const std::vector<std::string_view>& texts, const FeatureConfig& config,
                        bool with_dense);
  // Reads the featurizer back, validating config and tensor shapes.
  static Result<Featurizer> from_artifact(const Artifact& a, bool with_dense);
  void to_artifact(Artifact& a) const;
  static std::vector<std::string_view> tensor_names(bool with_dense);

  SparseFeatures sparse(std::string_view text) const;
  // Standardised with the training mean and deviation.
  SurfaceFeatures surface(std::string_view text) const;
  // [unit-length SVD projection of the TF-IDF vector ; surface_weight * surface].
  Eigen::VectorXf dense(std::string_view text) const;

  uint32_t sparse_size() const { return 1u << config_.hash_bits; }
  int dense_size() const { return projection_dim() + kSurfaceFeatures; }
  int projection_dim() const { return static_cast<int>(projection_.cols()); }
  const FeatureConfig& config() const { return config_; }

  // Row matrices for training (one row per text).
  SparseRows sparse_rows(const std::vector<std::string_view>& texts) const;
  DenseRows dense_rows(const std::vector<std::string_view>& texts) const;

 private:
  void fit_projection(const std::vector<SparseFeatures>& rows);
  Eigen::VectorXf project(const SparseFeatures& x) const;

  FeatureConfig config_;
  bool has_dense_ = false;
  std::vector<float> idf_;
  SurfaceFeatures surface_mean_{};
  SurfaceFeatures surface_std_{};
  std::vector<int32_t> projection_index_;   // bucket of each projection row
  std::vector<int32_t> projection_row_of_;  // bucket -> projection row or -1
  DenseRows projection_;                    // projection_vocab x dense_dim
};

// Raw (unstandardised) surface features; exposed for tests.
SurfaceFeatures raw_surface_features(std::string_view text);

}  // namespace routeiq::ml
