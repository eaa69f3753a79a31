// Router registry, loading, selection and the shared training driver.
#include "routeiq/ml/router.hpp"

#include <boost/json.hpp>
#include <cmath>
#include <cstdio>
#include <set>

#include "routeiq/core/sha256.hpp"
#include "routeiq/ml/rng.hpp"
#include "routeiq/ml/router_impl.hpp"
#include "routeiq/ml/shrinkage.hpp"

namespace routeiq::ml {
namespace {

constexpr size_t kMinShrinkageRows = 100;

const RouterSpec* find_spec(std::string_view name) {
  for (const auto& spec : router_specs())
    if (spec.name == name) return &spec;
  return nullptr;
}

std::string known_types() {
  std::string out;
  for (const auto& spec : router_specs()) out += (out.empty() ? "" : ", ") + std::string(spec.name);
  return out;
}

Status check_dataset(const RoutingDataset& data) {
  if (data.models.empty()) return make_error(ErrorKind::invalid_request, "dataset has no models");
  if (data.examples.size() < 2)
    return make_error(ErrorKind::invalid_request, "dataset needs at least 2 examples");
  for (const auto& e : data.examples)
    if (e.scores.size() != data.models.size())
      return make_error(ErrorKind::invalid_request,
                        "example " + e.id + " has " + std::to_string(e.scores.size()) +
                            " scores for " + std::to_string(data.models.size()) + " models");
  return ok_status();
}

// Columns of the router's models in the dataset (-1 when absent).
std::vector<int> dataset_columns(const Router& router, const RoutingDataset& data) {
  std::vector<int> cols;
  for (const auto& m : router.info().models) {
    int col = -1;
    for (size_t j = 0; j < data.models.size(); ++j)
      if (data.models[j] == m) col = int(j);
    cols.push_back(col);
  }
  return cols;
}

double price_of(const PriceMap& prices, const std::string& model) {
  auto it = prices.find(model);
  return it == prices.end() ? 0 : it->second.input_per_million + it->second.output_per_million;
}

boost::json::object validation_metrics(const Router& router, const RoutingDataset& data,
                                       const std::vector<size_t>& rows, double cost_weight) {
  boost::json::object m;
  m["validation_examples"] = rows.size();
  if (rows.empty()) return m;
  auto at_zero = evaluate_routing(router, data, rows, 0.0);
  m["mean_quality"] = at_zero.mean_quality;
  m["mean_price"] = at_zero.mean_price;
  if (cost_weight > 0) {
    auto at_default = evaluate_routing(router, data, rows, cost_weight);
    m["mean_quality_at_default_cost_weight"] = at_default.mean_quality;
    m["mean_price_at_default_cost_weight"] = at_default.mean_price;
  }
  double best = -1, oracle = 0;
  std::string best_model;
  for (size_t j = 0; j < data.models.size(); ++j) {
    double sum = 0;
    for (size_t r : rows)
      sum += std::isnan(data.examples[r].scores[j]) ? 0 : data.examples[r].scores[j];
    if (sum / rows.size() > best) {
      best = sum / rows.size();
      best_model = data.models[j];
    }
  }
  for (size_t r : rows) {
    double top = 0;
    for (double s : data.examples[r].scores)
      if (!std::isnan(s)) top = std::max(top, s);
    oracle += top / rows.size();
  }
  m["best_single_model"] = best_model;
  m["best_single_quality"] = best;
  m["oracle_quality"] = oracle;
  return m;
}

}  // namespace

const std::vector<RouterSpec>& router_specs() {
  static const std::vector<RouterSpec> specs = {
      knn_router_spec(),      svm_router_spec(),      mlp_router_spec(),    mf_router_spec(),
      elo_router_spec(),      routerdc_router_spec(), hybrid_router_spec(), graph_router_spec(),
      smallest_router_spec(), largest_router_spec()};
  return specs;
}

std::vector<std::string_view> router_types() {
  std::vector<std::string_view> names;
  for (const auto& spec : router_specs()) names.push_back(spec.name);
  return names;
}

int select_model(const std::vector<double>& quality, const std::vector<double>& price_norm,
                 double cost_weight, const std::vector<bool>& allowed) {
  int best = -1;
  double best_utility = 0, best_price = 0;
  for (size_t i = 0; i < quality.size(); ++i) {
    if (!allowed.empty() && (i >= allowed.size() || !allowed[i])) continue;
    if (std::isnan(quality[i])) continue;
    double price = i < price_norm.size() && std::isfinite(price_norm[i]) ? price_norm[i] : 0;
    double utility = quality[i] - cost_weight * price;
    // On a tie the cheaper model wins, then the earlier one.
    if (best < 0 || utility > best_utility || (utility == best_utility && price < best_price)) {
      best = int(i);
      best_utility = utility;
      best_price = price;
    }
  }
  return best;
}

std::vector<double> normalized_prices(const std::vector<std::string>& models,
                                      const PriceMap& prices) {
  std::vector<double> out;
  double top = 0;
  for (const auto& m : models) {
    out.push_back(price_of(prices, m));
    top = std::max(top, out.back());
  }
  if (top > 0)
    for (double& p : out) p /= top;
  return out;
}

std::string dataset_sha256(const RoutingDataset& data) {
  Sha256 h;
  auto field = [&h](std::string_view s) {
    std::string len = std::to_string(s.size()) + ":";
    h.update(len);
    h.update(s);
  };
  for (const auto& m : data.models) field(m);
  for (const auto& e : data.examples) {
    field(e.id);
    field(e.query);
    field(e.task);
    for (double s : e.scores) {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%.17g", s);
      field(buf);
    }
  }
  return h.hex_digest();
}

RoutingOutcome evaluate_routing(const Router& router, const RoutingDataset& data,
                                const std::vector<size_t>& rows, double cost_weight) {
  RoutingOutcome out;
  const auto& models = router.info().models;
  auto cols = dataset_columns(router, data);
  auto price_norm = normalized_prices(models, router.info().prices);
  out.share.assign(models.size(), 0);
  if (rows.empty()) return out;
  for (size_t r : rows) {
    const auto& e = data.examples[r];
    auto q = router.predict(e.query);
    int pick = select_model(q, price_norm, cost_weight);
    if (pick < 0) continue;
    out.share[pick] += 1.0 / rows.size();
    double score = cols[pick] >= 0 ? e.scores[cols[pick]] : 0;
    out.mean_quality += (std::isnan(score) ? 0 : score) / rows.size();
    out.mean_price += price_of(router.info().prices, models[pick]) / rows.size();
  }
  return out;
}

Result<std::shared_ptr<const Router>> router_from_artifact(const Artifact& artifact) {
  const RouterSpec* spec = find_spec(artifact.manifest.router_type);
  if (!spec)
    return artifact_error("unknown router type '" + artifact.manifest.router_type +
                          "' (known: " + known_types() + ")");
  auto names = Featurizer::tensor_names(spec->dense_features);
  for (auto n : spec->tensor_names(artifact)) names.push_back(n);
  const bool shrink = has_shrinkage(artifact);
  if (shrink)
    for (auto n : shrinkage_tensor_names()) names.push_back(n);
  if (auto st = require_exact_tensor_set(artifact, names); !st) return st.take_error();
  auto features = Featurizer::from_artifact(artifact, spec->dense_features);
  if (!features) return features.take_error();
  auto router = spec->load(artifact, std::move(features.value()));
  if (!router || !shrink) return router;
  return with_shrinkage(artifact, std::move(router.value()));
}

Result<std::shared_ptr<const Router>> load_router(const std::string& model_dir) {
  auto artifact = read_artifact(model_dir);
  if (!artifact) return artifact.take_error();
  return router_from_artifact(*artifact);
}

Result<Artifact> train_router(std::string_view type, const RoutingDataset& data,
                              const TrainOptions& options) {
  const RouterSpec* spec = find_spec(type);
  if (!spec)
    return make_error(ErrorKind::invalid_request,
                      "unknown router '" + std::string(type) + "' (known: " + known_types() + ")");
  if (auto st = check_dataset(data); !st) return st.take_error();
  Rng rng(options.seed);
  auto order = rng.permutation(data.examples.size());
  size_t val_count = size_t(
      std::llround(std::clamp(options.val_fraction, 0.0, 0.5) * double(data.examples.size())));
  std::vector<size_t> val_rows(order.begin(), order.begin() + val_count);
  std::vector<size_t> train_rows(order.begin() + val_count, order.end());
  std::sort(val_rows.begin(), val_rows.end());
  std::sort(train_rows.begin(), train_rows.end());

  TrainingSet set = make_training_set(data, train_rows, options.prices);
  FeatureConfig feature_config = options.features;
  feature_config.seed = options.seed;
  if (!spec->text_features) feature_config.hash_bits = 4;  // keeps baseline artifacts tiny
  Featurizer features = Featurizer::fit(set.texts, feature_config, spec->dense_features);

  Artifact a;
  a.manifest.router_type = std::string(spec->name);
  a.manifest.models = data.models;
  a.manifest.created = options.created.empty() ? utc_now_iso8601() : options.created;
  a.manifest.training_data_sha256 =
      options.data_sha256.empty() ? dataset_sha256(data) : options.data_sha256;
  a.manifest.training_examples = int64_t(train_rows.size());
  a.manifest.params["seed"] = options.seed;
  if (auto st = spec->train(set, features, options, a); !st) return st.take_error();
  // Out-of-distribution shrinkage (shrinkage.hpp) unless {"ood": false}; it is
  // tuned on whole held-out tasks, so it needs a few of them and enough rows.
  const auto* ood = options.params.if_contains("ood");
  std::set<std::string_view> tasks(set.tasks.begin(), set.tasks.end());
  bool shrink = spec->text_features && set.size() >= kMinShrinkageRows && tasks.size() >= 2 &&
                !(ood && ood->is_bool() && !ood->get_bool()) &&
                !(ood && ood->is_number() && ood->to_number<double>() == 0);
  if (shrink)
    if (auto st = fit_shrinkage(*spec, set, features, feature_config, options, a); !st)
      return st.take_error();
  for (const auto& m : a.manifest.models)
    if (auto it = options.prices.find(m); it != options.prices.end())
      a.manifest.prices[m] = it->second;
  features.to_artifact(a);

  auto router = router_from_artifact(a);
  if (!router) return router.take_error();
  a.manifest.metrics = validation_metrics(**router, data, val_rows, options.cost_weight_default);
  return a;
}

}  // namespace routeiq::ml
