// A config reload reads whatever is on disk: any bytes must give a Config or
// an Error (file:line: key path: problem), never a crash, an exception or a hang.
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "routeiq/config/config.hpp"

extern char** environ;

namespace {

std::set<std::string, std::less<>> variable_names() {
  std::set<std::string, std::less<>> names;
  for (char** e = environ; *e; ++e) {
    std::string_view entry(*e);
    names.emplace(entry.substr(0, entry.find('=')));
  }
  return names;
}

// The loader copies environment_variables into the process environment (as
// LiteLLM does); unset what an input added so inputs stay independent and the
// environment does not grow run after run.
void unset_added_variables(const std::set<std::string, std::less<>>& before) {
  std::vector<std::string> added;
  for (const auto& name : variable_names())
    if (!before.contains(name)) added.push_back(name);
  for (const auto& name : added) ::unsetenv(name.c_str());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const auto initial = variable_names();
  std::string yaml(reinterpret_cast<const char*>(data), size);
  auto config = routeiq::config::load_config_string(yaml, "fuzz.yaml");
  if (config && config->source_files.empty()) std::abort();  // the main file is always listed
  unset_added_variables(initial);
  return 0;
}
