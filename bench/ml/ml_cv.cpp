// ml-cv: cross-validated quality of the learned routers on a routing dataset.
//   ml-cv llmrouter [--routers knn,svm,...] [--folds 5] [--mode kfold|task]
//   ml-cv routellm  [--routers ...] [--folds 5]      (subject-grouped folds, APGR)
// For each fold the router is trained on the other folds (no validation
// hold-out) and scored on the fold with the measured qualities.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <numeric>
#include <set>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "routeiq/ml/dataset.hpp"
#include "routeiq/ml/router.hpp"
#include "routeiq/ml/train.hpp"

namespace ml = routeiq::ml;

namespace {

struct Args {
  std::string source = "llmrouter";
  std::vector<std::string> routers = {"knn", "svm", "mlp", "mf", "elo", "routerdc", "graph"};
  int folds = 5;
  std::string mode = "kfold";
  boost::json::object params;  // --param key=value, passed to every router
};

std::vector<std::string> split_commas(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= s.size()) {
    size_t comma = s.find(',', start);
    if (comma == std::string::npos) comma = s.size();
    if (comma > start) out.push_back(s.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

ml::RoutingDataset subset(const ml::RoutingDataset& d, const std::vector<size_t>& rows) {
  ml::RoutingDataset s;
  s.models = d.models;
  for (size_t r : rows) s.examples.push_back(d.examples[r]);
  return s;
}

// Folds: random k-fold, or grouped by task (whole tasks held out).
std::vector<std::vector<size_t>> make_folds(const ml::RoutingDataset& d, int k, bool by_task) {
  std::vector<std::vector<size_t>> folds(static_cast<size_t>(k));
  if (!by_task) {
    std::vector<size_t> order(d.examples.size());
    std::iota(order.begin(), order.end(), size_t(0));
    uint64_t state = 12345;
    for (size_t i = order.size(); i > 1; --i) {
      state = state * 6364136223846793005ULL + 1442695040888963407ULL;
      std::swap(order[i - 1], order[(state >> 33) % i]);
    }
    for (size_t i = 0; i < order.size(); ++i) folds[i % size_t(k)].push_back(order[i]);
    return folds;
  }
  std::map<std::string, size_t> task_fold;
  for (const auto& e : d.examples) task_fold.emplace(e.task, 0);
  size_t i = 0;
  for (auto& [task, f] : task_fold) f = i++ % size_t(k);
  for (size_t r = 0; r < d.examples.size(); ++r) folds[task_fold[d.examples[r].task]].push_back(r);
  return folds;
}

double price_of(const ml::PriceMap& prices, const std::string& m) {
  auto it = prices.find(m);
  return it == prices.end() ? 0 : it->second.input_per_million + it->second.output_per_million;
}

struct Pooled {
  std::vector<std::vector<double>> predicted;  // per test row, dataset model order
  std::vector<size_t> rows;
};

void report_multi(const std::string& name, const ml::RoutingDataset& d, const Pooled& p,
                  const ml::PriceMap& prices, double seconds) {
  const size_t m = d.models.size(), n = p.rows.size();
  std::vector<double> price(m), mean(m, 0);
  for (size_t j = 0; j < m; ++j) price[j] = price_of(prices, d.models[j]);
  auto norm = ml::normalized_prices(d.models, prices);
  double oracle = 0;
  for (size_t i = 0; i < n; ++i) {
    const auto& s = d.examples[p.rows[i]].scores;
    for (size_t j = 0; j < m; ++j) mean[j] += s[j] / double(n);
    oracle += *std::max_element(s.begin(), s.end()) / double(n);
  }
  size_t best = size_t(std::max_element(mean.begin(), mean.end()) - mean.begin());
  std::printf("%-9s", name.c_str());
  double q_at_budget = 0, min_cost_to_match = -1;
  for (double w : {0.0, 0.02, 0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.7, 1.0}) {
    double q = 0, c = 0;
    for (size_t i = 0; i < n; ++i) {
      int pick = ml::select_model(p.predicted[i], norm, w);
      q += d.examples[p.rows[i]].scores[size_t(pick)] / double(n);
      c += price[size_t(pick)] / double(n);
    }
    if (w == 0.0) std::printf(" q@w0=%.4f gain=%+.4f cost@w0=%.3f", q, q - mean[best], c);
    if (c <= 0.3 * price[best]) q_at_budget = std::max(q_at_budget, q);
    if (q >= mean[best] && (min_cost_to_match < 0 || c < min_cost_to_match)) min_cost_to_match = c;
  }
  std::printf(
      " q@<=30%%price=%.4f min_cost_to_match_best=%.3f (best %s %.4f @%.2f, oracle %.4f)"
      " train+predict %.1fs\n",
      q_at_budget, min_cost_to_match, d.models[best].c_str(), mean[best], price[best], oracle,
      seconds);
}

// APGR for a weak/strong pair: sweep the share sent to the strong model in
// order of the predicted gain; mean PGR over shares 0..1.
void report_pair(const std::string& name, const ml::RoutingDataset& d, const Pooled& p, int weak,
                 int strong) {
  const size_t n = p.rows.size();
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), size_t(0));
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return p.predicted[a][size_t(strong)] - p.predicted[a][size_t(weak)] >
           p.predicted[b][size_t(strong)] - p.predicted[b][size_t(weak)];
  });
  double qw = 0, qs = 0;
  for (size_t r : p.rows) {
    qw += d.examples[r].scores[size_t(weak)] / double(n);
    qs += d.examples[r].scores[size_t(strong)] / double(n);
  }
  double q = qw, area = 0;
  std::vector<double> pgr = {0};
  for (size_t i : order) {
    const auto& s = d.examples[p.rows[i]].scores;
    q += (s[size_t(strong)] - s[size_t(weak)]) / double(n);
    pgr.push_back((q - qw) / (qs - qw));
  }
  for (size_t k = 1; k < pgr.size(); ++k) area += (pgr[k] + pgr[k - 1]) / 2 / double(n);
  std::printf("%-9s APGR=%.4f (weak %.4f strong %.4f, n=%zu)\n", name.c_str(), area, qw, qs, n);
}

}  // namespace

