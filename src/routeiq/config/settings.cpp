// router_settings, general_settings and litellm_settings.
#include <algorithm>
#include <boost/json.hpp>
#include <span>

#include "routeiq/config/sections.hpp"

namespace routeiq::config::detail {
namespace {

// LiteLLM settings that exist but that RouteIQ does not implement (yet).
constexpr std::string_view kRouterNotSupported[] = {"redis_host",
                                                    "redis_port",
                                                    "redis_password",
                                                    "redis_url",
                                                    "redis_db",
                                                    "cache_responses",
                                                    "cache_kwargs",
                                                    "caching_groups",
                                                    "client_ttl",
                                                    "polling_interval",
                                                    "enable_pre_call_checks",
                                                    "optional_pre_call_checks",
                                                    "content_policy_fallbacks",
                                                    "allowed_fails_policy",
                                                    "retry_policy",
                                                    "model_group_retry_policy",
                                                    "provider_budget_config",
                                                    "enable_tag_filtering",
                                                    "tag_filtering_match_any",
                                                    "disable_cooldowns",
                                                    "max_fallbacks",
                                                    "default_max_parallel_requests",
                                                    "default_priority",
                                                    "set_verbose",
                                                    "debug_level",
                                                    "enable_loadbalancing_on_batch_endpoints",
                                                    "default_litellm_params",
                                                    "alerting_config",
                                                    "assistants_config",
                                                    "search_tools"};

constexpr std::string_view kGeneralNotSupported[] = {
    "database_url",
    "database_connection_pool_limit",
    "database_connection_timeout",
    "store_model_in_db",
    "store_prompts_in_spend_logs",
    "alerting",
    "alerting_threshold",
    "alert_types",
    "alert_to_webhook_url",
    "proxy_batch_write_at",
    "proxy_budget_rescheduler_min_time",
    "proxy_budget_rescheduler_max_time",
    "disable_spend_logs",
    "disable_master_key_return",
    "disable_reset_budget",
    "disable_retry_on_max_parallel_request_limit_error",
    "disable_adding_master_key_hash_to_db",
    "enforce_user_param",
    "enable_jwt_auth",
    "litellm_jwtauth",
    "allowed_routes",
    "admin_only_routes",
    "public_routes",
    "custom_auth",
    "custom_key_generate",
    "background_health_checks",
    "health_check_interval",
    "health_check_details",
    "max_parallel_requests",
    "global_max_parallel_requests",
    "max_request_size_mb",
    "max_response_size_mb",
    "infer_model_from_keys",
    "allow_requests_on_db_unavailable",
    "use_redis_transaction_buffer",
    "user_header_name",
    "forward_client_headers_to_llm_api",
    "maximum_spend_logs_retention_period",
    "pass_through_endpoints",
    "ui_access_mode",
    "allowed_ips",
    "use_x_forwarded_for",
    "key_management_system",
    "key_management_settings"};

constexpr std::string_view kLitellmNotSupported[] = {"callbacks",
                                                     "success_callback",
                                                     "failure_callback",
                                                     "service_callback",
                                                     "cache",
                                                     "cache_params",
                                                     "json_logs",
                                                     "turn_off_message_logging",
                                                     "redact_user_api_key_info",
                                                     "redact_messages_in_exceptions",
                                                     "max_budget",
                                                     "budget_duration",
                                                     "default_team_settings",
                                                     "default_internal_user_params",
                                                     "default_key_generate_params",
                                                     "upperbound_key_generate_params",
                                                     "key_generation_settings",
                                                     "content_policy_fallbacks",
                                                     "modify_params",
                                                     "enable_preview_features",
                                                     "max_internal_user_budget",
                                                     "internal_user_budget_duration",
                                                     "force_ipv4",
                                                     "ssl_verify",
                                                     "disable_end_user_cost_tracking",
                                                     "public_teams",
                                                     "enable_json_schema_validation",
                                                     "disable_token_counter",
                                                     "return_response_headers",
                                                     "add_function_to_prompt",
                                                     "guardrails",
                                                     "allowed_fails",
                                                     "num_retries_per_request",
                                                     "callback_settings",
                                                     "langfuse_default_tags",
                                                     "log_raw_request_response",
                                                     "check_provider_endpoint",
                                                     "mcp_aliases",
                                                     "default_max_internal_user_budget",
                                                     "global_disable_no_log_param"};

// Accepted without a warning: they only change LiteLLM's own console output.
constexpr std::string_view kLitellmHarmless[] = {"telemetry", "suppress_debug_info"};

bool contains(std::span<const std::string_view> list, std::string_view key) {
  return std::find(list.begin(), list.end(), key) != list.end();
}

void keep_extra(const SourcedEntry& s, std::span<const std::string_view> not_supported,
                boost::json::object& extra, Warnings& warnings) {
  extra[s.entry.key] = to_json(s.entry.value, s.at, warnings);
  if (contains(not_supported, s.entry.key))
    warn_not_supported(warnings, s.at);
  else
    warn_unknown(warnings, s.at);
}

// LiteLLM's form: [{"gpt-4o": ["gpt-4o-mini", "claude"]}, ...].
std::vector<Fallback> read_fallbacks(const YAML::Node& node, const At& at, Warnings& warnings) {
  std::vector<Fallback> out;
  if (node.IsNull()) return out;
  expect_list(node, at);
  for (size_t i = 0; i < node.size(); ++i) {
    At item_at = at.index(i, line_of(node[i], at.line));
    if (!node[i].IsMap())
      fail(item_at, "expected a map {model_group: [fallbacks...]}, got " +
                        std::string(node[i].IsSequence() ? "a list" : "a single value"));
    for (const auto& e : map_entries(node[i], item_at, warnings))
      out.push_back({e.key, read_string_list(e.value, item_at.key(e.key, e.line))});
  }
  return out;
}

// Values are a group name or, as LiteLLM also allows, {model: name, hidden: bool}.
void read_aliases(const YAML::Node& node, const At& at, RouterSettings& out, Warnings& warnings) {
  for (const auto& e : map_entries(node, at, warnings)) {
    At alias_at = at.key(e.key, e.line);
    if (!e.value.IsMap()) {
      out.model_group_alias[e.key] = read_string(e.value, alias_at);
      continue;
    }
    std::string target;
    for (const auto& f : map_entries(e.value, alias_at, warnings)) {
      At field_at = alias_at.key(f.key, f.line);
      if (f.key == "model")
        target = read_string(f.value, field_at);
      else if (f.key == "hidden" && read_bool(f.value, field_at))
        out.hidden_aliases.insert(e.key);
      else if (f.key != "hidden")
        warn_unknown(warnings, field_at);
    }
    if (target.empty()) fail(alias_at, "model is required in an alias given as a map");
    out.model_group_alias[e.key] = target;
  }
}

using RouterSetter = void (*)(RouterSettings&, const YAML::Node&, const At&, Warnings&);
struct RouterKey {
  std::string_view key;
  RouterSetter set;
};

constexpr RouterKey kRouterKeys[] = {
    {"routing_strategy", [](RouterSettings& r, const YAML::Node& v, const At& at,
                            Warnings&) { r.routing_strategy = read_string(v, at); }},
    {"routing_strategy_args",
     [](RouterSettings& r, const YAML::Node& v, const At& at, Warnings& w) {
       expect_map(v, at);
       r.routing_strategy_args = to_json(v, at, w).as_object();
     }},
    {"num_retries", [](RouterSettings& r, const YAML::Node& v, const At& at,
                       Warnings&) { r.num_retries = read_small_count(v, at); }},
    {"retry_after", [](RouterSettings& r, const YAML::Node& v, const At& at,
                       Warnings&) { r.retry_after = read_wait(v, at); }},
    {"timeout", [](RouterSettings& r, const YAML::Node& v, const At& at,
                   Warnings&) { r.timeout = read_timeout(v, at); }},
    {"stream_timeout", [](RouterSettings& r, const YAML::Node& v, const At& at,
                          Warnings&) { r.stream_timeout = read_timeout(v, at); }},
    {"fallbacks", [](RouterSettings& r, const YAML::Node& v, const At& at,
                     Warnings& w) { r.fallbacks = read_fallbacks(v, at, w); }},
    {"context_window_fallbacks",
     [](RouterSettings& r, const YAML::Node& v, const At& at, Warnings& w) {
       r.context_window_fallbacks = read_fallbacks(v, at, w);
     }},
    {"default_fallbacks", [](RouterSettings& r, const YAML::Node& v, const At& at,
                             Warnings&) { r.default_fallbacks = read_string_list(v, at); }},
    {"allowed_fails", [](RouterSettings& r, const YAML::Node& v, const At& at,
                         Warnings&) { r.allowed_fails = read_small_count(v, at); }},
    {"cooldown_time", [](RouterSettings& r, const YAML::Node& v, const At& at,
                         Warnings&) { r.cooldown_time = read_wait(v, at); }},
    {"model_group_alias", [](RouterSettings& r, const YAML::Node& v, const At& at,
                             Warnings& w) { read_aliases(v, at, r, w); }},
};

bool parse_router_key(const SourcedEntry& s, RouterSettings& out, Warnings& warnings) {
  for (const auto& known : kRouterKeys) {
    if (known.key != s.entry.key) continue;
    known.set(out, s.entry.value, s.at, warnings);
    return true;
  }
  return false;
}

}  // namespace

void warn_not_supported(Warnings& warnings, const At& at) {
  warnings.push_back(At{at.file, at.line, ""}.where() + " " + at.path +
                     " is a LiteLLM setting RouteIQ does not support yet (ignored)");
}

void warn_unknown(Warnings& warnings, const At& at) {
  warnings.push_back(At{at.file, at.line, ""}.where() + " unknown key " + at.path + " (ignored)");
}

void parse_router_settings(const Section& section, RouterSettings& out, Warnings& warnings) {
  for (const auto& s : section) {
    if (s.entry.value.IsNull()) continue;
    if (!parse_router_key(s, out, warnings))
      keep_extra(s, kRouterNotSupported, out.extra, warnings);
  }
}

// An empty master key turns authentication off. A config that names one (or
// the variable that holds it) means the opposite: refuse it, as an empty
// api_base is refused.
Text read_master_key(const YAML::Node& node, const At& at) {
  Text text = scalar_text(node, at, "a string");
  if (!text.value.empty()) return text;
  if (!text.env_var.empty())
    fail(at, "environment variable " + text.env_var +
                 " is set but empty: the gateway would accept every request without a key; set "
                 "it, or remove master_key to run without authentication");
  fail(at,
       "is empty: the gateway would accept every request without a key; remove master_key "
       "to run without authentication");
}

void parse_general_settings(const Section& section, GeneralSettings& out, Warnings& warnings) {
  for (const auto& s : section) {
    if (s.entry.value.IsNull()) continue;
    if (s.entry.key == "master_key") {
      Text key = read_master_key(s.entry.value, s.at);
      out.master_key = std::move(key.value);
      out.master_key_env = std::move(key.env_var);
    } else {
      keep_extra(s, kGeneralNotSupported, out.extra, warnings);
    }
  }
}

void parse_litellm_settings(const Section& section, LitellmSettings& out,
                            LitellmFallbacks& fallbacks, Warnings& warnings) {
  for (const auto& s : section) {
    const std::string& k = s.entry.key;
    const YAML::Node& v = s.entry.value;
    if (v.IsNull()) continue;
    if (k == "drop_params")
      out.drop_params = read_bool(v, s.at);
    else if (k == "request_timeout")
      out.request_timeout = read_timeout(v, s.at);
    else if (k == "num_retries")
      out.num_retries = read_small_count(v, s.at);
    else if (k == "set_verbose")
      out.set_verbose = read_bool(v, s.at);
    else if (k == "fallbacks")
      fallbacks.fallbacks = read_fallbacks(v, s.at, warnings);
    else if (k == "context_window_fallbacks")
      fallbacks.context_window_fallbacks = read_fallbacks(v, s.at, warnings);
    else if (k == "default_fallbacks")
      fallbacks.default_fallbacks = read_string_list(v, s.at);
    else if (contains(kLitellmHarmless, k))
      out.extra[k] = to_json(v, s.at, warnings);
    else
      keep_extra(s, kLitellmNotSupported, out.extra, warnings);
  }
}

}  // namespace routeiq::config::detail
