#pragma once
// Routing strategies pick one deployment among the healthy candidates of a
// group. Strategies live in an explicit table (name -> factory); an unknown
// name is a configuration error listing the valid ones.
#include <memory>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "routeiq/config/config.hpp"
#include "routeiq/core/error.hpp"

namespace routeiq::routing {

// What a strategy may look at besides the candidates.
struct RequestContext {
  std::string_view query;             // the last user message, for learned routers
  std::optional<double> cost_weight;  // per-request trade-off override
  std::string decided_by;             // set by the strategy: what made the choice
};

class Strategy {
 public:
  virtual ~Strategy() = default;
  virtual std::string_view name() const = 0;
  // Returns a position in `candidates` (indices into Config::model_list).
  virtual size_t pick(std::span<const size_t> candidates, std::mt19937_64& rng) const = 0;
  // Whether pick() looks at RequestContext::query (it costs a copy of the prompt).
  virtual bool reads_request() const { return false; }
  // Strategies that read the request override this one.
  virtual size_t pick(std::span<const size_t> candidates, RequestContext& ctx,
                      std::mt19937_64& rng) const {
    return pick(candidates, rng);
  }
};

// LiteLLM's simple-shuffle: weighted by `weight`, else `rpm`, else `tpm`, else uniform.
class SimpleShuffle final : public Strategy {
 public:
  explicit SimpleShuffle(const config::Config& config);
  std::string_view name() const override { return "simple-shuffle"; }
  using Strategy::pick;
  size_t pick(std::span<const size_t> candidates, std::mt19937_64& rng) const override;
  double weight_of(size_t deployment) const;

 private:
  std::vector<double> weight_, rpm_, tpm_;
};

struct StrategyChoice {
  std::unique_ptr<Strategy> strategy;
  std::string warning;  // set when a LiteLLM strategy is served by simple-shuffle for now
};

Result<StrategyChoice> make_strategy(const config::Config& config);
std::vector<std::string_view> strategy_names();

}  // namespace routeiq::routing
