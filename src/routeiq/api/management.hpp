#pragma once
// What the management endpoints (/key, /team, /user, /customer, /organization,
// /budget) share: a stored row as the
// API shows it, running work on the store and answering with its object or
// its error, and who made a change.
#include <boost/json/object.hpp>
#include <functional>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "routeiq/api/pipeline.hpp"
#include "routeiq/store/store.hpp"

namespace routeiq::api {

// A stored row as LiteLLM shows it: its document with `id_field` (token,
// team_id...) and the times.
boost::json::object shown(const store::Row& row, std::string_view id_field = "token");
Error not_found(std::string_view what);
// created_by / updated_by: the calling key's token, or proxy_admin.
std::string caller_name(const Principal& p);
// Moves keys to the deleted-keys table (their last row kept, with deleted_at).
Status delete_keys(store::Store& s, const std::vector<std::string>& tokens);

// Whether `user_id` is an admin in a team's members_with_roles.
bool team_admin(const boost::json::object& team_doc, std::string_view user_id);
// Whether the caller may make or change a key with this document, as LiteLLM
// lets users manage keys: an admin any key; anyone else only keys of its own
// user, and a team's keys only as that team's admin (or a member the team's
// team_member_permissions allow `route`). Runs in the store work.
Status may_manage_key(store::Store& s, const Principal& caller, const boost::json::object& key_doc,
                      std::string_view route);

// Stores a new key made of checked /key/generate fields (its team checked,
// its alias unique) and returns LiteLLM's answer with the plaintext key.
Result<boost::json::object> create_key(store::Store& s, boost::json::object fields,
                                       const std::string& key, const Principal& caller);

// The keys whose `column` (team_id, user_id) is `id`.
Result<std::vector<store::Row>> keys_where(store::Store& s, std::string_view column,
                                           const std::string& id);
// The rows of `table` whose indexed `column` is `id` (at most kMaxListLimit).
Result<std::vector<store::Row>> rows_where(store::Store& s, store::Table table,
                                           std::string_view column, const std::string& id);
// Drops the team membership rows whose `column` (team_id, user_id) is `id`;
// for a team, the team also leaves its members' `teams` lists.
Status drop_memberships(store::Store& s, std::string_view column, const std::string& id);
// Deletes one owner (team, user) with its keys and memberships, inside the
// caller's transaction: the number of keys deleted, or a 404.
Result<int64_t> delete_owner(store::Store& s, store::Table table, std::string_view column,
                             const std::string& id);
// Deletes owners (teams, users) and every key they own, all or nothing: an
// owner that does not exist is a 404 and nothing is deleted. The answer is
// {"deleted_<owners>": ids, "deleted_keys": n}, as LiteLLM's.
Result<boost::json::object> delete_owners(store::Store& s, store::Table table,
                                          std::string_view column,
                                          const std::vector<std::string>& ids);

// A 400 naming the first member of `body` that is not one of `names`.
Status known_fields(const boost::json::object& body, std::initializer_list<std::string_view> names,
                    std::string_view route);
// /team/delete, /user/delete: the owners the body's `list_name` names deleted
// with their keys (delete_owners), then every cached key dropped.
boost::asio::awaitable<void> answer_delete_owners(RequestContext& ctx, store::Table table,
                                                  std::string_view column,
                                                  std::string_view list_name);

// The strings of a body's list member (team_ids, user_ids); an error naming it
// when it is missing, empty or holds something else.
Result<std::vector<std::string>> id_list(const boost::json::object& body, std::string_view name);
// The id an /x/info route reads: `param` of the query, else the caller's own
// (`own`: its key's team_id, user_id). A virtual key may read only its own.
Result<std::string> readable_id(const RequestContext& ctx, std::string_view param,
                                const std::string& own);
// page and `size_param` of a list route's query as a store query (1-based pages).
Result<store::Query> paged_query(std::string_view target, std::string_view size_param,
                                 size_t default_size);

// False (after answering with an error) when there is no key store.
boost::asio::awaitable<bool> require_store(RequestContext& ctx);
// Runs `work` on the store and answers with its object, or the error.
boost::asio::awaitable<void> answer(RequestContext& ctx,
                                    std::function<Result<boost::json::object>(store::Store&)> work);
// The same for routes that answer with a JSON array (/team/list).
boost::asio::awaitable<void> answer_list(
    RequestContext& ctx, std::function<Result<boost::json::array>(store::Store&)> work);

}  // namespace routeiq::api
