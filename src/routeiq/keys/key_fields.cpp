#include "routeiq/keys/key_fields.hpp"

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <functional>
#include <initializer_list>
#include <memory>
#include <span>

#include "routeiq/core/json.hpp"
#include "routeiq/core/time.hpp"
#include "routeiq/keys/access.hpp"
#include "routeiq/keys/budget_reset.hpp"

namespace routeiq::keys {
namespace json = boost::json;

namespace {

using namespace fields;
using enum Support;

// model_max_budget: {"gpt-4o": {"budget_limit": 0.5, "time_period": "1d"}},
// refused as LiteLLM's validate_model_max_budget refuses it.
Status model_max_budget(std::string_view n, const json::value& v) {
  if (v.is_null()) return ok_status();
  if (!v.is_object()) return bad(n, "an object of {budget_limit, time_period} by model");
  auto read = read_model_budgets(v.get_object());
  return read ? ok_status() : Status(read.error());
}

// One row per field of LiteLLM's GenerateKeyRequest / UpdateKeyRequest.
// `stored`: kept and returned as given, with no effect here.
constexpr Field kFields[] = {
    {"key_alias", yes, string_or_null},
    {"duration", yes, duration_or_null},
    {"models", yes, string_list},
    {"spend", yes, non_negative_or_null},
    {"user_id", yes, string_or_null},
    {"team_id", yes, string_or_null},
    {"organization_id", yes, string_or_null},
    {"metadata", yes, object_or_null},
    {"aliases", yes, string_map},
    {"tags", yes, string_list},
    {"key_type", yes, key_type, true, false},
    {"allowed_routes", yes, string_list},
    {"blocked", yes, boolean},
    // Rate limits: enforced by the rate-limit stage. Budgets: stored, enforced by the spend stage.
    {"max_budget", yes, non_negative_or_null},
    {"soft_budget", stored, non_negative_or_null},
    {"budget_duration", stored, duration_or_null},
    {"model_max_budget", yes, model_max_budget},
    {"tpm_limit", yes, count_or_null},
    {"rpm_limit", yes, count_or_null},
    {"max_parallel_requests", yes, count_or_null},
    {"model_rpm_limit", yes, count_map},
    {"model_tpm_limit", yes, count_map},
    {"permissions", stored, object_or_null},
    {"config", stored, object_or_null},
    {"allowed_cache_controls", stored, string_list},
    {"send_invite_email", stored, anything},
    {"budget_id", not_yet, anything},
    {"budget_limits", not_yet, anything},
    {"budget_fallbacks", not_yet, anything},
    {"agent_id", not_yet, anything},
    {"project_id", not_yet, anything},
    {"access_group_ids", not_yet, anything},
    {"object_permission", not_yet, anything},
    {"enforced_params", not_yet, anything},
    {"guardrails", not_yet, anything},
    {"policies", not_yet, anything},
    {"prompts", not_yet, anything},
    {"router_settings", not_yet, anything},
    {"mcp_rpm_limit", not_yet, anything},
    {"tag_rpm_limit", not_yet, anything},
    {"rpm_limit_type", not_yet, anything},
    {"tpm_limit_type", not_yet, anything},
    {"allowed_passthrough_routes", not_yet, anything},
    {"auto_rotate", not_yet, anything},
    {"rotation_interval", not_yet, anything},
    {"temp_budget_increase", not_yet, anything, false, true},
    {"temp_budget_expiry", not_yet, anything, false, true},
};

// One row per field of LiteLLM's NewTeamRequest / UpdateTeamRequest.
constexpr Field kTeamFields[] = {
    {"team_id", yes, string_or_null, true, false},
    {"team_alias", yes, string_or_null},
    {"organization_id", yes, string_or_null},
    {"models", yes, string_list},
    {"blocked", yes, boolean},
    {"members_with_roles", yes, members},
    {"metadata", yes, object_or_null},
    {"tags", yes, string_list},
    // Rate limits: enforced by the rate-limit stage. Budgets: stored, enforced by the spend stage.
    {"max_budget", yes, non_negative_or_null},
    {"soft_budget", stored, non_negative_or_null},
    {"budget_duration", stored, duration_or_null},
    {"tpm_limit", yes, count_or_null},
    {"rpm_limit", yes, count_or_null},
    {"max_parallel_requests", yes, count_or_null},
    {"model_rpm_limit", yes, count_map},
    {"model_tpm_limit", yes, count_map},
    {"model_aliases", stored, string_map},
    {"team_member_permissions", stored, string_list},
    {"model_max_budget", not_yet, anything},
    {"guardrails", not_yet, anything},
    {"policies", not_yet, anything},
    {"prompts", not_yet, anything},
    {"object_permission", not_yet, anything},
    {"router_settings", not_yet, anything},
    {"team_member_budget", yes, non_negative_or_null},
    {"team_member_key_duration", not_yet, anything},
    {"team_member_rpm_limit", not_yet, anything},
    {"team_member_tpm_limit", not_yet, anything},
    {"allowed_passthrough_routes", not_yet, anything},
    {"secret_manager_settings", not_yet, anything},
    {"admins", not_yet, anything},
    {"members", not_yet, anything},
};

Status user_role(std::string_view n, const json::value& v) {
  for (auto role : {"proxy_admin", "proxy_admin_viewer", "internal_user", "internal_user_viewer"})
    if (v.is_string() && v.get_string() == role) return ok_status();
  return bad(n, "one of proxy_admin, proxy_admin_viewer, internal_user, internal_user_viewer");
}

// One row per field of LiteLLM's NewUserRequest / UpdateUserRequest.
// auto_create_key, key_alias and duration shape the key /user/new makes.
constexpr Field kUserFields[] = {
    {"user_id", yes, string_or_null, true, false},
    {"user_email", yes, string_or_null},
    {"user_alias", yes, string_or_null},
    {"user_role", yes, user_role},
    {"teams", yes, string_list},
    {"models", yes, string_list},
    {"metadata", yes, object_or_null},
    {"organization_id", yes, string_or_null},
    {"auto_create_key", yes, boolean, true, false},
    {"key_alias", yes, string_or_null, true, false},
    {"duration", yes, duration_or_null, true, false},
    {"spend", yes, non_negative_or_null},
    {"max_budget", yes, non_negative_or_null},
    {"soft_budget", stored, non_negative_or_null},
    {"budget_duration", stored, duration_or_null},
    {"tpm_limit", yes, count_or_null},
    {"rpm_limit", yes, count_or_null},
    {"max_parallel_requests", yes, count_or_null},
    {"model_rpm_limit", yes, count_map},
    {"model_tpm_limit", yes, count_map},
    {"send_invite_email", stored, anything},
    {"model_max_budget", not_yet, anything},
    {"aliases", not_yet, anything},
    {"config", not_yet, anything},
    {"allowed_cache_controls", not_yet, anything},
    {"guardrails", not_yet, anything},
    {"object_permission", not_yet, anything},
    {"prompts", not_yet, anything},
    {"sso_user_id", not_yet, anything},
    {"password", not_yet, anything},
};

// key_type -> allowed_routes, as LiteLLM's handle_key_type fills them.
void apply_key_type(json::object& doc) {
  auto type = str_or(doc, "key_type", "default");
  if (doc.contains("allowed_routes")) return;
  json::array routes;
  if (type == "llm_api") routes.emplace_back("llm_api_routes");
  if (type == "management") routes.emplace_back("management_routes");
  if (type == "read_only") routes.emplace_back("info_routes");
  doc["allowed_routes"] = std::move(routes);
}

}  // namespace

std::optional<std::chrono::seconds> parse_duration(std::string_view text) {
  size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  if (digits == 0 || digits > 9) return std::nullopt;
  int64_t n = 0;
  std::from_chars(text.data(), text.data() + digits, n);
  auto unit = text.substr(digits);
  int64_t scale = 0;
  if (unit == "s") scale = 1;
  if (unit == "m") scale = 60;
  if (unit == "h") scale = 3600;
  if (unit == "d") scale = 86400;
  if (unit == "w") scale = 7 * 86400;
  if (unit == "mo") scale = 30 * 86400;
  if (scale == 0) return std::nullopt;
  return std::chrono::seconds(n * scale);
}

Result<json::object> key_fields(const json::object& body, KeyOp op,
                                std::chrono::system_clock::time_point now) {
  auto route = op == KeyOp::generate ? "/key/generate" : "/key/update";
  if (auto st = check_members(body, kFields, op, route, {"key"}); !st) return st.error();
  json::object doc;
  for (const auto& [name, value] : body) {
    if (name == "key") continue;  // the key itself: read by the caller
    if (name == "duration") {
      if (value.is_null()) {
        doc["expires"] = nullptr;
      } else {
        auto d = parse_duration(value.get_string());
        doc["expires"] = iso8601(now + *d, true);
      }
      continue;
    }
    doc[name] = value;
  }
  start_budget_period(doc, body, now);
  if (op == KeyOp::generate) {
    if (!doc.contains("key_type")) doc["key_type"] = "default";
    apply_key_type(doc);
    for (auto name : {"models", "tags"})
      if (!doc.contains(name)) doc[name] = json::array();
    for (auto name : {"metadata", "aliases"})
      if (!doc.contains(name)) doc[name] = json::object();
    if (!doc.contains("spend")) doc["spend"] = 0.0;
    if (!doc.contains("blocked")) doc["blocked"] = false;
    if (!doc.contains("expires")) doc["expires"] = nullptr;
  }
  return doc;
}

Result<json::object> team_fields(const json::object& body, KeyOp op,
                                 std::chrono::system_clock::time_point now) {
  auto route = op == KeyOp::generate ? "/team/new" : "/team/update";
  if (auto st = check_members(body, kTeamFields, op, route, {}); !st) return st.error();
  json::object doc = body;
  start_budget_period(doc, body, now);
  if (op == KeyOp::generate) {
    for (auto name : {"models", "members_with_roles", "tags"})
      if (!doc.contains(name)) doc[name] = json::array();
    if (!doc.contains("metadata")) doc["metadata"] = json::object();
    if (!doc.contains("blocked")) doc["blocked"] = false;
    if (!doc.contains("spend")) doc["spend"] = 0.0;
  }
  return doc;
}

Result<json::object> user_fields(const json::object& body, KeyOp op,
                                 std::chrono::system_clock::time_point now) {
  auto route = op == KeyOp::generate ? "/user/new" : "/user/update";
  if (auto st = check_members(body, kUserFields, op, route, {}); !st) return st.error();
  json::object doc = body;
  start_budget_period(doc, body, now);
  for (auto name : {"auto_create_key", "key_alias", "duration"}) doc.erase(name);  // the key's
  if (op == KeyOp::generate) {
    if (!doc.contains("user_role")) doc["user_role"] = "internal_user";
    for (auto name : {"models", "teams"})
      if (!doc.contains(name)) doc[name] = json::array();
    if (!doc.contains("metadata")) doc["metadata"] = json::object();
    if (!doc.contains("spend")) doc["spend"] = 0.0;
  }
  return doc;
}

std::string new_key() {
  static constexpr char kAlphabet[] =
      "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  std::array<unsigned char, 22> random{};
  std::string key = "sk-";
  // 62 does not divide 256: bytes >= 248 are drawn again so every character
  // is equally likely (22 characters: about 131 bits).
  while (key.size() < 3 + random.size()) {
    if (RAND_bytes(random.data(), static_cast<int>(random.size())) != 1) std::abort();
    for (unsigned char b : random)
      if (b < 248 && key.size() < 3 + random.size()) key += kAlphabet[b % 62];
  }
  return key;
}

// On every request with a virtual key: OpenSSL's SHA-256 (SHA extensions
// where the CPU has them) and a table hex, about a tenth of the generic one.
std::string hash_key(std::string_view key) {
  // The one-shot SHA256() looks the algorithm up on every call (OpenSSL 3
  // providers): fetched once here, with one reusable context per thread.
  static EVP_MD* const kSha256 = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  thread_local std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(),
                                                                           &EVP_MD_CTX_free);
  unsigned char digest[SHA256_DIGEST_LENGTH];
  unsigned int size = 0;
  if (!kSha256 || !ctx || EVP_DigestInit_ex2(ctx.get(), kSha256, nullptr) != 1 ||
      EVP_DigestUpdate(ctx.get(), key.data(), key.size()) != 1 ||
      EVP_DigestFinal_ex(ctx.get(), digest, &size) != 1)
    std::abort();  // no SHA-256 in libcrypto: nothing can be authenticated
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(2 * SHA256_DIGEST_LENGTH, '0');
  for (size_t i = 0; i < SHA256_DIGEST_LENGTH; ++i) {
    out[2 * i] = kHex[digest[i] >> 4];
    out[2 * i + 1] = kHex[digest[i] & 15];
  }
  return out;
}

std::string mask_key(std::string_view key) {
  if (key.size() <= 8) return "sk-...";
  return std::string(key.substr(0, 3)) + "..." + std::string(key.substr(key.size() - 4));
}

std::string token_of(std::string_view key_or_hash) {
  bool is_hash =
      key_or_hash.size() == 64 && std::all_of(key_or_hash.begin(), key_or_hash.end(), [](char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
      });
  return is_hash ? std::string(key_or_hash) : hash_key(key_or_hash);
}

}  // namespace routeiq::keys
