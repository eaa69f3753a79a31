// Call plans (retries, fallbacks, deadlines) and the picker (healthy minus
// tried, the strategy, health fed back from each attempt).
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <map>

#include "routeiq/config/config.hpp"
#include "routeiq/routing/picker.hpp"
#include "routeiq/routing/plan.hpp"

namespace routeiq::routing {
namespace {
namespace json = boost::json;
using namespace std::chrono_literals;

config::Config config_of(const std::string& yaml) {
  auto cfg = config::load_config_string(yaml);
  EXPECT_TRUE(cfg) << (cfg ? "" : cfg.error().message);
  return std::move(cfg.value());
}

json::object body(std::string_view text) {
  return json::parse(text).as_object();
}

const char* kConfig = R"(model_list:
  - model_name: g
    litellm_params: {model: openai/a, api_base: "http://127.0.0.1:9/v1", timeout: 30, stream_timeout: 4}
  - model_name: h
    litellm_params: {model: openai/b, api_base: "http://127.0.0.1:9/v1"}
router_settings:
  num_retries: 2
  timeout: 100
  fallbacks: [{g: [h]}]
)";

TEST(CallPlan, NumericControlsMustBeFiniteAndInRange) {
  auto cfg = config_of(kConfig);
  for (auto bad :
       {R"({"timeout":1e300})", R"({"timeout":"nan"})", R"({"timeout":"inf"})", R"({"timeout":-2})",
        R"({"timeout":0})", R"({"timeout":"abc"})", R"({"timeout":[1]})",
        R"({"stream_timeout":"-infinity"})", R"({"num_retries":1e308})", R"({"num_retries":-1})"}) {
    auto plan = make_plan(cfg, "g", body(bad));
    ASSERT_FALSE(plan) << bad;
    EXPECT_EQ(plan.error().status(), 400) << bad;
  }
  auto plan =
      make_plan(cfg, "g", body(R"({"timeout":"2.5","num_retries":99,"stream_timeout":null})"));
  ASSERT_TRUE(plan);
  EXPECT_DOUBLE_EQ(plan->timeout, 2.5);
  EXPECT_TRUE(plan->timeout_from_request);
  EXPECT_EQ(plan->num_retries, 10);  // clamped
  EXPECT_FALSE(plan->stream_timeout);
}

TEST(CallPlan, GroupsRetriesAndFallbacks) {
  auto cfg = config_of(kConfig);
  auto plan = make_plan(cfg, "g", body("{}"));
  ASSERT_TRUE(plan);
  EXPECT_EQ(plan->groups, (std::vector<std::string>{"g", "h"}));
  EXPECT_EQ(plan->num_retries, 2);
  EXPECT_DOUBLE_EQ(plan->timeout, 100);
  EXPECT_EQ(make_plan(cfg, "g", body(R"({"disable_fallbacks":true})"))->groups.size(), 1u);
  EXPECT_EQ(make_plan(cfg, "h", body(R"({"fallbacks":["g","h"]})"))->groups,
            (std::vector<std::string>{"h", "g"}));
}

TEST(CallPlan, AttemptDeadlines) {
  auto cfg = config_of(kConfig);
  auto t0 = std::chrono::steady_clock::time_point{} + 1000s;
  auto plan = make_plan(cfg, "g", body(R"({"stream":true})")).value();
  // The deployment's 30 s, its stream_timeout 4 s for the first byte.
  auto dl = attempt_deadlines(plan, cfg.model_list[0], cfg.router_settings, t0, t0 + 1s);
  EXPECT_EQ(dl.total, t0 + 31s);
  EXPECT_EQ(dl.first_byte, t0 + 5s);
  // Late in the request, the request's 100 s deadline wins.
  dl = attempt_deadlines(plan, cfg.model_list[0], cfg.router_settings, t0, t0 + 90s);
  EXPECT_EQ(dl.total, t0 + 100s);
  // A request timeout beats the deployment's.
  plan = make_plan(cfg, "g", body(R"({"timeout":60})")).value();
  dl = attempt_deadlines(plan, cfg.model_list[0], cfg.router_settings, t0, t0);
  EXPECT_EQ(dl.total, t0 + 60s);
  EXPECT_EQ(dl.first_byte, dl.total) << "not streaming: no first-byte deadline of its own";
}

struct FakeClock {
  std::chrono::steady_clock::time_point now{};
  Clock source() {
    return [this] { return now; };
  }
};

// Picks the first candidate, so tests can tell what the picker offered.
class FirstOne final : public Strategy {
 public:
  std::string_view name() const override { return "first"; }
  size_t pick(std::span<const size_t>, std::mt19937_64&) const override { return 0; }
};

TEST(Picker, UntriedFirstThenTriedAgainThenNone) {
  FakeClock clock;
  CooldownTracker health(3, /*allowed_fails=*/0, 10s, clock.source());
  ModelGroup group{"g", {0, 1, 2}, false};
  std::vector<uint8_t> callable{1, 1, 1};
  FirstOne first;
  Picker picker(group, health, first, callable);
  std::mt19937_64 rng(1);
  RequestContext ctx;
  EXPECT_EQ(picker.next(ctx, rng), 0u);
  picker.observe(0, {AttemptResult::Kind::transport_error});  // allowed_fails 0: cooled down
  EXPECT_EQ(picker.next(ctx, rng), 1u);
  picker.observe(1, {AttemptResult::Kind::http_error, 400});  // a client error: not counted
  EXPECT_EQ(picker.next(ctx, rng), 2u);
  picker.observe(2, {AttemptResult::Kind::http_error, 429});  // cooled down at once
  EXPECT_EQ(picker.next(ctx, rng), 1u) << "only 1 is healthy: tried again";
  EXPECT_TRUE(health.in_cooldown(0));
  EXPECT_FALSE(health.in_cooldown(1));
  EXPECT_TRUE(health.in_cooldown(2));
  picker.observe(1, {AttemptResult::Kind::http_error, 503});
  EXPECT_FALSE(picker.next(ctx, rng)) << "every deployment is cooling down";
  EXPECT_EQ(picker.attempts(), 4u);
}

TEST(Picker, ExcludedDeploymentsAreNeverPickedAgain) {
  FakeClock clock;
  CooldownTracker health(3, /*allowed_fails=*/3, 10s, clock.source());
  ModelGroup group{"g", {0, 1, 2}, false};
  std::vector<uint8_t> callable{1, 1, 1};
  FirstOne first;
  Picker picker(group, health, first, callable);
  std::mt19937_64 rng(1);
  RequestContext ctx;
  EXPECT_EQ(picker.next(ctx, rng), 0u);
  picker.exclude(0);  // over its rpm
  EXPECT_EQ(picker.next(ctx, rng), 1u);
  picker.exclude(1);
  EXPECT_EQ(picker.next(ctx, rng), 2u);
  EXPECT_EQ(picker.next(ctx, rng), 2u) << "tried before, healthy, not excluded";
  picker.exclude(2);
  EXPECT_FALSE(picker.next(ctx, rng)) << "every deployment is excluded";
  EXPECT_FALSE(health.in_cooldown(0)) << "excluding is not a cooldown";
}

TEST(Picker, OnlyDeploymentKeepsServingThrough429) {
  CooldownTracker health(1, 0, 10s);
  ModelGroup group{"g", {0}, false};
  std::vector<uint8_t> callable{1};
  FirstOne first;
  Picker picker(group, health, first, callable);
  std::mt19937_64 rng(1);
  RequestContext ctx;
  for (int i = 0; i < 5; ++i) {
    ASSERT_EQ(picker.next(ctx, rng), 0u);
    picker.observe(0, {AttemptResult::Kind::http_error, 429});
  }
  EXPECT_FALSE(health.in_cooldown(0));
}

TEST(Picker, UncallableDeploymentsOnlyWhenNothingElse) {
  CooldownTracker health(3, 5, 10s);
  ModelGroup group{"g", {0, 1, 2}, false};
  std::vector<uint8_t> callable{0, 1, 0};
  FirstOne first;
  std::mt19937_64 rng(1);
  RequestContext ctx;
  Picker picker(group, health, first, callable);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(picker.next(ctx, rng), 1u);
  ModelGroup only_uncallable{"u", {0, 2}, false};
  Picker other(only_uncallable, health, first, callable);
  EXPECT_EQ(other.next(ctx, rng), 0u) << "its error says why";
}

}  // namespace
}  // namespace routeiq::routing
