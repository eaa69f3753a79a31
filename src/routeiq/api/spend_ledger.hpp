#pragma once
// What this instance has spent that the database does not show yet: the cost
// of each finished request, by owner ("key:<hash>", "team:<id>",
// "user:<id>", "end_user:<id>"), from the moment its spend-log row is queued
// until its batch is written (the cached rows are then read again). A budget
// check adds it to the spend of the cached row, so the request after the one
// that crossed a budget is refused even before the batch is written.
//
// Each amount keeps when it was spent: once a budget's reset time has passed,
// only what was spent since counts (the rest belongs to the period before),
// and the reset job waits until the period's amounts are written before it
// resets the stored spend.
#include <array>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace routeiq::api {

class SpendLedger {
 public:
  // `at_ms`: when it was spent (UTC milliseconds since the epoch).
  void add(std::string_view owner, double usd, int64_t at_ms);
  // The batch holding `usd` of the owner's spend is in the database. Batches
  // are written oldest first, so the oldest amounts go first.
  void written(std::string_view owner, double usd);
  double unwritten(std::string_view owner) const;
  // What was spent at or after `at_ms`, and before it.
  double unwritten_since(std::string_view owner, int64_t at_ms) const;
  double unwritten_before(std::string_view owner, int64_t at_ms) const;

 private:
  struct Amount {
    int64_t at_ms = 0;
    double usd = 0;
  };
  struct Pending {
    double total = 0;
    std::deque<Amount> amounts;  // oldest first
  };
  struct Shard {
    mutable std::mutex mutex;
    std::unordered_map<std::string, Pending> pending;
  };
  Shard& shard(std::string_view owner) const;
  mutable std::array<Shard, 16> shards_;
};

}  // namespace routeiq::api
