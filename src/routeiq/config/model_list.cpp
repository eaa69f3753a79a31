// model_list entries: model_name, litellm_params, model_info.
#include <algorithm>
#include <boost/json.hpp>
#include <cstdlib>

#include "routeiq/config/litellm_keys.hpp"
#include "routeiq/config/model_ref.hpp"
#include "routeiq/config/sections.hpp"
#include "routeiq/config/stable_id.hpp"
#include "routeiq/providers/provider_table.hpp"

namespace routeiq::config::detail {
namespace {

// A missing api_key variable is not fatal: like LiteLLM, the provider's own
// key variable (OPENAI_API_KEY, ...) is read at call time instead. A mocked
// deployment never uses its key, so it gets no warning.
std::string read_api_key(const YAML::Node& node, const At& at, bool mocked, Warnings& warnings) {
  if (node.IsNull()) return {};
  if (auto var = env_reference(node); var && !var->empty() && !std::getenv(var->c_str())) {
    if (!mocked)
      warn(warnings, at,
           "environment variable " + *var +
               " is not set; the key is left empty and the provider's default key variable is "
               "used at call time");
    return {};
  }
  return read_string(node, at);
}

// An empty api_base would fall back to the provider's public default and send
// this deployment's key there, though the config meant another host (an
// internal one, typically, whose variable is empty on this machine).
std::string read_api_base(const YAML::Node& node, const At& at) {
  Text text = scalar_text(node, at, "a string");
  if (text.value.find_first_not_of(" \t/") != std::string::npos) return text.value;
  if (!text.env_var.empty())
    fail(at, "environment variable " + text.env_var +
                 " is set but empty; set it to the base URL, or remove api_base to use the "
                 "provider's default");
  fail(at, "is empty; remove it to use the provider's default");
}

// LiteLLM starts with some deployments it can only fail when they are called
// (an unknown provider, azure without api_base); so does RouteIQ, with one
// warning here. The gateway answers such calls with a 400 naming the problem.
void warn_not_callable(const Deployment& d, std::string problem, const At& at, Warnings& warnings) {
  warn(warnings, at,
       std::move(problem) + "; deployment \"" + d.model_name +
           "\" is kept, and every call routed to it fails with a 400");
}

void set_model(Deployment& d, const std::string& model, const std::string& custom_provider,
               const At& at, Warnings& warnings) {
  if (!custom_provider.empty()) {
    // LiteLLM's custom_llm_provider: the model string is then the provider's
    // own name, with an optional "<provider>/" prefix.
    if (!providers::find_provider(custom_provider))
      warn_not_callable(d,
                        "unknown custom_llm_provider \"" + custom_provider +
                            "\" (valid: " + provider_names_hint() + ")",
                        at, warnings);
    d.provider = custom_provider;
    std::string prefix = custom_provider + "/";
    d.model = model.starts_with(prefix) ? model.substr(prefix.size()) : model;
    return;
  }
  auto ref = parse_model_ref(model);
  if (!ref) fail(at, ref.error().message);
  if (!ref->provider.empty() && !providers::find_provider(ref->provider))
    warn_not_callable(d, unknown_provider_problem(ref->provider, model), at, warnings);
  d.provider = std::move(ref->provider);
  d.model = std::move(ref->model);
}

bool has_path(std::string_view url) {
  auto scheme = url.find("://");
  auto slash = url.find('/', scheme == std::string_view::npos ? 0 : scheme + 3);
  return slash != std::string_view::npos && slash + 1 < url.size();
}

// LiteLLM configs give Ollama's server root ("http://host:11434") since
// LiteLLM uses its native API; RouteIQ talks to its OpenAI API under /v1.
std::string normalize_api_base(const std::string& provider, std::string base) {
  while (!base.empty() && base.back() == '/') base.pop_back();
  if ((provider == "ollama" || provider == "ollama_chat") && !base.empty() && !has_path(base))
    base += "/v1";
  return base;
}

// Providers whose missing api_base LiteLLM reports only when they are called
// ("Missing Azure API Base"). For the others without a default LiteLLM would
// call OpenAI's public host instead, so RouteIQ refuses those at start-up.
constexpr std::string_view kApiBaseCheckedAtCallTime[] = {"azure", "databricks"};

bool api_base_checked_at_call_time(std::string_view provider) {
  return std::find(std::begin(kApiBaseCheckedAtCallTime), std::end(kApiBaseCheckedAtCallTime),
                   provider) != std::end(kApiBaseCheckedAtCallTime);
}

bool env_set(std::string_view name) {
  const char* value = name.empty() ? nullptr : std::getenv(std::string(name).c_str());
  return value && *value;  // set but empty reads as unset, as it does at call time
}

void require_api_base(const Deployment& d, const At& at, Warnings& warnings) {
  if (d.provider.empty() || !d.api_base.empty()) return;
  if (mocks_every_call(d.extra_params)) return;  // answered by mock_response, no provider called
  const auto* info = providers::find_provider(d.provider);
  if (!info || !info->default_api_base.empty()) return;
  if (info->format == providers::WireFormat::bedrock ||
      info->format == providers::WireFormat::vertex_ai ||
      info->format == providers::WireFormat::router)
    return;  // derived from the region / location settings; routers call no provider
  if (env_set(info->api_base_env)) return;
  std::string hint = info->api_base_env.empty() ? std::string()
                                                : " (or set the environment variable " +
                                                      std::string(info->api_base_env) + ")";
  std::string problem = "required for provider \"" + d.provider + "\"" + hint;
  if (!api_base_checked_at_call_time(d.provider)) fail(at.key("api_base", at.line), problem);
  warn_not_callable(d, problem, at.key("api_base", at.line), warnings);
}

struct ParamsState {
  bool mocked = false;  // mock_response (or mock_timeout: true): no provider is ever called
  std::string model;
  At model_at;
  std::string custom_provider;
  boost::json::object hash_input;  // every key, resolved, for the stable id
};

// litellm_params keys with a field of their own; every other key is a
// provider parameter and goes to extra_params.
using ParamSetter = void (*)(Deployment&, const YAML::Node&, const At&, Warnings&);
struct TypedParam {
  std::string_view key;
  ParamSetter set;
};

constexpr TypedParam kTypedParams[] = {
    {"api_base", [](Deployment& d, const YAML::Node& v, const At& at,
                    Warnings&) { d.api_base = read_api_base(v, at); }},
    {"api_version", [](Deployment& d, const YAML::Node& v, const At& at,
                       Warnings&) { d.api_version = read_string(v, at); }},
    {"organization", [](Deployment& d, const YAML::Node& v, const At& at,
                        Warnings&) { d.organization = read_string(v, at); }},
    {"timeout", [](Deployment& d, const YAML::Node& v, const At& at,
                   Warnings&) { d.timeout = read_timeout(v, at); }},
    {"stream_timeout", [](Deployment& d, const YAML::Node& v, const At& at,
                          Warnings&) { d.stream_timeout = read_timeout(v, at); }},
    {"max_retries", [](Deployment& d, const YAML::Node& v, const At& at,
                       Warnings&) { d.max_retries = read_small_count(v, at); }},
    {"rpm", [](Deployment& d, const YAML::Node& v, const At& at,
               Warnings&) { d.rpm = read_count(v, at); }},
    {"tpm", [](Deployment& d, const YAML::Node& v, const At& at,
               Warnings&) { d.tpm = read_count(v, at); }},
    {"weight", [](Deployment& d, const YAML::Node& v, const At& at,
                  Warnings&) { d.weight = read_weight(v, at); }},
    {"extra_headers", [](Deployment& d, const YAML::Node& v, const At& at,
                         Warnings& w) { d.extra_headers = read_string_map(v, at, w); }},
};

const TypedParam* typed_param(std::string_view key) {
  for (const auto& param : kTypedParams)
    if (param.key == key) return &param;
  return nullptr;
}

// A litellm_params value as JSON. LiteLLM's mock keys are checked here, so a
// mistake stops start-up with its line; any other key is kept as written.
boost::json::value param_json(const std::string& k, const YAML::Node& v, const At& at,
                              Warnings& warnings) {
  if (k == "mock_timeout") return read_bool(v, at);
  if (k == "mock_delay") return read_wait(v, at);
  if (k != "mock_response") return to_json(v, at, warnings);
  // A plain scalar is the answer's text as written, even `42` or `true`.
  boost::json::value j =
      v.IsScalar() ? boost::json::value(read_string(v, at)) : to_json(v, at, warnings);
  if (auto problem = mock_response_problem(j); !problem.empty()) fail(at, problem);
  return j;
}

void parse_litellm_param(const Entry& e, const At& at, Deployment& d, ParamsState& out,
                         Warnings& warnings) {
  const std::string& k = e.key;
  const YAML::Node& v = e.value;
  if (v.IsNull()) return;  // an empty value is "not set", as in LiteLLM
  if (k == "api_key") {
    d.api_key = read_api_key(v, at, out.mocked, warnings);
    out.hash_input[k] = d.api_key;
    return;
  }
  out.hash_input[k] = param_json(k, v, at, warnings);
  if (k == "model") {
    out.model = read_string(v, at);
    out.model_at = at;
  } else if (k == "custom_llm_provider") {
    out.custom_provider = read_string(v, at);
  } else if (const TypedParam* param = typed_param(k)) {
    param->set(d, v, at, warnings);
  } else {
    d.extra_params[k] = out.hash_input[k];
  }
}

bool is_mock_entry(const Entry& e) {
  if (e.key == "mock_response") return !e.value.IsNull();
  return e.key == "mock_timeout" && e.value.IsScalar() &&
         parse_bool(e.value.Scalar()).value_or(false);
}

boost::json::object parse_litellm_params(const YAML::Node& node, const At& at, Deployment& d,
                                         Warnings& warnings) {
  ParamsState state;
  auto entries = map_entries(node, at, warnings);
  state.mocked = std::any_of(entries.begin(), entries.end(), is_mock_entry);
  for (const auto& e : entries) parse_litellm_param(e, at.key(e.key, e.line), d, state, warnings);
  if (state.model.empty()) fail(at, "model is required (e.g. \"openai/gpt-4o\")");
  set_model(d, state.model, state.custom_provider, state.model_at, warnings);
  d.api_base = normalize_api_base(d.provider, d.api_base);
  require_api_base(d, at, warnings);
  return std::move(state.hash_input);
}

void parse_model_info(const YAML::Node& node, const At& at, ModelInfo& info, At& id_at,
                      Warnings& warnings) {
  if (node.IsNull()) return;
  for (const auto& e : map_entries(node, at, warnings)) {
    At key_at = at.key(e.key, e.line);
    if (e.value.IsNull()) continue;
    if (e.key == "id") {
      info.id = read_string(e.value, key_at);
      if (info.id.empty()) fail(key_at, "must not be empty");
      id_at = key_at;
    } else if (e.key == "mode") {
      info.mode = read_string(e.value, key_at);
    } else if (e.key == "max_input_tokens") {
      info.max_input_tokens = read_count(e.value, key_at);
    } else if (e.key == "input_cost_per_token") {
      info.input_cost_per_token = read_non_negative(e.value, key_at);
    } else if (e.key == "output_cost_per_token") {
      info.output_cost_per_token = read_non_negative(e.value, key_at);
    } else {
      // LiteLLM's model_info carries many descriptive keys (base_model,
      // supports_vision, ...): kept as written, no warning.
      info.extra[e.key] = to_json(e.value, key_at, warnings);
    }
  }
}

std::string read_model_name(const YAML::Node& node, const At& at) {
  std::string name = read_string(node, at);
  if (name.empty()) fail(at, "must not be empty");
  return name;
}

}  // namespace

ParsedDeployment parse_deployment(const YAML::Node& item, const At& at, Warnings& warnings) {
  ParsedDeployment parsed{{}, at, at, false};
  Deployment& d = parsed.deployment;
  d.source_line = at.line;
  d.model_info.mode = "chat";
  const YAML::Node* params = nullptr;
  const YAML::Node* info = nullptr;
  At params_at, info_at;
  auto entries = map_entries(item, at, warnings);
  for (const auto& e : entries) {
    At key_at = at.key(e.key, e.line);
    if (e.key == "model_name") {
      d.model_name = read_model_name(e.value, key_at);
    } else if (e.key == "litellm_params") {
      params = &e.value, params_at = key_at;
    } else if (e.key == "model_info") {
      info = &e.value, info_at = key_at;
    } else {
      warn_unknown(warnings, key_at);
    }
  }
  if (d.model_name.empty()) fail(at, "model_name is required");
  if (!params) fail(at, "litellm_params is required");
  boost::json::object hash_input = parse_litellm_params(*params, params_at, d, warnings);
  if (info) parse_model_info(*info, info_at, d.model_info, parsed.id_at, warnings);
  parsed.explicit_id = !d.model_info.id.empty();
  if (!parsed.explicit_id) d.model_info.id = deployment_id(d.model_name, hash_input);
  return parsed;
}

}  // namespace routeiq::config::detail
