#pragma once
// The handler of every proxied endpoint: choose the model group, plan the
// attempts, and loop over the plan (a deployment per attempt from the
// Picker, retries within a group, fallbacks to other groups) until one
// answers; the client going away cancels the call in progress.
#include "routeiq/api/pipeline.hpp"

namespace routeiq::api {

boost::asio::awaitable<void> proxy_request(RequestContext& ctx);

}  // namespace routeiq::api
