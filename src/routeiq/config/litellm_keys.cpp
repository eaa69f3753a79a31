#include "routeiq/config/litellm_keys.hpp"

#include <algorithm>
#include <array>
#include <boost/json.hpp>
#include <cmath>

namespace routeiq::config {
namespace {

enum Scope : unsigned { request = 1, deployment = 2, both = 3 };

struct Key {
  std::string_view name;
  Scope scope;
};

// From LiteLLM's request extras (ProxyChatCompletionRequest) and its typed
// litellm_params (GenericLiteLLMParams, CredentialLiteLLMParams,
// LiteLLMParamsTypedDict in litellm/types/router.py).
constexpr std::array kKeys = std::to_array<Key>({
    // Reliability and timeouts
    {"timeout", both},
    {"stream_timeout", both},
    {"request_timeout", both},
    {"num_retries", both},
    {"max_retries", both},
    {"fallbacks", both},
    {"context_window_fallbacks", both},
    {"context_window_fallback_dict", request},
    {"content_policy_fallbacks", both},
    {"disable_fallbacks", request},
    {"cooldown_time", deployment},
    {"disable_cooldowns", deployment},
    // Testing
    {"mock_response", both},
    {"mock_timeout", both},
    {"mock_delay", both},
    {"mock_testing_fallbacks", request},
    {"mock_testing_rate_limit_error", request},
    // Caching, logging, guardrails, metadata
    {"caching", request},
    {"cache", request},
    {"no-log", request},
    {"tags", both},
    {"tag_regex", deployment},
    {"metadata", request},
    {"litellm_metadata", request},
    {"litellm_call_id", request},
    {"litellm_trace_id", request},
    {"litellm_session_id", request},
    {"litellm_logging_obj", request},
    {"proxy_server_request", request},
    {"secret_fields", request},
    {"guardrails", both},
    // Client-side credentials: honoured only where configured, never forwarded.
    {"api_key", request},
    {"api_base", request},
    {"base_url", request},
    {"api_version", request},
    // Core litellm_params
    {"custom_llm_provider", deployment},
    {"litellm_credential_name", deployment},
    {"configurable_clientside_auth_params", deployment},
    {"use_in_pass_through", deployment},
    {"use_litellm_proxy", deployment},
    {"use_chat_completions_api", deployment},
    {"merge_reasoning_content_in_choices", deployment},
    {"max_file_size_mb", deployment},
    {"drop_params", deployment},
    {"additional_drop_params", deployment},
    {"allowed_openai_params", deployment},
    {"model_info", deployment},
    {"model_id", deployment},
    {"base_model", deployment},
    {"api_type", deployment},
    {"ssl_verify", deployment},
    {"health_check_model", deployment},
    {"health_check_timeout", deployment},
    // Routing and budgets
    {"rpm", deployment},
    {"tpm", deployment},
    {"itpm", deployment},
    {"otpm", deployment},
    {"order", deployment},
    {"weight", deployment},
    {"max_parallel_requests", deployment},
    {"provider_affinity_header", deployment},
    {"region_name", deployment},
    {"max_budget", deployment},
    {"budget_duration", deployment},
    {"default_api_key_tpm_limit", deployment},
    {"default_api_key_rpm_limit", deployment},
    // Azure Entra ID
    {"tenant_id", deployment},
    {"client_id", deployment},
    {"client_secret", deployment},
    // Other providers' settings
    {"gcs_bucket_name", deployment},
    {"vector_store_id", deployment},
    {"bedrock_tags", deployment},
    // Learned routers (routeiq/<type> groups)
    {"candidates", deployment},
    {"model_path", deployment},
});

// Families of litellm_params keys: credentials and settings of a provider
// (read by its translator), pricing, and LiteLLM's pre-routing strategies.
constexpr std::array kDeploymentPrefixes = std::to_array<std::string_view>(
    {"aws_", "azure_", "vertex_", "s3_", "watsonx_", "milvus_", "valkey_", "auto_router_",
     "complexity_router_", "adaptive_router_", "input_cost_per_", "output_cost_per_",
     "cache_creation_input_token_cost", "cache_read_input_token_cost"});

// Sorted once, so a lookup is a binary search: every key of every request
// body is looked up.
constexpr auto kSortedKeys = [] {
  auto keys = kKeys;
  std::sort(keys.begin(), keys.end(), [](const Key& a, const Key& b) { return a.name < b.name; });
  return keys;
}();

constexpr bool keys_unique() {
  for (size_t i = 1; i < kSortedKeys.size(); ++i)
    if (kSortedKeys[i - 1].name == kSortedKeys[i].name) return false;
  return true;
}
static_assert(keys_unique(), "a key is listed twice: give it one row with its scopes");

// Most keys of a request (model, messages, temperature) are not LiteLLM's:
// a table of (length, first letter) pairs that occur turns them away with
// one lookup before the search.
constexpr size_t kMaxKeyLength = 64;
constexpr auto kKeyShapes = [] {
  std::array<std::array<bool, 128>, kMaxKeyLength> shapes{};
  for (const auto& k : kKeys)
    shapes[k.name.size()][static_cast<unsigned char>(k.name[0]) & 127] = true;
  return shapes;
}();

bool in_table(std::string_view key, Scope scope) {
  if (key.empty() || key.size() >= kMaxKeyLength ||
      !kKeyShapes[key.size()][static_cast<unsigned char>(key[0]) & 127])
    return false;
  auto it = std::lower_bound(kSortedKeys.begin(), kSortedKeys.end(), key,
                             [](const Key& k, std::string_view name) { return k.name < name; });
  return it != kSortedKeys.end() && it->name == key && (it->scope & scope) != 0;
}

}  // namespace

std::string mock_response_problem(const boost::json::value& v) {
  auto finite_number = [](const boost::json::value& x) {
    return x.is_number() && std::isfinite(x.to_number<double>());
  };
  if (v.is_string()) return {};
  if (v.is_array()) {
    const auto& a = v.as_array();
    if (!a.empty() && std::all_of(a.begin(), a.end(), finite_number)) return {};
    return "mock_response must be a non-empty list of numbers when it is a list (an embedding)";
  }
  if (v.is_object()) {
    const auto& o = v.as_object();
    const auto* status = o.if_contains("status");
    if (!status) status = o.if_contains("status_code");
    double s = status && finite_number(*status) ? status->to_number<double>() : 0;
    if (s < 400 || s > 599 || std::floor(s) != s)
      return "mock_response must have an HTTP error status (400-599) when it is an object, "
             "e.g. {\"status\": 429, \"message\": \"...\"}";
    if (const auto* m = o.if_contains("message"); m && !m->is_string())
      return "mock_response.message must be a string";
    if (const auto* r = o.if_contains("retry_after"); r && !r->is_string() && !finite_number(*r))
      return "mock_response.retry_after must be a number of seconds or a string";
    return {};
  }
  return "mock_response must be a string, an error object or a list of numbers";
}

bool mocks_every_call(const boost::json::object& params) {
  if (const auto* r = params.if_contains("mock_response"); r && !r->is_null()) return true;
  const auto* t = params.if_contains("mock_timeout");
  return t && t->is_bool() && t->as_bool();
}

bool is_litellm_request_key(std::string_view key) {
  return in_table(key, request);
}

bool is_litellm_deployment_key(std::string_view key) {
  if (in_table(key, deployment)) return true;
  for (auto prefix : kDeploymentPrefixes)
    if (key.starts_with(prefix)) return true;
  return false;
}

}  // namespace routeiq::config
