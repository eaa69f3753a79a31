#pragma once
// Reply bodies in OpenAI's exact shape, written straight into reusable string
// buffers: the mock is the baseline of the benchmarks, so no DOM is built on
// the hot path.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "validate.hpp"

namespace mock {

// Appends `text` as a JSON string literal, quotes included.
void append_json_string(std::string& out, std::string_view text);

// "mock reply from <name>: <model>"
std::string reply_text(std::string_view name, std::string_view model);

// Usage shared by streaming and non-streaming replies so both report the same.
struct Usage {
  size_t prompt_tokens = 1;
  size_t completion_tokens = 1;
};
size_t prompt_tokens_of(size_t chars);

std::string new_id(std::string_view prefix);
int64_t unix_seconds();
int64_t realtime_ns();

void write_chat_completion(std::string& out, std::string_view model, std::string_view text, int n,
                           Usage usage);
void write_text_completion(std::string& out, std::string_view model, std::string_view text, int n,
                           Usage usage);
void write_embeddings(std::string& out, const EmbeddingRequest& request);
void write_model_list(std::string& out, std::string_view name);
void write_model(std::string& out, std::string_view id);

// Splits text into `count` pieces whose concatenation is text, never cutting a
// UTF-8 sequence; pieces may be empty when count exceeds the text length.
std::vector<std::string_view> split_text(std::string_view text, int count);

// The events of one stream. Every event carries "mock_sent_ns" (CLOCK_REALTIME
// when written), a field clients ignore, so benchmarks can time delivery.
class StreamEvents {
 public:
  enum class Kind { chat, text_completion };
  StreamEvents(Kind kind, std::string_view model, bool include_usage);

  // Each writer replaces `out` with one HTTP chunk holding one SSE event.
  void content(std::string& out, std::string_view piece, bool first) const;
  void finish(std::string& out) const;
  void usage(std::string& out, Usage usage) const;
  static void done(std::string& out);

 private:
  void frame(std::string& out, const std::string& json, bool usage_null_tail) const;
  Kind kind_;
  bool include_usage_;
  std::string prefix_;  // {"id":..., "choices":[
  mutable std::string json_;
};

}  // namespace mock
