// Linear SVM router in its least-squares form (LS-SVM regression, Suykens &
// Vandewalle 1999, i.e. ridge regression): one linear model per candidate on
// the sparse TF-IDF vector plus surface features, predicting that model's
// quality. Solved exactly in the primal by conjugate gradients, which is
// deterministic and needs no learning-rate tuning; the ridge strength is chosen
// by cross-validation and an affine calibration to [0,1] is fitted on the
// out-of-fold predictions.
#include <boost/json.hpp>
#include <cmath>
#include <numeric>

#include "routeiq/ml/router_impl.hpp"

namespace routeiq::ml {
namespace {

constexpr float kSurfaceScale = 0.25f;  // surface features against a unit-norm TF-IDF row
constexpr double kCandidateLambda[] = {1e-3, 3e-3, 1e-2};
constexpr int kIterations = 25;

using ColMatrix = Eigen::MatrixXf;

// Rows: [tf-idf | scaled surface features], one per text.
SparseRows design_matrix(const Featurizer& f, const std::vector<std::string_view>& texts) {
  std::vector<Eigen::Triplet<float, int32_t>> triplets;
  const int32_t base = int32_t(f.sparse_size());
  for (size_t r = 0; r < texts.size(); ++r) {
    auto x = f.sparse(texts[r]);
    for (size_t k = 0; k < x.index.size(); ++k)
      triplets.emplace_back(int32_t(r), int32_t(x.index[k]), x.value[k]);
    auto s = f.surface(texts[r]);
    for (int k = 0; k < kSurfaceFeatures; ++k)
      triplets.emplace_back(int32_t(r), base + k, kSurfaceScale * s[k]);
  }
  SparseRows m(int64_t(texts.size()), base + kSurfaceFeatures);
  m.setFromTriplets(triplets.begin(), triplets.end());
  return m;
}

// Minimises (1/n)|XW - Y|^2 + lambda |W|^2 column by column with conjugate
// gradients on the normal equations, starting from `w` (warm start).
void ridge_cg(const SparseRows& x, const ColMatrix& y, double lambda, ColMatrix& w) {
  const float inv_n = 1.f / float(std::max<int64_t>(1, x.rows()));
  auto apply = [&](const ColMatrix& p) -> ColMatrix {
    ColMatrix xp = x * p;
    return ColMatrix(x.transpose() * xp) * inv_n + float(lambda) * p;
  };
  ColMatrix r = ColMatrix(x.transpose() * y) * inv_n - apply(w);
  ColMatrix p = r;
  Eigen::VectorXf rs = r.colwise().squaredNorm();
  const Eigen::VectorXf rs0 = rs;
  for (int it = 0; it < kIterations; ++it) {
    ColMatrix ap = apply(p);
    for (int64_t j = 0; j < w.cols(); ++j) {
      float denom = p.col(j).dot(ap.col(j));
      if (rs[j] <= 1e-12f * rs0[j] || denom <= 0) continue;
      float alpha = rs[j] / denom;
      w.col(j) += alpha * p.col(j);
      r.col(j) -= alpha * ap.col(j);
      float rs_new = r.col(j).squaredNorm();
      p.col(j) = r.col(j) + (rs_new / rs[j]) * p.col(j);
      rs[j] = rs_new;
    }
  }
}

SparseRows select_rows(const SparseRows& x, const std::vector<size_t>& rows) {
  std::vector<Eigen::Triplet<float, int32_t>> triplets;
  for (size_t i = 0; i < rows.size(); ++i)
    for (SparseRows::InnerIterator it(x, int64_t(rows[i])); it; ++it)
      triplets.emplace_back(int32_t(i), int32_t(it.col()), it.value());
  SparseRows out(int64_t(rows.size()), x.cols());
  out.setFromTriplets(triplets.begin(), triplets.end());
  return out;
}

ColMatrix centred_targets(const TrainingSet& set, const std::vector<size_t>& rows,
                          const Eigen::VectorXf& means) {
  ColMatrix y(int64_t(rows.size()), set.scores.cols());
  for (size_t i = 0; i < rows.size(); ++i)
    y.row(int64_t(i)) = set.scores.row(int64_t(rows[i])) - means.transpose();
  return y;
}

struct Fit {
  double lambda;
  RowMatrix calibration;  // m x 2: quality = a * raw + b
};

// Cross-validates lambda (warm-started from the strongest to the weakest) and
// fits the calibration on the chosen lambda's out-of-fold predictions.
Fit cross_validate(const SparseRows& x, const TrainingSet& set, const TrainOptions& options) {
  const int64_t m = set.scores.cols();
  constexpr size_t grid = std::size(kCandidateLambda);
  std::vector<double> quality(grid, 0);
  std::vector<RowMatrix> oof(grid, RowMatrix::Zero(int64_t(set.size()), m));
  for (const auto& fold : kfold(set.size(), std::max(2, options.cv_folds), options.seed)) {
    auto rest = complement(set.size(), fold);
    if (fold.empty() || rest.empty()) continue;
    SparseRows xr = select_rows(x, rest), xf = select_rows(x, fold);
    Eigen::VectorXf means = set.subset(rest).model_means();
    ColMatrix y = centred_targets(set, rest, means);
    ColMatrix w = ColMatrix::Zero(x.cols(), m);
    for (size_t g = grid; g-- > 0;) {
      ridge_cg(xr, y, kCandidateLambda[g], w);
      RowMatrix pred = (xf * w).rowwise() + means.transpose();
      quality[g] += routing_quality(pred, set, fold) * double(fold.size());
      for (size_t i = 0; i < fold.size(); ++i) oof[g].row(int64_t(fold[i])) = pred.row(int64_t(i));
    }
  }
  size_t best = size_t(std::max_element(quality.begin(), quality.end()) - quality.begin());
  Fit fit{kCandidateLambda[best], RowMatrix(m, 2)};
  for (int64_t j = 0; j < m; ++j) {
    // Least-squares line of the measured score on the out-of-fold prediction.
    Eigen::VectorXf p = oof[best].col(j), y = set.scores.col(j);
    float pm = p.mean(), ym = y.mean();
    float var = (p.array() - pm).square().sum();
    float a = var > 1e-9f ? ((p.array() - pm) * (y.array() - ym)).sum() / var : 0.f;
    a = std::clamp(a, 0.f, 4.f);
    fit.calibration(j, 0) = a;
    fit.calibration(j, 1) = ym - a * pm;
  }
  return fit;
}

Status train_svm(const TrainingSet& set, const Featurizer& features, const TrainOptions& options,
                 Artifact& out) {
  SparseRows x = design_matrix(features, set.texts);
  Fit fit = cross_validate(x, set, options);
  fit.lambda = option_number(options, "lambda", fit.lambda);
  std::vector<size_t> all(set.size());
  std::iota(all.begin(), all.end(), size_t(0));
  Eigen::VectorXf means = set.model_means();
  ColMatrix w = ColMatrix::Zero(x.cols(), set.scores.cols());
  ridge_cg(x, centred_targets(set, all, means), fit.lambda, w);
  out.manifest.params["lambda"] = fit.lambda;
  out.tensors["svm.weights"] = matrix_tensor(RowMatrix(w));
  out.tensors["svm.bias"] = vector_tensor(means);
  out.tensors["svm.calibration"] = matrix_tensor(fit.calibration);
  return ok_status();
}

class SvmRouter final : public FeatureRouter {
 public:
  SvmRouter(const Artifact& a, Featurizer f, RowMatrix w, Eigen::VectorXf bias,
            RowMatrix calibration)
      : FeatureRouter(a, std::move(f)),
        w_(std::move(w)),
        bias_(std::move(bias)),
        calibration_(std::move(calibration)) {}

