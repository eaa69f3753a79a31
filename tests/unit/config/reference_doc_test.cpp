// docs/config-reference.md and the loader's key tables must agree: every key
// of a table is documented under its section (the ones not supported yet
// listed as such), and every key the reference calls supported is in a table.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>

#include "routeiq/config/key_tables.hpp"

namespace routeiq::config {
namespace {

namespace fs = std::filesystem;

// The reference's heading of each table's section.
const std::map<std::string, std::string> kSectionOfHeading = {
    {"Top level", "top level"},
    {"`model_list`", "model_list[]"},
    {"`litellm_params`", "model_list[].litellm_params"},
    {"`model_info`", "model_list[].model_info"},
    {"`router_settings`", "router_settings"},
    {"`general_settings`", "general_settings"},
    {"`litellm_settings`", "litellm_settings"},
};

// What the reference says about the keys of one section: a key in the first
// cell of a table row is supported, unless the row says "not supported yet";
// a key in a paragraph starting "Not supported yet:" is not.
struct Documented {
  std::set<std::string> supported;
  std::set<std::string> not_yet;
};

std::vector<std::string> code_spans(std::string_view text) {
  std::vector<std::string> spans;
  for (size_t open = text.find('`'); open != std::string_view::npos;) {
    size_t close = text.find('`', open + 1);
    if (close == std::string_view::npos) break;
    spans.emplace_back(text.substr(open + 1, close - open - 1));
    open = text.find('`', close + 1);
  }
  return spans;
}

std::string_view first_cell(std::string_view row) {
  size_t end = row.find('|', 1);
  return row.substr(1, end == std::string_view::npos ? std::string_view::npos : end - 1);
}

class ReferenceReader {
 public:
  void read_line(const std::string& line) {
    if (line.starts_with("```")) {
      in_code_ = !in_code_;
      return;
    }
    if (in_code_) return;
    if (line.starts_with("#")) return start_section(line);
    if (!section_) return;
    if (line.empty()) in_not_yet_ = false;
    if (line.starts_with("Not supported yet:")) in_not_yet_ = true;
    if (in_not_yet_)
      add(code_spans(line), section_->not_yet);
    else if (line.starts_with("| `"))
      add(code_spans(first_cell(line)), line.find("not supported yet") != std::string::npos
                                            ? section_->not_yet
                                            : section_->supported);
  }

  std::map<std::string, Documented> sections;

 private:
  void start_section(const std::string& line) {
    std::string heading = line.substr(line.find_first_not_of("# "));
    auto known = kSectionOfHeading.find(heading);
    section_ = known == kSectionOfHeading.end() ? nullptr : &sections[known->second];
    in_not_yet_ = false;
  }

  static void add(const std::vector<std::string>& keys, std::set<std::string>& to) {
    to.insert(keys.begin(), keys.end());
  }

  Documented* section_ = nullptr;
  bool in_code_ = false;
  bool in_not_yet_ = false;
};

std::map<std::string, Documented> read_reference() {
  fs::path path = fs::path(ROUTEIQ_TEST_DATA) / ".." / ".." / "docs" / "config-reference.md";
  std::ifstream in(path);
  EXPECT_TRUE(in) << "cannot read " << path;
  ReferenceReader reader;
  for (std::string line; std::getline(in, line);) reader.read_line(line);
  return reader.sections;
}

const KeyDoc* find_row(const SectionKeys& table, const std::string& key) {
  for (const auto& row : table.keys)
    if (row.key == key) return &row;
  return nullptr;
}

TEST(ConfigReference, DocumentsEveryKeyOfEveryTable) {
  auto reference = read_reference();
  for (const auto& table : key_tables()) {
    auto documented = reference.find(std::string(table.section));
    ASSERT_NE(documented, reference.end()) << "no heading for " << table.section;
    for (const auto& row : table.keys) {
      std::string key(row.key);
      std::string where = std::string(table.section) + ": " + key;
      if (row.support == Support::not_yet) {
        EXPECT_TRUE(documented->second.not_yet.contains(key))
            << where << " is not supported yet: list it after \"Not supported yet:\"";
        EXPECT_FALSE(documented->second.supported.contains(key)) << where << " is not supported";
      } else {
        EXPECT_TRUE(documented->second.supported.contains(key))
            << where << " is read: give it a row of its section's table";
        EXPECT_FALSE(documented->second.not_yet.contains(key)) << where << " is supported";
      }
    }
  }
}

TEST(ConfigReference, DocumentsOnlyKeysOfTheTables) {
  auto reference = read_reference();
  for (const auto& table : key_tables()) {
    const Documented& documented = reference[std::string(table.section)];
    for (const auto& key : documented.supported) {
      const KeyDoc* row = find_row(table, key);
      EXPECT_TRUE(row && row->support != Support::not_yet)
          << table.section << ": " << key << " is documented as supported but no table reads it";
    }
    for (const auto& key : documented.not_yet) {
      const KeyDoc* row = find_row(table, key);
      EXPECT_TRUE(row && row->support == Support::not_yet)
          << table.section << ": " << key
          << " is documented as not supported yet but its table does not say so";
    }
  }
}

TEST(ConfigReference, EveryRowSaysWhatItsKeyMeans) {
  for (const auto& table : key_tables())
    for (const auto& row : table.keys)
      EXPECT_TRUE(!row.doc.empty() && row.doc.find('\n') == std::string_view::npos)
          << table.section << ": " << row.key;
}

}  // namespace
}  // namespace routeiq::config
