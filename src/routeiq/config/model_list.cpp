// model_list entries: model_name, litellm_params, model_info.
#include <algorithm>
#include <boost/json.hpp>
#include <cstdlib>

#include "routeiq/config/litellm_keys.hpp"
#include "routeiq/config/model_ref.hpp"
#include "routeiq/config/sections.hpp"
#include "routeiq/config/stable_id.hpp"
#include "routeiq/core/env.hpp"
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
  if (text.value.find_first_not_of(" \t/") != std::string::npos) {
    // A URL never holds these; a line break would split the request line of
    // every upstream call.
    for (unsigned char c : text.value)
      if (c < 0x20 || c == 0x7f || c == ' ')
        fail(at, "holds a space, line break or control character, which a URL may not");
    return text.value;
  }
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
  explicit ParamsState(Deployment& d) : deployment(d) {}

  Deployment& deployment;
  bool mocked = false;  // mock_response (or mock_timeout: true): no provider is ever called
  std::string model;
  At model_at;
  std::string custom_provider;
  boost::json::object hash_input;  // every key, resolved, for the stable id
};

// The stable id hashes every litellm_params key, so each row's setter records
// its key: as written, unless the row has a reason to record another value
// (the resolved api_key, the checked mock values).
void hash_as_written(ParamsState& p, const Entry& e, const At& at, Warnings& warnings) {
  p.hash_input[e.key] = to_json(e.value, at, warnings);
}

// extra_params holds every key without a field of its own: provider
// parameters, and LiteLLM keys read at call time (mock_*).
void keep_param(ParamsState& p, const std::string& key, boost::json::value value) {
  p.hash_input[key] = value;
  p.deployment.extra_params[key] = std::move(value);
}

// LiteLLM's mock_response is checked here, so a mistake stops start-up with
// its line. A plain scalar is the answer's text as written, even `42` or `true`.
boost::json::value read_mock_response(const YAML::Node& node, const At& at, Warnings& warnings) {
  boost::json::value j =
      node.IsScalar() ? boost::json::value(read_string(node, at)) : to_json(node, at, warnings);
  if (auto problem = mock_response_problem(j); !problem.empty()) fail(at, problem);
  return j;
}

using enum Support;

// litellm_params keys the loader reads. Every other key is a provider
// parameter (or a LiteLLM key read later) and goes to extra_params unwarned.
constexpr KeyRow<ParamsState> kLitellmParamsKeys[] = {
    {"model", yes, "<provider>/<model>, split on the first /",
     [](ParamsState& p, const Entry& e, const At& at, Warnings& w) {
       hash_as_written(p, e, at, w);
       p.model = read_string(e.value, at);
       p.model_at = at;
     }},
    {"custom_llm_provider", yes, "the provider, when model is the provider's name as is",
     [](ParamsState& p, const Entry& e, const At& at, Warnings& w) {
       hash_as_written(p, e, at, w);
       p.custom_provider = read_string(e.value, at);
     }},
    {"api_key", yes, "the upstream key; an unset variable leaves the provider's default",
     [](ParamsState& p, const Entry& e, const At& at, Warnings& w) {
       // Read before it is hashed: its variable may be unset, and it is always a string.
       p.deployment.api_key = read_api_key(e.value, at, p.mocked, w);
       p.hash_input[e.key] = p.deployment.api_key;
     }},
    {"api_base", yes, "the base URL, else the provider's default",
     [](ParamsState& p, const Entry& e, const At& at, Warnings& w) {
       hash_as_written(p, e, at, w);
       p.deployment.api_base = read_api_base(e.value, at);
     }},
    {"api_version", yes, "Azure API version",
     [](ParamsState& p, const Entry& e, const At& at, Warnings& w) {
       hash_as_written(p, e, at, w);
       p.deployment.api_version = read_string(e.value, at);
     }},
    {"organization", yes, "OpenAI organization header",
     [](ParamsState& p, const Entry& e, const At& at, Warnings& w) {
       hash_as_written(p, e, at, w);
       p.deployment.organization = read_string(e.value, at);
     }},
    {"timeout", yes, "seconds for the whole upstream call",
     [](ParamsState& p, const Entry& e, const At& at, Warnings& w) {
       hash_as_written(p, e, at, w);
       p.deployment.timeout = read_timeout(e.value, at);
     }},
    {"stream_timeout", yes, "seconds until the first streamed byte",
     [](ParamsState& p, const Entry& e, const At& at, Warnings& w) {
       hash_as_written(p, e, at, w);
       p.deployment.stream_timeout = read_timeout(e.value, at);
     }},
    {"max_retries", yes, "retries of this deployment",
     [](ParamsState& p, const Entry& e, const At& at, Warnings& w) {
       hash_as_written(p, e, at, w);
       p.deployment.max_retries = read_small_count(e.value, at);
     }},
    {"rpm", yes, "requests per minute this deployment may take",
     [](ParamsState& p, const Entry& e, const At& at, Warnings& w) {
       hash_as_written(p, e, at, w);
       p.deployment.rpm = read_count(e.value, at);
     }},
    {"tpm", yes, "tokens per minute this deployment may take",
     [](ParamsState& p, const Entry& e, const At& at, Warnings& w) {
       hash_as_written(p, e, at, w);
       p.deployment.tpm = read_count(e.value, at);
     }},
    {"weight", yes, "relative share of traffic in simple-shuffle",
     [](ParamsState& p, const Entry& e, const At& at, Warnings& w) {
       hash_as_written(p, e, at, w);
       p.deployment.weight = read_weight(e.value, at);
     }},
    {"extra_headers", yes, "headers added to every upstream request",
     [](ParamsState& p, const Entry& e, const At& at, Warnings& w) {
       hash_as_written(p, e, at, w);
       p.deployment.extra_headers = read_header_map(e.value, at, w);
     }},
    {"mock_response", yes, "the answer (or error) of every call, no provider called",
     [](ParamsState& p, const Entry& e, const At& at, Warnings& w) {
       keep_param(p, e.key, read_mock_response(e.value, at, w));
     }},
    {"mock_timeout", yes, "every call times out at its timeout",
     [](ParamsState& p, const Entry& e, const At& at, Warnings&) {
       keep_param(p, e.key, read_bool(e.value, at));
     }},
    {"mock_delay", yes, "seconds before a mocked answer comes",
     [](ParamsState& p, const Entry& e, const At& at, Warnings&) {
       keep_param(p, e.key, read_wait(e.value, at));
     }},
};
static_assert(well_formed(kLitellmParamsKeys));

