// Analytic gradients of the mlp and mf networks against central finite
// differences (in double-checked float: tolerances allow float rounding).
#include <gtest/gtest.h>

#include <cmath>

#include "routeiq/ml/mlp_net.hpp"

namespace routeiq::ml {
namespace {

struct Batch {
  NetMatrix x, y, mask;
};

Batch random_batch(int rows, int inputs, int outputs, uint64_t seed) {
  Rng rng(seed);
  Batch b{NetMatrix(rows, inputs), NetMatrix(rows, outputs), NetMatrix(rows, outputs)};
  for (int64_t i = 0; i < b.x.size(); ++i) b.x.data()[i] = float(rng.normal());
  for (int64_t i = 0; i < b.y.size(); ++i) b.y.data()[i] = float(rng.uniform());
  // Binary scores for some entries so pairwise gaps and ties both occur; one unknown.
  for (int64_t i = 0; i < b.y.size(); i += 3) b.y.data()[i] = float(rng.below(2));
  b.mask.setOnes();
  b.mask(0, 0) = 0;
  return b;
}

// Compares every analytic partial derivative with (L(w+h) - L(w-h)) / 2h.
template <class Net, class Loss>
void check_gradient(Net net, Loss loss) {
  Net grad = net;
  loss(net, &grad);
  auto params = net.parameters();
  auto grads = grad.parameters();
  auto sizes = net.sizes();
  int checked = 0;
  for (size_t k = 0; k < params.size(); ++k)
    for (Eigen::Index i = 0; i < sizes[k]; ++i) {
      const float saved = params[k][i];
      const float h = 1e-2f;
      params[k][i] = saved + h;
      double up = loss(net, nullptr);
      params[k][i] = saved - h;
      double down = loss(net, nullptr);
      params[k][i] = saved;
      double numeric = (up - down) / (2 * h);
      EXPECT_NEAR(grads[k][i], numeric, 2e-3 + 2e-2 * std::abs(numeric))
          << "parameter block " << k << " index " << i;
      ++checked;
    }
  EXPECT_GT(checked, 20);
}

TEST(ModelsGradient, MlpMatchesFiniteDifferences) {
  Rng rng(3);
  MlpNet net = MlpNet::init(5, 7, 3, rng);
  net.b1.setConstant(0.05f);  // keep ReLU kinks away from the probe points
  Batch b = random_batch(6, 5, 3, 9);
  check_gradient(net,
                 [&](const MlpNet& n, MlpNet* g) { return n.loss(b.x, b.y, b.mask, 1e-2f, g); });
}

TEST(ModelsGradient, MfMatchesFiniteDifferences) {
  Rng rng(4);
  MfNet net = MfNet::init(5, 4, 4, rng);
  Batch b = random_batch(6, 5, 4, 10);
  check_gradient(net, [&](const MfNet& n, MfNet* g) {
    return n.loss(b.x, b.y, b.mask, 0.05f, 0.5f, 1e-2f, g);
  });
}

TEST(ModelsGradient, RouterDcMatchesFiniteDifferences) {
  Rng rng(6);
  DcNet net = DcNet::init(5, 4, 4, rng);
  Batch b = random_batch(6, 5, 4, 12);
  std::vector<int> cluster = {0, 1, 0, 1, 2, 0};
  check_gradient(net, [&](const DcNet& n, DcNet* g) {
    return n.loss(b.x, b.y, b.mask, cluster, 0.5f, 1.0f, 1e-2f, g);
  });
}

TEST(ModelsGradient, AdamReducesTheMlpLoss) {
  Rng rng(5);
  MlpNet net = MlpNet::init(4, 16, 2, rng);
  Batch b = random_batch(32, 4, 2, 11);
  for (int64_t i = 0; i < b.y.rows(); ++i) {
    b.y(i, 0) = b.x(i, 0) > 0 ? 1.f : 0.f;  // learnable targets
    b.y(i, 1) = b.x(i, 1) > 0 ? 0.9f : 0.1f;
  }
  b.mask.setOnes();
  MlpNet grad = net;
  Adam adam(net.sizes(), 1e-2f);
  double first = net.loss(b.x, b.y, b.mask, 0, nullptr);
  for (int step = 0; step < 300; ++step) {
    net.loss(b.x, b.y, b.mask, 0, &grad);
    adam.step(net.parameters(), grad.parameters());
  }
  EXPECT_LT(net.loss(b.x, b.y, b.mask, 0, nullptr), 0.6 * first);
}

}  // namespace
}  // namespace routeiq::ml
