#include "routeiq/runtime/snapshot.hpp"

#include <algorithm>
#include "routeiq/core/env.hpp"

#include <cstdlib>

#include "routeiq/config/litellm_keys.hpp"
#include "routeiq/config/model_ref.hpp"

namespace routeiq::runtime {

std::string public_url(std::string_view url) {
  auto scheme_end = url.find("://");
  size_t host_start = scheme_end == std::string_view::npos ? 0 : scheme_end + 3;
  auto path_start = url.find_first_of("/?#", host_start);
  auto authority =
      url.substr(host_start, path_start == std::string_view::npos ? std::string_view::npos
                                                                  : path_start - host_start);
  if (auto at = authority.rfind('@'); at != std::string_view::npos) authority.remove_prefix(at + 1);
  std::string out(url.substr(0, host_start));
  out += authority;
  if (path_start != std::string_view::npos) {
    auto rest = url.substr(path_start);
    out += rest.substr(0, rest.find_first_of("?#"));
  }
  return out;
}

namespace {

// Bedrock and Vertex AI derive their endpoints from region/location.
bool needs_api_base(const providers::ProviderInfo& p) {
  return p.format != providers::WireFormat::bedrock &&
         p.format != providers::WireFormat::vertex_ai && p.format != providers::WireFormat::router;
}

// Deployments LiteLLM would fail only when called: an unknown provider, or no
// api_base where one is needed (the loader refuses that at start-up except
// for azure and databricks). The loader warned at start-up; this message is
// what each call to them answers, so it names the deployment and the fix.
std::string why_not_callable(const config::Deployment& d, const DeploymentRuntime& rt) {
  std::string deployment = "deployment \"" + d.model_name + "\" cannot be called: ";
  if (!rt.provider)
    return deployment + config::unknown_provider_problem(d.provider, d.provider + "/" + d.model);
  // A deployment answered by mock_response calls no provider, so needs no base.
  if (rt.api_base.empty() && needs_api_base(*rt.provider) &&
      !config::mocks_every_call(d.extra_params)) {
    std::string variable(rt.provider->api_base_env);
    return deployment + "provider \"" + d.provider +
           "\" needs an api_base: set litellm_params.api_base" +
           (variable.empty() ? "" : " or the environment variable " + variable);
  }
  return {};
}

}  // namespace

namespace {

bool true_at(const boost::json::object& o, std::string_view key) {
  auto it = o.find(key);
  return it != o.end() && it->value().is_bool() && it->value().as_bool();
}

providers::Target target_of(const DeploymentRuntime& rt, bool drop_params_everywhere) {
  const auto& d = *rt.config;
  providers::Target t;
  t.provider = rt.provider ? rt.provider->name : "";
  t.model = d.model;
  t.api_base = rt.api_base;
  t.api_version = d.api_version;
  if (t.api_version.empty() && rt.provider && rt.provider->format == providers::WireFormat::azure)
    t.api_version = env_or_empty("AZURE_API_VERSION");
  t.organization = d.organization;
  t.credentials.api_key = rt.api_key;
  t.extra_params = d.extra_params;
  for (const auto& [k, v] : d.extra_params)
    if (!config::is_litellm_deployment_key(k)) t.body_defaults[k] = v;
  t.drop_params = drop_params_everywhere || true_at(d.extra_params, "drop_params");
  for (const auto& [k, v] : d.extra_headers) t.extra_headers.add(k, v);
  return t;
}

}  // namespace

DeploymentRuntime resolve_deployment(const config::Deployment& d, std::string_view provider,
                                     bool drop_params_everywhere) {
  DeploymentRuntime rt;
  rt.config = &d;
  rt.provider = providers::find_provider(provider);
  rt.api_base = d.api_base;
  rt.api_key = d.api_key;
  if (rt.provider) {
    if (rt.api_base.empty()) rt.api_base = env_or_empty(rt.provider->api_base_env);
    if (rt.api_base.empty()) rt.api_base = rt.provider->default_api_base;
    if (rt.api_key.empty()) rt.api_key = env_or_empty(rt.provider->api_key_env);
  }
  while (rt.api_base.size() > 1 && rt.api_base.back() == '/') rt.api_base.pop_back();
  rt.public_api_base = public_url(rt.api_base);
  rt.target = target_of(rt, drop_params_everywhere);
  if (rt.provider)
    rt.credentials = credentials::source_for(rt.provider->format, d.extra_params,
                                             !rt.api_key.empty(), d.model_info.id, d.model_name);
  return rt;
}

Result<std::pair<DeploymentRuntime, std::string>> resolve_from_request(
    const config::Deployment& d, std::string_view model, bool drop_params_everywhere) {
  auto ref = config::split_model_ref(model);
  if (!ref) return make_error(ErrorKind::unknown_model, ref.error().message, "model");
  auto rt = resolve_deployment(d, ref->provider, drop_params_everywhere);
  if (rt.api_base.empty() && needs_api_base(*rt.provider))
    return make_error(ErrorKind::unknown_model,
                      "provider '" + ref->provider + "' needs an api_base in the config", "model");
  return std::pair{std::move(rt), ref->model};
}

namespace {

constexpr std::string_view kLearnedPrefix = "llmrouter-";

Status make_group_strategy(const config::Config& config, Snapshot& snap) {
  const auto& name = config.router_settings.routing_strategy;
  if (!name.starts_with(kLearnedPrefix)) {
    auto strategy = routing::make_strategy(config);
    if (!strategy) return strategy.error();
    if (!strategy->warning.empty()) snap.warnings.push_back(strategy->warning);
    snap.strategy = std::move(strategy->strategy);
    return ok_status();
  }
  auto spec = parse_learned_spec(name, name.substr(kLearnedPrefix.size()),
                                 config.router_settings.routing_strategy_args);
  if (!spec)
    return make_error(ErrorKind::invalid_request,
                      "router_settings.routing_strategy_args: " + spec.error().message);
  auto router = LearnedRouter::create(std::move(spec.value()));
  if (!router) return router.error();
  snap.learned.push_back(router.value());
  snap.strategy = std::make_unique<LearnedStrategy>(router.value(), config);
  return ok_status();
}

Status make_router_group(const config::Deployment& d, Snapshot& snap) {
  auto spec = parse_learned_spec(d.model_name, d.model, d.extra_params);
  if (!spec) return spec.error();
  if (spec->candidates.empty())
    return make_error(ErrorKind::invalid_request,
                      "model_list: " + d.model_name + ": routeiq/" + d.model +
                          " needs litellm_params.candidates (the model groups it chooses among)");
  for (const auto& c : spec->candidates)
    if (!snap.table->group(c))
      return make_error(
          ErrorKind::invalid_request,
          "model_list: " + d.model_name + ": candidate '" + c + "' is not a model group");
  auto router = LearnedRouter::create(std::move(spec.value()));
  if (!router) return router.error();
  snap.learned.push_back(router.value());
  snap.router_groups[d.model_name] = router.value();
  return ok_status();
}

void add_access_groups(const config::Config& config, Snapshot& snap) {
  for (const auto& d : config.model_list) {
    const auto* groups = d.model_info.extra.if_contains("access_groups");
    if (!groups || !groups->is_array()) continue;
    auto& list = snap.access_groups[d.model_name];
    for (const auto& g : groups->as_array())
      if (g.is_string() && std::find(list.begin(), list.end(), g.as_string()) == list.end())
        list.emplace_back(g.as_string());
  }
}

}  // namespace

Result<std::shared_ptr<const Snapshot>> build_snapshot(std::shared_ptr<const config::Config> config,
                                                       routing::HealthRegistry* health) {
  auto snap = std::make_shared<Snapshot>();
  auto prices = cost::PriceTable::load(config->litellm_settings.model_cost_map);
  if (!prices) return prices.error();
  snap->prices = std::move(prices.value());
  if (auto st = make_group_strategy(*config, *snap); !st) return st.error();
  snap->table = std::make_unique<routing::RoutingTable>(*config);
  const auto& rs = config->router_settings;
  auto cooldown = std::chrono::milliseconds(static_cast<int64_t>(rs.cooldown_time * 1000));
  if (health) {
    std::vector<std::string> ids;
    for (const auto& d : config->model_list) ids.push_back(d.model_info.id);
    snap->cooldowns = std::make_shared<routing::CooldownTracker>(health->slots_for(ids),
                                                                 rs.allowed_fails, cooldown);
  } else {
    snap->cooldowns = std::make_shared<routing::CooldownTracker>(config->model_list.size(),
                                                                 rs.allowed_fails, cooldown);
  }
  for (const auto& d : config->model_list) {
    if (d.provider.empty()) {  // `model: "*"`: the provider comes with each request
      DeploymentRuntime rt;
      rt.config = &d;
      rt.provider_from_request = true;
      snap->deployments.push_back(std::move(rt));
      continue;
    }
    auto rt = resolve_deployment(d, d.provider, config->litellm_settings.drop_params);
    if (rt.provider && rt.provider->format == providers::WireFormat::router)
      if (auto st = make_router_group(d, *snap); !st) return st.error();
    rt.not_callable_reason = why_not_callable(d, rt);
    rt.price = cost::deployment_price(d, *snap->prices);
    snap->deployments.push_back(std::move(rt));
  }
  for (const auto& rt : snap->deployments) snap->callable.push_back(rt.not_callable_reason.empty());
  add_access_groups(*config, *snap);
  snap->config = std::move(config);
  return std::shared_ptr<const Snapshot>(std::move(snap));
}

}  // namespace routeiq::runtime
