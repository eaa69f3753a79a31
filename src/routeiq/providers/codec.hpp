#pragma once
// How one attempt talks to one deployment: the client's dialect and endpoint
// on one side, the deployment's wire format on the other. A codec encodes the
// upstream request and decodes whole or streamed answers into the client's
// dialect, and reports what the answer said about itself (token usage, the
// model that answered, whether a stream ended with its final event), so every
// path can be billed, limited and measured, pass-through included.
//
// make_codec is the only place that decides: one switch over the wire format,
// no default, so a new format does not compile until it is handled here.
#include <boost/json/object.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "routeiq/core/error.hpp"
#include "routeiq/providers/provider_table.hpp"
#include "routeiq/providers/translator.hpp"

namespace routeiq::providers {

enum class Endpoint { chat_completions, completions, embeddings };
enum class Dialect { openai, anthropic };

// An error in the client's dialect (OpenAI or Anthropic shape).
std::string error_body(Dialect dialect, const Error& error);

// Canonical OpenAI objects -> the client's dialect (OpenAI JSON/SSE or
// Anthropic Messages). Used by translated codecs and by answers the gateway
// makes itself (mock responses).
class ResponseEncoder {
 public:
  virtual ~ResponseEncoder() = default;
  virtual std::string full(const boost::json::object& openai_response) = 0;
  virtual void chunk(const boost::json::object& openai_chunk, std::string& out) = 0;
  virtual void finish(std::string& out) = 0;
  virtual void fail(const Error& error, std::string& out) = 0;
};
// `model`: the name the client asked for (Anthropic's message_start says it).
std::unique_ptr<ResponseEncoder> make_encoder(Dialect dialect, std::string model);

class Codec {
 public:
  virtual ~Codec() = default;

  // True when encode() takes the client's own body (pass-through: only
  // `model` changes); false when it takes the canonical OpenAI request.
  virtual bool takes_client_body() const = 0;
  virtual Result<HttpRequest> encode(const boost::json::object& request, const Target& target,
                                     std::chrono::system_clock::time_point now) = 0;
  // A non-2xx answer as an Error of the right kind (the status is kept).
  virtual Error decode_error(int status, std::string_view body) = 0;
  // A whole 2xx body -> the client's body. Pass-through returns the bytes it
  // was given, read but not re-encoded. An answer that is not valid is an
  // upstream_error (a 502 for the client).
  virtual Result<std::string> decode_body(std::string body) = 0;
  // A piece of a stream (any split) -> bytes for the client, appended to out.
  // An error event in the stream is an Error: end the client's stream with it.
  virtual Status decode_stream(std::string_view piece, std::string& out) = 0;
  // The upstream stream ended: what the client's stream ends with.
  virtual void finish_stream(std::string& out) = 0;
  // The stream broke: an error event in the client's dialect.
  virtual void fail_stream(const Error& error, std::string& out) = 0;

  virtual Usage usage() const = 0;
  // The model named by the answer ("" when it named none).
  virtual const std::string& answered_model() const = 0;
  // A stream ended with its final event ([DONE], message_stop, ...). A whole
  // body that decoded is complete.
  virtual bool complete() const = 0;
};

// nullptr when the endpoint cannot be served in that format (native formats
// serve chat only); `group` is the model name the client asked for.
std::unique_ptr<Codec> make_codec(Endpoint endpoint, Dialect client, WireFormat upstream,
                                  std::string group);

}  // namespace routeiq::providers
