#include "server.hpp"

#include <sys/socket.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cstdio>
#include <memory>
#include <stdexcept>
#include <thread>
#include <vector>

#include "session.hpp"

namespace mock {
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

constexpr auto nothrow_awaitable = asio::as_tuple(asio::use_awaitable);

asio::awaitable<void> accept_loop(tcp::acceptor acceptor) {
  asio::steady_timer backoff(acceptor.get_executor());
  for (;;) {
    auto [ec, socket] = co_await acceptor.async_accept(nothrow_awaitable);
    if (ec == asio::error::operation_aborted) co_return;
    if (ec) {
      // Out of descriptors or similar: retrying at once would spin.
      backoff.expires_after(std::chrono::milliseconds(10));
      co_await backoff.async_wait(nothrow_awaitable);
      continue;
    }
    boost::system::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    asio::co_spawn(acceptor.get_executor(), run_session(std::move(socket)), asio::detached);
  }
}

void set_reuse_port(tcp::acceptor& acceptor) {
  int on = 1;
  if (::setsockopt(acceptor.native_handle(), SOL_SOCKET, SO_REUSEPORT, &on, sizeof on) != 0)
    throw std::runtime_error("setsockopt(SO_REUSEPORT) failed");
}

tcp::acceptor open_acceptor(asio::io_context& context, const tcp::endpoint& endpoint) {
  tcp::acceptor acceptor(context);
  acceptor.open(endpoint.protocol());
  acceptor.set_option(tcp::acceptor::reuse_address(true));
  set_reuse_port(acceptor);
  acceptor.bind(endpoint);
  acceptor.listen(asio::socket_base::max_listen_connections);
  return acceptor;
}

}  // namespace

int run_server(const Settings& settings) {
  publish_settings(settings);
  std::vector<std::unique_ptr<asio::io_context>> contexts;
  for (int i = 0; i < settings.threads; ++i)
    contexts.push_back(std::make_unique<asio::io_context>(1));

  tcp::endpoint endpoint(asio::ip::make_address(settings.host), settings.port);
  for (auto& context : contexts) {
    tcp::acceptor acceptor = open_acceptor(*context, endpoint);
    // Port 0: the first bind picks the port, the others join it.
    endpoint.port(acceptor.local_endpoint().port());
    asio::co_spawn(*context, accept_loop(std::move(acceptor)), asio::detached);
  }
  std::printf("listening on %s:%u\n", settings.host.c_str(), endpoint.port());
  std::fflush(stdout);

  asio::signal_set signals(*contexts.front(), SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code&, int) {
    for (auto& context : contexts) context->stop();
  });
  std::vector<std::thread> workers;
  for (size_t i = 1; i < contexts.size(); ++i)
    workers.emplace_back([&context = *contexts[i]] { context.run(); });
  contexts.front()->run();
  for (auto& worker : workers) worker.join();
  return 0;
}

}  // namespace mock