void parse_litellm_param(const Entry& e, const At& at, ParamsState& state, Warnings& warnings) {
  if (e.value.IsNull()) return;  // an empty value is "not set", as in LiteLLM
  if (const auto* row = find_key(kLitellmParamsKeys, e.key))
    row->set(state, e, at, warnings);
  else
    keep_param(state, e.key, to_json(e.value, at, warnings));
}

bool is_mock_entry(const Entry& e) {
  if (e.key == "mock_response") return !e.value.IsNull();
  return e.key == "mock_timeout" && e.value.IsScalar() &&
         parse_bool(e.value.Scalar()).value_or(false);
}

boost::json::object parse_litellm_params(const YAML::Node& node, const At& at, Deployment& d,
                                         Warnings& warnings) {
  ParamsState state(d);
  auto entries = map_entries(node, at, warnings);
  state.mocked = std::any_of(entries.begin(), entries.end(), is_mock_entry);
  for (const auto& e : entries) parse_litellm_param(e, at.key(e.key, e.line), state, warnings);
  if (state.model.empty()) fail(at, "model is required (e.g. \"openai/gpt-4o\")");
  set_model(d, state.model, state.custom_provider, state.model_at, warnings);
  d.api_base = normalize_api_base(d.provider, d.api_base);
  require_api_base(d, at, warnings);
  return std::move(state.hash_input);
}

// model_info keys the loader reads. LiteLLM's model_info carries many
// descriptive keys (base_model, supports_vision, ...): any other key is kept
// in ModelInfo::extra as written, unwarned.
constexpr KeyRow<ParsedDeployment> kModelInfoKeys[] = {
    {"id", yes, "the deployment id of metrics, logs and cooldowns; unique",
     [](ParsedDeployment& p, const Entry& e, const At& at, Warnings&) {
       p.deployment.model_info.id = read_string(e.value, at);
       if (p.deployment.model_info.id.empty()) fail(at, "must not be empty");
       p.id_at = at;
     }},
    {"mode", yes, "chat, completion, embedding, ...",
     [](ParsedDeployment& p, const Entry& e, const At& at, Warnings&) {
       p.deployment.model_info.mode = read_string(e.value, at);
     }},
    {"max_input_tokens", yes, "context window",
     [](ParsedDeployment& p, const Entry& e, const At& at, Warnings&) {
       p.deployment.model_info.max_input_tokens = read_count(e.value, at);
     }},
    {"input_cost_per_token", yes, "USD per prompt token",
     [](ParsedDeployment& p, const Entry& e, const At& at, Warnings&) {
       p.deployment.model_info.input_cost_per_token = read_non_negative(e.value, at);
     }},
    {"output_cost_per_token", yes, "USD per completion token",
     [](ParsedDeployment& p, const Entry& e, const At& at, Warnings&) {
       p.deployment.model_info.output_cost_per_token = read_non_negative(e.value, at);
     }},
};
static_assert(well_formed(kModelInfoKeys));

