#include "routeiq/cost/price_table.hpp"

#include <array>
#include <boost/json.hpp>
#include <cmath>
#include <fstream>
#include <sstream>

#include "routeiq/core/env.hpp"
#include "routeiq/core/json.hpp"

// data/model_prices.json, built into the binary (cmake/embed_file.cmake).
extern const char kRouteiqBuiltinPrices[];
extern const size_t kRouteiqBuiltinPricesSize;

namespace routeiq::cost {
namespace json = boost::json;

namespace {

// A price must be a finite number >= 0; anything else is treated as unset,
// as LiteLLM's loader skips what it cannot use.
std::optional<double> price_at(const json::object& o, std::string_view key) {
  auto v = num_at(o, key);
  if (!v || !std::isfinite(*v) || *v < 0) return std::nullopt;
  return v;
}

std::optional<int64_t> tokens_at(const json::object& o, std::string_view key) {
  auto v = num_at(o, key);
  if (!v || !std::isfinite(*v) || *v <= 0 || *v > 1e12) return std::nullopt;
  return static_cast<int64_t>(*v);
}

Price read_price(const json::object& o) {
  Price p;
  p.input = price_at(o, "input_cost_per_token");
  p.output = price_at(o, "output_cost_per_token");
  p.cache_read = price_at(o, "cache_read_input_token_cost");
  p.cache_creation = price_at(o, "cache_creation_input_token_cost");
  p.reasoning = price_at(o, "output_cost_per_reasoning_token");
  p.input_above_200k = price_at(o, "input_cost_per_token_above_200k_tokens");
  p.output_above_200k = price_at(o, "output_cost_per_token_above_200k_tokens");
  p.cache_read_above_200k = price_at(o, "cache_read_input_token_cost_above_200k_tokens");
  p.max_input_tokens = tokens_at(o, "max_input_tokens");
  p.max_output_tokens = tokens_at(o, "max_output_tokens");
  if (!p.max_output_tokens) p.max_output_tokens = tokens_at(o, "max_tokens");
  p.provider = std::string(str_or(o, "litellm_provider"));
  p.mode = std::string(str_or(o, "mode"));
  return p;
}

Result<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error(ErrorKind::internal, "cannot read the model cost map " + path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

Result<PriceTable> PriceTable::parse(std::string_view text, std::string_view source) {
  auto doc = parse_json_object(text, source);
  if (!doc) return doc.error();
  PriceTable table;
  for (const auto& [name, value] : doc.value()) {
    if (name == "sample_spec" || !value.is_object()) continue;
    table.entries_.emplace(std::string(name), read_price(value.as_object()));
  }
  return table;
}

std::shared_ptr<const PriceTable> PriceTable::builtin() {
  static const auto table = [] {
    auto parsed = parse(std::string_view(kRouteiqBuiltinPrices, kRouteiqBuiltinPricesSize),
                        "built-in prices");
    // The build checks the file (tools/check-prices.py); a table that does not
    // parse is a broken binary, not a condition to serve with.
    if (!parsed) std::abort();
    return std::make_shared<const PriceTable>(std::move(parsed.value()));
  }();
  return table;
}

Result<std::shared_ptr<const PriceTable>> PriceTable::load(const std::string& path) {
  std::string file = path.empty() ? env_or_empty("LITELLM_MODEL_COST_MAP") : path;
  if (file.empty()) return builtin();
  auto text = read_file(file);
  if (!text) return text.error();
  auto own = parse(text.value(), file);
  if (!own) return own.error();
  PriceTable merged = *builtin();
  merged.overlay(own.value());
  return std::make_shared<const PriceTable>(std::move(merged));
}

void PriceTable::overlay(const PriceTable& over) {
  for (const auto& [name, price] : over.entries_) entries_[name] = price;
}

const Price* PriceTable::exact(std::string_view name) const {
  auto it = entries_.find(std::string(name));
  return it == entries_.end() ? nullptr : &it->second;
}

const Price* PriceTable::find(std::string_view provider, std::string_view model) const {
  if (model.empty()) return nullptr;
  if (!provider.empty()) {
    std::string prefixed = std::string(provider) + "/" + std::string(model);
    if (const auto* p = exact(prefixed)) return p;
  }
  if (const auto* p = exact(model)) return p;
  if (provider == "bedrock") {
    static constexpr std::array kProfiles{"us.", "eu.", "apac.", "global.", "us-gov."};
    for (std::string_view profile : kProfiles)
      if (model.starts_with(profile)) return find(provider, model.substr(profile.size()));
  }
  return nullptr;
}

}  // namespace routeiq::cost
