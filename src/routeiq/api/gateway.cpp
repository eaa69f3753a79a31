#include "routeiq/api/gateway.hpp"

#include "routeiq/api/budget_endpoints.hpp"
#include "routeiq/api/customer_endpoints.hpp"
#include "routeiq/api/info_endpoints.hpp"
#include "routeiq/api/key_endpoints.hpp"
#include "routeiq/api/llm_endpoints.hpp"
#include "routeiq/api/model_endpoints.hpp"
#include "routeiq/api/organization_endpoints.hpp"
#include "routeiq/api/request.hpp"
#include "routeiq/api/spend_endpoints.hpp"
#include "routeiq/api/stages.hpp"
#include "routeiq/api/team_endpoints.hpp"
#include "routeiq/api/token_counter_endpoint.hpp"
#include "routeiq/api/user_endpoints.hpp"

namespace routeiq::api {
namespace asio = boost::asio;
namespace http = net::http;

namespace {

using enum BodyKind;
using enum RouteGroup;
constexpr auto kOpenAI = Dialect::openai;
constexpr auto kAnthropic = Dialect::anthropic;
constexpr auto kGet = http::verb::get;
constexpr auto kPost = http::verb::post;
constexpr auto kPatch = http::verb::patch;     // LiteLLM's /organization/update, member_update
constexpr auto kDelete = http::verb::delete_;  // LiteLLM's /organization/delete, member_delete
constexpr auto kChat = Endpoint::chat_completions;
using Spend = spend::Endpoint;

// Adding an endpoint is adding a row (and its handler).
constexpr Route kRoutes[] = {
    {"/chat/completions", kPost, kOpenAI, json, llm_api, kChat, handle_openai},
    {"/completions", kPost, kOpenAI, json, llm_api, Endpoint::completions, handle_openai},
    {"/embeddings", kPost, kOpenAI, json, llm_api, Endpoint::embeddings, handle_openai},
    {"/messages", kPost, kAnthropic, json, llm_api, kChat, handle_messages},
    {"/messages/count_tokens", kPost, kAnthropic, json, llm_api, kChat, handle_count_tokens},
    {"/models", kGet, kOpenAI, none, llm_api, kChat, handle_models},
    {"/models/*", kGet, kOpenAI, none, llm_api, kChat, handle_model_by_id},
    {"/model/info", kGet, kOpenAI, none, info, kChat, handle_model_info},
    {"/hot-reload/status", kGet, kOpenAI, none, info, kChat, handle_hot_reload_status},
    {"/model/new", kPost, kOpenAI, json, management, kChat, handle_model_new},
    {"/model/update", kPost, kOpenAI, json, management, kChat, handle_model_update},
    {"/model/delete", kPost, kOpenAI, json, management, kChat, handle_model_delete},
    {"/key/generate", kPost, kOpenAI, json, management, kChat, handle_key_generate},
    {"/key/update", kPost, kOpenAI, json, management, kChat, handle_key_update},
    {"/key/delete", kPost, kOpenAI, json, management, kChat, handle_key_delete},
    {"/key/block", kPost, kOpenAI, json, management, kChat, handle_key_block},
    {"/key/unblock", kPost, kOpenAI, json, management, kChat, handle_key_unblock},
    {"/key/regenerate", kPost, kOpenAI, json, management, kChat, handle_key_regenerate},
    {"/key/*/regenerate", kPost, kOpenAI, json, management, kChat, handle_key_regenerate},
    {"/key/info", kGet, kOpenAI, none, info, kChat, handle_key_info},
    {"/key/list", kGet, kOpenAI, none, management, kChat, handle_key_list},
    {"/team/new", kPost, kOpenAI, json, management, kChat, handle_team_new},
    {"/team/update", kPost, kOpenAI, json, management, kChat, handle_team_update},
    {"/team/delete", kPost, kOpenAI, json, management, kChat, handle_team_delete},
    {"/team/block", kPost, kOpenAI, json, management, kChat, handle_team_block},
    {"/team/unblock", kPost, kOpenAI, json, management, kChat, handle_team_unblock},
    {"/team/member_add", kPost, kOpenAI, json, management, kChat, handle_team_member_add},
    {"/team/member_delete", kPost, kOpenAI, json, management, kChat, handle_team_member_delete},
    {"/team/member_update", kPost, kOpenAI, json, management, kChat, handle_team_member_update},
    {"/team/info", kGet, kOpenAI, none, info, kChat, handle_team_info},
    {"/team/list", kGet, kOpenAI, none, management, kChat, handle_team_list},
    {"/user/new", kPost, kOpenAI, json, management, kChat, handle_user_new},
    {"/user/update", kPost, kOpenAI, json, management, kChat, handle_user_update},
    {"/user/delete", kPost, kOpenAI, json, management, kChat, handle_user_delete},
    {"/user/info", kGet, kOpenAI, none, info, kChat, handle_user_info},
    {"/user/list", kGet, kOpenAI, none, management, kChat, handle_user_list},
    {"/customer/new", kPost, kOpenAI, json, management, kChat, handle_customer_new},
    {"/customer/update", kPost, kOpenAI, json, management, kChat, handle_customer_update},
    {"/customer/delete", kPost, kOpenAI, json, management, kChat, handle_customer_delete},
    {"/customer/block", kPost, kOpenAI, json, management, kChat, handle_customer_block},
    {"/customer/unblock", kPost, kOpenAI, json, management, kChat, handle_customer_unblock},
    {"/customer/info", kGet, kOpenAI, none, management, kChat, handle_customer_info},
    {"/customer/list", kGet, kOpenAI, none, management, kChat, handle_customer_list},
    // LiteLLM's former names of the /customer routes, still served.
    {"/end_user/new", kPost, kOpenAI, json, management, kChat, handle_customer_new},
    {"/end_user/update", kPost, kOpenAI, json, management, kChat, handle_customer_update},
    {"/end_user/delete", kPost, kOpenAI, json, management, kChat, handle_customer_delete},
    {"/end_user/block", kPost, kOpenAI, json, management, kChat, handle_customer_block},
    {"/end_user/unblock", kPost, kOpenAI, json, management, kChat, handle_customer_unblock},
    {"/end_user/info", kGet, kOpenAI, none, management, kChat, handle_customer_info},
    {"/end_user/list", kGet, kOpenAI, none, management, kChat, handle_customer_list},
    {"/organization/new", kPost, kOpenAI, json, management, kChat, handle_organization_new},
    {"/organization/update", kPatch, kOpenAI, json, management, kChat, handle_organization_update},
    {"/organization/delete", kDelete, kOpenAI, json, management, kChat, handle_organization_delete},
    {"/organization/info", kGet, kOpenAI, none, management, kChat, handle_organization_info},
    {"/organization/info", kPost, kOpenAI, json, management, kChat, handle_organization_info_list},
    {"/organization/list", kGet, kOpenAI, none, info, kChat, handle_organization_list},
    {"/organization/member_add", kPost, kOpenAI, json, management, kChat,
     handle_organization_member_add},
    {"/organization/member_update", kPatch, kOpenAI, json, management, kChat,
     handle_organization_member_update},
    {"/organization/member_delete", kDelete, kOpenAI, json, management, kChat,
     handle_organization_member_delete},
    {"/budget/new", kPost, kOpenAI, json, management, kChat, handle_budget_new},
    {"/budget/update", kPost, kOpenAI, json, management, kChat, handle_budget_update},
    {"/budget/delete", kPost, kOpenAI, json, management, kChat, handle_budget_delete},
    {"/budget/info", kPost, kOpenAI, json, management, kChat, handle_budget_info},
    {"/budget/list", kGet, kOpenAI, none, management, kChat, handle_budget_list},
    {"/budget/settings", kGet, kOpenAI, none, management, kChat, handle_budget_settings},
    // Spend reports: read-only, for admins and proxy_admin_viewer.
    {"/spend/logs", kGet, kOpenAI, none, management, kChat, handle_spend_report<Spend::spend_logs>},
    {"/spend/keys", kGet, kOpenAI, none, management, kChat, handle_spend_report<Spend::spend_keys>},
    {"/spend/users", kGet, kOpenAI, none, management, kChat,
     handle_spend_report<Spend::spend_users>},
    {"/spend/tags", kGet, kOpenAI, none, management, kChat, handle_spend_report<Spend::spend_tags>},
    {"/global/spend/logs", kGet, kOpenAI, none, management, kChat,
     handle_spend_report<Spend::global_spend_logs>},
    {"/global/spend/keys", kGet, kOpenAI, none, management, kChat,
     handle_spend_report<Spend::global_spend_keys>},
    {"/global/spend/teams", kGet, kOpenAI, none, management, kChat,
     handle_spend_report<Spend::global_spend_teams>},
    {"/global/spend/end_users", kPost, kOpenAI, json, management, kChat,
     handle_spend_report<Spend::global_spend_end_users>},
    {"/global/spend/models", kGet, kOpenAI, none, management, kChat,
     handle_spend_report<Spend::global_spend_models>},
    {"/global/spend/tags", kGet, kOpenAI, none, management, kChat,
     handle_spend_report<Spend::global_spend_tags>},
    {"/global/spend/report", kGet, kOpenAI, none, management, kChat,
     handle_spend_report<Spend::global_spend_report>},
    {"/user/daily/activity", kGet, kOpenAI, none, management, kChat,
     handle_spend_report<Spend::user_daily_activity>},
    {"/team/daily/activity", kGet, kOpenAI, none, management, kChat,
     handle_spend_report<Spend::team_daily_activity>},
    {"/spend/calculate", kPost, kOpenAI, json, info, kChat, handle_spend_calculate},
    // In LiteLLM's openai_routes: any key that may call the LLM API may count tokens.
    {"/utils/token_counter", kPost, kOpenAI, json, llm_api, kChat, handle_token_counter},
    {"/health/liveliness", kGet, kOpenAI, none, open, kChat, handle_liveness},
    {"/health/liveness", kGet, kOpenAI, none, open, kChat, handle_liveness},
    {"/_health/live", kGet, kOpenAI, none, open, kChat, handle_liveness},
    {"/health/readiness", kGet, kOpenAI, none, open, kChat, handle_readiness},
    {"/_health/ready", kGet, kOpenAI, none, open, kChat, handle_readiness},
};

// "/models/*" matches "/models/<one non-empty segment>"; "/key/*/regenerate"
// matches "/key/<segment>/regenerate".
bool path_matches(std::string_view pattern, std::string_view path, std::string& parameter) {
  auto star = pattern.find("/*");
  if (star == std::string_view::npos) return pattern == path;
  auto prefix = pattern.substr(0, star + 1), suffix = pattern.substr(star + 2);
  if (path.size() <= prefix.size() + suffix.size()) return false;
  if (!path.starts_with(prefix) || !path.ends_with(suffix)) return false;
  auto segment = path.substr(prefix.size(), path.size() - prefix.size() - suffix.size());
  if (segment.find('/') != std::string_view::npos) return false;
  parameter = std::string(segment);
  return true;
}

Error no_route(const RouteMatch& m, std::string_view path) {
  if (m.path_known) return make_error(ErrorKind::method_not_allowed, "Method not allowed");
  return make_error(ErrorKind::not_found, "Not found: " + std::string(path));
}

}  // namespace

std::span<const Route> route_table() {
  return kRoutes;
}

std::string_view normalize_path(std::string_view path) {
  if (auto q = path.find('?'); q != std::string_view::npos) path = path.substr(0, q);
  if (path.starts_with("/v1/")) path.remove_prefix(3);
  while (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  return path;
}

RouteMatch match_route(std::string_view path, http::verb method) {
  RouteMatch m;
  std::string parameter;
  for (const auto& row : kRoutes) {
    if (!path_matches(row.path, path, parameter)) continue;
    m.path_known = true;
    if (row.method != method) continue;
    m.route = &row;
    m.parameter = std::move(parameter);
    return m;
  }
  return m;
}

Gateway::Gateway(std::shared_ptr<runtime::Runtime> runtime, std::shared_ptr<KeyService> keys,
                 std::shared_ptr<RateLimiter> limiter)
    : runtime_(std::move(runtime)),
      keys_(std::move(keys)),
      limiter_(limiter ? std::move(limiter) : std::make_shared<RateLimiter>()),
      pipeline_(default_stages()) {}

asio::awaitable<void> Gateway::handle(net::Exchange& ex) {
  auto received = Clock::now();
  auto path = normalize_path(ex.request().target());
  auto match = match_route(path, ex.request().method());
  if (!match.route) {
    co_await send_error(ex, Dialect::openai, no_route(match, path));
    co_return;
  }
  RequestContext ctx(ex, runtime_->snapshot(), *match.route);
  ctx.record.received = received;
  ctx.record.call_id = make_call_id();
  ctx.path_parameter = std::move(match.parameter);
  ctx.key_service = keys_.get();
  ctx.limiter = limiter_.get();
  co_await pipeline_.run(ctx);
}

}  // namespace routeiq::api
