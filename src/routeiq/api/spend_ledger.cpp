#include "routeiq/api/spend_ledger.hpp"

#include <algorithm>
#include <functional>

namespace routeiq::api {

namespace {
// Rounding leaves crumbs: an amount or owner with less than this left goes.
constexpr double kCrumb = 1e-12;
}  // namespace

SpendLedger::Shard& SpendLedger::shard(std::string_view owner) const {
  return shards_[std::hash<std::string_view>{}(owner) % shards_.size()];
}

void SpendLedger::add(std::string_view owner, double usd, int64_t at_ms) {
  if (owner.empty() || !(usd > 0)) return;
  auto& s = shard(owner);
  std::lock_guard lock(s.mutex);
  auto& p = s.pending[std::string(owner)];
  p.total += usd;
  p.amounts.push_back({at_ms, usd});
}

void SpendLedger::written(std::string_view owner, double usd) {
  if (owner.empty() || !(usd > 0)) return;
  auto& s = shard(owner);
  std::lock_guard lock(s.mutex);
  auto it = s.pending.find(std::string(owner));
  if (it == s.pending.end()) return;  // a row of an earlier run's journal
  auto& p = it->second;
  p.total -= usd;
  while (usd > kCrumb && !p.amounts.empty()) {
    double taken = std::min(usd, p.amounts.front().usd);
    p.amounts.front().usd -= taken;
    usd -= taken;
    if (p.amounts.front().usd <= kCrumb) p.amounts.pop_front();
  }
  if (p.total <= kCrumb || p.amounts.empty()) s.pending.erase(it);
}

double SpendLedger::unwritten(std::string_view owner) const {
  auto& s = shard(owner);
  std::lock_guard lock(s.mutex);
  auto it = s.pending.find(std::string(owner));
  return it == s.pending.end() ? 0.0 : it->second.total;
}

double SpendLedger::unwritten_since(std::string_view owner, int64_t at_ms) const {
  auto& s = shard(owner);
  std::lock_guard lock(s.mutex);
  auto it = s.pending.find(std::string(owner));
  if (it == s.pending.end()) return 0.0;
  double since = 0;
  const auto& amounts = it->second.amounts;
  // Newest last: only the tail after the cut is read.
  for (auto a = amounts.rbegin(); a != amounts.rend() && a->at_ms >= at_ms; ++a) since += a->usd;
  return since;
}

double SpendLedger::unwritten_before(std::string_view owner, int64_t at_ms) const {
  auto& s = shard(owner);
  std::lock_guard lock(s.mutex);
  auto it = s.pending.find(std::string(owner));
  if (it == s.pending.end()) return 0.0;
  double before = 0;
  for (const auto& a : it->second.amounts) {
    if (a.at_ms >= at_ms) break;
    before += a.usd;
  }
  return before;
}

}  // namespace routeiq::api
