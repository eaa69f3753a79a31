#pragma once
// LiteLLM's model management API with store_model_in_db: /model/new,
// /model/update, /model/delete. Same paths, bodies and answers; deployments
// are kept in the store (credentials sealed) and served at once, beside the
// config's, by this instance and, within a poll interval, by every other one
// sharing the database. The master key only.
#include "routeiq/api/pipeline.hpp"

namespace routeiq::api {

boost::asio::awaitable<void> handle_model_new(RequestContext& ctx);
boost::asio::awaitable<void> handle_model_update(RequestContext& ctx);
boost::asio::awaitable<void> handle_model_delete(RequestContext& ctx);

}  // namespace routeiq::api
