#pragma once
// Counters kept in this process: a fixed number of shards, each a mutex and a
// map from scope id to its windows and in-flight count, so requests of
// different keys rarely wait on one another. A request locks only the shards
// of its own scopes, in ascending order (no deadlock), for the whole check and
// count, which makes admit() all or nothing without a global lock.
//
// Memory stays flat with many ids: each shard keeps its ids in least recently
// used order, and every admit drops a few from the front that have been idle
// for over two minutes with nothing in flight (their windows are empty by then).
#include <memory>

#include "routeiq/limits/limiter.hpp"

namespace routeiq::limits {

class LocalBackend final : public Backend {
 public:
  static constexpr size_t kMaxShards = 64;  // a request's shards fit in one 64-bit mask
  static constexpr int64_t kIdleSeconds = 120;

  explicit LocalBackend(size_t shards = 16);  // clamped to 1..kMaxShards
  ~LocalBackend() override;

  std::optional<Refusal> admit(std::span<const Scope> scopes, int64_t estimated_tokens,
                               TimePoint now, Ticket& ticket) override;
  void settle(const Ticket& ticket, int64_t actual_tokens, TimePoint now) override;
  void release(const Ticket& ticket) noexcept override;
  Remaining remaining(const Scope& scope, TimePoint now) override;
  size_t tracked_ids() override;

 private:
  struct Counters;
  struct Shard;
  class ShardLocks;

  uint32_t shard_index(size_t hash) const;
  Counters& find_or_add(Shard& shard, std::string_view id, size_t hash, int64_t now_second);
  static void touch(Shard& shard, Counters& counters, int64_t now_second);
  static void sweep(Shard& shard, int64_t now_second);

  std::unique_ptr<Shard[]> shards_;
  size_t shard_count_;
};

}  // namespace routeiq::limits
