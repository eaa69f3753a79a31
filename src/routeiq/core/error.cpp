#include "routeiq/core/error.hpp"

#include <array>
#include <boost/json.hpp>

namespace routeiq {
namespace {

struct Row {
  ErrorKind kind;
  std::string_view name;
  ErrorSpec spec;
};

// The single source of truth for statuses and error types.
constexpr std::array kTable{
    Row{ErrorKind::invalid_json,
        "invalid_json",
        {400, "invalid_request_error", "invalid_json", "invalid_request_error"}},
    Row{ErrorKind::invalid_request,
        "invalid_request",
        {400, "invalid_request_error", "invalid_request", "invalid_request_error"}},
    Row{ErrorKind::unsupported_param,
        "unsupported_param",
        {400, "invalid_request_error", "unsupported_parameter", "invalid_request_error"}},
    Row{ErrorKind::unknown_model,
        "unknown_model",
        {400, "invalid_request_error", "model_not_found", "not_found_error"}},
    Row{ErrorKind::unauthorized,
        "unauthorized",
        {401, "authentication_error", "invalid_api_key", "authentication_error"}},
    Row{ErrorKind::forbidden,
        "forbidden",
        {403, "permission_error", "forbidden", "permission_error"}},
    Row{ErrorKind::not_found,
        "not_found",
        {404, "not_found_error", "not_found", "not_found_error"}},
    Row{ErrorKind::method_not_allowed,
        "method_not_allowed",
        {405, "invalid_request_error", "method_not_allowed", "invalid_request_error"}},
    Row{ErrorKind::payload_too_large,
        "payload_too_large",
        {413, "invalid_request_error", "request_too_large", "request_too_large"}},
    Row{ErrorKind::rate_limited,
        "rate_limited",
        {429, "rate_limit_error", "rate_limit_exceeded", "rate_limit_error"}},
    Row{ErrorKind::context_window_exceeded,
        "context_window_exceeded",
        {400, "invalid_request_error", "context_length_exceeded", "invalid_request_error"}},
    Row{ErrorKind::upstream_error,
        "upstream_error",
        {502, "api_error", "upstream_error", "api_error"}},
    Row{ErrorKind::no_deployment_available,
        "no_deployment_available",
        {503, "api_error", "no_deployment_available", "overloaded_error"}},
    Row{ErrorKind::timeout, "timeout", {504, "timeout", "timeout", "api_error"}},
    Row{ErrorKind::internal, "internal", {500, "api_error", "internal_error", "api_error"}},
    Row{ErrorKind::shutting_down,
        "shutting_down",
        {503, "api_error", "shutting_down", "overloaded_error"}},
    // Anthropic's 529; also the gateway at its connection limit (as 503).
    Row{ErrorKind::overloaded, "overloaded", {529, "api_error", "overloaded", "overloaded_error"}},
    Row{ErrorKind::db_unavailable,
        "db_unavailable",
        {503, "api_error", "db_unavailable", "overloaded_error"}},
    // LiteLLM's ProxyException for key checks: type "auth_error", code "401".
    Row{ErrorKind::auth_error, "auth_error", {401, "auth_error", "401", "authentication_error"}},
    // The same ProxyException carrying LiteLLM's 403 (route and role checks).
    Row{ErrorKind::auth_forbidden,
        "auth_forbidden",
        {403, "auth_error", "403", "permission_error"}},
    // LiteLLM's BudgetExceededError as the proxy answers it.
    Row{ErrorKind::budget_exceeded,
        "budget_exceeded",
        {400, "budget_exceeded", "400", "invalid_request_error"}},
};

constexpr bool table_in_enum_order() {
  for (size_t i = 0; i < kTable.size(); ++i)
    if (static_cast<size_t>(kTable[i].kind) != i) return false;
  return true;
}
static_assert(table_in_enum_order(), "kTable rows must follow ErrorKind's order");
static_assert(kTable.size() == static_cast<size_t>(ErrorKind::budget_exceeded) + 1);

const Row& row(ErrorKind kind) {
  return kTable[static_cast<size_t>(kind)];
}

}  // namespace

const ErrorSpec& error_spec(ErrorKind kind) {
  return row(kind).spec;
}
ErrorKind error_kind_for_status(int status) {
  switch (status) {
    case 400:
    case 422:
      return ErrorKind::invalid_request;
    case 401:
      return ErrorKind::unauthorized;
    case 403:
      return ErrorKind::forbidden;
    case 404:
      return ErrorKind::not_found;
    case 408:
    case 504:
      return ErrorKind::timeout;
    case 413:
      return ErrorKind::payload_too_large;
    case 429:
      return ErrorKind::rate_limited;
    case 529:
      return ErrorKind::overloaded;
    default:
      return ErrorKind::upstream_error;
  }
}

std::string_view error_kind_name(ErrorKind kind) {
  return row(kind).name;
}

Error make_error(ErrorKind kind, std::string message, std::string param) {
  Error e;
  e.kind = kind;
  e.message = std::move(message);
  e.param = std::move(param);
  return e;
}

std::string openai_error_body(const Error& e) {
  const auto& spec = error_spec(e.kind);
  boost::json::object err;
  err["message"] = e.message;
  err["type"] = spec.openai_type;
  err["param"] = e.param.empty() ? boost::json::value(nullptr) : boost::json::value(e.param);
  // LiteLLM reports the HTTP status as the code for upstream errors.
  if (e.status_override)
    err["code"] = std::to_string(e.status_override);
  else
    err["code"] = spec.openai_code;
  boost::json::object root;
  root["error"] = std::move(err);
  return boost::json::serialize(root);
}

std::string anthropic_error_body(const Error& e) {
  boost::json::object err;
  err["type"] = error_spec(e.kind).anthropic_type;
  err["message"] = e.message;
  boost::json::object root;
  root["type"] = "error";
  root["error"] = std::move(err);
  return boost::json::serialize(root);
}

}  // namespace routeiq