  std::vector<double> predict(std::string_view query) const override {
    Eigen::RowVectorXf raw = bias_.transpose();
    auto x = features_.sparse(query);
    for (size_t k = 0; k < x.index.size(); ++k) raw += x.value[k] * w_.row(x.index[k]);
    auto s = features_.surface(query);
    const int64_t base = int64_t(features_.sparse_size());
    for (int k = 0; k < kSurfaceFeatures; ++k) raw += kSurfaceScale * s[k] * w_.row(base + k);
    std::vector<double> out(size_t(raw.size()));
    for (int64_t j = 0; j < raw.size(); ++j)
      out[size_t(j)] = clamp01(calibration_(j, 0) * raw[j] + calibration_(j, 1));
    return out;
  }

 private:
  RowMatrix w_;
  Eigen::VectorXf bias_;
  RowMatrix calibration_;
};

Result<std::shared_ptr<const Router>> load_svm(const Artifact& a, Featurizer f) {
  const int64_t m = int64_t(a.manifest.models.size());
  auto w = finite_matrix(a, "svm.weights", int64_t(f.sparse_size()) + kSurfaceFeatures, m);
  if (!w) return w.take_error();
  auto bias = finite_tensor(a, "svm.bias", {m});
  if (!bias) return bias.take_error();
  auto calibration = finite_matrix(a, "svm.calibration", m, 2);
  if (!calibration) return calibration.take_error();
  return make_router<SvmRouter>(a, std::move(f), std::move(w.value()),
                                Eigen::VectorXf(Eigen::Map<Eigen::VectorXf>(bias->data(), m)),
                                std::move(calibration.value()));
}

std::vector<std::string_view> svm_tensors(const Artifact&) {
  return {"svm.weights", "svm.bias", "svm.calibration"};
}

}  // namespace

const RouterSpec& svm_router_spec() {
  static const RouterSpec spec{"svm", false, true, train_svm, load_svm, svm_tensors};
  return spec;
}

}  // namespace routeiq::ml
