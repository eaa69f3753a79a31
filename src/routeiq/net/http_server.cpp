#include "routeiq/net/http_server.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/status.hpp>

#include <cstring>
#include <map>
#include <optional>
#include <thread>

#include "routeiq/core/log.hpp"
#include "routeiq/net/http_parse.hpp"
#include "routeiq/net/send_now.hpp"
#include "routeiq/net/upstream.hpp"

namespace routeiq::net {
namespace {

constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);
constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
using reuse_port = asio::detail::socket_option::boolean<SOL_SOCKET, SO_REUSEPORT>;

std::string status_line(int status) {
  auto reason = http::obsolete_reason(static_cast<http::status>(status));
  std::string line = "HTTP/1.1 ";
  line += std::to_string(status);
  line += ' ';
  line.append(reason.data(), reason.size());
  line += "\r\n";
  return line;
}

// A HeaderList holds only headers that can be written as is (its add()
// refuses the rest), so they are copied without another look at their bytes.
void append_headers(std::string& out, const HeaderList& headers) {
  if (!headers.refused().empty())
    log::warn() << "response header '" << headers.refused()
                << "' dropped: it holds a character HTTP does not allow";
  size_t need = 0;
  for (const auto& [name, value] : headers) need += name.size() + value.size() + 4;
  out.reserve(out.size() + need);
  for (const auto& [name, value] : headers) {
    out.append(name);
    out.append(": ", 2);
    out.append(value);
    out.append("\r\n", 2);
  }
}

std::string_view read_error_message(int status) {
  switch (status) {
    case 413:
      return "request body too large";
    case 408:
      return "request body timeout";
    case 431:
      return "request header or trailer fields too large";
    default:
      return "malformed HTTP request";
  }
}

char hex_digit(unsigned v) {
  return "0123456789abcdef"[v & 15];
}

void append_hex(std::string& out, size_t n) {
  char buf[16];
  int len = 0;
  do {
    buf[len++] = hex_digit(static_cast<unsigned>(n));
    n >>= 4;
  } while (n);
  while (len) out += buf[--len];
}

std::string_view safe_content_type(std::string_view type) {
  return valid_header_value(type) ? type : std::string_view("application/octet-stream");
}

// The status for a request that cannot be read, from the parser's error.
int read_error_status(const boost::system::error_code& ec) {
  if (ec == http::error::body_limit) return 413;
  if (ec == beast::error::timeout) return 408;
  if (ec == http::error::header_limit || ec == http::error::buffer_overflow) return 431;
  return 400;
}

bool is_parse_error(const boost::system::error_code& ec) {
  return ec.category() == http::make_error_code(http::error::bad_method).category() &&
         ec != http::error::end_of_stream && ec != http::error::partial_message;
}

void log_exception(std::string_view where, const std::exception_ptr& e) {
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& x) {
    log::error() << where << " ended by an internal error: " << x.what();
  } catch (...) {
    log::error() << where << " ended by an internal error";
  }
}

// co_spawn completion: an exception that escapes a connection is logged, not
// rethrown out of io_context::run (which would end the process).
auto log_escaped(std::string_view where) {
  return [where](const std::exception_ptr& e) {
    if (e) log_exception(where, e);
  };
}

const ParseLimits kRequestLimits{};
// After the drain timeout, how long closed connections get to finish.
constexpr auto kDrainGrace = std::chrono::seconds(1);

}  // namespace

void raise_fd_limit() {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) != 0 || lim.rlim_cur >= lim.rlim_max) return;
  lim.rlim_cur = lim.rlim_max;
  setrlimit(RLIMIT_NOFILE, &lim);
}

// The CPUs this process may run on (taskset, a container's cpuset), not the
// machine's: two event loops time-sharing one core only add switches.
int usable_cpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) == 0) return std::max(1, CPU_COUNT(&set));
  return static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

