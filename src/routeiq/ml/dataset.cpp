#include "routeiq/ml/dataset.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <fstream>
#include <numeric>
#include <random>
#include <set>

#include "routeiq/ml/import_util.hpp"

namespace routeiq::ml {

namespace json = boost::json;
using detail::data_error;

int RoutingDataset::model_index(std::string_view name) const {
  auto it = std::find(models.begin(), models.end(), name);
  return it == models.end() ? -1 : static_cast<int>(it - models.begin());
}

double blended_price(const ModelPrice& price) {
  return (price.input_per_million + price.output_per_million) / 2.0;
}

namespace {

// The JSONL reader grows the model list as new names appear; earlier rows get NaN.
int intern_model(RoutingDataset& data, std::string_view name) {
  int index = data.model_index(name);
  if (index >= 0) return index;
  data.models.emplace_back(name);
  for (auto& example : data.examples) example.scores.push_back(NAN);
  return static_cast<int>(data.models.size() - 1);
}

Result<std::string> string_field(const json::object& obj, std::string_view key, bool required,
                                 std::string_view source, std::string_view where) {
  const json::value* v = obj.if_contains(key);
  if (!v || v->is_null()) {
    if (!required) return std::string();
    return data_error(source, where, std::string(key) + ": missing");
  }
  if (!v->is_string())
    return data_error(source, where,
                      std::string(key) + ": expected a string, got " + detail::describe(*v));
  return std::string(v->get_string());
}

Status parse_jsonl_line(std::string_view line, std::string_view source, size_t line_number,
                        RoutingDataset& data) {
  std::string where = "line " + std::to_string(line_number);
  auto parsed = detail::parse_json(line, source, where);
  if (!parsed) return parsed.take_error();
  if (!parsed->is_object()) return data_error(source, where, "expected a JSON object");
  const auto& obj = parsed->get_object();
  RoutingExample example;
  auto id = string_field(obj, "id", true, source, where);
  auto query = string_field(obj, "query", true, source, where);
  auto task = string_field(obj, "task", false, source, where);
  if (!id) return id.take_error();
  if (!query) return query.take_error();
  if (!task) return task.take_error();
  example.id = std::move(id.value());
  example.query = std::move(query.value());
  example.task = std::move(task.value());
  const json::value* scores = obj.if_contains("scores");
  if (!scores || !scores->is_object())
    return data_error(source, where, "scores: expected an object of model: quality");
  std::vector<std::pair<int, double>> values;
  for (const auto& [model, value] : scores->get_object()) {
    int index = intern_model(data, model);
    if (value.is_null()) continue;  // unknown quality
    auto score = detail::score_from_json(value, source, where, "scores." + std::string(model));
    if (!score) return score.take_error();
    values.emplace_back(index, score.value());
  }
  example.scores.assign(data.models.size(), NAN);
  for (auto [index, score] : values) example.scores[index] = score;
  data.examples.push_back(std::move(example));
  return ok_status();
}

std::string json_string(std::string_view s) {
  return json::serialize(json::string(s));
}

}  // namespace

Result<RoutingDataset> read_dataset_jsonl(const std::string& path) {
  auto text = detail::read_text_file(path);
  if (!text) return text.take_error();
  std::string source = detail::file_name(path);
  RoutingDataset data;
  std::set<std::string, std::less<>> ids;
  std::string_view rest = text.value();
  for (size_t line_number = 1; !rest.empty(); ++line_number) {
    size_t end = rest.find('\n');
    std::string_view line = rest.substr(0, end);
    rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    auto status = parse_jsonl_line(line, source, line_number, data);
    if (!status) return status.take_error();
    if (!ids.insert(data.examples.back().id).second)
      return data_error(source, "line " + std::to_string(line_number),
                        "id: duplicate id " + json_string(data.examples.back().id));
  }
  return data;
}

Status write_dataset_jsonl(const RoutingDataset& data, const std::string& path) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) return make_error(ErrorKind::internal, path + ": cannot open for writing");
  for (const auto& example : data.examples) {
    out << "{\"id\":" << json_string(example.id) << ",\"query\":" << json_string(example.query)
        << ",\"task\":" << json_string(example.task) << ",\"scores\":{";
    bool first = true;
    for (size_t m = 0; m < data.models.size() && m < example.scores.size(); ++m) {
      if (std::isnan(example.scores[m])) continue;  // unknown: omitted
      out << (first ? "" : ",") << json_string(data.models[m]) << ':'
          << detail::format_number(example.scores[m]);
      first = false;
    }
    out << "}}\n";
  }
  out.flush();
  if (!out) return make_error(ErrorKind::internal, path + ": write error");
  return ok_status();
}

