#pragma once
// LiteLLM's POST /utils/token_counter: the tokens of a prompt or of chat messages by
// the OpenAI tokenizer of the model (tokens/), counted locally. A model group of the
// config counts with its deployment's provider model, which the answer names as
// model_used.
#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>

#include "routeiq/api/pipeline.hpp"

namespace routeiq::api {

// The answer's JSON for a parsed body (pure apart from the snapshot and the key in ctx).
Result<boost::json::object> token_counter_answer(const RequestContext& ctx);

boost::asio::awaitable<void> handle_token_counter(RequestContext& ctx);

}  // namespace routeiq::api
