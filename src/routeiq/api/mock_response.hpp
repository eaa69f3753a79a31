#pragma once
// LiteLLM's mock keys: `mock_response`, `mock_timeout`, `mock_delay` (in a
// deployment's litellm_params or in a request body) and
// `mock_testing_fallbacks` (request only). A mocked attempt calls no
// provider: this module decides what the provider "answered", without I/O,
// and the proxy delivers it through the same retry, cooldown and fallback
// accounting and the same client-dialect encoders as a real answer.
//
//   mock_response: "text"                      a normal answer with that text (usage estimated;
//                                              streamed in small chunks when stream is true)
//   mock_response: "litellm.RateLimitError"    that error (429); every name is in mock_response.cpp
//   mock_response: {status: 503, message: m}   an error with that status (retry_after optional)
//   mock_response: [0.1, 0.2, ...]             /v1/embeddings: that vector for every input
//   mock_timeout: true                         no answer until the attempt's timeout, then a
//   timeout mock_delay: 1.5                            the answer comes after 1.5 s (a timeout if
//   later
//                                              than the attempt's deadline)
//   mock_testing_fallbacks: true               the requested group fails (500), its fallbacks run
//
// A string answer on /v1/embeddings is a deterministic vector of each input
// (hashed words, unit length), so equal texts get equal vectors and texts
// sharing words get close ones.
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "routeiq/api/request.hpp"
#include "routeiq/core/error.hpp"

namespace routeiq::api {

struct MockSpec {
  std::optional<boost::json::value> response;  // mock_response
  bool timeout = false;                        // mock_timeout
  double delay_seconds = 0;                    // mock_delay
  bool testing_fallbacks = false;              // mock_testing_fallbacks
  // True when this attempt answers without calling the provider.
  bool active(bool first_group) const {
    return response || timeout || (testing_fallbacks && first_group);
  }
};

// The mock keys of a request and of a deployment's litellm_params; each key
// of the request overrides the deployment's (null counts as absent). A value
// of the wrong type is a 400 naming the key.
Result<MockSpec> read_mock_spec(const boost::json::object& request,
                                const boost::json::object& litellm_params);

// How a mocked provider failed. `status`: an HTTP error; `timeout` and
// `connect`: as if the provider never answered or could not be reached.
struct MockFailure {
  enum class Kind { status, timeout, connect };
  Kind kind = Kind::status;
  int status = 0;
  std::string message;
  std::string retry_after;  // Retry-After header value, possibly empty
};

struct MockCall {
  Endpoint endpoint = Endpoint::chat_completions;
  const boost::json::object* request = nullptr;  // in OpenAI form
  std::string model;                             // reported as `model`: what the client asked for
  bool stream = false;
  bool first_group = true;  // the requested group, not a fallback
  std::string id;           // response id, e.g. "chatcmpl-<uuid>"
  int64_t created = 0;      // unix seconds
};

struct MockAnswer {
  std::chrono::milliseconds delay{0};  // wait before answering
  bool wait_for_timeout = false;       // mock_timeout: the attempt ends by its deadline
  std::optional<MockFailure> failure;
  bool stream = false;
  boost::json::object response;             // !stream: a chat.completion, text_completion or list
  std::vector<boost::json::object> chunks;  // stream: chat.completion.chunk or text_completion
};

// What a mocked provider answers to `call`. Only call it when
// spec.active(call.first_group).
MockAnswer mock_answer(const MockSpec& spec, const MockCall& call);

// The error a LiteLLM exception name stands for ("litellm.RateLimitError"),
// or nullopt when the text is an ordinary answer.
std::optional<MockFailure> mock_error_named(std::string_view text);

// The text split into stream pieces of at most `size` characters, never
// inside a UTF-8 sequence.
std::vector<std::string> split_for_stream(std::string_view text, size_t size);

// A deterministic unit vector of `dimensions` numbers for a text.
std::vector<float> mock_embedding(std::string_view text, size_t dimensions);

// About four characters a token, at least one: the text of messages, prompts
// and inputs (content parts included).
int64_t estimate_tokens(const boost::json::value& v);

}  // namespace routeiq::api
