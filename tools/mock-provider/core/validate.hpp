#pragma once
// Request checking as strict as OpenAI's, so a gateway that sends a malformed
// or unknown field fails against the mock the way it would fail in production.
// Messages and codes follow what api.openai.com returns.
#include <boost/json/fwd.hpp>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mock {

// OpenAI's error object: {"error":{"message","type","param","code"}}.
struct ApiError {
  int status = 400;
  std::string message;
  std::string type = "invalid_request_error";
  std::optional<std::string> param;
  std::optional<std::string> code;
};

std::string error_body(const ApiError& error);

struct ChatRequest {
  std::string model;
  bool stream = false;
  bool include_usage = false;
  int n = 1;
  size_t prompt_chars = 0;
};

struct CompletionRequest {
  std::string model;
  bool stream = false;
  bool include_usage = false;
  int n = 1;
  size_t prompt_chars = 0;
};

struct EmbeddingRequest {
  std::string model;
  // One key per input; token arrays are spelled out so they hash too.
  std::vector<std::string> inputs;
  size_t prompt_tokens = 0;
  bool base64 = false;
  int dimensions = 8;
};

// Returns the error OpenAI gives for a body that is not a JSON object.
std::optional<ApiError> check_is_object(const boost::json::value& body);

// `model_required` is false on Azure routes, where the deployment names the model.
std::optional<ApiError> check_chat(const boost::json::object& body, bool model_required,
                                   ChatRequest& out);
std::optional<ApiError> check_completion(const boost::json::object& body, CompletionRequest& out);
std::optional<ApiError> check_embedding(const boost::json::object& body, EmbeddingRequest& out);

ApiError invalid_json_error();

}  // namespace mock
