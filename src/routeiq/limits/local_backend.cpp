#include "routeiq/limits/local_backend.hpp"

#include <algorithm>
#include <bit>
#include <functional>
#include <list>
#include <mutex>
#include <unordered_map>

namespace routeiq::limits {

// The fields every request reads come first, next to the requests window's sum.
struct LocalBackend::Counters {
  int64_t in_flight = 0;
  int64_t last_second = 0;
  std::list<Counters*>::iterator lru_position;
  const std::string* id = nullptr;  // the map's key (nodes do not move)
  Window requests, tokens;
};

// Own cache lines, so threads locking neighbouring shards do not slow each other.
namespace {

// An id with its hash, computed once per admit for both the shard and the map.
struct HashedId {
  std::string_view id;
  size_t hash;
};

struct IdHash {
  using is_transparent = void;
  size_t operator()(std::string_view id) const { return std::hash<std::string_view>{}(id); }
  size_t operator()(const HashedId& id) const { return id.hash; }
};

struct IdEqual {
  using is_transparent = void;
  static std::string_view view(std::string_view id) { return id; }
  static std::string_view view(const HashedId& id) { return id.id; }
  template <typename A, typename B>
  bool operator()(const A& a, const B& b) const {
    return view(a) == view(b);
  }
};

}  // namespace

struct alignas(64) LocalBackend::Shard {
  std::mutex mutex;
  std::unordered_map<std::string, Counters, IdHash, IdEqual> by_id;
  std::list<Counters*> lru;  // least recently used first
};

// The shards of one request, locked in ascending order, unlocked on scope exit.
class LocalBackend::ShardLocks {
 public:
  ShardLocks(Shard* shards, uint64_t mask) : shards_(shards), mask_(mask) {
    for_each([](Shard& shard) { shard.mutex.lock(); });
  }
  ~ShardLocks() {
    for_each([](Shard& shard) { shard.mutex.unlock(); });
  }
  ShardLocks(const ShardLocks&) = delete;
  ShardLocks& operator=(const ShardLocks&) = delete;

  template <typename F>
  void for_each(F&& f) {
    for (uint64_t left = mask_; left != 0; left &= left - 1) f(shards_[std::countr_zero(left)]);
  }

