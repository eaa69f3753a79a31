#pragma once
// LiteLLM's spend API over the spend tables: /spend/logs, /spend/keys,
// /spend/users, /spend/tags, /global/spend/*, /user/daily/activity,
// /team/daily/activity (spend/report plans, reads and renders each answer;
// the read runs on a database thread) and POST /spend/calculate.
#include <boost/asio/awaitable.hpp>

#include "routeiq/api/pipeline.hpp"
#include "routeiq/spend/report.hpp"

namespace routeiq::api {

boost::asio::awaitable<void> answer_spend_report(RequestContext& ctx, spend::Endpoint endpoint);

// One handler per endpoint, for the route table.
template <spend::Endpoint E>
boost::asio::awaitable<void> handle_spend_report(RequestContext& ctx) {
  co_await answer_spend_report(ctx, E);
}

boost::asio::awaitable<void> handle_spend_calculate(RequestContext& ctx);

}  // namespace routeiq::api
