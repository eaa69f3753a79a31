// routeiq eval: runs a trained router over a scored dataset and reports the
// quality-cost trade-off against the baselines.
#include <algorithm>
#include <boost/json.hpp>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "routeiq/ml/cli.hpp"
#include "routeiq/ml/dataset.hpp"
#include "routeiq/ml/eval.hpp"
#include "routeiq/ml/eval_report.hpp"
#include "routeiq/ml/router.hpp"

namespace routeiq::ml {

namespace json = boost::json;

namespace {

constexpr const char* kUsage =
    "usage: routeiq eval --model DIR --data test.jsonl [--prices llm_candidates.json]\n"
    "                    [--save-predictions FILE] [--report eval.md] [--json]\n"
    "                    [--bootstrap N] [--seed S]\n"
    "       routeiq eval --predictions FILE... [--prices llm_candidates.json] [--report ...]\n"
    "                    (pools saved predictions, e.g. the folds of a cross-validation)\n";

struct EvalArgs {
  std::string model, data, prices, report, save_predictions;
  std::vector<std::string> predictions;
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
    if (name == "--predictions") {
      while (k + 1 < argc && std::strncmp(argv[k + 1], "--", 2) != 0)
        args.predictions.push_back(argv[++k]);
      continue;
    }
    std::string value = argv[++k];
    std::pair<const char*, std::string*> text_options[] = {
        {"--model", &args.model},
        {"--data", &args.data},
        {"--prices", &args.prices},
        {"--report", &args.report},
        {"--save-predictions", &args.save_predictions}};
    bool known = false;
    for (auto [option, field] : text_options)
      if (name == option) known = true, *field = value;
    if (name == "--bootstrap") known = true, args.bootstrap = std::atoi(value.c_str());
    if (name == "--seed") known = true, args.seed = std::strtoull(value.c_str(), nullptr, 10);
    if (!known) return make_error(ErrorKind::invalid_request, "unknown option '" + name + "'");
  }
  if (args.predictions.empty() && (args.model.empty() || args.data.empty()))
    return make_error(ErrorKind::invalid_request,
                      "eval needs --model and --data, or --predictions");
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

Result<std::vector<double>> model_prices(const std::vector<std::string>& models, PriceMap prices,
                                         const std::string& prices_path) {
  if (!prices_path.empty()) {
    auto read = read_llm_candidates(prices_path);
    if (!read) return read.take_error();
    prices = std::move(read.value());
  }
  std::vector<double> out;
  std::vector<std::string> missing;
  for (const auto& model : models) {
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

// Predictions and true scores, one row per query, with what they came from.
struct Predictions {
  EvalInput input;
  std::vector<std::string> ids, tasks;
  std::string router_type, router_version;
};

// Only examples scored on every router model can be evaluated.
std::vector<const RoutingExample*> complete_examples(const RoutingDataset& data,
                                                     const std::vector<int>& columns) {
  std::vector<const RoutingExample*> usable;
  for (const auto& example : data.examples) {
    bool complete = true;
    for (int c : columns) complete = complete && !std::isnan(example.scores[c]);
    if (complete) usable.push_back(&example);
  }
  return usable;
}

Result<Predictions> predict_all(const Router& router, const RoutingDataset& data,
                                const std::vector<int>& columns, size_t& skipped) {
  const auto& models = router.info().models;
  auto usable = complete_examples(data, columns);
  skipped = data.examples.size() - usable.size();
  if (usable.empty())
    return make_error(ErrorKind::invalid_request, "no example has a score for every router model");
  Predictions out{
      {models, Matrix(usable.size(), models.size()), Matrix(usable.size(), models.size()), {}},
      {},
      {},
      router.info().type,
      router.info().version};
  for (size_t i = 0; i < usable.size(); ++i) {
    auto predicted = router.predict(usable[i]->query);
    if (predicted.size() != models.size())
      return make_error(ErrorKind::internal, "router returned " + std::to_string(predicted.size()) +
                                                 " predictions for " +
                                                 std::to_string(models.size()) + " models");
    for (size_t j = 0; j < models.size(); ++j) {
      out.input.truth(i, j) = usable[i]->scores[columns[j]];
      out.input.predicted(i, j) = std::isnan(predicted[j]) ? 0.0 : predicted[j];
    }
    out.ids.push_back(usable[i]->id);
    out.tasks.push_back(usable[i]->task);
  }
  return out;
}

Result<Predictions> predictions_from_model(const EvalArgs& args, ReportContext& ctx) {
  auto router = load_router(args.model);
  if (!router) return router.take_error();
  const RouterInfo& info = router.value()->info();
  auto data = read_dataset_jsonl(args.data);
  if (!data) return data.take_error();
  auto columns = map_models(info, *data, args.data);
  if (!columns) return columns.take_error();
  auto predictions = predict_all(*router.value(), *data, *columns, ctx.skipped_examples);
  if (!predictions) return predictions.take_error();
  auto prices = model_prices(info.models, info.prices, args.prices);
  if (!prices) return prices.take_error();
  predictions->input.price = std::move(prices.value());
  return predictions;
}

json::array numbers(const Matrix& m, size_t row) {
  json::array out;
  for (size_t j = 0; j < m.cols; ++j) out.push_back(m(row, j));
  return out;
}

// JSONL: a header {"routeiq_predictions":1, router, version, models, prices}, then
// one {"id","task","predicted":[...],"scores":[...]} per query.
Status save_predictions(const Predictions& p, const std::string& path) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  json::array models(p.input.models.begin(), p.input.models.end());
  json::array prices(p.input.price.begin(), p.input.price.end());
  out << json::serialize(json::object{{"routeiq_predictions", 1},
                                      {"router", p.router_type},
                                      {"version", p.router_version},
                                      {"models", models},
                                      {"prices", prices}})
      << "\n";
  for (size_t i = 0; i < p.ids.size(); ++i)
    out << json::serialize(json::object{{"id", p.ids[i]},
                                        {"task", p.tasks[i]},
                                        {"predicted", numbers(p.input.predicted, i)},
                                        {"scores", numbers(p.input.truth, i)}})
        << "\n";
  out.flush();
  if (!out) return make_error(ErrorKind::internal, path + ": cannot write");
  return ok_status();
}

Result<std::vector<double>> number_list(const json::value* v, size_t size, const std::string& where,
                                        const char* key) {
  if (!v || !v->is_array() || (size && v->get_array().size() != size))
    return make_error(ErrorKind::invalid_request,
                      where + ": " + key + ": expected " + std::to_string(size) + " numbers");
  std::vector<double> out;
  for (const auto& x : v->get_array()) {
    if (!x.is_number())
      return make_error(ErrorKind::invalid_request, where + ": " + key + ": expected numbers");
    out.push_back(x.to_number<double>());
  }
  return out;
}

struct PredictionRow {
  std::string id, task;
  std::vector<double> predicted, scores;
};

Result<PredictionRow> parse_prediction_row(const std::string& line, size_t m,
                                           const std::string& where) {
  boost::system::error_code ec;
  json::value v = json::parse(line, ec);
  if (ec || !v.is_object()) return make_error(ErrorKind::invalid_request, where + ": invalid JSON");
  const auto& obj = v.get_object();
  PredictionRow row;
  if (auto* id = obj.if_contains("id"); id && id->is_string()) row.id = id->get_string();
  if (auto* task = obj.if_contains("task"); task && task->is_string())
    row.task = task->get_string();
  auto predicted = number_list(obj.if_contains("predicted"), m, where, "predicted");
  if (!predicted) return predicted.take_error();
  auto scores = number_list(obj.if_contains("scores"), m, where, "scores");
  if (!scores) return scores.take_error();
  row.predicted = std::move(predicted.value());
  row.scores = std::move(scores.value());
  return row;
}

// Header of a predictions file: router, models and prices.
Status read_header(const std::string& line, const std::string& where, Predictions& out) {
  boost::system::error_code ec;
  json::value v = json::parse(line, ec);
  if (ec || !v.is_object() || !v.get_object().contains("routeiq_predictions"))
    return make_error(ErrorKind::invalid_request, where + ": not a routeiq predictions file");
  const auto& obj = v.get_object();
  std::vector<std::string> models;
  if (auto* list = obj.if_contains("models"); list && list->is_array())
    for (const auto& name : list->get_array())
      if (name.is_string()) models.emplace_back(name.get_string());
  if (!out.input.models.empty() && models != out.input.models)
    return make_error(ErrorKind::invalid_request, where + ": models differ from the first file");
  auto prices = number_list(obj.if_contains("prices"), models.size(), where, "prices");
  if (!prices) return prices.take_error();
  out.input.models = std::move(models);
  if (out.input.price.empty()) out.input.price = std::move(prices.value());
  if (auto* type = obj.if_contains("router"); type && type->is_string())
    out.router_type = type->get_string();
  return ok_status();
}

Status append_predictions(const std::string& path, Predictions& out,
                          std::vector<PredictionRow>& rows) {
  std::ifstream in(path);
  if (!in) return make_error(ErrorKind::not_found, path + ": cannot open file");
  std::string line;
  std::string name = std::filesystem::path(path).filename().string();
  if (!std::getline(in, line)) return make_error(ErrorKind::invalid_request, name + ": empty");
  auto status = read_header(line, name + ": line 1", out);
  if (!status) return status;
  for (size_t number = 2; std::getline(in, line); ++number) {
    if (line.empty()) continue;
    auto row = parse_prediction_row(line, out.input.models.size(),
                                    name + ": line " + std::to_string(number));
    if (!row) return row.take_error();
    rows.push_back(std::move(row.value()));
  }
  return ok_status();
}

Result<Predictions> pooled_predictions(const EvalArgs& args) {
  Predictions out;
  std::vector<PredictionRow> rows;
  for (const auto& path : args.predictions) {
    auto status = append_predictions(path, out, rows);
    if (!status) return status.take_error();
  }
  if (rows.empty()) return make_error(ErrorKind::invalid_request, "no predictions");
  size_t m = out.input.models.size();
  out.input.predicted = Matrix(rows.size(), m);
  out.input.truth = Matrix(rows.size(), m);
  for (size_t i = 0; i < rows.size(); ++i) {
    for (size_t j = 0; j < m; ++j) {
      out.input.predicted(i, j) = rows[i].predicted[j];
      out.input.truth(i, j) = rows[i].scores[j];
    }
    out.ids.push_back(rows[i].id);
    out.tasks.push_back(rows[i].task);
  }
  out.router_version = "pooled from " + std::to_string(args.predictions.size()) + " files";
  if (!args.prices.empty()) {
    auto prices = model_prices(out.input.models, {}, args.prices);
    if (!prices) return prices.take_error();
    out.input.price = std::move(prices.value());
  }
  return out;
}

Status write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.flush();
  if (!out) return make_error(ErrorKind::internal, path + ": cannot write");
  return ok_status();
}

// The plots go next to the report: eval.md -> eval.svg (+ eval-pgr.svg for pairs).
// Per task: the router at cost weight 0 against the overall best single model, the
// best model on that task in hindsight, and the oracle.
std::string per_task_markdown(const Predictions& p, const EvalResult& r) {
  const EvalInput& in = p.input;
  std::vector<double> no_cost(in.models.size(), 0.0);
  struct Sums {
    size_t n = 0;
    double router = 0, oracle = 0;
    std::vector<double> model;
  };
  std::map<std::string, Sums> tasks;
  for (size_t i = 0; i < p.tasks.size(); ++i) {
    Sums& t = tasks[p.tasks[i]];
    t.model.resize(in.models.size(), 0.0);
    ++t.n;
    t.router += in.truth(i, choose_model(in.predicted, i, no_cost, 0.0));
    double best = 0;
    for (size_t j = 0; j < in.models.size(); ++j) {
      t.model[j] += in.truth(i, j);
      best = std::max(best, in.truth(i, j));
    }
    t.oracle += best;
  }
  if (tasks.size() < 2) return {};
  std::ostringstream md;
  md << "\n## Per task (cost weight 0)\n\n| task | n | router | " << r.models[r.best_single].model
     << " | best on the task | oracle |\n|---|---:|---:|---:|---|---:|\n";
  for (const auto& [task, t] : tasks) {
    size_t top = std::max_element(t.model.begin(), t.model.end()) - t.model.begin();
    double n = static_cast<double>(t.n);
    char line[512];
    std::snprintf(line, sizeof line, "| %s | %zu | %.3f | %.3f | %.3f (%s) | %.3f |\n",
                  task.c_str(), t.n, t.router / n, t.model[r.best_single] / n, t.model[top] / n,
                  in.models[top].c_str(), t.oracle / n);
    md << line;
  }
  return md.str();
}

Status write_report(const EvalResult& r, const ReportContext& ctx, const std::string& path,
                    const std::string& appendix) {
  std::filesystem::path report(path);
  std::error_code ec;
  if (report.has_parent_path()) std::filesystem::create_directories(report.parent_path(), ec);
  std::string stem = report.stem().string();
  std::string cost_plot = stem + ".svg", pgr_plot = r.pair ? stem + "-pgr.svg" : "";
  std::string title =
      ctx.router_type + " on " + std::filesystem::path(ctx.data_path).filename().string();
  auto status = write_file((report.parent_path() / cost_plot).string(),
                           cost_quality_svg(r, title + ": quality vs cost"));
  if (status && r.pair)
    status = write_file((report.parent_path() / pgr_plot).string(), pgr_svg(r, title + ": PGR"));
  if (status) status = write_file(path, eval_markdown(r, ctx, cost_plot, pgr_plot) + appendix);
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
  ReportContext ctx;
  ctx.bootstrap_resamples = args->bootstrap;
  ctx.seed = args->seed;
  ctx.data_path = args->predictions.empty() ? args->data : args->predictions.front();
  auto predictions =
      args->predictions.empty() ? predictions_from_model(*args, ctx) : pooled_predictions(*args);
  if (!predictions) return fail(predictions.error().message);
  ctx.router_type = predictions->router_type;
  ctx.router_version = predictions->router_version;
  if (!args->save_predictions.empty()) {
    auto status = save_predictions(*predictions, args->save_predictions);
    if (!status) return fail(status.error().message);
  }
  EvalOptions options;
  options.bootstrap_resamples = args->bootstrap;
  options.seed = args->seed;
  EvalResult result = evaluate(predictions->input, options);
  if (!args->report.empty()) {
    auto status = write_report(result, ctx, args->report, per_task_markdown(*predictions, result));
    if (!status) return fail(status.error().message);
  }
  if (args->json)
    std::printf("%s\n", eval_json(result, ctx).c_str());
  else
    print_summary(result);
  return 0;
}

}  // namespace routeiq::ml