namespace {

Result<double> price_field(const json::object& entry, std::string_view key, std::string_view source,
                           const std::string& model) {
  const json::value* v = entry.if_contains(key);
  double x = NAN;
  if (v && v->is_number()) x = v->to_number<double>();
  if (!(x >= 0.0))
    return data_error(source, model + "." + std::string(key),
                      "expected a non-negative number, got " +
                          (v ? detail::describe(*v) : std::string("nothing")));
  return x;
}

}  // namespace

Result<PriceMap> read_llm_candidates(const std::string& path) {
  auto text = detail::read_text_file(path);
  if (!text) return text.take_error();
  std::string source = detail::file_name(path);
  auto parsed = detail::parse_json(text.value(), source);
  if (!parsed) return parsed.take_error();
  if (!parsed->is_object()) return data_error(source, "", "expected an object of model: entry");
  PriceMap prices;
  for (const auto& [name, entry] : parsed->get_object()) {
    std::string model(name);
    if (!entry.is_object()) return data_error(source, model, "expected an object");
    const auto& obj = entry.get_object();
    auto input = price_field(obj, "input_price", source, model);
    if (!input) return input.take_error();
    auto output = price_field(obj, "output_price", source, model);
    if (!output) return output.take_error();
    ModelPrice price{input.value(), output.value(), {}};
    if (const auto* size = obj.if_contains("size"); size && size->is_string())
      price.size = std::string(size->get_string());
    prices.emplace(std::move(model), std::move(price));
  }
  return prices;
}

std::vector<std::string> dataset_tasks(const RoutingDataset& data) {
  std::set<std::string> tasks;
  for (const auto& example : data.examples) tasks.insert(example.task);
  return {tasks.begin(), tasks.end()};
}

namespace {

// Fisher-Yates with mt19937_64, whose output the standard fixes, so a seed gives
// the same split on every platform (std::shuffle's draws are library-specific).
template <class T>
void seeded_shuffle(std::vector<T>& items, uint64_t seed) {
  std::mt19937_64 rng(seed);
  for (size_t i = items.size(); i > 1; --i) std::swap(items[i - 1], items[rng() % i]);
}

template <class InTest>
DatasetSplit split_where(const RoutingDataset& data, InTest in_test) {
  DatasetSplit split;
  split.train.models = data.models;
  split.test.models = data.models;
  for (size_t i = 0; i < data.examples.size(); ++i)
    (in_test(i) ? split.test : split.train).examples.push_back(data.examples[i]);
  return split;
}

}  // namespace

DatasetSplit split_by_tasks(const RoutingDataset& data,
                            const std::vector<std::string>& test_tasks) {
  std::set<std::string, std::less<>> held_out(test_tasks.begin(), test_tasks.end());
  return split_where(data, [&](size_t i) { return held_out.count(data.examples[i].task) > 0; });
}

DatasetSplit split_task_fold(const RoutingDataset& data, int folds, int fold, uint64_t seed) {
  auto tasks = dataset_tasks(data);
  seeded_shuffle(tasks, seed);
  std::vector<std::string> held_out;
  for (size_t t = 0; t < tasks.size(); ++t)
    if (folds > 0 && static_cast<int>(t % folds) == fold) held_out.push_back(tasks[t]);
  return split_by_tasks(data, held_out);
}

DatasetSplit split_random(const RoutingDataset& data, double test_fraction, uint64_t seed) {
  size_t n = data.examples.size();
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  seeded_shuffle(order, seed);
  size_t test_count = static_cast<size_t>(std::llround(std::clamp(test_fraction, 0.0, 1.0) * n));
  std::vector<bool> in_test(n, false);
  for (size_t k = 0; k < test_count; ++k) in_test[order[k]] = true;
  return split_where(data, [&](size_t i) { return in_test[i]; });
}

}  // namespace routeiq::ml
