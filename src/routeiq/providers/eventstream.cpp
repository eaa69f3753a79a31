#include "routeiq/providers/eventstream.hpp"

#include <boost/json.hpp>

#include "routeiq/providers/crypto.hpp"

namespace routeiq::providers {
namespace {

constexpr size_t kPreludeBytes = 12;
constexpr size_t kOverheadBytes = kPreludeBytes + 4;

uint64_t read_be(std::string_view s, size_t pos, size_t n) {
  uint64_t v = 0;
  for (size_t i = 0; i < n; ++i) v = (v << 8) | uint8_t(s[pos + i]);
  return v;
}

void write_be(std::string& out, uint64_t v, size_t n) {
  for (size_t i = n; i-- > 0;) out.push_back(char((v >> (8 * i)) & 0xFF));
}

int64_t sign_extend(uint64_t v, size_t n) {
  if (n == 8) return int64_t(v);
  uint64_t sign = uint64_t(1) << (8 * n - 1);
  return int64_t((v ^ sign) - sign);
}

Error framing_error(std::string message) {
  return make_error(ErrorKind::upstream_error, "event stream: " + std::move(message));
}

size_t fixed_size(EventHeaderType t) {
  switch (t) {
    case EventHeaderType::bool_true:
    case EventHeaderType::bool_false:
      return 0;
    case EventHeaderType::byte:
      return 1;
    case EventHeaderType::int16:
      return 2;
    case EventHeaderType::int32:
      return 4;
    case EventHeaderType::int64:
    case EventHeaderType::timestamp:
      return 8;
    case EventHeaderType::uuid:
      return 16;
    default:
      return 0;
  }
}

bool is_variable(EventHeaderType t) {
  return t == EventHeaderType::byte_array || t == EventHeaderType::string;
}

// Parses one header at `pos`, advancing it; false on a malformed header.
bool read_header(std::string_view h, size_t& pos, std::pair<std::string, EventHeaderValue>& out) {
  if (pos + 1 > h.size()) return false;
  size_t name_len = uint8_t(h[pos++]);
  if (name_len == 0 || pos + name_len + 1 > h.size()) return false;
  out.first.assign(h.substr(pos, name_len));
  pos += name_len;
  uint8_t type = uint8_t(h[pos++]);
  if (type > uint8_t(EventHeaderType::uuid)) return false;
  auto& v = out.second;
  v.type = EventHeaderType(type);
  if (v.type == EventHeaderType::bool_true || v.type == EventHeaderType::bool_false) {
    v.integer = v.type == EventHeaderType::bool_true;
    return true;
  }
  if (is_variable(v.type)) {
    if (pos + 2 > h.size()) return false;
    size_t len = read_be(h, pos, 2);
    pos += 2;
    if (pos + len > h.size()) return false;
    v.bytes.assign(h.substr(pos, len));
    pos += len;
    return true;
  }
  size_t n = fixed_size(v.type);
  if (pos + n > h.size()) return false;
  if (v.type == EventHeaderType::uuid)
    v.bytes.assign(h.substr(pos, n));
  else
    v.integer = sign_extend(read_be(h, pos, n), n);
  pos += n;
  return true;
}

ErrorKind kind_for_exception(std::string_view type) {
  if (type == "throttlingException") return ErrorKind::rate_limited;
  if (type == "validationException") return ErrorKind::invalid_request;
  if (type == "accessDeniedException") return ErrorKind::forbidden;
  if (type == "resourceNotFoundException") return ErrorKind::not_found;
  if (type == "modelTimeoutException") return ErrorKind::timeout;
  if (type == "serviceUnavailableException") return ErrorKind::no_deployment_available;
  return ErrorKind::upstream_error;
}

std::string payload_message(std::string_view payload) {
  boost::system::error_code ec;
  auto json = boost::json::parse(payload, ec);
  if (!ec && json.is_object()) {
    for (auto key : {"message", "Message"})
      if (auto* m = json.as_object().if_contains(key); m && m->is_string())
        return std::string(m->as_string());
  }
  return std::string(payload.substr(0, 512));
}

}  // namespace

std::string_view EventStreamMessage::header(std::string_view name) const {
  for (const auto& [n, v] : headers)
    if (n == name && v.type == EventHeaderType::string) return v.bytes;
  return {};
}

EventHeaderValue event_string(std::string value) {
  EventHeaderValue v;
  v.type = EventHeaderType::string;
  v.bytes = std::move(value);
  return v;
}

Status EventStreamDecoder::feed(std::string_view bytes, std::vector<EventStreamMessage>& out) {
  if (failed_) return *failed_;
  buffer_.append(bytes);
  size_t consumed = 0;
  while (buffer_.size() - consumed >= kPreludeBytes) {
    std::string_view rest = std::string_view(buffer_).substr(consumed);
    uint64_t total = read_be(rest, 0, 4);
    if (crc32(rest.substr(0, 8)) != read_be(rest, 8, 4)) {
      failed_ = framing_error("prelude CRC mismatch");
    } else if (total < kOverheadBytes || total > kMaxMessageBytes) {
      failed_ = framing_error("bad message length " + std::to_string(total));
    }
    if (failed_) return *failed_;
    if (rest.size() < total) break;
    EventStreamMessage message;
    auto st = decode_one(rest.substr(0, total), message);
    if (!st) {
      failed_ = st.error();
      return *failed_;
    }
    out.push_back(std::move(message));
    consumed += total;
  }
  buffer_.erase(0, consumed);
  return ok_status();
}

Status EventStreamDecoder::decode_one(std::string_view frame, EventStreamMessage& out) const {
  size_t total = frame.size();
  size_t headers_len = read_be(frame, 4, 4);
  if (headers_len > total - kOverheadBytes) return framing_error("headers longer than message");
  if (crc32(frame.substr(0, total - 4)) != read_be(frame, total - 4, 4))
    return framing_error("message CRC mismatch");
  auto headers = frame.substr(kPreludeBytes, headers_len);
  size_t pos = 0;
  while (pos < headers.size()) {
    std::pair<std::string, EventHeaderValue> header;
    if (!read_header(headers, pos, header)) return framing_error("malformed header");
    out.headers.push_back(std::move(header));
  }
  out.payload.assign(
      frame.substr(kPreludeBytes + headers_len, total - kOverheadBytes - headers_len));
  return ok_status();
}

std::string encode_event_stream_message(const EventStreamMessage& message) {
  std::string headers;
  for (const auto& [name, v] : message.headers) {
    headers.push_back(char(name.size()));
    headers += name;
    headers.push_back(char(v.type));
    if (is_variable(v.type)) {
      write_be(headers, v.bytes.size(), 2);
      headers += v.bytes;
    } else if (v.type == EventHeaderType::uuid) {
      headers += v.bytes;
    } else {
      write_be(headers, uint64_t(v.integer), fixed_size(v.type));
    }
  }
  std::string out;
  write_be(out, kOverheadBytes + headers.size() + message.payload.size(), 4);
  write_be(out, headers.size(), 4);
  write_be(out, crc32(out), 4);
  out += headers;
  out += message.payload;
  write_be(out, crc32(out), 4);
  return out;
}

std::optional<Error> event_stream_error(const EventStreamMessage& message) {
  auto type = message.header(":message-type");
  if (type == "exception") {
    auto exception = message.header(":exception-type");
    auto e = make_error(kind_for_exception(exception),
                        std::string(exception) + ": " + payload_message(message.payload));
    return e;
  }
  if (type == "error") {
    return make_error(ErrorKind::upstream_error, std::string(message.header(":error-code")) + ": " +
                                                     std::string(message.header(":error-message")));
  }
  return std::nullopt;
}

}  // namespace routeiq::providers
