#pragma once
// The process's environment and files, read one way everywhere: an unset and
// an empty variable read the same (as LiteLLM's os.environ/ references do),
// and a file read whole says why it could not be.
#include <optional>
#include <string>
#include <string_view>

namespace routeiq {

// The variable's value, or "" when it is unset (or `name` is empty).
std::string env_or_empty(std::string_view name);
// Set and not empty.
bool env_set(std::string_view name);

// The whole file, or nullopt with `problem` set (strerror of the failure).
std::optional<std::string> read_whole_file(const std::string& path, std::string& problem);

}  // namespace routeiq
