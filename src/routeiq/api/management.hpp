#pragma once
// What the management endpoints (/key/*, /team/*) share: a stored row as the
// API shows it, running work on the store and answering with its object or
// its error, and who made a change.
#include <boost/json/object.hpp>
#include <functional>
#include <string>
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

// Stores a new key made of checked /key/generate fields (its team checked,
// its alias unique) and returns LiteLLM's answer with the plaintext key.
Result<boost::json::object> create_key(store::Store& s, boost::json::object fields,
                                       const std::string& key, const Principal& caller);

// False (after answering with an error) when there is no key store.
boost::asio::awaitable<bool> require_store(RequestContext& ctx);
// Runs `work` on the store and answers with its object, or the error.
boost::asio::awaitable<void> answer(RequestContext& ctx,
                                    std::function<Result<boost::json::object>(store::Store&)> work);
// The same for routes that answer with a JSON array (/team/list).
boost::asio::awaitable<void> answer_list(
    RequestContext& ctx, std::function<Result<boost::json::array>(store::Store&)> work);

}  // namespace routeiq::api
