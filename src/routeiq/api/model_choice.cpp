#include "routeiq/api/model_choice.hpp"

#include "routeiq/api/request.hpp"
#include "routeiq/core/json.hpp"
#include "routeiq/core/log.hpp"

namespace routeiq::api {
namespace {

// Control bytes (C0 and DEL) in a model name would reach upstream URLs and
// response headers: refused at the boundary.
bool has_control_character(std::string_view s) {
  for (char c : s)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return true;
  return false;
}

Error unknown_model_error(const runtime::Snapshot& snap, const std::string& model) {
  std::string names;
  for (const auto& n : snap.table->public_names()) names += (names.empty() ? "" : ", ") + n;
  return make_error(ErrorKind::unknown_model,
                    "Invalid model name passed in model=" + model +
                        ". Call `/v1/models` to view available models for your key. "
                        "Available model groups: " +
                        names,
                    "model");
}

// "router-<type>-<w>": the router group of that type, with cost weight w.
std::optional<routing::Resolution> resolve_router_alias(RequestContext& ctx,
                                                        const std::string& model) {
  auto parsed = parse_router_model_name(model);
  if (!parsed) return std::nullopt;
  for (const auto& [group, router] : ctx.snapshot->router_groups) {
    if (router->spec().type != parsed->first) continue;
    if (!ctx.cost_weight) ctx.cost_weight = parsed->second;
    return ctx.snapshot->table->resolve(group);
  }
  return std::nullopt;
}

bool has_healthy_deployment(const runtime::Snapshot& snap, const std::string& group) {
  const auto* g = snap.table->group(group);
  if (!g) return false;
  for (size_t d : g->deployments)
    if (!snap.cooldowns->in_cooldown(d)) return true;
  return false;
}

// A router group picks one of its candidate groups for this request; if it
// cannot decide, the first candidate with a healthy deployment (counted as a
// fallback of the router).
Result<ModelChoice> route_to_candidate(const RequestContext& ctx,
                                       const runtime::LearnedRouter& router,
                                       const std::string& group) {
  const auto& snap = *ctx.snapshot;
  const auto& candidates = router.spec().candidates;
  std::vector<std::vector<std::string>> targets;
  std::vector<bool> allowed;
  for (const auto& c : candidates) {
    targets.push_back({c});
    allowed.push_back(has_healthy_deployment(snap, c));
  }
  ModelChoice choice;
  std::optional<size_t> chosen;
  if (auto d = router.decide(routing_query(ctx.openai_body()), targets, allowed, ctx.cost_weight)) {
    chosen = d->target;
    choice.routed_by = router.header_value();
  } else {
    router.count_fallback();
    choice.routed_by = "fallback";
    for (size_t i = 0; i < candidates.size() && !chosen; ++i)
      if (allowed[i]) chosen = i;
  }
  auto resolved = chosen ? snap.table->resolve(candidates[*chosen]) : std::nullopt;
  if (!resolved)
    return make_error(ErrorKind::no_deployment_available,
                      "No candidate of " + group + " is available");
  choice.routed_model = candidates[*chosen];
  choice.resolution = std::move(*resolved);
  log::debug() << "call_id=" << ctx.record.call_id << " " << router.spec().name << " routed to "
               << choice.routed_model;
  return choice;
}

// A virtual key's own aliases (`aliases` of /key/generate) name another group.
Status apply_key_alias(RequestContext& ctx, std::string& model) {
  const auto& key = ctx.principal.key;
  if (!key || key->aliases.empty()) return ok_status();
  auto it = key->aliases.find(model);
  if (it == key->aliases.end()) return ok_status();
  model = it->second;
  ctx.body["model"] = model;
  return ok_status();
}

}  // namespace

bool key_may_use(const RequestContext& ctx, std::string_view model, std::string_view group) {
  const auto& key = ctx.principal.key;
  if (!key) return true;
  const auto& snap = *ctx.snapshot;
  auto groups_of = [&snap](std::string_view g) {
    auto it = snap.access_groups.find(g);
    return it == snap.access_groups.end() ? std::vector<std::string>{} : it->second;
  };
  return keys::model_allowed(*key, group, groups_of) ||
         (model != group && keys::model_allowed(*key, model, groups_of));
}

Result<ModelChoice> choose_model_group(RequestContext& ctx) {
  const auto& snap = *ctx.snapshot;
  auto model_it = ctx.body.find("model");
  if (model_it == ctx.body.end() || !model_it->value().is_string())
    return make_error(ErrorKind::invalid_request, "'model' is required (a string)", "model");
  std::string model(model_it->value().as_string());
  if (has_control_character(model))
    return make_error(ErrorKind::invalid_request, "'model' may not contain control characters",
                      "model");
  if (auto st = apply_key_alias(ctx, model); !st) return st.error();
  auto resolved = snap.table->resolve(model);
  if (!resolved) resolved = resolve_router_alias(ctx, model);
  if (!resolved) return unknown_model_error(snap, model);
  if (!key_may_use(ctx, model, resolved->group_name)) return keys::model_refused(model);
  if (auto it = snap.router_groups.find(resolved->group_name); it != snap.router_groups.end())
    return route_to_candidate(ctx, *it->second, resolved->group_name);
  return ModelChoice{std::move(*resolved), {}, {}};
}

}  // namespace routeiq::api
