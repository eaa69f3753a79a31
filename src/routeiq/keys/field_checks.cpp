#include "routeiq/keys/field_checks.hpp"

#include <algorithm>

#include "routeiq/core/json.hpp"
#include "routeiq/keys/key_fields.hpp"

namespace routeiq::keys::fields {

Error bad(std::string_view name, std::string_view want) {
  return make_error(ErrorKind::invalid_request,
                    "Invalid value for '" + std::string(name) + "': expected " + std::string(want),
                    std::string(name));
}

Status string_or_null(std::string_view n, const json::value& v) {
  if (v.is_string() || v.is_null()) return ok_status();
  return bad(n, "a string");
}

Status string_list(std::string_view n, const json::value& v) {
  if (!v.is_array()) return bad(n, "a list of strings");
  for (const auto& item : v.as_array())
    if (!item.is_string()) return bad(n, "a list of strings");
  return ok_status();
}

Status non_negative_or_null(std::string_view n, const json::value& v) {
  if (v.is_null()) return ok_status();
  if (!v.is_number() || !(v.to_number<double>() >= 0)) return bad(n, "a number >= 0 or null");
  return ok_status();
}

Status count_or_null(std::string_view n, const json::value& v) {
  if (v.is_null()) return ok_status();
  bool whole = v.is_int64() ? v.get_int64() >= 0 : v.is_uint64();
  if (!whole) return bad(n, "a whole number >= 0 or null");
  return ok_status();
}

Status object_or_null(std::string_view n, const json::value& v) {
  if (v.is_object() || v.is_null()) return ok_status();
  return bad(n, "an object");
}

Status string_map(std::string_view n, const json::value& v) {
  if (v.is_null()) return ok_status();
  if (!v.is_object()) return bad(n, "an object of strings");
  for (const auto& [k, item] : v.as_object())
    if (!item.is_string()) return bad(n, "an object of strings");
  return ok_status();
}

Status count_map(std::string_view n, const json::value& v) {
  if (v.is_null()) return ok_status();
  if (!v.is_object()) return bad(n, "an object of model name to count");
  for (const auto& [k, item] : v.as_object())
    if (!(item.is_int64() && item.get_int64() >= 0) && !item.is_uint64())
      return bad(n, "an object of model name to count");
  return ok_status();
}

Status boolean(std::string_view n, const json::value& v) {
  if (v.is_bool()) return ok_status();
  return bad(n, "true or false");
}

Status duration_or_null(std::string_view n, const json::value& v) {
  if (v.is_null()) return ok_status();
  if (v.is_string() && parse_duration(v.get_string())) return ok_status();
  return bad(n, "a duration such as \"30s\", \"30m\", \"30h\", \"30d\" or null");
}

Status key_type(std::string_view n, const json::value& v) {
  if (v.is_string() && std::find(std::begin(kKeyTypes), std::end(kKeyTypes),
                                 std::string_view(v.get_string())) != std::end(kKeyTypes))
    return ok_status();
  return bad(n, "one of default, llm_api, management, read_only");
}

Status anything(std::string_view, const json::value&) {
  return ok_status();
}

// members_with_roles: [{"role": "admin" | "user", "user_id": ..., "user_email": ...}]
Status members(std::string_view n, const json::value& v) {
  if (!v.is_array()) return bad(n, "a list of {role, user_id} objects");
  for (const auto& m : v.as_array()) {
    const auto* o = m.if_object();
    if (!o) return bad(n, "a list of {role, user_id} objects");
    auto role = str_or(*o, "role", "user");
    if (role != "admin" && role != "user") return bad(n, "members whose role is admin or user");
    if (str_or(*o, "user_id").empty() && str_or(*o, "user_email").empty())
      return bad(n, "members with a user_id or a user_email");
  }
  return ok_status();
}

const Field* find_field(std::span<const Field> table, std::string_view name) {
  for (const auto& f : table)
    if (f.name == name) return &f;
  return nullptr;
}

Status refuse_unsupported(const Field& f) {
  return make_error(ErrorKind::invalid_request,
                    "'" + std::string(f.name) + "' is not supported by this gateway yet",
                    std::string(f.name));
}

// Checks every member of `body` against `table`; `route` names the endpoint
// in errors. Members named in `skip` are the caller's (the key to change...).
Status check_members(const json::object& body, std::span<const Field> table, KeyOp op,
                     std::string_view route, std::initializer_list<std::string_view> skip) {
  for (const auto& [name, value] : body) {
    if (std::find(skip.begin(), skip.end(), std::string_view(name)) != skip.end()) continue;
    const Field* f = find_field(table, name);
    bool allowed = f && (op == KeyOp::generate ? f->on_generate : f->on_update);
    if (!allowed)
      return make_error(ErrorKind::invalid_request,
                        "Unknown field '" + std::string(name) + "' for " + std::string(route),
                        std::string(name));
    if (f->support == Support::not_yet) return refuse_unsupported(*f);
    if (auto st = f->check(name, value); !st) return st;
  }
  return ok_status();
}

}  // namespace routeiq::keys::fields
