#include "routeiq/ml/sparse_linear.hpp"

#include <algorithm>
#include <cmath>
#include <deque>

namespace routeiq::ml {
namespace {

inline double softplus(double z) {
  return z > 0 ? z + std::log1p(std::exp(-z)) : std::log1p(std::exp(z));
}

struct Problem {
  const SparseDesign& x;
  const Eigen::MatrixXf& y;
  const Eigen::MatrixXf& mask;
  Eigen::VectorXf inv_known;  // 1 / K_j
  double l2;
  int64_t d, m;

  // theta = [vec(W) (column-major) ; b]; returns the objective, fills grad.
  double evaluate(const Eigen::VectorXd& theta, Eigen::VectorXd& grad) const {
    Eigen::MatrixXf w = Eigen::Map<const Eigen::MatrixXd>(theta.data(), d, m).cast<float>();
    Eigen::VectorXf b = theta.tail(m).cast<float>();
    Eigen::MatrixXf z = x * w;
    z.rowwise() += b.transpose();
    double total = 0;
    Eigen::MatrixXf g(z.rows(), m);
    for (int64_t j = 0; j < m; ++j)
      for (int64_t i = 0; i < z.rows(); ++i) {
        float k = mask(i, j);
        if (k == 0) {
          g(i, j) = 0;
          continue;
        }
        double zi = z(i, j);
        total += inv_known[j] * k * (softplus(zi) - y(i, j) * zi);
        g(i, j) = inv_known[j] * k * (float(1 / (1 + std::exp(-zi))) - y(i, j));
      }
    Eigen::MatrixXf gw = x.transpose() * g;
    grad.resize(theta.size());
    Eigen::Map<Eigen::MatrixXd> gmap(grad.data(), d, m);
    gmap = gw.cast<double>() + l2 * Eigen::Map<const Eigen::MatrixXd>(theta.data(), d, m);
    grad.tail(m) = g.colwise().sum().transpose().cast<double>();
    total += 0.5 * l2 * theta.head(d * m).squaredNorm();
    return total;
  }
};

}  // namespace

SparseDesign select_sparse_rows(const SparseDesign& x, const std::vector<size_t>& rows) {
  SparseDesign out(int64_t(rows.size()), x.cols());
  int64_t nnz = 0;
  for (size_t r : rows) nnz += x.outerIndexPtr()[r + 1] - x.outerIndexPtr()[r];
  out.reserve(nnz);
  for (size_t i = 0; i < rows.size(); ++i) {
    out.startVec(int64_t(i));
    for (SparseDesign::InnerIterator it(x, int64_t(rows[i])); it; ++it)
      out.insertBack(int64_t(i), it.col()) = it.value();
  }
  out.finalize();
  return out;
}

Eigen::MatrixXf sparse_logits(const SparseDesign& x, const LogisticFit& fit) {
  Eigen::MatrixXf z = x * fit.weights;
  z.rowwise() += fit.bias.transpose();
  return z;
}

// fit_sparse_logistic on a design whose every column is used.
static LogisticFit fit_compact(const SparseDesign& x, const Eigen::MatrixXf& targets,
                               const Eigen::MatrixXf& mask, double l2, const LogisticFit* warm,
                               const LbfgsSettings& s) {
  const int64_t d = x.cols(), m = targets.cols();
  Problem p{x, targets, mask, Eigen::VectorXf(m), l2, d, m};
  Eigen::VectorXd theta = Eigen::VectorXd::Zero(d * m + m);
  for (int64_t j = 0; j < m; ++j) {
    double known = mask.col(j).sum();
    p.inv_known[j] = known > 0 ? float(1 / known) : 0.f;
    double mean = known > 0 ? targets.col(j).cwiseProduct(mask.col(j)).sum() / known : 0.5;
    mean = std::clamp(mean, 1e-3, 1 - 1e-3);
    theta[d * m + j] = std::log(mean / (1 - mean));
  }
  if (warm && warm->weights.rows() == d && warm->weights.cols() == m) {
    Eigen::Map<Eigen::MatrixXd>(theta.data(), d, m) = warm->weights.cast<double>();
    theta.tail(m) = warm->bias.cast<double>();
  }
  Eigen::VectorXd grad, next_grad;
  double f = p.evaluate(theta, grad);
  std::deque<Eigen::VectorXd> ss, ys;
  std::deque<double> rhos;
  int it = 0;
  for (; it < s.max_iterations; ++it) {
    double scale = std::max(1.0, theta.lpNorm<Eigen::Infinity>());
    if (grad.lpNorm<Eigen::Infinity>() <= s.tolerance * scale) break;
    // Two-loop recursion: direction = -H grad.
    Eigen::VectorXd q = grad;
    std::vector<double> alpha(ss.size());
    for (size_t k = ss.size(); k-- > 0;) {
      alpha[k] = rhos[k] * ss[k].dot(q);
      q -= alpha[k] * ys[k];
    }
    if (!ss.empty())
      q *= ss.back().dot(ys.back()) / ys.back().squaredNorm();
    else
      q /= std::max(1e-12, grad.norm());
    for (size_t k = 0; k < ss.size(); ++k) {
      double beta = rhos[k] * ys[k].dot(q);
      q += (alpha[k] - beta) * ss[k];
    }
    Eigen::VectorXd dir = -q;
    double slope = grad.dot(dir);
    if (slope >= 0) {  // not a descent direction: restart from steepest descent
      ss.clear();
      ys.clear();
      rhos.clear();
      dir = -grad / std::max(1e-12, grad.norm());
      slope = grad.dot(dir);
    }
    double step = 1;
    Eigen::VectorXd next;
    double next_f = f;
    bool accepted = false;
    for (int ls = 0; ls < 30; ++ls, step *= 0.5) {
      next = theta + step * dir;
      next_f = p.evaluate(next, next_grad);
      if (std::isfinite(next_f) && next_f <= f + 1e-4 * step * slope) {
        accepted = true;
        break;
      }
    }
    if (!accepted) break;
    Eigen::VectorXd sk = next - theta, yk = next_grad - grad;
    double sy = sk.dot(yk);
    if (sy > 1e-12) {
      ss.push_back(std::move(sk));
      ys.push_back(std::move(yk));
      rhos.push_back(1 / sy);
      if (int(ss.size()) > s.memory) {
        ss.pop_front();
        ys.pop_front();
        rhos.pop_front();
      }
    }
    bool converged = std::abs(f - next_f) <= 1e-10 * std::max(1.0, std::abs(f));
    theta = std::move(next);
    grad = next_grad;
    f = next_f;
    if (converged) {
      ++it;
      break;
    }
  }
  LogisticFit fit;
  fit.weights = Eigen::Map<const Eigen::MatrixXd>(theta.data(), d, m).cast<float>();
  fit.bias = theta.tail(m).cast<float>();
  fit.iterations = it;
  fit.loss = f;
  return fit;
}

LogisticFit fit_sparse_logistic(const SparseDesign& x, const Eigen::MatrixXf& targets,
                                const Eigen::MatrixXf& mask, double l2, const LogisticFit* warm,
                                const LbfgsSettings& s) {
  // Columns no row uses have the optimum w = 0 (only the penalty acts on them):
  // solve on the used columns only, which shrinks every L-BFGS vector.
  const int64_t d = x.cols(), m = targets.cols();
  std::vector<int32_t> compact_of(size_t(d), -1), used;
  for (int64_t k = 0; k < x.nonZeros(); ++k) {
    int32_t c = x.innerIndexPtr()[k];
    if (compact_of[size_t(c)] < 0) {
      compact_of[size_t(c)] = 0;
      used.push_back(c);
    }
  }
  std::sort(used.begin(), used.end());
  for (size_t i = 0; i < used.size(); ++i) compact_of[size_t(used[i])] = int32_t(i);
  SparseDesign cx(x.rows(), int64_t(used.size()));
  cx.reserve(x.nonZeros());
  for (int64_t r = 0; r < x.rows(); ++r) {
    cx.startVec(r);
    std::vector<std::pair<int32_t, float>> row;
    for (SparseDesign::InnerIterator it(x, r); it; ++it)
      row.emplace_back(compact_of[size_t(it.col())], it.value());
    std::sort(row.begin(), row.end());
    for (auto [c, v] : row) cx.insertBack(r, c) = v;
  }
  cx.finalize();
  LogisticFit compact_warm;
  const LogisticFit* cw = nullptr;
  if (warm && warm->weights.rows() == d && warm->weights.cols() == m) {
    compact_warm.weights.resize(int64_t(used.size()), m);
    for (size_t i = 0; i < used.size(); ++i)
      compact_warm.weights.row(int64_t(i)) = warm->weights.row(used[i]);
    compact_warm.bias = warm->bias;
    cw = &compact_warm;
  }
  LogisticFit c = fit_compact(cx, targets, mask, l2, cw, s);
  LogisticFit fit;
  fit.weights = DenseColumns::Zero(d, m);
  for (size_t i = 0; i < used.size(); ++i) fit.weights.row(used[i]) = c.weights.row(int64_t(i));
  fit.bias = c.bias;
  fit.iterations = c.iterations;
  fit.loss = c.loss;
  return fit;
}

}  // namespace routeiq::ml
