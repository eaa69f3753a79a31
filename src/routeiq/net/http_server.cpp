#include "routeiq/net/http_server.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/status.hpp>
#include <map>
#include <optional>
#include <thread>

#include "routeiq/core/log.hpp"

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

void append_headers(std::string& out, const HeaderList& headers) {
  for (const auto& [name, value] : headers) {
    out += name;
    out += ": ";
    out += value;
    out += "\r\n";
  }
}

std::string_view read_error_message(int status) {
  switch (status) {
    case 413:
      return "request body too large";
    case 408:
      return "request body timeout";
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

}  // namespace

// ---------------------------------------------------------------- Exchange

asio::awaitable<bool> Exchange::write_all(std::string data) {
  auto [ec, n] = co_await asio::async_write(stream_, asio::buffer(data), kTuple);
  co_return !ec;
}

asio::awaitable<bool> Exchange::respond(int status, std::string_view content_type,
                                        std::string_view body, const HeaderList& headers) {
  responded_ = true;
  keep_alive_ = keep_alive_ && request_.keep_alive() && !server_stopping();
  std::string out = status_line(status);
  out.reserve(out.size() + 256 + body.size());
  out += "content-type: ";
  out += content_type;
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
  streaming_ = true;
  keep_alive_ = keep_alive_ && request_.keep_alive() && !server_stopping();
  std::string out = status_line(status);
  out += "content-type: ";
  out += content_type;
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

asio::awaitable<bool> Exchange::end_stream() {
  streaming_ = false;
  stream_.expires_after(std::chrono::seconds(30));
  bool ok = co_await write_all("0\r\n\r\n");
  stream_.expires_never();
  if (!ok) keep_alive_ = false;
  co_return ok;
}

asio::awaitable<void> Exchange::wait_client_gone() {
  for (;;) {
    auto space = buffer_.prepare(4096);
    auto [ec, n] = co_await stream_.socket().async_read_some(space, kTuple);
    if (ec) co_return;
    buffer_.commit(n);
    if (buffer_.size() > (1 << 20)) {
      asio::steady_timer forever(co_await asio::this_coro::executor, std::chrono::hours(24));
      co_await forever.async_wait(kTuple);
      co_return;
    }
  }
}

// -------------------------------------------------------------- HttpServer

struct HttpServer::Worker {
  asio::io_context ioc{1};
  std::optional<tcp::acceptor> acceptor;
  std::thread thread;
  // Connections of this worker and whether each is between requests; touched
  // only on this worker's thread.
  std::map<beast::tcp_stream*, bool> sessions;
  std::optional<asio::steady_timer> drain_timer;

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

HttpServer::HttpServer(ServerOptions options, Handler handler, ErrorResponder on_error)
    : options_(std::move(options)), handler_(std::move(handler)), on_error_(std::move(on_error)) {
  int n = options_.threads > 0
              ? options_.threads
              : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
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
    asio::co_spawn(w->ioc, accept_loop(*w), asio::detached);
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
      worker->drain_timer.emplace(worker->ioc, drain);
      worker->drain_timer->async_wait([worker](boost::system::error_code ec) {
        if (!ec) worker->close_all(/*idle_only=*/false);
      });
      worker->maybe_finish();
    });
  }
}

asio::awaitable<void> HttpServer::accept_loop(Worker& worker) {
  for (;;) {
    auto [ec, socket] = co_await worker.acceptor->async_accept(kTuple);
    if (ec) {
      if (stopping_ || ec == asio::error::operation_aborted) break;
      continue;  // e.g. EMFILE: keep serving the connections we have
    }
    socket.set_option(tcp::no_delay(true), ec);
    asio::co_spawn(worker.ioc, session(worker, std::move(socket)), asio::detached);
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

asio::awaitable<void> HttpServer::session(Worker& w, tcp::socket socket) {
  Worker* worker = &w;
  beast::tcp_stream stream(std::move(socket));
  beast::flat_buffer buffer;
  worker->sessions[&stream] = true;
  ++active_;
  for (;;) {
    if (stopping_) break;
    http::request_parser<http::string_body> parser;
    parser.header_limit(64 * 1024);
    parser.body_limit(options_.max_body_bytes);
    worker->sessions[&stream] = true;
    stream.expires_after(buffer.size() ? options_.header_timeout : options_.idle_timeout);
    auto [ec, n] = co_await http::async_read_header(stream, buffer, parser, kTuple);
    if (ec == http::error::body_limit) {
      co_await refuse(stream, buffer, 413);
      break;
    }
    if (ec) {
      if (ec == beast::error::timeout && buffer.size())
        co_await refuse(stream, buffer, 408);
      else if (ec.category() == http::make_error_code(http::error::bad_method).category() &&
               ec != http::error::end_of_stream)
        co_await refuse(stream, buffer, 400);
      break;
    }
    worker->sessions[&stream] = false;
    auto& req = parser.get();
    if (auto expect = req[http::field::expect]; !expect.empty()) {
      if (beast::iequals(expect, "100-continue")) {
        if (parser.content_length() && *parser.content_length() > options_.max_body_bytes) {
          co_await refuse(stream, buffer, 413);  // before the client sends the body
          break;
        }
        stream.expires_after(options_.body_timeout);
        co_await asio::async_write(stream, asio::buffer(kContinue), kTuple);
      }
    }
    stream.expires_after(options_.body_timeout);
    std::tie(ec, n) = co_await http::async_read(stream, buffer, parser, kTuple);
    stream.expires_never();
    if (ec) {
      if (ec == http::error::end_of_stream || ec == asio::error::eof) break;
      int status = ec == http::error::body_limit ? 413 : ec == beast::error::timeout ? 408 : 400;
      co_await refuse(stream, buffer, status);
      break;
    }
    auto request = parser.release();
    Exchange exchange(stream, buffer, request, stopping_);
    co_await handler_(exchange);
    if (!exchange.responded()) {
      std::string body = on_error_(500, "handler produced no response");
      co_await exchange.respond(500, "application/json", body);
    }
    if (!exchange.keep_alive()) break;
  }
  boost::system::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  stream.socket().close(ignored);
  worker->sessions.erase(&stream);
  --active_;
  if (stopping_) worker->maybe_finish();
}

}  // namespace routeiq::net
