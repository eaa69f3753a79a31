#include "routeiq/providers/sse.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace routeiq::providers {
namespace {

// Mixes every line ending, a BOM, comments, multi-line data, ids, retry and
// a multi-byte UTF-8 character, so that each split point exercises some state.
const std::string kTranscript =
    "\xEF\xBB\xBF"
    ": comment line\r\n"
    "event: message_start\r\n"
    "data: {\"a\":1}\r\n"
    "\r\n"
    "data:no-space\n"
    "data:  two spaces\n"
    "id: 42\n"
    "\n"
    "event: delta\r"
    "data: caf\xC3\xA9 \xF0\x9F\x98\x80\r"
    "retry: 1500\r"
    "\r"
    "event: ignored-no-data\n"
    "\n"
    "data\n"
    "unknown: field\n"
    "id\n"
    "\n"
    "data: last\r\n"
    "\r\n"
    "data: unterminated";

std::vector<SseEvent> expected_events() {
  return {
      {"message_start", "{\"a\":1}", ""},
      {"message", "no-space\n two spaces", "42"},
      {"delta", "caf\xC3\xA9 \xF0\x9F\x98\x80", "42"},
      {"message", "", ""},
      {"message", "last", ""},
  };
}

std::vector<SseEvent> parse_in_pieces(const std::string& input, const std::vector<size_t>& cuts) {
  SseParser parser;
  std::vector<SseEvent> events;
  size_t start = 0;
  for (size_t cut : cuts) {
    EXPECT_TRUE(parser.feed(std::string_view(input).substr(start, cut - start), events).ok());
    start = cut;
  }
  EXPECT_TRUE(parser.feed(std::string_view(input).substr(start), events).ok());
  return events;
}

TEST(SseParser, WholeTranscript) {
  SseParser parser;
  std::vector<SseEvent> events;
  ASSERT_TRUE(parser.feed(kTranscript, events).ok());
  EXPECT_EQ(events, expected_events());
  EXPECT_EQ(parser.retry_ms(), 1500);
  EXPECT_TRUE(parser.has_pending());  // "data: unterminated" is never dispatched
}

TEST(SseParser, EverySplitOffsetGivesTheSameEvents) {
  for (size_t cut = 0; cut <= kTranscript.size(); ++cut) {
    EXPECT_EQ(parse_in_pieces(kTranscript, {cut}), expected_events()) << "cut at " << cut;
  }
}

TEST(SseParser, EveryPairOfSplitOffsets) {
  for (size_t a = 0; a <= kTranscript.size(); a += 3)
    for (size_t b = a; b <= kTranscript.size(); ++b)
      ASSERT_EQ(parse_in_pieces(kTranscript, {a, b}), expected_events()) << a << "," << b;
}

TEST(SseParser, ByteByByte) {
  std::vector<size_t> cuts;
  for (size_t i = 1; i < kTranscript.size(); ++i) cuts.push_back(i);
  EXPECT_EQ(parse_in_pieces(kTranscript, cuts), expected_events());
}

TEST(SseParser, BomOnlyStrippedAtStart) {
  SseParser parser;
  std::vector<SseEvent> events;
  ASSERT_TRUE(parser
                  .feed("data: a\n\n\xEF\xBB\xBF"
                        "data: b\n\n",
                        events)
                  .ok());
  ASSERT_EQ(events.size(), 1u);  // "\xEF\xBB\xBFdata" is an unknown field name
  EXPECT_EQ(events[0].data, "a");
}

TEST(SseParser, PartialBomPrefixIsData) {
  SseParser parser;
  std::vector<SseEvent> events;
  ASSERT_TRUE(parser.feed("\xEF", events).ok());
  ASSERT_TRUE(parser.feed(":x\ndata: y\n\n", events).ok());
  // "\xEF:x" is the field "\xEF" - ignored - and not a comment.
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].data, "y");
}

TEST(SseParser, CrThenLfInNextChunkIsOneLineEnding) {
  SseParser parser;
  std::vector<SseEvent> events;
  ASSERT_TRUE(parser.feed("data: x\r", events).ok());
  ASSERT_TRUE(parser.feed("\n", events).ok());
  EXPECT_TRUE(events.empty());  // only one line ended so far
  ASSERT_TRUE(parser.feed("\r\n", events).ok());
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].data, "x");
}

TEST(SseParser, IdWithNulIsIgnoredAndRetryMustBeDigits) {
  SseParser parser;
  std::vector<SseEvent> events;
  const char input[] = "id: a\0b\nretry: 12x\ndata: d\n\n";
  ASSERT_TRUE(parser.feed(std::string(input, sizeof(input) - 1), events).ok());
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].id, "");
  EXPECT_FALSE(parser.retry_ms().has_value());
}

TEST(SseParser, OversizedEventRefused) {
  SseParser parser(64);
  std::vector<SseEvent> events;
  EXPECT_TRUE(parser.feed("data: " + std::string(40, 'x') + "\n", events).ok());
  auto st = parser.feed("data: " + std::string(40, 'y') + "\n", events);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().kind, ErrorKind::upstream_error);
}

}  // namespace
}  // namespace routeiq::providers
