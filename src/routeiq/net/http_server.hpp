#pragma once
// HTTP/1.1 keep-alive server on Asio C++20 coroutines, one io_context per
// thread, each with its own SO_REUSEPORT acceptor (thread-per-core: a request
// never leaves the thread that accepted it).
#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "routeiq/core/http_request.hpp"

namespace routeiq::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

struct ServerOptions {
  std::string host = "0.0.0.0";
  uint16_t port = 4000;
  int threads = 0;                   // 0: one per usable core (the affinity mask)
  size_t max_body_bytes = 32 << 20;  // 413 beyond
  std::chrono::milliseconds header_timeout{30'000};
  std::chrono::milliseconds body_timeout{60'000};
  std::chrono::milliseconds idle_timeout{60'000};
  std::chrono::milliseconds drain_timeout{30'000};
  // Open client connections across all threads; beyond it a new connection
  // gets 503 and is closed. 0: half the file-descriptor limit (each client
  // connection may hold an upstream connection too).
  int max_connections = 0;
};

// Server threads when `threads = 0`: the CPUs in this process's affinity mask.
int usable_cpus();
// The connection cap `max_connections = 0` stands for, from RLIMIT_NOFILE.
int default_max_connections();
// Raises the soft file-descriptor limit to the hard one (as nginx's
// worker_rlimit_nofile and Go's runtime do): a gateway holds two descriptors
// per proxied request.
void raise_fd_limit();

// One request/response exchange on a client connection. Handlers either call
// respond() once, or begin_stream() + write_chunk()* + end_stream().
class Exchange {
 public:
  Exchange(beast::tcp_stream& stream, beast::flat_buffer& buffer,
           http::request<http::string_body>& request, std::atomic<bool>& stopping)
      : stream_(stream), buffer_(buffer), request_(request), stopping_(stopping) {}

  const http::request<http::string_body>& request() const { return request_; }
  http::request<http::string_body>& request() { return request_; }
  bool keep_alive() const { return keep_alive_; }
  bool responded() const { return responded_; }
  int status() const { return status_; }  // of the response sent, 0 before
  bool server_stopping() const { return stopping_.load(std::memory_order_relaxed); }

  asio::awaitable<bool> respond(int status, std::string_view content_type, std::string_view body,
                                const HeaderList& headers = {});
  // Starts a chunked text/event-stream (or other) response.
  asio::awaitable<bool> begin_stream(int status, std::string_view content_type,
                                     const HeaderList& headers = {});
  // Writes one chunk and flushes it to the socket. false: the client is gone.
  asio::awaitable<bool> write_chunk(std::string_view data);
  // `trailers` follow the last chunk (RFC 9112 7.1.2): what is known only at
  // the end, such as the cost of the answer.
  asio::awaitable<bool> end_stream(const HeaderList& trailers = {});
  ~Exchange() { stop_watching(); }
  Exchange(const Exchange&) = delete;
  Exchange& operator=(const Exchange&) = delete;

  // Calls `on_gone` (once, on this thread) if the client goes away before
  // stop_watching(): a reset, or a FIN that a probe shows is a close. Bytes
  // of a pipelined next request are kept. A client that only half-closes is
  // served (see watch_half_closed). Driven by a readiness callback, not a
  // coroutine: watching a request that ends normally costs one queued wait.
  void watch_client(std::function<void()> on_gone);
  void stop_watching();
  // The connection closes after this response (e.g. after a broken stream).
  void close_after() { keep_alive_ = false; }
  beast::tcp_stream& stream() { return stream_; }

 private:
  struct Watch;
  static void arm(std::shared_ptr<Watch> watch);
  static void on_readable(std::shared_ptr<Watch> watch, boost::system::error_code ec);
  asio::awaitable<bool> write_all(std::string data);
  asio::awaitable<void> watch_half_closed(std::shared_ptr<Watch> watch);

  beast::tcp_stream& stream_;
  beast::flat_buffer& buffer_;
  http::request<http::string_body>& request_;
  std::atomic<bool>& stopping_;
  bool keep_alive_ = true;
  bool responded_ = false;
  bool streaming_ = false;
  int status_ = 0;
  std::shared_ptr<Watch> watch_;
};

// A handler owns no connection state; it is called once per request on the
// connection's thread.
using Handler = std::function<asio::awaitable<void>(Exchange&)>;
// Called when a request cannot be parsed: status (400/413/408) -> error body.
using ErrorResponder = std::function<std::string(int status, std::string_view message)>;

class HttpServer {
 public:
  HttpServer(ServerOptions options, Handler handler, ErrorResponder on_error);
  ~HttpServer();

  // Binds the listeners; returns the bound port (useful with port 0).
  uint16_t bind();
  // Runs the worker threads until stop() has drained every connection.
  void run();
  // Stops accepting, lets in-flight requests and streams finish (up to
  // drain_timeout), then closes idle connections and returns from run().
  void stop();
  int active_connections() const { return active_.load(); }
  int threads() const { return static_cast<int>(workers_.size()); }
  std::vector<asio::io_context*> contexts();

 private:
  struct Worker;
  enum class Next { serve, close };
  asio::awaitable<void> accept_loop(Worker& worker);
  asio::awaitable<void> session(Worker& worker, tcp::socket socket);
  asio::awaitable<Next> serve_one(Worker& worker, beast::tcp_stream& stream,
                                  beast::flat_buffer& buffer,
                                  http::request<http::string_body>& request, Exchange& exchange);
  asio::awaitable<void> refuse(beast::tcp_stream& stream, beast::flat_buffer& buffer, int status);
  asio::awaitable<void> refuse_busy(tcp::socket socket);

  ServerOptions options_;
  Handler handler_;
  ErrorResponder on_error_;
  int max_connections_;
  std::atomic<int> active_{0};
  std::atomic<bool> stopping_{false};
  // Last: destroyed first, while the members its pending sessions touch live.
  std::vector<std::unique_ptr<Worker>> workers_;
};

}  // namespace routeiq::net
