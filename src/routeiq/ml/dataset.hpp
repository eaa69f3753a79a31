#pragma once
// The canonical routing dataset: queries with the measured quality of each
// candidate model, plus model prices. Everything the learned routers train on.
#include <cmath>
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
Result<RoutingDataset> import_llmrouter(const std::string& scores_json, const std::string& queries_jsonl);

// RouteLLM per-benchmark CSVs: prompt + one True/False column per model. The
// task of each row is taken from the file name (mmlu_<subject>.csv -> <subject>).
Result<RoutingDataset> import_routellm_csv(const std::vector<std::string>& csv_paths);

}  // namespace routeiq::ml
