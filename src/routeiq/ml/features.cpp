#include "routeiq/ml/features.hpp"

#include <array>

#include <Eigen/QR>
#include <Eigen/SVD>
#include <algorithm>
#include <boost/json.hpp>
#include <cmath>
#include <numeric>

#include "routeiq/ml/rng.hpp"

namespace routeiq::ml {
namespace {

namespace json = boost::json;

constexpr uint64_t kWordSeed = 0x77u, kBigramSeed = 0x62u, kCharSeed = 0x63u;

inline uint64_t mix64(uint64_t z) {
  z = (z ^ (z >> 33)) * 0xff51afd7ed558ccdULL;
  z = (z ^ (z >> 33)) * 0xc4ceb9fe1a85ec53ULL;
  return z ^ (z >> 33);
}

inline uint64_t fnv1a(std::string_view s, uint64_t seed) {
  uint64_t h = 0xcbf29ce484222325ULL ^ (seed * 0x100000001b3ULL);
  for (unsigned char c : s) h = (h ^ c) * 0x100000001b3ULL;
  return mix64(h);
}

inline bool is_word_byte(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c >= 0x80;
}

inline char lower(char c) {
  return (c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : c;
}

// Lower-cased, whitespace runs collapsed to one space, padded with spaces.
std::string normalise(std::string_view text, int max_chars) {
  std::string out = " ";
  for (char c : text.substr(0, static_cast<size_t>(max_chars))) {
    bool space = c == ' ' || c == '\n' || c == '\t' || c == '\r';
    if (space) {
      if (out.back() != ' ') out += ' ';
    } else {
      out += lower(c);
    }
  }
  if (out.back() != ' ') out += ' ';
  return out;
}

// Counts buckets in a reusable dense array; `touched` keeps first-seen order,
// which makes sums (and so artifacts) deterministic without sorting.
struct BucketCounter {
  std::vector<uint16_t> counts;
  std::vector<uint32_t> touched;

  void reset(uint32_t size) {
    if (counts.size() != size) counts.assign(size, 0);
    touched.clear();
  }
  void add(uint32_t bucket) {
    if (counts[bucket] == 0) touched.push_back(bucket);
    if (counts[bucket] != UINT16_MAX) ++counts[bucket];
  }
};

void count_buckets(std::string_view text, const FeatureConfig& cfg, BucketCounter& counter) {
  const int shift = 64 - cfg.hash_bits;
  std::string norm = normalise(text, cfg.max_chars);
  for (int n = cfg.char_min; n <= cfg.char_max; ++n)
    for (size_t i = 0; i + n <= norm.size(); ++i)
      counter.add(uint32_t(fnv1a(std::string_view(norm).substr(i, n), kCharSeed + n) >> shift));
  uint64_t previous = 0;
  bool has_previous = false;
  size_t i = 0;
  while (i < norm.size()) {
    unsigned char c = norm[i];
    if (c == ' ') {
      ++i;
      continue;
    }
    size_t j = i + 1;
    if (is_word_byte(c))
      while (j < norm.size() && is_word_byte(norm[j])) ++j;
    uint64_t h = fnv1a(std::string_view(norm).substr(i, j - i), kWordSeed);
    counter.add(uint32_t(h >> shift));
    if (cfg.word_bigrams && has_previous)
      counter.add(uint32_t(mix64(previous * 31 + h + kBigramSeed) >> shift));
    previous = h;
    has_previous = true;
    i = j;
  }
}

// Sublinear term frequency, 1 + ln(count); counts are small integers, so a
// table replaces a log call per distinct bucket on the serving path.
float sublinear_tf(uint16_t count) {
  static const std::array<float, 256> table = [] {
    std::array<float, 256> t{};
    for (size_t c = 1; c < t.size(); ++c) t[c] = 1.f + std::log(float(c));
    return t;
  }();
  return count < table.size() ? table[count] : 1.f + std::log(float(count));
}

BucketCounter& thread_counter() {
  thread_local BucketCounter counter;
  return counter;
}

size_t count_of(std::string_view text, std::string_view needle) {
  size_t n = 0;
  for (size_t p = text.find(needle); p != std::string_view::npos; p = text.find(needle, p + 1)) ++n;
  return n;
}

bool starts_with_question_word(const std::string& lower_text) {
  static constexpr std::string_view kWords[] = {"what", "who",   "when", "where", "why",
                                                "how",  "which", "is ",  "can",   "does"};
  size_t start = lower_text.find_first_not_of(" \n\t\"'");
  if (start == std::string::npos) return false;
  for (auto w : kWords)
    if (lower_text.compare(start, w.size(), w) == 0) return true;
  return false;
}

// "A." "B)" "(C)" at a line or sentence start: multiple-choice questions.
size_t choice_markers(std::string_view text) {
  size_t n = 0;
  for (size_t i = 0; i + 1 < text.size(); ++i) {
    char c = text[i];
    bool letter = c >= 'A' && c <= 'E';
    bool boundary = i == 0 || text[i - 1] == '\n' || text[i - 1] == ' ' || text[i - 1] == '(';
    char next = text[i + 1];
    if (letter && boundary && (next == '.' || next == ')' || next == ':')) ++n;
  }
  return n;
}

// Assignments, powers, fractions and digit-operator-digit patterns.
size_t math_markers(std::string_view text) {
  size_t n = count_of(text, "$") + count_of(text, "\\frac") + count_of(text, "^") +
             count_of(text, "=") + count_of(text, "\\sqrt");
  for (size_t i = 1; i + 1 < text.size(); ++i) {
    char c = text[i];
    bool op = c == '+' || c == '-' || c == '*' || c == '/';
    if (op && std::isdigit(static_cast<unsigned char>(text[i - 1])) &&
        std::isdigit(static_cast<unsigned char>(text[i + 1])))
      ++n;
  }
  return n;
}

size_t code_markers(std::string_view text) {
  static constexpr std::string_view kMarkers[] = {"```", "def ", "return", "import ", "#include",
                                                  "{",   "}",    ";",      "()",      "print("};
  size_t n = 0;
  for (auto m : kMarkers) n += count_of(text, m);
  return n;
}

Error feature_error(std::string what) {
  return artifact_error("features: " + std::move(what));
}

bool read_int(const json::object& o, std::string_view key, int lo, int hi, int& out) {
  const auto* v = o.if_contains(key);
  if (!v || !v->is_int64() || v->get_int64() < lo || v->get_int64() > hi) return false;
  out = static_cast<int>(v->get_int64());
  return true;
}

// Thin orthonormal basis of the columns of m.
DenseRows orthonormal(const DenseRows& m) {
  Eigen::HouseholderQR<Eigen::MatrixXf> qr(m);
  Eigen::MatrixXf q = qr.householderQ() * Eigen::MatrixXf::Identity(m.rows(), m.cols());
  return q;
}

}  // namespace

SurfaceFeatures raw_surface_features(std::string_view text) {
  SurfaceFeatures f{};
  std::string low;
  low.reserve(text.size());
  size_t digits = 0, upper = 0, punct = 0, non_ascii = 0, newlines = 0, words = 0, numbers = 0;
  bool in_word = false, in_number = false;
  for (char ch : text) {
    unsigned char c = static_cast<unsigned char>(ch);
    low += lower(ch);
    digits += std::isdigit(c) != 0;
    upper += std::isupper(c) != 0;
    punct += std::ispunct(c) != 0;
    non_ascii += c >= 0x80;
    newlines += c == '\n';
    bool word_char = std::isalnum(c) || c >= 0x80;
    words += word_char && !in_word;
    in_word = word_char;
    bool digit = std::isdigit(c) != 0;
    numbers += digit && !in_number;
    in_number = digit;
  }
  const double n = std::max<double>(1.0, static_cast<double>(text.size()));
  f[0] = float(std::log1p(double(text.size())));
  f[1] = float(std::log1p(double(words)));
  f[2] = float(digits / n);
  f[3] = float(upper / n);
  f[4] = float(punct / n);
  f[5] = float(std::log1p(double(code_markers(text))));
  f[6] = float(std::log1p(double(math_markers(text))));
  f[7] = starts_with_question_word(low) ? 1.f : 0.f;
  f[8] = float(std::log1p(double(choice_markers(text))));
  f[9] = text.find('?') != std::string_view::npos ? 1.f : 0.f;
  f[10] = float(std::log1p(double(newlines)));
  f[11] = float(non_ascii / n);
  f[12] = float(words ? double(text.size() - newlines) / double(words) / 10.0 : 0.0);
  f[13] = float(std::log1p(
      double(count_of(low, "answer") + count_of(low, "choice") + count_of(low, "option"))));
  f[14] = float(std::log1p(double(numbers)));
  f[15] = float(std::log1p(double(count_of(low, "code") + count_of(low, "function") +
                                  count_of(low, "python") + count_of(low, "program"))));
  return f;
}

json::object FeatureConfig::to_json() const {
  return {{"kind", "hashed-tfidf"},
          {"hash_bits", hash_bits},
          {"char_min", char_min},
          {"char_max", char_max},
          {"word_bigrams", word_bigrams},
          {"max_chars", max_chars},
          {"dense_dim", dense_dim},
          {"projection_vocab", projection_vocab},
          {"surface_weight", surface_weight},
          {"seed", seed}};
}

Result<FeatureConfig> FeatureConfig::from_json(const json::object& o) {
  FeatureConfig c;
  if (!read_int(o, "hash_bits", 4, 24, c.hash_bits)) return feature_error("hash_bits invalid");
  if (!read_int(o, "char_min", 1, 16, c.char_min) ||
      !read_int(o, "char_max", c.char_min, 16, c.char_max))
    return feature_error("char n-gram range invalid");
  if (!read_int(o, "max_chars", 1, 1 << 24, c.max_chars)) return feature_error("max_chars invalid");
  if (!read_int(o, "dense_dim", 0, 4096, c.dense_dim)) return feature_error("dense_dim invalid");
  if (!read_int(o, "projection_vocab", 0, 1 << 24, c.projection_vocab))
    return feature_error("projection_vocab invalid");
  const auto* bigrams = o.if_contains("word_bigrams");
  if (!bigrams || !bigrams->is_bool()) return feature_error("word_bigrams invalid");
  c.word_bigrams = bigrams->get_bool();
  const auto* weight = o.if_contains("surface_weight");
  if (!weight || !weight->is_number()) return feature_error("surface_weight invalid");
  c.surface_weight = weight->to_number<double>();
  if (!std::isfinite(c.surface_weight)) return feature_error("surface_weight invalid");
  const auto* seed = o.if_contains("seed");
  if (seed && seed->is_uint64()) c.seed = seed->get_uint64();
  if (seed && seed->is_int64()) c.seed = static_cast<uint64_t>(seed->get_int64());
  return c;
}

Featurizer Featurizer::fit(const std::vector<std::string_view>& texts, const FeatureConfig& config,
                           bool with_dense) {
  Featurizer f;
  f.config_ = config;
  const uint32_t buckets = f.sparse_size();
  std::vector<uint32_t> df(buckets, 0);
  auto& counter = thread_counter();
  for (auto text : texts) {
    counter.reset(buckets);
    count_buckets(text, config, counter);
    for (uint32_t b : counter.touched) {
      ++df[b];
      counter.counts[b] = 0;
    }
  }
  const double n = static_cast<double>(texts.size());
  f.idf_.resize(buckets);
  for (uint32_t b = 0; b < buckets; ++b) f.idf_[b] = float(std::log((1 + n) / (1 + df[b])) + 1);

  std::array<double, kSurfaceFeatures> sum{}, sum_sq{};
  for (auto text : texts) {
    auto s = raw_surface_features(text);
    for (int k = 0; k < kSurfaceFeatures; ++k) {
      sum[k] += s[k];
      sum_sq[k] += double(s[k]) * s[k];
    }
  }
  for (int k = 0; k < kSurfaceFeatures; ++k) {
    double mean = n > 0 ? sum[k] / n : 0;
    double var = n > 0 ? sum_sq[k] / n - mean * mean : 0;
    f.surface_mean_[k] = float(mean);
    f.surface_std_[k] = var > 1e-10 ? float(std::sqrt(var)) : 1.f;
  }
  f.has_dense_ = with_dense;
  if (with_dense) {
    std::vector<SparseFeatures> rows;
    rows.reserve(texts.size());
    for (auto text : texts) rows.push_back(f.sparse(text));
    std::vector<std::pair<uint32_t, uint32_t>> by_df;  // (-df, bucket) order
    for (uint32_t b = 0; b < buckets; ++b)
      if (df[b] > 0) by_df.emplace_back(df[b], b);
    std::stable_sort(by_df.begin(), by_df.end(),
                     [](const auto& a, const auto& b) { return a.first > b.first; });
    by_df.resize(std::min<size_t>(by_df.size(), size_t(config.projection_vocab)));
    f.projection_index_.clear();
    for (const auto& p : by_df) f.projection_index_.push_back(int32_t(p.second));
    f.fit_projection(rows);
  }
  return f;
}

// Randomized SVD of the (documents x vocabulary) TF-IDF matrix restricted to the
// projection vocabulary; the top right singular vectors become the projection.
void Featurizer::fit_projection(const std::vector<SparseFeatures>& rows) {
  projection_row_of_.assign(sparse_size(), -1);
  for (size_t r = 0; r < projection_index_.size(); ++r)
    projection_row_of_[projection_index_[r]] = int32_t(r);
  const int64_t vocab = int64_t(projection_index_.size());
  const int64_t docs = int64_t(rows.size());
  const int64_t width = std::min<int64_t>({config_.dense_dim + 16, vocab, docs});
  const int64_t dim = std::min<int64_t>(config_.dense_dim, width);
  if (dim <= 0) {
    projection_.resize(vocab, 0);
    return;
  }
  std::vector<Eigen::Triplet<float, int32_t>> triplets;
  for (int64_t d = 0; d < docs; ++d)
    for (size_t k = 0; k < rows[d].index.size(); ++k)
      if (int32_t r = projection_row_of_[rows[d].index[k]]; r >= 0)
        triplets.emplace_back(int32_t(d), r, rows[d].value[k]);
  SparseRows x(docs, vocab);
  x.setFromTriplets(triplets.begin(), triplets.end());
  Rng rng(config_.seed);
  DenseRows omega(vocab, width);
  for (int64_t i = 0; i < omega.size(); ++i) omega.data()[i] = float(rng.normal());
  DenseRows q = orthonormal(x * omega);
  for (int iter = 0; iter < 2; ++iter) {
    DenseRows z = orthonormal(x.transpose() * q);
    q = orthonormal(x * z);
  }
  Eigen::MatrixXf bt = x.transpose() * q;  // vocab x width = B^T
  Eigen::BDCSVD<Eigen::MatrixXf> svd(bt, Eigen::ComputeThinU);
  projection_ = svd.matrixU().leftCols(dim);
  // Fix each component's sign (largest entry positive) so the basis is canonical.
  for (int64_t c = 0; c < dim; ++c) {
    Eigen::Index at = 0;
    projection_.col(c).cwiseAbs().maxCoeff(&at);
    if (projection_(at, c) < 0) projection_.col(c) *= -1;
  }
}

SparseFeatures Featurizer::sparse(std::string_view text) const {
  auto& counter = thread_counter();
  counter.reset(sparse_size());
  count_buckets(text, config_, counter);
  SparseFeatures out;
  out.index.reserve(counter.touched.size());
  out.value.reserve(counter.touched.size());
  double norm_sq = 0;
  for (uint32_t b : counter.touched) {
    float v = sublinear_tf(counter.counts[b]) * idf_[b];
    counter.counts[b] = 0;
    out.index.push_back(b);
    out.value.push_back(v);
    norm_sq += double(v) * v;
  }
  if (norm_sq > 0) {
    float inv = float(1.0 / std::sqrt(norm_sq));
    for (float& v : out.value) v *= inv;
  }
  return out;
}

SurfaceFeatures Featurizer::surface(std::string_view text) const {
  SurfaceFeatures s = raw_surface_features(text.substr(0, size_t(config_.max_chars) * 4));
  for (int k = 0; k < kSurfaceFeatures; ++k) {
    float z = (s[k] - surface_mean_[k]) / surface_std_[k];
    s[k] = std::clamp(z, -8.f, 8.f);  // an odd query must not dominate the dense vector
  }
  return s;
}

Eigen::VectorXf Featurizer::project(const SparseFeatures& x) const {
  Eigen::VectorXf out = Eigen::VectorXf::Zero(projection_.cols());
  for (size_t k = 0; k < x.index.size(); ++k)
    if (int32_t r = projection_row_of_[x.index[k]]; r >= 0)
      out.noalias() += x.value[k] * projection_.row(r).transpose();
  float norm = out.norm();
  if (norm > 1e-12f) out /= norm;
  return out;
}

Eigen::VectorXf Featurizer::dense(std::string_view text) const {
  Eigen::VectorXf out(dense_size());
  const int p = projection_dim();
  if (p > 0) out.head(p) = project(sparse(text));
  auto s = surface(text);
  for (int k = 0; k < kSurfaceFeatures; ++k) out[p + k] = float(config_.surface_weight) * s[k];
  return out;
}

SparseRows Featurizer::sparse_rows(const std::vector<std::string_view>& texts) const {
  std::vector<Eigen::Triplet<float, int32_t>> triplets;
  for (size_t r = 0; r < texts.size(); ++r) {
    auto x = sparse(texts[r]);
    for (size_t k = 0; k < x.index.size(); ++k)
      triplets.emplace_back(int32_t(r), int32_t(x.index[k]), x.value[k]);
  }
  SparseRows m(int64_t(texts.size()), int64_t(sparse_size()));
  m.setFromTriplets(triplets.begin(), triplets.end());
  return m;
}

DenseRows Featurizer::dense_rows(const std::vector<std::string_view>& texts) const {
  DenseRows m(int64_t(texts.size()), dense_size());
  for (size_t r = 0; r < texts.size(); ++r) m.row(int64_t(r)) = dense(texts[r]).transpose();
  return m;
}

std::vector<std::string_view> Featurizer::tensor_names(bool with_dense) {
  std::vector<std::string_view> names = {"features.idf", "features.surface_mean",
                                         "features.surface_std"};
  if (with_dense) {
    names.push_back("features.projection_index");
    names.push_back("features.projection");
  }
  return names;
}

void Featurizer::to_artifact(Artifact& a) const {
  a.manifest.features = config_.to_json();
  a.tensors["features.idf"] = Tensor::from_f32({int64_t(idf_.size())}, idf_);
  std::vector<float> mean(surface_mean_.begin(), surface_mean_.end());
  std::vector<float> deviation(surface_std_.begin(), surface_std_.end());
  a.tensors["features.surface_mean"] = Tensor::from_f32({kSurfaceFeatures}, mean);
  a.tensors["features.surface_std"] = Tensor::from_f32({kSurfaceFeatures}, deviation);
  if (has_dense_) {
    a.tensors["features.projection_index"] =
        Tensor::from_i32({int64_t(projection_index_.size())}, projection_index_);
    std::vector<float> p(projection_.data(), projection_.data() + projection_.size());
    a.tensors["features.projection"] =
        Tensor::from_f32({projection_.rows(), projection_.cols()}, p);
  }
}

Result<Featurizer> Featurizer::from_artifact(const Artifact& a, bool with_dense) {
  auto config = FeatureConfig::from_json(a.manifest.features);
  if (!config) return config.take_error();
  Featurizer f;
  f.config_ = *config;
  const int64_t buckets = int64_t(f.sparse_size());
  auto idf = require_tensor(a, "features.idf", {buckets});
  auto mean = require_tensor(a, "features.surface_mean", {kSurfaceFeatures});
  auto deviation = require_tensor(a, "features.surface_std", {kSurfaceFeatures});
  if (!idf) return idf.take_error();
  if (!mean) return mean.take_error();
  if (!deviation) return deviation.take_error();
  f.idf_ = (*idf)->to_f32();
  auto m = (*mean)->to_f32(), s = (*deviation)->to_f32();
  for (int k = 0; k < kSurfaceFeatures; ++k) {
    if (!std::isfinite(m[k]) || !(s[k] > 0) || !std::isfinite(s[k]))
      return feature_error("surface statistics are not finite and positive");
    f.surface_mean_[k] = m[k];
    f.surface_std_[k] = s[k];
  }
  for (float v : f.idf_)
    if (!std::isfinite(v)) return feature_error("idf is not finite");
  f.has_dense_ = with_dense;
  if (!with_dense) return f;
  auto index = require_tensor(a, "features.projection_index", {-1});
  if (!index) return index.take_error();
  const int64_t vocab = (*index)->shape[0];
  auto projection = require_tensor(a, "features.projection", {vocab, -1});
  if (!projection) return projection.take_error();
  if ((*projection)->shape[1] > 4096) return feature_error("projection too wide");
  // Index values become array subscripts: integers only, each checked below.
  auto rows = (*index)->to_i64();
  if (!rows) return feature_error("features.projection_index: " + rows.error().message);
  f.projection_row_of_.assign(size_t(buckets), -1);
  for (int64_t bucket : *rows) {
    if (bucket < 0 || bucket >= buckets || f.projection_row_of_[size_t(bucket)] >= 0)
      return feature_error("projection index out of range or repeated");
    f.projection_row_of_[size_t(bucket)] = int32_t(f.projection_index_.size());
    f.projection_index_.push_back(int32_t(bucket));
  }
  auto values = (*projection)->to_f32();
  for (float v : values)
    if (!std::isfinite(v)) return feature_error("projection is not finite");
  f.projection_ = Eigen::Map<DenseRows>(values.data(), vocab, (*projection)->shape[1]);
  return f;
}

}  // namespace routeiq::ml
