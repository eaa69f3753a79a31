#pragma once
// Writes what the kernel takes at once, without waiting. An Asio write that
// could complete at once still completes through the event queue (one more
// pass of the loop and an epoll_wait per write, Asio 1.26); trying first and
// waiting only for the rest keeps the common case to one send(2).
#include <sys/socket.h>

#include <boost/asio/ip/tcp.hpp>
#include <cerrno>
#include <string_view>

namespace routeiq::net {

struct SendNow {
  size_t sent = 0;
  bool failed = false;  // an error other than "would block": the connection is broken
};

inline SendNow send_now(boost::asio::ip::tcp::socket& socket, std::string_view data) {
  SendNow out;
  while (out.sent < data.size()) {
    ssize_t n = ::send(socket.native_handle(), data.data() + out.sent, data.size() - out.sent,
                       MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n > 0) {
      out.sent += static_cast<size_t>(n);
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else {
      out.failed = n < 0 && errno != EAGAIN && errno != EWOULDBLOCK;
      break;
    }
  }
  return out;
}

}  // namespace routeiq::net
