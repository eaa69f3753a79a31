#pragma once
// Incremental Server-Sent Events parser following the WHATWG HTML standard,
// section 9.2 "Server-sent events" (event stream interpretation): fields
// event/data/id/retry, comments, CRLF/LF/CR line endings, a leading BOM.
// Bytes may arrive split anywhere, including inside a CRLF or the BOM.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "routeiq/core/error.hpp"

namespace routeiq::providers {

struct SseEvent {
  std::string type = "message";  // the `event` field, "message" when absent
  std::string data;              // `data` lines joined by '\n'
  std::string id;                // the last event id in effect when dispatched
  bool operator==(const SseEvent&) const = default;
};

class SseParser {
 public:
  // Bigger pending lines or event data are refused: an upstream is not
  // allowed to make the gateway buffer without bound.
  explicit SseParser(size_t max_event_bytes = 16 * 1024 * 1024) : max_bytes_(max_event_bytes) {}

  // Appends every event completed by `bytes`.
  Status feed(std::string_view bytes, std::vector<SseEvent>& out);

  const std::string& last_event_id() const { return last_event_id_; }
  std::optional<int64_t> retry_ms() const { return retry_ms_; }
  // True when bytes of an unfinished event are pending; the standard discards
  // them at end of stream, callers may treat it as a truncated stream.
  bool has_pending() const { return !line_.empty() || !data_.empty() || !type_.empty(); }

 private:
  Status feed_bom(std::string_view& bytes, std::vector<SseEvent>& out);
  Status feed_lines(std::string_view bytes, std::vector<SseEvent>& out);
  void process_line(std::vector<SseEvent>& out);
  void process_field(std::string_view name, std::string_view value);
  void dispatch(std::vector<SseEvent>& out);

  size_t max_bytes_;
  size_t bom_matched_ = 0;
  bool bom_done_ = false;
  bool after_cr_ = false;  // a CR ended the last line: a following LF belongs to it
  std::string line_;
  std::string data_;
  std::string type_;
  std::string last_event_id_;
  std::optional<int64_t> retry_ms_;
};

}  // namespace routeiq::providers
