#pragma once
// The machinery the management field tables share (key_fields.cpp and the
// other /x/new, /x/update field lists): one row per field of a LiteLLM request
// body, saying whether the gateway uses it, stores it as given, or refuses it
// for now, and how its value is checked. Internal to keys/.
#include <boost/json/object.hpp>
#include <initializer_list>
#include <span>
#include <string_view>

#include "routeiq/core/error.hpp"

namespace routeiq::keys {

enum class KeyOp { generate, update };

namespace fields {
namespace json = boost::json;

enum class Support { yes, stored, not_yet };
using Check = Status (*)(std::string_view name, const json::value& v);

struct Field {
  std::string_view name;
  Support support;
  Check check;
  bool on_generate = true, on_update = true;
};

Error bad(std::string_view name, std::string_view want);
Status string_or_null(std::string_view n, const json::value& v);
Status string_list(std::string_view n, const json::value& v);
Status non_negative_or_null(std::string_view n, const json::value& v);
Status count_or_null(std::string_view n, const json::value& v);
Status object_or_null(std::string_view n, const json::value& v);
Status string_map(std::string_view n, const json::value& v);
Status count_map(std::string_view n, const json::value& v);
Status boolean(std::string_view n, const json::value& v);
Status duration_or_null(std::string_view n, const json::value& v);
Status key_type(std::string_view n, const json::value& v);
Status anything(std::string_view, const json::value&);
// members_with_roles: [{"role": "admin" | "user", "user_id": ..., "user_email": ...}]
Status members(std::string_view n, const json::value& v);

const Field* find_field(std::span<const Field> table, std::string_view name);
// A field the gateway does not implement yet: a clear 400 naming it.
Status refuse_unsupported(const Field& f);
// Checks every member of `body` against `table`; `route` names the endpoint
// in errors. Members named in `skip` are the caller's (the key to change...).
Status check_members(const json::object& body, std::span<const Field> table, KeyOp op,
                     std::string_view route, std::initializer_list<std::string_view> skip);

}  // namespace fields
}  // namespace routeiq::keys
