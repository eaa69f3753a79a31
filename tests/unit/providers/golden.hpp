#pragma once
// Golden-fixture helpers shared by the translator tests. Fixtures live in
// tests/data/providers/<format>/:
//   <name>.request.json   OpenAI request + target -> expected HttpRequest (or error)
//   <name>.response.json  provider body -> expected chat.completion
//   <name>.error.json     provider status + body -> expected Error
//   <name>.stream.json    + <name>.sse (or inline "events" for event-stream) ->
//                         expected accumulated stream, checked at every split offset
// In expectations the string "*" matches any value.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "routeiq/providers/translator.hpp"

namespace routeiq::providers::testing {

namespace json = boost::json;
namespace fs = std::filesystem;

inline constexpr int64_t kNowSeconds = 1700000000;
std::chrono::system_clock::time_point fixed_now();

fs::path data_dir(std::string_view format);
std::string read_text(const fs::path& p);
json::object read_json(const fs::path& p);
std::vector<fs::path> fixtures(std::string_view format, std::string_view suffix);

// Empty string when `actual` matches `expected`, else the path of the first difference.
std::string mismatch(const json::value& expected, const json::value& actual,
                     const std::string& path = "$");

Target target_from(const json::object& spec);

// Folds chunks into one message: role, content, reasoning_content, tool_calls
// (arguments concatenated per index), finish_reason, usage, id. Checks every
// chunk's envelope on the way.
json::object accumulate(const std::vector<json::object>& chunks);

void expect_error_matches(const Error& e, const json::object& spec);
void expect_usage_matches(const Usage& u, const json::object& spec);

// The standard checks, run for every fixture of a format.
void run_request_fixtures(std::string_view format);
void run_response_fixtures(std::string_view format);
void run_error_fixtures(std::string_view format);
// `transcript` turns a stream fixture into the raw upstream bytes.
using TranscriptFn = std::string (*)(const fs::path& fixture, const json::object& doc);
std::string sse_transcript(const fs::path& fixture, const json::object& doc);
// Bedrock: "events": [[event-type, payload]] or ["!exception", type, payload].
std::string event_stream_transcript(const fs::path& fixture, const json::object& doc);
void run_stream_fixtures(std::string_view format, TranscriptFn transcript = &sse_transcript);

}  // namespace routeiq::providers::testing
