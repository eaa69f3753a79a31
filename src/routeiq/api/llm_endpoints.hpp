#pragma once
// The endpoints that call a model: OpenAI's chat completions, completions and
// embeddings, Anthropic's /v1/messages (translated to OpenAI chat form for the
// proxy) and its token count.
#include "routeiq/api/pipeline.hpp"

namespace routeiq::api {

boost::asio::awaitable<void> handle_openai(RequestContext& ctx);
boost::asio::awaitable<void> handle_messages(RequestContext& ctx);
boost::asio::awaitable<void> handle_count_tokens(RequestContext& ctx);

}  // namespace routeiq::api
