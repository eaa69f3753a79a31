#pragma once
// Helpers shared by the dataset reader/writer and the importers: file reading
// and JSON parsing whose errors name the file, the line or record, and the field.
#include <boost/json/value.hpp>
#include <string>
#include <string_view>

#include "routeiq/core/error.hpp"

namespace routeiq::ml::detail {

Result<std::string> read_text_file(const std::string& path);
std::string file_name(std::string_view path);  // last path component

// `<source>: <where>: <what>`, e.g. `train.json: record 17: scores.x: expected ...`.
Error data_error(std::string_view source, std::string_view where, std::string_view what);

// Parses one JSON document; a syntax error names the line it was found on.
Result<boost::json::value> parse_json(std::string_view text, std::string_view source,
                                      std::string_view where = {});

// Short rendering of a JSON value for "got ..." in error messages.
std::string describe(const boost::json::value& v);

// A quality score: a JSON number in [0,1]. On failure the error says
// `<field>: expected a number in [0,1], got <value>`.
Result<double> score_from_json(const boost::json::value& v, std::string_view source,
                               std::string_view where, std::string_view field);

// Shortest decimal text that reads back as the same double.
std::string format_number(double x);

}  // namespace routeiq::ml::detail
