#pragma once
// A trained router on disk: a directory holding manifest.json (what the model
// is and how it was trained) and model.safetensors (its numbers). Reading
// validates every byte, so a corrupt or mismatched directory is an Error.
#include <boost/json/object.hpp>
#include <initializer_list>
#include <string>
#include <vector>

#include "routeiq/core/error.hpp"
#include "routeiq/ml/dataset.hpp"
#include "routeiq/ml/safetensors.hpp"

namespace routeiq::ml {

inline constexpr int kArtifactFormatVersion = 1;
inline constexpr const char* kManifestFile = "manifest.json";
inline constexpr const char* kTensorsFile = "model.safetensors";

struct Manifest {
  int format_version = kArtifactFormatVersion;
  std::string router_type;
  std::vector<std::string> models;
  PriceMap prices;
  boost::json::object features;  // FeatureConfig, see features.hpp
  boost::json::object params;    // router hyper-parameters
  boost::json::object metrics;   // validation metrics measured at training
  std::string training_data_sha256;
  int64_t training_examples = 0;
  std::string created;  // ISO-8601 UTC
};

struct Artifact {
  Manifest manifest;
  TensorMap tensors;
  std::string version;  // SHA-256 of manifest.json + model.safetensors; set by read/write
};

std::string manifest_to_json(const Manifest& m, const TensorMap& tensors);

// Writes both files (creating the directory) and sets artifact.version.
Status write_artifact(Artifact& artifact, const std::string& dir);
Result<Artifact> read_artifact(const std::string& dir);
// The same checks on in-memory file contents (what read_artifact and the fuzzers call).
Result<Artifact> parse_artifact(std::string_view manifest_json, std::string_view tensors_file);

Error artifact_error(std::string message);

// Looks a tensor up and checks its shape; -1 in `shape` matches any size.
Result<const Tensor*> require_tensor(const Artifact& a, std::string_view name,
                                     std::initializer_list<int64_t> shape);
// Refuses tensors the router does not know, so a mismatched file cannot pass.
Status require_exact_tensor_set(const Artifact& a, const std::vector<std::string_view>& names);

// Typed reads of manifest.params with defaults and range checks.
Result<double> param_number(const Manifest& m, std::string_view key, double lo, double hi);
Result<int64_t> param_int(const Manifest& m, std::string_view key, int64_t lo, int64_t hi);

std::string utc_now_iso8601();

}  // namespace routeiq::ml
