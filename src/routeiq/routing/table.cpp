#include "routeiq/routing/table.hpp"

#include <algorithm>

namespace routeiq::routing {

bool wildcard_match(std::string_view pattern, std::string_view name, std::string* captured) {
  auto star = pattern.find('*');
  if (star == std::string_view::npos) return pattern == name;
  auto prefix = pattern.substr(0, star), suffix = pattern.substr(star + 1);
  if (name.size() < prefix.size() + suffix.size()) return false;
  if (!name.starts_with(prefix) || !name.ends_with(suffix)) return false;
  if (captured)
    *captured =
        std::string(name.substr(prefix.size(), name.size() - prefix.size() - suffix.size()));
  return true;
}

std::string upstream_model(const config::Deployment& d, const std::string& wildcard_part) {
  auto star = d.model.find('*');
  if (star == std::string::npos || wildcard_part.empty()) return d.model;
  std::string m = d.model;
  m.replace(star, 1, wildcard_part);
  return m;
}

RoutingTable::RoutingTable(const config::Config& config) {
  for (size_t i = 0; i < config.model_list.size(); ++i) {
    const auto& name = config.model_list[i].model_name;
    auto it = std::find_if(groups_.begin(), groups_.end(),
                           [&](const ModelGroup& g) { return g.name == name; });
    if (it == groups_.end()) {
      groups_.push_back({name, {}, name.find('*') != std::string::npos});
      it = std::prev(groups_.end());
    }
    it->deployments.push_back(i);
  }
  for (const auto& [alias, target] : config.router_settings.model_group_alias)
    aliases_.emplace_back(alias, target);
  hidden_ = config.router_settings.hidden_aliases;
}

const ModelGroup* RoutingTable::group(std::string_view name) const {
  for (const auto& g : groups_)
    if (g.name == name) return &g;
  return nullptr;
}

std::optional<Resolution> RoutingTable::resolve(std::string_view model) const {
  if (const auto* g = group(model); g && !g->wildcard) return Resolution{g, g->name, {}};
  for (const auto& [alias, target] : aliases_)
    if (alias == model)
      if (const auto* g = group(target)) return Resolution{g, g->name, {}};
  // The most specific pattern wins: the longest literal part.
  const ModelGroup* best = nullptr;
  std::string best_capture;
  size_t best_literal = 0;
  for (const auto& g : groups_) {
    std::string captured;
    if (!g.wildcard || !wildcard_match(g.name, model, &captured)) continue;
    size_t literal = g.name.size() - 1;
    if (!best || literal > best_literal) {
      best = &g;
      best_capture = std::move(captured);
      best_literal = literal;
    }
  }
  if (best) return Resolution{best, std::string(model), best_capture};
  return std::nullopt;
}

std::vector<std::string> RoutingTable::public_names() const {
  std::vector<std::string> names;
  for (const auto& g : groups_) names.push_back(g.name);
  for (const auto& [alias, target] : aliases_)
    if (!hidden_.count(alias)) names.push_back(alias);
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  return names;
}

}  // namespace routeiq::routing
