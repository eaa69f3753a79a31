#pragma once
// The budgets LiteLLM scopes below and beside a key's own: its organisation's
// max_budget (the organisation's budget row), its user's budget within its
// team (LiteLLM_TeamMembership: the membership's budget row, else the team's
// team_member_budget), and the key's model_max_budget (spend per model in a
// period). Organisation and member budgets are read with the key and checked
// like the key's own (stored spend plus SpendLedger); model budgets count in
// windows kept in this process (WindowedSpend). A key with none of them costs
// a request nothing: every check starts with the key's own "is it set".
#include <cstdint>
#include <string>
#include <string_view>

#include "routeiq/api/pipeline.hpp"
#include "routeiq/api/spend_ledger.hpp"
#include "routeiq/api/windowed_spend.hpp"
#include "routeiq/keys/access.hpp"
#include "routeiq/store/store.hpp"

namespace routeiq::api {

// The organisation a key's spend counts for: its own, else its team's.
std::string_view organization_of(const keys::VirtualKey& key);

// On a database thread, when the key enters the cache: the organisation and
// membership budgets of a key that has an organisation or a team and a user.
// `team_doc`: the key's team row, null when it has none.
Status attach_scoped_budgets(store::Store& s, keys::VirtualKey& key,
                             const boost::json::object* team_doc);

// The ledger names of these owners: "org:<id>", "member:<team_id>\n<user_id>".
std::string org_owner(std::string_view org);
std::string member_owner(std::string_view team_id, std::string_view user_id);

// The refusal when the key's organisation, its membership or its budget for
// `model` has spent its budget (LiteLLM's 400 budget_exceeded), else ok.
Status within_scoped_budgets(const keys::VirtualKey& key, std::string_view model,
                             const SpendLedger& ledger, const WindowedSpend& model_windows,
                             int64_t now_ms);

// Counts a finished request's cost where these budgets look for it: the
// ledger for organisation and member budgets (when the key has them), the
// key's model window, and its provider's window.
void charge_scoped_budgets(const RequestContext& ctx, double usd);

// The owners a written spend row leaves the ledger for ("org:", "member:").
template <class F>
void for_each_scoped_owner(const store::SpendRow& row, F&& f) {
  if (!row.organization_id.empty()) f(std::string_view(org_owner(row.organization_id)));
  if (!row.team_id.empty() && !row.user_id.empty())
    f(std::string_view(member_owner(row.team_id, row.user_id)));
}

}  // namespace routeiq::api
