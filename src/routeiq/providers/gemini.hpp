#pragma once
// OpenAI chat <-> Google Gemini generateContent / streamGenerateContent?alt=sse,
// for both AI Studio (x-goog-api-key) and Vertex AI (OAuth bearer token).
// Reference: https://ai.google.dev/api/generate-content
#include <memory>

#include "routeiq/providers/translator.hpp"

namespace routeiq::providers {

std::unique_ptr<ChatTranslator> make_gemini_translator();     // AI Studio
std::unique_ptr<ChatTranslator> make_vertex_ai_translator();  // Vertex AI

}  // namespace routeiq::providers
