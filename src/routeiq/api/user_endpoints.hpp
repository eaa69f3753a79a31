#pragma once
// LiteLLM's user management: /user/new (with a key for the user unless
// auto_create_key is false), /user/update, /user/delete (with the user's
// keys), /user/info (the user, its keys and teams) and /user/list.
#include "routeiq/api/pipeline.hpp"

namespace routeiq::api {

boost::asio::awaitable<void> handle_user_new(RequestContext& ctx);
boost::asio::awaitable<void> handle_user_update(RequestContext& ctx);
boost::asio::awaitable<void> handle_user_delete(RequestContext& ctx);
boost::asio::awaitable<void> handle_user_info(RequestContext& ctx);
boost::asio::awaitable<void> handle_user_list(RequestContext& ctx);

}  // namespace routeiq::api
