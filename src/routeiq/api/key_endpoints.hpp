#pragma once
// LiteLLM's key management API: /key/generate, /key/update, /key/delete,
// /key/info, /key/list, /key/block, /key/unblock, /key/regenerate. Same
// paths, bodies and answers; keys are stored as their SHA-256 hash and the
// plaintext is shown once, by generate and regenerate.
#include "routeiq/api/pipeline.hpp"

namespace routeiq::api {

boost::asio::awaitable<void> handle_key_generate(RequestContext& ctx);
boost::asio::awaitable<void> handle_key_update(RequestContext& ctx);
boost::asio::awaitable<void> handle_key_delete(RequestContext& ctx);
boost::asio::awaitable<void> handle_key_info(RequestContext& ctx);
boost::asio::awaitable<void> handle_key_list(RequestContext& ctx);
boost::asio::awaitable<void> handle_key_block(RequestContext& ctx);
boost::asio::awaitable<void> handle_key_unblock(RequestContext& ctx);
boost::asio::awaitable<void> handle_key_regenerate(RequestContext& ctx);

}  // namespace routeiq::api
