#pragma once
// RFC 4180 CSV: comma-separated fields, CRLF or LF record ends, fields in
// double quotes may hold commas, line breaks and doubled quotes ("").
#include <string>
#include <string_view>
#include <vector>

#include "routeiq/core/error.hpp"

namespace routeiq::ml {

struct CsvRecord {
  std::vector<std::string> fields;
  size_t line = 0;  // 1-based line on which the record starts
};

// Parses the whole text. Errors name `source`, the line and the field, e.g.
// `x.csv: line 4: field 2: unterminated quoted field`. A UTF-8 BOM and blank
// lines between records are ignored.
Result<std::vector<CsvRecord>> parse_csv(std::string_view text, std::string_view source);

}  // namespace routeiq::ml