int default_max_connections() {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) != 0 || lim.rlim_cur == RLIM_INFINITY) return 1 << 20;
  constexpr rlim_t kReserved = 64;  // listeners, logs, config and model files
  rlim_t usable = lim.rlim_cur > kReserved * 2 ? lim.rlim_cur - kReserved : lim.rlim_cur / 2;
  return static_cast<int>(std::min<rlim_t>(usable / 2, 1 << 20));
}

// ---------------------------------------------------------------- Exchange

asio::awaitable<bool> Exchange::write_all(std::string data) {
  auto now = send_now(stream_.socket(), data);
  if (now.failed) co_return false;
  if (now.sent == data.size()) co_return true;
  auto rest = asio::buffer(data.data() + now.sent, data.size() - now.sent);
  auto [ec, n] = co_await asio::async_write(stream_, rest, kTuple);
  co_return !ec;
}

asio::awaitable<bool> Exchange::respond(int status, std::string_view content_type,
                                        std::string_view body, const HeaderList& headers) {
  responded_ = true;
  status_ = status;
  keep_alive_ = keep_alive_ && request_.keep_alive() && !server_stopping();
  std::string out = status_line(status);
  out.reserve(out.size() + 256 + body.size());
  out += "content-type: ";
  out += safe_content_type(content_type);
  out += "\r\ncontent-length: ";
  out += std::to_string(body.size());
  out += keep_alive_ ? "\r\nconnection: keep-alive\r\n" : "\r\nconnection: close\r\n";
  append_headers(out, headers);
  out += "\r\n";
  out += body;
  stream_.expires_after(std::chrono::seconds(30));
  bool ok = co_await write_all(std::move(out));
  stream_.expires_never();
  if (!ok) keep_alive_ = false;
  co_return ok;
}

asio::awaitable<bool> Exchange::begin_stream(int status, std::string_view content_type,
                                             const HeaderList& headers) {
  responded_ = true;
  status_ = status;
  streaming_ = true;
  keep_alive_ = keep_alive_ && request_.keep_alive() && !server_stopping();
  std::string out = status_line(status);
  out += "content-type: ";
  out += safe_content_type(content_type);
  out += "\r\ncache-control: no-cache\r\ntransfer-encoding: chunked\r\n";
  out += keep_alive_ ? "connection: keep-alive\r\n" : "connection: close\r\n";
  append_headers(out, headers);
  out += "\r\n";
  stream_.expires_after(std::chrono::seconds(30));
  bool ok = co_await write_all(std::move(out));
  stream_.expires_never();
  if (!ok) keep_alive_ = false;
  co_return ok;
}

asio::awaitable<bool> Exchange::write_chunk(std::string_view data) {
  if (data.empty()) co_return true;  // an empty chunk would end the stream
  std::string out;
  out.reserve(data.size() + 16);
  append_hex(out, data.size());
  out += "\r\n";
  out += data;
  out += "\r\n";
  stream_.expires_after(std::chrono::seconds(30));
  bool ok = co_await write_all(std::move(out));
  stream_.expires_never();
  if (!ok) keep_alive_ = false;
  co_return ok;
}

asio::awaitable<bool> Exchange::end_stream(const HeaderList& trailers) {
  streaming_ = false;
  std::string out = "0\r\n";
  append_headers(out, trailers);
  out += "\r\n";
  stream_.expires_after(std::chrono::seconds(30));
  bool ok = co_await write_all(std::move(out));
  stream_.expires_never();
  if (!ok) keep_alive_ = false;
  co_return ok;
}

// The watch of one request: shared with the pending readiness callback, which
// may run after the request is over (it then sees `stopped` and returns).
struct Exchange::Watch {
  Watch(Exchange& e, std::function<void()> f)
      : ex(&e), on_gone(std::move(f)), timer(e.stream_.socket().get_executor()) {}
  Exchange* ex;  // valid while !stopped
  std::function<void()> on_gone;
  asio::steady_timer timer;  // the half-close probe
  bool stopped = false;

  void gone() {
    if (stopped) return;
    stopped = true;
    on_gone();
  }
};

void Exchange::watch_client(std::function<void()> on_gone) {
  stop_watching();
  watch_ = std::make_shared<Watch>(*this, std::move(on_gone));
  arm(watch_);
}

