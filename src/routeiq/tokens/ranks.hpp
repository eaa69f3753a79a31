#pragma once
// A BPE vocabulary: token bytes <-> rank. Read from tiktoken's rank-file format
// (OpenAI's tiktoken README: one line per token, "base64(token bytes) rank").
// The bytes of every token live in one buffer; lookups go through an open-addressing
// table of offsets, so a vocabulary of 200k tokens is two allocations, not 200k.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "routeiq/core/error.hpp"

namespace routeiq::tokens {

using Rank = uint32_t;

class RankTable {
 public:
  // Parses a rank file; refuses malformed lines, duplicate tokens or ranks.
  static Result<RankTable> parse(std::string_view file);

  std::optional<Rank> find(std::string_view bytes) const;
  // The bytes of a token (empty for a rank that is not in the table).
  std::string_view bytes_of(Rank rank) const;
  size_t size() const { return count_; }

 private:
  struct Span {
    uint32_t offset = 0;
    uint32_t length = 0;  // 0: an empty slot
  };
  bool insert(uint32_t offset, uint32_t length, Rank rank);

  std::string bytes_;            // every token's bytes, back to back
  std::vector<Span> by_rank_;    // rank -> its bytes
  std::vector<uint32_t> slots_;  // hash slots: rank + 1, 0 when empty
  size_t mask_ = 0;
  size_t count_ = 0;
};

}  // namespace routeiq::tokens
