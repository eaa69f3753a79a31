#include "routeiq/config/yaml_reader.hpp"

#include "routeiq/core/http_request.hpp"

#include "routeiq/config/config.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <limits>

namespace routeiq::config::detail {
namespace {

constexpr std::string_view kEnvPrefix = "os.environ/";

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool is_quoted(const YAML::Node& node) {
  // yaml-cpp tags plain scalars "?" and quoted or block scalars "!".
  return node.Tag() == "!" || node.Tag() == "tag:yaml.org,2002:str";
}

std::string quote_for_message(std::string_view text) {
  constexpr size_t kMax = 60;
  std::string out = "\"";
  out += text.substr(0, kMax);
  if (text.size() > kMax) out += "...";
  return out + "\"";
}

// What a value is, for "expected X, got Y". Values from the environment are
// not echoed: they may be secrets put in the wrong place.
std::string describe(const YAML::Node& node) {
  if (node.IsMap()) return "a map";
  if (node.IsSequence()) return "a list";
  if (!node.IsDefined() || node.IsNull()) return "nothing";
  if (auto var = env_reference(node)) return "the value of os.environ/" + *var;
  return quote_for_message(node.Scalar());
}

void collect_explicit(const YAML::Node& map, const At& at, Warnings& warnings,
                      std::vector<Entry>& out, std::vector<YAML::Node>& merges) {
  // By value: yaml-cpp's iterator yields a temporary pair.
  for (const auto& pair : map) {
    const YAML::Node key = pair.first;
    int key_line = line_of(key, at.line);
    if (!key.IsScalar()) fail(at.key("<key>", key_line), "map keys must be strings");
    if (key.Scalar() == "<<" && !is_quoted(key)) {
      merges.push_back(pair.second);
      continue;
    }
    Entry entry{key.Scalar(), pair.second, key_line};
    auto same =
        std::find_if(out.begin(), out.end(), [&](const Entry& e) { return e.key == entry.key; });
    if (same == out.end()) {
      out.push_back(std::move(entry));
      continue;
    }
    warn(warnings, at.key(entry.key, key_line),
         "repeated key (line " + std::to_string(same->line) + " too), the last one wins");
    *same = entry;  // Entry is copy-only: its assignment rebinds the node
  }
}

void add_merged(const YAML::Node& source, const At& at, Warnings& warnings,
                std::vector<Entry>& out) {
  if (source.IsSequence()) {
    // Earlier maps in a merge list take precedence over later ones.
    for (const auto& item : source) add_merged(item, at, warnings, out);
    return;
  }
  if (!source.IsMap()) fail(at, "\"<<\" merges a map or a list of maps, got " + describe(source));
  for (auto& entry : map_entries(source, at, warnings)) {
    bool present =
        std::any_of(out.begin(), out.end(), [&](const Entry& e) { return e.key == entry.key; });
    if (!present) out.push_back(std::move(entry));
  }
}

// PyYAML (so LiteLLM) reads YAML 1.1 numbers, where "_" may group digits:
// "20_000", "1_000.5"; LiteLLM's own azure_config.yaml writes `tpm: 20_000`.
// Returns the text without them, or nothing when an "_" is where PyYAML would
// not read a number: first, in the exponent, or in an integer with a leading 0
// (YAML 1.1 octal, which RouteIQ does not read).
std::optional<std::string> without_digit_separators(std::string_view text) {
  if (text.find('_') == std::string_view::npos) return std::string(text);
  size_t sign = !text.empty() && (text.front() == '+' || text.front() == '-') ? 1 : 0;
  size_t exponent = std::min(text.find_first_of("eE"), text.size());
  std::string_view mantissa = text.substr(sign, exponent - sign);
  if (mantissa.empty() || mantissa.front() == '_' || mantissa.starts_with("._"))
    return std::nullopt;
  if (text.find('_', exponent) != std::string_view::npos) return std::nullopt;
  bool integer = mantissa.find('.') == std::string_view::npos;
  if (integer && mantissa.front() == '0') return std::nullopt;
  std::string out(text);
  std::erase(out, '_');
  return out;
}

bool is_number_text(std::string_view text) {
  if (text.empty()) return false;
  bool digit = false;
  for (char c : text) {
    if (c >= '0' && c <= '9')
      digit = true;
    else if (c != '+' && c != '-' && c != '.' && c != 'e' && c != 'E')
      return false;
  }
  return digit;
}

// Why text that reads as a number is no usable setting: YAML 1.1's
// infinities and NaN (".inf", "-.Inf", ".nan", as PyYAML reads them), or a
// magnitude no double holds ("1e400"). Empty for finite numbers and non-numbers.
std::string_view non_finite_problem(std::string_view text) {
  static constexpr std::string_view kSpecial[] = {".inf", ".Inf", ".INF", ".nan", ".NaN", ".NAN"};
  text = trim(text);
  if (!text.empty() && (text.front() == '+' || text.front() == '-')) text.remove_prefix(1);
  for (auto word : kSpecial)
    if (text == word) return "must be a finite number";
  auto plain = without_digit_separators(text);
  if (!plain || !is_number_text(*plain)) return {};
  double value = 0;
  auto [end, ec] = std::from_chars(plain->data(), plain->data() + plain->size(), value);
  if (ec == std::errc::result_out_of_range && end == plain->data() + plain->size())
    return "is out of range";
  return {};
}

void fail_above(double value, double max, std::string_view unit, const YAML::Node& node,
                const At& at) {
  if (value <= max) return;
  fail(at, "must be at most " + std::to_string(static_cast<int64_t>(max)) + std::string(unit) +
               ", got " + describe(node));
}

boost::json::value scalar_to_json(const YAML::Node& node, const At& at) {
  Text text = scalar_text(node, at, "a value");
  if (text.quoted || !text.env_var.empty()) return boost::json::value(text.value);
  if (auto b = parse_bool(text.value)) return boost::json::value(*b);
  if (auto i = parse_integer(text.value); i && text.value.find_first_of(".eE") == std::string::npos)
    return boost::json::value(*i);
  if (auto d = parse_number(text.value)) return boost::json::value(*d);
  return boost::json::value(text.value);
}

void count_nodes(const YAML::Node& node, const At& at, int depth, size_t& count) {
  At here{at.file, line_of(node, at.line), ""};
  if (depth > kMaxYamlDepth)
    fail(here, "nested more than " + std::to_string(kMaxYamlDepth) +
                   " levels deep (or an alias is used inside the node it names)");
  if (++count > kMaxYamlNodes)
    fail(here, "more than " + std::to_string(kMaxYamlNodes) + " values once aliases are expanded");
  if (node.IsSequence()) {
    for (const auto& item : node) count_nodes(item, here, depth + 1, count);
  } else if (node.IsMap()) {
    for (const auto& pair : node) {
      count_nodes(pair.first, here, depth + 1, count);
      count_nodes(pair.second, here, depth + 1, count);
    }
  }
}

}  // namespace

void check_document_size(const YAML::Node& root, const At& at) {
  size_t count = 0;
  count_nodes(root, at, 0, count);
}

At At::key(std::string_view name, int key_line) const {
  At child{file, key_line, path};
  if (!child.path.empty()) child.path += '.';
  child.path += name;
  return child;
}

At At::index(size_t i, int item_line) const {
  return At{file, item_line, path + "[" + std::to_string(i) + "]"};
}

std::string At::where() const {
  std::string out = file ? *file : std::string("<config>");
  out += ":" + std::to_string(line) + ":";
  if (!path.empty()) out += " " + path + ":";
  return out;
}

int line_of(const YAML::Node& node, int fallback) {
  if (!node.IsDefined() || node.Mark().is_null() || node.Mark().line < 0) return fallback;
  return node.Mark().line + 1;
}

void fail(const At& at, std::string_view problem) {
  throw LoadError(at.where() + " " + std::string(problem));
}

void warn(Warnings& warnings, const At& at, std::string_view problem) {
  warnings.push_back(at.where() + " " + std::string(problem));
}

std::vector<Entry> map_entries(const YAML::Node& map, const At& at, Warnings& warnings) {
  expect_map(map, at);
  std::vector<Entry> out;
  std::vector<YAML::Node> merges;
  collect_explicit(map, at, warnings, out, merges);
  for (const auto& source : merges) add_merged(source, at, warnings, out);
  return out;
}

void expect_map(const YAML::Node& node, const At& at) {
  if (!node.IsMap()) fail(at, "expected a map, got " + describe(node));
}

void expect_list(const YAML::Node& node, const At& at) {
  if (!node.IsSequence()) fail(at, "expected a list, got " + describe(node));
}

std::optional<std::string> env_reference(const YAML::Node& node) {
  if (!node.IsScalar()) return std::nullopt;
  std::string_view text = node.Scalar();
  if (!text.starts_with(kEnvPrefix)) return std::nullopt;
  return std::string(trim(text.substr(kEnvPrefix.size())));
}

Text scalar_text(const YAML::Node& node, const At& at, std::string_view expected) {
  if (!node.IsScalar()) fail(at, "expected " + std::string(expected) + ", got " + describe(node));
  Text text{node.Scalar(), "", is_quoted(node)};
  if (auto var = env_reference(node)) {
    if (var->empty()) fail(at, "os.environ/ needs a variable name");
    const char* value = std::getenv(var->c_str());
    if (!value) fail(at, "environment variable " + *var + " is not set");
    text.value = value;
    text.env_var = *var;
  }
  return text;
}

std::string read_string(const YAML::Node& node, const At& at) {
  return scalar_text(node, at, "a string").value;
}

double read_number(const YAML::Node& node, const At& at) {
  Text text = scalar_text(node, at, "a number");
  if (auto d = parse_number(text.value)) return *d;
  if (auto problem = non_finite_problem(text.value); !problem.empty())
    fail(at, std::string(problem) + ", got " + describe(node));
  fail(at, "expected a number, got " + describe(node));
}

int64_t read_integer(const YAML::Node& node, const At& at) {
  Text text = scalar_text(node, at, "an integer");
  if (auto i = parse_integer(text.value)) return *i;
  if (auto problem = non_finite_problem(text.value); !problem.empty())
    fail(at, std::string(problem) + ", got " + describe(node));
  // A whole number parse_integer refused is one too large to hold exactly.
  if (auto d = parse_number(text.value); d && std::floor(*d) == *d)
    fail(at, "is out of range for an integer, got " + describe(node));
  fail(at, "expected an integer, got " + describe(node));
}

bool read_bool(const YAML::Node& node, const At& at) {
  Text text = scalar_text(node, at, "true or false");
  if (auto b = parse_bool(text.value)) return *b;
  fail(at, "expected true or false, got " + describe(node));
}

std::vector<std::string> read_string_list(const YAML::Node& node, const At& at) {
  if (node.IsScalar()) return {read_string(node, at)};
  expect_list(node, at);
  std::vector<std::string> out;
  for (size_t i = 0; i < node.size(); ++i)
    out.push_back(read_string(node[i], at.index(i, line_of(node[i], at.line))));
  return out;
}

std::map<std::string, std::string> read_string_map(const YAML::Node& node, const At& at,
                                                   Warnings& warnings) {
  std::map<std::string, std::string> out;
  for (const auto& entry : map_entries(node, at, warnings))
    out[entry.key] = read_string(entry.value, at.key(entry.key, entry.line));
  return out;
}

std::map<std::string, std::string> read_header_map(const YAML::Node& node, const At& at,
                                                   Warnings& warnings) {
  std::map<std::string, std::string> out;
  for (const auto& entry : map_entries(node, at, warnings)) {
    auto here = at.key(entry.key, entry.line);
    if (!valid_header_name(entry.key))
      fail(here, "is not a header name (visible ASCII without ':')");
    auto value = read_string(entry.value, here);
    // The value itself is not shown: it may be a secret read from the environment.
    if (!valid_header_value(value))
      fail(here, "holds a line break or NUL, which HTTP does not allow");
    out[entry.key] = std::move(value);
  }
  return out;
}

double read_timeout(const YAML::Node& node, const At& at) {
  double value = read_number(node, at);
  if (!(value > 0)) fail(at, "must be greater than 0, got " + describe(node));
  fail_above(value, kMaxSettingSeconds, " seconds", node, at);
  return value;
}

double read_wait(const YAML::Node& node, const At& at) {
  double value = read_non_negative(node, at);
  fail_above(value, kMaxSettingSeconds, " seconds", node, at);
  return value;
}

double read_weight(const YAML::Node& node, const At& at) {
  double value = read_non_negative(node, at);
  fail_above(value, static_cast<double>(kMaxSettingCount), "", node, at);
  return value;
}

double read_non_negative(const YAML::Node& node, const At& at) {
  double value = read_number(node, at);
  if (value < 0) fail(at, "must not be negative, got " + describe(node));
  return value;
}

int64_t read_count(const YAML::Node& node, const At& at) {
  int64_t value = read_integer(node, at);
  if (value < 0) fail(at, "must not be negative, got " + describe(node));
  return value;
}

int read_small_count(const YAML::Node& node, const At& at) {
  int64_t value = read_count(node, at);
  fail_above(static_cast<double>(value), static_cast<double>(kMaxSettingCount), "", node, at);
  return static_cast<int>(value);
}

boost::json::value to_json(const YAML::Node& node, const At& at, Warnings& warnings) {
  if (!node.IsDefined() || node.IsNull()) return nullptr;
  if (node.IsScalar()) return scalar_to_json(node, at);
  if (node.IsSequence()) {
    boost::json::array array;
    for (size_t i = 0; i < node.size(); ++i)
      array.push_back(to_json(node[i], at.index(i, line_of(node[i], at.line)), warnings));
    return array;
  }
  boost::json::object object;
  for (const auto& entry : map_entries(node, at, warnings))
    object[entry.key] = to_json(entry.value, at.key(entry.key, entry.line), warnings);
  return object;
}

std::optional<double> parse_number(std::string_view text) {
  auto plain = without_digit_separators(trim(text));
  if (!plain || !is_number_text(*plain)) return std::nullopt;
  std::string_view digits = *plain;
  if (digits.front() == '+') digits.remove_prefix(1);
  double value = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (ec != std::errc() || end != digits.data() + digits.size() || !std::isfinite(value))
    return std::nullopt;
  return value;
}

std::optional<int64_t> parse_integer(std::string_view text) {
  text = trim(text);
  auto plain = without_digit_separators(text);
  if (!plain) return std::nullopt;
  std::string_view digits = *plain;
  if (!digits.empty() && digits.front() == '+') digits.remove_prefix(1);
  int64_t value = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (!digits.empty() && ec == std::errc() && end == digits.data() + digits.size()) return value;
  // "30.0" or "1e3" are whole numbers too.
  auto d = parse_number(text);
  if (!d || std::floor(*d) != *d || std::fabs(*d) > 9.0e15) return std::nullopt;
  return static_cast<int64_t>(*d);
}

std::optional<bool> parse_bool(std::string_view text) {
  // YAML 1.1 booleans, which PyYAML (and so LiteLLM) reads.
  static constexpr std::string_view kTrue[] = {"true", "True", "TRUE", "yes", "Yes",
                                               "YES",  "on",   "On",   "ON"};
  static constexpr std::string_view kFalse[] = {"false", "False", "FALSE", "no", "No",
                                                "NO",    "off",   "Off",   "OFF"};
  text = trim(text);
  for (auto word : kTrue)
    if (text == word) return true;
  for (auto word : kFalse)
    if (text == word) return false;
  return std::nullopt;
}

}  // namespace routeiq::config::detail
