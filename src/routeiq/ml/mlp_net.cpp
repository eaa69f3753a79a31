#include "routeiq/ml/mlp_net.hpp"

#include <cmath>

namespace routeiq::ml {
namespace {

NetMatrix gaussian(int64_t rows, int64_t cols, float scale, Rng& rng) {
  NetMatrix m(rows, cols);
  for (int64_t i = 0; i < m.size(); ++i) m.data()[i] = scale * float(rng.normal());
  return m;
}

NetMatrix sigmoid(const NetMatrix& z) {
  return (1.f / (1.f + (-z.array()).exp())).matrix();
}

// log(1 + e^z) computed without overflow.
inline double softplus(double z) {
  return z > 0 ? z + std::log1p(std::exp(-z)) : std::log1p(std::exp(z));
}

// Binary cross-entropy of logit z against soft target t: softplus(z) - t z.
inline double bce_logit(double z, double t) {
  return softplus(z) - t * z;
}

}  // namespace

MlpNet MlpNet::init(int inputs, int hidden, int outputs, Rng& rng) {
  MlpNet n;
  n.w1 = gaussian(inputs, hidden, std::sqrt(2.f / float(std::max(1, inputs))), rng);  // He init
  n.b1 = Eigen::RowVectorXf::Zero(hidden);
  n.w2 = gaussian(hidden, outputs, std::sqrt(1.f / float(std::max(1, hidden))), rng);
  n.b2 = Eigen::RowVectorXf::Zero(outputs);
  return n;
}

NetMatrix MlpNet::forward(const NetMatrix& x) const {
  NetMatrix h = ((x * w1).rowwise() + b1).cwiseMax(0.f);
  return sigmoid((h * w2).rowwise() + b2);
}

double MlpNet::loss(const NetMatrix& x, const NetMatrix& y, const NetMatrix& mask,
                    float weight_decay, MlpNet* grad) const {
  NetMatrix a = (x * w1).rowwise() + b1;
  NetMatrix h = a.cwiseMax(0.f);
  NetMatrix z = (h * w2).rowwise() + b2;
  const double known = std::max(1.0, double(mask.sum()));
  double total = 0;
  for (int64_t i = 0; i < z.size(); ++i)
    if (mask.data()[i] > 0) total += bce_logit(z.data()[i], y.data()[i]);
  total = total / known + 0.5 * weight_decay * (w1.squaredNorm() + w2.squaredNorm());
  if (!grad) return total;
  // d(bce)/dz = sigmoid(z) - t.
  NetMatrix dz = (sigmoid(z) - y).cwiseProduct(mask) / float(known);
  grad->w2 = h.transpose() * dz + weight_decay * w2;
  grad->b2 = dz.colwise().sum();
  NetMatrix dh = (dz * w2.transpose()).cwiseProduct((a.array() > 0.f).cast<float>().matrix());
  grad->w1 = x.transpose() * dh + weight_decay * w1;
  grad->b1 = dh.colwise().sum();
  return total;
}

std::vector<float*> MlpNet::parameters() {
  return {w1.data(), b1.data(), w2.data(), b2.data()};
}
std::vector<Eigen::Index> MlpNet::sizes() const {
  return {w1.size(), b1.size(), w2.size(), b2.size()};
}

MfNet MfNet::init(int inputs, int dim, int models, Rng& rng) {
  MfNet n;
  n.p = gaussian(dim, inputs, 1.f / std::sqrt(float(std::max(1, inputs))), rng);
  n.v = gaussian(models, dim, 1.f / std::sqrt(float(std::max(1, dim))), rng);
  n.c = Eigen::RowVectorXf::Zero(models);
  return n;
}

NetMatrix MfNet::scores(const NetMatrix& x) const {
  return (x * p.transpose() * v.transpose()).rowwise() + c;
}

double MfNet::loss(const NetMatrix& x, const NetMatrix& y, const NetMatrix& mask, float margin,
                   float pointwise_weight, float weight_decay, MfNet* grad) const {
  NetMatrix z = x * p.transpose();  // rows x dim
  NetMatrix s = (z * v.transpose()).rowwise() + c;
  NetMatrix g = NetMatrix::Zero(s.rows(), s.cols());  // d loss / d s
  const int64_t m = s.cols();
  double pair_total = 0, pair_weight = 0;
  for (int64_t i = 0; i < s.rows(); ++i)
    for (int64_t a = 0; a < m; ++a)
      for (int64_t b = a + 1; b < m; ++b) {
        float gap = y(i, a) - y(i, b);
        if (mask(i, a) == 0 || mask(i, b) == 0 || std::abs(gap) <= margin) continue;
        const float w = std::abs(gap), t = gap > 0 ? 1.f : 0.f;
        const double d = double(s(i, a)) - s(i, b);
        pair_total += w * bce_logit(d, t);
        pair_weight += w;
        float dd = w * (float(1 / (1 + std::exp(-d))) - t);
        g(i, a) += dd;
        g(i, b) -= dd;
      }
  const double known = std::max(1.0, double(mask.sum()));
  double point_total = 0;
  for (int64_t k = 0; k < s.size(); ++k)
    if (mask.data()[k] > 0) point_total += bce_logit(s.data()[k], y.data()[k]);
  double total = (pair_weight > 0 ? pair_total / pair_weight : 0) +
                 pointwise_weight * point_total / known +
                 0.5 * weight_decay * (p.squaredNorm() + v.squaredNorm());
  if (!grad) return total;
  if (pair_weight > 0) g /= float(pair_weight);
  g += (pointwise_weight / float(known)) * (sigmoid(s) - y).cwiseProduct(mask);
  grad->v = g.transpose() * z + weight_decay * v;
  grad->c = g.colwise().sum();
  NetMatrix dz = g * v;  // rows x dim
  grad->p = dz.transpose() * x + weight_decay * p;
  return total;
}

std::vector<float*> MfNet::parameters() {
  return {p.data(), v.data(), c.data()};
}
std::vector<Eigen::Index> MfNet::sizes() const {
  return {p.size(), v.size(), c.size()};
}

DcNet DcNet::init(int inputs, int dim, int models, Rng& rng) {
  DcNet n;
  n.w = gaussian(dim, inputs, 1.f / std::sqrt(float(std::max(1, inputs))), rng);
  n.k = gaussian(models, dim, 1.f, rng);
  return n;
}

namespace {

NetMatrix unit_rows(const NetMatrix& m, Eigen::VectorXf& norms) {
  norms = m.rowwise().norm().cwiseMax(1e-6f);
  return norms.cwiseInverse().asDiagonal() * m;
}

// Gradient through r / |r| for each row: (g - r^ (r^ . g)) / |r|.
NetMatrix through_normalisation(const NetMatrix& unit, const Eigen::VectorXf& norms,
                                const NetMatrix& g) {
  Eigen::VectorXf dots = unit.cwiseProduct(g).rowwise().sum();
  return norms.cwiseInverse().asDiagonal() * (g - dots.asDiagonal() * unit);
}

// InfoNCE term -log(e^pos / (e^pos + sum e^neg)); adds d/dlogit * scale to grads.
double info_nce(double pos, const std::vector<double>& neg, double scale, double& d_pos,
                std::vector<double>& d_neg) {
  double top = pos;
  for (double v : neg) top = std::max(top, v);
  double z = std::exp(pos - top);
  for (double v : neg) z += std::exp(v - top);
  d_pos = scale * (std::exp(pos - top) / z - 1);
  d_neg.resize(neg.size());
  for (size_t i = 0; i < neg.size(); ++i) d_neg[i] = scale * std::exp(neg[i] - top) / z;
  return scale * (std::log(z) + top - pos);
}

}  // namespace

NetMatrix DcNet::similarities(const NetMatrix& x) const {
  Eigen::VectorXf en, kn;
  return unit_rows(x * w.transpose(), en) * unit_rows(k, kn).transpose();
}

double DcNet::loss(const NetMatrix& x, const NetMatrix& y, const NetMatrix& mask,
                   const std::vector<int>& cluster, float temperature, float sample_weight,
                   float weight_decay, DcNet* grad) const {
  Eigen::VectorXf en, kn;
  const NetMatrix e = unit_rows(x * w.transpose(), en);  // rows x dim
  const NetMatrix u = unit_rows(k, kn);                  // models x dim
  const NetMatrix s = e * u.transpose() / temperature;
  const int64_t rows = x.rows(), m = k.rows();
  NetMatrix gs = NetMatrix::Zero(rows, m);     // d loss / d s
  NetMatrix gt = NetMatrix::Zero(rows, rows);  // d loss / d t (sample-sample logits)
  // Sample-LLM terms.
  struct Term {
    int64_t row, pos;
    std::vector<int64_t> neg;
  };
  std::vector<Term> terms;
  for (int64_t i = 0; i < rows; ++i) {
    float best = -1;
    for (int64_t j = 0; j < m; ++j)
      if (mask(i, j) > 0) best = std::max(best, y(i, j));
    if (best <= 0) continue;
    std::vector<int64_t> pos, neg;
    for (int64_t j = 0; j < m; ++j) {
      if (mask(i, j) == 0) continue;
      if (y(i, j) >= best - 0.05f && pos.size() < 3) pos.push_back(j);
      if (y(i, j) < best - 0.1f) neg.push_back(j);
    }
    if (neg.empty()) continue;
    for (int64_t p : pos) terms.push_back({i, p, neg});
  }
  double total = 0, d_pos = 0;
  std::vector<double> negs, d_neg;
  for (const auto& t : terms) {
    negs.clear();
    for (int64_t j : t.neg) negs.push_back(s(t.row, j));
    total += info_nce(s(t.row, t.pos), negs, 1.0 / double(terms.size()), d_pos, d_neg);
    gs(t.row, t.pos) += float(d_pos);
    for (size_t q = 0; q < t.neg.size(); ++q) gs(t.row, t.neg[q]) += float(d_neg[q]);
  }
  // Sample-sample terms: the positive is the next row (cyclically) of the same cluster.
  const NetMatrix tt = e * e.transpose() / temperature;
  std::vector<std::pair<int64_t, int64_t>> anchors;
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t step = 1; step < rows; ++step) {
      int64_t j = (i + step) % rows;
      if (cluster[size_t(j)] == cluster[size_t(i)]) {
        anchors.emplace_back(i, j);
        break;
      }
    }
  std::vector<int64_t> others;
  for (const auto& [i, p] : anchors) {
    others.clear();
    negs.clear();
    for (int64_t j = 0; j < rows; ++j)
      if (cluster[size_t(j)] != cluster[size_t(i)]) {
        others.push_back(j);
        negs.push_back(tt(i, j));
      }
    if (others.empty()) continue;
    total += info_nce(tt(i, p), negs, sample_weight / double(anchors.size()), d_pos, d_neg);
    gt(i, p) += float(d_pos);
    for (size_t q = 0; q < others.size(); ++q) gt(i, others[q]) += float(d_neg[q]);
  }
  total += 0.5 * weight_decay * (w.squaredNorm() + k.squaredNorm());
  if (!grad) return total;
  // s = e u^T / tau, t = e e^T / tau.
  NetMatrix ge = (gs * u + (gt + gt.transpose()) * e) / temperature;
  NetMatrix gu = gs.transpose() * e / temperature;
  NetMatrix de = through_normalisation(e, en, ge);
  grad->w = de.transpose() * x + weight_decay * w;
  grad->k = through_normalisation(u, kn, gu) + weight_decay * k;
  return total;
}

