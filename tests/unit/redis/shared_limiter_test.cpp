#include "routeiq/redis/shared_limiter.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <barrier>
#include <cstring>
#include <future>
#include <map>
#include <numeric>
#include <random>
#include <thread>

#include "../limits/fake_clock.hpp"
#include "redis_server.hpp"

namespace routeiq::redis {
namespace {

using namespace std::chrono_literals;
using limits::Admission;
using limits::Limiter;
using limits::LimitKind;
using limits::Limits;
using limits::Scope;
using limits::test::at_ms;
using limits::test::at_s;
using test::RedisServer;

std::unique_ptr<RedisServer> start_server() {
  std::string error;
  auto server = RedisServer::start(error);
  EXPECT_TRUE(server) << error;
  return server;
}

// A generous deadline, so a slow machine does not turn shared decisions into
// local ones in tests that compare exact counts.
SharedLimiterOptions options_for(const RedisServer& server, bool server_time = false) {
  SharedLimiterOptions options;
  options.redis.port = server.port();
  options.redis.reconnect_min = 10ms;
  options.redis.reconnect_max = 50ms;
  options.deadline = 5s;
  options.server_time = server_time;
  return options;
}

std::unique_ptr<SharedLimiter> connected_limiter(SharedLimiterOptions options) {
  auto limiter = std::make_unique<SharedLimiter>(std::move(options));
  EXPECT_TRUE(limiter->client().wait_connected(5s));
  return limiter;
}

Admission admit_now(SharedLimiter& limiter, std::vector<Scope> scopes, int64_t tokens,
                    limits::TimePoint now) {
  std::promise<Admission> answer;
  auto admission = answer.get_future();
  limiter.admit(std::move(scopes), tokens, now,
                [&](Admission given) { answer.set_value(std::move(given)); });
  return admission.get();
}

std::string field(RedisServer& server, const std::string& key, const std::string& name) {
  std::string error;
  return server.command({"HGET", key, name}, error).value_or("error: " + error);
}

// Sends the corrections waiting for the next admit, then waits until they
// have run: the connection is one FIFO, so a round trip behind them is enough.
void drain(SharedLimiter& limiter) {
  limiter.flush();
  std::promise<void> done;
  auto waited = done.get_future();
  ASSERT_TRUE(limiter.client().submit({"PING"}, [&](Reply) { done.set_value(); }));
  waited.get();
}

TEST(SharedLimiter, DecidesAsTheLocalBackendOnTheSameSequence) {
  auto server = start_server();
  ASSERT_TRUE(server);
  auto owned = connected_limiter(options_for(*server));
  SharedLimiter& shared = *owned;
  Limiter remote(std::move(owned));
  Limiter local;
  std::vector<Scope> key_and_team{{"key:k", Limits{.rpm = 30, .tpm = 9000, .max_parallel = 4}},
                                  {"team:t", Limits{.rpm = 40, .tpm = 12000}}};
  std::vector<Scope> key_model{{"key:k", key_and_team[0].limits},
                               {"key_model:k:gpt", Limits{.rpm = 8, .max_parallel = 3}}};
  std::mt19937 random(7);
  std::vector<std::pair<limits::Reservation, limits::Reservation>> held;
  int64_t ms = 0;
  int admitted = 0, refused = 0;
  std::map<LimitKind, int> refused_by;
  for (int step = 0; step < 600; ++step) {
    ms += std::uniform_int_distribution<int64_t>(0, 1000)(random);
    auto now = at_ms(ms);
    const auto& scopes = random() % 3 == 0 ? key_model : key_and_team;
    int64_t estimate = std::uniform_int_distribution<int64_t>(0, 400)(random);
    Admission a = local.admit(scopes, estimate, now);
    Admission b = remote.admit(scopes, estimate, now);
    ASSERT_EQ(a.admitted(), b.admitted()) << "step " << step;
    if (a.admitted()) {
      ++admitted;
      held.emplace_back(std::move(a.reservation), std::move(b.reservation));
    } else {
      ++refused;
      ++refused_by[a.refusal->kind];
      EXPECT_EQ(a.refusal->scope_id, b.refusal->scope_id) << step;
      EXPECT_EQ(a.refusal->kind, b.refusal->kind) << step;
      EXPECT_EQ(a.refusal->limit, b.refusal->limit) << step;
      EXPECT_EQ(a.refusal->retry_after_seconds, b.refusal->retry_after_seconds) << step;
      EXPECT_EQ(a.refusal->usage.requests, b.refusal->usage.requests) << step;
      EXPECT_EQ(a.refusal->usage.tokens, b.refusal->usage.tokens) << step;
      EXPECT_EQ(a.refusal->usage.in_flight, b.refusal->usage.in_flight) << step;
    }
    // End some calls: settled with their real tokens, or dropped (released).
    if (!held.empty() && random() % 3 != 0) {
      size_t pick = random() % held.size();
      int64_t actual = std::uniform_int_distribution<int64_t>(0, 900)(random);
      if (random() % 4 != 0) {
        local.settle(held[pick].first, actual, now);
        remote.settle(held[pick].second, actual, now);
      }
      held.erase(held.begin() + static_cast<std::ptrdiff_t>(pick));
    }
  }
  EXPECT_GT(admitted, 80);
  EXPECT_GT(refused, 80);
  // Every kind of limit was crossed along the way.
  EXPECT_GT(refused_by[LimitKind::requests], 0);
  EXPECT_GT(refused_by[LimitKind::tokens], 0);
  EXPECT_GT(refused_by[LimitKind::parallel_requests], 0);
  EXPECT_TRUE(shared.sharing());
}

TEST(SharedLimiter, ARefusalByOneScopeCountsInNone) {
  auto server = start_server();
  ASSERT_TRUE(server);
  auto limiter = connected_limiter(options_for(*server));
  std::vector<Scope> scopes{{"key:k", Limits{.rpm = 10, .tpm = 1000}},
                            {"team:t", Limits{.rpm = 1}}};
  EXPECT_TRUE(admit_now(*limiter, scopes, 100, at_s(0)).admitted());
  Admission refused = admit_now(*limiter, scopes, 100, at_s(1));
  ASSERT_FALSE(refused.admitted());
  EXPECT_FALSE(refused.reservation.active());
  EXPECT_EQ(refused.refusal->scope_id, "team:t");
  EXPECT_EQ(refused.refusal->kind, LimitKind::requests);
  EXPECT_EQ(refused.refusal->retry_after_seconds, 59);
  EXPECT_EQ(field(*server, "routeiq:key:k:w", "r"), "1");
  EXPECT_EQ(field(*server, "routeiq:key:k:w", "t"), "100");
  auto remaining = limiter->remaining(scopes[0], at_s(1));
  EXPECT_EQ(remaining.remaining_requests, 9);
  EXPECT_EQ(remaining.remaining_tokens, 900);
}

TEST(SharedLimiter, TwoInstancesAdmitExactlyTheLimitBetweenThem) {
  auto server = start_server();
  ASSERT_TRUE(server);
  auto first = connected_limiter(options_for(*server, true));
  auto second = connected_limiter(options_for(*server, true));
  std::atomic<int> admitted{0}, answered{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    SharedLimiter& limiter = t % 2 == 0 ? *first : *second;
    threads.emplace_back([&, t] {
      for (int i = 0; i < 75; ++i) {
        std::vector<Scope> scopes{{"key:shared", Limits{.rpm = 100}},
                                  {"user:" + std::to_string(t), Limits{.rpm = 1000}}};
        limiter.admit(std::move(scopes), 1, limits::Clock::now(), [&](Admission admission) {
          if (admission.admitted()) admitted.fetch_add(1);
          answered.fetch_add(1);
        });
      }
    });
  }
  for (auto& thread : threads) thread.join();
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (answered.load() < 300 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(1ms);
  ASSERT_EQ(answered.load(), 300);
  EXPECT_EQ(admitted.load(), 100);
  EXPECT_TRUE(first->sharing() && second->sharing());
  EXPECT_EQ(field(*server, "routeiq:key:shared:w", "r"), "100");
}

// Three gateways offered twice a key's rpm for two minutes admit the rpm per
// minute between them, exactly (a fake clock, one second per round).
TEST(SharedLimiter, AFleetOfThreeOfferedTwiceTheRpmAdmitsTheRpm) {
  auto server = start_server();
  ASSERT_TRUE(server);
  constexpr int kInstances = 3, kRpm = 300, kSeconds = 120;
  std::vector<std::unique_ptr<SharedLimiter>> fleet;
  for (int i = 0; i < kInstances; ++i) {
    SharedLimiterOptions options = options_for(*server);
    options.instances = kInstances;
    fleet.push_back(connected_limiter(options));
  }
  std::barrier next_second(kInstances);
  std::vector<std::vector<int>> admitted_per_second(kInstances, std::vector<int>(kSeconds));
  std::vector<std::thread> threads;
  for (int i = 0; i < kInstances; ++i) {
    threads.emplace_back([&, i] {
      std::vector<Scope> scopes{{"key:fleet", Limits{.rpm = kRpm}}};
      for (int second = 0; second < kSeconds; ++second) {
        // 2 * 300 / 60 = 10 a second between the three: 4, 3, 3.
        int offered = i == 0 ? 4 : 3;
        for (int n = 0; n < offered; ++n) {
          auto now = at_ms(second * 1000 + n * 200 + i * 50);
          if (admit_now(*fleet[i], scopes, 0, now).admitted()) ++admitted_per_second[i][second];
        }
        next_second.arrive_and_wait();
      }
    });
  }
  for (auto& thread : threads) thread.join();
  std::vector<int> per_second(kSeconds);
  for (int second = 0; second < kSeconds; ++second) {
    for (int i = 0; i < kInstances; ++i) per_second[second] += admitted_per_second[i][second];
  }
  int first_minute = std::accumulate(per_second.begin(), per_second.begin() + 60, 0);
  int second_minute = std::accumulate(per_second.begin() + 60, per_second.end(), 0);
  EXPECT_EQ(first_minute, kRpm);
  EXPECT_EQ(second_minute, kRpm);
  for (int start = 0; start + 60 <= kSeconds; ++start) {
    EXPECT_LE(std::accumulate(per_second.begin() + start, per_second.begin() + start + 60, 0), kRpm)
        << "the 60 s from second " << start;
  }
  for (const auto& limiter : fleet) EXPECT_TRUE(limiter->sharing());
}

TEST(SharedLimiter, SettleReplacesTheEstimateByTheRealTokens) {
  auto server = start_server();
  ASSERT_TRUE(server);
  auto limiter = connected_limiter(options_for(*server));
  Scope key{"key:k", Limits{.tpm = 100}};
  Admission smaller = admit_now(*limiter, {key}, 60, at_s(0));
  ASSERT_TRUE(smaller.admitted());
  EXPECT_EQ(limiter->remaining(key, at_s(0)).remaining_tokens, 40);
  limiter->settle(smaller.reservation, 10, at_s(5));
  EXPECT_FALSE(smaller.reservation.active());
  drain(*limiter);
  EXPECT_EQ(field(*server, "routeiq:key:k:w", "t"), "10");

  Admission larger = admit_now(*limiter, {key}, 20, at_s(10));
  ASSERT_TRUE(larger.admitted());
  larger.reservation.settle(150, at_s(12));
  Admission refused = admit_now(*limiter, {key}, 1, at_s(20));
  ASSERT_FALSE(refused.admitted());
  EXPECT_EQ(refused.refusal->kind, LimitKind::tokens);
  EXPECT_EQ(refused.refusal->usage.tokens, 160);
  EXPECT_EQ(refused.refusal->retry_after_seconds, 50);
  EXPECT_TRUE(admit_now(*limiter, {key}, 1, at_s(70)).admitted());

  // An estimate that slid out counts the real tokens in full, now.
  Admission late = admit_now(*limiter, {key}, 500, at_s(200));
  late.reservation.settle(30, at_s(290));
  drain(*limiter);
  EXPECT_EQ(field(*server, "routeiq:key:k:w", "t"), "30");
}

TEST(SharedLimiter, InFlightIsSharedReleasedOnDropAndLapsesAfterTheLease) {
  auto server = start_server();
  ASSERT_TRUE(server);
  SharedLimiterOptions options = options_for(*server);
  options.lease = 30s;
  auto first = connected_limiter(options);
  auto second = connected_limiter(options);
  std::vector<Scope> scopes{{"key:k", Limits{.max_parallel = 2}}};
  Admission a = admit_now(*first, scopes, 0, at_s(0));
  Admission b = admit_now(*second, scopes, 0, at_s(0));
  ASSERT_TRUE(a.admitted() && b.admitted());
  Admission third = admit_now(*first, scopes, 0, at_s(1));
  ASSERT_FALSE(third.admitted());
  EXPECT_EQ(third.refusal->kind, LimitKind::parallel_requests);
  EXPECT_EQ(third.refusal->usage.in_flight, 2);

  a = Admission{};  // dropped unsettled: released
  drain(*first);
  EXPECT_TRUE(admit_now(*second, scopes, 0, at_s(2)).admitted());  // dropped at once: released too
  Admission held = admit_now(*second, scopes, 0, at_s(3));
  ASSERT_TRUE(held.admitted());
  EXPECT_FALSE(admit_now(*first, scopes, 0, at_s(4)).admitted());
  // Holds never released (an instance that crashed) lapse with their lease.
  EXPECT_TRUE(admit_now(*first, scopes, 0, at_s(40)).admitted());
}

TEST(SharedLimiter, WhenRedisStopsTheLocalFallbackDecidesAtOnceThenSharingResumes) {
  auto server = start_server();
  ASSERT_TRUE(server);
  SharedLimiterOptions options = options_for(*server, true);
  options.instances = 2;
  options.deadline = 50ms;
  auto limiter = connected_limiter(options);
  Scope key{"key:k", Limits{.rpm = 10}};
  ASSERT_TRUE(admit_now(*limiter, {key}, 0, limits::Clock::now()).admitted());

  testing::internal::CaptureStderr();
  std::string error;
  ASSERT_TRUE(server->stop(error)) << error;
  int admitted = 0;
  auto slowest = std::chrono::nanoseconds(0);
  for (int i = 0; i < 40; ++i) {
    auto started = std::chrono::steady_clock::now();
    if (admit_now(*limiter, {key}, 0, limits::Clock::now()).admitted()) ++admitted;
    slowest = std::max(slowest, std::chrono::steady_clock::now() - started);
  }
  EXPECT_EQ(admitted, 5);  // rpm 10 over 2 instances
  EXPECT_LT(slowest, 200ms);
  EXPECT_FALSE(limiter->sharing());
  EXPECT_EQ(limiter->remaining(key, limits::Clock::now()).request_limit, 5);

  ASSERT_TRUE(server->restart(error)) << error;
  ASSERT_TRUE(limiter->client().wait_connected(5s));
  Admission back = admit_now(*limiter, {key}, 0, limits::Clock::now());
  EXPECT_TRUE(back.admitted());
  EXPECT_TRUE(limiter->sharing());
  EXPECT_EQ(field(*server, "routeiq:key:k:w", "r"), "1");  // counted in the new server
  std::string logged = testing::internal::GetCapturedStderr();
  auto count = [&](std::string_view text) {
    size_t n = 0;
    for (size_t at = logged.find(text); at != std::string::npos; at = logged.find(text, at + 1))
      ++n;
    return n;
  };
  EXPECT_EQ(count("rate limits: redis unreachable"), 1u) << logged;
  EXPECT_EQ(count("rate limits: shared through redis again"), 1u) << logged;
}

TEST(SharedLimiter, ASlowRedisMeetsTheDeadlineAndNeverAnswersTwice) {
  auto server = start_server();
  ASSERT_TRUE(server);
  SharedLimiterOptions options = options_for(*server, true);
  options.deadline = 50ms;
  options.redis.command_timeout = 2s;
  auto limiter = connected_limiter(options);
  Scope key{"key:k", Limits{.max_parallel = 100}};
  std::string error;
  ASSERT_TRUE(server->command({"CLIENT", "PAUSE", "400", "ALL"}, error)) << error;
  constexpr int kAdmits = 20;
  std::vector<std::atomic<int>> calls(kAdmits);
  std::vector<Admission> kept(kAdmits);
  std::atomic<int> answered{0};
  auto started = std::chrono::steady_clock::now();
  for (int i = 0; i < kAdmits; ++i) {
    limiter->admit({key}, 0, limits::Clock::now(), [&, i](Admission admission) {
      calls[i].fetch_add(1);
      kept[i] = std::move(admission);
      answered.fetch_add(1);
    });
  }
  while (answered.load() < kAdmits && std::chrono::steady_clock::now() - started < 5s)
    std::this_thread::sleep_for(1ms);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 300ms);  // well before the pause ends
  std::this_thread::sleep_for(600ms);  // the late replies arrive, and are not delivered
  drain(*limiter);
  for (int i = 0; i < kAdmits; ++i) EXPECT_EQ(calls[i].load(), 1) << i;
  for (auto& admission : kept) EXPECT_TRUE(admission.admitted());
  // The late admits Redis counted gave their in-flight slots back.
  EXPECT_EQ(server->command({"ZCARD", "routeiq:key:k:p"}, error), "0");
  kept.clear();
}

TEST(SharedLimiter, NoAdmitIsLeftUnansweredWhenTheLimiterGoes) {
  auto server = start_server();
  ASSERT_TRUE(server);
  SharedLimiterOptions options = options_for(*server, true);
  options.deadline = 10s;
  options.redis.command_timeout = 300ms;
  constexpr int kAdmits = 50;
  std::vector<std::atomic<int>> calls(kAdmits);
  {
    auto limiter = connected_limiter(options);
    std::string error;
    ASSERT_TRUE(server->command({"CLIENT", "PAUSE", "2000", "ALL"}, error)) << error;
    for (int i = 0; i < kAdmits; ++i) {
      limiter->admit({Scope{"key:k", Limits{.rpm = 1000}}}, 0, limits::Clock::now(),
                     [&, i](Admission) { calls[i].fetch_add(1); });
    }
  }
  for (int i = 0; i < kAdmits; ++i) EXPECT_EQ(calls[i].load(), 1) << i;
}

TEST(SharedLimiter, KeysUseThePrefixAndExpireWhenIdle) {
  auto server = start_server();
  ASSERT_TRUE(server);
  SharedLimiterOptions options = options_for(*server, true);
  options.key_prefix = "fleet-a:";
  auto limiter = connected_limiter(options);
  Admission admission =
      admit_now(*limiter, {Scope{"team:t", Limits{.rpm = 5}}}, 0, limits::Clock::now());
  ASSERT_TRUE(admission.admitted());
  std::string error;
  auto ttl = server->command({"PTTL", "fleet-a:team:t:w"}, error);
  ASSERT_TRUE(ttl) << error;
  EXPECT_GT(std::stoll(*ttl), 60000);
  EXPECT_LE(std::stoll(*ttl), 120000);
  // No max_parallel: no in-flight set to keep.
  EXPECT_EQ(server->command({"EXISTS", "fleet-a:team:t:p"}, error), "0");
  Admission held =
      admit_now(*limiter, {Scope{"team:p", Limits{.max_parallel = 5}}}, 0, limits::Clock::now());
  ASSERT_TRUE(held.admitted());
  auto lease = server->command({"PTTL", "fleet-a:team:p:p"}, error);
  ASSERT_TRUE(lease) << error;
  EXPECT_GT(std::stoll(*lease), 0);
  EXPECT_EQ(server->command({"EXISTS", "routeiq:team:t:w"}, error), "0");
}

int64_t evalsha_calls(RedisServer& server) {
  std::string error;
  auto stats = server.command({"INFO", "commandstats"}, error).value_or("");
  auto at = stats.find("cmdstat_evalsha:calls=");
  if (at == std::string::npos) return 0;
  return std::stoll(stats.substr(at + std::strlen("cmdstat_evalsha:calls=")));
}

// A settle is not a call of its own: it rides in front of the next admit.
TEST(SharedLimiter, ASettleRidesWithTheNextAdmitInOneScriptCall) {
  auto server = start_server();
  ASSERT_TRUE(server);
  SharedLimiterOptions options = options_for(*server);
  options.correction_delay = 1h;  // only an admit or flush() sends it
  auto limiter = connected_limiter(options);
  Scope key{"key:k", Limits{.rpm = 100, .tpm = 1000, .max_parallel = 5}};
  int64_t before = evalsha_calls(*server);
  Admission first = admit_now(*limiter, {key}, 60, at_s(0));
  ASSERT_TRUE(first.admitted());
  first.reservation.settle(10, at_s(1));
  drain(*limiter);  // flush(): the corrections in a call of their own
  EXPECT_EQ(field(*server, "routeiq:key:k:w", "t"), "10");
  EXPECT_EQ(evalsha_calls(*server) - before, 2);

  Admission second = admit_now(*limiter, {key}, 40, at_s(2));
  ASSERT_TRUE(second.admitted());
  second.reservation.settle(25, at_s(3));
  std::string error;
  EXPECT_EQ(server->command({"ZCARD", "routeiq:key:k:p"}, error), "1");  // still held
  EXPECT_EQ(field(*server, "routeiq:key:k:w", "t"), "50");  // the estimate still counts
  Admission third = admit_now(*limiter, {key}, 5, at_s(4));
  ASSERT_TRUE(third.admitted());
  // The third admit corrected the second's estimate and ended its hold.
  EXPECT_EQ(field(*server, "routeiq:key:k:w", "t"), "40");
  EXPECT_EQ(field(*server, "routeiq:key:k:w", "r"), "3");
  EXPECT_EQ(server->command({"ZCARD", "routeiq:key:k:p"}, error), "1");  // the third's own
  EXPECT_EQ(evalsha_calls(*server) - before, 4);                         // 3 admits and one flush
}

TEST(SharedLimiter, CorrectionsNoAdmitTookAlongAreSentAfterTheDelay) {
  auto server = start_server();
  ASSERT_TRUE(server);
  SharedLimiterOptions options = options_for(*server);
  options.correction_delay = 20ms;
  auto limiter = connected_limiter(options);
  Scope key{"key:k", Limits{.tpm = 1000, .max_parallel = 2}};
  Admission admission = admit_now(*limiter, {key}, 300, at_s(0));
  ASSERT_TRUE(admission.admitted());
  admission.reservation.settle(7, at_s(1));
  Admission dropped = admit_now(*limiter, {key}, 1, at_s(1));
  ASSERT_TRUE(dropped.admitted());
  dropped = Admission{};  // released: rides with the settle
  std::string error;
  std::string tokens, in_flight;
  for (int i = 0; i < 200; ++i) {
    std::this_thread::sleep_for(10ms);
    tokens = field(*server, "routeiq:key:k:w", "t");
    in_flight = server->command({"ZCARD", "routeiq:key:k:p"}, error).value_or(error);
    if (tokens == "8" && in_flight == "0") break;
  }
  EXPECT_EQ(tokens, "8");  // 7 real + 1 estimate of the released one
  EXPECT_EQ(in_flight, "0");
}

}  // namespace
}  // namespace routeiq::redis
