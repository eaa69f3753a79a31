// A model directory may be corrupt or hostile: parse_artifact and the router
// loaders must refuse it with an Error or load a router whose predictions are
// well-formed, never crash or read out of bounds. The input is manifest.json,
// a NUL byte, then model.safetensors (no NUL: the whole input is the manifest).
// Checksums are checked once as given, then recomputed, so the fuzzer also
// reaches the loaders behind them.
#include <boost/json.hpp>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "routeiq/core/sha256.hpp"
#include "routeiq/ml/artifact.hpp"
#include "routeiq/ml/router.hpp"
#include "routeiq/ml/safetensors.hpp"
#include "routeiq/ml/train.hpp"

using namespace routeiq::ml;

namespace {

// The manifest with every listed tensor's sha256 replaced by the real one.
std::string with_true_checksums(std::string_view manifest_json, std::string_view tensors_file) {
  boost::system::error_code ec;
  auto manifest = boost::json::parse(manifest_json, ec);
  auto tensors = decode_safetensors(tensors_file);
  if (ec || !manifest.is_object() || !tensors) return std::string(manifest_json);
  auto* listed = manifest.get_object().if_contains("tensors");
  if (!listed || !listed->is_object()) return std::string(manifest_json);
  for (auto& [name, entry] : listed->get_object()) {
    auto it = tensors->find(std::string_view(name));
    if (it != tensors->end() && entry.is_object())
      entry.get_object()["sha256"] = routeiq::sha256_hex(it->second.bytes);
  }
  return boost::json::serialize(manifest);
}

void check_predictions(const Router& router) {
  const size_t models = router.info().models.size();
  for (std::string_view query : {"", "What is 2 + 2?", "def f(x):\n  return x ** 2  # fix this"}) {
    auto quality = router.predict(query);
    if (quality.size() != models) std::abort();
    for (double q : quality)
      if (!std::isnan(q) && (q < 0 || q > 1)) std::abort();
    (void)select_model(quality, normalized_prices(router.info().models, router.info().prices), 0.5);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  size_t nul = input.find('\0');
  std::string_view manifest = input.substr(0, nul);
  std::string_view tensors = nul == std::string_view::npos ? "" : input.substr(nul + 1);
  (void)parse_artifact(manifest, tensors);
  auto artifact = parse_artifact(with_true_checksums(manifest, tensors), tensors);
  if (!artifact) return 0;
  auto router = router_from_artifact(*artifact);
  if (router) check_predictions(**router);
  return 0;
}
