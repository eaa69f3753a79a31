#include <gtest/gtest.h>

#include <map>
#include <thread>

#include "routeiq/routing/health.hpp"
#include "routeiq/routing/retry.hpp"
#include "routeiq/routing/strategy.hpp"
#include "routeiq/routing/table.hpp"

namespace routeiq::routing {
namespace {

config::Deployment deployment(std::string group, std::string model) {
  config::Deployment d;
  d.model_name = std::move(group);
  d.provider = "openai";
  d.model = std::move(model);
  return d;
}

TEST(SimpleShuffle, FollowsWeightsWithFixedSeed) {
  config::Config cfg;
  for (double w : {1.0, 3.0, 6.0}) {
    cfg.model_list.push_back(deployment("g", "m"));
    cfg.model_list.back().weight = w;
  }
  SimpleShuffle shuffle(cfg);
  std::mt19937_64 rng(42);
  std::vector<size_t> candidates{0, 1, 2};
  std::map<size_t, int> counts;
  constexpr int kDraws = 100'000;
  for (int i = 0; i < kDraws; ++i) counts[candidates[shuffle.pick(candidates, rng)]]++;
  EXPECT_NEAR(counts[0] / double(kDraws), 0.1, 0.01);
  EXPECT_NEAR(counts[1] / double(kDraws), 0.3, 0.01);
  EXPECT_NEAR(counts[2] / double(kDraws), 0.6, 0.01);
}

TEST(SimpleShuffle, RpmUsedWhenNoWeightAndUniformOtherwise) {
  config::Config cfg;
  cfg.model_list = {deployment("g", "a"), deployment("g", "b")};
  cfg.model_list[0].rpm = 900;
  cfg.model_list[1].rpm = 100;
  SimpleShuffle by_rpm(cfg);
  std::mt19937_64 rng(7);
  std::vector<size_t> both{0, 1};
  int first = 0;
  for (int i = 0; i < 20'000; ++i) first += by_rpm.pick(both, rng) == 0;
  EXPECT_NEAR(first / 20'000.0, 0.9, 0.01);

  cfg.model_list[0].rpm.reset();
  cfg.model_list[1].rpm.reset();
  SimpleShuffle uniform(cfg);
  first = 0;
  for (int i = 0; i < 20'000; ++i) first += uniform.pick(both, rng) == 0;
  EXPECT_NEAR(first / 20'000.0, 0.5, 0.02);
}

TEST(SimpleShuffle, SameSeedSameSequence) {
  config::Config cfg;
  cfg.model_list = {deployment("g", "a"), deployment("g", "b"), deployment("g", "c")};
  SimpleShuffle s(cfg);
  std::vector<size_t> c{0, 1, 2};
  std::mt19937_64 a(1), b(1);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(s.pick(c, a), s.pick(c, b));
}

struct FakeClock {
  std::chrono::steady_clock::time_point now{};
  Clock source() {
    return [this] { return now; };
  }
};

TEST(Cooldown, StartsAfterAllowedFailsAndEndsAfterCooldownTime) {
  FakeClock clock;
  CooldownTracker tracker(2, /*allowed_fails=*/2, std::chrono::seconds(5), clock.source());
  EXPECT_FALSE(tracker.record_failure(0));
  EXPECT_FALSE(tracker.record_failure(0));
  EXPECT_FALSE(tracker.in_cooldown(0));
  EXPECT_TRUE(tracker.record_failure(0));  // the third failure within a minute
  EXPECT_TRUE(tracker.in_cooldown(0));
  EXPECT_FALSE(tracker.in_cooldown(1));
  clock.now += std::chrono::milliseconds(4999);
  EXPECT_TRUE(tracker.in_cooldown(0));
  clock.now += std::chrono::milliseconds(2);
  EXPECT_FALSE(tracker.in_cooldown(0));
}

TEST(Cooldown, FailuresSpreadOverMinutesDoNotCoolDown) {
  FakeClock clock;
  CooldownTracker tracker(1, 1, std::chrono::seconds(5), clock.source());
  EXPECT_FALSE(tracker.record_failure(0));
  clock.now += std::chrono::seconds(61);
  EXPECT_FALSE(tracker.record_failure(0));
  EXPECT_FALSE(tracker.in_cooldown(0));
  EXPECT_TRUE(tracker.record_failure(0));
}

TEST(Cooldown, ImmediateCooldownFor429) {
  FakeClock clock;
  CooldownTracker tracker(1, 3, std::chrono::seconds(1), clock.source());
  tracker.cool_down_now(0);
  EXPECT_TRUE(tracker.in_cooldown(0));
  clock.now += std::chrono::seconds(2);
  EXPECT_FALSE(tracker.in_cooldown(0));
}

TEST(Cooldown, SingleDeploymentKeepsServingThrough429s) {
  FakeClock clock;
  CooldownTracker tracker(1, 0, std::chrono::seconds(60), clock.source());
  for (int i = 0; i < 500; ++i) EXPECT_FALSE(tracker.record_single_deployment_429(0));
  EXPECT_FALSE(tracker.in_cooldown(0));
  tracker.record_single_deployment_success(0);  // a success ends the streak
  for (int i = 0; i < CooldownTracker::kSingleDeploymentThreshold - 1; ++i)
    ASSERT_FALSE(tracker.record_single_deployment_429(0));
  EXPECT_FALSE(tracker.in_cooldown(0));
}

TEST(Cooldown, SingleDeploymentFailingEverythingAtHighVolumeCoolsDown) {
  FakeClock clock;
  CooldownTracker tracker(1, 0, std::chrono::seconds(60), clock.source());
  bool cooled = false;
  for (int i = 0; i < CooldownTracker::kSingleDeploymentThreshold; ++i) {
    clock.now += std::chrono::milliseconds(50);  // 1000 in 50 s: above 1000 a minute
    cooled = tracker.record_single_deployment_429(0);
  }
  EXPECT_TRUE(cooled);
  EXPECT_TRUE(tracker.in_cooldown(0));
}

TEST(Cooldown, SingleDeploymentStreakSlowerThanTheThresholdDoesNotCoolDown) {
  FakeClock clock;
  CooldownTracker tracker(1, 0, std::chrono::seconds(60), clock.source());
  for (int i = 0; i < 3 * CooldownTracker::kSingleDeploymentThreshold; ++i) {
    clock.now += std::chrono::milliseconds(100);  // 600 a minute
    ASSERT_FALSE(tracker.record_single_deployment_429(0));
  }
  EXPECT_FALSE(tracker.in_cooldown(0));
}

// Records the cooldowns a registry's trackers start.
struct Heard final : CooldownListener {
  std::vector<std::pair<std::string, int64_t>> cooldowns;
  void cooled_down(const std::string& id, std::chrono::milliseconds ms) override {
    cooldowns.emplace_back(id, ms.count());
  }
};

TEST(Cooldown, EveryCooldownStartedIsToldToTheRegistrysListenerWithItsId) {
  HealthRegistry registry;
  Heard heard;
  CooldownTracker tracker(registry.slots_for({"a", "b"}), 1, std::chrono::seconds(3));
  tracker.cool_down_now(1);  // no listener yet
  registry.set_listener(&heard);
  tracker.record_failure(0);  // 1 allowed: no cooldown yet
  EXPECT_TRUE(heard.cooldowns.empty());
  tracker.record_failure(0);
  tracker.cool_down_now(1);
  ASSERT_EQ(heard.cooldowns.size(), 2u);
  EXPECT_EQ(heard.cooldowns[0], std::make_pair(std::string("a"), int64_t{3000}));
  EXPECT_EQ(heard.cooldowns[1], std::make_pair(std::string("b"), int64_t{3000}));
  registry.set_listener(nullptr);
  tracker.cool_down_now(0);
  EXPECT_EQ(heard.cooldowns.size(), 2u);
}

TEST(Cooldown, ACooldownFromElsewhereCoolsTheSlotOfItsIdAndNeverShortensOne) {
  HealthRegistry registry;
  Heard heard;
  registry.set_listener(&heard);
  CooldownTracker tracker(registry.slots_for({"a", "b"}), 0, std::chrono::seconds(60));
  registry.cool_down("b", std::chrono::seconds(30));
  registry.cool_down("unknown", std::chrono::seconds(30));
  EXPECT_FALSE(tracker.in_cooldown(0));
  EXPECT_TRUE(tracker.in_cooldown(1));
  EXPECT_TRUE(heard.cooldowns.empty());  // not told back: it came from elsewhere
  tracker.cool_down_now(0);
  registry.cool_down("a", std::chrono::milliseconds(1));
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_TRUE(tracker.in_cooldown(0));  // its own 60 s cooldown stays
  registry.cool_down("b", std::chrono::milliseconds(-1));
  EXPECT_TRUE(tracker.in_cooldown(1));
}

TEST(RoutingTable, ExactAliasAndMostSpecificWildcard) {
  config::Config cfg;
  cfg.model_list = {deployment("gpt-4o", "gpt-4o"), deployment("gpt-4o", "gpt-4o"),
                    deployment("openai/*", "*"), deployment("*", "*"),
                    deployment("openai/gpt-4*", "gpt-4*")};
  cfg.router_settings.model_group_alias["gpt4"] = "gpt-4o";
  RoutingTable table(cfg);
  auto exact = table.resolve("gpt-4o");
  ASSERT_TRUE(exact);
  EXPECT_EQ(exact->group->deployments.size(), 2u);
  auto alias = table.resolve("gpt4");
  ASSERT_TRUE(alias);
  EXPECT_EQ(alias->group->name, "gpt-4o");
  auto wild = table.resolve("openai/gpt-4.1-mini");
  ASSERT_TRUE(wild);
  EXPECT_EQ(wild->group->name, "openai/gpt-4*");
  EXPECT_EQ(wild->wildcard_part, ".1-mini");
  EXPECT_EQ(upstream_model(cfg.model_list[4], wild->wildcard_part), "gpt-4.1-mini");
  auto other = table.resolve("openai/o3");
  ASSERT_TRUE(other);
  EXPECT_EQ(other->group->name, "openai/*");
  EXPECT_EQ(table.resolve("claude")->group->name, "*");
}

TEST(RoutingTable, UnknownModelWithoutCatchAll) {
  config::Config cfg;
  cfg.model_list = {deployment("a", "a")};
  RoutingTable table(cfg);
  EXPECT_FALSE(table.resolve("b"));
  EXPECT_EQ(table.public_names(), std::vector<std::string>{"a"});
}

TEST(Strategy, UnknownNameListsValidOnes) {
  config::Config cfg;
  cfg.router_settings.routing_strategy = "fastest-please";
  auto s = make_strategy(cfg);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("simple-shuffle"), std::string::npos);
  cfg.router_settings.routing_strategy = "latency-based-routing";
  auto compat = make_strategy(cfg);
  ASSERT_TRUE(compat.ok());
  EXPECT_FALSE(compat->warning.empty());
}

TEST(Retry, StatusClassification) {
  for (int s : {429, 500, 502, 503, 504, 408}) EXPECT_TRUE(retryable_status(s)) << s;
  for (int s : {400, 401, 403, 404, 422}) EXPECT_FALSE(retryable_status(s)) << s;
}

TEST(Retry, RetryAfterParsingAndWaits) {
  auto now = std::chrono::system_clock::from_time_t(1445412480);  // 2015-10-21 07:28:00 UTC
  EXPECT_DOUBLE_EQ(parse_retry_after("3", now), 3);
  EXPECT_DOUBLE_EQ(parse_retry_after(" 1.5 ", now), 1.5);
  EXPECT_DOUBLE_EQ(parse_retry_after("Wed, 21 Oct 2015 07:28:10 GMT", now), 10);
  EXPECT_EQ(parse_retry_after("soon", now), -1);
  EXPECT_EQ(parse_retry_after("", now), -1);
  EXPECT_EQ(retry_wait(120, 0, 10), std::chrono::milliseconds(10'000));  // capped
  EXPECT_EQ(retry_wait(0.2, 1, 10), std::chrono::milliseconds(1000));    // floor
  EXPECT_EQ(retry_wait(-1, 0, 10), std::chrono::milliseconds(0));
}

}  // namespace
}  // namespace routeiq::routing
