#pragma once
// Training entry points shared by the CLI, the benchmarks and the tests.
#include <boost/json/object.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "routeiq/core/error.hpp"
#include "routeiq/ml/artifact.hpp"
#include "routeiq/ml/dataset.hpp"
#include "routeiq/ml/features.hpp"
#include "routeiq/ml/router.hpp"

namespace routeiq::ml {

struct TrainOptions {
  uint64_t seed = 42;
  // Held out from training to measure the validation metrics written to the manifest.
  double val_fraction = 0.1;
  PriceMap prices;
  std::string created;      // ISO-8601; empty = now (set it for reproducible artifacts)
  std::string data_sha256;  // empty = hash of the canonical dataset
  FeatureConfig features;
  boost::json::object params;  // router-specific overrides, e.g. {"k": 20}
  double cost_weight_default = 0;
  int cv_folds = 3;  // folds for hyper-parameter selection
};

// Names of the routers train_router knows, in registry order.
std::vector<std::string_view> router_types();

// Trains one router and returns its artifact (not yet written to disk).
// manifest.metrics holds the validation metrics measured on the held-out part.
Result<Artifact> train_router(std::string_view type, const RoutingDataset& data,
                              const TrainOptions& options);

// Builds the serving router from a validated artifact (load_router = read + this).
Result<std::shared_ptr<const Router>> router_from_artifact(const Artifact& artifact);

// SHA-256 over a canonical serialisation of the dataset (models, then examples).
std::string dataset_sha256(const RoutingDataset& data);

// USD per million tokens (input + output) of each model, divided by the largest;
// 0 for models without a price.
std::vector<double> normalized_prices(const std::vector<std::string>& models,
                                      const PriceMap& prices);

// Routing quality of `router` on `data` at one cost weight, scored with the
// dataset's measured qualities.
struct RoutingOutcome {
  double mean_quality = 0;
  double mean_price = 0;      // USD per million tokens (input + output), 0 without prices
  std::vector<double> share;  // fraction of queries sent to each router model
};
RoutingOutcome evaluate_routing(const Router& router, const RoutingDataset& data,
                                const std::vector<size_t>& rows, double cost_weight);

}  // namespace routeiq::ml
