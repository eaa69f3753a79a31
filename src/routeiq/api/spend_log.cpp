#include "routeiq/api/spend_log.hpp"

#include <boost/json.hpp>
#include <chrono>

#include "routeiq/api/answer_transcript.hpp"
#include "routeiq/api/budget_resets.hpp"
#include "routeiq/api/key_service.hpp"
#include "routeiq/api/llm_endpoints.hpp"
#include "routeiq/api/scoped_budgets.hpp"
#include "routeiq/core/json.hpp"
#include "routeiq/core/log.hpp"
#include "routeiq/core/sha256.hpp"
#include "routeiq/spend/writer.hpp"

namespace routeiq::api {
namespace asio = boost::asio;
namespace json = boost::json;

namespace {

int64_t epoch_ms(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

// The request's tags: metadata.tags (LiteLLM's request_tags), strings only.
std::vector<std::string> request_tags(const json::object& controls) {
  std::vector<std::string> tags;
  for (auto name : {"metadata", "litellm_metadata"}) {
    const auto* meta = obj_at(controls, name);
    if (!meta) continue;
    if (const auto* list = meta->if_contains("tags"); list && list->is_array())
      for (const auto& t : list->get_array())
        if (t.is_string()) tags.emplace_back(t.get_string());
  }
  return tags;
}

std::string request_metadata(const json::object& controls) {
  const auto* meta = obj_at(controls, "metadata");
  return meta ? json::serialize(*meta) : std::string("{}");
}

void fill_deployment(store::SpendRow& row, const RequestContext& ctx) {
  const auto& r = ctx.record;
  row.model_id = r.deployment_id;
  row.model_group = r.model_group;
  row.model = r.answered_model;
  const auto& d = *r.deployment;
  row.custom_llm_provider = d.target.provider;
  row.api_base = d.public_api_base;
  if (row.model.empty()) row.model = d.target.model;
}

// LiteLLM's completionStartTime: the first chunk of a stream; a whole
// answer's is its end.
std::optional<int64_t> completion_start(const RequestRecord& r, int64_t start_ms, int64_t end_ms) {
  if (r.first_chunk)
    return start_ms +
           std::chrono::duration_cast<std::chrono::milliseconds>(*r.first_chunk - r.received)
               .count();
  if (!r.stream && r.complete && r.status < 400) return end_ms;
  return std::nullopt;
}

// LiteLLM logs a master-key request under the master key's hash, as it
// would a virtual key's. Hashed once per thread while the key stays the same.
const std::string& master_key_hash(const std::string& master) {
  thread_local std::string key, hash;
  if (key != master) {
    hash = sha256_hex(master);
    key = master;
  }
  return hash;
}

bool keeps_prompts(const RequestContext& ctx) {
  return ctx.snapshot->config->general_settings.store_prompts_in_spend_logs;
}

}  // namespace

std::string_view call_type(const Route& route) {
  if (route.dialect == Dialect::anthropic) return "anthropic_messages";
  switch (route.endpoint) {
    case Endpoint::chat_completions:
      return "acompletion";
    case Endpoint::completions:
      return "atext_completion";
    case Endpoint::embeddings:
      return "aembedding";
  }
  return "acompletion";
}

store::SpendRow spend_row(const RequestContext& ctx, int64_t now_ms) {
  const auto& r = ctx.record;
  store::SpendRow row;
  row.request_id = r.call_id;
  row.call_type = call_type(ctx.route);
  if (const auto* key = ctx.principal.key.get()) {
    row.api_key = key->token;
    row.key_alias = key->key_alias;
    row.user_id = key->user_id;
    row.team_id = key->team_id;
    row.organization_id = organization_of(*key);
  } else if (ctx.principal.kind == Principal::Kind::master_key) {
    row.api_key = master_key_hash(ctx.snapshot->config->general_settings.master_key);
  }
  row.end_user = ctx.principal.end_user;
  if (ctx.key_service && ctx.key_service->proxy_budget()) row.proxy_budget = ProxyBudget::kUserId;
  if (r.deployment) fill_deployment(row, ctx);
  if (row.model_group.empty()) row.model_group = str_or(ctx.body, "model");
  row.prompt_tokens = r.usage.prompt_tokens;
  row.completion_tokens = r.usage.completion_tokens;
  row.total_tokens = r.usage.prompt_tokens + r.usage.completion_tokens;
  row.cache_read_tokens = r.usage.cached_tokens;
  row.cache_creation_tokens = r.usage.cache_creation_tokens;
  row.spend = r.response_cost.value_or(0.0);
  auto took = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - r.received);
  row.end_ms = now_ms;
  row.start_ms = now_ms - took.count();
  row.completion_start_ms = completion_start(r, row.start_ms, row.end_ms);
  bool failed = r.status >= 400 || r.status == 0 || !r.error.empty() || (r.stream && !r.complete);
  row.status = failed ? "failure" : "success";
  row.cache_hit = r.cache_hit;
  row.tags = request_tags(ctx.controls);
  row.metadata = request_metadata(ctx.controls);
  if (r.transcript) {
    row.messages = request_messages(ctx.body);
    row.response = r.transcript->response();
  }
  return row;
}

void charge_unwritten(const RequestContext& ctx) {
  if (!ctx.record.response_cost) return;
  charge_scoped_budgets(ctx, *ctx.record.response_cost);
  if (!ctx.key_service || !ctx.key_service->spend_writer()) return;
  store::SpendRow owners;  // only the owner ids, as the row will name them
  if (const auto* key = ctx.principal.key.get()) {
    owners.api_key = key->token;
    owners.team_id = key->team_id;
    owners.user_id = key->user_id;
  }
  owners.end_user = ctx.principal.end_user;
  if (ctx.key_service->proxy_budget()) owners.proxy_budget = ProxyBudget::kUserId;
  double usd = *ctx.record.response_cost;
  auto& ledger = ctx.key_service->ledger();
  int64_t now_ms = epoch_ms(std::chrono::system_clock::now());
  for_each_owner(owners, [&](std::string_view owner) { ledger.add(owner, usd, now_ms); });
}

bool calls_provider(const Route& route) {
  return route.handler == handle_openai || route.handler == handle_messages;
}

asio::awaitable<Status> SpendLogStage::before(RequestContext& ctx) {
  if (calls_provider(ctx.route) && ctx.key_service && ctx.key_service->spend_writer() &&
      keeps_prompts(ctx))
    ctx.record.transcript =
        std::make_shared<AnswerTranscript>(ctx.route.dialect, ctx.route.endpoint);
  co_return ok_status();
}

void SpendLogStage::after(const RequestContext& ctx) noexcept {
  if (!calls_provider(ctx.route) || !ctx.key_service) return;
  auto* writer = ctx.key_service->spend_writer();
  if (!writer || ctx.record.call_id.empty()) return;
  try {
    writer->enqueue(spend_row(ctx, epoch_ms(std::chrono::system_clock::now())));
  } catch (const std::exception& e) {
    log::warn() << "spend log row not kept: " << e.what();
  }
}

}  // namespace routeiq::api
