#include "routeiq/ml/shrinkage.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <cmath>

namespace routeiq::ml {
namespace {

constexpr int kClusters = 128;
constexpr float kWidths[] = {0.f, 0.05f, 0.1f, 0.2f, 0.4f};
constexpr double kQuantiles[] = {0.02, 0.05, 0.1, 0.2, 0.3,  0.4, 0.5,
                                 0.6,  0.7,  0.8, 0.9, 0.95, 1.0};
// A setting must beat plain predictions by this much (out of fold) to be kept.
constexpr double kMinGain = 1e-3;

inline uint64_t mix(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

RowMatrix sketch_rows(const Featurizer& f, const std::vector<std::string_view>& texts) {
  RowMatrix s(int64_t(texts.size()), kSketchDim);
  for (size_t i = 0; i < texts.size(); ++i) s.row(int64_t(i)) = sketch(f.sparse(texts[i]));
  return s;
}

RowMatrix unit_centroids(const RowMatrix& unit_rows, uint64_t seed) {
  int k = int(std::min<int64_t>(kClusters, std::max<int64_t>(1, unit_rows.rows() / 8)));
  RowMatrix c = kmeans(unit_rows, k, seed);
  normalize_rows(c);
  return c;
}

RowMatrix shrunk(const RowMatrix& predicted, const RowMatrix& prior, const Eigen::VectorXf& sims,
                 const Shrinkage& s) {
  RowMatrix out = predicted;
  for (int64_t i = 0; i < out.rows(); ++i) {
    float a = s.alpha(sims[i]);
    out.row(i) = prior.row(i) + a * (predicted.row(i) - prior.row(i));
  }
  return out;
}

class ShrunkRouter final : public Router {
 public:
  ShrunkRouter(std::shared_ptr<const Router> inner, Featurizer features, Shrinkage shrinkage)
      : inner_(std::move(inner)),
        features_(std::move(features)),
        shrinkage_(std::move(shrinkage)) {}
  const RouterInfo& info() const override { return inner_->info(); }
  std::vector<double> predict(std::string_view query) const override {
    auto q = inner_->predict(query);
    if (shrinkage_.enabled())
      shrinkage_.apply(q, shrinkage_.similarity(sketch(features_.sparse(query))));
    return q;
  }

 private:
  std::shared_ptr<const Router> inner_;
  Featurizer features_;
  Shrinkage shrinkage_;
};

}  // namespace

Eigen::VectorXf sketch(const SparseFeatures& x) {
  Eigen::VectorXf s = Eigen::VectorXf::Zero(kSketchDim);
  for (size_t k = 0; k < x.index.size(); ++k) {
    uint64_t h = mix(uint64_t(x.index[k]) * 0x9e3779b97f4a7c15ULL + 0x51ce7c4);
    s[int64_t(h % kSketchDim)] += (h >> 63) ? x.value[k] : -x.value[k];
  }
  return unit(s);
}

float Shrinkage::similarity(const Eigen::VectorXf& unit_sketch) const {
  if (centroids.rows() == 0) return 1;
  return (centroids * unit_sketch).maxCoeff();
}

float Shrinkage::alpha(float s) const {
  if (!enabled()) return 1;
  if (width <= 0) return s >= low ? 1.f : 0.f;
  return std::clamp((s - low) / width, 0.f, 1.f);
}

void Shrinkage::apply(std::vector<double>& quality, float s) const {
  double a = alpha(s);
  for (size_t j = 0; j < quality.size() && int64_t(j) < prior.size(); ++j)
    quality[j] = prior[int64_t(j)] + a * (quality[j] - prior[int64_t(j)]);
}

Status fit_shrinkage(const RouterSpec& spec, const TrainingSet& set, const Featurizer& features,
                     const FeatureConfig& feature_config, const TrainOptions& options,
                     Artifact& out) {
  const int64_t n = int64_t(set.size()), m = int64_t(set.model_count());
  // Set column of each of the router's models; the others never win (-1).
  std::vector<int64_t> cols;
  for (const auto& name : out.manifest.models)
    for (int64_t j = 0; j < m; ++j)
      if (set.models[size_t(j)] == name) cols.push_back(j);
  if (cols.size() != out.manifest.models.size())
    return make_error(ErrorKind::internal, "router models missing from the training set");
  RowMatrix sketches = sketch_rows(features, set.texts);
  RowMatrix oof = RowMatrix::Constant(n, m, -1), prior = RowMatrix::Constant(n, m, -1);
  Eigen::VectorXf sims = Eigen::VectorXf::Ones(n);
  std::vector<size_t> covered;
  // Hyper-parameters the main training already chose by its own grouped
  // cross-validation are reused by the fold trainings (svm: l2), which keeps
  // the cost at one fit per fold.
  TrainOptions fold_options = options;
  for (std::string_view key : {"l2"})
    if (const auto* v = out.manifest.params.if_contains(key); v && v->is_number())
      fold_options.params[key] = *v;
  for (const auto& fold : grouped_folds(set.tasks, std::max(2, options.cv_folds), options.seed)) {
    auto rest = complement(set.size(), fold);
    if (fold.empty() || rest.size() < 2) continue;
    TrainingSet train = set.subset(rest);
    Featurizer f = Featurizer::fit(train.texts, feature_config, spec.dense_features);
    Artifact a;
    a.manifest.router_type = std::string(spec.name);
    a.manifest.models = out.manifest.models;
    a.manifest.created = out.manifest.created;
    a.manifest.params["seed"] = options.seed;
    if (auto st = spec.train(train, f, fold_options, a); !st) return st.take_error();
    f.to_artifact(a);
    auto fitted = Featurizer::from_artifact(a, spec.dense_features);
    if (!fitted) return fitted.take_error();
    auto router = spec.load(a, std::move(fitted.value()));
    if (!router) return router.take_error();
    RowMatrix rest_sketch(int64_t(rest.size()), kSketchDim);
    for (size_t i = 0; i < rest.size(); ++i) rest_sketch.row(int64_t(i)) = sketches.row(rest[i]);
    Shrinkage probe;
    probe.centroids = unit_centroids(rest_sketch, options.seed);
    Eigen::VectorXf means = train.model_means();
    for (size_t r : fold) {
      auto q = (*router)->predict(set.texts[r]);
      for (size_t j = 0; j < cols.size() && j < q.size(); ++j) {
        oof(int64_t(r), cols[j]) = float(q[j]);
        prior(int64_t(r), cols[j]) = means[cols[j]];
      }
      sims[int64_t(r)] = probe.similarity(sketches.row(int64_t(r)).transpose());
      covered.push_back(r);
    }
  }
  std::sort(covered.begin(), covered.end());
  Shrinkage best;
  double plain = routing_criterion(oof(covered, Eigen::all), set, covered);
  double best_value = plain;
  if (!covered.empty()) {
    std::vector<float> sorted;
    for (size_t r : covered) sorted.push_back(sims[int64_t(r)]);
    std::sort(sorted.begin(), sorted.end());
    // Rows of `covered` as a contiguous matrix for routing_criterion.
    RowMatrix p = oof(covered, Eigen::all), pr = prior(covered, Eigen::all);
    Eigen::VectorXf s = sims(covered);
    for (double qt : kQuantiles) {
      float low = sorted[std::min(sorted.size() - 1, size_t(qt * double(sorted.size())))];
      for (float width : kWidths) {
        Shrinkage c;
        c.low = low;
        c.width = width;
        double v = routing_criterion(shrunk(p, pr, s, c), set, covered);
        if (v > best_value + 1e-12) {
          best_value = v;
          best = c;
        }
      }
    }
  }
  if (best_value < plain + kMinGain) {
    best = Shrinkage{};
    best_value = plain;
  }
  best.centroids = unit_centroids(sketches, options.seed);
  Eigen::VectorXf means = set.model_means();
  best.prior.resize(int64_t(cols.size()));
  for (size_t j = 0; j < cols.size(); ++j) best.prior[int64_t(j)] = means[cols[j]];
  out.manifest.params["ood_low"] = best.low;
  out.manifest.params["ood_width"] = best.width;
  out.manifest.params["ood_cv_plain"] = plain;
  out.manifest.params["ood_cv_shrunk"] = best_value;
  out.tensors["ood.centroids"] = matrix_tensor(best.centroids);
  out.tensors["ood.prior"] = vector_tensor(best.prior);
  return ok_status();
}

bool has_shrinkage(const Artifact& a) {
  return a.tensors.count("ood.centroids") || a.tensors.count("ood.prior");
}

std::vector<std::string_view> shrinkage_tensor_names() {
  return {"ood.centroids", "ood.prior"};
}

Result<std::shared_ptr<const Router>> with_shrinkage(const Artifact& a,
                                                     std::shared_ptr<const Router> inner) {
  const int64_t m = int64_t(a.manifest.models.size());
  auto centroids = finite_matrix(a, "ood.centroids", -1, kSketchDim);
  if (!centroids) return centroids.take_error();
  if (centroids->rows() < 1) return artifact_error("ood.centroids has no rows");
  auto prior = finite_tensor(a, "ood.prior", {m});
  if (!prior) return prior.take_error();
  auto low = param_number(a.manifest, "ood_low", -2, 1);
  if (!low) return low.take_error();
  auto width = param_number(a.manifest, "ood_width", 0, 2);
  if (!width) return width.take_error();
  auto features = Featurizer::from_artifact(a, false);
  if (!features) return features.take_error();
  Shrinkage s;
  s.centroids = std::move(centroids.value());
  normalize_rows(s.centroids);
  s.prior = Eigen::Map<Eigen::VectorXf>(prior->data(), m);
  s.low = float(*low);
  s.width = float(*width);
  return std::shared_ptr<const Router>(std::make_shared<const ShrunkRouter>(
      std::move(inner), std::move(features.value()), std::move(s)));
}

}  // namespace routeiq::ml
