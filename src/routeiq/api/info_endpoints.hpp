#pragma once
// Endpoints answered from the snapshot alone: the model list, one model,
// /model/info, /hot-reload/status and the health probes.
#include "routeiq/api/pipeline.hpp"

namespace routeiq::api {

// A deployment as /model/info shows it: model_name, the litellm_params that
// are not credentials (an allow-list), model_info.
boost::json::object model_info_entry(const config::Deployment& d);

boost::asio::awaitable<void> handle_models(RequestContext& ctx);
boost::asio::awaitable<void> handle_model_by_id(RequestContext& ctx);
boost::asio::awaitable<void> handle_model_info(RequestContext& ctx);
boost::asio::awaitable<void> handle_hot_reload_status(RequestContext& ctx);
boost::asio::awaitable<void> handle_liveness(RequestContext& ctx);
boost::asio::awaitable<void> handle_readiness(RequestContext& ctx);

}  // namespace routeiq::api
