// RouteLLM (github.com/lm-sys/RouteLLM) benchmark CSVs: a `prompt` column and
// one column per model holding True/False (answer correct). One file per task.
// The GSM8K files also carry each model's answer text in a `<model>_response`
// column; those columns are skipped.
#include <algorithm>
#include <cmath>
#include <filesystem>

#include "routeiq/ml/csv.hpp"
#include "routeiq/ml/dataset.hpp"
#include "routeiq/ml/import_util.hpp"

namespace routeiq::ml {

using detail::data_error;

namespace {

// mmlu_<subject>.csv -> <subject>; any other file: its name without .csv.
std::string task_from_file(const std::string& path) {
  std::string stem = std::filesystem::path(path).stem().string();
  constexpr std::string_view kMmluPrefix = "mmlu_";
  if (stem.size() > kMmluPrefix.size() && stem.compare(0, kMmluPrefix.size(), kMmluPrefix) == 0)
    return stem.substr(kMmluPrefix.size());
  return stem;
}

// True/False as RouteLLM writes them; numbers in [0,1] too; empty = unknown.
Result<double> parse_correctness(const std::string& text, std::string_view source,
                                 const CsvRecord& record, size_t field, const std::string& model) {
  if (text == "True" || text == "true" || text == "TRUE") return 1.0;
  if (text == "False" || text == "false" || text == "FALSE") return 0.0;
  if (text.empty()) return static_cast<double>(NAN);
  char* end = nullptr;
  double x = std::strtod(text.c_str(), &end);
  if (end == text.c_str() + text.size() && x >= 0.0 && x <= 1.0) return x;
  return data_error(source,
                    "line " + std::to_string(record.line) + ": field " + std::to_string(field),
                    model + ": expected True, False or a number in [0,1], got \"" + text + "\"");
}

}  // namespace

Status import_routellm_csv_text(std::string_view text, const std::string& path,
                                RoutingDataset& data) {
  std::string source = detail::file_name(path);
  auto records = parse_csv(text, source);
  if (!records) return records.take_error();
  if (records->empty()) return data_error(source, "line 1", "missing header");
  const auto& header = records->front().fields;
  if (header.size() < 2 || header[0] != "prompt")
    return data_error(source, "line 1", "expected header `prompt,<model>,...`");
  std::vector<int> model_of_column(header.size(), -1);
  constexpr std::string_view kResponse = "_response";
  auto is_response = [&](const std::string& h) {
    return h.size() > kResponse.size() &&
           h.compare(h.size() - kResponse.size(), kResponse.size(), kResponse) == 0;
  };
  for (size_t c = 1; c < header.size(); ++c) {
    if (is_response(header[c])) continue;
    if (data.model_index(header[c]) < 0) {
      data.models.push_back(header[c]);
      for (auto& example : data.examples) example.scores.push_back(NAN);
    }
    model_of_column[c] = data.model_index(header[c]);
  }
  if (std::none_of(model_of_column.begin(), model_of_column.end(), [](int m) { return m >= 0; }))
    return data_error(source, "line 1", "no model columns (only `*_response` text)");
  std::string task = task_from_file(path);
  std::string stem = std::filesystem::path(path).stem().string();
  for (size_t r = 1; r < records->size(); ++r) {
    const CsvRecord& record = records.value()[r];
    if (record.fields.size() != header.size())
      return data_error(source, "line " + std::to_string(record.line),
                        "expected " + std::to_string(header.size()) + " fields, got " +
                            std::to_string(record.fields.size()));
    RoutingExample example{stem + "-" + std::to_string(r - 1), record.fields[0], task,
                           std::vector<double>(data.models.size(), NAN)};
    for (size_t c = 1; c < header.size(); ++c) {
      if (model_of_column[c] < 0) continue;
      auto score = parse_correctness(record.fields[c], source, record, c + 1, header[c]);
      if (!score) return score.take_error();
      example.scores[model_of_column[c]] = score.value();
    }
    data.examples.push_back(std::move(example));
  }
  return ok_status();
}

namespace {

Status import_file(const std::string& path, RoutingDataset& data) {
  auto text = detail::read_text_file(path);
  if (!text) return text.take_error();
  return import_routellm_csv_text(*text, path, data);
}

// A directory stands for the *.csv files in it, in name order.
Result<std::vector<std::string>> expand_paths(const std::vector<std::string>& paths) {
  std::vector<std::string> files;
  for (const auto& path : paths) {
    std::error_code ec;
    if (!std::filesystem::is_directory(path, ec)) {
      files.push_back(path);
      continue;
    }
    std::vector<std::string> found;
    for (const auto& entry : std::filesystem::directory_iterator(path, ec))
      if (entry.path().extension() == ".csv") found.push_back(entry.path().string());
    if (ec) return make_error(ErrorKind::not_found, path + ": " + ec.message());
    if (found.empty()) return make_error(ErrorKind::not_found, path + ": no .csv files");
    std::sort(found.begin(), found.end());
    files.insert(files.end(), found.begin(), found.end());
  }
  return files;
}

}  // namespace

Result<RoutingDataset> import_routellm_csv(const std::vector<std::string>& csv_paths) {
  auto files = expand_paths(csv_paths);
  if (!files) return files.take_error();
  if (files->empty()) return make_error(ErrorKind::invalid_request, "no CSV files given");
  RoutingDataset data;
  for (const auto& file : files.value()) {
    auto status = import_file(file, data);
    if (!status) return status.take_error();
  }
  return data;
}

}  // namespace routeiq::ml
