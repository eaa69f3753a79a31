#pragma once
// The fields of LiteLLM's /key/generate, /key/update, /team/new and
// /team/update bodies (GenerateKeyRequest, UpdateKeyRequest, NewTeamRequest,
// UpdateTeamRequest in LiteLLM's proxy/_types.py), checked
// one table row per field: a field is used, stored as given, or refused with
// a clear 400 when the gateway does not implement it yet. Nothing is dropped
// silently. Pure: no store, no network.
#include <boost/json/object.hpp>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "routeiq/core/error.hpp"
#include "routeiq/keys/field_checks.hpp"

namespace routeiq::keys {

// The document fields a /key/generate or /key/update body sets, validated,
// with `duration` turned into `expires` (ISO 8601, or null: never) relative to
// `now`. `key` (the custom key of generate, the key to change of update) is
// not part of the result: callers read it with str_or(body, "key").
Result<boost::json::object> key_fields(const boost::json::object& body, KeyOp op,
                                       std::chrono::system_clock::time_point now);

// The fields of a /team/new (KeyOp::generate) or /team/update body
// (NewTeamRequest, UpdateTeamRequest), checked the same way. A
// budget_duration given (to any of these) sets budget_reset_at to its first
// reset after `now` (keys/budget_reset).
Result<boost::json::object> team_fields(
    const boost::json::object& body, KeyOp op,
    std::chrono::system_clock::time_point now = std::chrono::system_clock::now());

// The fields of a /user/new or /user/update body (NewUserRequest,
// UpdateUserRequest); auto_create_key, key_alias and duration are left out of
// the result (they shape the key /user/new makes). user_role defaults to
// internal_user.
Result<boost::json::object> user_fields(
    const boost::json::object& body, KeyOp op,
    std::chrono::system_clock::time_point now = std::chrono::system_clock::now());

// LiteLLM's durations: "30s", "30m", "30h", "30d", "2w", "1mo" (30 days).
std::optional<std::chrono::seconds> parse_duration(std::string_view text);

// A new virtual key: "sk-" and 22 characters from a cryptographic generator.
std::string new_key();
// How a key is stored and found: the SHA-256 hex of the whole key.
std::string hash_key(std::string_view key);
// A key as it may be shown after creation: "sk-...Xy9Q".
std::string mask_key(std::string_view key);
// A value given as "the key" to /key/info, /key/update...: the plaintext key
// or its hash (64 hex digits, as /key/list returns them). The hash either way.
std::string token_of(std::string_view key_or_hash);

// key_type -> allowed_routes, as LiteLLM fills them.
inline constexpr std::string_view kKeyTypes[] = {"default", "llm_api", "management", "read_only"};

}  // namespace routeiq::keys
