#pragma once
// LiteLLM's customer (end user) management: /customer/new, /customer/update,
// /customer/delete, /customer/info, /customer/list, /customer/block and
// /customer/unblock (also under /end_user/), on the end_users table. A
// customer is the `user` of an LLM request; its row id is that value, and a
// blocked customer's row has "blocked": true for the request path to refuse.
#include "routeiq/api/pipeline.hpp"

namespace routeiq::api {

boost::asio::awaitable<void> handle_customer_new(RequestContext& ctx);
boost::asio::awaitable<void> handle_customer_update(RequestContext& ctx);
boost::asio::awaitable<void> handle_customer_delete(RequestContext& ctx);
boost::asio::awaitable<void> handle_customer_info(RequestContext& ctx);
boost::asio::awaitable<void> handle_customer_list(RequestContext& ctx);
boost::asio::awaitable<void> handle_customer_block(RequestContext& ctx);
boost::asio::awaitable<void> handle_customer_unblock(RequestContext& ctx);

}  // namespace routeiq::api
