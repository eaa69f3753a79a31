#include "routeiq/providers/sse.hpp"

#include <algorithm>

namespace routeiq::providers {
namespace {

constexpr std::string_view kBom = "\xEF\xBB\xBF";

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

Status SseParser::feed(std::string_view bytes, std::vector<SseEvent>& out) {
  if (!bom_done_) {
    auto st = feed_bom(bytes, out);
    if (!st) return st;
  }
  return feed_lines(bytes, out);
}

// The BOM may itself be split; bytes that turn out not to be one are data.
Status SseParser::feed_bom(std::string_view& bytes, std::vector<SseEvent>& out) {
  while (!bytes.empty() && bom_matched_ < kBom.size()) {
    if (bytes.front() != kBom[bom_matched_]) {
      bom_done_ = true;
      auto partial = kBom.substr(0, bom_matched_);
      return feed_lines(partial, out);
    }
    ++bom_matched_;
    bytes.remove_prefix(1);
  }
  if (bom_matched_ == kBom.size()) bom_done_ = true;
  return ok_status();
}

Status SseParser::feed_lines(std::string_view bytes, std::vector<SseEvent>& out) {
  while (!bytes.empty()) {
    if (after_cr_) {
      after_cr_ = false;
      if (bytes.front() == '\n') {
        bytes.remove_prefix(1);
        continue;
      }
    }
    auto end = bytes.find_first_of("\r\n");
    if (end == std::string_view::npos) {
      line_.append(bytes);
      break;
    }
    line_.append(bytes.substr(0, end));
    after_cr_ = bytes[end] == '\r';
    bytes.remove_prefix(end + 1);
    process_line(out);
  }
  if (line_.size() + data_.size() > max_bytes_)
    return make_error(ErrorKind::upstream_error, "event stream: event larger than the limit");
  return ok_status();
}

void SseParser::process_line(std::vector<SseEvent>& out) {
  std::string_view line = line_;
  if (line.empty()) {
    dispatch(out);
  } else if (line.front() != ':') {  // ':' starts a comment
    auto colon = line.find(':');
    std::string_view name = line.substr(0, colon);
    std::string_view value;
    if (colon != std::string_view::npos) {
      value = line.substr(colon + 1);
      if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    }
    process_field(name, value);
  }
  line_.clear();
}

void SseParser::process_field(std::string_view name, std::string_view value) {
  if (name == "event") {
    type_.assign(value);
  } else if (name == "data") {
    data_.append(value);
    data_.push_back('\n');
  } else if (name == "id") {
    if (value.find('\0') == std::string_view::npos) last_event_id_.assign(value);
  } else if (name == "retry") {
    if (all_digits(value) && value.size() < 18) retry_ms_ = std::stoll(std::string(value));
  }
  // Other field names are ignored, as the standard requires.
}

void SseParser::dispatch(std::vector<SseEvent>& out) {
  if (data_.empty()) {  // an event without data is not dispatched
    type_.clear();
    return;
  }
  data_.pop_back();  // the '\n' after the last data line
  SseEvent event;
  if (!type_.empty()) event.type = std::move(type_);
  event.data = std::move(data_);
  event.id = last_event_id_;
  out.push_back(std::move(event));
  type_.clear();
  data_.clear();
}

}  // namespace routeiq::providers
