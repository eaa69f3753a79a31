#pragma once
// The cost of one request from its real usage, as LiteLLM's
// generic_cost_per_token computes it: prompt tokens at the input price
// (cache reads and writes at their own prices), completion tokens at the
// output price (reasoning tokens at theirs when the table has one), the
// above-200k tier for the whole request when its prompt is over 200k tokens.
#include <optional>
#include <string>

#include "routeiq/config/config.hpp"
#include "routeiq/cost/price_table.hpp"
#include "routeiq/providers/translator.hpp"

namespace routeiq::cost {

inline constexpr int64_t kTierTokens = 200'000;

// USD for `usage` at `price`. prompt_tokens counts cache reads and writes and
// completion_tokens counts reasoning, as in OpenAI's usage (the codecs give
// every provider's usage that shape).
double cost_of(const Price& price, const providers::Usage& usage);

// A deployment's price, decided once per config: the table's entry for
// model_info.base_model or litellm_params.base_model, else for its model;
// then the deployment's own prices (litellm_params and model_info
// input_cost_per_token, output_cost_per_token, cache_read_input_token_cost,
// cache_creation_input_token_cost, output_cost_per_reasoning_token) over it.
// Unpriced (priced() false) when neither says anything.
Price deployment_price(const config::Deployment& d, const PriceTable& table);

// The price of `model` ("gpt-4o", "anthropic/claude-...") with no
// deployment: for /spend/calculate and for wildcard deployments, whose model
// comes from the request.
Price model_price(std::string_view provider, std::string_view model, const PriceTable& table);

}  // namespace routeiq::cost
