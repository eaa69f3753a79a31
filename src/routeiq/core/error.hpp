#pragma once
// One table maps every error kind to its HTTP status and its OpenAI and
// Anthropic error shapes. Handlers never pick a status by hand.
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace routeiq {

enum class ErrorKind {
  invalid_json,
  invalid_request,
  unsupported_param,
  unknown_model,
  unauthorized,
  forbidden,
  not_found,
  method_not_allowed,
  payload_too_large,
  rate_limited,
  context_window_exceeded,
  upstream_error,
  no_deployment_available,
  timeout,
  internal,
  shutting_down,
  overloaded,
  db_unavailable,   // the key/management database cannot be reached: 503
  auth_error,       // a virtual key refused (unknown, blocked, expired, no access): LiteLLM's 401
  auth_forbidden,   // a known caller refused a route or an object (role, allowed_routes): 403
  budget_exceeded,  // spend reached a max_budget: LiteLLM's 400 "budget_exceeded"
};

struct ErrorSpec {
  int status;
  std::string_view openai_type;
  std::string_view openai_code;
  std::string_view anthropic_type;
};

const ErrorSpec& error_spec(ErrorKind kind);
// The kind an upstream HTTP error status stands for (its status is kept by
// callers as status_override): 529 is Anthropic's overloaded_error, other
// unlisted statuses are upstream errors.
ErrorKind error_kind_for_status(int status);
std::string_view error_kind_name(ErrorKind kind);

struct Error {
  ErrorKind kind = ErrorKind::internal;
  std::string message;
  std::string param;
  // Non-zero when an upstream status is passed through instead of the table's.
  int status_override = 0;
  // Upstream Retry-After, kept so a 429 reaches the client with it.
  std::string retry_after;

  int status() const { return status_override ? status_override : error_spec(kind).status; }
};

Error make_error(ErrorKind kind, std::string message, std::string param = {});

// {"error":{"message","type","param","code"}}
std::string openai_error_body(const Error& e);
// {"type":"error","error":{"type","message"}}
std::string anthropic_error_body(const Error& e);

// A value or an Error: errors are values on the request path.
template <class T>
class Result {
 public:
  Result(T value) : v_(std::move(value)) {}
  Result(Error error) : v_(std::move(error)) {}
  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() { return value(); }
  const Error& error() const { return std::get<1>(v_); }
  Error&& take_error() { return std::get<1>(std::move(v_)); }

 private:
  std::variant<T, Error> v_;
};

// Result of an operation that yields nothing but may fail.
struct Unit {};
using Status = Result<Unit>;
inline Status ok_status() {
  return Unit{};
}

}  // namespace routeiq
