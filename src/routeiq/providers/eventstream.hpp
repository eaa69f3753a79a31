#pragma once
// AWS event-stream binary framing (application/vnd.amazon.eventstream), used
// by Bedrock ConverseStream. Each message:
//   total length u32 | headers length u32 | prelude CRC32 u32 |
//   headers | payload | message CRC32 u32          (all big-endian)
// Header: name length u8, name, type u8, value (see HeaderType).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "routeiq/core/error.hpp"

namespace routeiq::providers {

enum class EventHeaderType : uint8_t {
  bool_true = 0,
  bool_false = 1,
  byte = 2,
  int16 = 3,
  int32 = 4,
  int64 = 5,
  byte_array = 6,
  string = 7,
  timestamp = 8,  // milliseconds since the epoch
  uuid = 9,       // 16 raw bytes
};

struct EventHeaderValue {
  EventHeaderType type = EventHeaderType::string;
  int64_t integer = 0;  // byte/int16/int32/int64/timestamp; 1/0 for booleans
  std::string bytes;    // byte_array/string/uuid
  bool operator==(const EventHeaderValue&) const = default;
};

struct EventStreamMessage {
  std::vector<std::pair<std::string, EventHeaderValue>> headers;
  std::string payload;
  // The value of a string header, or empty.
  std::string_view header(std::string_view name) const;
  bool operator==(const EventStreamMessage&) const = default;
};

class EventStreamDecoder {
 public:
  static constexpr uint32_t kMaxMessageBytes = 16 * 1024 * 1024;

  // Appends every message completed by `bytes`. After a framing or CRC error
  // the decoder refuses all further input: the stream cannot be resynchronised.
  Status feed(std::string_view bytes, std::vector<EventStreamMessage>& out);
  bool has_pending() const { return !buffer_.empty(); }

 private:
  Status decode_one(std::string_view frame, EventStreamMessage& out) const;

  std::string buffer_;
  std::optional<Error> failed_;
};

// Encodes one message (used by tests and the mock upstream).
std::string encode_event_stream_message(const EventStreamMessage& message);
// A string-typed header value.
EventHeaderValue event_string(std::string value);

// `:message-type` exception/error frames -> an Error (kind from the exception
// type, message from the JSON payload); nullopt for ordinary events.
std::optional<Error> event_stream_error(const EventStreamMessage& message);

}  // namespace routeiq::providers
