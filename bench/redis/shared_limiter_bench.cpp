// Admits per second through one SharedLimiter (one Redis connection) against
// a local redis-server, with a given number of admits outstanding: the
// client pipelines whatever is queued, so more outstanding calls mean larger
// batches and fewer round trips per admit. Each admitted request is settled
// (fire-and-forget), as the gateway would. Four scopes per request are the
// usual ones of a virtual key (key, user, team, the key's model group).
// Also the fleet check below (a minute of real time).
//   build/bench/bench-redis                       # starts its own redis-server
//   ROUTEIQ_BENCH_REDIS_PORT=6379 build/bench/bench-redis
#include <benchmark/benchmark.h>

#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "redis_server.hpp"
#include "routeiq/redis/shared_limiter.hpp"

namespace routeiq::redis {
namespace {

using limits::Clock;
using limits::Limits;
using limits::Scope;

constexpr int64_t kNoRefusal = int64_t{1} << 40;
const Limits kHigh{.rpm = kNoRefusal, .tpm = kNoRefusal, .max_parallel = kNoRefusal};

int server_port() {
  static std::unique_ptr<test::RedisServer> server;
  if (const char* port = std::getenv("ROUTEIQ_BENCH_REDIS_PORT")) return std::atoi(port);
  if (!server) {
    std::string error;
    server = test::RedisServer::start(error);
    if (!server) {
      std::fprintf(stderr, "cannot start redis-server: %s\n", error.c_str());
      std::exit(1);
    }
  }
  return server->port();
}

std::vector<Scope> request_scopes(int key, int64_t count) {
  std::string id = std::to_string(key);
  std::vector<Scope> scopes{{"key:" + id, kHigh},
                            {"user:user-" + id, kHigh},
                            {"team:team-1", kHigh},
                            {"key_model:" + id + ":gpt-4o", kHigh}};
  scopes.resize(static_cast<size_t>(count));
  return scopes;
}

// At most `limit` admits in flight; the loop waits for a free slot.
class Outstanding {
 public:
  explicit Outstanding(int64_t limit) : limit_(limit) {}
  void acquire() {
    std::unique_lock lock(mutex_);
    freed_.wait(lock, [&] { return in_flight_ < limit_; });
    ++in_flight_;
  }
  void release() {
    std::lock_guard lock(mutex_);
    --in_flight_;
    freed_.notify_one();
  }
  void wait_all() {
    std::unique_lock lock(mutex_);
    freed_.wait(lock, [&] { return in_flight_ == 0; });
  }

 private:
  std::mutex mutex_;
  std::condition_variable freed_;
  int64_t limit_, in_flight_ = 0;
};

void BM_SharedAdmitSettle(benchmark::State& state) {
  SharedLimiterOptions options;
  options.redis.port = server_port();
  options.deadline = std::chrono::seconds(5);  // measure Redis, not the fallback
  SharedLimiter limiter(options);
  if (!limiter.client().wait_connected(std::chrono::seconds(5))) {
    state.SkipWithError("redis not reachable");
    return;
  }
  std::vector<std::vector<Scope>> requests;
  for (int key = 0; key < 100; ++key) requests.push_back(request_scopes(key, state.range(1)));
  Outstanding outstanding(state.range(0));
  std::atomic<int64_t> refused{0};
  size_t next = 0;
  for (auto _ : state) {
    outstanding.acquire();
    limiter.admit(requests[next], 256, limits::Clock::now(), [&](limits::Admission admission) {
      if (admission.admitted())
        admission.reservation.settle(200, limits::Clock::now());
      else
        refused.fetch_add(1);
      outstanding.release();
    });
    next = next + 1 == requests.size() ? 0 : next + 1;
  }
  outstanding.wait_all();
  state.SetItemsProcessed(state.iterations());
  state.counters["refused_or_local"] = static_cast<double>(refused.load());
  state.counters["sharing"] = limiter.sharing() ? 1 : 0;
}
// Arguments: admits outstanding, scopes per request.
BENCHMARK(BM_SharedAdmitSettle)
    ->Args({1, 4})
    ->Args({16, 4})
    ->Args({256, 4})
    ->Args({256, 1})
    ->UseRealTime();

// The acceptance check of shared limits, in real time: three instances on one
// server offered twice a key's rpm for 60 s (evenly, from three threads)
// admit the rpm; `admitted_over_rpm` should be within 2% of 1. Starts on a
// whole second, as the window counts in whole seconds. Takes a minute:
//   build/bench/bench-redis --benchmark_filter=Fleet
void BM_FleetOfThreeForAMinute(benchmark::State& state) {
  constexpr int kInstances = 3, kRpm = 600, kPerInstance = 2 * kRpm / kInstances;
  // One prefix for the fleet, new for each run: counts of an earlier run do not leak in.
  std::string prefix = "fleet-" + std::to_string(Clock::now().time_since_epoch().count()) + ":";
  std::vector<std::unique_ptr<SharedLimiter>> fleet;
  for (int i = 0; i < kInstances; ++i) {
    SharedLimiterOptions options;
    options.redis.port = server_port();
    options.instances = kInstances;
    options.key_prefix = prefix;
    fleet.push_back(std::make_unique<SharedLimiter>(options));
    fleet.back()->client().wait_connected(std::chrono::seconds(5));
  }
  std::atomic<int> admitted{0}, answered{0};
  for (auto _ : state) {
    auto wall = std::chrono::system_clock::now();
    auto next_second = std::chrono::ceil<std::chrono::seconds>(wall) + std::chrono::milliseconds(5);
    std::this_thread::sleep_until(next_second);
    auto start = Clock::now();
    std::vector<std::thread> threads;
    for (int i = 0; i < kInstances; ++i) {
      threads.emplace_back([&, i] {
        std::vector<Scope> scopes{{"key:fleet", Limits{.rpm = kRpm}}};
        auto gap = std::chrono::milliseconds(60000) / kPerInstance;
        for (int n = 0; n < kPerInstance; ++n) {
          std::this_thread::sleep_until(start + gap * n + gap * i / kInstances);
          fleet[i]->admit(scopes, 0, Clock::now(), [&](limits::Admission admission) {
            if (admission.admitted()) admitted.fetch_add(1);
            answered.fetch_add(1);
          });
        }
      });
    }
    for (auto& thread : threads) thread.join();
    while (answered.load() < kInstances * kPerInstance)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  state.counters["admitted"] = admitted.load();
  state.counters["admitted_over_rpm"] = static_cast<double>(admitted.load()) / kRpm;
  int sharing = 0;
  for (const auto& limiter : fleet) sharing += limiter->sharing() ? 1 : 0;
  state.counters["instances_sharing"] = sharing;
}
BENCHMARK(BM_FleetOfThreeForAMinute)->Iterations(1)->UseRealTime()->Unit(benchmark::kSecond);

}  // namespace
}  // namespace routeiq::redis

BENCHMARK_MAIN();