int main(int argc, char** argv) {
  Args args;
  if (argc > 1) args.source = argv[1];
  for (int k = 2; k + 1 < argc; k += 2) {
    std::string key = argv[k], value = argv[k + 1];
    if (key == "--routers") args.routers = split_commas(value);
    if (key == "--folds") args.folds = std::max(2, std::atoi(value.c_str()));
    if (key == "--mode") args.mode = value;
    if (key == "--param" && value.find('=') != std::string::npos) {
      boost::system::error_code ec;
      auto v = boost::json::parse(value.substr(value.find('=') + 1), ec);
      args.params[value.substr(0, value.find('='))] =
          ec ? boost::json::value(value.substr(value.find('=') + 1)) : v;
    }
  }
  const std::string root = ROUTEIQ_BENCH_DATA "/routing/";
  ml::RoutingDataset data;
  ml::PriceMap prices;
  bool pair = args.source == "routellm";
  if (pair) {
    std::vector<std::string> files;
    for (const auto& f : std::filesystem::directory_iterator(root + "routellm/mmlu"))
      files.push_back(f.path().string());
    std::sort(files.begin(), files.end());
    auto d = ml::import_routellm_csv(files);
    if (!d) return std::fprintf(stderr, "%s\n", d.error().message.c_str()), 1;
    data = std::move(d.value());
    args.mode = "task";
  } else {
    auto d =
        ml::import_llmrouter(root + "llmrouter/train.json", root + "llmrouter/query_train.jsonl");
    auto p = ml::read_llm_candidates(root + "llmrouter/llm_candidates.json");
    if (!d || !p) return std::fprintf(stderr, "cannot read the llmrouter data\n"), 1;
    data = std::move(d.value());
    prices = std::move(p.value());
  }
  std::printf("%s: %zu queries, %zu models, %d %s folds\n", args.source.c_str(),
              data.examples.size(), data.models.size(), args.folds, args.mode.c_str());
  auto folds = make_folds(data, args.folds, args.mode == "task");
  for (const auto& name : args.routers) {
    Pooled pooled;
    auto start = std::chrono::steady_clock::now();
    bool failed = false;
    for (const auto& test : folds) {
      std::fprintf(stderr, "  %s: fold %zu/%zu (%.0fs)\n", name.c_str(),
                   size_t(&test - folds.data()) + 1, folds.size(),
                   std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
      std::set<size_t> held(test.begin(), test.end());
      std::vector<size_t> train;
      for (size_t r = 0; r < data.examples.size(); ++r)
        if (!held.count(r)) train.push_back(r);
      ml::TrainOptions o;
      o.val_fraction = 0;
      o.prices = prices;
      o.params = args.params;
      auto artifact = ml::train_router(name, subset(data, train), o);
      if (!artifact) {
        std::fprintf(stderr, "%s: %s\n", name.c_str(), artifact.error().message.c_str());
        failed = true;
        break;
      }
      if (const auto* low = artifact->manifest.params.if_contains("ood_low"))
        std::fprintf(stderr, "    shrinkage: low %.3f width %.3f, out of fold %.4f -> %.4f\n",
                     low->to_number<double>(),
                     artifact->manifest.params.at("ood_width").to_number<double>(),
                     artifact->manifest.params.at("ood_cv_plain").to_number<double>(),
                     artifact->manifest.params.at("ood_cv_shrunk").to_number<double>());
      auto router = ml::router_from_artifact(*artifact);
      if (!router) return std::fprintf(stderr, "%s\n", router.error().message.c_str()), 1;
      const auto& models = (*router)->info().models;
      for (size_t r : test) {
        auto q = (*router)->predict(data.examples[r].query);
        std::vector<double> full(data.models.size(), -1.0);  // models the router lacks never win
        for (size_t j = 0; j < models.size(); ++j) full[size_t(data.model_index(models[j]))] = q[j];
        pooled.predicted.push_back(std::move(full));
        pooled.rows.push_back(r);
      }
    }
    if (failed) continue;
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (pair)
      report_pair(name, data, pooled, 0, 1);
    else
      report_multi(name, data, pooled, prices, seconds);
    std::fflush(stdout);
  }
  return 0;
}
