#pragma once
// The canonical routing dataset: queries with the measured quality of each
// candidate model, plus model prices. Everything the learned routers train on.
#include <cmath>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "routeiq/core/error.hpp"

namespace routeiq::ml {

struct RoutingExample {
  std::string id;
  std::string query;
  std::string task;            // optional task family ("math", "mmlu", ...)
  std::vector<double> scores;  // quality in [0,1] per RoutingDataset::models; NaN = unknown
};

struct RoutingDataset {
  std::vector<std::string> models;
  std::vector<RoutingExample> examples;

  // Index of a model in `models`, or -1.
  int model_index(std::string_view name) const;
};

// USD per million tokens, as in LLMRouter's llm_candidates.json.
struct ModelPrice {
  double input_per_million = 0;
  double output_per_million = 0;
  std::string size;  // e.g. "7B", informational
};
using PriceMap = std::map<std::string, ModelPrice, std::less<>>;

// JSONL, one object per line: {"id","query","task","scores":{model: quality}}.
Result<RoutingDataset> read_dataset_jsonl(const std::string& path);
Status write_dataset_jsonl(const RoutingDataset& data, const std::string& path);

// LLMRouter's llm_candidates.json: {model: {input_price, output_price, size, ...}}.
Result<PriceMap> read_llm_candidates(const std::string& path);

// LLMRouter: train.json (scores) joined on the query text with query_train.jsonl (task_name).
Result<RoutingDataset> import_llmrouter(const std::string& scores_json,
                                        const std::string& queries_jsonl);

// RouteLLM per-benchmark CSVs: prompt + one True/False column per model. The
// task of each row is taken from the file name (mmlu_<subject>.csv -> <subject>).
Result<RoutingDataset> import_routellm_csv(const std::vector<std::string>& csv_paths);
// One such file already in memory, appended to `data`; `path` gives the task and
// names the file in errors. What import_routellm_csv does per file (and the fuzzer calls).
Status import_routellm_csv_text(std::string_view text, const std::string& path,
                                RoutingDataset& data);

// What an importer joined, skipped or resolved, for the CLI to report.
struct ImportReport {
  size_t examples = 0;           // examples produced
  size_t unmatched_queries = 0;  // query rows with no scores: skipped
  size_t duplicate_queries = 0;  // query rows repeating an earlier query text: first one kept
  size_t conflicting_tasks = 0;  // ... of which name a different task than the first
  size_t untasked_examples = 0;  // scored records with no query row: task left empty
};
Result<RoutingDataset> import_llmrouter(const std::string& scores_json,
                                        const std::string& queries_jsonl, ImportReport* report);

// Mean of input and output price, the cost of a query when its token counts are unknown.
double blended_price(const ModelPrice& price);

// Train/test splits. Tasks are whole: no task appears on both sides of a task split.
struct DatasetSplit {
  RoutingDataset train;
  RoutingDataset test;
};
std::vector<std::string> dataset_tasks(const RoutingDataset& data);  // sorted, unique
DatasetSplit split_by_tasks(const RoutingDataset& data, const std::vector<std::string>& test_tasks);
// Tasks shuffled with `seed` and dealt round-robin into `folds` folds; fold `fold` is the test
// side.
DatasetSplit split_task_fold(const RoutingDataset& data, int folds, int fold, uint64_t seed);
// round(n * test_fraction) examples, picked by a shuffle seeded with `seed`, form the test side.
DatasetSplit split_random(const RoutingDataset& data, double test_fraction, uint64_t seed);

}  // namespace routeiq::ml
