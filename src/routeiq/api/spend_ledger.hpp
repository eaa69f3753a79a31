#pragma once
// What this instance has spent that the database does not show yet: the cost
// of each finished request, by owner ("key:<hash>", "team:<id>",
// "user:<id>", "end_user:<id>"), from the moment its spend-log row is queued
// until its batch is written (the cached rows are then read again). A budget
// check adds it to the spend of the cached row, so the request after the one
// that crossed a budget is refused even before the batch is written.
#include <array>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace routeiq::api {

class SpendLedger {
 public:
  void add(std::string_view owner, double usd);
  // The batch holding `usd` of the owner's spend is in the database.
  void written(std::string_view owner, double usd);
  double unwritten(std::string_view owner) const;

 private:
  struct Shard {
    mutable std::mutex mutex;
    std::unordered_map<std::string, double> pending;
  };
  Shard& shard(std::string_view owner) const;
  mutable std::array<Shard, 16> shards_;
};

}  // namespace routeiq::api
