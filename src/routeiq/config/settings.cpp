// router_settings, general_settings and litellm_settings: one key table each.
#include <algorithm>
#include <boost/json.hpp>

#include "routeiq/config/sections.hpp"

namespace routeiq::config::detail {
namespace {

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

int read_port(const YAML::Node& node, const At& at) {
  auto port = read_integer(node, at);
  if (port < 1 || port > 65535) fail(at, "expected a port in [1, 65535]");
  return static_cast<int>(port);
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

// LiteLLM's durations: "30s", "10m", "24h", "1d", "2w", "1mo" (30 days).
int64_t read_period(const YAML::Node& node, const At& at) {
  std::string text = read_string(node, at);
  size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  std::string_view unit = std::string_view(text).substr(digits);
  int64_t scale = unit == "s"    ? 1
                  : unit == "m"  ? 60
                  : unit == "h"  ? 3600
                  : unit == "d"  ? 86400
                  : unit == "w"  ? 7 * 86400
                  : unit == "mo" ? 30 * 86400
                                 : 0;
  if (digits == 0 || digits > 6 || scale == 0)
    fail(at, "expected a duration such as 30s, 10m, 24h, 1d or 1mo, got '" + text + "'");
  int64_t n = std::stoll(text.substr(0, digits));
  if (n == 0) fail(at, "must be longer than 0");
  return n * scale;
}

// {openai: {budget_limit: 100, time_period: 1d}, ...}
void read_provider_budgets(const YAML::Node& node, const At& at, RouterSettings& out,
                           Warnings& warnings) {
  if (node.IsNull()) return;
  expect_map(node, at);
  for (const auto& e : map_entries(node, at, warnings)) {
    At provider_at = at.key(e.key, e.line);
    expect_map(e.value, provider_at);
    std::optional<double> limit;
    int64_t period = 0;
    for (const auto& f : map_entries(e.value, provider_at, warnings)) {
      At field_at = provider_at.key(f.key, f.line);
      if (f.key == "budget_limit" || f.key == "max_budget")
        limit = read_non_negative(f.value, field_at);
      else if (f.key == "time_period" || f.key == "budget_duration")
        period = read_period(f.value, field_at);
      else
        warn_unknown(warnings, field_at);
    }
    if (!limit) fail(provider_at, "budget_limit is required");
    if (period == 0) fail(provider_at, "time_period is required");
    out.provider_budgets[e.key] = PeriodBudget{*limit, period};
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

using enum Support;

constexpr KeyRow<RouterSettings> kRouterKeys[] = {
    {"routing_strategy", yes, "how a deployment is picked within a group",
     [](RouterSettings& r, const Entry& e, const At& at, Warnings&) {
       r.routing_strategy = read_string(e.value, at);
     }},
    {"routing_strategy_args", yes, "parameters of the routing strategy",
     [](RouterSettings& r, const Entry& e, const At& at, Warnings& w) {
       expect_map(e.value, at);
       r.routing_strategy_args = to_json(e.value, at, w).as_object();
     }},
    {"num_retries", yes, "retries of a failed request within its group before falling back",
     [](RouterSettings& r, const Entry& e, const At& at, Warnings&) {
       r.num_retries = read_small_count(e.value, at);
     }},
    {"retry_after", yes, "minimum seconds before a retry",
     [](RouterSettings& r, const Entry& e, const At& at, Warnings&) {
       r.retry_after = read_wait(e.value, at);
     }},
    {"timeout", yes, "seconds for a whole call, unless the deployment sets its own",
     [](RouterSettings& r, const Entry& e, const At& at, Warnings&) {
       r.timeout = read_timeout(e.value, at);
     }},
    {"stream_timeout", yes, "seconds until the first streamed byte, unless the deployment's",
     [](RouterSettings& r, const Entry& e, const At& at, Warnings&) {
       r.stream_timeout = read_timeout(e.value, at);
     }},
    {"fallbacks", yes, "groups to try, in order, when a group fails",
     [](RouterSettings& r, const Entry& e, const At& at, Warnings& w) {
       r.fallbacks = read_fallbacks(e.value, at, w);
     }},
    {"context_window_fallbacks", yes, "groups to try when the prompt exceeds a context window",
     [](RouterSettings& r, const Entry& e, const At& at, Warnings& w) {
       r.context_window_fallbacks = read_fallbacks(e.value, at, w);
     }},
    {"default_fallbacks", yes, "fallbacks of every group without its own",
     [](RouterSettings& r, const Entry& e, const At& at, Warnings&) {
       r.default_fallbacks = read_string_list(e.value, at);
     }},
    {"allowed_fails", yes, "failures per minute before a deployment cools down",
     [](RouterSettings& r, const Entry& e, const At& at, Warnings&) {
       r.allowed_fails = read_small_count(e.value, at);
     }},
    {"cooldown_time", yes, "seconds a deployment rests after too many failures",
     [](RouterSettings& r, const Entry& e, const At& at, Warnings&) {
       r.cooldown_time = read_wait(e.value, at);
     }},
    {"model_group_alias", yes, "alias -> group, optionally hidden from model listings",
     [](RouterSettings& r, const Entry& e, const At& at, Warnings& w) {
       read_aliases(e.value, at, r, w);
     }},
    {"redis_host", yes, "Redis host for state shared across instances",
     [](RouterSettings& r, const Entry& e, const At& at, Warnings&) {
       r.redis_host = read_string(e.value, at);
     }},
    {"redis_port", yes, "Redis port",
     [](RouterSettings& r, const Entry& e, const At& at, Warnings&) {
       r.redis_port = read_port(e.value, at);
     }},
    {"redis_password", yes, "Redis password",
     [](RouterSettings& r, const Entry& e, const At& at, Warnings&) {
       r.redis_password = read_string(e.value, at);
     }},
    {"redis_url", yes, "Redis URL, instead of host and port",
     [](RouterSettings& r, const Entry& e, const At& at, Warnings&) {
       r.redis_url = read_string(e.value, at);
     }},
    {"redis_db", yes, "Redis database number",
     [](RouterSettings& r, const Entry& e, const At& at, Warnings&) {
       r.redis_db = read_small_count(e.value, at);
     }},
    {"cache_responses", not_yet, "cache responses in the router's cache"},
    {"cache_kwargs", not_yet, "settings of the router's response cache"},
    {"caching_groups", not_yet, "groups that share cached responses"},
    {"client_ttl", not_yet, "seconds a cached provider HTTP client is kept"},
    {"polling_interval", not_yet, "polling interval of the request scheduler (priority queue)"},
    {"enable_pre_call_checks", not_yet, "filter deployments by context window and region first"},
    {"optional_pre_call_checks", not_yet, "further pre-call checks (prompt caching, budgets, ...)"},
    {"content_policy_fallbacks", not_yet, "groups to try on a content policy violation"},
    {"allowed_fails_policy", not_yet, "allowed failures per error type before a cooldown"},
    {"retry_policy", not_yet, "retries per error type"},
    {"model_group_retry_policy", not_yet, "retry_policy per model group"},
    {"provider_budget_config", yes,
     "spend limits per provider and period: its deployments are skipped once reached",
     [](RouterSettings& r, const Entry& e, const At& at, Warnings& w) {
       read_provider_budgets(e.value, at, r, w);
     }},
    {"enable_tag_filtering", not_yet, "route requests by their tags to deployments' tags"},
    {"tag_filtering_match_any", not_yet,
     "tag routing: a deployment with any of the tags qualifies"},
    {"disable_cooldowns", not_yet, "never cool a deployment down"},
    {"max_fallbacks", not_yet, "most fallbacks tried for one request"},
    {"default_max_parallel_requests", not_yet, "concurrency limit of deployments without one"},
    {"default_priority", not_yet, "scheduler priority of requests that give none"},
    {"set_verbose", not_yet, "debug logging of the router"},
    {"debug_level", not_yet, "log level of the router"},
    {"enable_loadbalancing_on_batch_endpoints", not_yet, "load-balance the batch and file APIs"},
    {"default_litellm_params", not_yet, "parameters merged into every call"},
    {"alerting_config", not_yet, "alerting settings of the router"},
    {"assistants_config", not_yet, "provider and credentials of the Assistants API"},
    {"search_tools", not_yet, "search tools of the search API"},
};
static_assert(well_formed(kRouterKeys));

constexpr KeyRow<GeneralSettings> kGeneralKeys[] = {
    {"master_key", yes, "the key clients must send; without one there is no authentication",
     [](GeneralSettings& g, const Entry& e, const At& at, Warnings&) {
       Text key = read_master_key(e.value, at);
       g.master_key = std::move(key.value);
       g.master_key_env = std::move(key.env_var);
     }},
    {"database_url", yes, "where keys live: sqlite:///path or postgresql://...",
     [](GeneralSettings& g, const Entry& e, const At& at, Warnings&) {
       g.database_url = read_string(e.value, at);
     }},
    {"database_connection_pool_limit", yes, "PostgreSQL connections of the gateway",
     [](GeneralSettings& g, const Entry& e, const At& at, Warnings&) {
       g.database_connection_pool_limit = std::max(1, read_small_count(e.value, at));
     }},
    {"database_connection_timeout", yes, "seconds to wait for a database connection",
     [](GeneralSettings& g, const Entry& e, const At& at, Warnings&) {
       g.database_connection_timeout = read_timeout(e.value, at);
     }},
    {"user_api_key_cache_ttl", yes,
     "seconds a looked-up virtual key is trusted without the database",
     [](GeneralSettings& g, const Entry& e, const At& at, Warnings&) {
       g.user_api_key_cache_ttl = read_wait(e.value, at);
     }},
    {"store_model_in_db", yes, "keep models added through /model/new in the database",
     [](GeneralSettings& g, const Entry& e, const At& at, Warnings&) {
       g.store_model_in_db = read_bool(e.value, at);
     }},
    {"store_prompts_in_spend_logs", yes, "keep request and response bodies in spend logs",
     [](GeneralSettings& g, const Entry& e, const At& at, Warnings&) {
       g.store_prompts_in_spend_logs = read_bool(e.value, at);
     }},
    {"alerting", yes, "alert channels: \"webhook\" posts budget events to WEBHOOK_URL",
     [](GeneralSettings& g, const Entry& e, const At& at, Warnings&) {
       g.alerting = read_string_list(e.value, at);
     }},
    {"alerting_threshold", not_yet, "seconds before a slow call is alerted"},
    {"alert_types", not_yet, "which events alert"},
    {"alert_to_webhook_url", not_yet, "webhook per alert type"},
    {"proxy_batch_write_at", yes, "seconds between batched spend writes to the database",
     [](GeneralSettings& g, const Entry& e, const At& at, Warnings&) {
       g.proxy_batch_write_at = read_timeout(e.value, at);
     }},
    {"proxy_budget_rescheduler_min_time", yes, "shortest interval of the budget reset job",
     [](GeneralSettings& g, const Entry& e, const At& at, Warnings&) {
       g.proxy_budget_rescheduler_min_time = read_timeout(e.value, at);
     }},
    {"proxy_budget_rescheduler_max_time", yes, "longest interval of the budget reset job",
     [](GeneralSettings& g, const Entry& e, const At& at, Warnings&) {
       g.proxy_budget_rescheduler_max_time = read_timeout(e.value, at);
     }},
    {"disable_spend_logs", yes, "write no spend-log rows",
     [](GeneralSettings& g, const Entry& e, const At& at, Warnings&) {
       g.disable_spend_logs = read_bool(e.value, at);
     }},
    {"disable_master_key_return", not_yet, "never return the master key to the admin UI"},
    {"disable_reset_budget", yes, "turn the budget reset job off",
     [](GeneralSettings& g, const Entry& e, const At& at, Warnings&) {
       g.disable_reset_budget = read_bool(e.value, at);
     }},
    {"disable_retry_on_max_parallel_request_limit_error", not_yet,
     "do not retry a call refused by a parallel-request limit"},
    {"disable_adding_master_key_hash_to_db", not_yet,
     "keep the master key's hash out of the database"},
    {"enforce_user_param", not_yet, "refuse requests without a `user`"},
    {"enable_jwt_auth", not_yet, "accept JWTs as credentials"},
    {"litellm_jwtauth", not_yet, "settings of JWT authentication"},
    {"allowed_routes", not_yet, "routes the gateway serves"},
    {"admin_only_routes", not_yet, "routes only admins may call"},
    {"public_routes", not_yet, "routes that need no key"},
    {"custom_auth", not_yet, "a Python function that authenticates requests"},
    {"custom_key_generate", not_yet, "a Python function that vets key generation"},
    {"background_health_checks", not_yet, "health-check deployments in the background"},
    {"health_check_interval", not_yet, "seconds between background health checks"},
    {"health_check_details", not_yet, "show deployment details in health answers"},
    {"max_parallel_requests", not_yet, "concurrency limit per deployment"},
    {"global_max_parallel_requests", not_yet, "concurrency limit of the whole gateway"},
    {"max_request_size_mb", not_yet, "largest request body"},
    {"max_response_size_mb", not_yet, "largest response body"},
    {"infer_model_from_keys", not_yet, "list models inferred from the provider keys that are set"},
    {"allow_requests_on_db_unavailable", yes, "let unknown keys through while the database is down",
     [](GeneralSettings& g, const Entry& e, const At& at, Warnings&) {
       g.allow_requests_on_db_unavailable = read_bool(e.value, at);
     }},
    {"use_redis_transaction_buffer", not_yet, "buffer spend updates in Redis, one writer"},
    {"user_header_name", not_yet, "request header naming the end user"},
    {"forward_client_headers_to_llm_api", not_yet, "forward clients' headers to the provider"},
    {"maximum_spend_logs_retention_period", not_yet, "how long spend logs are kept"},
    {"pass_through_endpoints", not_yet, "custom routes relayed to other services"},
    {"ui_access_mode", not_yet, "who may use the admin UI"},
    {"allowed_ips", not_yet, "client addresses allowed to call the gateway"},
    {"use_x_forwarded_for", not_yet, "take the client address from X-Forwarded-For"},
    {"key_management_system", not_yet, "secret manager holding keys (AWS, Google, Azure, ...)"},
    {"key_management_settings", not_yet, "settings of the secret manager"},
};
static_assert(well_formed(kGeneralKeys));

constexpr KeyRow<LitellmSection> kLitellmKeys[] = {
    {"drop_params", yes, "drop request parameters the provider does not support",
     [](LitellmSection& l, const Entry& e, const At& at, Warnings&) {
       l.settings.drop_params = read_bool(e.value, at);
     }},
    {"request_timeout", yes, "seconds, the default timeout of every call",
     [](LitellmSection& l, const Entry& e, const At& at, Warnings&) {
       l.settings.request_timeout = read_timeout(e.value, at);
     }},
    {"num_retries", yes, "retries when router_settings sets none",
     [](LitellmSection& l, const Entry& e, const At& at, Warnings&) {
       l.settings.num_retries = read_small_count(e.value, at);
     }},
    {"set_verbose", yes, "debug logging",
     [](LitellmSection& l, const Entry& e, const At& at, Warnings&) {
       l.settings.set_verbose = read_bool(e.value, at);
     }},
    {"fallbacks", yes, "router_settings.fallbacks when the router sets none",
     [](LitellmSection& l, const Entry& e, const At& at, Warnings& w) {
       l.router_fallbacks.fallbacks = read_fallbacks(e.value, at, w);
     }},
    {"context_window_fallbacks", yes, "router_settings.context_window_fallbacks when unset there",
     [](LitellmSection& l, const Entry& e, const At& at, Warnings& w) {
       l.router_fallbacks.context_window_fallbacks = read_fallbacks(e.value, at, w);
     }},
    {"default_fallbacks", yes, "router_settings.default_fallbacks when unset there",
     [](LitellmSection& l, const Entry& e, const At& at, Warnings&) {
       l.router_fallbacks.default_fallbacks = read_string_list(e.value, at);
     }},
    {"model_cost_map", yes, "a price table in LiteLLM's format, laid over the built-in one",
     [](LitellmSection& l, const Entry& e, const At& at, Warnings&) {
       l.settings.model_cost_map = read_string(e.value, at);
     }},
    // They only change LiteLLM's own console output.
    {"telemetry", harmless, "LiteLLM's usage telemetry"},
    {"suppress_debug_info", harmless, "LiteLLM's console hints"},
    {"callbacks", not_yet, "logging and guardrail integrations run on every call"},
    {"success_callback", not_yet, "integrations told about successful calls"},
    {"failure_callback", not_yet, "integrations told about failed calls"},
    {"service_callback", not_yet, "integrations told about Redis and database failures"},
    {"cache", not_yet, "turn the response cache on"},
    {"cache_params", not_yet, "response cache settings (type, host, ttl, ...)"},
    {"json_logs", not_yet, "log as JSON"},
    {"turn_off_message_logging", not_yet,
     "keep messages and responses out of logging integrations"},
    {"redact_user_api_key_info", not_yet, "keep key, user and team details out of logs"},
    {"redact_messages_in_exceptions", not_yet, "keep message content out of error messages"},
    {"max_budget", yes, "gateway-wide spend limit (USD)",
     [](LitellmSection& l, const Entry& e, const At& at, Warnings&) {
       l.settings.max_budget = read_non_negative(e.value, at);
     }},
    {"budget_duration", yes, "period after which max_budget resets (\"30s\", \"1d\", \"1mo\")",
     [](LitellmSection& l, const Entry& e, const At& at, Warnings&) {
       l.settings.budget_duration = read_string(e.value, at);
     }},
    {"timezone", not_yet, "time zone of budget reset times (UTC until then)"},
    {"default_team_settings", not_yet, "per-team settings (logging integrations, ...)"},
    {"default_internal_user_params", not_yet, "defaults of new internal users"},
    {"default_key_generate_params", not_yet, "defaults of generated keys"},
    {"upperbound_key_generate_params", not_yet, "limits a generated key may not exceed"},
    {"key_generation_settings", not_yet, "who may generate keys"},
    {"content_policy_fallbacks", not_yet, "groups to try on a content policy violation"},
    {"modify_params", not_yet, "let LiteLLM rewrite messages a provider would refuse"},
    {"enable_preview_features", not_yet, "turn LiteLLM's preview features on"},
    {"max_internal_user_budget", not_yet, "spend limit of internal users"},
    {"internal_user_budget_duration", not_yet, "period after which internal users' budgets reset"},
    {"force_ipv4", not_yet, "call providers over IPv4 only"},
    {"ssl_verify", not_yet, "verify providers' TLS certificates, or a CA bundle to use"},
    {"disable_end_user_cost_tracking", not_yet, "track no spend per end user"},
    {"public_teams", not_yet, "teams users may join themselves"},
    {"enable_json_schema_validation", not_yet, "check JSON answers against the requested schema"},
    {"disable_token_counter", not_yet, "turn LiteLLM's token counter off"},
    {"return_response_headers", not_yet, "return the provider's response headers"},
    {"add_function_to_prompt", not_yet, "put functions into the prompt for models without tools"},
    {"guardrails", not_yet, "guardrails, in LiteLLM's older form"},
    {"allowed_fails", not_yet, "failures per minute before a deployment cools down"},
    {"num_retries_per_request", not_yet, "most retries of one request"},
    {"callback_settings", not_yet, "settings per logging integration"},
    {"langfuse_default_tags", not_yet, "tags added to every Langfuse trace"},
    {"log_raw_request_response", not_yet, "log the raw provider request and response"},
    {"check_provider_endpoint", not_yet, "list a wildcard group's models by asking the provider"},
    {"mcp_aliases", not_yet, "short names of MCP servers"},
    {"default_max_internal_user_budget", not_yet, "default spend limit of internal users"},
    {"global_disable_no_log_param", not_yet, "ignore requests' no-log flag"},
};
static_assert(well_formed(kLitellmKeys));

// The settings sections share one reading: an empty value is "not set" (as
// in LiteLLM), a row with a setter reads its value, and everything else is
// kept in `extra` for whoever implements it later.
template <class Target, size_t N>
void parse_settings(const Section& section, const KeyRow<Target> (&rows)[N], Target& out,
                    boost::json::object& extra, Warnings& warnings) {
  for (const auto& s : section) {
    if (s.entry.value.IsNull()) continue;
    const KeyRow<Target>* row = find_key(rows, s.entry.key);
    if (row && row->set) {
      row->set(out, s.entry, s.at, warnings);
      continue;
    }
    extra[s.entry.key] = to_json(s.entry.value, s.at, warnings);
    report_unread(row ? std::optional(row->support) : std::nullopt, s.at, warnings);
  }
}

}  // namespace

void warn_not_supported(Warnings& warnings, const At& at) {
  warnings.push_back(At{at.file, at.line, ""}.where() + " " + at.path +
                     " is a LiteLLM setting RouteIQ does not support yet (ignored)");
}

void warn_unknown(Warnings& warnings, const At& at) {
  warnings.push_back(At{at.file, at.line, ""}.where() + " unknown key " + at.path + " (ignored)");
}

// A config that relies on a key RouteIQ ignores would behave differently
// from LiteLLM without a word, so each one is reported; harmless keys cannot
// matter and are not.
void report_unread(std::optional<Support> support, const At& at, Warnings& warnings) {
  if (!support)
    warn_unknown(warnings, at);
  else if (*support == Support::not_yet)
    warn_not_supported(warnings, at);
}

void parse_router_settings(const Section& section, RouterSettings& out, Warnings& warnings) {
  parse_settings(section, kRouterKeys, out, out.extra, warnings);
}

void parse_general_settings(const Section& section, GeneralSettings& out, Warnings& warnings) {
  parse_settings(section, kGeneralKeys, out, out.extra, warnings);
}

void parse_litellm_settings(const Section& section, LitellmSection& out, Warnings& warnings) {
  parse_settings(section, kLitellmKeys, out, out.settings.extra, warnings);
}

std::vector<KeyDoc> router_settings_keys() {
  return describe(kRouterKeys);
}

std::vector<KeyDoc> general_settings_keys() {
  return describe(kGeneralKeys);
}

std::vector<KeyDoc> litellm_settings_keys() {
  return describe(kLitellmKeys);
}

}  // namespace routeiq::config::detail
