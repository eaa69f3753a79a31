// The rate-limit step of one request: admit in the four scopes a virtual key
// usually has (key, user, team, the key's model group), then settle the real
// tokens. Time advances 1 ms per request, so buckets rotate as in serving.
//   build/bench/bench-limits --benchmark_repetitions=5
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "routeiq/limits/limiter.hpp"

namespace routeiq::limits {
namespace {

constexpr int64_t kNoRefusal = int64_t{1} << 50;
const Limits kHigh{.rpm = kNoRefusal, .tpm = kNoRefusal, .max_parallel = kNoRefusal};

std::string key_hash(int n) {
  std::string hash(64, '0');
  std::string digits = std::to_string(n);
  hash.replace(hash.size() - digits.size(), digits.size(), digits);
  return hash;
}

std::vector<Scope> request_scopes(int key, int team) {
  std::string hash = key_hash(key);
  return {{"key:" + hash, kHigh},
          {"user:user-" + std::to_string(key), kHigh},
          {"team:team-" + std::to_string(team), kHigh},
          {"key_model:" + hash + ":gpt-4o", kHigh}};
}

void admit_and_settle(Limiter& limiter, const std::vector<Scope>& scopes, TimePoint now) {
  Admission admission = limiter.admit(scopes, 256, now);
  if (!admission.admitted()) std::abort();
  limiter.settle(admission.reservation, 200, now);
}

// One key, its counters hot in the cache.
void BM_AdmitSettle4Scopes(benchmark::State& state) {
  Limiter limiter;
  auto scopes = request_scopes(1, 1);
  TimePoint now = Clock::now();
  for (auto _ : state) {
    admit_and_settle(limiter, scopes, now);
    now += std::chrono::milliseconds(1);
  }
}
BENCHMARK(BM_AdmitSettle4Scopes);

// Threads with their own keys sharing one team: the team's shard is contended.
void BM_AdmitSettle4ScopesSharedTeam(benchmark::State& state) {
  static Limiter limiter;
  auto scopes = request_scopes(state.thread_index(), 1);
  TimePoint now = Clock::now();
  for (auto _ : state) {
    admit_and_settle(limiter, scopes, now);
    now += std::chrono::milliseconds(1);
  }
}
BENCHMARK(BM_AdmitSettle4ScopesSharedTeam)->Threads(1)->Threads(2)->UseRealTime();

// 10000 keys in turn: counters mostly out of the CPU cache.
void BM_AdmitSettle4ScopesManyKeys(benchmark::State& state) {
  Limiter limiter;
  std::vector<std::vector<Scope>> requests;
  for (int key = 0; key < 10000; ++key) requests.push_back(request_scopes(key, key % 100));
  TimePoint now = Clock::now();
  size_t next = 0;
  for (auto _ : state) {
    admit_and_settle(limiter, requests[next], now);
    next = next + 1 == requests.size() ? 0 : next + 1;
    now += std::chrono::microseconds(10);
  }
}
BENCHMARK(BM_AdmitSettle4ScopesManyKeys);

}  // namespace
}  // namespace routeiq::limits

BENCHMARK_MAIN();
