// routeiq eval: runs a trained router over a scored dataset and reports the
// quality-cost trade-off against the baselines.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "routeiq/ml/cli.hpp"
#include "routeiq/ml/dataset.hpp"
#include "routeiq/ml/eval.hpp"
#include "routeiq/ml/eval_report.hpp"
#include "routeiq/ml/router.hpp"

namespace routeiq::ml {

namespace {

constexpr const char* kUsage =
    "usage: routeiq eval --model DIR --data test.jsonl [--prices llm_candidates.json]\n"
    "                    [--report eval.md] [--json] [--bootstrap N] [--seed S]\n";

struct EvalArgs {
  std::string model, data, prices, report;
  bool json = false;
  int bootstrap = 1000;
  uint64_t seed = EvalOptions{}.seed;
};

Result<EvalArgs> parse_args(int argc, char** argv) {
  EvalArgs args;
  for (int k = 1; k < argc; ++k) {
    std::string name = argv[k];
    if (name == "--json") {
      args.json = true;
      continue;
    }
    if (k + 1 >= argc)
      return make_error(ErrorKind::invalid_request, "'" + name + "' needs a value");
    std::string value = argv[++k];
    if (name == "--model")
      args.model = value;
    else if (name == "--data")
      args.data = value;
    else if (name == "--prices")
      args.prices = value;
    else if (name == "--report")
      args.report = value;
    else if (name == "--bootstrap")
      args.bootstrap = std::atoi(value.c_str());
    else if (name == "--seed")
      args.seed = std::strtoull(value.c_str(), nullptr, 10);
    else
      return make_error(ErrorKind::invalid_request, "unknown option '" + name + "'");
  }
  if (args.model.empty() || args.data.empty())
    return make_error(ErrorKind::invalid_request, "eval needs --model and --data");
  if (args.bootstrap < 0) args.bootstrap = 0;
  return args;
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
  return out;
}

// Dataset column of each router model, by name.
Result<std::vector<int>> map_models(const RouterInfo& info, const RoutingDataset& data,
                                    const std::string& data_path) {
  std::vector<int> columns;
  std::vector<std::string> missing;
  for (const auto& model : info.models) {
    columns.push_back(data.model_index(model));
    if (columns.back() < 0) missing.push_back(model);
  }
  if (!missing.empty())
    return make_error(ErrorKind::invalid_request,
                      data_path + ": no scores for the router's models " + join(missing) +
                          " (the data has " + join(data.models) + ")");
  return columns;
}

Result<std::vector<double>> model_prices(const RouterInfo& info, const std::string& prices_path) {
  PriceMap prices = info.prices;
  if (!prices_path.empty()) {
    auto read = read_llm_candidates(prices_path);
    if (!read) return read.take_error();
    prices = std::move(read.value());
  }
  std::vector<double> out;
  std::vector<std::string> missing;
  for (const auto& model : info.models) {
    auto it = prices.find(model);
    if (it == prices.end()) missing.push_back(model);
    out.push_back(it == prices.end() ? 0.0 : blended_price(it->second));
  }
  if (!missing.empty())
    return make_error(
        ErrorKind::invalid_request,
        "no price for " + join(missing) +
            (prices_path.empty() ? " in the model; pass --prices" : " in " + prices_path));
  return out;
}

// Predictions and true scores for the examples scored on every router model.
Result<EvalInput> build_input(const Router& router, const RoutingDataset& data,
                              const std::vector<int>& columns, size_t& skipped) {
  const auto& models = router.info().models;
  std::vector<const RoutingExample*> usable;
  for (const auto& example : data.examples) {
    bool complete = true;
    for (int c : columns) complete = complete && !std::isnan(example.scores[c]);
    if (complete) usable.push_back(&example);
  }
  skipped = data.examples.size() - usable.size();
  if (usable.empty())
    return make_error(ErrorKind::invalid_request, "no example has a score for every router model");
  EvalInput in;
  in.models = models;
  in.truth = Matrix(usable.size(), models.size());
  in.predicted = Matrix(usable.size(), models.size());
  for (size_t i = 0; i < usable.size(); ++i) {
    auto predicted = router.predict(usable[i]->query);
    if (predicted.size() != models.size())
      return make_error(ErrorKind::internal, "router returned " + std::to_string(predicted.size()) +
                                                 " predictions for " +
                                                 std::to_string(models.size()) + " models");
    for (size_t j = 0; j < models.size(); ++j) {
      in.truth(i, j) = usable[i]->scores[columns[j]];
      in.predicted(i, j) = std::isnan(predicted[j]) ? 0.0 : predicted[j];
    }
  }
  return in;
}

Status write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.flush();
  if (!out) return make_error(ErrorKind::internal, path + ": cannot write");
  return ok_status();
}

// The plots go next to the report: eval.md -> eval.svg (+ eval-pgr.svg for pairs).
Status write_report(const EvalResult& r, const ReportContext& ctx, const std::string& path) {
  std::filesystem::path report(path);
  std::string stem = report.stem().string();
  std::string cost_plot = stem + ".svg", pgr_plot = r.pair ? stem + "-pgr.svg" : "";
  std::string title =
      ctx.router_type + " on " + std::filesystem::path(ctx.data_path).filename().string();
  auto status = write_file((report.parent_path() / cost_plot).string(),
                           cost_quality_svg(r, title + ": quality vs cost"));
  if (status && r.pair)
    status = write_file((report.parent_path() / pgr_plot).string(), pgr_svg(r, title + ": PGR"));
  if (status) status = write_file(path, eval_markdown(r, ctx, cost_plot, pgr_plot));
  return status;
}

void print_summary(const EvalResult& r) {
  const auto& best = r.models[r.best_single];
  std::printf("queries %zu\nrouter at cost weight 0: score %.4f, cost %.4f\n", r.n,
              r.score_at_zero.value, r.cost_at_zero);
  std::printf("best single %s: score %.4f, cost %.4f\noracle: score %.4f, cost %.4f\n",
              best.model.c_str(), best.mean_score, best.price, r.oracle.mean_score,
              r.oracle.mean_cost);
  std::printf("max mean score %.4f; gap closed %.3f; cost ratio at best single quality %.3f\n",
              r.max_mean_score.value, r.gap_closed.value,
              r.cost_ratio_at_best_single_quality.value);
  std::printf("AUC %.4f (oracle %.4f, random mix %.4f)\n", r.auc.value, r.oracle_auc,
              r.random_mix_auc);
  if (r.pair)
    std::printf("APGR %.4f (10 bins %.4f); CPT(50%%) %.3f; CPT(80%%) %.3f\n", r.pair->apgr.value,
                r.pair->apgr_10bin.value, r.pair->cpt50.value, r.pair->cpt80.value);
}

int fail(const std::string& message) {
  std::fprintf(stderr, "routeiq eval: %s\n", message.c_str());
  return 1;
}

}  // namespace

