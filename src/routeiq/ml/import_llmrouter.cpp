// LLMRouter (github.com/ulab-uiuc/LLMRouter) routing data: train.json holds
// {"question", "scores": {model: quality}, "cluster_id"} records whose score
// keys come in a different order per record; query_train.jsonl holds the same
// queries with their task_name. The two are joined on the query text.
#include <algorithm>
#include <boost/json.hpp>
#include <map>
#include <set>
#include <unordered_map>

#include "routeiq/ml/dataset.hpp"
#include "routeiq/ml/import_util.hpp"

namespace routeiq::ml {

namespace json = boost::json;
using detail::data_error;

namespace {

struct ScoredQuery {
  std::string question;
  std::map<std::string, double, std::less<>> scores;
};

Result<ScoredQuery> parse_scored_record(const json::value& v, std::string_view source,
                                        const std::string& where) {
  if (!v.is_object()) return data_error(source, where, "expected an object");
  const auto& obj = v.get_object();
  const json::value* question = obj.if_contains("question");
  if (!question || !question->is_string())
    return data_error(source, where, "question: expected a string");
  const json::value* scores = obj.if_contains("scores");
  if (!scores || !scores->is_object())
    return data_error(source, where, "scores: expected an object of model: quality");
  ScoredQuery record{std::string(question->get_string()), {}};
  for (const auto& [model, value] : scores->get_object()) {
    auto score = detail::score_from_json(value, source, where, "scores." + std::string(model));
    if (!score) return score.take_error();
    record.scores.emplace(std::string(model), score.value());
  }
  if (record.scores.empty()) return data_error(source, where, "scores: empty");
  return record;
}

Result<std::vector<ScoredQuery>> read_scores(const std::string& path) {
  auto text = detail::read_text_file(path);
  if (!text) return text.take_error();
  std::string source = detail::file_name(path);
  auto parsed = detail::parse_json(text.value(), source);
  if (!parsed) return parsed.take_error();
  if (!parsed->is_array()) return data_error(source, "", "expected a JSON array of records");
  std::vector<ScoredQuery> records;
  const auto& array = parsed->get_array();
  for (size_t i = 0; i < array.size(); ++i) {
    auto record = parse_scored_record(array[i], source, "record " + std::to_string(i));
    if (!record) return record.take_error();
    records.push_back(std::move(record.value()));
  }
  return records;
}

struct QueryTasks {
  std::unordered_map<std::string, std::string> task_of;
  size_t duplicates = 0;
  size_t conflicts = 0;
};

Status add_query_line(std::string_view line, std::string_view source, size_t line_number,
                      QueryTasks& out) {
  std::string where = "line " + std::to_string(line_number);
  auto parsed = detail::parse_json(line, source, where);
  if (!parsed) return parsed.take_error();
  if (!parsed->is_object()) return data_error(source, where, "expected a JSON object");
  const auto& obj = parsed->get_object();
  const json::value* query = obj.if_contains("query");
  if (!query || !query->is_string()) return data_error(source, where, "query: expected a string");
  const json::value* task = obj.if_contains("task_name");
  if (!task || !task->is_string()) return data_error(source, where, "task_name: expected a string");
  auto [it, inserted] =
      out.task_of.emplace(std::string(query->get_string()), std::string(task->get_string()));
  if (!inserted) {
    ++out.duplicates;
    if (it->second != task->get_string()) ++out.conflicts;
  }
  return ok_status();
}

Result<QueryTasks> read_query_tasks(const std::string& path) {
  auto text = detail::read_text_file(path);
  if (!text) return text.take_error();
  std::string source = detail::file_name(path);
  QueryTasks tasks;
  std::string_view rest = text.value();
  for (size_t line_number = 1; !rest.empty(); ++line_number) {
    size_t end = rest.find('\n');
    std::string_view line = rest.substr(0, end);
    rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    auto status = add_query_line(line, source, line_number, tasks);
    if (!status) return status.take_error();
  }
  return tasks;
}

std::vector<std::string> all_models(const std::vector<ScoredQuery>& records) {
  std::set<std::string> models;
  for (const auto& record : records)
    for (const auto& [model, score] : record.scores) models.insert(model);
  return {models.begin(), models.end()};
}

}  // namespace

Result<RoutingDataset> import_llmrouter(const std::string& scores_json,
                                        const std::string& queries_jsonl, ImportReport* report) {
  auto records = read_scores(scores_json);
  if (!records) return records.take_error();
  auto tasks = read_query_tasks(queries_jsonl);
  if (!tasks) return tasks.take_error();
  RoutingDataset data;
  data.models = all_models(records.value());
  ImportReport counts;
  std::set<std::string_view> matched;
  for (size_t i = 0; i < records->size(); ++i) {
    auto& record = records.value()[i];
    RoutingExample example;
    example.id = "llmrouter-" + std::to_string(i);
    if (auto it = tasks->task_of.find(record.question); it != tasks->task_of.end()) {
      example.task = it->second;
      matched.insert(it->first);
    } else {
      ++counts.untasked_examples;
    }
    example.scores.assign(data.models.size(), NAN);
    for (const auto& [model, score] : record.scores)  // by name: the key order varies
      example.scores[data.model_index(model)] = score;
    example.query = std::move(record.question);
    data.examples.push_back(std::move(example));
  }
  counts.examples = data.examples.size();
  counts.unmatched_queries = tasks->task_of.size() - matched.size();
  counts.duplicate_queries = tasks->duplicates;
  counts.conflicting_tasks = tasks->conflicts;
  if (report) *report = counts;
  return data;
}

Result<RoutingDataset> import_llmrouter(const std::string& scores_json,
                                        const std::string& queries_jsonl) {
  return import_llmrouter(scores_json, queries_jsonl, nullptr);
}

}  // namespace routeiq::ml
