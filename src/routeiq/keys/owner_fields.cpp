#include "routeiq/keys/owner_fields.hpp"

#include <algorithm>

#include "routeiq/core/json.hpp"
#include "routeiq/core/time.hpp"
#include "routeiq/keys/budget_reset.hpp"
#include "routeiq/keys/key_fields.hpp"

namespace routeiq::keys {
namespace json = boost::json;

namespace {

using namespace fields;
using enum Support;

Status model_region(std::string_view n, const json::value& v) {
  if (v.is_null() || (v.is_string() && (v.get_string() == "eu" || v.get_string() == "us")))
    return ok_status();
  return bad(n, "\"eu\", \"us\" or null");
}

Status time_or_null(std::string_view n, const json::value& v) {
  if (v.is_null() || (v.is_string() && parse_iso8601(v.get_string()))) return ok_status();
  return bad(n, "an ISO 8601 date-time or null");
}

Status string_value(std::string_view n, const json::value& v) {
  if (v.is_string()) return ok_status();
  return bad(n, "a string");
}

// LiteLLM_BudgetTable's fields and BudgetNewRequest's budget_reset_at: what a
// budget row holds besides its id.
constexpr std::string_view kBudgetRowFields[] = {
    "max_budget",       "soft_budget",     "max_parallel_requests", "tpm_limit",       "rpm_limit",
    "model_max_budget", "budget_duration", "allowed_models",        "budget_reset_at",
};

// One row per field of BudgetNewRequest (/budget/new and /budget/update).
// Budgets are stored now; the spend and limits stage will enforce them.
constexpr Field kBudgetFields[] = {
    {"budget_id", yes, string_or_null},
    {"max_budget", stored, non_negative_or_null},
    {"soft_budget", stored, non_negative_or_null},
    {"max_parallel_requests", yes, count_or_null},
    {"tpm_limit", yes, count_or_null},
    {"rpm_limit", yes, count_or_null},
    {"budget_duration", stored, duration_or_null},
    {"model_max_budget", stored, object_or_null},
    {"budget_reset_at", stored, time_or_null},
    {"allowed_models", stored, string_list},  // LiteLLM_BudgetTable's, set through owners
};

// One row per field of NewCustomerRequest / UpdateCustomerRequest. The budget
// fields go to the customer's budget row.
constexpr Field kCustomerFields[] = {
    {"user_id", yes, string_value},
    {"alias", yes, string_or_null},
    {"blocked", yes, boolean},
    {"budget_id", yes, string_or_null},
    {"spend", yes, non_negative_or_null, true, false},
    {"allowed_model_region", stored, model_region},
    {"default_model", stored, string_or_null},
    {"max_budget", stored, non_negative_or_null},
    {"soft_budget", stored, non_negative_or_null, true, false},
    {"max_parallel_requests", yes, count_or_null, true, false},
    {"tpm_limit", yes, count_or_null, true, false},
    {"rpm_limit", yes, count_or_null, true, false},
    {"budget_duration", stored, duration_or_null, true, false},
    {"model_max_budget", stored, object_or_null, true, false},
    {"budget_reset_at", stored, time_or_null, true, false},
    {"object_permission", not_yet, anything},
};

// One row per field of NewOrganizationRequest / LiteLLM_OrganizationTableUpdate.
// blocked and tags are in LiteLLM's documentation of /organization/new.
constexpr Field kOrganizationFields[] = {
    {"organization_id", yes, string_or_null, true, false},
    {"organization_alias", yes, string_or_null},
    {"models", yes, string_list},
    {"budget_id", yes, string_or_null},
    {"metadata", yes, object_or_null},
    {"spend", yes, non_negative_or_null, false, true},
    {"updated_by", yes, string_or_null, false, true},
    {"litellm_budget_table", yes, object_or_null, false, true},
    {"blocked", stored, boolean},
    {"tags", stored, string_list},
    {"model_rpm_limit", stored, count_map},
    {"model_tpm_limit", stored, count_map},
    {"max_budget", stored, non_negative_or_null},
    {"soft_budget", stored, non_negative_or_null},
    {"max_parallel_requests", yes, count_or_null},
    {"tpm_limit", yes, count_or_null},
    {"rpm_limit", yes, count_or_null},
    {"budget_duration", stored, duration_or_null},
    {"model_max_budget", stored, object_or_null},
    {"allowed_models", stored, string_list},
    {"object_permission", not_yet, anything},
};

bool is_budget_field(std::string_view name) {
  return std::find(std::begin(kBudgetRowFields), std::end(kBudgetRowFields), name) !=
         std::end(kBudgetRowFields);
}

OwnerFields split_budget(const json::object& body) {
  OwnerFields out;
  for (const auto& [name, value] : body)
    (is_budget_field(name) ? out.budget : out.own)[name] = value;
  return out;
}

Error conflict(std::string_view message, std::string_view param) {
  return make_error(ErrorKind::invalid_request, std::string(message), std::string(param));
}

// The budget fields the UI nests in litellm_budget_table, checked like the
// flat ones and merged into the body (a flat field wins).
Result<json::object> flatten_budget_table(const json::object& body, KeyOp op,
                                          std::string_view route) {
  const auto* nested = body.if_contains("litellm_budget_table");
  if (!nested || !nested->is_object()) return body;
  json::object flat = body;
  flat.erase("litellm_budget_table");
  json::object budget;
  for (const auto& [name, value] : nested->as_object())
    if (is_budget_field(name) && !value.is_null() && !flat.contains(name)) budget[name] = value;
  if (auto st = check_members(budget, kOrganizationFields, op, route, {}); !st) return st.error();
  for (const auto& [name, value] : budget) flat[name] = value;
  return flat;
}

}  // namespace

std::span<const std::string_view> budget_row_fields() {
  return kBudgetRowFields;
}

Status check_org_member(std::string_view n, const json::value& member) {
  const auto* o = member.if_object();
  if (!o) return bad(n, "a {role, user_id} object or a list of them");
  auto role = str_or(*o, "role");
  if (role != "org_admin" && role != "internal_user" && role != "internal_user_viewer")
    return bad(n, "members whose role is org_admin, internal_user or internal_user_viewer");
  for (auto id : {"user_id", "user_email"})
    if (const auto* v = o->if_contains(id); v && !v->is_string() && !v->is_null())
      return bad(n, "members whose user_id and user_email are strings");
  if (str_or(*o, "user_id").empty() && str_or(*o, "user_email").empty())
    return bad(n, "members with a user_id or a user_email");
  for (const auto& [name, value] : *o)
    if (name != "role" && name != "user_id" && name != "user_email")
      return make_error(ErrorKind::invalid_request,
                        "Unknown field '" + std::string(name) + "' in a member", std::string(n));
  return ok_status();
}

Status check_member_budget(const json::value& max_budget) {
  return non_negative_or_null("max_budget_in_organization", max_budget);
}

Result<OwnerFields> customer_fields(const json::object& body, KeyOp op) {
  auto route = op == KeyOp::generate ? "/customer/new" : "/customer/update";
  if (auto st = check_members(body, kCustomerFields, op, route, {}); !st) return st.error();
  if (str_or(body, "user_id").empty()) return conflict("'user_id' is required", "user_id");
  const auto* max_budget = body.if_contains("max_budget");
  const auto* budget_id = body.if_contains("budget_id");
  if (max_budget && !max_budget->is_null() && budget_id && !budget_id->is_null())
    return conflict("Set either 'max_budget' or 'budget_id', not both.", "budget_id");
  OwnerFields out = split_budget(body);
  if (op == KeyOp::generate) {
    if (!out.own.contains("blocked")) out.own["blocked"] = false;
    if (!out.own.contains("spend") || out.own["spend"].is_null()) out.own["spend"] = 0.0;
    for (auto name : {"alias", "allowed_model_region", "default_model", "budget_id"})
      if (!out.own.contains(name)) out.own[name] = nullptr;
  }
  return out;
}

Result<OwnerFields> organization_fields(const json::object& body, KeyOp op) {
  auto route = op == KeyOp::generate ? "/organization/new" : "/organization/update";
  if (auto st = check_members(body, kOrganizationFields, op, route, {}); !st) return st.error();
  if (op == KeyOp::generate && str_or(body, "organization_alias").empty())
    return conflict("'organization_alias' is required", "organization_alias");
  auto flat = flatten_budget_table(body, op, route);
  if (!flat) return flat.error();
  OwnerFields out = split_budget(flat.value());
  if (op == KeyOp::generate) {
    if (!out.own.contains("models")) out.own["models"] = json::array();
    if (!out.own.contains("metadata")) out.own["metadata"] = json::object();
    if (!out.own.contains("spend")) out.own["spend"] = 0.0;
  }
  return out;
}

Result<json::object> budget_fields(const json::object& body, KeyOp op,
                                   std::chrono::system_clock::time_point now) {
  auto route = op == KeyOp::generate ? "/budget/new" : "/budget/update";
  if (auto st = check_members(body, kBudgetFields, op, route, {}); !st) return st.error();
  if (op == KeyOp::update && str_or(body, "budget_id").empty())
    return conflict("budget_id is required", "budget_id");
  json::object doc = body;
  doc.erase("budget_id");
  const auto* duration = body.if_contains("budget_duration");
  bool reset_given = body.contains("budget_reset_at") && !body.at("budget_reset_at").is_null();
  // The first reset on LiteLLM's calendar boundaries, as the reset job sets
  // the later ones (keys/budget_reset).
  if (op == KeyOp::generate && duration && !reset_given)
    if (auto next = first_reset_at(duration, now)) doc["budget_reset_at"] = *next;
  return doc;
}

}  // namespace routeiq::keys
