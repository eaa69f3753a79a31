#include "routeiq/redis/shared_cooldowns.hpp"

#include <gtest/gtest.h>

#include <map>
#include <mutex>
#include <thread>

#include "redis_server.hpp"

namespace routeiq::redis {
namespace {

using namespace std::chrono_literals;
using test::RedisServer;

// What one instance was told by the others: the ms left, by deployment id.
struct Seen {
  std::mutex mutex;
  std::map<std::string, int64_t> left;

  SharedCooldowns::Apply apply() {
    return [this](const std::string& id, std::chrono::milliseconds ms) {
      std::lock_guard lock(mutex);
      left[id] = ms.count();
    };
  }
  std::optional<int64_t> of(const std::string& id) {
    std::lock_guard lock(mutex);
    auto found = left.find(id);
    if (found == left.end()) return std::nullopt;
    return found->second;
  }
  void clear() {
    std::lock_guard lock(mutex);
    left.clear();
  }
};

Options client_options(const RedisServer& server) {
  Options options;
  options.port = server.port();
  options.reconnect_min = 10ms;
  options.reconnect_max = 50ms;
  return options;
}

template <typename Check>
bool eventually(Check check, std::chrono::milliseconds limit = 3s) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (check()) return true;
    std::this_thread::sleep_for(5ms);
  }
  return check();
}

SharedCooldownsOptions fast_poll() {
  SharedCooldownsOptions options;
  options.poll = 20ms;
  return options;
}

TEST(SharedCooldowns, ACooldownPublishedByOneInstanceReachesTheOtherForWhatIsLeft) {
  std::string error;
  auto server = RedisServer::start(error);
  ASSERT_TRUE(server) << error;
  Client a_client(client_options(*server)), b_client(client_options(*server));
  Seen a_seen, b_seen;
  SharedCooldowns a(a_client, fast_poll(), a_seen.apply());
  SharedCooldowns b(b_client, fast_poll(), b_seen.apply());
  ASSERT_TRUE(a_client.wait_connected(5s) && b_client.wait_connected(5s));

  a.publish("deployment-1", 2000ms);
  ASSERT_TRUE(eventually([&] { return b_seen.of("deployment-1").has_value(); }));
  EXPECT_GT(*b_seen.of("deployment-1"), 1000);
  EXPECT_LE(*b_seen.of("deployment-1"), 2000);
  EXPECT_FALSE(b_seen.of("deployment-2"));
  // A shorter cooldown published later does not cut the longer one short.
  b.publish("deployment-1", 100ms);
  std::this_thread::sleep_for(200ms);
  b_seen.clear();
  ASSERT_TRUE(eventually([&] { return b_seen.of("deployment-1").has_value(); }));
  EXPECT_GT(*b_seen.of("deployment-1"), 1000);
}

TEST(SharedCooldowns, AnEndedCooldownLeavesTheSet) {
  std::string error;
  auto server = RedisServer::start(error);
  ASSERT_TRUE(server) << error;
  Client client(client_options(*server));
  Seen seen;
  SharedCooldowns shared(client, fast_poll(), seen.apply());
  ASSERT_TRUE(client.wait_connected(5s));
  shared.publish("d", 150ms);
  ASSERT_TRUE(eventually([&] { return seen.of("d").has_value(); }));
  std::this_thread::sleep_for(200ms);
  EXPECT_TRUE(eventually([&] {
    return server->command({"EXISTS", "routeiq:cooldowns"}, error) == "0";
  }));
  seen.clear();
  std::this_thread::sleep_for(100ms);
  EXPECT_FALSE(seen.of("d"));
}

TEST(SharedCooldowns, WithRedisDownNothingWaitsAndSharingResumesAfterItReturns) {
  std::string error;
  auto server = RedisServer::start(error);
  ASSERT_TRUE(server) << error;
  Client a_client(client_options(*server)), b_client(client_options(*server));
  Seen b_seen;
  SharedCooldowns a(a_client, fast_poll(), [](const std::string&, std::chrono::milliseconds) {});
  SharedCooldowns b(b_client, fast_poll(), b_seen.apply());
  ASSERT_TRUE(a_client.wait_connected(5s) && b_client.wait_connected(5s));
  testing::internal::CaptureStderr();
  ASSERT_TRUE(server->stop(error)) << error;
  ASSERT_TRUE(eventually([&] { return !a_client.connected(); }));
  auto started = std::chrono::steady_clock::now();
  for (int i = 0; i < 100; ++i) a.publish("lost", 5000ms);
  b.poll();
  EXPECT_LT(std::chrono::steady_clock::now() - started, 100ms);

  ASSERT_TRUE(server->restart(error)) << error;
  ASSERT_TRUE(a_client.wait_connected(5s) && b_client.wait_connected(5s));
  a.publish("after", 5000ms);
  EXPECT_TRUE(eventually([&] { return b_seen.of("after").has_value(); }));
  EXPECT_FALSE(b_seen.of("lost"));  // the new server never heard of it
  testing::internal::GetCapturedStderr();
}

TEST(SharedCooldowns, NoApplyOnceDestroyed) {
  std::string error;
  auto server = RedisServer::start(error);
  ASSERT_TRUE(server) << error;
  Client client(client_options(*server));
  ASSERT_TRUE(client.wait_connected(5s));
  auto calls = std::make_shared<std::atomic<int>>(0);
  {
    SharedCooldowns shared(client, fast_poll(),
                           [calls](const std::string&, std::chrono::milliseconds) { ++*calls; });
    shared.publish("d", 5000ms);
    ASSERT_TRUE(eventually([&] { return calls->load() > 0; }));
    ASSERT_TRUE(server->command({"CLIENT", "PAUSE", "300", "ALL"}, error)) << error;
    shared.poll();  // answered after the pause, when `shared` is gone
  }
  int seen = calls->load();
  std::this_thread::sleep_for(500ms);
  EXPECT_EQ(calls->load(), seen);
}

}  // namespace
}  // namespace routeiq::redis
