#include "routeiq/providers/translator.hpp"

#include <array>

#include "routeiq/providers/anthropic.hpp"
#include "routeiq/providers/bedrock.hpp"
#include "routeiq/providers/cohere.hpp"
#include "routeiq/providers/gemini.hpp"

namespace routeiq::providers {
namespace {

struct FormatRow {
  std::string_view name;
  std::unique_ptr<ChatTranslator> (*make)();
};

constexpr std::array kFormats{
    FormatRow{"anthropic", &make_anthropic_translator},
    FormatRow{"bedrock", &make_bedrock_translator},
    FormatRow{"cohere", &make_cohere_translator},
    FormatRow{"gemini", &make_gemini_translator},
    FormatRow{"vertex_ai", &make_vertex_ai_translator},
};

}  // namespace

std::unique_ptr<ChatTranslator> make_chat_translator(std::string_view format) {
  for (const auto& row : kFormats)
    if (row.name == format) return row.make();
  return nullptr;
}

}  // namespace routeiq::providers
