// Hybrid-LLM router (Ding et al. 2024, arXiv 2404.14618) for one small/large
// pair: a classifier of whether the small model's answer is as good as the
// large one's. Three label constructions from the paper:
//   det   y = 1[q_small >= q_large]
//   prob  y = P(small >= large) with each score read as a Bernoulli success
//         probability: 1 - q_large (1 - q_small)
//   trans y = 1[q_small >= q_large - t], the relaxed threshold t chosen to make
//         the labels most balanced (the paper maximises the mean pairwise label
//         difference, which for binary labels is the same thing)
// The label kind and the ridge strength are chosen by cross-validating the area
// under the quality-versus-strong-share curve. The classifier is logistic
// regression on the standardised dense features (the paper fine-tunes a
// DeBERTa encoder; we keep the labels and the decision rule).
#include <algorithm>
#include <boost/json.hpp>
#include <numeric>

#include "routeiq/ml/router_impl.hpp"
#include "routeiq/ml/train_loop.hpp"

namespace routeiq::ml {
namespace {

enum class Label { det, prob, trans };
constexpr std::pair<std::string_view, Label> kLabels[] = {
    {"det", Label::det}, {"prob", Label::prob}, {"trans", Label::trans}};
constexpr float kCandidateL2[] = {1.f, 10.f, 100.f};

struct Pair {
  int weak, strong;
};

double price_of(const TrainingSet& set, int j) {
  auto it = set.prices.find(set.models[size_t(j)]);
  return it == set.prices.end() ? -1 : it->second.input_per_million + it->second.output_per_million;
}

// Weak = cheapest (or lowest mean score without prices), strong = best mean score;
// params "weak" / "strong" override.
Result<Pair> choose_pair(const TrainingSet& set, const TrainOptions& options) {
  if (set.model_count() < 2) return make_error(ErrorKind::invalid_request, "hybrid needs 2 models");
  Eigen::VectorXf mean = set.model_means();
  Pair p{0, 0};
  for (int j = 1; j < int(set.model_count()); ++j) {
    if (mean[j] > mean[p.strong]) p.strong = j;
  }
  p.weak = p.strong == 0 ? 1 : 0;
  for (int j = 0; j < int(set.model_count()); ++j) {
    if (j == p.strong) continue;
    double pj = price_of(set, j), pw = price_of(set, p.weak);
    bool cheaper = pj >= 0 && pw >= 0 ? pj < pw || (pj == pw && mean[j] > mean[p.weak])
                                      : mean[j] < mean[p.weak];
    if (cheaper) p.weak = j;
  }
  for (auto [key, slot] : {std::pair{"weak", &p.weak}, std::pair{"strong", &p.strong}})
    if (const auto* v = options.params.if_contains(key); v && v->is_string()) {
      auto it = std::find(set.models.begin(), set.models.end(), std::string(v->get_string()));
      if (it == set.models.end())
        return make_error(ErrorKind::invalid_request,
                          "hybrid: unknown model " + std::string(v->get_string()));
      *slot = int(it - set.models.begin());
    }
  if (p.weak == p.strong)
    return make_error(ErrorKind::invalid_request, "hybrid: weak and strong must differ");
  return p;
}

Eigen::VectorXf make_labels(const TrainingSet& set, Pair pair, Label kind, float* threshold) {
  const int64_t n = int64_t(set.size());
  Eigen::VectorXf qs = set.scores.col(pair.weak), ql = set.scores.col(pair.strong);
  Eigen::VectorXf y(n);
  if (kind == Label::prob) {
    for (int64_t i = 0; i < n; ++i) y[i] = 1 - ql[i] * (1 - qs[i]);
    return y;
  }
  float t = 0;
  if (kind == Label::trans) {
    double best = -1;
    for (float cand = 0; cand <= 0.5001f; cand += 0.05f) {
      double pos = ((qs.array() >= ql.array() - cand).cast<float>()).mean();
      if (pos * (1 - pos) > best + 1e-9) {
        best = pos * (1 - pos);
        t = cand;
      }
    }
  }
  for (int64_t i = 0; i < n; ++i) y[i] = qs[i] >= ql[i] - t ? 1.f : 0.f;
  if (threshold) *threshold = t;
  return y;
}

RowMatrix with_bias(const RowMatrix& x) {
  RowMatrix out(x.rows(), x.cols() + 1);
  out.leftCols(x.cols()) = x;
  out.col(x.cols()).setOnes();
  return out;
}

// Mean quality over strong-call shares 0..1 when the queries least likely to be
// handled by the weak model go to the strong one first (area under the curve).
double pair_area(const Eigen::VectorXf& p_weak_ok, const TrainingSet& set,
                 const std::vector<size_t>& rows, Pair pair) {
  std::vector<size_t> order(rows.size());
  std::iota(order.begin(), order.end(), size_t(0));
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return p_weak_ok[int64_t(a)] < p_weak_ok[int64_t(b)];
  });
  double quality = 0;
  for (size_t r : rows) quality += set.scores(int64_t(r), pair.weak);
  double area = quality;
  for (size_t i : order) {
    quality += set.scores(int64_t(rows[i]), pair.strong) - set.scores(int64_t(rows[i]), pair.weak);
    area += quality;
  }
  return area / double(rows.size() + 1) / double(std::max<size_t>(1, rows.size()));
}

