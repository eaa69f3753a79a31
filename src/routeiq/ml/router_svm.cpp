// Linear router on the full hashed TF-IDF vector (no projection: the SVD keeps
// what varies most across queries, not what separates the models), plus the
// surface features: one L2-regularised logistic regression per candidate on its
// measured score as a soft target (the squared-hinge / logistic family of
// LLMRouter's SVM router, Wang et al. 2025; logistic so the output is already a
// probability of success). Solved by L-BFGS on the sparse design matrix. The L2
// strength is chosen by cross-validation over folds that keep tasks whole, so it
// is tuned for queries of tasks the model has not seen, warm-started from the
// strongest to the weakest regularisation.
//
// On a two-model pool what routing needs is the strong model's gain
// s_strong - s_weak, and two independent success models estimate it with the
// noise of both. There (`--param pair_gain=1`, `target: gain`) one logistic
// model is fitted to (s_strong - s_weak + 1) / 2, so 2 sigmoid(z) - 1 is the
// expected gain g, and the two qualities are the training means moved apart
// by it: q_strong = mean_strong + (g - gbar) / 2, q_weak = mean_weak -
// (g - gbar) / 2 (gbar the mean gain), whose difference is g. Like RouteLLM's
// routers (Ong et al. 2024), which score the strong model's win directly.
// Measured on MMLU subject folds it did not beat the two success models (see
// docs/routing-eval.md), so it is off by default.
#include <boost/json.hpp>
#include <cmath>
#include <numeric>
#include <tuple>

#include "routeiq/ml/router_impl.hpp"
#include "routeiq/ml/sparse_linear.hpp"

namespace routeiq::ml {
namespace {

constexpr double kCandidateL2[] = {1e-3, 3e-4, 1e-4, 3e-5};

// How logits become qualities: one sigmoid per model, or the pair's gain.
struct Readout {
  bool gain = false;
  int weak = 0, strong = 1;
  Eigen::VectorXf means;

  RowMatrix qualities(const Eigen::MatrixXf& z) const {
    if (!gain) return (1.f / (1.f + (-z.array()).exp())).matrix();
    RowMatrix q(z.rows(), 2);
    const float gbar = means[strong] - means[weak];
    for (int64_t i = 0; i < z.rows(); ++i) {
      float g = 2.f * sigmoid(z(i, 0)) - 1.f;
      q(i, strong) = clamp01(means[strong] + (g - gbar) / 2);
      q(i, weak) = clamp01(means[weak] - (g - gbar) / 2);
    }
    return q;
  }
};

Readout make_readout(const TrainingSet& set, const TrainOptions& options) {
  Readout r;
  r.gain = set.model_count() == 2 && option_number(options, "pair_gain", 0) != 0;
  if (r.gain) std::tie(r.weak, r.strong) = weak_strong(set);
  r.means = set.model_means();
  return r;
}

// Targets and mask of the logistic model(s) for `set`.
void linear_targets(const TrainingSet& set, const Readout& r, Eigen::MatrixXf& y,
                    Eigen::MatrixXf& mask) {
  if (!r.gain) {
    y = set.scores;
    mask = set.known;
    return;
  }
  y = ((set.scores.col(r.strong) - set.scores.col(r.weak)).array() + 1.f) / 2.f;
  mask = set.known.col(r.strong).cwiseProduct(set.known.col(r.weak));
}

}  // namespace

SparseRows linear_design(const Featurizer& f, const std::vector<std::string_view>& texts) {
  std::vector<Eigen::Triplet<float, int32_t>> triplets;
  const int32_t base = int32_t(f.sparse_size());
  for (size_t r = 0; r < texts.size(); ++r) {
    auto x = f.sparse(texts[r]);
    for (size_t k = 0; k < x.index.size(); ++k)
      triplets.emplace_back(int32_t(r), int32_t(x.index[k]), x.value[k]);
    auto s = f.surface(texts[r]);
    for (int k = 0; k < kSurfaceFeatures; ++k)
      triplets.emplace_back(int32_t(r), base + k, kLinearSurfaceScale * s[k]);
  }
  SparseRows m(int64_t(texts.size()), base + kSurfaceFeatures);
  m.setFromTriplets(triplets.begin(), triplets.end());
  return m;
}

LinearChoice choose_linear_l2(const SparseRows& x, const TrainingSet& set,
                              const TrainOptions& options, RowMatrix* out_of_fold) {
  constexpr size_t grid = std::size(kCandidateL2);
  const int64_t m = set.scores.cols();
  std::vector<double> quality(grid, 0);
  LbfgsSettings cv_settings;
  cv_settings.max_iterations = 100;
  std::vector<RowMatrix> oof(grid, RowMatrix::Zero(int64_t(set.size()), m));
  for (const auto& fold : grouped_folds(set.tasks, std::max(2, options.cv_folds), options.seed)) {
    auto rest = complement(set.size(), fold);
    if (fold.empty() || rest.empty()) continue;
    SparseRows xr = select_sparse_rows(x, rest), xf = select_sparse_rows(x, fold);
    TrainingSet train = set.subset(rest);
    Readout readout = make_readout(train, options);
    Eigen::MatrixXf y, mask;
    linear_targets(train, readout, y, mask);
    LogisticFit fit;
    for (size_t g = 0; g < grid; ++g) {
      fit = fit_sparse_logistic(xr, y, mask, kCandidateL2[g], g ? &fit : nullptr, cv_settings);
      RowMatrix pred = readout.qualities(sparse_logits(xf, fit));
      quality[g] += routing_criterion(pred, set, fold) * double(fold.size());
      for (size_t i = 0; i < fold.size(); ++i) oof[g].row(int64_t(fold[i])) = pred.row(int64_t(i));
    }
  }
  size_t best = size_t(std::max_element(quality.begin(), quality.end()) - quality.begin());
  if (out_of_fold) *out_of_fold = oof[best];
  return {kCandidateL2[best], quality[best] / double(std::max<size_t>(1, set.size()))};
}

namespace {

Status train_svm(const TrainingSet& set, const Featurizer& features, const TrainOptions& options,
                 Artifact& out) {
  SparseRows x = linear_design(features, set.texts);
  double l2 = option_number(options, "l2", -1);
  if (!(l2 > 0)) l2 = choose_linear_l2(x, set, options, nullptr).l2;
  Readout readout = make_readout(set, options);
  Eigen::MatrixXf y, mask;
  linear_targets(set, readout, y, mask);
  LogisticFit fit = fit_sparse_logistic(x, y, mask, l2);
  out.manifest.params["l2"] = l2;
  out.manifest.params["loss"] = "logistic";
  out.manifest.params["iterations"] = fit.iterations;
  out.manifest.params["target"] = readout.gain ? "gain" : "scores";
  if (readout.gain) {
    out.manifest.params["weak"] = readout.weak;
    out.manifest.params["strong"] = readout.strong;
    out.tensors["svm.means"] = vector_tensor(readout.means);
  }
  out.tensors["svm.weights"] = matrix_tensor(RowMatrix(fit.weights));
  out.tensors["svm.bias"] = vector_tensor(fit.bias);
  return ok_status();
}

class SvmRouter final : public FeatureRouter {
 public:
  // calibration: empty (logistic: quality = sigmoid(raw)) or, for the first
  // artifacts (ridge regression), m x 2 with quality = a * raw + b.
  SvmRouter(const Artifact& a, Featurizer f, RowMatrix w, Eigen::VectorXf bias,
            RowMatrix calibration, Readout readout)
      : FeatureRouter(a, std::move(f)),
        w_(std::move(w)),
        bias_(std::move(bias)),
        calibration_(std::move(calibration)),
        readout_(std::move(readout)) {}

