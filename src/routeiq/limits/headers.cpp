#include "routeiq/limits/headers.hpp"

#include <algorithm>
#include <array>
#include <limits>
#include <utility>

namespace routeiq::limits {

namespace {

constexpr std::array<std::pair<std::string_view, std::string_view>, 7> kKinds{{
    {"key", "key"},
    {"user", "user"},
    {"team", "team"},
    {"end_user", "end_user"},
    {"key_model", "model_per_key"},
    {"team_model", "model_per_team"},
    {"deployment", "deployment"},
}};

std::string printed(const std::optional<int64_t>& limit) {
  return std::to_string(limit.value_or(std::numeric_limits<int64_t>::max()));
}

Remaining remaining_of(const Refusal& refusal) {
  Remaining result;
  auto left = [](int64_t limit, int64_t used) { return std::max<int64_t>(limit - used, 0); };
  if (refusal.limits.rpm) {
    result.request_limit = refusal.limits.rpm;
    result.remaining_requests = left(*refusal.limits.rpm, refusal.usage.requests);
  }
  if (refusal.limits.tpm) {
    result.token_limit = refusal.limits.tpm;
    result.remaining_tokens = left(*refusal.limits.tpm, refusal.usage.tokens);
  }
  return result;
}

void add_if(HeaderList& headers, std::string_view name, const std::optional<int64_t>& value) {
  if (value) headers.add(name, std::to_string(*value));
}

}  // namespace

std::string_view scope_kind(std::string_view scope_id) {
  std::string_view prefix = scope_id.substr(0, scope_id.find(':'));
  for (const auto& [id_prefix, kind] : kKinds) {
    if (prefix == id_prefix) return kind;
  }
  return prefix;
}

HeaderList remaining_headers(const Remaining& remaining) {
  HeaderList headers;
  add_if(headers, "x-ratelimit-limit-requests", remaining.request_limit);
  add_if(headers, "x-ratelimit-remaining-requests", remaining.remaining_requests);
  add_if(headers, "x-ratelimit-limit-tokens", remaining.token_limit);
  add_if(headers, "x-ratelimit-remaining-tokens", remaining.remaining_tokens);
  return headers;
}

HeaderList refusal_headers(const Refusal& refusal) {
  HeaderList headers;
  headers.add("retry-after", std::to_string(refusal.retry_after_seconds));
  headers.append(remaining_headers(remaining_of(refusal)));
  return headers;
}

std::string refusal_message(const Refusal& refusal) {
  const Usage& usage = refusal.usage;
  std::string message = "LiteLLM Rate Limit Handler for rate limit type = ";
  message += scope_kind(refusal.scope_id);
  message += ". Crossed TPM / RPM / Max Parallel Request Limit. current rpm: ";
  message += std::to_string(usage.requests + 1);
  message += ", rpm limit: " + printed(refusal.limits.rpm);
  message += ", current tpm: " + std::to_string(usage.tokens);
  message += ", tpm limit: " + printed(refusal.limits.tpm);
  message += ", current max_parallel_requests: " + std::to_string(usage.in_flight);
  message += ", max_parallel_requests: " + printed(refusal.limits.max_parallel);
  return message;
}

}  // namespace routeiq::limits
