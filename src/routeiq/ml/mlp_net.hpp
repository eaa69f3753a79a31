#pragma once
// The networks behind the mlp and mf routers, with analytic gradients
// (exposed so tests can check them against finite differences).
#include <Eigen/Core>
#include <vector>

#include "routeiq/ml/rng.hpp"

namespace routeiq::ml {

using NetMatrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// One ReLU hidden layer, sigmoid outputs: the score vector of a query.
struct MlpNet {
  NetMatrix w1;  // inputs x hidden
  Eigen::RowVectorXf b1;
  NetMatrix w2;  // hidden x outputs
  Eigen::RowVectorXf b2;

  static MlpNet init(int inputs, int hidden, int outputs, Rng& rng);
  NetMatrix forward(const NetMatrix& x) const;  // rows x outputs, in (0,1)
  // Masked binary cross-entropy against soft targets in [0,1] (mean over known
  // entries) plus weight_decay/2 * |W|^2; fills `grad` (same shapes).
  double loss(const NetMatrix& x, const NetMatrix& y, const NetMatrix& mask, float weight_decay,
              MlpNet* grad) const;
  std::vector<float*> parameters();
  std::vector<Eigen::Index> sizes() const;
};

// Matrix factorisation in the style of RouteLLM's MF router, for N models:
// s_m(q) = v_m . (P q) + c_m, trained with a Bradley-Terry loss on model pairs
// whose scores differ (weighted by the gap) plus a pointwise cross-entropy that
// keeps sigmoid(s_m) on the quality scale.
struct MfNet {
  NetMatrix p;           // dim x inputs: query projection into the model-embedding space
  NetMatrix v;           // models x dim: model embeddings
  Eigen::RowVectorXf c;  // per-model bias

  static MfNet init(int inputs, int dim, int models, Rng& rng);
  NetMatrix scores(const NetMatrix& x) const;  // rows x models, logits
  double loss(const NetMatrix& x, const NetMatrix& y, const NetMatrix& mask, float margin,
              float pointwise_weight, float weight_decay, MfNet* grad) const;
  std::vector<float*> parameters();
  std::vector<Eigen::Index> sizes() const;
};

// Adam (Kingma & Ba 2015) over a flat list of parameter arrays.
class Adam {
 public:
  Adam(std::vector<Eigen::Index> sizes, float learning_rate);
  void step(const std::vector<float*>& params, const std::vector<float*>& grads);

 private:
  std::vector<Eigen::VectorXf> m_, v_;
  float lr_;
  int t_ = 0;
};

}  // namespace routeiq::ml