Status train_hybrid(const TrainingSet& set, const Featurizer& features, const TrainOptions& options,
                    Artifact& out) {
  auto pair = choose_pair(set, options);
  if (!pair) return pair.take_error();
  RowMatrix raw = features.dense_rows(set.texts);
  Standardizer standard = Standardizer::fit(raw);
  RowMatrix x = with_bias(standard.apply(raw));
  double best = -1;
  Label kind = Label::trans;
  float l2 = kCandidateL2[0];
  for (auto [name, label] : kLabels)
    for (float lambda : kCandidateL2) {
      double area = 0;
      for (const auto& fold : kfold(set.size(), std::max(2, options.cv_folds), options.seed)) {
        auto rest = complement(set.size(), fold);
        if (fold.empty() || rest.empty()) continue;
        Eigen::VectorXf y = make_labels(set.subset(rest), *pair, label, nullptr);
        Eigen::VectorXf beta = fit_logistic(take_rows(x, rest), y, lambda);
        Eigen::VectorXf p = take_rows(x, fold) * beta;
        area += pair_area(p, set, fold, *pair) * double(fold.size());
      }
      if (area > best + 1e-9) {
        best = area;
        kind = label;
        l2 = lambda;
      }
    }
  float threshold = 0;
  Eigen::VectorXf y = make_labels(set, *pair, kind, &threshold);
  Eigen::VectorXf beta = fit_logistic(x, y, l2);
  // Calibrate: strong = its mean score, weak = strong - (1 - p) * gap_scale, with
  // gap_scale making the mean weak estimate equal the weak model's mean score.
  Eigen::VectorXf p = (-(x * beta).array()).exp().matrix();
  p = (1.f / (1.f + p.array())).matrix();
  Eigen::VectorXf mean = set.model_means();
  float miss = std::max(1e-3f, 1.f - p.mean());
  float gap_scale = (mean[pair->strong] - mean[pair->weak]) / miss;
  out.manifest.models = {set.models[size_t(pair->weak)], set.models[size_t(pair->strong)]};
  out.manifest.params["label"] = std::string(kLabels[int(kind)].first);
  out.manifest.params["threshold"] = threshold;
  out.manifest.params["l2"] = l2;
  out.tensors["hybrid.input_mean"] = vector_tensor(standard.mean.transpose());
  out.tensors["hybrid.input_scale"] = vector_tensor(standard.scale.transpose());
  out.tensors["hybrid.coefficients"] = vector_tensor(beta);
  out.tensors["hybrid.calibration"] = vector_tensor(Eigen::Vector2f(mean[pair->strong], gap_scale));
  return ok_status();
}

class HybridRouter final : public FeatureRouter {
 public:
  HybridRouter(const Artifact& a, Featurizer f, Standardizer standard, Eigen::VectorXf beta,
               float strong_quality, float gap_scale)
      : FeatureRouter(a, std::move(f)),
        standard_(std::move(standard)),
        beta_(std::move(beta)),
        strong_quality_(strong_quality),
        gap_scale_(gap_scale) {}

  std::vector<double> predict(std::string_view query) const override {
    RowMatrix x = features_.dense(query).transpose();
    RowMatrix z = standard_.apply(x);
    const int64_t d = z.cols();
    float logit = z.row(0).dot(beta_.head(d).transpose()) + beta_[d];
    float weak_ok = sigmoid(logit);
    return {clamp01(strong_quality_ - (1 - weak_ok) * gap_scale_), clamp01(strong_quality_)};
  }

 private:
  Standardizer standard_;
  Eigen::VectorXf beta_;
  float strong_quality_, gap_scale_;
};

Result<std::shared_ptr<const Router>> load_hybrid(const Artifact& a, Featurizer f) {
  if (a.manifest.models.size() != 2) return artifact_error("hybrid: expects exactly 2 models");
  const int64_t d = f.dense_size();
  auto mean = finite_tensor(a, "hybrid.input_mean", {d});
  auto scale = finite_tensor(a, "hybrid.input_scale", {d});
  auto beta = finite_tensor(a, "hybrid.coefficients", {d + 1});
  auto calibration = finite_tensor(a, "hybrid.calibration", {2});
  if (!mean) return mean.take_error();
  if (!scale) return scale.take_error();
  if (!beta) return beta.take_error();
  if (!calibration) return calibration.take_error();
  using Row = Eigen::RowVectorXf;
  Standardizer standard{Row(Eigen::Map<Row>(mean->data(), d)),
                        Row(Eigen::Map<Row>(scale->data(), d))};
  return make_router<HybridRouter>(
      a, std::move(f), std::move(standard),
      Eigen::VectorXf(Eigen::Map<Eigen::VectorXf>(beta->data(), d + 1)), (*calibration)[0],
      (*calibration)[1]);
}

std::vector<std::string_view> hybrid_tensors(const Artifact&) {
  return {"hybrid.input_mean", "hybrid.input_scale", "hybrid.coefficients", "hybrid.calibration"};
}

}  // namespace

const RouterSpec& hybrid_router_spec() {
  static const RouterSpec spec{"hybrid", true, true, train_hybrid, load_hybrid, hybrid_tensors};
  return spec;
}

}  // namespace routeiq::ml