void Exchange::stop_watching() {
  if (!watch_) return;
  watch_->stopped = true;
  watch_->timer.cancel();
  watch_.reset();  // a pending readiness callback keeps its own reference
}

void Exchange::arm(std::shared_ptr<Watch> watch) {
  constexpr size_t kRead = 4096;
  auto& ex = *watch->ex;
  // The client pipelined a buffer's worth: stop reading until this response is done.
  if (ex.buffer_.max_size() - ex.buffer_.size() < kRead) return;
  auto& socket = ex.stream_.socket();
  socket.async_wait(tcp::socket::wait_read, [watch](boost::system::error_code ec) mutable {
    on_readable(std::move(watch), ec);
  });
}

// Readable: bytes of a pipelined request (kept, and the watch goes on), the
// end of the stream (a half-close or a close: probed), or a reset.
void Exchange::on_readable(std::shared_ptr<Watch> watch, boost::system::error_code ec) {
  if (watch->stopped) return;
  if (ec) return;  // the socket was closed under the watch: the session ends anyway
  auto& ex = *watch->ex;
  auto space = ex.buffer_.prepare(4096);
  ssize_t n = ::recv(ex.stream_.socket().native_handle(), space.data(), space.size(), MSG_DONTWAIT);
  if (n > 0) {
    ex.buffer_.commit(static_cast<size_t>(n));
    arm(std::move(watch));
  } else if (n == 0) {
    asio::co_spawn(ex.stream_.socket().get_executor(), ex.watch_half_closed(watch), asio::detached);
  } else if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
    arm(std::move(watch));
  } else {
    watch->gone();
  }
}

namespace {

// The peer's connection state as the kernel sees it: TCP_CLOSE once it has
// reset the connection, TCP_CLOSE_WAIT while it has only sent its FIN.
bool connection_reset(tcp::socket& socket) {
  tcp_info info{};
  socklen_t len = sizeof info;
  if (getsockopt(socket.native_handle(), IPPROTO_TCP, TCP_INFO, &info, &len) != 0) return true;
  return info.tcpi_state == TCP_CLOSE;
}

}  // namespace

// A FIN from the client means either "I am done sending" (a half-close, as
// `nc -q` or a proxy sends) or "I am gone" (close()): TCP cannot tell them
// apart until the gateway sends something, to which a closed socket answers
// with a reset. Before the response starts, the gateway sends an interim
// `100 Continue`, which every HTTP/1.1 client must accept and may ignore
// (RFC 9110 section 15.2); a client that is gone resets the connection and
// the call is cancelled, a half-closed client is served. Once the response
// has started, its own bytes do the same. The connection closes after the
// response either way.
asio::awaitable<void> Exchange::watch_half_closed(std::shared_ptr<Watch> watch) {
  if (watch->stopped) co_return;
  keep_alive_ = false;
  auto& socket = stream_.socket();
  if (!responded_ && request_.version() >= 11) {
    // Synchronous and tiny, so it cannot interleave with the response: the
    // response has not started, and nothing else runs on this thread meanwhile.
    boost::system::error_code ec;
    socket.send(asio::buffer(kContinue), 0, ec);
    if (ec) {
      watch->gone();
      co_return;
    }
  }
  for (int polls = 0;; ++polls) {
    // Quick at first (a reset arrives within a round trip), then rarely.
    watch->timer.expires_after(std::chrono::milliseconds(polls < 20 ? 50 : 500));
    auto [ec] = co_await watch->timer.async_wait(kTuple);
    if (ec || watch->stopped) co_return;  // the response is done
    if (connection_reset(socket)) {
      watch->gone();
      co_return;
    }
  }
}

// -------------------------------------------------------------- HttpServer

struct HttpServer::Worker {
  // Declared first so it is destroyed last: pending session frames destroyed
  // with the io_context unregister themselves here.
  std::map<beast::tcp_stream*, bool> sessions;  // connection -> between requests
  asio::io_context ioc{1};
  std::optional<tcp::acceptor> acceptor;
  std::optional<asio::steady_timer> drain_timer;
  std::thread thread;

