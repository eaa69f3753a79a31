#pragma once
// LiteLLM's budget management: /budget/new, /budget/update, /budget/delete,
// /budget/info, /budget/list and /budget/settings on the budgets table, and
// the budget rows that customers and organisations own (LiteLLM makes one
// from an owner's budget fields and shows it as litellm_budget_table).
// Budgets are stored; enforcing them is the spend and limits stage's work.
#include <boost/json/object.hpp>
#include <string>

#include "routeiq/api/pipeline.hpp"
#include "routeiq/store/store.hpp"

namespace routeiq::api {

boost::asio::awaitable<void> handle_budget_new(RequestContext& ctx);
boost::asio::awaitable<void> handle_budget_update(RequestContext& ctx);
boost::asio::awaitable<void> handle_budget_delete(RequestContext& ctx);
boost::asio::awaitable<void> handle_budget_info(RequestContext& ctx);
boost::asio::awaitable<void> handle_budget_list(RequestContext& ctx);
boost::asio::awaitable<void> handle_budget_settings(RequestContext& ctx);

// The budget `id` as an owner shows it (litellm_budget_table): the row, or
// null when there is none.
Result<boost::json::value> budget_table(store::Store& s, std::string_view id);
// Makes a budget row from checked budget fields (keys::budget_fields) and
// returns its new id.
Result<std::string> create_budget(store::Store& s, boost::json::object fields,
                                  const Principal& caller);
// Sets the owner's budget fields: on its budget `id` when it exists, else on a
// new budget. Returns the id of the budget written.
Result<std::string> write_owner_budget(store::Store& s, const std::string& id,
                                       const boost::json::object& fields, const Principal& caller);
// A 400 when a budget_id given in a body names no budget.
Status require_budget(store::Store& s, const std::string& id);

}  // namespace routeiq::api
