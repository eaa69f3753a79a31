#include "routeiq/routing/strategy.hpp"

#include <numeric>

namespace routeiq::routing {

SimpleShuffle::SimpleShuffle(const config::Config& config) {
  for (const auto& d : config.model_list) {
    weight_.push_back(d.weight.value_or(0));
    rpm_.push_back(static_cast<double>(d.rpm.value_or(0)));
    tpm_.push_back(static_cast<double>(d.tpm.value_or(0)));
  }
}

double SimpleShuffle::weight_of(size_t d) const {
  return weight_[d];
}

size_t SimpleShuffle::pick(std::span<const size_t> candidates, std::mt19937_64& rng) const {
  if (candidates.size() == 1) return 0;
  // Like LiteLLM: the first of weight/rpm/tpm that any candidate sets decides;
  // candidates without it get zero.
  for (const auto* source : {&weight_, &rpm_, &tpm_}) {
    double total = 0;
    for (size_t c : candidates) total += (*source)[c];
    if (total <= 0) continue;
    double x = std::uniform_real_distribution<double>(0, total)(rng);
    for (size_t i = 0; i < candidates.size(); ++i) {
      x -= (*source)[candidates[i]];
      if (x < 0) return i;
    }
    return candidates.size() - 1;
  }
  return std::uniform_int_distribution<size_t>(0, candidates.size() - 1)(rng);
}

namespace {

struct StrategyRow {
  std::string_view name;
  bool native;  // false: accepted for compatibility, served by simple-shuffle for now
};

constexpr StrategyRow kStrategies[] = {
    {"simple-shuffle", true},         {"least-busy", false},
    {"latency-based-routing", false}, {"cost-based-routing", false},
    {"usage-based-routing", false},   {"usage-based-routing-v2", false},
};

}  // namespace

std::vector<std::string_view> strategy_names() {
  std::vector<std::string_view> names;
  for (const auto& row : kStrategies) names.push_back(row.name);
  return names;
}

Result<StrategyChoice> make_strategy(const config::Config& config) {
  const auto& name = config.router_settings.routing_strategy;
  for (const auto& row : kStrategies) {
    if (row.name != name) continue;
    StrategyChoice choice{std::make_unique<SimpleShuffle>(config), {}};
    if (!row.native)
      choice.warning = "router_settings.routing_strategy: '" + name +
                       "' is not implemented yet; using simple-shuffle";
    return choice;
  }
  std::string valid;
  for (auto n : strategy_names()) valid += (valid.empty() ? "" : ", ") + std::string(n);
  return make_error(
      ErrorKind::invalid_request,
      "router_settings.routing_strategy: unknown strategy '" + name + "' (valid: " + valid + ")");
}

}  // namespace routeiq::routing
