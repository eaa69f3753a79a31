#pragma once
// Awaiting work that reports through a callback on another thread (the Redis
// client's I/O thread): the coroutine suspends, the callback's value is
// carried back to the coroutine's own executor, and it resumes there, so the
// request never changes thread. `start` must call its callback exactly once.
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <functional>
#include <memory>
#include <optional>

namespace routeiq::net {

template <class T>
boost::asio::awaitable<T> await_callback(std::function<void(std::function<void(T)>)> start) {
  namespace asio = boost::asio;
  auto executor = co_await asio::this_coro::executor;
  auto out = std::make_shared<std::optional<T>>();
  auto initiate = [&](auto handler) {
    auto done = std::make_shared<decltype(handler)>(std::move(handler));
    start([out, done, executor](T value) {
      *out = std::move(value);
      asio::post(executor, [done] { (*done)(); });
    });
  };
  co_await asio::async_initiate<const asio::use_awaitable_t<>&, void()>(initiate,
                                                                        asio::use_awaitable);
  co_return std::move(**out);
}

}  // namespace routeiq::net
