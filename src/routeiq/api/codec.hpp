#pragma once
// The two ends of a translated call. Upstream, a decoder turns the provider's
// answer (OpenAI family JSON/SSE, or a native format through its translator)
// into canonical OpenAI objects; downstream, an encoder writes those objects in
// the client's dialect (OpenAI chat completions or Anthropic Messages).
#include <boost/json/object.hpp>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "routeiq/core/error.hpp"
#include "routeiq/providers/anthropic_frontend.hpp"
#include "routeiq/providers/sse.hpp"
#include "routeiq/providers/translator.hpp"

namespace routeiq::api {

enum class Dialect { openai, anthropic };

std::string error_body(Dialect dialect, const Error& error);

class ResponseDecoder {
 public:
  virtual ~ResponseDecoder() = default;
  virtual Result<boost::json::object> full(std::string_view body) = 0;
  virtual Status feed(std::string_view bytes, std::vector<boost::json::object>& chunks) = 0;
};

// OpenAI-format upstreams: JSON bodies and `data:` SSE chunks ([DONE] ends).
class OpenAIDecoder final : public ResponseDecoder {
 public:
  Result<boost::json::object> full(std::string_view body) override;
  Status feed(std::string_view bytes, std::vector<boost::json::object>& chunks) override;

 private:
  providers::SseParser parser_;
  std::vector<providers::SseEvent> events_;
};

// Native formats, through the provider's translator.
class TranslatorDecoder final : public ResponseDecoder {
 public:
  explicit TranslatorDecoder(providers::ChatTranslator& t) : translator_(t) {}
  Result<boost::json::object> full(std::string_view body) override {
    return translator_.decode(body);
  }
  Status feed(std::string_view bytes, std::vector<boost::json::object>& chunks) override {
    return translator_.decode_stream(bytes, chunks);
  }

 private:
  providers::ChatTranslator& translator_;
};

class ResponseEncoder {
 public:
  virtual ~ResponseEncoder() = default;
  virtual std::string full(const boost::json::object& openai_response) = 0;
  virtual void chunk(const boost::json::object& openai_chunk, std::string& out) = 0;
  virtual void finish(std::string& out) = 0;
  virtual void fail(const Error& error, std::string& out) = 0;
};

std::unique_ptr<ResponseEncoder> make_encoder(Dialect dialect, std::string model);

}  // namespace routeiq::api