void parse_model_info(const YAML::Node& node, const At& at, ParsedDeployment& parsed,
                      Warnings& warnings) {
  if (node.IsNull()) return;
  for (const auto& e : map_entries(node, at, warnings)) {
    At key_at = at.key(e.key, e.line);
    if (e.value.IsNull()) continue;
    if (const auto* row = find_key(kModelInfoKeys, e.key))
      row->set(parsed, e, key_at, warnings);
    else
      parsed.deployment.model_info.extra[e.key] = to_json(e.value, key_at, warnings);
  }
}

std::string read_model_name(const YAML::Node& node, const At& at) {
  std::string name = read_string(node, at);
  if (name.empty()) fail(at, "must not be empty");
  return name;
}

// A model_list entry's keys, found first: litellm_params is read once
// model_name is known (its warnings name the deployment), model_info after it.
struct EntryParts {
  explicit EntryParts(ParsedDeployment& p) : parsed(p) {}

  ParsedDeployment& parsed;
  const YAML::Node* params = nullptr;
  At params_at;
  const YAML::Node* info = nullptr;
  At info_at;
};

constexpr KeyRow<EntryParts> kModelEntryKeys[] = {
    {"model_name", yes, "the model group clients ask for",
     [](EntryParts& p, const Entry& e, const At& at, Warnings&) {
       p.parsed.deployment.model_name = read_model_name(e.value, at);
     }},
    {"litellm_params", yes, "how to call the upstream",
     [](EntryParts& p, const Entry& e, const At& at, Warnings&) {
       p.params = &e.value;
       p.params_at = at;
     }},
    {"model_info", yes, "the deployment's id and metadata",
     [](EntryParts& p, const Entry& e, const At& at, Warnings&) {
       p.info = &e.value;
       p.info_at = at;
     }},
};
static_assert(well_formed(kModelEntryKeys));

// Other keys of an entry are not kept: a deployment has no place for them.
EntryParts find_entry_parts(const std::vector<Entry>& entries, const At& at,
                            ParsedDeployment& parsed, Warnings& warnings) {
  EntryParts parts(parsed);
  for (const auto& e : entries) {
    At key_at = at.key(e.key, e.line);
    if (const auto* row = find_key(kModelEntryKeys, e.key))
      row->set(parts, e, key_at, warnings);
    else
      warn_unknown(warnings, key_at);
  }
  return parts;
}

}  // namespace

ParsedDeployment parse_deployment(const YAML::Node& item, const At& at, Warnings& warnings) {
  ParsedDeployment parsed{{}, at, at, false};
  Deployment& d = parsed.deployment;
  d.source_line = at.line;
  d.model_info.mode = "chat";
  auto entries = map_entries(item, at, warnings);
  EntryParts parts = find_entry_parts(entries, at, parsed, warnings);
  if (d.model_name.empty()) fail(at, "model_name is required");
  if (!parts.params) fail(at, "litellm_params is required");
  boost::json::object hash_input =
      parse_litellm_params(*parts.params, parts.params_at, d, warnings);
  if (parts.info) parse_model_info(*parts.info, parts.info_at, parsed, warnings);
  parsed.explicit_id = !d.model_info.id.empty();
  if (!parsed.explicit_id) d.model_info.id = deployment_id(d.model_name, hash_input);
  return parsed;
}

std::vector<KeyDoc> model_entry_keys() {
  return describe(kModelEntryKeys);
}

std::vector<KeyDoc> litellm_params_keys() {
  return describe(kLitellmParamsKeys);
}

std::vector<KeyDoc> model_info_keys() {
  return describe(kModelInfoKeys);
}

}  // namespace routeiq::config::detail
