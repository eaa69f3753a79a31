#include "routeiq/ml/csv.hpp"

#include <string>

namespace routeiq::ml {
namespace {

class CsvParser {
 public:
  CsvParser(std::string_view text, std::string_view source) : text_(text), source_(source) {
    if (text_.substr(0, 3) == "\xEF\xBB\xBF") pos_ = 3;
  }

  Result<std::vector<CsvRecord>> parse() {
    std::vector<CsvRecord> records;
    while (pos_ < text_.size()) {
      if (at_line_end()) {  // blank line between records
        consume_line_end();
        continue;
      }
      auto record = parse_record();
      if (!record) return record.take_error();
      records.push_back(std::move(record.value()));
    }
    return records;
  }

 private:
  bool at_line_end() const { return text_[pos_] == '\n' || text_[pos_] == '\r'; }

  void consume_line_end() {
    if (text_[pos_] == '\r' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '\n') ++pos_;
    ++pos_;
    ++line_;
  }

  Error error_at(size_t line, size_t field, std::string_view what) const {
    return make_error(ErrorKind::invalid_request,
                      std::string(source_) + ": line " + std::to_string(line) + ": field " +
                          std::to_string(field) + ": " + std::string(what));
  }

  Result<CsvRecord> parse_record() {
    CsvRecord record;
    record.line = line_;
    while (true) {
      auto field = parse_field(record.fields.size() + 1);
      if (!field) return field.take_error();
      record.fields.push_back(std::move(field.value()));
      if (pos_ >= text_.size()) break;
      if (at_line_end()) {
        consume_line_end();
        break;
      }
      ++pos_;  // the comma
    }
    return record;
  }

  // Leaves pos_ on the comma, the line end or the end of the text.
  Result<std::string> parse_field(size_t field_number) {
    if (pos_ < text_.size() && text_[pos_] == '"') return parse_quoted(field_number);
    size_t start = pos_;
    while (pos_ < text_.size() && text_[pos_] != ',' && !at_line_end()) {
      if (text_[pos_] == '"')
        return error_at(line_, field_number, "quote inside an unquoted field");
      ++pos_;
    }
    return std::string(text_.substr(start, pos_ - start));
  }

  Result<std::string> parse_quoted(size_t field_number) {
    size_t open_line = line_;
    ++pos_;  // opening quote
    std::string value;
    while (true) {
      if (pos_ >= text_.size())
        return error_at(open_line, field_number, "unterminated quoted field");
      char c = text_[pos_];
      if (c == '"') {
        if (pos_ + 1 < text_.size() && text_[pos_ + 1] == '"') {
          value.push_back('"');
          pos_ += 2;
          continue;
        }
        ++pos_;  // closing quote
        break;
      }
      if (c == '\n') ++line_;
      if (c == '\r' && !(pos_ + 1 < text_.size() && text_[pos_ + 1] == '\n')) ++line_;
      value.push_back(c);
      ++pos_;
    }
    if (pos_ < text_.size() && text_[pos_] != ',' && !at_line_end())
      return error_at(line_, field_number, "unexpected character after closing quote");
    return value;
  }

  std::string_view text_;
  std::string_view source_;
  size_t pos_ = 0;
  size_t line_ = 1;
};

}  // namespace

Result<std::vector<CsvRecord>> parse_csv(std::string_view text, std::string_view source) {
  return CsvParser(text, source).parse();
}

}  // namespace routeiq::ml
