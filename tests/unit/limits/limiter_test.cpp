#include "routeiq/limits/limiter.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "fake_clock.hpp"

namespace routeiq::limits {
namespace {

using test::at_ms;
using test::at_s;

std::vector<Scope> one(std::string id, Limits limits) {
  return {Scope{std::move(id), limits}};
}

TEST(Limiter, RpmIsExactAtTheLimit) {
  Limiter limiter;
  auto scopes = one("key:k", Limits{.rpm = 5});
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(limiter.admit(scopes, 0, at_s(0)).admitted()) << i;
  Admission sixth = limiter.admit(scopes, 0, at_ms(100));
  ASSERT_FALSE(sixth.admitted());
  EXPECT_FALSE(sixth.reservation.active());
  EXPECT_EQ(sixth.refusal->scope_id, "key:k");
  EXPECT_EQ(sixth.refusal->kind, LimitKind::requests);
  EXPECT_EQ(kind_name(sixth.refusal->kind), "requests");
  EXPECT_EQ(sixth.refusal->limit, 5);
  EXPECT_EQ(sixth.refusal->usage.requests, 5);
  EXPECT_EQ(sixth.refusal->retry_after_seconds, 60);
  EXPECT_EQ(limiter.admit(scopes, 0, at_s(30)).refusal->retry_after_seconds, 30);
}

TEST(Limiter, AfterSixtySecondsTheCountIsFreeAgain) {
  Limiter limiter;
  auto scopes = one("key:k", Limits{.rpm = 2});
  limiter.admit(scopes, 0, at_s(0));
  limiter.admit(scopes, 0, at_s(0));
  EXPECT_FALSE(limiter.admit(scopes, 0, at_s(59)).admitted());
  EXPECT_TRUE(limiter.admit(scopes, 0, at_s(60)).admitted());
  EXPECT_TRUE(limiter.admit(scopes, 0, at_s(60)).admitted());
  EXPECT_FALSE(limiter.admit(scopes, 0, at_s(60)).admitted());
}

TEST(Limiter, APartialSlideFreesOnlyTheOldRequests) {
  Limiter limiter;
  auto scopes = one("key:k", Limits{.rpm = 5});
  for (int i = 0; i < 3; ++i) limiter.admit(scopes, 0, at_s(0));
  for (int i = 0; i < 2; ++i) limiter.admit(scopes, 0, at_s(30));
  Admission refused = limiter.admit(scopes, 0, at_s(45));
  ASSERT_FALSE(refused.admitted());
  EXPECT_EQ(refused.refusal->retry_after_seconds, 15);  // the three of second 0 expire at 60
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(limiter.admit(scopes, 0, at_s(60)).admitted());
  EXPECT_FALSE(limiter.admit(scopes, 0, at_s(60)).admitted());
}

TEST(Limiter, TokensAreReservedThenSettledToTheRealCount) {
  Limiter limiter;
  Scope key{"key:k", Limits{.tpm = 100}};
  std::vector<Scope> scopes{key};
  Admission smaller = limiter.admit(scopes, 60, at_s(0));
  ASSERT_TRUE(smaller.admitted());
  EXPECT_EQ(limiter.remaining(key, at_s(0)).remaining_tokens, 40);
  limiter.settle(smaller.reservation, 10, at_s(5));
  EXPECT_FALSE(smaller.reservation.active());
  EXPECT_EQ(limiter.remaining(key, at_s(5)).remaining_tokens, 90);

  Admission larger = limiter.admit(scopes, 20, at_s(10));
  ASSERT_TRUE(larger.admitted());
  limiter.settle(larger.reservation, 150, at_s(12));
  EXPECT_EQ(limiter.remaining(key, at_s(12)).remaining_tokens, 0);
  Admission refused = limiter.admit(scopes, 1, at_s(20));
  ASSERT_FALSE(refused.admitted());
  EXPECT_EQ(refused.refusal->kind, LimitKind::tokens);
  EXPECT_EQ(refused.refusal->usage.tokens, 160);
  EXPECT_EQ(refused.refusal->retry_after_seconds, 50);  // the 150 of second 10 expire at 70
  EXPECT_TRUE(limiter.admit(scopes, 1, at_s(70)).admitted());
}

TEST(Limiter, AnEstimateOverTheTpmIsReservedNotRefused) {
  Limiter limiter;
  auto scopes = one("key:k", Limits{.tpm = 100});
  EXPECT_TRUE(limiter.admit(scopes, 1000, at_s(0)).admitted());
  EXPECT_FALSE(limiter.admit(scopes, 1, at_s(1)).admitted());
}

TEST(Limiter, AnEstimateThatSlidOutCountsTheRealTokensNow) {
  Limiter limiter;
  Scope key{"key:k", Limits{.tpm = 1000}};
  std::vector<Scope> scopes{key};
  Admission admission = limiter.admit(scopes, 500, at_s(0));
  limiter.settle(admission.reservation, 30, at_s(90));
  EXPECT_EQ(limiter.remaining(key, at_s(90)).remaining_tokens, 970);
}

TEST(Limiter, MaxParallelCountsCallsInFlight) {
  Limiter limiter;
  auto scopes = one("key:k", Limits{.max_parallel = 2});
  Admission first = limiter.admit(scopes, 0, at_s(0));
  Admission second = limiter.admit(scopes, 0, at_s(0));
  ASSERT_TRUE(first.admitted() && second.admitted());
  Admission third = limiter.admit(scopes, 0, at_s(0));
  ASSERT_FALSE(third.admitted());
  EXPECT_EQ(third.refusal->kind, LimitKind::parallel_requests);
  EXPECT_EQ(third.refusal->usage.in_flight, 2);
  EXPECT_EQ(third.refusal->retry_after_seconds, 1);

  first = Admission{};  // destroyed unsettled: released
  Admission fourth = limiter.admit(scopes, 0, at_s(1));
  EXPECT_TRUE(fourth.admitted());
  EXPECT_FALSE(limiter.admit(scopes, 0, at_s(1)).admitted());

  limiter.settle(second.reservation, 0, at_s(2));
  limiter.settle(second.reservation, 0, at_s(2));  // a second settle does nothing
  EXPECT_TRUE(limiter.admit(scopes, 0, at_s(2)).admitted());
}

TEST(Limiter, AMovedReservationReleasesOnce) {
  Limiter limiter;
  auto scopes = one("key:k", Limits{.max_parallel = 1});
  Reservation kept;
  {
    Admission admission = limiter.admit(scopes, 0, at_s(0));
    kept = std::move(admission.reservation);
  }
  EXPECT_TRUE(kept.active());
  EXPECT_FALSE(limiter.admit(scopes, 0, at_s(0)).admitted());
  Reservation moved(std::move(kept));
  EXPECT_FALSE(kept.active());
  moved = Reservation{};
  EXPECT_TRUE(limiter.admit(scopes, 0, at_s(0)).admitted());
}

TEST(Limiter, ARefusalByOneScopeCountsInNone) {
  Limiter limiter;
  Scope key{"key:k", Limits{.rpm = 10, .tpm = 1000}};
  Scope team{"team:t", Limits{.rpm = 1}};
  std::vector<Scope> scopes{key, team};
  EXPECT_TRUE(limiter.admit(scopes, 100, at_s(0)).admitted());
  Admission refused = limiter.admit(scopes, 100, at_s(1));
  ASSERT_FALSE(refused.admitted());
  EXPECT_EQ(refused.refusal->scope_id, "team:t");
  Remaining of_key = limiter.remaining(key, at_s(1));
  EXPECT_EQ(of_key.remaining_requests, 9);
  EXPECT_EQ(of_key.remaining_tokens, 900);
}

TEST(Limiter, TheFirstScopeOverALimitIsNamed) {
  Limiter limiter;
  std::vector<Scope> scopes{{"key:k", Limits{.rpm = 0}}, {"team:t", Limits{.rpm = 0}}};
  EXPECT_EQ(limiter.admit(scopes, 0, at_s(0)).refusal->scope_id, "key:k");
}

TEST(Limiter, RemainingGivesLimitAndWhatIsLeft) {
  Limiter limiter;
  Scope key{"key:k", Limits{.rpm = 10, .tpm = 1000}};
  std::vector<Scope> scopes{key};
  for (int i = 0; i < 3; ++i) limiter.admit(scopes, 100, at_s(0));
  Remaining remaining = limiter.remaining(key, at_s(1));
  EXPECT_EQ(remaining.request_limit, 10);
  EXPECT_EQ(remaining.remaining_requests, 7);
  EXPECT_EQ(remaining.token_limit, 1000);
  EXPECT_EQ(remaining.remaining_tokens, 700);

  Remaining unlimited = limiter.remaining(Scope{"user:u", {}}, at_s(1));
  EXPECT_FALSE(unlimited.request_limit || unlimited.remaining_requests);
  EXPECT_FALSE(unlimited.token_limit || unlimited.remaining_tokens);
  EXPECT_EQ(limiter.remaining(Scope{"user:new", Limits{.rpm = 4}}, at_s(1)).remaining_requests, 4);
}

TEST(Limiter, IdleIdsAreDroppedButNotThoseInFlight) {
  Limiter limiter(1);  // one shard: every admit sweeps the same ids
  for (int i = 0; i < 100; ++i) limiter.admit(one("key:" + std::to_string(i), {}), 0, at_s(0));
  Admission long_call = limiter.admit(one("key:long", Limits{.max_parallel = 1}), 0, at_s(0));
  EXPECT_EQ(limiter.tracked_ids(), 101u);

  auto fresh = one("key:fresh", {});
  limiter.admit(fresh, 0, at_s(120));  // idle for exactly two minutes: kept
  EXPECT_EQ(limiter.tracked_ids(), 102u);
  for (int i = 0; i < 30; ++i) limiter.admit(fresh, 0, at_s(121));
  EXPECT_EQ(limiter.tracked_ids(), 2u);  // fresh, and long (still in flight)
  EXPECT_FALSE(limiter.admit(one("key:long", Limits{.max_parallel = 1}), 0, at_s(121)).admitted());
}

TEST(Limiter, ManyIdsOverTimeKeepMemoryFlat) {
  Limiter limiter;
  for (int minute = 0; minute < 20; ++minute) {
    for (int i = 0; i < 500; ++i) {
      limiter.admit(one("key:" + std::to_string(minute * 500 + i), {}), 0, at_s(minute * 60));
    }
  }
  EXPECT_LT(limiter.tracked_ids(), 2000u);  // about three minutes of ids, not twenty
}

// The seam for shared counters: the Limiter's callers do not change with the backend.
class RecordingBackend : public Backend {
 public:
  std::optional<Refusal> admit(std::span<const Scope> scopes, int64_t estimated_tokens, TimePoint,
                               Ticket& ticket) override {
    ++admits;
    ticket.estimated_tokens = estimated_tokens;
    if (scopes.empty()) return Refusal{.scope_id = "none"};
    return std::nullopt;
  }
  void settle(const Ticket& ticket, int64_t actual_tokens, TimePoint) override {
    settled_difference = actual_tokens - ticket.estimated_tokens;
  }
  void release(const Ticket&) noexcept override { ++releases; }
  Remaining remaining(const Scope&, TimePoint) override { return {}; }
  size_t tracked_ids() override { return 0; }

