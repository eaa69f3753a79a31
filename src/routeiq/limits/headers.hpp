#pragma once
// What a client sees of the limits, as LiteLLM shows it: retry-after and
// x-ratelimit-{limit,remaining}-{requests,tokens} headers, and the message of
// the 429 error. Pure.
#include <string>
#include <string_view>

#include "routeiq/core/http_request.hpp"
#include "routeiq/limits/limiter.hpp"

namespace routeiq::limits {

// LiteLLM's name for the kind of a scope id: "key", "user", "team",
// "end_user", "model_per_key", "model_per_team", "deployment" (the id's prefix
// when it is none of these).
std::string_view scope_kind(std::string_view scope_id);

// x-ratelimit-* headers for the limits a scope has (none for a missing limit).
HeaderList remaining_headers(const Remaining& remaining);
// retry-after, then the refusing scope's x-ratelimit-* headers.
HeaderList refusal_headers(const Refusal& refusal);

// "LiteLLM Rate Limit Handler for rate limit type = key. Crossed TPM / RPM /
// Max Parallel Request Limit. current rpm: 2, rpm limit: 1, ...". The current
// rpm counts the refused request, as LiteLLM's does; a missing limit prints as
// 9223372036854775807, as LiteLLM prints sys.maxsize.
std::string refusal_message(const Refusal& refusal);

}  // namespace routeiq::limits
