// RouterDC (Chen et al. 2024, arXiv 2409.19886): query and model embeddings
// trained with the dual contrastive objective (sample-LLM + sample-sample,
// clusters from k-means on the query features). The paper fine-tunes a
// language-model encoder; we learn a linear projection of our dense features
// instead (see DcNet). The cosine similarity of a query to each model key is
// mapped to a quality by a per-model least-squares line fitted on training data.
#include <boost/json.hpp>

#include "routeiq/ml/router_impl.hpp"
#include "routeiq/ml/train_loop.hpp"

namespace routeiq::ml {
namespace {

Status train_routerdc(const TrainingSet& set, const Featurizer& features,
                      const TrainOptions& options, Artifact& out) {
  RowMatrix raw = features.dense_rows(set.texts);
  Standardizer standard = Standardizer::fit(raw);
  RowMatrix x = standard.apply(raw);
  const int dim = int(option_number(options, "dim", 64));
  const int clusters = int(option_number(options, "clusters", 8));
  const float temperature = float(option_number(options, "temperature", 0.2));
  const float sample_weight = float(option_number(options, "sample_weight", 1.0));
  const float weight_decay = float(option_number(options, "weight_decay", 1e-4));
  RowMatrix unit_x = raw;
  normalize_rows(unit_x);
  RowMatrix centroids = kmeans(unit_x, clusters, options.seed);
  // Scores and the cluster id travel together through the batching loop.
  const int64_t m = set.scores.cols();
  RowMatrix y(x.rows(), m + 1), mask(x.rows(), m + 1);
  y.leftCols(m) = set.scores;
  mask.leftCols(m) = set.known;
  mask.col(m).setOnes();
  for (int64_t i = 0; i < x.rows(); ++i) {
    Eigen::Index c = 0;
    (centroids.rowwise() - unit_x.row(i)).rowwise().squaredNorm().minCoeff(&c);
    y(i, m) = float(c);
  }
  auto loss = [&](const DcNet& n, const RowMatrix& bx, const RowMatrix& by, const RowMatrix& bm,
                  DcNet* grad) {
    std::vector<int> cluster(size_t(by.rows()));
    for (int64_t i = 0; i < by.rows(); ++i) cluster[size_t(i)] = int(by(i, m));
    return n.loss(bx, by.leftCols(m), bm.leftCols(m), cluster, temperature, sample_weight,
                  weight_decay, grad);
  };
  LoopSettings loop;
  loop.learning_rate = float(option_number(options, "learning_rate", 2e-3));
  loop.max_epochs = int(option_number(options, "max_epochs", 100));
  loop.seed = options.seed;
  std::vector<size_t> fit, val;
  split_rows(set.size(), 0.15, options.seed, fit, val);
  Rng rng(options.seed);
  DcNet net = DcNet::init(int(x.cols()), dim, int(m), rng);
  LoopResult r = train_with_early_stopping(net, x, y, mask, fit, val, loss, loop);
  RowMatrix sims = net.similarities(x);
  RowMatrix calibration(m, 2);
  for (int64_t j = 0; j < m; ++j) {
    Eigen::VectorXf p = sims.col(j), q = set.scores.col(j);
    float pm = p.mean(), qm = q.mean(), var = (p.array() - pm).square().sum();
    float a = var > 1e-9f ? std::max(0.f, ((p.array() - pm) * (q.array() - qm)).sum() / var) : 0.f;
    calibration(j, 0) = a;
    calibration(j, 1) = qm - a * pm;
  }
  out.manifest.params["dim"] = dim;
  out.manifest.params["clusters"] = int64_t(centroids.rows());
  out.manifest.params["temperature"] = temperature;
  out.manifest.params["sample_weight"] = sample_weight;
  out.manifest.params["epochs"] = r.epochs;
  out.manifest.params["best_epoch"] = r.best_epoch;
  out.tensors["routerdc.input_mean"] = vector_tensor(standard.mean.transpose());
  out.tensors["routerdc.input_scale"] = vector_tensor(standard.scale.transpose());
  out.tensors["routerdc.encoder"] = matrix_tensor(net.w);
  out.tensors["routerdc.model_keys"] = matrix_tensor(net.k);
  out.tensors["routerdc.calibration"] = matrix_tensor(calibration);
  return ok_status();
}

class RouterDcRouter final : public FeatureRouter {
 public:
  RouterDcRouter(const Artifact& a, Featurizer f, Standardizer standard, DcNet net,
                 RowMatrix calibration)
      : FeatureRouter(a, std::move(f)),
        standard_(std::move(standard)),
        net_(std::move(net)),
        calibration_(std::move(calibration)) {}

  std::vector<double> predict(std::string_view query) const override {
    RowMatrix x = features_.dense(query).transpose();
    RowMatrix sims = net_.similarities(standard_.apply(x));
    std::vector<double> out;
    for (int64_t j = 0; j < sims.cols(); ++j)
      out.push_back(clamp01(calibration_(j, 0) * sims(0, j) + calibration_(j, 1)));
    return out;
  }

 private:
  Standardizer standard_;
  DcNet net_;
  RowMatrix calibration_;
};

Result<std::shared_ptr<const Router>> load_routerdc(const Artifact& a, Featurizer f) {
  const int64_t m = int64_t(a.manifest.models.size()), d = f.dense_size();
  auto w = finite_matrix(a, "routerdc.encoder", -1, d);
  if (!w) return w.take_error();
  auto k = finite_matrix(a, "routerdc.model_keys", m, w->rows());
  auto calibration = finite_matrix(a, "routerdc.calibration", m, 2);
  auto mean = finite_tensor(a, "routerdc.input_mean", {d});
  auto scale = finite_tensor(a, "routerdc.input_scale", {d});
  if (!k) return k.take_error();
  if (!calibration) return calibration.take_error();
  if (!mean) return mean.take_error();
  if (!scale) return scale.take_error();
  using Row = Eigen::RowVectorXf;
  Standardizer standard{Row(Eigen::Map<Row>(mean->data(), d)),
                        Row(Eigen::Map<Row>(scale->data(), d))};
  return make_router<RouterDcRouter>(a, std::move(f), std::move(standard),
                                     DcNet{std::move(w.value()), std::move(k.value())},
                                     std::move(calibration.value()));
}

std::vector<std::string_view> routerdc_tensors(const Artifact&) {
  return {"routerdc.input_mean", "routerdc.input_scale", "routerdc.encoder", "routerdc.model_keys",
          "routerdc.calibration"};
}

}  // namespace

const RouterSpec& routerdc_router_spec() {
  static const RouterSpec spec{"routerdc",     true,          true,
                               train_routerdc, load_routerdc, routerdc_tensors};
  return spec;
}

}  // namespace routeiq::ml
