// RouterDC (Chen et al. 2024, arXiv 2409.19886): query and model embeddings
// trained with the dual contrastive objective (sample-LLM + sample-sample,
// clusters from k-means on the query features). The paper fine-tunes a
// language-model encoder; we learn a linear projection of our dense features
// instead (see DcNet). The paper routes to the most similar model key; we need
// a quality per model, read out of the similarities by a ridge regression of
// each model's score on the whole similarity vector, fitted on the rows held
// out for early stopping (the encoder never trained on them). Reading model j
// from sim_j alone (the first version) collapsed on a two-model pool: the
// per-model slope was often <= 0 on training rows, so both qualities were the
// training means and the router a constant; the difference sim_strong -
// sim_weak, which is what the contrastive loss trains, carries the signal.
#include <Eigen/Cholesky>
#include <boost/json.hpp>

#include "routeiq/ml/router_impl.hpp"
#include "routeiq/ml/train_loop.hpp"

namespace routeiq::ml {
namespace {

// Per model j, quality = readout(j, 0) + sum_k readout(j, 1 + k) * sim_k by
// ridge regression on the known scores (the intercept is not penalised).
RowMatrix fit_readout(const RowMatrix& sims, const RowMatrix& scores, const RowMatrix& known,
                      float l2) {
  const int64_t n = sims.rows(), m = sims.cols();
  RowMatrix readout = RowMatrix::Zero(m, m + 1);
  Eigen::MatrixXf a(n, m + 1);
  a.col(0).setOnes();
  a.rightCols(m) = sims;
  for (int64_t j = 0; j < m; ++j) {
    Eigen::VectorXf w = known.col(j);
    if (w.sum() < 1) continue;
    Eigen::MatrixXf ata = a.transpose() * w.asDiagonal() * a;
    ata.diagonal().tail(m).array() += l2;
    Eigen::VectorXf atb = a.transpose() * w.asDiagonal() * Eigen::VectorXf(scores.col(j));
    readout.row(j) = ata.ldlt().solve(atb).transpose();
  }
  return readout;
}

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
  const std::vector<size_t>& readout_rows = val.size() >= 20 ? val : fit;
  RowMatrix readout = fit_readout(
      net.similarities(take_rows(x, readout_rows)), take_rows(set.scores, readout_rows),
      take_rows(set.known, readout_rows), float(option_number(options, "readout_l2", 1.0)));
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
  out.tensors["routerdc.readout"] = matrix_tensor(readout);
  return ok_status();
}

class RouterDcRouter final : public FeatureRouter {
 public:
  // calibration: m x 2 (quality_j = a_j sim_j + b_j, the first artifacts) or the
  // m x (m + 1) readout.
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
    const int64_t m = sims.cols();
    for (int64_t j = 0; j < m; ++j) {
      float q = calibration_.cols() == m + 1
                    ? calibration_(j, 0) + calibration_.row(j).tail(m).dot(sims.row(0))
                    : calibration_(j, 0) * sims(0, j) + calibration_(j, 1);
      out.push_back(clamp01(q));
    }
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
  const bool legacy = !a.tensors.count("routerdc.readout");
  auto calibration = legacy ? finite_matrix(a, "routerdc.calibration", m, 2)
                            : finite_matrix(a, "routerdc.readout", m, m + 1);
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

std::vector<std::string_view> routerdc_tensors(const Artifact& a) {
  return {"routerdc.input_mean", "routerdc.input_scale", "routerdc.encoder", "routerdc.model_keys",
          a.tensors.count("routerdc.readout") ? "routerdc.readout" : "routerdc.calibration"};
}

}  // namespace

const RouterSpec& routerdc_router_spec() {
  static const RouterSpec spec{"routerdc",     true,          true,
                               train_routerdc, load_routerdc, routerdc_tensors};
  return spec;
}

}  // namespace routeiq::ml
