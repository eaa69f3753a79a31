// Dataset CSVs are downloaded files: parse_csv and the RouteLLM importer must
// give records or an Error for any bytes. What parses must read back the same
// when every field is written quoted, and every imported example must carry a
// score slot per model.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "routeiq/ml/csv.hpp"
#include "routeiq/ml/dataset.hpp"

using namespace routeiq::ml;

namespace {

std::string quoted(const std::vector<CsvRecord>& records) {
  std::string out;
  for (const auto& r : records) {
    for (size_t i = 0; i < r.fields.size(); ++i) {
      out += i ? ",\"" : "\"";
      for (char c : r.fields[i]) out += c == '"' ? std::string("\"\"") : std::string(1, c);
      out += '"';
    }
    out += "\r\n";
  }
  return out;
}

void check_round_trip(const std::vector<CsvRecord>& records) {
  auto again = parse_csv(quoted(records), "quoted.csv");
  if (!again || again->size() != records.size()) std::abort();
  for (size_t r = 0; r < records.size(); ++r)
    if ((*again)[r].fields != records[r].fields) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto records = parse_csv(text, "fuzz.csv");
  if (records) check_round_trip(*records);
  RoutingDataset dataset;
  if (!import_routellm_csv_text(text, "mmlu_fuzz.csv", dataset)) return 0;
  for (const auto& e : dataset.examples)
    if (e.scores.size() != dataset.models.size() || e.task != "fuzz") std::abort();
  return 0;
}
