#pragma once
// A trained learned router: immutable after loading, so `predict` may be called
// from every server thread at once without locks.
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "routeiq/core/error.hpp"
#include "routeiq/ml/dataset.hpp"

namespace routeiq::ml {

struct RouterInfo {
  std::string type;     // "knn", "svm", "mlp", "mf", "elo", "routerdc", "hybrid", "graph", ...
  std::string version;  // content hash of the artifact, stable across loads
  std::string created;  // ISO-8601 time of training
  std::vector<std::string> models;  // candidate models, in predict() order
  PriceMap prices;                  // prices recorded at training time
};

class Router {
 public:
  virtual ~Router() = default;
  virtual const RouterInfo& info() const = 0;
  // Predicted quality in [0,1] of each candidate (info().models order) on this query.
  // Pair routers (hybrid, mf on two models) return {weak, strong} estimates whose
  // difference orders queries by the strong model's expected gain.
  virtual std::vector<double> predict(std::string_view query) const = 0;
};

// Loads and validates a model directory (manifest.json + safetensors). Never
// executes anything; corrupt, truncated or mismatched artifacts are refused.
Result<std::shared_ptr<const Router>> load_router(const std::string& model_dir);

// Index of the candidate with the highest quality - cost_weight * price_norm among
// those allowed (empty mask = all), or -1 if none is allowed. price_norm in [0,1].
int select_model(const std::vector<double>& quality, const std::vector<double>& price_norm,
                 double cost_weight, const std::vector<bool>& allowed = {});

}  // namespace routeiq::ml
