#pragma once
// Linear models on the full hashed TF-IDF vector (2^18 sparse columns and
// more): L2-regularised logistic regression with soft targets in [0,1] and a
// per-entry mask, one output column per model, minimised jointly by L-BFGS
// (Nocedal 1980; Liu & Nocedal 1989) with an Armijo backtracking line search.
// Every column is an independent convex problem; solving them together shares
// the sparse products. Deterministic: no randomness, fixed iteration order.
#include <Eigen/Core>
#include <Eigen/SparseCore>
#include <vector>

namespace routeiq::ml {

using SparseDesign = Eigen::SparseMatrix<float, Eigen::RowMajor, int32_t>;
using DenseColumns = Eigen::MatrixXf;  // column-major: one column per output

struct LogisticFit {
  DenseColumns weights;  // features x outputs
  Eigen::VectorXf bias;  // outputs (not regularised)
  int iterations = 0;
  double loss = 0;  // final objective
};

struct LbfgsSettings {
  int max_iterations = 200;
  int memory = 10;
  double tolerance = 1e-5;  // stop when |grad|_inf <= tolerance * max(1, |w|_inf)
};

// Minimises, for each output j,
//   (1/K_j) sum_i mask_ij [softplus(z_ij) - y_ij z_ij] + (l2/2) |w_j|^2,   z = X w_j + b_j,
// K_j = sum_i mask_ij. `warm` (same shapes) starts the search; pass nullptr to
// start from zero weights and the logit of each column's mean target.
LogisticFit fit_sparse_logistic(const SparseDesign& x, const Eigen::MatrixXf& targets,
                                const Eigen::MatrixXf& mask, double l2,
                                const LogisticFit* warm = nullptr,
                                const LbfgsSettings& settings = {});

// Rows of x in the given order.
SparseDesign select_sparse_rows(const SparseDesign& x, const std::vector<size_t>& rows);

// Logits X W + b (rows x outputs).
Eigen::MatrixXf sparse_logits(const SparseDesign& x, const LogisticFit& fit);

}  // namespace routeiq::ml
