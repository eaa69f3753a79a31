#include "routeiq/providers/eventstream.hpp"

#include "routeiq/providers/crypto.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

namespace routeiq::providers {
namespace {

std::string fixture() {
  std::ifstream in(std::string(ROUTEIQ_TEST_DATA) + "/providers/eventstream/messages.bin",
                   std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

EventHeaderValue integer(EventHeaderType t, int64_t v) {
  EventHeaderValue h;
  h.type = t;
  h.integer = v;
  return h;
}

EventHeaderValue bytes(EventHeaderType t, std::string v) {
  EventHeaderValue h;
  h.type = t;
  h.bytes = std::move(v);
  return h;
}

std::vector<EventStreamMessage> expected_messages() {
  std::string uuid;
  for (int i = 0; i < 16; ++i) uuid.push_back(char(i));
  EventStreamMessage all;
  all.headers = {
      {"t", integer(EventHeaderType::bool_true, 1)},
      {"f", integer(EventHeaderType::bool_false, 0)},
      {"byte", integer(EventHeaderType::byte, -5)},
      {"short", integer(EventHeaderType::int16, -300)},
      {"int", integer(EventHeaderType::int32, 123456789)},
      {"long", integer(EventHeaderType::int64, -(int64_t(1) << 40))},
      {"bytes", bytes(EventHeaderType::byte_array, std::string("\x00\x01\xff", 3))},
      {"str", event_string("h\xC3\xA9llo")},
      {"ts", integer(EventHeaderType::timestamp, 1700000000000)},
      {"uuid", bytes(EventHeaderType::uuid, uuid)},
  };
  all.payload = "{\"x\":1}";
  EventStreamMessage event;
  event.headers = {{":event-type", event_string("contentBlockDelta")},
                   {":content-type", event_string("application/json")},
                   {":message-type", event_string("event")}};
  event.payload = "{\"contentBlockIndex\":0,\"delta\":{\"text\":\"caf\xC3\xA9 \xF0\x9F\x98\x80\"}}";
  EventStreamMessage exception;
  exception.headers = {{":exception-type", event_string("throttlingException")},
                       {":content-type", event_string("application/json")},
                       {":message-type", event_string("exception")}};
  exception.payload = "{\"message\":\"Too many requests, please wait before trying again.\"}";
  return {all, event, EventStreamMessage{}, exception};
}

TEST(EventStream, KnownAnswerEmptyMessage) {
  // The empty message from the AWS event-stream encoding test suite.
  const std::string empty("\x00\x00\x00\x10\x00\x00\x00\x00\x05\xc2\x48\xeb\x7d\x98\xc8\xff", 16);
  EXPECT_EQ(encode_event_stream_message(EventStreamMessage{}), empty);
  EventStreamDecoder decoder;
  std::vector<EventStreamMessage> out;
  ASSERT_TRUE(decoder.feed(empty, out).ok());
  ASSERT_EQ(out.size(), 1u);
  EXPECT_TRUE(out[0].headers.empty());
  EXPECT_TRUE(out[0].payload.empty());
}

TEST(EventStream, DecodesIndependentlyEncodedFixture) {
  EventStreamDecoder decoder;
  std::vector<EventStreamMessage> out;
  ASSERT_TRUE(decoder.feed(fixture(), out).ok());
  EXPECT_EQ(out, expected_messages());
  EXPECT_FALSE(decoder.has_pending());
}

TEST(EventStream, EncoderReproducesFixtureBytes) {
  std::string encoded;
  for (const auto& m : expected_messages()) encoded += encode_event_stream_message(m);
  EXPECT_EQ(encoded, fixture());
}

TEST(EventStream, EverySplitOffset) {
  const std::string bytes = fixture();
  for (size_t cut = 0; cut <= bytes.size(); ++cut) {
    EventStreamDecoder decoder;
    std::vector<EventStreamMessage> out;
    ASSERT_TRUE(decoder.feed(std::string_view(bytes).substr(0, cut), out).ok());
    ASSERT_TRUE(decoder.feed(std::string_view(bytes).substr(cut), out).ok());
    ASSERT_EQ(out, expected_messages()) << "cut at " << cut;
  }
}

TEST(EventStream, ByteByByte) {
  const std::string bytes = fixture();
  EventStreamDecoder decoder;
  std::vector<EventStreamMessage> out;
  for (char c : bytes) ASSERT_TRUE(decoder.feed(std::string_view(&c, 1), out).ok());
  EXPECT_EQ(out, expected_messages());
}

TEST(EventStream, EveryCorruptedByteIsRefused) {
  const std::string good = encode_event_stream_message(expected_messages()[1]);
  for (size_t i = 0; i < good.size(); ++i) {
    std::string bad = good;
    bad[i] = char(bad[i] ^ 0x20);
    EventStreamDecoder decoder;
    std::vector<EventStreamMessage> out;
    auto st = decoder.feed(bad, out);
    // Prelude bytes are covered by the prelude CRC, the rest by the message CRC.
    EXPECT_TRUE(out.empty()) << "byte " << i;
    EXPECT_FALSE(st.ok()) << "byte " << i;
  }
}

TEST(EventStream, ErrorIsSticky) {
  std::string bad = encode_event_stream_message(expected_messages()[2]);
  bad[15] ^= 1;
  EventStreamDecoder decoder;
  std::vector<EventStreamMessage> out;
  EXPECT_FALSE(decoder.feed(bad, out).ok());
  EXPECT_FALSE(decoder.feed(encode_event_stream_message(EventStreamMessage{}), out).ok());
  EXPECT_TRUE(out.empty());
}

TEST(EventStream, RefusesAbsurdLengths) {
  for (uint32_t total : {0x40000000u, 15u}) {
    // A valid prelude CRC does not make an impossible length acceptable.
    std::string prelude;
    for (int s = 24; s >= 0; s -= 8) prelude.push_back(char((total >> s) & 0xFF));
    prelude.append(4, '\0');
    uint32_t crc = crc32(prelude);
    for (int s = 24; s >= 0; s -= 8) prelude.push_back(char((crc >> s) & 0xFF));
    EventStreamDecoder decoder;
    std::vector<EventStreamMessage> out;
    EXPECT_FALSE(decoder.feed(prelude, out).ok()) << total;
  }
}

TEST(EventStream, ExceptionFrameBecomesError) {
  auto messages = expected_messages();
  EXPECT_FALSE(event_stream_error(messages[1]).has_value());
  auto e = event_stream_error(messages[3]);
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->kind, ErrorKind::rate_limited);
  EXPECT_NE(e->message.find("Too many requests"), std::string::npos);

  EventStreamMessage err;
  err.headers = {{":message-type", event_string("error")},
                 {":error-code", event_string("InternalFailure")},
                 {":error-message", event_string("boom")}};
  auto e2 = event_stream_error(err);
  ASSERT_TRUE(e2.has_value());
  EXPECT_EQ(e2->kind, ErrorKind::upstream_error);
  EXPECT_EQ(e2->message, "InternalFailure: boom");
}

}  // namespace
}  // namespace routeiq::providers
