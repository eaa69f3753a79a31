#pragma once
// LiteLLM's team management: /team/new, /team/update, /team/delete,
// /team/info, /team/list, /team/block, /team/unblock and the member routes.
// A team's models bound its keys' models and a blocked team blocks its keys;
// deleting a team deletes its keys, as LiteLLM does.
#include "routeiq/api/pipeline.hpp"

namespace routeiq::api {

boost::asio::awaitable<void> handle_team_new(RequestContext& ctx);
boost::asio::awaitable<void> handle_team_update(RequestContext& ctx);
boost::asio::awaitable<void> handle_team_delete(RequestContext& ctx);
boost::asio::awaitable<void> handle_team_info(RequestContext& ctx);
boost::asio::awaitable<void> handle_team_list(RequestContext& ctx);
boost::asio::awaitable<void> handle_team_block(RequestContext& ctx);
boost::asio::awaitable<void> handle_team_unblock(RequestContext& ctx);
boost::asio::awaitable<void> handle_team_member_add(RequestContext& ctx);
boost::asio::awaitable<void> handle_team_member_delete(RequestContext& ctx);
boost::asio::awaitable<void> handle_team_member_update(RequestContext& ctx);

}  // namespace routeiq::api