  void close_all(bool idle_only) {
    boost::system::error_code ignored;
    for (auto& [stream, idle] : sessions)
      if (idle || !idle_only) stream->socket().shutdown(tcp::socket::shutdown_both, ignored);
  }
  // Once the acceptor is closed and the last connection ends, nothing keeps
  // io_context::run going but the drain timer: cancel it so run() returns.
  void maybe_finish() {
    if (sessions.empty() && drain_timer) drain_timer->cancel();
  }
};

namespace {

// Registers a connection for its lifetime. A destructor, so the bookkeeping
// and the close happen however the session ends, an exception included.
class SessionGuard {
 public:
  SessionGuard(std::map<beast::tcp_stream*, bool>& sessions, beast::tcp_stream& stream,
               std::atomic<int>& active)
      : sessions_(sessions), stream_(stream), active_(active) {
    sessions_[&stream_] = true;
    ++active_;
  }
  ~SessionGuard() {
    boost::system::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.socket().close(ignored);
    sessions_.erase(&stream_);
    --active_;
  }
  SessionGuard(const SessionGuard&) = delete;
  SessionGuard& operator=(const SessionGuard&) = delete;

 private:
  std::map<beast::tcp_stream*, bool>& sessions_;
  beast::tcp_stream& stream_;
  std::atomic<int>& active_;
};

bool out_of_descriptors(const boost::system::error_code& ec) {
  return ec == asio::error::no_descriptors || ec.value() == ENFILE || ec.value() == ENOBUFS ||
         ec.value() == ENOMEM;
}

}  // namespace

HttpServer::HttpServer(ServerOptions options, Handler handler, ErrorResponder on_error)
    : options_(std::move(options)),
      handler_(std::move(handler)),
      on_error_(std::move(on_error)),
      max_connections_(options_.max_connections > 0 ? options_.max_connections
                                                    : default_max_connections()) {
  int n = options_.threads > 0 ? options_.threads : usable_cpus();
  for (int i = 0; i < n; ++i) workers_.push_back(std::make_unique<Worker>());
}

HttpServer::~HttpServer() {
  for (auto& w : workers_)
    if (w->thread.joinable()) w->thread.join();
}

std::vector<asio::io_context*> HttpServer::contexts() {
  std::vector<asio::io_context*> out;
  for (auto& w : workers_) out.push_back(&w->ioc);
  return out;
}

uint16_t HttpServer::bind() {
  auto address = asio::ip::make_address(options_.host);
  uint16_t port = options_.port;
  for (auto& w : workers_) {
    tcp::endpoint endpoint(address, port);
    w->acceptor.emplace(w->ioc);
    w->acceptor->open(endpoint.protocol());
    w->acceptor->set_option(asio::socket_base::reuse_address(true));
    w->acceptor->set_option(reuse_port(true));
    w->acceptor->bind(endpoint);
    w->acceptor->listen(asio::socket_base::max_listen_connections);
    port = w->acceptor->local_endpoint().port();  // the first bind fixes port 0
  }
  return port;
}

void HttpServer::run() {
  for (auto& w : workers_) {
    asio::co_spawn(w->ioc, accept_loop(*w), log_escaped("accept loop"));
    w->thread = std::thread([&ioc = w->ioc] { ioc.run(); });
  }
  for (auto& w : workers_) w->thread.join();
}

