#pragma once
// OpenAI chat <-> Amazon Bedrock Converse / ConverseStream
// (https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html),
// SigV4-signed, with event-stream framed streaming responses.
#include <memory>

#include "routeiq/providers/translator.hpp"

namespace routeiq::providers {

std::unique_ptr<ChatTranslator> make_bedrock_translator();

}  // namespace routeiq::providers
