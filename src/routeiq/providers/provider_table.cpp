// Compile-time checks of the provider table: a bad row fails the build, not a
// request at run time.
#include "routeiq/providers/provider_table.hpp"

namespace routeiq::providers {
namespace {

constexpr bool names_are_unique() {
  const auto rows = all_providers();
  for (size_t i = 0; i < rows.size(); ++i)
    for (size_t j = i + 1; j < rows.size(); ++j)
      if (rows[i].name == rows[j].name) return false;
  return true;
}

constexpr bool is_lower_snake(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-')) return false;
  return true;
}

constexpr bool names_are_well_formed() {
  for (const auto& row : all_providers())
    if (!is_lower_snake(row.name)) return false;
  return true;
}

// "/chat/completions" (or the native path) is appended to the base, so a
// trailing slash would produce "//".
constexpr bool bases_have_no_trailing_slash() {
  for (const auto& row : all_providers())
    if (!row.default_api_base.empty() && row.default_api_base.back() == '/') return false;
  return true;
}

static_assert(names_are_unique(), "two provider rows share a name");
static_assert(names_are_well_formed(), "provider names are lower-case identifiers");
static_assert(bases_have_no_trailing_slash(), "default_api_base must not end with '/'");
// By name, not pointer: GCC's sanitizers make pointer tests non-constant.
constexpr bool has_row(std::string_view name) {
  for (const auto& row : all_providers())
    if (row.name == name) return true;
  return false;
}
static_assert(has_row("openai") && has_row("azure") && has_row("anthropic") && !has_row("nope"));

}  // namespace
}  // namespace routeiq::providers
