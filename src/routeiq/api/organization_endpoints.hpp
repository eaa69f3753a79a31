#pragma once
// LiteLLM's organisation management: /organization/new, /organization/update
// (PATCH), /organization/delete (DELETE; with the organisation's teams and
// keys, as LiteLLM does), /organization/info (GET by id, and the older POST
// with a list), /organization/list and the member routes. Every organisation
// has a budget row (made from its budget fields when no budget_id is given);
// its members are kept in its row, with their role and budget.
#include "routeiq/api/pipeline.hpp"

namespace routeiq::api {

boost::asio::awaitable<void> handle_organization_new(RequestContext& ctx);
boost::asio::awaitable<void> handle_organization_update(RequestContext& ctx);
boost::asio::awaitable<void> handle_organization_delete(RequestContext& ctx);
boost::asio::awaitable<void> handle_organization_info(RequestContext& ctx);
boost::asio::awaitable<void> handle_organization_info_list(RequestContext& ctx);
boost::asio::awaitable<void> handle_organization_list(RequestContext& ctx);
boost::asio::awaitable<void> handle_organization_member_add(RequestContext& ctx);
boost::asio::awaitable<void> handle_organization_member_update(RequestContext& ctx);
boost::asio::awaitable<void> handle_organization_member_delete(RequestContext& ctx);

}  // namespace routeiq::api
