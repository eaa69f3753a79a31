#pragma once
// Internal to the loader: typed reads of YAML values that name the key path
// and line in every message, `os.environ/VAR` resolution, and YAML -> JSON.
#include <yaml-cpp/yaml.h>

#include <boost/json/value.hpp>
#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace routeiq::config::detail {

// Thrown inside the loader only; load_config_* turn it into an Error.
struct LoadError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

using Warnings = std::vector<std::string>;

// Where a value sits, for messages: "<file>:<line>: <path>".
struct At {
  const std::string* file = nullptr;
  int line = 0;  // 1-based
  std::string path;

  At key(std::string_view name, int key_line) const;
  At index(size_t i, int item_line) const;
  std::string where() const;
};

// 1-based line of a node; `fallback` for nodes without a position (nulls).
int line_of(const YAML::Node& node, int fallback);

[[noreturn]] void fail(const At& at, std::string_view problem);
void warn(Warnings& warnings, const At& at, std::string_view problem);

struct Entry {
  // YAML::Node has no move constructor: a copy shares the node.
  Entry(std::string key_, const YAML::Node& value_, int line_)
      : key(std::move(key_)), value(value_), line(line_) {}
  Entry(const Entry&) = default;
  // Rebinds `value`. YAML::Node's own assignment writes the right-hand node
  // into the node the left one refers to, changing the document: when a
  // repeated key replaced an entry, the earlier value (which an alias may
  // still name) became the later one, and a later value holding that alias
  // became a cycle.
  Entry& operator=(const Entry& other) {
    key = other.key;
    value.reset(other.value);
    line = other.line;
    return *this;
  }

  std::string key;
  YAML::Node value;
  int line = 0;  // of the key
};

// A map's entries in document order. Expands "<<" merge keys (yaml-cpp 0.7
// does not) and warns about a repeated key, of which the last wins as in PyYAML.
std::vector<Entry> map_entries(const YAML::Node& map, const At& at, Warnings& warnings);

void expect_map(const YAML::Node& node, const At& at);
void expect_list(const YAML::Node& node, const At& at);

// "VAR" for a scalar written `os.environ/VAR`.
std::optional<std::string> env_reference(const YAML::Node& node);

// Scalar text with `os.environ/VAR` resolved; a missing variable fails.
struct Text {
  std::string value;
  std::string env_var;  // set when the value came from the environment
  bool quoted = false;  // written in quotes: always a string
};
Text scalar_text(const YAML::Node& node, const At& at, std::string_view expected);

// Typed reads. Numbers written as strings ("30") are accepted, as in LiteLLM.
std::string read_string(const YAML::Node& node, const At& at);
double read_number(const YAML::Node& node, const At& at);
int64_t read_integer(const YAML::Node& node, const At& at);
bool read_bool(const YAML::Node& node, const At& at);
// A list of strings; a single string counts as a list of one.
std::vector<std::string> read_string_list(const YAML::Node& node, const At& at);
std::map<std::string, std::string> read_string_map(const YAML::Node& node, const At& at,
                                                   Warnings& warnings);
// A map of HTTP headers: names and values that can be sent as they are.
std::map<std::string, std::string> read_header_map(const YAML::Node& node, const At& at,
                                                   Warnings& warnings);

// Range checks, failing with the path. The upper bounds keep later
// conversions (seconds to milliseconds, counts to int) from overflowing.
double read_timeout(const YAML::Node& node, const At& at);  // seconds in (0, kMaxSettingSeconds]
double read_wait(const YAML::Node& node, const At& at);     // seconds in [0, kMaxSettingSeconds]
double read_weight(const YAML::Node& node, const At& at);   // in [0, kMaxSettingCount]
double read_non_negative(const YAML::Node& node, const At& at);
int64_t read_count(const YAML::Node& node, const At& at);    // integer >= 0
int read_small_count(const YAML::Node& node, const At& at);  // integer in [0, kMaxSettingCount]

// Refuses a document that later reads could not walk in bounded time and
// stack: nested more than kMaxYamlDepth levels, or more than kMaxYamlNodes
// values once aliases are expanded (an alias counts each time it is used). An
// alias used inside the node it names makes a cycle, which fails the depth
// check; aliases of aliases ("billion laughs") fail the count.
inline constexpr int kMaxYamlDepth = 100;
inline constexpr size_t kMaxYamlNodes = 100000;
void check_document_size(const YAML::Node& root, const At& at);

// YAML -> JSON: plain scalars become integers, doubles, booleans or null as
// YAML/PyYAML reads them; quoted scalars and os.environ values stay strings.
boost::json::value to_json(const YAML::Node& node, const At& at, Warnings& warnings);

// Parsers shared with the tests.
std::optional<double> parse_number(std::string_view text);
std::optional<int64_t> parse_integer(std::string_view text);
std::optional<bool> parse_bool(std::string_view text);

}  // namespace routeiq::config::detail
