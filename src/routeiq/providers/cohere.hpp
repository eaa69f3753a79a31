#pragma once
// OpenAI chat <-> Cohere v2 Chat (https://docs.cohere.com/reference/chat),
// whose messages and tools are close to OpenAI's but whose response, stream
// events (message-start, content-delta, tool-call-*, message-end) and
// parameter names differ.
#include <memory>

#include "routeiq/providers/translator.hpp"

namespace routeiq::providers {

std::unique_ptr<ChatTranslator> make_cohere_translator();

}  // namespace routeiq::providers
