#include "routeiq/ml/artifact.hpp"

#include <boost/json.hpp>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <set>

#include "routeiq/core/sha256.hpp"

namespace routeiq::ml {
namespace {

namespace json = boost::json;
constexpr uint64_t kMaxManifestBytes = 16u << 20;
constexpr uint64_t kMaxTensorsBytes = uint64_t(4) << 30;

Result<std::string> read_file(const std::string& path, uint64_t max_bytes) {
  std::error_code ec;
  auto size = std::filesystem::file_size(path, ec);
  if (ec) return artifact_error("cannot read " + path + ": " + ec.message());
  if (size > max_bytes)
    return artifact_error(path + " is larger than " + std::to_string(max_bytes));
  std::ifstream in(path, std::ios::binary);
  std::string data(size, '\0');
  if (!in.read(data.data(), static_cast<std::streamsize>(size)))
    return artifact_error("cannot read " + path);
  return data;
}

Status write_file(const std::string& path, std::string_view data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(data.data(), static_cast<std::streamsize>(data.size()));
  out.close();
  if (!out) return artifact_error("cannot write " + path);
  return ok_status();
}

std::string artifact_version(std::string_view manifest_json, std::string_view tensors_file) {
  Sha256 h;
  h.update(manifest_json);
  h.update(tensors_file);
  return h.hex_digest();
}

json::object prices_to_json(const PriceMap& prices) {
  json::object o;
  for (const auto& [name, p] : prices)
    o[name] = {{"input_per_million", p.input_per_million},
               {"output_per_million", p.output_per_million},
               {"size", p.size}};
  return o;
}

bool as_double(const json::value* v, double& out) {
  if (!v || !v->is_number()) return false;
  out = v->to_number<double>();
  return std::isfinite(out);
}

Status parse_prices(const json::value* v, PriceMap& out) {
  if (!v) return ok_status();
  if (!v->is_object()) return artifact_error("manifest: prices must be an object");
  for (const auto& [name, entry] : v->get_object()) {
    ModelPrice p;
    const auto* o = entry.if_object();
    if (!o || !as_double(o->if_contains("input_per_million"), p.input_per_million) ||
        !as_double(o->if_contains("output_per_million"), p.output_per_million))
      return artifact_error("manifest: prices." + std::string(name) + " is malformed");
    if (const auto* s = o->if_contains("size"); s && s->is_string()) p.size = s->get_string();
    out[std::string(name)] = p;
  }
  return ok_status();
}

Status parse_models(const json::value* v, std::vector<std::string>& out) {
  if (!v || !v->is_array() || v->get_array().empty())
    return artifact_error("manifest: models must be a non-empty array");
  std::set<std::string> seen;
  for (const auto& m : v->get_array()) {
    if (!m.is_string() || m.get_string().empty())
      return artifact_error("manifest: models must be non-empty strings");
    if (!seen.insert(std::string(m.get_string())).second)
      return artifact_error("manifest: duplicate model " + std::string(m.get_string()));
    out.emplace_back(m.get_string());
  }
  return ok_status();
}

std::string string_or_empty(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

json::object object_or_empty(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v && v->is_object() ? v->get_object() : json::object();
}

Result<Manifest> parse_manifest(const json::object& o) {
  Manifest m;
  const auto* version = o.if_contains("format_version");
  if (!version || !version->is_int64()) return artifact_error("manifest: format_version missing");
  if (version->get_int64() != kArtifactFormatVersion)
    return artifact_error("manifest: unsupported format_version " +
                          std::to_string(version->get_int64()) + " (this build reads " +
                          std::to_string(kArtifactFormatVersion) + ")");
  m.router_type = string_or_empty(o, "router_type");
  if (m.router_type.empty()) return artifact_error("manifest: router_type missing");
  if (auto st = parse_models(o.if_contains("models"), m.models); !st) return st.take_error();
  if (auto st = parse_prices(o.if_contains("prices"), m.prices); !st) return st.take_error();
  m.features = object_or_empty(o, "features");
  m.params = object_or_empty(o, "params");
  m.metrics = object_or_empty(o, "metrics");
  m.training_data_sha256 = string_or_empty(o, "training_data_sha256");
  m.created = string_or_empty(o, "created");
  if (const auto* n = o.if_contains("training_examples"); n && n->is_int64())
    m.training_examples = n->get_int64();
  return m;
}

// Every tensor listed with its checksum, and nothing else in the file.
Status check_checksums(const json::object& manifest, const TensorMap& tensors) {
  const auto* listed = manifest.if_contains("tensors");
  if (!listed || !listed->is_object()) return artifact_error("manifest: tensors missing");
  if (listed->get_object().size() != tensors.size())
    return artifact_error("manifest lists " + std::to_string(listed->get_object().size()) +
                          " tensors but the file holds " + std::to_string(tensors.size()));
  for (const auto& [name, entry] : listed->get_object()) {
    auto it = tensors.find(std::string_view(name));
    if (it == tensors.end()) return artifact_error("tensor '" + std::string(name) + "' missing");
    const auto* o = entry.if_object();
    const auto* sum = o ? o->if_contains("sha256") : nullptr;
    if (!sum || !sum->is_string() || sum->get_string() != sha256_hex(it->second.bytes))
      return artifact_error("tensor '" + std::string(name) + "' checksum mismatch");
  }
  return ok_status();
}

}  // namespace

Error artifact_error(std::string message) {
  return make_error(ErrorKind::invalid_request, "model artifact: " + std::move(message));
}

std::string utc_now_iso8601() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string manifest_to_json(const Manifest& m, const TensorMap& tensors) {
  json::object o;
  o["format"] = "routeiq-router";
  o["format_version"] = m.format_version;
  o["router_type"] = m.router_type;
  json::array models;
  for (const auto& name : m.models) models.emplace_back(name);
  o["models"] = std::move(models);
  o["prices"] = prices_to_json(m.prices);
  o["features"] = m.features;
  o["params"] = m.params;
  o["metrics"] = m.metrics;
  o["training_data_sha256"] = m.training_data_sha256;
  o["training_examples"] = m.training_examples;
  o["created"] = m.created;
  o["tensors_file"] = kTensorsFile;
  json::object listed;
  for (const auto& [name, t] : tensors) {
    json::array shape;
    for (int64_t d : t.shape) shape.push_back(d);
    listed[name] = {{"dtype", dtype_name(t.dtype)},
                    {"shape", std::move(shape)},
                    {"sha256", sha256_hex(t.bytes)}};
  }
  o["tensors"] = std::move(listed);
  return json::serialize(o) + "\n";
}

Status write_artifact(Artifact& artifact, const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return artifact_error("cannot create " + dir + ": " + ec.message());
  std::string manifest = manifest_to_json(artifact.manifest, artifact.tensors);
  std::string tensors = encode_safetensors(artifact.tensors);
  if (auto st = write_file(dir + "/" + kTensorsFile, tensors); !st) return st;
  if (auto st = write_file(dir + "/" + kManifestFile, manifest); !st) return st;
  artifact.version = artifact_version(manifest, tensors);
  return ok_status();
}

Result<Artifact> parse_artifact(std::string_view manifest_json, std::string_view tensors_file) {
  boost::system::error_code ec;
  json::value manifest = json::parse(manifest_json, ec);
  if (ec) return artifact_error("manifest.json is not valid JSON: " + ec.message());
  if (!manifest.is_object()) return artifact_error("manifest.json is not an object");
  auto parsed = parse_manifest(manifest.get_object());
  if (!parsed) return parsed.take_error();
  auto tensors = decode_safetensors(tensors_file);
  if (!tensors) return artifact_error(tensors.error().message);
  if (auto st = check_checksums(manifest.get_object(), *tensors); !st) return st.take_error();
  Artifact a{std::move(parsed.value()), std::move(tensors.value()), {}};
  a.version = artifact_version(manifest_json, tensors_file);
  return a;
}

Result<Artifact> read_artifact(const std::string& dir) {
  auto manifest = read_file(dir + "/" + kManifestFile, kMaxManifestBytes);
  if (!manifest) return manifest.take_error();
  auto tensors = read_file(dir + "/" + kTensorsFile, kMaxTensorsBytes);
  if (!tensors) return tensors.take_error();
  return parse_artifact(*manifest, *tensors);
}

Result<const Tensor*> require_tensor(const Artifact& a, std::string_view name,
                                     std::initializer_list<int64_t> shape) {
  auto it = a.tensors.find(name);
  if (it == a.tensors.end()) return artifact_error("tensor '" + std::string(name) + "' missing");
  const Tensor& t = it->second;
  bool match = t.shape.size() == shape.size();
  for (size_t i = 0; match && i < shape.size(); ++i)
    match = shape.begin()[i] < 0 || shape.begin()[i] == t.shape[i];
  if (!match) {
    std::string want, got;
    for (int64_t d : shape) want += (want.empty() ? "" : ",") + std::to_string(d);
    for (int64_t d : t.shape) got += (got.empty() ? "" : ",") + std::to_string(d);
    return artifact_error("tensor '" + std::string(name) + "' has shape [" + got + "], expected [" +
                          want + "]");
  }
  return &t;
}

Status require_exact_tensor_set(const Artifact& a, const std::vector<std::string_view>& names) {
  for (const auto& [name, t] : a.tensors) {
    bool known = false;
    for (auto n : names) known = known || n == name;
    if (!known)
      return artifact_error("unexpected tensor '" + name + "' for " + a.manifest.router_type);
  }
  for (auto n : names)
    if (a.tensors.find(n) == a.tensors.end())
      return artifact_error("tensor '" + std::string(n) + "' missing");
  return ok_status();
}

Result<double> param_number(const Manifest& m, std::string_view key, double lo, double hi) {
  double v = 0;
  if (!as_double(m.params.if_contains(key), v) || v < lo || v > hi)
    return artifact_error("manifest: params." + std::string(key) + " missing or out of range");
  return v;
}

Result<int64_t> param_int(const Manifest& m, std::string_view key, int64_t lo, int64_t hi) {
  const auto* v = m.params.if_contains(key);
  if (!v || !v->is_int64() || v->get_int64() < lo || v->get_int64() > hi)
    return artifact_error("manifest: params." + std::string(key) + " missing or out of range");
  return v->get_int64();
}

}  // namespace routeiq::ml
