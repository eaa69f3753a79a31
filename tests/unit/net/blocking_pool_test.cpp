#include "routeiq/net/blocking_pool.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <latch>
#include <thread>

namespace routeiq::net {
namespace {

namespace asio = boost::asio;

asio::awaitable<void> run_one(BlockingPool& pool, std::function<Result<int>()> work,
                              std::optional<Result<int>>* out, std::thread::id* resumed_on) {
  auto r = co_await pool.run<int>(std::move(work));
  *resumed_on = std::this_thread::get_id();
  out->emplace(std::move(r));
}

TEST(BlockingPool, WorkRunsOffTheLoopAndResumesOnIt) {
  BlockingPool pool(2, 8);
  asio::io_context io;
  std::optional<Result<int>> out;
  std::thread::id worked_on, resumed_on;
  std::function<Result<int>()> work = [&worked_on]() -> Result<int> {
    worked_on = std::this_thread::get_id();
    return 42;
  };
  asio::co_spawn(io, run_one(pool, work, &out, &resumed_on), asio::detached);
  io.run();
  ASSERT_TRUE(out.has_value());
  ASSERT_TRUE(out->ok());
  EXPECT_EQ(out->value(), 42);
  EXPECT_NE(worked_on, std::this_thread::get_id()) << "the blocking call ran on a pool thread";
  EXPECT_EQ(resumed_on, std::this_thread::get_id()) << "the coroutine resumed on its own loop";
}

TEST(BlockingPool, AFullQueueFailsAtOnceWithoutRunningTheWork) {
  BlockingPool pool(1, 1);
  std::latch release(1);
  std::atomic<int> started{0}, ran{0};
  asio::io_context io;
  std::function<Result<int>()> slow = [&]() -> Result<int> {
    ++started;
    release.wait();
    ++ran;
    return 1;
  };
  std::optional<Result<int>> first, second, third;
  std::thread::id t1, t2, t3;
  asio::co_spawn(io, run_one(pool, slow, &first, &t1), asio::detached);  // runs
  while (started.load() == 0) {  // the only thread holds it: the queue is empty again
    io.poll();
    std::this_thread::yield();
  }
  asio::co_spawn(io, run_one(pool, slow, &second, &t2), asio::detached);  // queued
  asio::co_spawn(io, run_one(pool, slow, &third, &t3), asio::detached);   // refused
  while (!third) io.run_one();
  EXPECT_FALSE(third->ok());
  EXPECT_EQ(third->error().kind, ErrorKind::db_unavailable);
  release.count_down();
  io.run();
  ASSERT_TRUE(first && second);
  EXPECT_TRUE(first->ok());
  EXPECT_TRUE(second->ok());
  EXPECT_EQ(ran.load(), 2) << "the refused call never ran";
}

}  // namespace
}  // namespace routeiq::net