void HttpServer::stop() {
  if (stopping_.exchange(true)) return;
  for (auto& w : workers_) {
    asio::post(w->ioc, [worker = w.get(), drain = options_.drain_timeout] {
      boost::system::error_code ignored;
      if (worker->acceptor) worker->acceptor->close(ignored);
      // Idle keep-alive connections close now; busy ones finish their request
      // (and stream) first. After the drain period, whatever is left is closed.
      worker->close_all(/*idle_only=*/true);
      close_idle_connections();  // on this worker's thread: its upstream pool
      worker->drain_timer.emplace(worker->ioc, drain);
      worker->drain_timer->async_wait([worker](boost::system::error_code ec) {
        if (ec) return;
        // Closing the sockets ends every request that waits on I/O. One that
        // waits on a timer (a retry back-off, a mock delay) would keep run()
        // going past the drain: after a short grace the loop stops outright.
        worker->close_all(/*idle_only=*/false);
        worker->drain_timer->expires_after(kDrainGrace);
        worker->drain_timer->async_wait([worker](boost::system::error_code again) {
          if (!again) worker->ioc.stop();
        });
      });
      worker->maybe_finish();
    });
  }
}

asio::awaitable<void> HttpServer::accept_loop(Worker& worker) {
  asio::steady_timer backoff(worker.ioc);
  auto last_warning = std::chrono::steady_clock::time_point{};
  for (;;) {
    auto [ec, socket] = co_await worker.acceptor->async_accept(kTuple);
    if (ec) {
      if (stopping_ || ec == asio::error::operation_aborted) break;
      if (!out_of_descriptors(ec)) continue;
      // Out of descriptors: accepting again at once fails again at once, and
      // the loop would spin. Pause; connections that end free descriptors.
      auto now = std::chrono::steady_clock::now();
      if (now - last_warning > std::chrono::seconds(10)) {
        log::warn() << "cannot accept connections: " << ec.message() << " (" << active_.load()
                    << " open); raise the file-descriptor limit or lower --max-connections";
        last_warning = now;
      }
      backoff.expires_after(std::chrono::milliseconds(100));
      co_await backoff.async_wait(kTuple);
      continue;
    }
    socket.set_option(tcp::no_delay(true), ec);
    if (active_.load(std::memory_order_relaxed) >= max_connections_) {
      asio::co_spawn(worker.ioc, refuse_busy(std::move(socket)), log_escaped("refused connection"));
      continue;
    }
    asio::co_spawn(worker.ioc, session(worker, std::move(socket)), log_escaped("connection"));
  }
}

// Beyond the connection cap: a 503 the client can read, then close. The
// request is not read: the cap protects descriptors and memory.
asio::awaitable<void> HttpServer::refuse_busy(tcp::socket socket) {
  auto e = on_error_(503, "the gateway is at its connection limit; retry shortly");
  std::string out = status_line(503);
  out += "content-type: application/json\r\ncontent-length: ";
  out += std::to_string(e.size());
  out += "\r\nretry-after: 1\r\nconnection: close\r\n\r\n";
  out += e;
  beast::tcp_stream stream(std::move(socket));
  stream.expires_after(std::chrono::seconds(1));
  auto [wec, wn] = co_await asio::async_write(stream, asio::buffer(out), kTuple);
  boost::system::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  // Read what the client sent for a moment, so closing does not reset the
  // connection before the client has read the answer.
  std::array<char, 4096> sink;
  for (int reads = 0; !wec && reads < 16; ++reads) {
    auto [rec, n] = co_await stream.async_read_some(asio::buffer(sink), kTuple);
    if (rec) break;
  }
}

// Answers a request that cannot be served, then closes gracefully: the rest of
// the client's body is read and discarded for a moment (a "lingering close"),
// so the client sees the response instead of a connection reset.
asio::awaitable<void> HttpServer::refuse(beast::tcp_stream& stream, beast::flat_buffer& buffer,
                                         int status) {
  std::string body = on_error_(status, read_error_message(status));
  http::request<http::string_body> none;
  Exchange ex(stream, buffer, none, stopping_);
  ex.close_after();
  co_await ex.respond(status, "application/json", body);
  boost::system::error_code ec;
  stream.socket().shutdown(tcp::socket::shutdown_send, ec);
  stream.expires_after(std::chrono::seconds(2));
  std::array<char, 16 * 1024> sink;
  for (size_t drained = 0; drained < (64u << 20);) {
    auto [rec, n] = co_await stream.async_read_some(asio::buffer(sink), kTuple);
    if (rec) break;
    drained += n;
  }
}

