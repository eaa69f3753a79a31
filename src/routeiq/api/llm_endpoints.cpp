#include "routeiq/api/llm_endpoints.hpp"

#include <boost/json.hpp>
#include <charconv>

#include "routeiq/api/proxy.hpp"
#include "routeiq/providers/anthropic_frontend.hpp"

namespace routeiq::api {
namespace asio = boost::asio;
namespace json = boost::json;
namespace http = net::http;

namespace {

std::optional<double> cost_weight_header(const http::request<http::string_body>& req) {
  auto v = req["x-routeiq-cost-weight"];
  double out = 0;
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
  if (v.empty() || ec != std::errc() || end != v.data() + v.size()) return std::nullopt;
  return out;
}

HeaderList anthropic_client_headers(const http::request<http::string_body>& req) {
  HeaderList out;
  for (auto name : {"anthropic-version", "anthropic-beta"})
    if (auto v = req[name]; !v.empty()) out.add(name, std::string(v));
  return out;
}

bool wants_stream(const json::object& body) {
  auto it = body.find("stream");
  return it != body.end() && it->value().is_bool() && it->value().as_bool();
}

// A rough count (about four characters a token) of the text a request sends.
int64_t estimate_tokens(const json::value& v) {
  if (v.is_string()) return static_cast<int64_t>(v.as_string().size());
  int64_t n = 0;
  if (v.is_array())
    for (const auto& x : v.as_array()) n += estimate_tokens(x);
  if (v.is_object())
    for (const auto& [k, x] : v.as_object())
      if (k != "type" && k != "id" && k != "tool_use_id") n += estimate_tokens(x);
  return n;
}

std::string count_tokens_body(const json::object& request) {
  int64_t chars = 0;
  for (auto key : {"system", "messages", "tools"})
    if (auto it = request.find(key); it != request.end()) chars += estimate_tokens(it->value());
  return json::serialize(json::object{{"input_tokens", std::max<int64_t>(1, (chars + 3) / 4)}});
}

}  // namespace

asio::awaitable<void> handle_openai(RequestContext& ctx) {
  ctx.cost_weight = cost_weight_header(ctx.exchange.request());
  ctx.record.stream = wants_stream(ctx.body);
  co_await proxy_request(ctx);
}

asio::awaitable<void> handle_messages(RequestContext& ctx) {
  // Anthropic requires max_tokens; answering the same keeps the endpoint
  // indistinguishable from the real API for clients that test it.
  if (!ctx.body.contains("max_tokens")) {
    co_await send_error(
        ctx, make_error(ErrorKind::invalid_request, "max_tokens: Field required", "max_tokens"));
    co_return;
  }
  auto canonical = providers::anthropic_request_to_openai(ctx.body);
  if (!canonical) {
    co_await send_error(ctx, std::move(canonical.error()));
    co_return;
  }
  ctx.canonical = std::move(canonical.value());
  ctx.client_headers = anthropic_client_headers(ctx.exchange.request());
  ctx.cost_weight = cost_weight_header(ctx.exchange.request());
  ctx.record.stream = wants_stream(ctx.body);
  co_await proxy_request(ctx);
}

asio::awaitable<void> handle_count_tokens(RequestContext& ctx) {
  co_await ctx.exchange.respond(200, "application/json", count_tokens_body(ctx.body));
}

}  // namespace routeiq::api
