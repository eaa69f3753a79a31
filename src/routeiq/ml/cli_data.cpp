// routeiq import / routeiq split.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include "routeiq/ml/cli.hpp"
#include "routeiq/ml/dataset.hpp"

namespace routeiq::ml {

namespace {

// `--name value` options; a name listed in `multi` takes every value up to the next `--`.
struct Options {
  std::map<std::string, std::vector<std::string>> values;
  std::string error;

  bool has(const std::string& name) const { return values.count(name) > 0; }
  std::string get(const std::string& name, const std::string& fallback = {}) const {
    auto it = values.find(name);
    return it == values.end() || it->second.empty() ? fallback : it->second.front();
  }
};

Options parse_options(int argc, char** argv, int first, const std::vector<std::string>& flags,
                      const std::vector<std::string>& multi) {
  Options options;
  for (int k = first; k < argc; ++k) {
    std::string name = argv[k];
    if (name.rfind("--", 0) != 0) {
      options.error = "unexpected argument '" + name + "'";
      return options;
    }
    name = name.substr(2);
    auto& slot = options.values[name];
    if (std::find(flags.begin(), flags.end(), name) != flags.end()) continue;
    bool many = std::find(multi.begin(), multi.end(), name) != multi.end();
    while (k + 1 < argc && std::string(argv[k + 1]).rfind("--", 0) != 0) {
      slot.push_back(argv[++k]);
      if (!many) break;
    }
    if (slot.empty()) {
      options.error = "--" + name + " needs a value";
      return options;
    }
  }
  return options;
}

int fail(const std::string& message) {
  std::fprintf(stderr, "routeiq: %s\n", message.c_str());
  return 1;
}

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> items;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    if (comma == std::string::npos) comma = text.size();
    if (comma > start) items.push_back(text.substr(start, comma - start));
    start = comma + 1;
  }
  return items;
}

void print_summary(const RoutingDataset& data, const std::string& out) {
  std::fprintf(stderr, "wrote %zu examples, %zu models, %zu tasks to %s\n", data.examples.size(),
               data.models.size(), dataset_tasks(data).size(), out.c_str());
}

// Every model should have a price before training or evaluating; say so early.
Status check_prices(const RoutingDataset& data, const std::string& prices_path) {
  auto prices = read_llm_candidates(prices_path);
  if (!prices) return prices.take_error();
  std::string missing;
  for (const auto& model : data.models) {
    auto it = prices->find(model);
    if (it == prices->end()) {
      missing += (missing.empty() ? "" : ", ") + model;
      continue;
    }
    std::fprintf(stderr, "  %-40s %8.3f USD per million tokens\n", model.c_str(),
                 blended_price(it->second));
  }
  if (!missing.empty())
    return make_error(ErrorKind::invalid_request, prices_path + ": no price for " + missing);
  return ok_status();
}

constexpr const char* kImportUsage =
    "usage: routeiq import llmrouter --scores train.json --queries query_train.jsonl\n"
    "                                [--prices llm_candidates.json] --out data.jsonl\n"
    "       routeiq import routellm --csv DIR_OR_FILES... --out data.jsonl\n";

int import_llmrouter_command(const Options& options) {
  if (!options.has("scores") || !options.has("queries") || !options.has("out"))
    return fail(std::string("import llmrouter needs --scores, --queries and --out\n") +
                kImportUsage);
  ImportReport report;
  auto data = import_llmrouter(options.get("scores"), options.get("queries"), &report);
  if (!data) return fail(data.error().message);
  std::fprintf(stderr,
               "joined %zu scored queries; skipped %zu query rows without scores; %zu duplicate "
               "query rows (%zu naming another task: first kept); %zu scored queries without a "
               "task\n",
               report.examples, report.unmatched_queries, report.duplicate_queries,
               report.conflicting_tasks, report.untasked_examples);
  if (options.has("prices")) {
    auto status = check_prices(*data, options.get("prices"));
    if (!status) return fail(status.error().message);
  }
  auto status = write_dataset_jsonl(*data, options.get("out"));
  if (!status) return fail(status.error().message);
  print_summary(*data, options.get("out"));
  return 0;
}

