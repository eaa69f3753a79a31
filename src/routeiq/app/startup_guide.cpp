#include "routeiq/app/startup_guide.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <map>

#include "routeiq/config/litellm_keys.hpp"

namespace routeiq::app {
namespace {

// The provider key variable a deployment reads at call time and finds unset;
// empty when it has a key, needs none or gets credentials another way.
std::string missing_key_variable(const runtime::DeploymentRuntime& rt) {
  if (!rt.config || !rt.provider || rt.provider_from_request) return {};
  if (config::mocks_every_call(rt.config->extra_params)) return {};
  if (!rt.api_key.empty() || rt.provider->api_key_env.empty()) return {};
  switch (rt.provider->format) {
    case providers::WireFormat::openai:
    case providers::WireFormat::anthropic:
    case providers::WireFormat::gemini:
    case providers::WireFormat::cohere:
      break;
    case providers::WireFormat::azure:  // Entra ID instead of a key
      if (rt.config->extra_params.contains("tenant_id") ||
          rt.config->extra_params.contains("azure_ad_token"))
        return {};
      break;
    default:  // AWS and Google credential chains; learned routers call no provider
      return {};
  }
  return std::string(rt.provider->api_key_env);
}

void add_unique(std::vector<std::string>& names, const std::string& name) {
  if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
}

std::string join(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

// One shell word: 'text', a quote in it written '\''.
std::string single_quoted(std::string_view s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// One shell word: "text" when nothing in it is special inside double quotes, else 'text'.
std::string shell_word(std::string_view s) {
  if (s.find_first_of("$`\\\"!") == std::string_view::npos) return "\"" + std::string(s) + "\"";
  return single_quoted(s);
}

std::string display_host(std::string_view host) {
  if (host.empty() || host == "0.0.0.0" || host == "::") return "localhost";
  if (host.find(':') != std::string_view::npos) return "[" + std::string(host) + "]";
  return std::string(host);
}

}  // namespace

std::string chat_curl(const config::GeneralSettings& general, std::string_view group,
                      std::string_view host, uint16_t port) {
  std::string cmd =
      "curl " + display_host(host) + ":" + std::to_string(port) + "/v1/chat/completions";
  if (!general.master_key_env.empty())
    cmd += " -H \"Authorization: Bearer $" + general.master_key_env + "\"";
  else if (!general.master_key.empty())
    cmd += " -H " + shell_word("Authorization: Bearer " + general.master_key);
  // The README's spacing, so the line reads like the command there.
  std::string json = "{\"model\": " + boost::json::serialize(boost::json::value(group)) +
                     ", \"messages\": [{\"role\": \"user\", \"content\": \"Hello\"}]}";
  return cmd + " -H \"Content-Type: application/json\" -d " + single_quoted(json);
}

std::vector<std::string> startup_guide(const runtime::Snapshot& snap, std::string_view host,
                                       uint16_t port) {
  std::vector<std::string> order;                         // groups in config order
  std::map<std::string, bool> mocked;                     // group -> every deployment mocked
  std::map<std::string, std::vector<std::string>> needs;  // variable -> groups
  std::vector<std::string> variables;
  for (const auto& rt : snap.deployments) {
    const auto& name = rt.config->model_name;
    add_unique(order, name);
    bool is_mock = config::mocks_every_call(rt.config->extra_params);
    auto [it, fresh] = mocked.try_emplace(name, is_mock);
    if (!fresh) it->second = it->second && is_mock;
    if (auto var = missing_key_variable(rt); !var.empty()) {
      add_unique(variables, var);
      add_unique(needs[var], name);
    }
  }
  std::vector<std::string> lines;
  for (const auto& var : variables)
    lines.push_back("model groups " + join(needs[var]) + " need " + var +
                    ", which is not set: export " + var + "=... and restart to use them");
  std::vector<std::string> keyless;
  std::string first_mocked;
  for (const auto& name : order) {
    if (auto r = snap.router_groups.find(name); r != snap.router_groups.end()) {
      const auto& candidates = r->second->spec().candidates;
      bool all = !candidates.empty() &&
                 std::all_of(candidates.begin(), candidates.end(), [&](const std::string& c) {
                   auto m = mocked.find(c);
                   return m != mocked.end() && m->second;
                 });
      if (all) keyless.push_back(name + " (a learned router over " + join(candidates) + ")");
      continue;
    }
    if (!mocked[name]) continue;
    keyless.push_back(name);
    if (first_mocked.empty() || name == "demo") first_mocked = name;
  }
  if (keyless.empty()) return lines;
  lines.push_back("model groups that answer with mock_response and need no provider key: " +
                  join(keyless));
  lines.push_back("try: " + chat_curl(snap.config->general_settings, first_mocked, host, port));
  return lines;
}

}  // namespace routeiq::app
