#include "routeiq/redis/client.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <mutex>
#include <thread>

#include "redis_server.hpp"

namespace routeiq::redis {
namespace {

using namespace std::chrono_literals;
using test::RedisServer;

std::unique_ptr<RedisServer> start_server(std::string password = {}) {
  std::string error;
  auto server = RedisServer::start(error, std::move(password));
  EXPECT_TRUE(server) << error;
  return server;
}

Options local_options(int port) {
  Options options;
  options.port = port;
  options.reconnect_min = 10ms;
  options.reconnect_max = 50ms;
  return options;
}

// Submits and waits (tests only: the test thread may block).
Reply call(Client& client, Command command) {
  std::promise<Reply> answer;
  auto reply = answer.get_future();
  if (!client.submit(std::move(command), [&](Reply r) { answer.set_value(std::move(r)); }))
    return Reply::failure("refused");
  return reply.get();
}

TEST(RedisOptions, FromUrl) {
  auto full = options_from_url("redis://app:p%40ss@cache.internal:6380/2");
  ASSERT_TRUE(full.ok());
  EXPECT_EQ(full->host, "cache.internal");
  EXPECT_EQ(full->port, 6380);
  EXPECT_EQ(full->username, "app");
  EXPECT_EQ(full->password, "p@ss");
  EXPECT_EQ(full->db, 2);

  auto password_only = options_from_url("redis://:secret@10.0.0.5");
  ASSERT_TRUE(password_only.ok());
  EXPECT_EQ(password_only->username, "");
  EXPECT_EQ(password_only->password, "secret");
  EXPECT_EQ(password_only->port, 6379);
  EXPECT_EQ(password_only->db, 0);

  auto ipv6 = options_from_url("redis://[::1]:7000/");
  ASSERT_TRUE(ipv6.ok());
  EXPECT_EQ(ipv6->host, "::1");
  EXPECT_EQ(ipv6->port, 7000);

  EXPECT_FALSE(options_from_url("http://localhost").ok());
  EXPECT_FALSE(options_from_url("rediss://localhost").ok());
  EXPECT_FALSE(options_from_url("redis://localhost:99999").ok());
  EXPECT_FALSE(options_from_url("redis://localhost/db").ok());
  auto bad = options_from_url("redis://u:hunter2%zz@host");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message.find("hunter2"), std::string::npos);
}

TEST(RedisClient, PipelinedCommandsCompleteInOrder) {
  auto server = start_server();
  ASSERT_TRUE(server);
  Client client(local_options(server->port()));
  ASSERT_TRUE(client.wait_connected(5s));
  constexpr int kThreads = 4, kPerThread = 500;
  std::mutex mutex;
  std::vector<std::vector<int64_t>> seen(kThreads);
  std::atomic<int> done{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        client.submit({"INCR", "counter:" + std::to_string(t)}, [&, t](Reply reply) {
          std::lock_guard lock(mutex);
          seen[t].push_back(reply.type == Reply::Type::integer ? reply.integer : -1);
          done.fetch_add(1);
        });
      }
    });
  }
  for (auto& thread : threads) thread.join();
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (done.load() < kThreads * kPerThread && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(1ms);
  ASSERT_EQ(done.load(), kThreads * kPerThread);
  for (int t = 0; t < kThreads; ++t) {
    ASSERT_EQ(seen[t].size(), size_t{kPerThread});
    for (int i = 0; i < kPerThread; ++i) ASSERT_EQ(seen[t][i], i + 1) << "thread " << t;
  }
  EXPECT_EQ(client.connects(), 1u);
}

TEST(RedisClient, ReconnectsAfterTheServerRestarts) {
  auto server = start_server();
  ASSERT_TRUE(server);
  Client client(local_options(server->port()));
  ASSERT_TRUE(client.wait_connected(5s));
  EXPECT_EQ(call(client, {"SET", "k", "v"}).str, "OK");

  std::string error;
  ASSERT_TRUE(server->stop(error)) << error;
  Reply lost = call(client, {"GET", "k"});
  EXPECT_EQ(lost.type, Reply::Type::failed);
  auto started = std::chrono::steady_clock::now();
  Reply while_down = call(client, {"GET", "k"});
  EXPECT_EQ(while_down.type, Reply::Type::failed);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 200ms);  // no waiting for the server
  EXPECT_FALSE(client.connected());

  ASSERT_TRUE(server->restart(error)) << error;
  ASSERT_TRUE(client.wait_connected(5s));
  EXPECT_EQ(call(client, {"SET", "k", "again"}).str, "OK");
  EXPECT_EQ(call(client, {"GET", "k"}).str, "again");
  EXPECT_EQ(client.connects(), 2u);
}

TEST(RedisClient, AuthenticatesWithThePasswordAndNeverShowsIt) {
  const std::string password = "s3cret-Pa55";
  auto server = start_server(password);
  ASSERT_TRUE(server);
  Options good = local_options(server->port());
  good.password = password;
  Client client(good);
  ASSERT_TRUE(client.wait_connected(5s));
  EXPECT_EQ(call(client, {"PING"}).str, "PONG");

  testing::internal::CaptureStderr();
  Options wrong = local_options(server->port());
  wrong.password = "not-" + password;
  std::string failure;
  {
    Client refused(wrong);
    EXPECT_FALSE(refused.wait_connected(300ms));
    Reply reply = call(refused, {"PING"});
    EXPECT_EQ(reply.type, Reply::Type::failed);
    failure = reply.str;
  }
  std::string logged = testing::internal::GetCapturedStderr();
  EXPECT_NE(logged.find("unreachable"), std::string::npos) << logged;
  EXPECT_NE(logged.find("AUTH refused"), std::string::npos) << logged;
  EXPECT_EQ(logged.find(password), std::string::npos) << logged;
  EXPECT_EQ(failure.find(password), std::string::npos) << failure;
}

