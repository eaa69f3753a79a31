#include "routeiq/api/spend_ledger.hpp"

#include <functional>

namespace routeiq::api {

SpendLedger::Shard& SpendLedger::shard(std::string_view owner) const {
  return shards_[std::hash<std::string_view>{}(owner) % shards_.size()];
}

void SpendLedger::add(std::string_view owner, double usd) {
  if (owner.empty() || !(usd > 0)) return;
  auto& s = shard(owner);
  std::lock_guard lock(s.mutex);
  s.pending[std::string(owner)] += usd;
}

void SpendLedger::written(std::string_view owner, double usd) {
  if (owner.empty() || !(usd > 0)) return;
  auto& s = shard(owner);
  std::lock_guard lock(s.mutex);
  auto it = s.pending.find(std::string(owner));
  if (it == s.pending.end()) return;  // a row of an earlier run's journal
  it->second -= usd;
  // Rounding leaves crumbs: an owner with nothing left goes.
  if (it->second <= 1e-12) s.pending.erase(it);
}

double SpendLedger::unwritten(std::string_view owner) const {
  auto& s = shard(owner);
  std::lock_guard lock(s.mutex);
  auto it = s.pending.find(std::string(owner));
  return it == s.pending.end() ? 0.0 : it->second;
}

}  // namespace routeiq::api
