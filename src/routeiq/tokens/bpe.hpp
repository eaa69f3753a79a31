#pragma once
// Byte-level BPE (Sennrich, Haddow and Birch 2016, "Neural Machine Translation of Rare
// Words with Subword Units", as OpenAI's GPT-2 applies it to bytes): a piece starts as
// its single bytes; the adjacent pair whose concatenation has the lowest rank is merged,
// the leftmost on a tie, until no adjacent pair is a token. The result is the same as
// tiktoken's _byte_pair_merge.
#include <string_view>
#include <vector>

#include "routeiq/tokens/ranks.hpp"

namespace routeiq::tokens {

// Appends the tokens of one pre-tokenised piece to out.
void encode_piece(const RankTable& ranks, std::string_view piece, std::vector<Rank>& out);

}  // namespace routeiq::tokens