  int admits = 0, releases = 0;
  int64_t settled_difference = 0;
};

TEST(Limiter, AnotherBackendServesTheSameCalls) {
  auto owned = std::make_unique<RecordingBackend>();
  RecordingBackend& backend = *owned;
  Limiter limiter(std::move(owned));
  { Admission dropped = limiter.admit(one("key:k", {}), 10, at_s(0)); }
  Admission settled = limiter.admit(one("key:k", {}), 10, at_s(0));
  limiter.settle(settled.reservation, 25, at_s(1));
  EXPECT_FALSE(limiter.admit({}, 10, at_s(1)).admitted());
  EXPECT_EQ(backend.admits, 3);
  EXPECT_EQ(backend.releases, 1);  // the refused one holds nothing, the settled one is done
  EXPECT_EQ(backend.settled_difference, 15);
}

TEST(Limiter, AReservationMadeByABackendReleasesAndSettlesThroughIt) {
  RecordingBackend backend;
  Ticket ticket;
  ticket.estimated_tokens = 40;
  {
    Reservation dropped(backend, ticket);
    EXPECT_TRUE(dropped.active());
  }
  EXPECT_EQ(backend.releases, 1);
  Reservation settled(backend, ticket);
  settled.settle(50, at_s(1));
  EXPECT_FALSE(settled.active());
  EXPECT_EQ(backend.settled_difference, 10);
  settled.settle(70, at_s(2));  // inactive: nothing happens
  EXPECT_EQ(backend.settled_difference, 10);
  EXPECT_EQ(backend.releases, 1);
}

TEST(Limiter, ThreadsSharingAScopeAdmitExactlyTheLimit) {
  Limiter limiter;
  std::atomic<int> admitted{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      std::vector<Scope> scopes{{"team:shared", Limits{.rpm = 20000}},
                                {"key:" + std::to_string(t), Limits{.rpm = 100000}}};
      for (int i = 0; i < 10000; ++i) {
        Admission admission = limiter.admit(scopes, 10, at_s(0));
        if (admission.admitted()) {
          admitted.fetch_add(1, std::memory_order_relaxed);
          limiter.settle(admission.reservation, 5, at_s(0));
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(admitted.load(), 20000);
  EXPECT_EQ(
      limiter.remaining(Scope{"team:shared", Limits{.rpm = 20000}}, at_s(0)).remaining_requests, 0);
}

}  // namespace
}  // namespace routeiq::limits
