// Serving-path latency of the learned routers on the LLMRouter data:
// load_router (validate + build) and Router::predict over real queries, with
// p50/p99 counters measured per call. Models come from $ROUTEIQ_ML_MODELS/<router>
// when set (e.g. made by `routeiq train`), otherwise they are trained here once.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "routeiq/ml/artifact.hpp"
#include "routeiq/ml/dataset.hpp"
#include "routeiq/ml/router.hpp"
#include "routeiq/ml/train.hpp"

namespace ml = routeiq::ml;

namespace {

const std::string kRoot = ROUTEIQ_BENCH_DATA "/routing/llmrouter/";

const ml::RoutingDataset& dataset() {
  static const ml::RoutingDataset data = [] {
    auto d = ml::import_llmrouter(kRoot + "train.json", kRoot + "query_train.jsonl");
    if (!d) std::abort();
    return std::move(d.value());
  }();
  return data;
}

// Directory of a trained model for `name`, training it into a temp dir if needed.
std::string model_dir(const std::string& name) {
  if (const char* env = std::getenv("ROUTEIQ_ML_MODELS")) {
    std::string dir = std::string(env) + "/" + name;
    if (std::filesystem::exists(dir + "/manifest.json")) return dir;
  }
  std::string dir = (std::filesystem::temp_directory_path() / ("routeiq-bench-" + name)).string();
  if (std::filesystem::exists(dir + "/manifest.json")) return dir;
  ml::TrainOptions o;
  auto prices = ml::read_llm_candidates(kRoot + "llm_candidates.json");
  if (prices) o.prices = prices.value();
  auto artifact = ml::train_router(name, dataset(), o);
  if (!artifact || !ml::write_artifact(*artifact, dir)) std::abort();
  return dir;
}

void BM_Load(benchmark::State& state, std::string name) {
  std::string dir = model_dir(name);
  for (auto _ : state) {
    auto router = ml::load_router(dir);
    if (!router) state.SkipWithError(router.error().message.c_str());
    benchmark::DoNotOptimize(router);
  }
}

void BM_Predict(benchmark::State& state, std::string name) {
  auto router = ml::load_router(model_dir(name));
  if (!router) {
    state.SkipWithError(router.error().message.c_str());
    return;
  }
  const auto& examples = dataset().examples;
  std::vector<double> micros;
  micros.reserve(1 << 16);
  size_t i = 0;
  for (auto _ : state) {
    auto start = std::chrono::steady_clock::now();
    auto q = (*router)->predict(examples[i++ % examples.size()].query);
    benchmark::DoNotOptimize(q);
    micros.push_back(
        std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start)
            .count());
  }
  std::sort(micros.begin(), micros.end());
  auto pct = [&](double p) { return micros[size_t(p * double(micros.size() - 1))]; };
  state.counters["p50_us"] = pct(0.50);
  state.counters["p99_us"] = pct(0.99);
  state.counters["max_us"] = micros.back();
}

const bool registered = [] {
  for (std::string name : {"knn", "svm", "mlp", "mf", "elo", "routerdc", "hybrid", "graph"}) {
    benchmark::RegisterBenchmark(("load/" + name).c_str(), BM_Load, name)
        ->Unit(benchmark::kMillisecond)
        ->Iterations(5);
    benchmark::RegisterBenchmark(("predict/" + name).c_str(), BM_Predict, name)
        ->Unit(benchmark::kMicrosecond);
  }
  return true;
}();

}  // namespace

BENCHMARK_MAIN();