 private:
  Shard* shards_;
  uint64_t mask_;
};

namespace {

// Bounded work per admit: a few idle ids dropped each time keeps up with any
// rate of new ids, since every new id arrives through an admit.
constexpr int kSweepPerTouch = 4;

Refusal refusal_of(const Scope& scope, LimitKind kind, int64_t limit, int64_t retry_after,
                   Usage usage) {
  return Refusal{scope.id, kind, limit, retry_after, scope.limits, usage};
}

}  // namespace

LocalBackend::LocalBackend(size_t shards)
    : shards_(std::make_unique<Shard[]>(std::clamp<size_t>(shards, 1, kMaxShards))),
      shard_count_(std::clamp<size_t>(shards, 1, kMaxShards)) {}

LocalBackend::~LocalBackend() = default;

static_assert(sizeof(size_t) == 8, "shard_index takes the high bits of a 64-bit hash");

uint32_t LocalBackend::shard_index(size_t hash) const {
  // The high bits: the map's buckets use the low ones.
  return static_cast<uint32_t>((hash >> 40) % shard_count_);
}

void LocalBackend::touch(Shard& shard, Counters& counters, int64_t now_second) {
  // Already touched this second: the ids after it in the list are no older.
  if (counters.last_second >= now_second) return;
  counters.last_second = now_second;
  shard.lru.splice(shard.lru.end(), shard.lru, counters.lru_position);
}

LocalBackend::Counters& LocalBackend::find_or_add(Shard& shard, std::string_view id, size_t hash,
                                                  int64_t now_second) {
  auto found = shard.by_id.find(HashedId{id, hash});
  if (found == shard.by_id.end()) {
    found = shard.by_id.try_emplace(std::string(id)).first;
    Counters& counters = found->second;
    counters.id = &found->first;
    counters.last_second = now_second;
    counters.lru_position = shard.lru.insert(shard.lru.end(), &counters);
    return counters;
  }
  touch(shard, found->second, now_second);
  return found->second;
}

void LocalBackend::sweep(Shard& shard, int64_t now_second) {
  for (int i = 0; i < kSweepPerTouch && !shard.lru.empty(); ++i) {
    Counters& oldest = *shard.lru.front();
    if (now_second - oldest.last_second <= kIdleSeconds) return;  // the rest are newer
    if (oldest.in_flight > 0) {
      touch(shard, oldest, now_second);  // a long call is still using it
      continue;
    }
    shard.lru.pop_front();
    shard.by_id.erase(*oldest.id);
  }
}

namespace {

// The first limit of `scope` that one more request would cross.
std::optional<Refusal> over_limit(const Scope& scope, const Window& requests, const Window& tokens,
                                  int64_t in_flight, TimePoint now) {
  const Limits& limits = scope.limits;
  auto usage = [&] { return Usage{requests.total(now), tokens.total(now), in_flight}; };
  if (limits.rpm && requests.total(now) + 1 > *limits.rpm) {
    return refusal_of(scope, LimitKind::requests, *limits.rpm,
                      requests.seconds_until_below(now, *limits.rpm), usage());
  }
  if (limits.tpm && tokens.total(now) >= *limits.tpm) {
    return refusal_of(scope, LimitKind::tokens, *limits.tpm,
                      tokens.seconds_until_below(now, *limits.tpm), usage());
  }
  if (limits.max_parallel && in_flight + 1 > *limits.max_parallel) {
    // Unknown when a call ends; LiteLLM also answers 1 second.
    return refusal_of(scope, LimitKind::parallel_requests, *limits.max_parallel, 1, usage());
  }
  return std::nullopt;
}

}  // namespace

std::optional<Refusal> LocalBackend::admit(std::span<const Scope> scopes, int64_t estimated_tokens,
                                           TimePoint now, Ticket& ticket) {
  ticket.holds.resize(scopes.size());
  uint64_t mask = 0;
  for (size_t i = 0; i < scopes.size(); ++i) {
    ticket.holds[i].hash = IdHash{}(scopes[i].id);
    ticket.holds[i].shard = shard_index(ticket.holds[i].hash);
    mask |= uint64_t{1} << ticket.holds[i].shard;
  }
  int64_t now_second = second_of(now);
  ShardLocks locks(shards_.get(), mask);
  locks.for_each([&](Shard& shard) { sweep(shard, now_second); });

  for (size_t i = 0; i < scopes.size(); ++i) {
    Ticket::Hold& hold = ticket.holds[i];
    Counters& counters = find_or_add(shards_[hold.shard], scopes[i].id, hold.hash, now_second);
    if (auto refusal =
            over_limit(scopes[i], counters.requests, counters.tokens, counters.in_flight, now)) {
      ticket.holds.clear();
      return refusal;
    }
    hold.counters = &counters;
  }
  for (const Ticket::Hold& hold : ticket.holds) {
    auto& counters = *static_cast<Counters*>(hold.counters);
    counters.requests.add(now, 1);
    counters.tokens.add(now, estimated_tokens);
    ++counters.in_flight;
  }
  ticket.estimated_tokens = estimated_tokens;
  ticket.estimate_second = now_second;
  return std::nullopt;
}

void LocalBackend::settle(const Ticket& ticket, int64_t actual_tokens, TimePoint now) {
  int64_t now_second = second_of(now);
  for (const Ticket::Hold& hold : ticket.holds) {
    Shard& shard = shards_[hold.shard];
    std::lock_guard lock(shard.mutex);
    auto& counters = *static_cast<Counters*>(hold.counters);
    // Where the estimate still counts, correct it in place; once it has slid
    // out it no longer counts, so the real tokens count in full, now.
    if (!counters.tokens.add_to_second(ticket.estimate_second, now,
                                       actual_tokens - ticket.estimated_tokens)) {
      counters.tokens.add(now, actual_tokens);
    }
    --counters.in_flight;
    touch(shard, counters, now_second);
  }
}

void LocalBackend::release(const Ticket& ticket) noexcept {
  for (const Ticket::Hold& hold : ticket.holds) {
    std::lock_guard lock(shards_[hold.shard].mutex);
    --static_cast<Counters*>(hold.counters)->in_flight;
  }
}

Remaining LocalBackend::remaining(const Scope& scope, TimePoint now) {
  size_t hash = IdHash{}(scope.id);
  Shard& shard = shards_[shard_index(hash)];
  std::lock_guard lock(shard.mutex);
  auto found = shard.by_id.find(HashedId{scope.id, hash});
  auto left = [&](const std::optional<int64_t>& limit, Window Counters::*window) {
    int64_t used = found == shard.by_id.end() ? 0 : (found->second.*window).total(now);
    return std::max<int64_t>(*limit - used, 0);
  };
  Remaining result;
  if (scope.limits.rpm) {
    result.request_limit = scope.limits.rpm;
    result.remaining_requests = left(scope.limits.rpm, &Counters::requests);
  }
  if (scope.limits.tpm) {
    result.token_limit = scope.limits.tpm;
    result.remaining_tokens = left(scope.limits.tpm, &Counters::tokens);
  }
  return result;
}

size_t LocalBackend::tracked_ids() {
  size_t count = 0;
  for (size_t i = 0; i < shard_count_; ++i) {
    std::lock_guard lock(shards_[i].mutex);
    count += shards_[i].by_id.size();
  }
  return count;
}

}  // namespace routeiq::limits
