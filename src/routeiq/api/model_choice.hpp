#pragma once
// Which model group serves a request: the `model` it names (exact, alias,
// most specific wildcard, or a RouteLLM-style "router-<type>-<w>"), and for a
// learned-router group the candidate group the router picks. Pure: no I/O.
#include <optional>
#include <string>

#include "routeiq/api/pipeline.hpp"
#include "routeiq/routing/table.hpp"

namespace routeiq::api {

struct ModelChoice {
  routing::Resolution resolution;
  std::string routed_by;     // x-routeiq-router: the router (and version) that decided
  std::string routed_model;  // x-routeiq-routed-model
};

// Whether the caller's virtual key (if any) may call `model`, which resolved
// to `group` (either name admits it: a key may list a wildcard's group or the
// model asked for).
bool key_may_use(const RequestContext& ctx, std::string_view model, std::string_view group);

// Applies the key's model aliases, refuses models the key may not use. May set
// ctx.cost_weight (from a "router-<type>-<w>" name).
Result<ModelChoice> choose_model_group(RequestContext& ctx);

}  // namespace routeiq::api
