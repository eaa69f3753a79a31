// Baselines that ignore the query: always the smallest (cheapest) or the
// largest candidate. They anchor every quality-versus-cost comparison.
#include <cmath>
#include <cstdlib>

#include "routeiq/ml/router_impl.hpp"

namespace routeiq::ml {
namespace {

// "7B" -> 7e9, "560M" -> 5.6e8; 0 when unknown.
double parse_size(const std::string& s) {
  char* end = nullptr;
  double v = std::strtod(s.c_str(), &end);
  if (end == s.c_str()) return 0;
  char unit = *end;
  return v * (unit == 'B' || unit == 'b' ? 1e9 : unit == 'M' || unit == 'm' ? 1e6 : 1);
}

// Price when known for every model, else parameter count, else mean training score.
std::vector<double> model_sizes(const TrainingSet& set) {
  std::vector<double> price, params, mean;
  bool all_priced = true, all_sized = true;
  for (size_t j = 0; j < set.models.size(); ++j) {
    auto it = set.prices.find(set.models[j]);
    price.push_back(
        it == set.prices.end() ? 0 : it->second.input_per_million + it->second.output_per_million);
    params.push_back(it == set.prices.end() ? 0 : parse_size(it->second.size));
    mean.push_back(column_mean(set, int(j)));
    all_priced = all_priced && it != set.prices.end();
    all_sized = all_sized && params.back() > 0;
  }
  return all_priced ? price : all_sized ? params : mean;
}

template <bool kLargest>
Status train_baseline(const TrainingSet& set, const Featurizer&, const TrainOptions&,
                      Artifact& out) {
  auto sizes = model_sizes(set);
  size_t pick = 0;
  for (size_t j = 1; j < sizes.size(); ++j)
    if (kLargest ? sizes[j] > sizes[pick] : sizes[j] < sizes[pick]) pick = j;
  Eigen::VectorXf quality = Eigen::VectorXf::Zero(int64_t(sizes.size()));
  quality[int64_t(pick)] = 1;
  out.tensors["baseline.quality"] = vector_tensor(quality);
  return ok_status();
}

class ConstantRouter final : public FeatureRouter {
 public:
  ConstantRouter(const Artifact& a, Featurizer f, std::vector<double> quality)
      : FeatureRouter(a, std::move(f)), quality_(std::move(quality)) {}
  std::vector<double> predict(std::string_view) const override { return quality_; }

 private:
  std::vector<double> quality_;
};

Result<std::shared_ptr<const Router>> load_baseline(const Artifact& a, Featurizer f) {
  auto q = finite_tensor(a, "baseline.quality", {int64_t(a.manifest.models.size())});
  if (!q) return q.take_error();
  std::vector<double> quality;
  for (float v : *q) quality.push_back(clamp01(v));
  return make_router<ConstantRouter>(a, std::move(f), std::move(quality));
}

std::vector<std::string_view> baseline_tensors(const Artifact&) {
  return {"baseline.quality"};
}

}  // namespace

const RouterSpec& smallest_router_spec() {
  static const RouterSpec spec{"smallest",    false,           false, train_baseline<false>,
                               load_baseline, baseline_tensors};
  return spec;
}

const RouterSpec& largest_router_spec() {
  static const RouterSpec spec{"largest",     false,           false, train_baseline<true>,
                               load_baseline, baseline_tensors};
  return spec;
}

}  // namespace routeiq::ml
