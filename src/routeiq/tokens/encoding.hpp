#pragma once
// The OpenAI encodings, as tiktoken defines them: cl100k_base (gpt-4, gpt-3.5,
// the embedding models, and what we use for models we do not know) and o200k_base
// (gpt-4o, gpt-4.1, gpt-4.5, o1/o3/o4, gpt-5). Their rank files are built into the
// binary (data/tokenizers/, see its SOURCES.md) and parsed on first use, so a gateway
// that never counts tokens pays neither the parse nor the memory. Special tokens
// (<|endoftext|> ...) are encoded as ordinary text, as LiteLLM does
// (disallowed_special=()).
#include <string_view>
#include <vector>

#include "routeiq/tokens/pretokenize.hpp"
#include "routeiq/tokens/ranks.hpp"

namespace routeiq::tokens {

enum class EncodingName { cl100k_base, o200k_base };

std::string_view encoding_name(EncodingName name);

class Encoding {
 public:
  Encoding(RankTable ranks, SplitPattern pattern) : ranks_(std::move(ranks)), pattern_(pattern) {}

  // The built-in encoding; parsed on the first call (thread-safe), shared after.
  static const Encoding& builtin(EncodingName name);

  std::vector<Rank> encode(std::string_view utf8) const;
  size_t count(std::string_view utf8) const;
  // The bytes of the tokens, concatenated (ranks not in the table are skipped).
  std::string decode(const std::vector<Rank>& tokens) const;
  const RankTable& ranks() const { return ranks_; }

 private:
  RankTable ranks_;
  SplitPattern pattern_;
};

// tiktoken's model table (exact names, then prefixes), after any provider prefix
// ("openai/", "azure/"); cl100k_base for names it does not know.
EncodingName encoding_for_model(std::string_view model);

}  // namespace routeiq::tokens