std::vector<float*> DcNet::parameters() {
  return {w.data(), k.data()};
}
std::vector<Eigen::Index> DcNet::sizes() const {
  return {w.size(), k.size()};
}

Adam::Adam(std::vector<Eigen::Index> sizes, float learning_rate) : lr_(learning_rate) {
  for (auto n : sizes) {
    m_.push_back(Eigen::VectorXf::Zero(n));
    v_.push_back(Eigen::VectorXf::Zero(n));
  }
}

void Adam::step(const std::vector<float*>& params, const std::vector<float*>& grads) {
  constexpr float kBeta1 = 0.9f, kBeta2 = 0.999f, kEps = 1e-8f;
  ++t_;
  const float c1 = 1 - std::pow(kBeta1, float(t_)), c2 = 1 - std::pow(kBeta2, float(t_));
  for (size_t k = 0; k < params.size(); ++k) {
    Eigen::Map<Eigen::VectorXf> w(params[k], m_[k].size());
    Eigen::Map<const Eigen::VectorXf> g(grads[k], m_[k].size());
    m_[k] = kBeta1 * m_[k] + (1 - kBeta1) * g;
    v_[k] = kBeta2 * v_[k] + (1 - kBeta2) * g.cwiseProduct(g);
    w.array() -= lr_ * (m_[k].array() / c1) / ((v_[k].array() / c2).sqrt() + kEps);
  }
}

}  // namespace routeiq::ml
