#pragma once
// LiteLLM's token count for chat messages (litellm.token_counter with messages), the
// accounting of OpenAI's cookbook "How to count tokens with tiktoken": 3 tokens per
// message, the tokens of every string member (role, content, name, tool_call_id...),
// 1 more for a name, the arguments of tool_calls and function_call, the text of
// content parts, and 3 priming the reply. Pure: no I/O.
#include <boost/json/array.hpp>
#include <cstdint>

#include "routeiq/core/error.hpp"
#include "routeiq/tokens/encoding.hpp"

namespace routeiq::tokens {

// An image part: LiteLLM's base estimate (85 tokens, OpenAI's low-detail price), what
// it counts for an image given by URL without fetching it.
constexpr int64_t kImageTokens = 85;

// Messages that are not objects, tool calls without a function and content parts of
// a kind LiteLLM refuses are invalid_request errors naming the message.
Result<int64_t> count_chat_tokens(const Encoding& encoding, const boost::json::array& messages);

}  // namespace routeiq::tokens
