#pragma once
// Mini-batch Adam with early stopping on a validation split, shared by the
// gradient-trained routers. Net must offer parameters() and sizes(); the loss
// function is loss(net, x, y, mask, grad_or_null) -> double.
#include <limits>
#include <vector>

#include "routeiq/ml/mlp_net.hpp"
#include "routeiq/ml/rng.hpp"
#include "routeiq/ml/router_impl.hpp"

namespace routeiq::ml {

struct LoopSettings {
  float learning_rate = 1e-3f;
  int batch = 64;
  int max_epochs = 200;
  int patience = 12;  // epochs without validation improvement before stopping
  uint64_t seed = 1;
};

struct LoopResult {
  int epochs = 0;
  int best_epoch = 0;
  double best_val_loss = 0;
};

inline RowMatrix take_rows(const RowMatrix& m, const std::vector<size_t>& rows) {
  RowMatrix out(int64_t(rows.size()), m.cols());
  for (size_t i = 0; i < rows.size(); ++i) out.row(int64_t(i)) = m.row(int64_t(rows[i]));
  return out;
}

template <class Net, class Loss>
LoopResult train_with_early_stopping(Net& net, const RowMatrix& x, const RowMatrix& y,
                                     const RowMatrix& mask, const std::vector<size_t>& fit_rows,
                                     const std::vector<size_t>& val_rows, Loss loss,
                                     const LoopSettings& s) {
  Rng rng(s.seed);
  Adam adam(net.sizes(), s.learning_rate);
  const RowMatrix vx = take_rows(x, val_rows), vy = take_rows(y, val_rows),
                  vm = take_rows(mask, val_rows);
  Net best = net, grad = net;
  LoopResult result;
  result.best_val_loss = std::numeric_limits<double>::infinity();
  std::vector<size_t> order = fit_rows;
  for (int epoch = 1; epoch <= s.max_epochs; ++epoch) {
    rng.shuffle(order);
    for (size_t start = 0; start < order.size(); start += size_t(s.batch)) {
      std::vector<size_t> batch(order.begin() + int64_t(start),
                                order.begin() + int64_t(std::min(order.size(), start + s.batch)));
      loss(net, take_rows(x, batch), take_rows(y, batch), take_rows(mask, batch), &grad);
      adam.step(net.parameters(), grad.parameters());
    }
    result.epochs = epoch;
    double val = val_rows.empty() ? 0 : loss(net, vx, vy, vm, nullptr);
    if (val < result.best_val_loss - 1e-6) {
      result.best_val_loss = val;
      result.best_epoch = epoch;
      best = net;
    } else if (epoch - result.best_epoch >= s.patience) {
      break;
    }
  }
  if (!val_rows.empty()) net = best;
  return result;
}

// Splits rows into fitting and early-stopping parts.
inline void split_rows(size_t n, double val_fraction, uint64_t seed, std::vector<size_t>& fit,
                       std::vector<size_t>& val) {
  Rng rng(seed ^ 0xea51);
  auto order = rng.permutation(n);
  size_t nv = n >= 10 ? size_t(double(n) * val_fraction) : 0;
  val.assign(order.begin(), order.begin() + int64_t(nv));
  fit.assign(order.begin() + int64_t(nv), order.end());
}

// Column standardisation of dense inputs, stored with the model.
struct Standardizer {
  Eigen::RowVectorXf mean, scale;  // x' = (x - mean) * scale

  static Standardizer fit(const RowMatrix& x) {
    Standardizer s;
    s.mean = x.colwise().mean();
    RowMatrix c = x.rowwise() - s.mean;
    Eigen::RowVectorXf sd =
        (c.colwise().squaredNorm() / float(std::max<int64_t>(1, x.rows()))).cwiseSqrt();
    s.scale = sd.unaryExpr([](float v) { return v > 1e-6f ? 1.f / v : 1.f; });
    return s;
  }
  RowMatrix apply(const RowMatrix& x) const {
    return (x.rowwise() - mean).array().rowwise() * scale.array();
  }
};

}  // namespace routeiq::ml
