#pragma once
// The reverse direction, for the gateway's own /v1/messages endpoint: an
// Anthropic Messages request is turned into the canonical OpenAI request,
// routed like any other, and the OpenAI-shaped answer (or chunk stream) is
// turned back into Anthropic's response or SSE event sequence.
#include <boost/json/object.hpp>
#include <map>
#include <string>
#include <string_view>

#include "routeiq/core/error.hpp"

namespace routeiq::providers {

// Anthropic request -> OpenAI chat request. Streaming requests ask for a
// usage chunk (stream_options.include_usage) so message_delta can carry usage.
Result<boost::json::object> anthropic_request_to_openai(const boost::json::object& request);

// OpenAI chat.completion -> Anthropic message.
boost::json::object openai_response_to_anthropic(const boost::json::object& response);

// "event: <type>\ndata: <json>\n\n"
std::string anthropic_sse_event(std::string_view type, const boost::json::object& data);

// OpenAI chat.completion.chunk stream -> Anthropic SSE events: message_start,
// content_block_start / *_delta / content_block_stop per block, message_delta
// (stop_reason, usage), message_stop.
class AnthropicStreamEncoder {
 public:
  explicit AnthropicStreamEncoder(std::string model) : model_(std::move(model)) {}
  void on_chunk(const boost::json::object& chunk, std::string& out);
  // The upstream stream ended normally.
  void finish(std::string& out);
  // The upstream failed mid-stream: an `error` event in Anthropic's shape.
  void fail(const Error& error, std::string& out);

 private:
  enum class Block { none, text, thinking, tool };
  void start_message(const boost::json::object& chunk, std::string& out);
  void open_block(Block type, boost::json::object content_block, std::string& out);
  void close_block(std::string& out);
  void on_tool_delta(const boost::json::object& call, std::string& out);

  std::string model_;
  bool started_ = false;
  bool finished_ = false;
  Block block_ = Block::none;
  int64_t block_index_ = -1;
  int64_t open_tool_ = -1;  // OpenAI index of the tool call in the open block
  std::string stop_reason_ = "end_turn";
  int64_t input_tokens_ = 0, output_tokens_ = 0, cache_read_tokens_ = 0;
};

}  // namespace routeiq::providers