TEST(RedisClient, AnAclUserAuthenticatesWithItsName) {
  auto server = start_server();
  ASSERT_TRUE(server);
  std::string error;
  ASSERT_TRUE(
      server->command({"ACL", "SETUSER", "gateway", "on", ">gw-pass", "~*", "+@all"}, error))
      << error;
  Options options = local_options(server->port());
  options.username = "gateway";
  options.password = "gw-pass";
  options.db = 3;
  Client client(options);
  ASSERT_TRUE(client.wait_connected(5s));
  EXPECT_EQ(call(client, {"ACL", "WHOAMI"}).str, "gateway");
  EXPECT_EQ(call(client, {"SET", "in-db-3", "1"}).str, "OK");
  EXPECT_EQ(server->command({"DBSIZE"}, error), "0");  // the fixture's connection uses db 0
}

TEST(RedisClient, WithNoServerCallbacksFailAtOnce) {
  std::string ignored;
  auto server = start_server();
  ASSERT_TRUE(server);
  int port = server->port();
  ASSERT_TRUE(server->stop(ignored));
  Client client(local_options(port));
  for (int i = 0; i < 20; ++i) {
    auto started = std::chrono::steady_clock::now();
    Reply reply = call(client, {"PING"});
    EXPECT_EQ(reply.type, Reply::Type::failed);
    EXPECT_NE(reply.str.find("127.0.0.1:" + std::to_string(port)), std::string::npos);
    EXPECT_LT(std::chrono::steady_clock::now() - started, 200ms);
  }
  EXPECT_EQ(client.connects(), 0u);
}

TEST(RedisClient, EvalShaFallsBackToEvalWhenTheScriptIsGone) {
  auto server = start_server();
  ASSERT_TRUE(server);
  Client client(local_options(server->port()));
  size_t script = client.add_script("return tonumber(ARGV[1]) + 1");
  // Added after the connect: the first call is an EVAL, which loads it for the next ones.
  ASSERT_TRUE(client.wait_connected(5s));
  auto run = [&](std::string arg) {
    std::promise<Reply> answer;
    auto reply = answer.get_future();
    EXPECT_TRUE(client.eval(script, {}, {std::move(arg)}, [&](Reply r) { answer.set_value(r); }));
    return reply.get();
  };
  EXPECT_EQ(run("41").integer, 42);
  std::string error;
  ASSERT_TRUE(server->command({"SCRIPT", "FLUSH"}, error)) << error;
  EXPECT_EQ(run("1").integer, 2);
  EXPECT_EQ(run("2").integer, 3);
  auto stats = server->command({"INFO", "commandstats"}, error);
  ASSERT_TRUE(stats) << error;
  auto line = [&](std::string_view name) {
    size_t at = stats->find(name);
    return at == std::string::npos ? std::string() : stats->substr(at, stats->find('\n', at) - at);
  };
  // One EVALSHA met NOSCRIPT after the flush, and was answered by an EVAL.
  EXPECT_NE(line("cmdstat_evalsha:").find("failed_calls=1"), std::string::npos) << *stats;
  EXPECT_NE(line("cmdstat_eval:"), "") << *stats;
}

TEST(RedisClient, EveryCallbackRunsOnceWhenTheClientGoes) {
  auto server = start_server();
  ASSERT_TRUE(server);
  constexpr int kCommands = 2000;
  std::vector<std::atomic<int>> calls(kCommands);
  {
    Client client(local_options(server->port()));
    ASSERT_TRUE(client.wait_connected(5s));
    for (int i = 0; i < kCommands; ++i)
      ASSERT_TRUE(client.submit({"PING"}, [&, i](Reply) { calls[i].fetch_add(1); }));
  }
  for (int i = 0; i < kCommands; ++i) ASSERT_EQ(calls[i].load(), 1) << i;
}

TEST(RedisClient, ABoundedQueueRefusesInsteadOfGrowing) {
  auto server = start_server();
  ASSERT_TRUE(server);
  std::string error;
  Options options = local_options(server->port());
  options.max_queued = 10;
  options.command_timeout = 2s;
  Client client(options);
  ASSERT_TRUE(client.wait_connected(5s));
  // The server stalls, so the I/O thread waits on the first batch.
  ASSERT_TRUE(server->command({"CLIENT", "PAUSE", "500", "ALL"}, error)) << error;
  std::atomic<int> answered{0};
  int refused = 0;
  for (int i = 0; i < 100; ++i) {
    if (!client.submit({"PING"}, [&](Reply) { answered.fetch_add(1); })) ++refused;
  }
  EXPECT_GE(refused, 80);
  auto deadline = std::chrono::steady_clock::now() + 5s;
  while (answered.load() < 100 - refused && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(5ms);
  EXPECT_EQ(answered.load(), 100 - refused);
}

}  // namespace
}  // namespace routeiq::redis
