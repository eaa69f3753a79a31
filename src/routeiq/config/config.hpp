#pragma once
// LiteLLM-format configuration as plain, immutable structs. Loaded once per
// (re)load into a std::shared_ptr<const Config> snapshot.
#include <boost/json/object.hpp>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "routeiq/core/error.hpp"

namespace routeiq::config {

// Largest values numeric settings may take: far beyond any real config, small
// enough that seconds in milliseconds and counts as int never overflow.
inline constexpr double kMaxSettingSeconds = 1e6;  // about 11.5 days
inline constexpr int64_t kMaxSettingCount = 1'000'000;

struct ModelInfo {
  std::string id;    // model_info.id, else a stable hash of litellm_params
  std::string mode;  // "chat" (default), "completion", "embedding", ...
  std::optional<int64_t> max_input_tokens;
  std::optional<double> input_cost_per_token;
  std::optional<double> output_cost_per_token;
  boost::json::object extra;  // every other model_info key, as written
};

struct Deployment {
  std::string model_name;  // the model group clients ask for
  std::string provider;    // "openai", "azure", "groq", ... (text before the first '/')
  std::string model;       // provider's model name (text after the first '/'), may contain '/'
  std::string api_key;     // resolved (os.environ/ applied); never logged
  std::string api_base;    // empty: the provider table's default
  std::string api_version;
  std::string organization;
  std::optional<double> timeout;         // seconds, whole call
  std::optional<double> stream_timeout;  // seconds, until the first byte
  std::optional<int> max_retries;
  std::optional<int64_t> rpm;
  std::optional<int64_t> tpm;
  std::optional<double> weight;
  std::map<std::string, std::string> extra_headers;
  boost::json::object extra_params;  // other litellm_params keys, sent to the provider
  ModelInfo model_info;
  int source_line = 0;  // line of this entry in its file, for messages
};

struct Fallback {
  std::string model_group;
  std::vector<std::string> fallbacks;
};

// A spend limit over a period (LiteLLM's BudgetConfig: budget_limit USD per
// time_period), as provider_budget_config gives one per provider.
struct PeriodBudget {
  double limit = 0;      // USD
  int64_t period_s = 0;  // seconds: "1d", "30m", "1mo" (30 days)...
};

struct RouterSettings {
  std::string routing_strategy = "simple-shuffle";
  boost::json::object routing_strategy_args;
  int num_retries = 0;     // LiteLLM proxy default when unset
  double retry_after = 0;  // seconds: minimum wait before a retry
  std::optional<double> timeout;
  std::optional<double> stream_timeout;
  std::vector<Fallback> fallbacks;
  std::vector<Fallback> context_window_fallbacks;
  std::vector<std::string> default_fallbacks;
  int allowed_fails = 3;     // failures per minute before a cooldown
  double cooldown_time = 5;  // seconds
  std::map<std::string, std::string> model_group_alias;
  std::set<std::string> hidden_aliases;  // aliases given as {model: x, hidden: true}
  // Redis shared by every instance (rate-limit counters): redis_url, else
  // host, port, password and db; empty host and url: no Redis (the REDIS_*
  // variables are read where it is opened). Never logged.
  std::string redis_host, redis_password, redis_url;
  std::optional<int> redis_port, redis_db;
  // provider_budget_config: a provider (custom_llm_provider) whose spend in
  // the current period reached its limit gets no more requests.
  std::map<std::string, PeriodBudget, std::less<>> provider_budgets;
  boost::json::object extra;  // recognised-later or unknown keys
};

struct GeneralSettings {
  std::string master_key;      // resolved; empty: no auth
  std::string master_key_env;  // the variable it came from (os.environ/VAR), else empty
  // Where keys live: sqlite:///path, postgresql://...; empty: DATABASE_URL,
  // else ./routeiq.db. Never logged (it may hold a password).
  std::string database_url;
  int database_connection_pool_limit = 10;
  double database_connection_timeout = 60;  // seconds
  double user_api_key_cache_ttl = 60;       // seconds a looked-up key is trusted
  bool allow_requests_on_db_unavailable = false;
  // Spend logs: rows written in batches every proxy_batch_write_at seconds
  // (LiteLLM's default 10; a full batch of 500 goes at once); none at all
  // with disable_spend_logs.
  double proxy_batch_write_at = 10;
  bool disable_spend_logs = false;
  // The request's messages and the answer in each spend-log row.
  bool store_prompts_in_spend_logs = false;
  // /model/new, /model/update, /model/delete keep deployments in the database
  // (LiteLLM's store_model_in_db; the STORE_MODEL_IN_DB variable too).
  bool store_model_in_db = false;
  // The budget reset job runs every random [min, max] seconds (LiteLLM's 597
  // to 605: instances sharing a database drift apart); off with
  // disable_reset_budget.
  double proxy_budget_rescheduler_min_time = 597;
  double proxy_budget_rescheduler_max_time = 605;
  bool disable_reset_budget = false;
  // Alert channels; "webhook" posts budget events to WEBHOOK_URL.
  std::vector<std::string> alerting;
  boost::json::object extra;
};

struct LitellmSettings {
  bool drop_params = false;
  std::optional<double> request_timeout;  // seconds
  std::optional<int> num_retries;
  bool set_verbose = false;
  // A price table file (LiteLLM's model_prices_and_context_window.json
  // format) over the built-in one; empty: LITELLM_MODEL_COST_MAP, else none.
  std::string model_cost_map;
  // The proxy-wide budget (USD) over every request's spend, reset every
  // budget_duration ("30d"; empty: never).
  std::optional<double> max_budget;
  std::string budget_duration;
  boost::json::object extra;
};

struct Config {
  std::string source_path;
  std::vector<Deployment> model_list;
  RouterSettings router_settings;
  GeneralSettings general_settings;
  LitellmSettings litellm_settings;
  std::map<std::string, std::string> environment_variables;
  std::vector<std::string> warnings;      // one per unknown key, with its path and line
  boost::json::object extra;              // other top-level sections (mcp_servers, guardrails, ...)
  std::vector<std::string> source_files;  // every file read: the main one, then includes
};

// Reads a LiteLLM config.yaml (with `include` files). Values of the form
// `os.environ/VAR` are resolved anywhere, after `environment_variables` are
// set (without overwriting variables already set). A missing variable is an
// error, except for litellm_params.api_key (left empty, with a warning).
// Invalid values give an Error whose message names the file, line and key path:
//   config.yaml:12: model_list[0].litellm_params.timeout: expected a number, got "abc"
// See docs/config-reference.md.
Result<Config> load_config_file(const std::string& path);
Result<Config> load_config_string(const std::string& yaml, const std::string& name = "<string>");

}  // namespace routeiq::config
