#pragma once
// What `routeiq serve` logs at start-up for someone running a config for the
// first time: which model groups need a provider key variable that is not
// set, which groups answer with mock_response and need no key, and a curl
// command that gets an answer from one of those.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "routeiq/runtime/snapshot.hpp"

namespace routeiq::app {

// One log line each, in this order: a line per unset key variable
// ("model groups gpt-4o, gpt-4o-mini need OPENAI_API_KEY, which is not set: ..."),
// the groups that need no key, and "try: curl ..." for the group named
// `demo` (else the first such group). Empty for a config with neither.
std::vector<std::string> startup_guide(const runtime::Snapshot& snap, std::string_view host,
                                       uint16_t port);

// A curl command asking `group` for a chat completion on host:port, with the
// master key: as written when the config holds it, as $VAR when it comes
// from the environment.
std::string chat_curl(const config::GeneralSettings& general, std::string_view group,
                      std::string_view host, uint16_t port);

}  // namespace routeiq::app
