#include "routeiq/api/gateway.hpp"

#include <boost/json.hpp>
#include <ctime>

#include "routeiq/api/proxy.hpp"
#include "routeiq/core/json.hpp"
#include "routeiq/providers/anthropic_frontend.hpp"

namespace routeiq::api {
namespace asio = boost::asio;
namespace json = boost::json;
namespace http = net::http;

namespace {

constexpr std::string_view kJson = "application/json";

std::string_view strip_v1(std::string_view path) {
  if (auto q = path.find('?'); q != std::string_view::npos) path = path.substr(0, q);
  if (path.starts_with("/v1/")) path.remove_prefix(3);
  while (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  return path;
}

enum class Route {
  messages,
  count_tokens,
  chat,
  completions,
  embeddings,
  models,
  model_by_id,
  model_info,
  liveness,
  readiness,
  hot_reload_status,
  none
};

struct RouteRow {
  std::string_view path;
  http::verb method;
  Route route;
  bool needs_auth;
  Dialect dialect = Dialect::openai;  // the error shape of this route
};

constexpr RouteRow kRoutes[] = {
    {"/messages", http::verb::post, Route::messages, true, Dialect::anthropic},
    {"/messages/count_tokens", http::verb::post, Route::count_tokens, true, Dialect::anthropic},
    {"/chat/completions", http::verb::post, Route::chat, true},
    {"/completions", http::verb::post, Route::completions, true},
    {"/embeddings", http::verb::post, Route::embeddings, true},
    {"/models", http::verb::get, Route::models, true},
    {"/model/info", http::verb::get, Route::model_info, true},
    {"/hot-reload/status", http::verb::get, Route::hot_reload_status, true},
    {"/health/liveliness", http::verb::get, Route::liveness, false},
    {"/health/liveness", http::verb::get, Route::liveness, false},
    {"/_health/live", http::verb::get, Route::liveness, false},
    {"/health/readiness", http::verb::get, Route::readiness, false},
    {"/_health/ready", http::verb::get, Route::readiness, false},
};

struct Match {
  const RouteRow* row = nullptr;
  bool path_known = false;
  std::string model_id;
};

Match match_route(std::string_view path, http::verb method) {
  Match m;
  for (const auto& row : kRoutes) {
    if (row.path != path) continue;
    m.path_known = true;
    if (row.method == method) m.row = &row;
  }
  static constexpr RouteRow kModelById{"/models/", http::verb::get, Route::model_by_id, true};
  if (!m.path_known && path.starts_with("/models/") && path.size() > 8) {
    m.path_known = true;
    m.model_id = std::string(path.substr(8));
    if (method == http::verb::get) m.row = &kModelById;
  }
  return m;
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

std::string models_body(const runtime::Snapshot& snap, int64_t created) {
  json::array data;
  for (const auto& name : snap.table->public_names()) data.push_back(model_card(name, created));
  return json::serialize(json::object{{"data", std::move(data)}, {"object", "list"}});
}

std::string model_info_body(const runtime::Snapshot& snap) {
  json::array data;
  for (const auto& d : snap.config->model_list) data.push_back(model_info_entry(d));
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

constexpr std::string_view kAlive = "\"I'm alive!\"";

}  // namespace

Result<json::object> parse_json_object(std::string_view body) {
  json::parse_options options;
  options.max_depth = kMaxJsonDepth;
  json::stream_parser parser({}, options);
  boost::system::error_code ec;
  size_t consumed = parser.write(body.data(), body.size(), ec);
  if (!ec) parser.finish(ec);
  if (ec) {
    size_t pos = std::min(consumed, body.size());
    size_t line = 1, col = 1;
    for (size_t i = 0; i < pos; ++i) {
      if (body[i] == '\n') {
        ++line;
        col = 1;
      } else {
        ++col;
      }
    }
    return make_error(ErrorKind::invalid_json, "Invalid JSON in request body at line " +
                                                   std::to_string(line) + " column " +
                                                   std::to_string(col) + " (byte " +
                                                   std::to_string(pos) + "): " + ec.message());
  }
  auto value = parser.release();
  if (!value.is_object())
    return make_error(ErrorKind::invalid_request, "Request body must be a JSON object");
  if (has_non_finite_number(value))
    return make_error(ErrorKind::invalid_json,
                      "Invalid JSON in request body: a number is out of the range of a double");
  return std::move(value.as_object());
}

std::string presented_key(const http::request<http::string_body>& req) {
  auto strip_bearer = [](std::string_view v) {
    if (v.size() > 7 && boost::beast::iequals(v.substr(0, 7), "bearer ")) v.remove_prefix(7);
    while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
    return std::string(v);
  };
  if (auto v = req[http::field::authorization]; !v.empty()) return strip_bearer(v);
  if (auto v = req["x-litellm-api-key"]; !v.empty()) return strip_bearer(v);
  if (auto v = req["api-key"]; !v.empty()) return std::string(v);
  if (auto v = req["x-api-key"]; !v.empty()) return std::string(v);  // Anthropic clients
  return {};
}

bool constant_time_equal(std::string_view a, std::string_view b) {
  unsigned char diff = a.size() != b.size();
  for (size_t i = 0; i < a.size(); ++i) diff |= a[i] ^ b[i % (b.empty() ? 1 : b.size())];
  return diff == 0 && !b.empty();
}

namespace {

std::optional<double> cost_weight_header(const http::request<http::string_body>& req) {
  auto v = req["x-routeiq-cost-weight"];
  if (v.empty()) return std::nullopt;
  try {
    return std::stod(std::string(v));
  } catch (...) {
    return std::nullopt;
  }
}

net::HeaderList anthropic_client_headers(const http::request<http::string_body>& req) {
  net::HeaderList out;
  for (auto name : {"anthropic-version", "anthropic-beta"})
    if (auto v = req[name]; !v.empty()) out.emplace_back(name, std::string(v));
  return out;
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

asio::awaitable<void> Gateway::handle_messages(net::Exchange& ex,
                                               std::shared_ptr<const runtime::Snapshot> snap,
                                               std::chrono::steady_clock::time_point received) {
  auto body = parse_json_object(ex.request().body());
  if (!body) {
    co_await send_error(ex, Dialect::anthropic, body.error());
    co_return;
  }
  // Anthropic requires max_tokens; answering the same keeps the endpoint
  // indistinguishable from the real API for clients that test it.
  if (!body->contains("max_tokens")) {
    co_await send_error(
        ex, Dialect::anthropic,
        make_error(ErrorKind::invalid_request, "max_tokens: Field required", "max_tokens"));
    co_return;
  }
  auto canonical = providers::anthropic_request_to_openai(body.value());
  if (!canonical) {
    co_await send_error(ex, Dialect::anthropic, canonical.error());
    co_return;
  }
  ProxyRequest pr;
  pr.snapshot = std::move(snap);
  pr.dialect = Dialect::anthropic;
  pr.body = std::move(body.value());
  pr.canonical = std::move(canonical.value());
  pr.client_headers = anthropic_client_headers(ex.request());
  pr.cost_weight = cost_weight_header(ex.request());
  pr.received = received;
  co_await proxy_openai(ex, std::move(pr));
}

asio::awaitable<void> Gateway::handle_count_tokens(net::Exchange& ex) {
  auto body = parse_json_object(ex.request().body());
  if (!body) {
    co_await send_error(ex, Dialect::anthropic, body.error());
    co_return;
  }
  co_await ex.respond(200, kJson, count_tokens_body(body.value()));
}

Gateway::Gateway(std::shared_ptr<runtime::Runtime> runtime) : runtime_(std::move(runtime)) {}

asio::awaitable<void> Gateway::handle(net::Exchange& ex) {
  auto received = std::chrono::steady_clock::now();
  auto snap = snapshot();
  const auto& req = ex.request();
  auto path = strip_v1(req.target());
  auto match = match_route(path, req.method());
  if (!match.row) {
    Error error = match.path_known
                      ? make_error(ErrorKind::method_not_allowed, "Method not allowed")
                      : make_error(ErrorKind::not_found, "Not found: " + std::string(path));
    co_await send_openai_error(ex, std::move(error));
    co_return;
  }
  const auto& master = snap->config->general_settings.master_key;
  auto dialect = match.row->dialect;
  if (match.row->needs_auth && !master.empty() &&
      !constant_time_equal(presented_key(req), master)) {
    co_await send_error(ex, dialect,
                        make_error(ErrorKind::unauthorized,
                                   "Authentication Error: invalid or missing API key. Pass it as "
                                   "'Authorization: Bearer <key>'"));
    co_return;
  }
  int64_t created = static_cast<int64_t>(std::time(nullptr));
  switch (match.row->route) {
    case Route::messages:
      co_await handle_messages(ex, snap, received);
      co_return;
    case Route::count_tokens:
      co_await handle_count_tokens(ex);
      co_return;
    case Route::chat:
    case Route::completions:
    case Route::embeddings: {
      auto body = parse_json_object(req.body());
      if (!body) {
        co_await send_openai_error(ex, body.error());
        co_return;
      }
      ProxyRequest pr;
      pr.snapshot = snap;
      pr.endpoint = match.row->route == Route::chat          ? Endpoint::chat_completions
                    : match.row->route == Route::completions ? Endpoint::completions
                                                             : Endpoint::embeddings;
      pr.body = std::move(body.value());
      pr.received = received;
      pr.cost_weight = cost_weight_header(req);
      co_await proxy_openai(ex, std::move(pr));
      co_return;
    }
    case Route::models:
      co_await ex.respond(200, kJson, models_body(*snap, created));
      co_return;
    case Route::model_by_id: {
      if (!snap->table->resolve(match.model_id)) {
        co_await send_openai_error(
            ex, make_error(ErrorKind::not_found,
                           "The model '" + match.model_id + "' does not exist", "model"));
        co_return;
      }
      co_await ex.respond(200, kJson, json::serialize(model_card(match.model_id, created)));
      co_return;
    }
    case Route::model_info:
      co_await ex.respond(200, kJson, model_info_body(*snap));
      co_return;
    case Route::hot_reload_status:
      co_await ex.respond(200, kJson, hot_reload_body(*snap));
      co_return;
    case Route::liveness:
      co_await ex.respond(200, kJson, kAlive);
      co_return;
    case Route::readiness: {
      bool stopping = ex.server_stopping();
      co_await ex.respond(stopping ? 503 : 200, kJson, readiness_body(stopping));
      co_return;
    }
    case Route::none:
      break;
  }
  co_await send_openai_error(ex, make_error(ErrorKind::not_found, "Not found"));
}

}  // namespace routeiq::api
