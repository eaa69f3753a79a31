#pragma once
// Model prices and context windows in the format of LiteLLM's
// model_prices_and_context_window.json: the table shipped in the binary
// (data/model_prices.json, sources in data/model_prices.SOURCES.md), a
// user's own file laid over it, and the lookup by provider and model.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "routeiq/core/error.hpp"

namespace routeiq::cost {

// USD per token; unset: the table does not say.
struct Price {
  std::optional<double> input, output, cache_read, cache_creation, reasoning;
  // LiteLLM's tier: a request whose prompt is over 200k tokens pays these.
  std::optional<double> input_above_200k, output_above_200k, cache_read_above_200k;
  std::optional<int64_t> max_input_tokens, max_output_tokens;
  std::string provider;  // litellm_provider
  std::string mode;      // chat, embedding, ...

  bool priced() const { return input.has_value() || output.has_value(); }
};

class PriceTable {
 public:
  // A JSON object of model name -> entry. Unknown fields are ignored and
  // `sample_spec` skipped, so LiteLLM's own file loads as it is.
  static Result<PriceTable> parse(std::string_view json, std::string_view source);
  // The table built into the binary.
  static std::shared_ptr<const PriceTable> builtin();
  // The table the gateway prices with: the file at `path` (empty: the
  // LITELLM_MODEL_COST_MAP variable, a path) over the built-in one; the
  // built-in one alone when neither is set.
  static Result<std::shared_ptr<const PriceTable>> load(const std::string& path);

  // LiteLLM's lookup: "<provider>/<model>", then "<model>"; Bedrock's
  // cross-region profiles ("us.", "eu.", "apac.", "global.") are priced as
  // the model they route to. Null when the table has no such model.
  const Price* find(std::string_view provider, std::string_view model) const;
  size_t size() const { return entries_.size(); }
  // Entries of `over` replace entries of the same name.
  void overlay(const PriceTable& over);

 private:
  const Price* exact(std::string_view name) const;
  std::unordered_map<std::string, Price> entries_;
};

}  // namespace routeiq::cost
