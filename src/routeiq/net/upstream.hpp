#pragma once
// Upstream HTTP/1.1 client: a keep-alive pool per origin per thread, TLS with
// certificate and host-name verification against the system CAs plus SNI,
// connect/first-byte/total deadlines, incremental body reads for streaming,
// and cancel() to abort the call when the client goes away.
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "routeiq/core/error.hpp"
#include "routeiq/core/http_request.hpp"
#include "routeiq/net/http_parse.hpp"

namespace routeiq::net {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

struct Url {
  bool tls = false;
  std::string host;
  std::string port;
  std::string target;  // path + query, starting with '/'
  std::string origin() const { return (tls ? "https://" : "http://") + host + ":" + port; }
};
// Parses http(s)://host[:port][/path][?query]; IPv6 literals in brackets.
Result<Url> parse_url(std::string_view url);

using UpstreamRequest = routeiq::HttpRequest;

struct Deadlines {
  using clock = std::chrono::steady_clock;
  clock::time_point total;       // the whole call, including the body
  clock::time_point first_byte;  // response headers must arrive by then
};

// Why a call failed; decides retry and status. bad_response: the upstream
// answered something that is not a valid HTTP response (or cut it short);
// too_large: its body is over UpstreamOptions::max_body_bytes.
enum class CallFailure { none, connect, timeout, io, cancelled, bad_url, bad_response, too_large };

// Process-wide upstream settings, set once at start-up before any call.
struct UpstreamOptions {
  size_t max_body_bytes = size_t{128} << 20;      // a whole (non-streamed) success body
  std::chrono::milliseconds idle_expiry{60'000};  // pooled connections unused this long close
};
void configure_upstream(const UpstreamOptions& options);
const UpstreamOptions& upstream_options();

class Connection;

class UpstreamCall {
 public:
  UpstreamCall();
  ~UpstreamCall();
  UpstreamCall(const UpstreamCall&) = delete;
  UpstreamCall& operator=(const UpstreamCall&) = delete;

  // Connects (or reuses a pooled connection), sends the request and reads the
  // response headers. false: see failure().
  asio::awaitable<bool> start(UpstreamRequest request, Deadlines deadlines);
  // Next piece of the body (any size, as it arrives). Empty with done() at the end.
  asio::awaitable<bool> read_some(std::string& out);
  // The whole remaining body, up to UpstreamOptions::max_body_bytes (beyond
  // it the call fails with too_large).
  asio::awaitable<bool> read_all(std::string& out);
  // At most `max_bytes` of the body (e.g. an error body); the rest is
  // discarded with the connection, which is not reused.
  asio::awaitable<bool> read_prefix(std::string& out, size_t max_bytes);
  // Closes the connection; pending reads fail promptly.
  void cancel();

  int status() const;
  std::string header(std::string_view name) const;
  bool done() const;
  CallFailure failure() const { return failure_; }
  const std::string& failure_detail() const { return detail_; }

 private:
  asio::awaitable<bool> start_once(const UpstreamRequest& request, const Url& url, bool reused_ok);
  bool fail(CallFailure f, std::string detail);
  bool fail_read(const boost::system::error_code& ec);

  std::unique_ptr<Connection> conn_;
  std::unique_ptr<ResponseParser> parser_;
  beast::flat_buffer buffer_;
  Deadlines deadlines_;
  CallFailure failure_ = CallFailure::none;
  std::string detail_;
  bool cancelled_ = false;
};

// Number of idle pooled connections on this thread (for tests and metrics).
size_t pooled_connections();
// Closes this thread's idle pooled connections and stops their expiry timer,
// so the thread's io_context can finish (called when the server stops).
void close_idle_connections();

}  // namespace routeiq::net
