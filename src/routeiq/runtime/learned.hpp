#pragma once
// Learned routers in the gateway: a trained model (ml::Router) that, per
// request, predicts each candidate's quality and picks the best trade-off of
// quality and price among the healthy candidates. Used two ways:
//   router_settings.routing_strategy: llmrouter-<type>  (picks a deployment in a group)
//   model_list: {model_name: auto, litellm_params: {model: routeiq/<type>, candidates: [...]}}
//                                                     (picks a model group)
// The model is swapped atomically on hot reload; a request keeps the model it started with.
#include <atomic>
#include <boost/json/object.hpp>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "routeiq/config/config.hpp"
#include "routeiq/ml/router.hpp"
#include "routeiq/routing/strategy.hpp"

namespace routeiq::runtime {

struct LearnedRouterSpec {
  std::string name;  // "llmrouter-knn", or the model group it serves ("auto")
  std::string type;  // "knn", ...; must match the artifact
  std::string model_path;
  std::string llm_data_path;  // LLMRouter candidate file with prices; else the artifact's
  double cost_weight = 0.2;
  bool hot_reload = false;
  std::chrono::milliseconds reload_interval{300'000};
  std::map<std::string, std::string> model_map;  // router model name -> group/deployment name
  std::vector<std::string> candidates;           // router groups: the groups it chooses among
};

// Reads routing_strategy_args (or a routeiq/<type> deployment's litellm_params).
Result<LearnedRouterSpec> parse_learned_spec(std::string name, std::string type,
                                             const boost::json::object& args);

class LearnedRouter {
 public:
  static Result<std::shared_ptr<LearnedRouter>> create(LearnedRouterSpec spec);

  struct Decision {
    size_t target = 0;         // index into the targets passed in
    std::string router_model;  // the router's name for the chosen model
  };
  // targets[i] lists the names target i is known by (group name, deployment
  // model, model_info.id); only allowed targets are considered.
  std::optional<Decision> decide(std::string_view query,
                                 const std::vector<std::vector<std::string>>& targets,
                                 const std::vector<bool>& allowed,
                                 std::optional<double> cost_weight) const;

  // Reloads the artifact if it changed and the interval has passed; a bad new
  // artifact is refused and the current one kept.
  void maybe_reload(std::chrono::steady_clock::time_point now);
  void reload_now();
  void count_fallback() const { fallbacks_.fetch_add(1, std::memory_order_relaxed); }
  boost::json::object status() const;
  std::string header_value() const;  // "llmrouter-knn/<version>"
  const LearnedRouterSpec& spec() const { return spec_; }

 private:
  struct Loaded {
    std::shared_ptr<const ml::Router> router;
    std::vector<double> price_norm;  // per router model
    std::string fingerprint;
    std::string loaded_at;
  };
  explicit LearnedRouter(LearnedRouterSpec spec) : spec_(std::move(spec)) {}
  Result<std::shared_ptr<const Loaded>> load() const;
  std::shared_ptr<const Loaded> current() const { return std::atomic_load(&loaded_); }
  int router_model_index(const Loaded& l, const std::string& name) const;

  LearnedRouterSpec spec_;
  ml::PriceMap prices_;  // from llm_data_path, if given
  std::shared_ptr<const Loaded> loaded_;
  std::chrono::steady_clock::time_point next_check_{};
  mutable std::mutex status_mutex_;
  std::string last_check_, last_error_;
  std::atomic<uint64_t> reloads_{0};
  mutable std::atomic<uint64_t> decisions_{0}, fallbacks_{0};
};

// The llmrouter-<type> strategy: picks among a group's deployments, falling
// back to simple-shuffle (counted and logged) when the router cannot decide.
class LearnedStrategy final : public routing::Strategy {
 public:
  LearnedStrategy(std::shared_ptr<LearnedRouter> router, const config::Config& config);
  std::string_view name() const override { return router_->spec().name; }
  bool reads_request() const override { return true; }
  size_t pick(std::span<const size_t> candidates, std::mt19937_64& rng) const override;
  size_t pick(std::span<const size_t> candidates, routing::RequestContext& ctx,
              std::mt19937_64& rng) const override;

 private:
  std::shared_ptr<LearnedRouter> router_;
  routing::SimpleShuffle fallback_;
  std::vector<std::vector<std::string>> names_;  // per deployment: the names it is known by
};

// Every name a deployment may be called by in a routing dataset.
std::vector<std::string> deployment_names(const config::Deployment& d);

}  // namespace routeiq::runtime
