#pragma once
// The answer a client got, kept for its spend-log row when
// general_settings.store_prompts_in_spend_logs is on (LiteLLM's `messages`
// and `response` columns). A whole answer is kept as sent; a stream is
// assembled from its events into the whole answer it stands for (an OpenAI
// chat.completion or text_completion, an Anthropic message), as LiteLLM
// stores a streamed response. Only built when the setting is on: a request
// without it pays nothing.
#include <boost/json/object.hpp>
#include <string>
#include <string_view>

#include "routeiq/providers/codec.hpp"

namespace routeiq::api {

class AnswerTranscript {
 public:
  AnswerTranscript(providers::Dialect dialect, providers::Endpoint endpoint)
      : dialect_(dialect), endpoint_(endpoint) {}

  void whole(std::string_view body);
  // Bytes of the client's event stream, split anywhere.
  void chunk(std::string_view bytes);
  // The answer as JSON text (bounded: see bounded_json); empty when nothing was sent.
  std::string response() const;

 private:
  void event(std::string_view data);
  void openai_chunk(const boost::json::object& chunk);
  void anthropic_event(const boost::json::object& event);
  boost::json::object assembled() const;

  providers::Dialect dialect_;
  providers::Endpoint endpoint_;
  std::string whole_;    // a whole answer, as sent
  std::string pending_;  // the stream's bytes after its last full line
  bool streamed_ = false;
  std::string id_, model_, text_, finish_reason_;
  boost::json::object usage_;
};

// The request's prompt as LiteLLM keeps it in `messages`: the chat
// messages, a completion's prompt or an embedding's input, as JSON text.
std::string request_messages(const boost::json::object& body);

// JSON text of `value`, with strings longer than 8 KiB cut (marked with how
// much was cut) and, when the text would still exceed 1 MiB, a short note
// instead: a spend-log row must not carry a whole document or an embedding
// of every token.
std::string bounded_json(boost::json::value value);

}  // namespace routeiq::api