int import_routellm_command(const Options& options) {
  if (!options.has("csv") || !options.has("out"))
    return fail(std::string("import routellm needs --csv and --out\n") + kImportUsage);
  auto data = import_routellm_csv(options.values.at("csv"));
  if (!data) return fail(data.error().message);
  auto status = write_dataset_jsonl(*data, options.get("out"));
  if (!status) return fail(status.error().message);
  print_summary(*data, options.get("out"));
  return 0;
}

}  // namespace

int run_import(int argc, char** argv) {
  if (argc < 2) return fail(std::string("import needs a source\n") + kImportUsage);
  std::string source = argv[1];
  Options options = parse_options(argc, argv, 2, {}, {"csv"});
  if (!options.error.empty()) return fail(options.error + "\n" + kImportUsage);
  if (source == "llmrouter") return import_llmrouter_command(options);
  if (source == "routellm") return import_routellm_command(options);
  return fail("unknown import source '" + source + "' (llmrouter, routellm)\n" + kImportUsage);
}

namespace {

constexpr const char* kSplitUsage =
    "usage: routeiq split --data data.jsonl --list-tasks\n"
    "       routeiq split --data data.jsonl --train train.jsonl --test test.jsonl\n"
    "                     (--holdout-tasks a,b | --folds K --fold I [--seed S]\n"
    "                      | --test-fraction F [--seed S])\n";

int list_tasks(const RoutingDataset& data) {
  std::map<std::string, size_t> counts;
  for (const auto& example : data.examples) ++counts[example.task];
  for (const auto& [task, count] : counts) std::printf("%s\t%zu\n", task.c_str(), count);
  return 0;
}

Result<DatasetSplit> make_split(const RoutingDataset& data, const Options& options) {
  uint64_t seed = std::strtoull(options.get("seed", "42").c_str(), nullptr, 10);
  if (options.has("holdout-tasks")) {
    auto tasks = split_list(options.get("holdout-tasks"));
    auto known = dataset_tasks(data);
    for (const auto& task : tasks)
      if (std::find(known.begin(), known.end(), task) == known.end())
        return make_error(ErrorKind::invalid_request, "no task named '" + task + "' in the data");
    return split_by_tasks(data, tasks);
  }
  if (options.has("folds")) {
    int folds = std::atoi(options.get("folds").c_str());
    int fold = std::atoi(options.get("fold", "0").c_str());
    if (folds < 2 || fold < 0 || fold >= folds)
      return make_error(ErrorKind::invalid_request, "need --folds K >= 2 and 0 <= --fold < K");
    return split_task_fold(data, folds, fold, seed);
  }
  if (options.has("test-fraction")) {
    double fraction = std::atof(options.get("test-fraction").c_str());
    if (!(fraction > 0 && fraction < 1))
      return make_error(ErrorKind::invalid_request, "--test-fraction must be in (0,1)");
    return split_random(data, fraction, seed);
  }
  return make_error(ErrorKind::invalid_request,
                    "choose --holdout-tasks, --folds or --test-fraction");
}

}  // namespace

int run_split(int argc, char** argv) {
  Options options = parse_options(argc, argv, 1, {"list-tasks"}, {});
  if (!options.error.empty()) return fail(options.error + "\n" + kSplitUsage);
  if (!options.has("data")) return fail(std::string("split needs --data\n") + kSplitUsage);
  auto data = read_dataset_jsonl(options.get("data"));
  if (!data) return fail(data.error().message);
  if (options.has("list-tasks")) return list_tasks(*data);
  if (!options.has("train") || !options.has("test"))
    return fail(std::string("split needs --train and --test\n") + kSplitUsage);
  auto split = make_split(*data, options);
  if (!split) return fail(split.error().message + "\n" + kSplitUsage);
  for (auto [part, path] : {std::pair{&split->train, options.get("train")},
                            std::pair{&split->test, options.get("test")}}) {
    auto status = write_dataset_jsonl(*part, path);
    if (!status) return fail(status.error().message);
    print_summary(*part, path);
  }
  return 0;
}

}  // namespace routeiq::ml
