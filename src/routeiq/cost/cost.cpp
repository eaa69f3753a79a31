#include "routeiq/cost/cost.hpp"

#include <algorithm>

#include "routeiq/core/json.hpp"

namespace routeiq::cost {
namespace json = boost::json;

double cost_of(const Price& price, const providers::Usage& usage) {
  bool tier = usage.prompt_tokens > kTierTokens;
  auto pick = [tier](const std::optional<double>& base, const std::optional<double>& above) {
    return tier && above ? *above : base.value_or(0.0);
  };
  double input = pick(price.input, price.input_above_200k);
  double output = pick(price.output, price.output_above_200k);
  // Without their own price, cache reads and writes cost what input costs.
  double cache_read = tier && price.cache_read_above_200k ? *price.cache_read_above_200k
                                                          : price.cache_read.value_or(input);
  double cache_creation = price.cache_creation.value_or(input);
  int64_t cached = std::max<int64_t>(usage.cached_tokens, 0);
  int64_t created = std::max<int64_t>(usage.cache_creation_tokens, 0);
  int64_t plain_input = std::max<int64_t>(usage.prompt_tokens - cached - created, 0);
  int64_t reasoning = price.reasoning
                          ? std::clamp<int64_t>(usage.reasoning_tokens, 0,
                                                std::max<int64_t>(usage.completion_tokens, 0))
                          : 0;
  int64_t plain_output = std::max<int64_t>(usage.completion_tokens - reasoning, 0);
  return plain_input * input + cached * cache_read + created * cache_creation +
         plain_output * output + reasoning * price.reasoning.value_or(0.0);
}

namespace {

// A deployment's own price keys, in litellm_params or model_info.
void override_from(const json::object& o, Price& p) {
  auto set = [&o](std::string_view key, std::optional<double>& slot) {
    if (auto v = num_at(o, key); v && *v >= 0) slot = v;
  };
  set("input_cost_per_token", p.input);
  set("output_cost_per_token", p.output);
  set("cache_read_input_token_cost", p.cache_read);
  set("cache_creation_input_token_cost", p.cache_creation);
  set("output_cost_per_reasoning_token", p.reasoning);
  set("input_cost_per_token_above_200k_tokens", p.input_above_200k);
  set("output_cost_per_token_above_200k_tokens", p.output_above_200k);
}

std::string base_model_of(const config::Deployment& d) {
  if (auto v = str_or(d.model_info.extra, "base_model"); !v.empty()) return std::string(v);
  return std::string(str_or(d.extra_params, "base_model"));
}

}  // namespace

Price model_price(std::string_view provider, std::string_view model, const PriceTable& table) {
  if (const auto* p = table.find(provider, model)) return *p;
  // "anthropic/claude-..." named with its provider.
  if (auto slash = model.find('/'); slash != std::string_view::npos)
    if (const auto* p = table.find(model.substr(0, slash), model.substr(slash + 1))) return *p;
  return {};
}

Price deployment_price(const config::Deployment& d, const PriceTable& table) {
  Price p;
  if (auto base = base_model_of(d); !base.empty()) p = model_price(d.provider, base, table);
  if (!p.priced()) p = model_price(d.provider, d.model, table);
  override_from(d.extra_params, p);
  override_from(d.model_info.extra, p);
  if (d.model_info.input_cost_per_token) p.input = d.model_info.input_cost_per_token;
  if (d.model_info.output_cost_per_token) p.output = d.model_info.output_cost_per_token;
  if (d.model_info.max_input_tokens) p.max_input_tokens = d.model_info.max_input_tokens;
  return p;
}

}  // namespace routeiq::cost
