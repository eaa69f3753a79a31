#include "routeiq/tokens/bpe.hpp"

#include <cstdint>
#include <limits>
#include <queue>

namespace routeiq::tokens {
namespace {

constexpr Rank kNoRank = std::numeric_limits<Rank>::max();

// tiktoken's loop: rescan all pairs for the lowest rank after each merge. Quadratic
// in the piece length but with no allocation beyond the part list, which wins for the
// short pieces the split patterns make from ordinary text.
void merge_by_scan(const RankTable& ranks, std::string_view piece, std::vector<Rank>& out) {
  struct Part {
    uint32_t start;
    Rank pair_rank;  // rank of this part joined with the next, kNoRank if none
  };
  auto rank_of = [&](const std::vector<Part>& parts, size_t i) {
    if (i + 2 >= parts.size()) return kNoRank;
    auto r = ranks.find(piece.substr(parts[i].start, parts[i + 2].start - parts[i].start));
    return r ? *r : kNoRank;
  };
  std::vector<Part> parts;
  parts.reserve(piece.size() + 1);
  for (uint32_t i = 0; i <= piece.size(); ++i) parts.push_back({i, kNoRank});
  for (size_t i = 0; i + 1 < parts.size(); ++i) parts[i].pair_rank = rank_of(parts, i);
  while (parts.size() > 2) {
    size_t best = 0;
    Rank min_rank = kNoRank;
    for (size_t i = 0; i + 2 < parts.size(); ++i)
      if (parts[i].pair_rank < min_rank) min_rank = parts[i].pair_rank, best = i;
    if (min_rank == kNoRank) break;
    parts.erase(parts.begin() + static_cast<std::ptrdiff_t>(best) + 1);
    parts[best].pair_rank = rank_of(parts, best);
    if (best > 0) parts[best - 1].pair_rank = rank_of(parts, best - 1);
  }
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    auto r = ranks.find(piece.substr(parts[i].start, parts[i + 1].start - parts[i].start));
    out.push_back(r ? *r : kNoRank);
  }
}

// The same merges in O(n log n) for long pieces (a run of punctuation or a base64
// blob can be megabytes, where the scan would take minutes): a heap of candidate
// pairs ordered by (rank, start) so ties go to the leftmost, parts in a linked list,
// stale candidates skipped when popped.
void merge_by_heap(const RankTable& ranks, std::string_view piece, std::vector<Rank>& out) {
  const auto n = static_cast<uint32_t>(piece.size());
  std::vector<uint32_t> next(n), prev(n);  // part starting at i: next part's start (n: end)
  std::vector<uint8_t> alive(n, 1);
  for (uint32_t i = 0; i < n; ++i) next[i] = i + 1, prev[i] = i - 1;
  struct Candidate {
    Rank rank;
    uint32_t left, right_end;  // the pair covers [left, right_end)
    bool operator>(const Candidate& o) const {
      return rank != o.rank ? rank > o.rank : left > o.left;
    }
  };
  std::priority_queue<Candidate, std::vector<Candidate>, std::greater<>> heap;
  auto push_pair = [&](uint32_t left) {
    uint32_t right = next[left];
    if (right >= n) return;
    uint32_t end = next[right];
    if (auto r = ranks.find(piece.substr(left, end - left))) heap.push({*r, left, end});
  };
  for (uint32_t i = 0; i + 1 < n; ++i) push_pair(i);
  while (!heap.empty()) {
    Candidate c = heap.top();
    heap.pop();
    uint32_t right = c.left < n && alive[c.left] ? next[c.left] : n;
    if (right >= n || !alive[right] || next[right] != c.right_end) continue;  // stale
    alive[right] = 0;
    next[c.left] = c.right_end;
    if (c.right_end < n) prev[c.right_end] = c.left;
    push_pair(c.left);
    if (c.left > 0) push_pair(prev[c.left]);
  }
  for (uint32_t i = 0; i < n; i = next[i]) {
    auto r = ranks.find(piece.substr(i, next[i] - i));
    out.push_back(r ? *r : kNoRank);
  }
}

// Above this many bytes the heap's bookkeeping costs less than rescanning.
constexpr size_t kScanLimit = 128;

}  // namespace

void encode_piece(const RankTable& ranks, std::string_view piece, std::vector<Rank>& out) {
  if (piece.empty()) return;
  if (auto whole = ranks.find(piece)) {
    out.push_back(*whole);
    return;
  }
  if (piece.size() <= kScanLimit)
    merge_by_scan(ranks, piece, out);
  else
    merge_by_heap(ranks, piece, out);
}

}  // namespace routeiq::tokens
