#include "routeiq/tokens/encoding.hpp"

#include <stdexcept>
#include <string>

#include "routeiq/tokens/bpe.hpp"

// data/tokenizers/*.tiktoken, built in by cmake/embed_incbin.cmake.
extern const char kRouteiqCl100kBase[];
extern const size_t kRouteiqCl100kBaseSize;
extern const char kRouteiqO200kBase[];
extern const size_t kRouteiqO200kBaseSize;

namespace routeiq::tokens {
namespace {

Encoding load_builtin(std::string_view file, SplitPattern pattern) {
  auto ranks = RankTable::parse(file);
  // The files are ours and checked by the unit tests: a failure here is a broken build.
  if (!ranks) throw std::runtime_error("built-in rank file: " + ranks.error().message);
  return Encoding(std::move(ranks.value()), pattern);
}

struct ModelRule {
  std::string_view name;
  EncodingName encoding;
};

using enum EncodingName;

// tiktoken's MODEL_TO_ENCODING and MODEL_PREFIX_TO_ENCODING (model.py), for the two
// encodings we carry, with the newer families (gpt-4.1, gpt-4.5, o3, o4, gpt-5) that
// tiktoken after 0.8 maps to o200k_base. Older encodings (r50k, p50k) fall to the default.
constexpr ModelRule kExact[] = {
    {"gpt-4o", o200k_base},
    {"gpt-4.1", o200k_base},
    {"gpt-4.5", o200k_base},
    {"o1", o200k_base},
    {"o3", o200k_base},
    {"o4-mini", o200k_base},
    {"gpt-5", o200k_base},
    {"chatgpt-4o-latest", o200k_base},
    {"gpt-4", cl100k_base},
    {"gpt-3.5-turbo", cl100k_base},
    {"gpt-3.5", cl100k_base},
    {"gpt-35-turbo", cl100k_base},
    {"davinci-002", cl100k_base},
    {"babbage-002", cl100k_base},
    {"text-embedding-ada-002", cl100k_base},
    {"text-embedding-3-small", cl100k_base},
    {"text-embedding-3-large", cl100k_base},
};

// The first match wins: a prefix comes before any shorter one it extends (ft:gpt-4o
// before ft:gpt-4).
constexpr ModelRule kPrefixes[] = {
    {"gpt-4o-", o200k_base},
    {"gpt-4.1-", o200k_base},
    {"gpt-4.5-", o200k_base},
    {"chatgpt-4o-", o200k_base},
    {"o1-", o200k_base},
    {"o3-", o200k_base},
    {"o4-", o200k_base},
    {"gpt-5-", o200k_base},
    {"gpt-5.", o200k_base},
    {"gpt-4-", cl100k_base},
    {"gpt-3.5-turbo-", cl100k_base},
    {"gpt-35-turbo-", cl100k_base},
    {"ft:gpt-4o", o200k_base},
    {"ft:gpt-4.1", o200k_base},
    {"ft:gpt-4", cl100k_base},
    {"ft:gpt-3.5-turbo", cl100k_base},
    {"ft:davinci-002", cl100k_base},
    {"ft:babbage-002", cl100k_base},
};

}  // namespace

std::string_view encoding_name(EncodingName name) {
  return name == cl100k_base ? "cl100k_base" : "o200k_base";
}

const Encoding& Encoding::builtin(EncodingName name) {
  if (name == o200k_base) {
    static const Encoding o200k =
        load_builtin({kRouteiqO200kBase, kRouteiqO200kBaseSize}, SplitPattern::o200k);
    return o200k;
  }
  static const Encoding cl100k =
      load_builtin({kRouteiqCl100kBase, kRouteiqCl100kBaseSize}, SplitPattern::cl100k);
  return cl100k;
}

std::vector<Rank> Encoding::encode(std::string_view utf8) const {
  std::vector<Rank> out;
  out.reserve(utf8.size() / 3 + 1);
  for_each_piece(pattern_, utf8, [&](std::string_view piece) { encode_piece(ranks_, piece, out); });
  return out;
}

size_t Encoding::count(std::string_view utf8) const {
  // Most pieces are whole tokens: those are counted without touching a vector.
  size_t n = 0;
  std::vector<Rank> scratch;
  for_each_piece(pattern_, utf8, [&](std::string_view piece) {
    if (ranks_.find(piece)) {
      ++n;
      return;
    }
    scratch.clear();
    encode_piece(ranks_, piece, scratch);
    n += scratch.size();
  });
  return n;
}

std::string Encoding::decode(const std::vector<Rank>& tokens) const {
  std::string out;
  for (Rank t : tokens) out += ranks_.bytes_of(t);
  return out;
}

EncodingName encoding_for_model(std::string_view model) {
  // "openai/gpt-4o", "azure/eu/gpt-4o": the provider's name is the last segment.
  if (auto slash = model.rfind('/'); slash != std::string_view::npos)
    model = model.substr(slash + 1);
  for (const auto& rule : kExact)
    if (model == rule.name) return rule.encoding;
  for (const auto& rule : kPrefixes)
    if (model.starts_with(rule.name)) return rule.encoding;
  // LiteLLM's own rule: any name with gpt-4o in it (a deployment named "my-gpt-4o").
  if (model.find("gpt-4o") != std::string_view::npos) return o200k_base;
  return cl100k_base;
}

}  // namespace routeiq::tokens
