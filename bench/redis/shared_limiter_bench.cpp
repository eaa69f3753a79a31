// Admits per second through one SharedLimiter (one Redis connection) against
// a local redis-server, with a given number of admits outstanding: the
// client pipelines whatever is queued, so more outstanding calls mean larger
// batches and fewer round trips per admit. Each admitted request is settled
// (fire-and-forget), as the gateway would. Four scopes per request are the
// usual ones of a virtual key (key, user, team, the key's model group).
//   build/bench/bench-redis                       # starts its own redis-server
//   ROUTEIQ_BENCH_REDIS_PORT=6379 build/bench/bench-redis
#include <benchmark/benchmark.h>

#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <string>
#include <vector>

#include "redis_server.hpp"
#include "routeiq/redis/shared_limiter.hpp"

namespace routeiq::redis {
namespace {

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

}  // namespace
}  // namespace routeiq::redis

BENCHMARK_MAIN();