asio::awaitable<void> HttpServer::session(Worker& worker, tcp::socket socket) {
  beast::tcp_stream stream(std::move(socket));
  // Bounded, so a header or trailer section that never ends cannot grow it.
  beast::flat_buffer buffer(read_buffer_limit(kRequestLimits));
  SessionGuard guard(worker.sessions, stream, active_);
  while (!stopping_) {
    http::request<http::string_body> request;
    Exchange exchange(stream, buffer, request, stopping_);
    std::exception_ptr failure;
    Next next = Next::close;
    try {
      next = co_await serve_one(worker, stream, buffer, request, exchange);
    } catch (...) {
      failure = std::current_exception();
    }
    if (failure) {
      // An error boundary: one request's bug ends its connection, not the
      // process. The client gets a 500 unless part of a response went out.
      log_exception("request", failure);
      if (!exchange.responded()) {
        exchange.close_after();
        co_await exchange.respond(500, "application/json",
                                  on_error_(500, "internal error while serving the request"));
      }
      break;
    }
    if (next == Next::close) break;
  }
  if (stopping_) {
    asio::post(worker.ioc, [w = &worker] { w->maybe_finish(); });
  }
}

namespace {

// The body usually came with the header and is in the buffer already: parsed
// here, not by an async read that would complete through the event queue
// (one more pass of the loop). True when the message is complete; `ec` is set
// when the bytes are refused (e.g. beyond the body limit).
bool parse_buffered(RequestParser& parser, beast::flat_buffer& buffer,
                    boost::system::error_code& ec) {
  while (!parser.is_done() && buffer.size() > 0) {
    size_t used = parser.put(buffer.data(), ec);
    buffer.consume(used);
    if (ec == http::error::need_more) {
      ec = {};
      return false;
    }
    if (ec || used == 0) return false;
  }
  return parser.is_done();
}

}  // namespace

asio::awaitable<HttpServer::Next> HttpServer::serve_one(Worker& worker, beast::tcp_stream& stream,
                                                        beast::flat_buffer& buffer,
                                                        http::request<http::string_body>& request,
                                                        Exchange& exchange) {
  ParseLimits limits = kRequestLimits;
  limits.body_bytes = options_.max_body_bytes;
  RequestParser parser(limits);
  worker.sessions[&stream] = true;
  stream.expires_after(buffer.size() ? options_.header_timeout : options_.idle_timeout);
  auto [ec, n] = co_await http::async_read_header(stream, buffer, parser, kTuple);
  if (ec) {
    if (ec == beast::error::timeout && buffer.size())
      co_await refuse(stream, buffer, 408);
    else if (is_parse_error(ec))
      co_await refuse(stream, buffer, read_error_status(ec));
    co_return Next::close;
  }
  worker.sessions[&stream] = false;
  if (auto expect = parser.get()[http::field::expect]; !expect.empty()) {
    if (beast::iequals(expect, "100-continue")) {
      if (parser.content_length() && *parser.content_length() > options_.max_body_bytes) {
        co_await refuse(stream, buffer, 413);  // before the client sends the body
        co_return Next::close;
      }
      stream.expires_after(options_.body_timeout);
      co_await asio::async_write(stream, asio::buffer(kContinue), kTuple);
    }
  }
  if (!parse_buffered(parser, buffer, ec) && !ec) {
    stream.expires_after(options_.body_timeout);
    std::tie(ec, n) = co_await http::async_read(stream, buffer, parser, kTuple);
    stream.expires_never();
  }
  if (ec) {
    if (ec != http::error::end_of_stream && ec != asio::error::eof &&
        ec != http::error::partial_message)
      co_await refuse(stream, buffer, read_error_status(ec));
    co_return Next::close;
  }
  request = parser.release();
  co_await handler_(exchange);
  if (!exchange.responded()) {
    std::string body = on_error_(500, "handler produced no response");
    co_await exchange.respond(500, "application/json", body);
  }
  co_return exchange.keep_alive() ? Next::serve : Next::close;
}

}  // namespace routeiq::net
