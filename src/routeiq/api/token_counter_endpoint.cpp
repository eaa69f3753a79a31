#include "routeiq/api/token_counter_endpoint.hpp"

#include <boost/json.hpp>

#include "routeiq/api/model_choice.hpp"
#include "routeiq/core/json.hpp"
#include "routeiq/keys/access.hpp"
#include "routeiq/routing/table.hpp"
#include "routeiq/tokens/chat_count.hpp"
#include "routeiq/tokens/encoding.hpp"

namespace routeiq::api {
namespace json = boost::json;

namespace {

bool has_control_character(std::string_view s) {
  for (char c : s)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return true;
  return false;
}

Error bad_request(std::string message, std::string param) {
  return make_error(ErrorKind::invalid_request, std::move(message), std::move(param));
}

struct CountedModel {
  std::string used;   // model_used: the deployment's provider model, else the request's
  std::string group;  // the group it resolved to, else the request's model (for key checks)
};

// LiteLLM takes the provider model of the group's deployment, without its provider
// prefix (the config parser already split "openai/gpt-4o" into provider and model).
CountedModel counted_model(const runtime::Snapshot& snap, const std::string& model) {
  auto resolved = snap.table->resolve(model);
  if (!resolved || resolved->group->deployments.empty()) return {model, model};
  const auto& d = snap.deployments[resolved->group->deployments.front()];
  auto upstream = routing::upstream_model(*d.config, resolved->wildcard_part);
  // A catch-all ("*") deployment names no model of its own.
  if (upstream.empty() || upstream.find('*') != std::string::npos) upstream = model;
  return {upstream, resolved->group_name};
}

json::object answer(const std::string& request_model, const std::string& model_used,
                    int64_t total) {
  json::object out;
  out["total_tokens"] = total;
  out["request_model"] = request_model;
  out["model_used"] = model_used;
  out["tokenizer_type"] = "openai_tokenizer";
  out["count_source"] = "local_estimate";
  // Set by LiteLLM when a provider's counting API answered (?call_endpoint=true).
  out["original_response"] = nullptr;
  out["error"] = false;
  out["error_message"] = nullptr;
  out["status_code"] = nullptr;
  return out;
}

}  // namespace

Result<json::object> token_counter_answer(const RequestContext& ctx) {
  const auto& body = ctx.body;
  const auto* model_value = body.if_contains("model");
  if (!model_value || !model_value->is_string())
    return bad_request("'model' is required (a string)", "model");
  std::string model(model_value->get_string());
  if (has_control_character(model))
    return bad_request("'model' may not contain control characters", "model");
  const auto* prompt = body.if_contains("prompt");
  const auto* messages = body.if_contains("messages");
  if (prompt && prompt->is_null()) prompt = nullptr;
  if (messages && messages->is_null()) messages = nullptr;
  if (prompt && !prompt->is_string()) return bad_request("'prompt' must be a string", "prompt");
  if (messages && !messages->is_array())
    return bad_request("'messages' must be a list of messages", "messages");
  if (!prompt && !messages)
    return bad_request("prompt or messages or contents must be provided", "messages");
  if (prompt && !prompt->get_string().empty() && messages && !messages->get_array().empty())
    return bad_request("prompt cannot be sent with messages or contents", "prompt");

  auto counted = counted_model(*ctx.snapshot, model);
  if (!key_may_use(ctx, model, counted.group)) return keys::model_refused(model);
  const auto& encoding = tokens::Encoding::builtin(tokens::encoding_for_model(counted.used));
  // A prompt is counted as bare text; messages (even an empty list, which is the reply
  // priming alone) as a conversation.
  if (prompt && (!messages || messages->get_array().empty()))
    return answer(model, counted.used, static_cast<int64_t>(encoding.count(prompt->get_string())));
  auto n = tokens::count_chat_tokens(encoding, messages->get_array());
  if (!n) return n.error();
  return answer(model, counted.used, n.value());
}

boost::asio::awaitable<void> handle_token_counter(RequestContext& ctx) {
  auto result = token_counter_answer(ctx);
  if (!result) {
    co_await send_error(ctx, result.error());
    co_return;
  }
  auto text = json::serialize(result.value());
  co_await ctx.exchange.respond(200, "application/json", text);
}

}  // namespace routeiq::api
