#include "routeiq/providers/answer_tap.hpp"

#include <array>
#include <boost/json/basic_parser_impl.hpp>
#include <cmath>

#include "routeiq/core/json.hpp"

namespace routeiq::providers {
namespace json = boost::json;
using boost::system::error_code;

namespace {

// Tracks where the parser is (a key per object level) and copies the few
// values that matter. Levels deeper than kTracked are parsed, not tracked.
class FactHandler {
 public:
  static constexpr size_t max_object_size = size_t(-1);
  static constexpr size_t max_array_size = size_t(-1);
  static constexpr size_t max_key_size = size_t(-1);
  static constexpr size_t max_string_size = size_t(-1);

  FactHandler(std::string_view carrier, AnswerFacts& out)
      : carrier_depth_(carrier.empty() ? 1 : 2), carrier_(carrier), out_(out) {}

  bool root_was_object() const { return root_object_; }

  bool on_document_begin(error_code&) { return true; }
  bool on_document_end(error_code&) { return true; }
  bool on_object_begin(error_code&) {
    if (depth_ == 0) root_object_ = true;
    open_usage_object();
    if (at_carrier_key("error")) out_.has_error = true;
    return push(true);
  }
  bool on_object_end(size_t, error_code&) { return pop(); }
  bool on_array_begin(error_code&) {
    if (at_carrier_key("error")) out_.has_error = true;
    return push(false);
  }
  bool on_array_end(size_t, error_code&) { return pop(); }
  bool on_key_part(std::string_view s, size_t, error_code&) {
    key_.append(s);
    return true;
  }
  bool on_key(std::string_view s, size_t, error_code&) {
    key_.append(s);
    if (depth_ <= kTracked) levels_[depth_].key.assign(key_);
    key_.clear();
    return true;
  }
  bool on_string_part(std::string_view s, size_t, error_code&) {
    if (at_carrier_key("model")) text_.append(s);
    return true;
  }
  bool on_string(std::string_view s, size_t, error_code&) {
    if (at_carrier_key("error")) out_.has_error = true;
    if (at_carrier_key("model") && out_.model.empty()) {
      text_.append(s);
      out_.model = std::move(text_);
    }
    text_.clear();
    return true;
  }
  bool on_number_part(std::string_view, error_code&) { return true; }
  bool on_int64(int64_t v, std::string_view, error_code&) { return number(v); }
  bool on_uint64(uint64_t v, std::string_view, error_code&) { return number(v); }
  bool on_double(double v, std::string_view, error_code& ec) {
    if (!std::isfinite(v)) {
      ec = json::error::exponent_overflow;
      return false;
    }
    return number(v);
  }
  bool on_bool(bool, error_code&) { return scalar(); }
  bool on_null(error_code&) { return scalar(); }
  bool on_comment_part(std::string_view, error_code&) { return true; }
  bool on_comment(std::string_view, error_code&) { return true; }

 private:
  static constexpr size_t kTracked = 4;

  struct Level {
    bool is_object = false;
    std::string key;                // the member being read
    json::object* usage = nullptr;  // this level's object inside "usage"
  };

  // The member `name` of the carrier object is being read.
  bool at_carrier_key(std::string_view name) const {
    if (depth_ != carrier_depth_ || !levels_[depth_].is_object) return false;
    if (carrier_depth_ == 2 && levels_[1].key != carrier_) return false;
    return levels_[depth_].key == name;
  }

  // An object value at the carrier's "usage", or nested inside it.
  void open_usage_object() {
    if (depth_ == 0 || depth_ > kTracked) return;
    Level& parent = levels_[depth_];
    if (parent.usage && parent.is_object) {
      auto& slot = (*parent.usage)[parent.key];
      slot = json::object();
      pending_usage_ = &slot.as_object();
    } else if (at_carrier_key("usage")) {
      out_.has_usage = true;
      pending_usage_ = &out_.usage;
    }
  }

  bool push(bool is_object) {
    ++depth_;
    if (depth_ <= kTracked) {
      levels_[depth_] = Level{is_object, {}, is_object ? pending_usage_ : nullptr};
    }
    pending_usage_ = nullptr;
    return true;
  }

  bool pop() {
    if (depth_ > 0) --depth_;
    return true;
  }

  template <class T>
  bool number(T v) {
    if (depth_ <= kTracked && levels_[depth_].usage && levels_[depth_].is_object)
      (*levels_[depth_].usage)[levels_[depth_].key] = v;
    return scalar();
  }

  bool scalar() {
    if (at_carrier_key("error")) out_.has_error = true;
    return true;
  }

  size_t depth_ = 0;
  size_t carrier_depth_;
  std::string_view carrier_;
  AnswerFacts& out_;
  bool root_object_ = false;
  std::array<Level, kTracked + 1> levels_{};
  json::object* pending_usage_ = nullptr;
  std::string key_, text_;
};

}  // namespace

Result<AnswerFacts> read_answer_facts(std::string_view text, std::string_view carrier) {
  AnswerFacts facts;
  json::parse_options options;
  options.max_depth = kMaxJsonDepth;
  json::basic_parser<FactHandler> parser(options, carrier, facts);
  error_code ec;
  size_t n = parser.write_some(false, text.data(), text.size(), ec);
  if (!ec && n != text.size()) ec = json::error::extra_data;
  if (ec || !parser.done() || !parser.handler().root_was_object())
    return make_error(ErrorKind::upstream_error, "not a JSON object");
  return facts;
}

}  // namespace routeiq::providers
