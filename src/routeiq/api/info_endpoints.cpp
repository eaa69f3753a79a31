#include "routeiq/api/info_endpoints.hpp"

#include "routeiq/api/model_choice.hpp"

#include <boost/json.hpp>
#include <ctime>

namespace routeiq::api {
namespace asio = boost::asio;
namespace json = boost::json;

namespace {

constexpr std::string_view kJson = "application/json";
constexpr std::string_view kAlive = "\"I'm alive!\"";

int64_t now_seconds() {
  return static_cast<int64_t>(std::time(nullptr));
}

json::object model_card(std::string_view id, int64_t created) {
  return {{"id", id}, {"object", "model"}, {"created", created}, {"owned_by", "openai"}};
}

// litellm_params that /model/info may show. An allow-list: a key not named
// here (a credential, a token, a custom header value) is never shown, however
// a provider names its secrets.
constexpr std::string_view kShownParams[] = {"custom_llm_provider",
                                             "region_name",
                                             "aws_region_name",
                                             "vertex_project",
                                             "vertex_location",
                                             "vertex_ai_project",
                                             "vertex_ai_location",
                                             "max_parallel_requests",
                                             "order",
                                             "tags",
                                             "drop_params",
                                             "merge_reasoning_content_in_choices",
                                             "use_in_pass_through",
                                             "base_model",
                                             "input_cost_per_token",
                                             "output_cost_per_token",
                                             "input_cost_per_second",
                                             "output_cost_per_second",
                                             "max_tokens",
                                             "temperature",
                                             "top_p",
                                             "candidates",
                                             "cost_weight",
                                             "hot_reload"};

bool shown_param(std::string_view key) {
  for (auto k : kShownParams)
    if (k == key) return true;
  return false;
}

}  // namespace

json::object model_info_entry(const config::Deployment& d) {
  json::object params;
  for (const auto& [k, v] : d.extra_params)
    if (shown_param(k)) params[k] = v;
  params["model"] = d.provider + "/" + d.model;
  if (!d.api_base.empty()) params["api_base"] = runtime::public_url(d.api_base);
  if (!d.api_version.empty()) params["api_version"] = d.api_version;
  if (d.timeout) params["timeout"] = *d.timeout;
  if (d.stream_timeout) params["stream_timeout"] = *d.stream_timeout;
  if (d.rpm) params["rpm"] = *d.rpm;
  if (d.tpm) params["tpm"] = *d.tpm;
  if (d.weight) params["weight"] = *d.weight;
  json::object info = d.model_info.extra;
  info["id"] = d.model_info.id;
  info["mode"] = d.model_info.mode.empty() ? "chat" : d.model_info.mode;
  if (d.model_info.max_input_tokens) info["max_input_tokens"] = *d.model_info.max_input_tokens;
  if (d.model_info.input_cost_per_token)
    info["input_cost_per_token"] = *d.model_info.input_cost_per_token;
  if (d.model_info.output_cost_per_token)
    info["output_cost_per_token"] = *d.model_info.output_cost_per_token;
  return {{"model_name", d.model_name},
          {"litellm_params", std::move(params)},
          {"model_info", std::move(info)}};
}

namespace {

// Only the groups the caller's key may use (every group for the master key).
std::string models_body(const RequestContext& ctx, int64_t created) {
  json::array data;
  for (const auto& name : ctx.snapshot->table->public_names())
    if (key_may_use(ctx, name, name)) data.push_back(model_card(name, created));
  return json::serialize(json::object{{"data", std::move(data)}, {"object", "list"}});
}

std::string model_info_body(const RequestContext& ctx) {
  json::array data;
  for (const auto& d : ctx.snapshot->config->model_list)
    if (key_may_use(ctx, d.model_name, d.model_name)) data.push_back(model_info_entry(d));
  return json::serialize(json::object{{"data", std::move(data)}});
}

std::string hot_reload_body(const runtime::Snapshot& snap) {
  json::array routers;
  for (const auto& r : snap.learned) routers.push_back(r->status());
  return json::serialize(json::object{{"routers", std::move(routers)}});
}

std::string readiness_body(bool stopping) {
  json::object out{{"status", stopping ? "shutting down" : "healthy"},
                   {"db", "Not connected"},
                   {"cache", nullptr},
                   {"routeiq_version", ROUTEIQ_VERSION_STRING}};
  return json::serialize(out);
}

}  // namespace

asio::awaitable<void> handle_models(RequestContext& ctx) {
  co_await ctx.exchange.respond(200, kJson, models_body(ctx, now_seconds()));
}

asio::awaitable<void> handle_model_by_id(RequestContext& ctx) {
  const auto& id = ctx.path_parameter;
  if (!ctx.snapshot->table->resolve(id) || !key_may_use(ctx, id, id)) {
    co_await send_error(
        ctx, make_error(ErrorKind::not_found, "The model '" + id + "' does not exist", "model"));
    co_return;
  }
  co_await ctx.exchange.respond(200, kJson, json::serialize(model_card(id, now_seconds())));
}

asio::awaitable<void> handle_model_info(RequestContext& ctx) {
  co_await ctx.exchange.respond(200, kJson, model_info_body(ctx));
}

asio::awaitable<void> handle_hot_reload_status(RequestContext& ctx) {
  co_await ctx.exchange.respond(200, kJson, hot_reload_body(*ctx.snapshot));
}

asio::awaitable<void> handle_liveness(RequestContext& ctx) {
  co_await ctx.exchange.respond(200, kJson, kAlive);
}

asio::awaitable<void> handle_readiness(RequestContext& ctx) {
  bool stopping = ctx.exchange.server_stopping();
  co_await ctx.exchange.respond(stopping ? 503 : 200, kJson, readiness_body(stopping));
}

}  // namespace routeiq::api
