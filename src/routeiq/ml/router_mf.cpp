// Matrix-factorisation router after RouteLLM (Ong et al. 2024, arXiv
// 2406.18665), generalised from one weak/strong pair to N models: the query's
// dense features are projected into a model-embedding space and scored against
// each model embedding. RouteLLM's final linear layer is folded into the model
// embeddings (same function class). Trained on every pair of models whose
// scores differ by more than a margin (Bradley-Terry loss weighted by the gap)
// plus a pointwise term so that sigmoid(score) stays a quality in [0,1].
#include <boost/json.hpp>

#include "routeiq/ml/router_impl.hpp"
#include "routeiq/ml/train_loop.hpp"

namespace routeiq::ml {
namespace {

Status train_mf(const TrainingSet& set, const Featurizer& features, const TrainOptions& options,
                Artifact& out) {
  RowMatrix raw = features.dense_rows(set.texts);
  Standardizer standard = Standardizer::fit(raw);
  RowMatrix x = standard.apply(raw);
  const int dim = int(option_number(options, "dim", 64));
  const float margin = float(option_number(options, "margin", 0.05));
  const float pointwise = float(option_number(options, "pointwise_weight", 0.5));
  const float weight_decay = float(option_number(options, "weight_decay", 1e-4));
  LoopSettings loop;
  loop.learning_rate = float(option_number(options, "learning_rate", 2e-3));
  loop.max_epochs = int(option_number(options, "max_epochs", 150));
  loop.seed = options.seed;
  std::vector<size_t> fit, val;
  split_rows(set.size(), 0.15, options.seed, fit, val);
  Rng rng(options.seed);
  MfNet net = MfNet::init(int(x.cols()), dim, int(set.model_count()), rng);
  auto loss = [&](const MfNet& n, const RowMatrix& bx, const RowMatrix& by, const RowMatrix& bm,
                  MfNet* grad) {
    return n.loss(bx, by, bm, margin, pointwise, weight_decay, grad);
  };
  LoopResult r = train_with_early_stopping(net, x, set.scores, set.known, fit, val, loss, loop);
  out.manifest.params["dim"] = dim;
  out.manifest.params["margin"] = margin;
  out.manifest.params["pointwise_weight"] = pointwise;
  out.manifest.params["epochs"] = r.epochs;
  out.manifest.params["best_epoch"] = r.best_epoch;
  out.tensors["mf.input_mean"] = vector_tensor(standard.mean.transpose());
  out.tensors["mf.input_scale"] = vector_tensor(standard.scale.transpose());
  out.tensors["mf.projection"] = matrix_tensor(net.p);
  out.tensors["mf.model_embeddings"] = matrix_tensor(net.v);
  out.tensors["mf.model_bias"] = vector_tensor(net.c.transpose());
  return ok_status();
}

class MfRouter final : public FeatureRouter {
 public:
  MfRouter(const Artifact& a, Featurizer f, Standardizer standard, MfNet net)
      : FeatureRouter(a, std::move(f)), standard_(std::move(standard)), net_(std::move(net)) {}

  std::vector<double> predict(std::string_view query) const override {
    RowMatrix x = features_.dense(query).transpose();
    RowMatrix s = net_.scores(standard_.apply(x));
    std::vector<double> out;
    for (int64_t j = 0; j < s.cols(); ++j) out.push_back(clamp01(sigmoid(s(0, j))));
    return out;
  }

 private:
  Standardizer standard_;
  MfNet net_;
};

Result<std::shared_ptr<const Router>> load_mf(const Artifact& a, Featurizer f) {
  const int64_t m = int64_t(a.manifest.models.size()), d = f.dense_size();
  auto p = finite_matrix(a, "mf.projection", -1, d);
  if (!p) return p.take_error();
  auto v = finite_matrix(a, "mf.model_embeddings", m, p->rows());
  auto c = finite_tensor(a, "mf.model_bias", {m});
  auto mean = finite_tensor(a, "mf.input_mean", {d});
  auto scale = finite_tensor(a, "mf.input_scale", {d});
  if (!v) return v.take_error();
  if (!c) return c.take_error();
  if (!mean) return mean.take_error();
  if (!scale) return scale.take_error();
  using Row = Eigen::RowVectorXf;
  MfNet net{std::move(p.value()), std::move(v.value()), Row(Eigen::Map<Row>(c->data(), m))};
  Standardizer standard{Row(Eigen::Map<Row>(mean->data(), d)),
                        Row(Eigen::Map<Row>(scale->data(), d))};
  return make_router<MfRouter>(a, std::move(f), std::move(standard), std::move(net));
}

std::vector<std::string_view> mf_tensors(const Artifact&) {
  return {"mf.input_mean", "mf.input_scale", "mf.projection", "mf.model_embeddings",
          "mf.model_bias"};
}

}  // namespace

const RouterSpec& mf_router_spec() {
  static const RouterSpec spec{"mf", true, true, train_mf, load_mf, mf_tensors};
  return spec;
}

}  // namespace routeiq::ml
