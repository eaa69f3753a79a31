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

// RouterDC's dual contrastive objective (Chen et al. 2024, arXiv 2409.19886)
// on our features: a learned linear encoder e = normalise(W x) stands in for
// the paper's fine-tuned language-model encoder. Models have learned keys k_j;
// similarity is cosine / temperature.
//  - sample-LLM loss: each top-scoring model (within 0.05 of the best, at most
//    3) against the models clearly worse (more than 0.1 below the best);
//  - sample-sample loss: a query against another query of its cluster
//    (positive) and the batch's queries of other clusters (negatives).
struct DcNet {
  NetMatrix w;  // dim x inputs
  NetMatrix k;  // models x dim

  static DcNet init(int inputs, int dim, int models, Rng& rng);
  NetMatrix similarities(const NetMatrix& x) const;  // rows x models, cosine in [-1,1]
  double loss(const NetMatrix& x, const NetMatrix& y, const NetMatrix& mask,
              const std::vector<int>& cluster, float temperature, float sample_weight,
              float weight_decay, DcNet* grad) const;
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
