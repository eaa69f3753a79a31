// Multi-layer perceptron router: regresses the whole score vector of a query
// (one sigmoid output per candidate, soft-target cross-entropy) from the
// standardised dense features; Adam with early stopping on a validation split.
#include <boost/json.hpp>

#include "routeiq/ml/router_impl.hpp"
#include "routeiq/ml/train_loop.hpp"

namespace routeiq::ml {
namespace {

Status train_mlp(const TrainingSet& set, const Featurizer& features, const TrainOptions& options,
                 Artifact& out) {
  RowMatrix raw = features.dense_rows(set.texts);
  Standardizer standard = Standardizer::fit(raw);
  RowMatrix x = standard.apply(raw);
  const int hidden = int(option_number(options, "hidden", 128));
  const float weight_decay = float(option_number(options, "weight_decay", 3e-4));
  LoopSettings loop;
  loop.learning_rate = float(option_number(options, "learning_rate", 1e-3));
  loop.max_epochs = int(option_number(options, "max_epochs", 200));
  loop.seed = options.seed;
  std::vector<size_t> fit, val;
  split_rows(set.size(), 0.15, options.seed, fit, val);
  Rng rng(options.seed);
  MlpNet net = MlpNet::init(int(x.cols()), hidden, int(set.model_count()), rng);
  auto loss = [&](const MlpNet& n, const RowMatrix& bx, const RowMatrix& by, const RowMatrix& bm,
                  MlpNet* grad) { return n.loss(bx, by, bm, weight_decay, grad); };
  LoopResult r = train_with_early_stopping(net, x, set.scores, set.known, fit, val, loss, loop);
  out.manifest.params["hidden"] = hidden;
  out.manifest.params["weight_decay"] = weight_decay;
  out.manifest.params["epochs"] = r.epochs;
  out.manifest.params["best_epoch"] = r.best_epoch;
  out.manifest.params["best_val_loss"] = r.best_val_loss;
  out.tensors["mlp.input_mean"] = vector_tensor(standard.mean.transpose());
  out.tensors["mlp.input_scale"] = vector_tensor(standard.scale.transpose());
  out.tensors["mlp.w1"] = matrix_tensor(net.w1);
  out.tensors["mlp.b1"] = vector_tensor(net.b1.transpose());
  out.tensors["mlp.w2"] = matrix_tensor(net.w2);
  out.tensors["mlp.b2"] = vector_tensor(net.b2.transpose());
  return ok_status();
}

class MlpRouter final : public FeatureRouter {
 public:
  MlpRouter(const Artifact& a, Featurizer f, Standardizer standard, MlpNet net)
      : FeatureRouter(a, std::move(f)), standard_(std::move(standard)), net_(std::move(net)) {}

  std::vector<double> predict(std::string_view query) const override {
    RowMatrix x = features_.dense(query).transpose();
    RowMatrix q = net_.forward(standard_.apply(x));
    std::vector<double> out;
    for (int64_t j = 0; j < q.cols(); ++j) out.push_back(clamp01(q(0, j)));
    return out;
  }

 private:
  Standardizer standard_;
  MlpNet net_;
};

Result<Eigen::RowVectorXf> row_vector(const Artifact& a, std::string_view name, int64_t n) {
  auto v = finite_tensor(a, name, {n});
  if (!v) return v.take_error();
  return Eigen::RowVectorXf(Eigen::Map<Eigen::RowVectorXf>(v->data(), n));
}

Result<std::shared_ptr<const Router>> load_mlp(const Artifact& a, Featurizer f) {
  const int64_t m = int64_t(a.manifest.models.size()), d = f.dense_size();
  auto w1 = finite_matrix(a, "mlp.w1", d, -1);
  if (!w1) return w1.take_error();
  const int64_t h = w1->cols();
  auto w2 = finite_matrix(a, "mlp.w2", h, m);
  auto b1 = row_vector(a, "mlp.b1", h);
  auto b2 = row_vector(a, "mlp.b2", m);
  auto mean = row_vector(a, "mlp.input_mean", d);
  auto scale = row_vector(a, "mlp.input_scale", d);
  if (!w2) return w2.take_error();
  if (!b1) return b1.take_error();
  if (!b2) return b2.take_error();
  if (!mean) return mean.take_error();
  if (!scale) return scale.take_error();
  MlpNet net{std::move(w1.value()), std::move(b1.value()), std::move(w2.value()),
             std::move(b2.value())};
  return make_router<MlpRouter>(a, std::move(f), Standardizer{std::move(*mean), std::move(*scale)},
                                std::move(net));
}

std::vector<std::string_view> mlp_tensors(const Artifact&) {
  return {"mlp.input_mean", "mlp.input_scale", "mlp.w1", "mlp.b1", "mlp.w2", "mlp.b2"};
}

}  // namespace

const RouterSpec& mlp_router_spec() {
  static const RouterSpec spec{"mlp", true, true, train_mlp, load_mlp, mlp_tensors};
  return spec;
}

}  // namespace routeiq::ml