int run_eval(int argc, char** argv) {
  auto args = parse_args(argc, argv);
  if (!args) return fail(args.error().message + "\n" + kUsage);
  auto router = load_router(args->model);
  if (!router) return fail(router.error().message);
  const RouterInfo& info = router.value()->info();
  auto data = read_dataset_jsonl(args->data);
  if (!data) return fail(data.error().message);
  auto columns = map_models(info, *data, args->data);
  if (!columns) return fail(columns.error().message);
  auto prices = model_prices(info, args->prices);
  if (!prices) return fail(prices.error().message);
  ReportContext ctx{info.type, info.version, args->data, 0, args->bootstrap, args->seed};
  auto input = build_input(*router.value(), *data, *columns, ctx.skipped_examples);
  if (!input) return fail(input.error().message);
  input->price = std::move(prices.value());
  EvalOptions options;
  options.bootstrap_resamples = args->bootstrap;
  options.seed = args->seed;
  EvalResult result = evaluate(*input, options);
  if (!args->report.empty()) {
    auto status = write_report(result, ctx, args->report);
    if (!status) return fail(status.error().message);
  }
  if (args->json)
    std::printf("%s\n", eval_json(result, ctx).c_str());
  else
    print_summary(result);
  return 0;
}

}  // namespace routeiq::ml
