#pragma once
// The fields of LiteLLM's /customer, /organization and /budget bodies
// (NewCustomerRequest, UpdateCustomerRequest, NewOrganizationRequest,
// LiteLLM_OrganizationTableUpdate, BudgetNewRequest in LiteLLM's
// proxy/_types.py), checked one table row per field as key_fields.hpp does:
// used, stored as given, or refused with a clear 400. Pure: no store.
#include <boost/json/object.hpp>
#include <chrono>
#include <span>
#include <string_view>

#include "routeiq/core/error.hpp"
#include "routeiq/keys/field_checks.hpp"

namespace routeiq::keys {

// The fields a customer or an organisation keeps in its budget row rather than
// in its own (LiteLLM_BudgetTable's): a body giving any of them gets a budget
// made for it, as LiteLLM does.
std::span<const std::string_view> budget_row_fields();

// A checked body split in two: the owner's own fields and its budget's.
struct OwnerFields {
  boost::json::object own;
  boost::json::object budget;  // empty: the body sets no budget field
};

// /customer/new (KeyOp::generate) and /customer/update bodies. user_id is in
// `own` (required by the caller); blocked, spend and the nulls LiteLLM shows
// are filled on generate.
Result<OwnerFields> customer_fields(const boost::json::object& body, KeyOp op);

// /organization/new and /organization/update bodies. On update, LiteLLM's UI
// sends budget fields nested in litellm_budget_table: they are taken from
// there too.
Result<OwnerFields> organization_fields(const boost::json::object& body, KeyOp op);

// /budget/new and /budget/update bodies (BudgetNewRequest). budget_reset_at
// is set from budget_duration when not given, relative to `now`, as LiteLLM
// does on /budget/new.
Result<boost::json::object> budget_fields(const boost::json::object& body, KeyOp op,
                                          std::chrono::system_clock::time_point now);

// An organisation member: {"role": org_admin | internal_user |
// internal_user_viewer, "user_id" or "user_email"}.
Status check_org_member(std::string_view name, const boost::json::value& member);
// max_budget_in_organization: a number >= 0 or null.
Status check_member_budget(const boost::json::value& max_budget);

}  // namespace routeiq::keys
