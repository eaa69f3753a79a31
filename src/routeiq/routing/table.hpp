#pragma once
// Model groups built from a config snapshot: which deployments serve a
// requested model name, after aliases and wildcard patterns.
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "routeiq/config/config.hpp"
#include "routeiq/core/error.hpp"

namespace routeiq::routing {

struct ModelGroup {
  std::string name;                 // as written in model_list (may contain '*')
  std::vector<size_t> deployments;  // indices into Config::model_list
  bool wildcard = false;
};

struct Resolution {
  const ModelGroup* group = nullptr;
  std::string group_name;     // the name the request resolved to (after aliases)
  std::string wildcard_part;  // text matched by '*', substituted into the deployment model
};

class RoutingTable {
 public:
  explicit RoutingTable(const config::Config& config);

  // Exact name, then alias, then the most specific wildcard pattern.
  std::optional<Resolution> resolve(std::string_view model) const;
  const ModelGroup* group(std::string_view name) const;
  const std::vector<ModelGroup>& groups() const { return groups_; }
  // Public names a client may ask for (groups and visible aliases), sorted.
  std::vector<std::string> public_names() const;

 private:
  std::vector<ModelGroup> groups_;
  std::vector<std::pair<std::string, std::string>> aliases_;
  std::set<std::string> hidden_;  // aliases that resolve but are not listed
};

// The provider-side model for a deployment, with a wildcard match substituted.
std::string upstream_model(const config::Deployment& d, const std::string& wildcard_part);

// Matches `pattern` containing at most one '*' against `name`; sets the captured part.
bool wildcard_match(std::string_view pattern, std::string_view name, std::string* captured);

}  // namespace routeiq::routing
