#pragma once
// A wire-format translator: OpenAI chat requests/responses <-> one provider's
// native format. Created per request, holds the streaming state, does no I/O:
// the network layer sends `encode`'s HttpRequest and feeds back the bytes.
#include <boost/json/object.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "routeiq/core/error.hpp"
#include "routeiq/core/http_request.hpp"

namespace routeiq::providers {

using HttpRequest = routeiq::HttpRequest;  // what the network layer sends upstream

struct Usage {
  int64_t prompt_tokens = 0, completion_tokens = 0, cached_tokens = 0, cache_creation_tokens = 0,
          reasoning_tokens = 0;
};

struct Credentials {
  std::string api_key;
  std::string bearer_token;  // e.g. a Vertex AI OAuth access token
  // AWS
  std::string access_key_id, secret_access_key, session_token, region;
};

struct Target {          // one deployment, resolved
  std::string provider;  // "anthropic", "gemini", ...
  std::string model;     // provider-side model name
  std::string api_base;  // may be empty -> the format's default
  std::string api_version;
  std::string organization;  // OpenAI's openai-organization header
  Credentials credentials;
  boost::json::object extra_params;  // other litellm_params (vertex_project, aws_region_name, ...)
  // The deployment's provider parameters (temperature, ...: litellm_params
  // without LiteLLM's own keys): defaults of an OpenAI-family body.
  boost::json::object body_defaults;
  bool drop_params = false;
  HeaderList extra_headers;
  // Client headers passed on as they are (anthropic-version, anthropic-beta).
  HeaderList client_headers;
};

class ChatTranslator {  // one per request; holds streaming state; no I/O
 public:
  virtual ~ChatTranslator() = default;
  // OpenAI chat request (canonical) -> provider request. `now` is injected for
  // signing and becomes the `created` time of the responses.
  virtual Result<HttpRequest> encode(const boost::json::object& openai_request,
                                     const Target& target,
                                     std::chrono::system_clock::time_point now) = 0;
  // 2xx provider body -> OpenAI chat.completion object.
  virtual Result<boost::json::object> decode(std::string_view body) = 0;
  // non-2xx provider body -> Error with the right kind/status (context-window errors recognised).
  virtual Error decode_error(int status, std::string_view body) = 0;
  // Streaming: raw upstream bytes, any split; appends OpenAI chat.completion.chunk objects.
  // An error event in the stream gives an Error; the caller ends the stream with it.
  virtual Status decode_stream(std::string_view bytes, std::vector<boost::json::object>& out) = 0;
  virtual bool stream_finished() const = 0;
  virtual Usage usage() const = 0;
};

// "anthropic", "gemini", "vertex_ai", "bedrock", "cohere"; nullptr for other names.
std::unique_ptr<ChatTranslator> make_chat_translator(std::string_view format);

}  // namespace routeiq::providers