  std::vector<double> predict(std::string_view query) const override {
    Eigen::RowVectorXf raw = bias_.transpose();
    auto x = features_.sparse(query);
    for (size_t k = 0; k < x.index.size(); ++k) raw += x.value[k] * w_.row(x.index[k]);
    auto s = features_.surface(query);
    const int64_t base = int64_t(features_.sparse_size());
    for (int k = 0; k < kSurfaceFeatures; ++k) raw += kLinearSurfaceScale * s[k] * w_.row(base + k);
    if (readout_.gain) {
      RowMatrix q = readout_.qualities(Eigen::MatrixXf(raw));
      return {q(0, 0), q(0, 1)};
    }
    std::vector<double> out(size_t(raw.size()));
    for (int64_t j = 0; j < raw.size(); ++j)
      out[size_t(j)] = calibration_.rows()
                           ? clamp01(calibration_(j, 0) * raw[j] + calibration_(j, 1))
                           : clamp01(sigmoid(raw[j]));
    return out;
  }

 private:
  RowMatrix w_;
  Eigen::VectorXf bias_;
  RowMatrix calibration_;
  Readout readout_;
};

Result<std::shared_ptr<const Router>> load_svm(const Artifact& a, Featurizer f) {
  const int64_t m = int64_t(a.manifest.models.size());
  Readout readout;
  const auto* target = a.manifest.params.if_contains("target");
  readout.gain = target && target->is_string() && target->get_string() == "gain";
  if (readout.gain) {
    if (m != 2) return artifact_error("svm: target gain needs two models");
    auto weak = param_int(a.manifest, "weak", 0, 1);
    auto strong = param_int(a.manifest, "strong", 0, 1);
    if (!weak) return weak.take_error();
    if (!strong) return strong.take_error();
    if (*weak == *strong) return artifact_error("svm: weak and strong are the same model");
    auto means = finite_tensor(a, "svm.means", {2});
    if (!means) return means.take_error();
    readout.weak = int(*weak);
    readout.strong = int(*strong);
    readout.means = Eigen::Map<Eigen::VectorXf>(means->data(), 2);
  }
  const int64_t outputs = readout.gain ? 1 : m;
  auto w = finite_matrix(a, "svm.weights", int64_t(f.sparse_size()) + kSurfaceFeatures, outputs);
  if (!w) return w.take_error();
  auto bias = finite_tensor(a, "svm.bias", {outputs});
  if (!bias) return bias.take_error();
  RowMatrix calibration;
  if (a.tensors.count("svm.calibration")) {
    auto c = finite_matrix(a, "svm.calibration", m, 2);
    if (!c) return c.take_error();
    calibration = std::move(c.value());
  }
  return make_router<SvmRouter>(a, std::move(f), std::move(w.value()),
                                Eigen::VectorXf(Eigen::Map<Eigen::VectorXf>(bias->data(), outputs)),
                                std::move(calibration), std::move(readout));
}

std::vector<std::string_view> svm_tensors(const Artifact& a) {
  if (a.tensors.count("svm.calibration")) return {"svm.weights", "svm.bias", "svm.calibration"};
  if (a.tensors.count("svm.means")) return {"svm.weights", "svm.bias", "svm.means"};
  return {"svm.weights", "svm.bias"};
}

}  // namespace

const RouterSpec& svm_router_spec() {
  static const RouterSpec spec{"svm", false, true, train_svm, load_svm, svm_tensors};
  return spec;
}

}  // namespace routeiq::ml
