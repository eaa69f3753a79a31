#pragma once
// One HTTP/1.1 keep-alive connection of the mock upstream.
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

namespace mock {

boost::asio::awaitable<void> run_session(boost::asio::ip::tcp::socket socket);

}  // namespace mock
