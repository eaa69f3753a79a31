#pragma once
// Threads for blocking work (database calls) that an event loop must never
// run itself. A coroutine awaits run(): the work runs on a pool thread and the
// coroutine resumes on its own executor with the result. The queue is
// bounded: when it is full the call fails at once with `when_full` instead of
// piling up requests behind a slow database.
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "routeiq/core/error.hpp"

namespace routeiq::net {

class BlockingPool {
 public:
  BlockingPool(size_t threads, size_t max_queued);
  ~BlockingPool();  // finishes queued work, then joins
  BlockingPool(const BlockingPool&) = delete;
  BlockingPool& operator=(const BlockingPool&) = delete;

  // Runs `work` on a pool thread; its Result comes back on the caller's executor.
  template <class T>
  boost::asio::awaitable<Result<T>> run(std::function<Result<T>()> work);

  size_t queued() const;

 private:
  // false when the queue is full or the pool is stopping (nothing queued).
  bool submit(std::function<void()> job);
  void worker();

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> jobs_;
  size_t max_queued_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

template <class T>
boost::asio::awaitable<Result<T>> BlockingPool::run(std::function<Result<T>()> work) {
  namespace asio = boost::asio;
  auto executor = co_await asio::this_coro::executor;
  std::optional<Result<T>> out;
  bool queued = true;
  auto initiate = [&](auto handler) {
    // The handler is move-only and std::function copyable: share it.
    auto done = std::make_shared<decltype(handler)>(std::move(handler));
    auto job = [&out, &work, done, executor] {
      out.emplace(work());
      asio::post(executor, [done] { (*done)(); });
    };
    if (!submit(job)) {
      queued = false;
      asio::post(executor, [done] { (*done)(); });
    }
  };
  co_await asio::async_initiate<const asio::use_awaitable_t<>&, void()>(initiate,
                                                                        asio::use_awaitable);
  if (!queued)
    co_return make_error(ErrorKind::db_unavailable,
                         "the database is not keeping up (too many queued calls); try again");
  co_return std::move(*out);
}

}  // namespace routeiq::net
