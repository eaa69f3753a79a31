// routeiq train / routeiq route: trains a learned router into a model
// directory, and asks a trained router which model should answer a query.
#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "routeiq/core/sha256.hpp"
#include "routeiq/ml/artifact.hpp"
#include "routeiq/ml/cli.hpp"
#include "routeiq/ml/dataset.hpp"
#include "routeiq/ml/router.hpp"
#include "routeiq/ml/train.hpp"

namespace routeiq::ml {
namespace {

namespace json = boost::json;

constexpr const char* kTrainUsage =
    "usage: routeiq train --router NAME --data data.jsonl --out DIR [--prices "
    "llm_candidates.json]\n"
    "                     [--seed N] [--cost-weight-default W] [--val-fraction F]\n"
    "                     [--param key=value]...\n";
constexpr const char* kRouteUsage =
    "usage: routeiq route --model DIR --query TEXT [--cost-weight W] [--prices FILE]\n";

// --name value pairs; repeated --param collects key=value overrides.
struct Options {
  std::map<std::string, std::string> values;
  json::object params;
};

Result<Options> parse_options(int argc, char** argv) {
  Options o;
  for (int k = 1; k < argc; ++k) {
    std::string name = argv[k];
    if (name.rfind("--", 0) != 0 || k + 1 >= argc)
      return make_error(ErrorKind::invalid_request, "'" + name + "' needs a value");
    std::string value = argv[++k];
    if (name == "--param") {
      auto eq = value.find('=');
      if (eq == std::string::npos)
        return make_error(ErrorKind::invalid_request, "--param expects key=value");
      boost::system::error_code ec;
      json::value v = json::parse(value.substr(eq + 1), ec);
      o.params[value.substr(0, eq)] = ec ? json::value(value.substr(eq + 1)) : v;
    } else {
      o.values[name.substr(2)] = value;
    }
  }
  return o;
}

Result<double> number_option(const Options& o, const std::string& key, double fallback) {
  auto it = o.values.find(key);
  if (it == o.values.end()) return fallback;
  char* end = nullptr;
  double v = std::strtod(it->second.c_str(), &end);
  if (end == it->second.c_str() || *end != '\0' || !std::isfinite(v))
    return make_error(ErrorKind::invalid_request, "--" + key + ": expected a number");
  return v;
}

std::string file_sha256(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return sha256_hex(ss.str());
}

int fail(const Error& e, const char* usage) {
  std::fprintf(stderr, "routeiq: %s\n%s", e.message.c_str(), usage);
  return 2;
}

Result<TrainOptions> train_options(const Options& o) {
  TrainOptions t;
  auto seed = number_option(o, "seed", 42);
  auto weight = number_option(o, "cost-weight-default", 0);
  auto fraction = number_option(o, "val-fraction", 0.1);
  if (!seed) return seed.take_error();
  if (!weight) return weight.take_error();
  if (!fraction) return fraction.take_error();
  if (*fraction < 0 || *fraction > 0.5)
    return make_error(ErrorKind::invalid_request, "--val-fraction must be in [0, 0.5]");
  t.seed = uint64_t(*seed);
  t.cost_weight_default = *weight;
  t.val_fraction = *fraction;
  t.params = o.params;
  if (auto it = o.values.find("prices"); it != o.values.end()) {
    auto prices = read_llm_candidates(it->second);
    if (!prices) return prices.take_error();
    t.prices = std::move(prices.value());
  }
  return t;
}

}  // namespace

int run_train(int argc, char** argv) {
  auto o = parse_options(argc, argv);
  if (!o) return fail(o.error(), kTrainUsage);
  const auto& v = o->values;
  if (!v.count("router") || !v.count("data") || !v.count("out"))
    return fail(make_error(ErrorKind::invalid_request, "train needs --router, --data and --out"),
                kTrainUsage);
  auto options = train_options(*o);
  if (!options) return fail(options.error(), kTrainUsage);
  auto data = read_dataset_jsonl(v.at("data"));
  if (!data) return fail(data.error(), kTrainUsage);
  options->data_sha256 = file_sha256(v.at("data"));

  auto start = std::chrono::steady_clock::now();
  auto artifact = train_router(v.at("router"), *data, *options);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!artifact) return fail(artifact.error(), kTrainUsage);
  artifact->manifest.params["cost_weight_default"] = options->cost_weight_default;
  artifact->manifest.metrics["train_seconds"] = seconds;
  if (auto st = write_artifact(*artifact, v.at("out")); !st) return fail(st.error(), kTrainUsage);
  json::object report = {{"router", v.at("router")},
                         {"out", v.at("out")},
                         {"version", artifact->version},
                         {"train_seconds", seconds},
                         {"training_examples", artifact->manifest.training_examples},
                         {"params", artifact->manifest.params},
                         {"validation", artifact->manifest.metrics}};
  std::printf("%s\n", json::serialize(report).c_str());
  return 0;
}

int run_route(int argc, char** argv) {
  auto o = parse_options(argc, argv);
  if (!o) return fail(o.error(), kRouteUsage);
  const auto& v = o->values;
  if (!v.count("model") || !v.count("query"))
    return fail(make_error(ErrorKind::invalid_request, "route needs --model and --query"),
                kRouteUsage);
  auto artifact = read_artifact(v.at("model"));
  if (!artifact) return fail(artifact.error(), kRouteUsage);
  auto router = router_from_artifact(*artifact);
  if (!router) return fail(router.error(), kRouteUsage);
  double fallback_weight = 0;
  if (const auto* w = artifact->manifest.params.if_contains("cost_weight_default");
      w && w->is_number())
    fallback_weight = w->to_number<double>();
  auto weight = number_option(*o, "cost-weight", fallback_weight);
  if (!weight) return fail(weight.error(), kRouteUsage);
  const RouterInfo& info = (*router)->info();
  PriceMap prices = info.prices;
  if (auto it = v.find("prices"); it != v.end()) {
    auto file = read_llm_candidates(it->second);
    if (!file) return fail(file.error(), kRouteUsage);
    prices = std::move(file.value());
  }
  auto quality = (*router)->predict(v.at("query"));
  auto price_norm = normalized_prices(info.models, prices);
  int pick = select_model(quality, price_norm, *weight);
  json::object qualities;
  for (size_t j = 0; j < info.models.size(); ++j) qualities[info.models[j]] = quality[j];
  json::object out = {{"router", info.type},
                      {"version", info.version},
                      {"cost_weight", *weight},
                      {"qualities", std::move(qualities)},
                      {"chosen", pick >= 0 ? json::value(info.models[size_t(pick)]) : nullptr}};
  std::printf("%s\n", json::serialize(out).c_str());
  return 0;
}

}  // namespace routeiq::ml
