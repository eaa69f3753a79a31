#include "routeiq/net/upstream.hpp"

#include "routeiq/net/send_now.hpp"

#include <openssl/ssl.h>

#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <charconv>
#include <unordered_map>

#include "routeiq/core/log.hpp"

namespace routeiq::net {
namespace ssl = asio::ssl;
namespace {

constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);
constexpr size_t kMaxIdlePerOrigin = 256;
constexpr auto kConnectTimeout = std::chrono::seconds(10);
const ParseLimits kResponseLimits{};  // 64 KiB of header, 16 KiB of trailer, no body limit

UpstreamOptions g_options;  // written once at start-up, before the server threads
// Set when the server stops: calls still finishing then (or destroyed with
// their io_context) close their connections instead of pooling them.
std::atomic<bool> g_pool_closed{false};

ssl::context& tls_context() {
  thread_local ssl::context ctx = [] {
    ssl::context c(ssl::context::tls_client);
    c.set_default_verify_paths();
    c.set_verify_mode(ssl::verify_peer);
    c.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                  ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
    return c;
  }();
  return ctx;
}

std::chrono::steady_clock::duration until(std::chrono::steady_clock::time_point t) {
  auto d = t - std::chrono::steady_clock::now();
  return d.count() > 0 ? d : std::chrono::steady_clock::duration(1);
}

}  // namespace

class Connection {
 public:
  Connection(asio::any_io_executor ex, bool tls, std::string origin)
      : origin_(std::move(origin)), tls_(tls) {
    if (tls)
      ssl_.emplace(beast::tcp_stream(ex), tls_context());
    else
      plain_.emplace(ex);
  }
  beast::tcp_stream& tcp() { return tls_ ? beast::get_lowest_layer(*ssl_) : *plain_; }
  bool tls() const { return tls_; }
  const std::string& origin() const { return origin_; }

  template <class Op>
  auto with_stream(Op&& op) {
    return tls_ ? op(*ssl_) : op(*plain_);
  }

  asio::awaitable<CallFailure> connect(const Url& url, std::string& detail) {
    auto ex = co_await asio::this_coro::executor;
    tcp::resolver resolver(ex);
    auto [rec, endpoints] = co_await resolver.async_resolve(url.host, url.port, kTuple);
    if (rec) {
      detail = "cannot resolve upstream host";
      co_return CallFailure::connect;
    }
    tcp().expires_after(kConnectTimeout);
    auto [cec, ep] = co_await tcp().async_connect(endpoints, kTuple);
    if (cec) {
      detail =
          cec == beast::error::timeout ? "upstream connect timed out" : "upstream connect failed";
      co_return cec == beast::error::timeout ? CallFailure::timeout : CallFailure::connect;
    }
    tcp().socket().set_option(tcp::no_delay(true), cec);
    if (!tls_) co_return CallFailure::none;
    if (!SSL_set_tlsext_host_name(ssl_->native_handle(), url.host.c_str())) {
      detail = "TLS SNI setup failed";
      co_return CallFailure::connect;
    }
    ssl_->set_verify_callback(ssl::host_name_verification(url.host));
    auto [hec] = co_await ssl_->async_handshake(ssl::stream_base::client, kTuple);
    if (hec) {
      detail = "TLS handshake with upstream failed";
      co_return CallFailure::connect;
    }
    co_return CallFailure::none;
  }

 private:
  std::string origin_;
  bool tls_;
  std::optional<beast::tcp_stream> plain_;
  std::optional<beast::ssl_stream<beast::tcp_stream>> ssl_;
};

namespace {

using SteadyClock = std::chrono::steady_clock;

struct IdleConnection {
  std::unique_ptr<Connection> conn;
  SteadyClock::time_point since;
};

// Idle keep-alive connections of this thread, by origin. A timer closes those
// unused for idle_expiry, so descriptors of origins no longer called (or
// connections the upstream has closed) do not stay open forever.
struct Pool {
  std::unordered_map<std::string, std::vector<IdleConnection>> idle;
  std::optional<asio::steady_timer> sweeper;
  bool sweeping = false;

  size_t expire(SteadyClock::time_point now) {
    size_t left = 0;
    for (auto it = idle.begin(); it != idle.end();) {
      auto& list = it->second;
      std::erase_if(
          list, [&](const IdleConnection& c) { return now - c.since >= g_options.idle_expiry; });
      left += list.size();
      it = list.empty() ? idle.erase(it) : std::next(it);
    }
    return left;
  }
};
Pool& pool() {
  thread_local Pool p;
  return p;
}

SteadyClock::duration sweep_interval() {
  auto quarter = g_options.idle_expiry / 4;
  return std::clamp<SteadyClock::duration>(quarter, std::chrono::milliseconds(100),
                                           std::chrono::seconds(5));
}

void arm_sweeper(Pool& p) {
  if (p.sweeping) return;
  p.sweeping = true;
  p.sweeper->expires_after(sweep_interval());
  p.sweeper->async_wait([](boost::system::error_code ec) {
    auto& p = pool();
    p.sweeping = false;
    if (ec) return;
    if (p.expire(SteadyClock::now()) > 0) arm_sweeper(p);
  });
}

std::unique_ptr<Connection> take_pooled(const std::string& origin) {
  auto it = pool().idle.find(origin);
  if (it == pool().idle.end()) return nullptr;
  auto& list = it->second;
  auto now = SteadyClock::now();
  while (!list.empty()) {
    auto conn = std::move(list.back().conn);
    bool fresh = now - list.back().since < g_options.idle_expiry;
    list.pop_back();
    if (fresh) return conn;
  }
  return nullptr;
}

void give_back(std::unique_ptr<Connection> conn) {
  if (g_pool_closed.load(std::memory_order_relaxed)) return;
  auto& p = pool();
  auto& list = p.idle[conn->origin()];
  if (list.size() >= kMaxIdlePerOrigin) return;
  if (!p.sweeper) p.sweeper.emplace(conn->tcp().get_executor());
  list.push_back({std::move(conn), SteadyClock::now()});
  arm_sweeper(p);
}

// Bytes that may not appear in a request target as sent: controls, space,
// DEL and non-ASCII (builders percent-encode what they place in a URL).
bool valid_target_char(char c) {
  auto u = static_cast<unsigned char>(c);
  return u > 0x20 && u < 0x7f;
}

std::string serialize_request(const UpstreamRequest& r, const Url& url) {
  std::string out;
  out.reserve(256 + r.body.size());
  out += r.method;
  out += ' ';
  out += url.target;
  out += " HTTP/1.1\r\nhost: ";
  out += url.host;
  if (!((url.tls && url.port == "443") || (!url.tls && url.port == "80"))) {
    out += ':';
    out += url.port;
  }
  out += "\r\n";
  for (const auto& [k, v] : r.headers) {
    out += k;
    out += ": ";
    out += v;
    out += "\r\n";
  }
  if (r.method != "GET" || !r.body.empty()) {
    out += "content-length: ";
    out += std::to_string(r.body.size());
    out += "\r\n";
  }
  out += "\r\n";
  out += r.body;
  return out;
}

}  // namespace

size_t pooled_connections() {
  size_t n = 0;
  for (auto& [k, v] : pool().idle) n += v.size();
  return n;
}

void close_idle_connections() {
  g_pool_closed.store(true, std::memory_order_relaxed);
  auto& p = pool();
  p.idle.clear();
  if (p.sweeper) p.sweeper->cancel();
}

void configure_upstream(const UpstreamOptions& options) {
  g_options = options;
}

const UpstreamOptions& upstream_options() {
  return g_options;
}

Result<Url> parse_url(std::string_view s) {
  Url u;
  if (s.starts_with("https://")) {
    u.tls = true;
    s.remove_prefix(8);
  } else if (s.starts_with("http://")) {
    s.remove_prefix(7);
  } else {
    return make_error(ErrorKind::internal, "upstream URL must start with http:// or https://");
  }
  auto slash = s.find_first_of("/?");
  std::string_view authority = s.substr(0, slash);
  std::string_view rest = slash == std::string_view::npos ? "" : s.substr(slash);
  if (auto at = authority.rfind('@'); at != std::string_view::npos)
    authority.remove_prefix(at + 1);  // never send userinfo as a host
  std::string_view host = authority, port;
  if (authority.starts_with('[')) {
    auto close = authority.find(']');
    if (close == std::string_view::npos) return make_error(ErrorKind::internal, "bad IPv6 host");
    host = authority.substr(1, close - 1);
    if (close + 1 < authority.size() && authority[close + 1] == ':')
      port = authority.substr(close + 2);
  } else if (auto colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  if (host.empty()) return make_error(ErrorKind::internal, "upstream URL has no host");
  for (char c : s)
    if (!valid_target_char(c))
      return make_error(ErrorKind::internal,
                        "upstream URL holds a byte that must be percent-encoded");
  u.host = host;
  u.port = port.empty() ? (u.tls ? "443" : "80") : std::string(port);
  int port_num = 0;
  auto [p, ec] = std::from_chars(u.port.data(), u.port.data() + u.port.size(), port_num);
  if (ec != std::errc() || p != u.port.data() + u.port.size() || port_num <= 0 || port_num > 65535)
    return make_error(ErrorKind::internal, "upstream URL has a bad port");
  u.target = rest.empty() ? "/" : std::string(rest);
  if (u.target[0] == '?') u.target.insert(0, "/");
  return u;
}

UpstreamCall::UpstreamCall() : buffer_(read_buffer_limit(kResponseLimits)) {}

UpstreamCall::~UpstreamCall() {
  if (conn_ && parser_ && parser_->is_done() && parser_->keep_alive() && !cancelled_ &&
      buffer_.size() == 0)
    give_back(std::move(conn_));
}

bool UpstreamCall::fail(CallFailure f, std::string detail) {
  failure_ = cancelled_ ? CallFailure::cancelled : f;
  detail_ = std::move(detail);
  conn_.reset();
  return false;
}

void UpstreamCall::cancel() {
  cancelled_ = true;
  if (conn_) {
    boost::system::error_code ignored;
    conn_->tcp().socket().shutdown(tcp::socket::shutdown_both, ignored);
    conn_->tcp().socket().close(ignored);
  }
}

asio::awaitable<bool> UpstreamCall::start(UpstreamRequest request, Deadlines deadlines) {
  deadlines_ = deadlines;
  auto url = parse_url(request.url);
  if (!url) co_return fail(CallFailure::bad_url, url.error().message);
  if (auto name = request.headers.refused(); !name.empty())
    co_return fail(CallFailure::bad_url, "upstream request header '" + std::string(name) +
                                             "' holds a character HTTP does not allow");
  // A pooled connection may have been closed by the server while idle; such a
  // failure before any response byte is retried once on a fresh connection.
  bool ok = co_await start_once(request, url.value(), true);
  if (!ok && failure_ == CallFailure::io && !cancelled_)
    ok = co_await start_once(request, url.value(), false);
  co_return ok;
}

namespace {

bool is_http_syntax_error(const boost::system::error_code& ec) {
  return ec.category() == http::make_error_code(http::error::bad_method).category() &&
         ec != http::error::end_of_stream && ec != http::error::need_buffer;
}

}  // namespace

asio::awaitable<bool> UpstreamCall::start_once(const UpstreamRequest& request, const Url& url,
                                               bool reuse) {
  failure_ = CallFailure::none;
  buffer_.clear();
  conn_ = reuse ? take_pooled(url.origin()) : nullptr;
  bool reused = conn_ != nullptr;
  if (!conn_) {
    conn_ = std::make_unique<Connection>(co_await asio::this_coro::executor, url.tls, url.origin());
    auto f = co_await conn_->connect(url, detail_);
    if (cancelled_) co_return fail(CallFailure::cancelled, "cancelled");
    if (f != CallFailure::none) co_return fail(f, detail_);
  }
  std::string wire = serialize_request(request, url);
  conn_->tcp().expires_after(until(deadlines_.first_byte));
  boost::system::error_code wec;
  SendNow now;
  if (!conn_->tls()) now = send_now(conn_->tcp().socket(), wire);  // TLS goes through its stream
  if (now.failed) wec = asio::error::broken_pipe;
  if (!now.failed && now.sent < wire.size()) {
    auto rest = asio::buffer(wire.data() + now.sent, wire.size() - now.sent);
    auto [ec, n] =
        co_await conn_->with_stream([&](auto& s) { return asio::async_write(s, rest, kTuple); });
    wec = ec;
  }
  if (wec) {
    auto f = wec == beast::error::timeout ? CallFailure::timeout
             : reused                     ? CallFailure::io
                                          : CallFailure::connect;
    co_return fail(f, "sending the request upstream failed");
  }
  parser_ = std::make_unique<ResponseParser>(kResponseLimits);
  if (request.method == "HEAD") parser_->skip(true);
  auto [rec, rn] = co_await conn_->with_stream(
      [&](auto& s) { return http::async_read_header(s, buffer_, *parser_, kTuple); });
  if (rec) {
    if (rec == beast::error::timeout)
      co_return fail(CallFailure::timeout, "upstream did not answer in time");
    if (is_http_syntax_error(rec) && rec != http::error::partial_message)
      co_return fail(CallFailure::bad_response,
                     "upstream sent a malformed HTTP response (" + rec.message() + ")");
    if (rn > 0 || rec == http::error::partial_message)
      co_return fail(CallFailure::bad_response, "upstream closed the connection mid-response");
    co_return fail(reused ? CallFailure::io : CallFailure::connect,
                   "upstream closed the connection before answering");
  }
  conn_->tcp().expires_after(until(deadlines_.total));
  co_return true;
}

int UpstreamCall::status() const {
  return parser_ ? parser_->get().result_int() : 0;
}

std::string UpstreamCall::header(std::string_view name) const {
  if (!parser_) return {};
  auto it = parser_->get().find(name);
  return it == parser_->get().end() ? std::string() : std::string(it->value());
}

bool UpstreamCall::done() const {
  return !parser_ || parser_->is_done();
}

bool UpstreamCall::fail_read(const boost::system::error_code& ec) {
  if (ec == beast::error::timeout) return fail(CallFailure::timeout, "upstream response timed out");
  if (ec == http::error::partial_message)
    return fail(CallFailure::bad_response, "upstream response was cut short");
  if (is_http_syntax_error(ec))
    return fail(CallFailure::bad_response,
                "upstream sent a malformed response body (" + ec.message() + ")");
  return fail(CallFailure::io, "upstream connection broke mid-response");
}

asio::awaitable<bool> UpstreamCall::read_some(std::string& out) {
  out.clear();
  if (!conn_ || !parser_)
    co_return fail(failure_ == CallFailure::none ? CallFailure::io : failure_,
                   "no upstream connection");
  if (parser_->is_done()) co_return true;
  char chunk[16 * 1024];
  for (;;) {
    // Checked before every read: a stream that keeps sending would otherwise
    // win every race against a timer armed with no time left.
    if (SteadyClock::now() >= deadlines_.total)
      co_return fail(CallFailure::timeout, "upstream response timed out");
    parser_->get().body().data = chunk;
    parser_->get().body().size = sizeof chunk;
    conn_->tcp().expires_after(until(deadlines_.total));
    auto [ec, n] = co_await conn_->with_stream(
        [&](auto& s) { return http::async_read_some(s, buffer_, *parser_, kTuple); });
    if (ec == http::error::need_buffer) ec = {};
    if (ec) co_return fail_read(ec);
    size_t got = sizeof chunk - parser_->get().body().size;
    out.append(chunk, got);
    if (got || parser_->is_done()) co_return true;
  }
}

asio::awaitable<bool> UpstreamCall::read_all(std::string& out) {
  out.clear();
  std::string piece;
  while (!done()) {
    if (!co_await read_some(piece)) co_return false;
    if (out.size() + piece.size() > g_options.max_body_bytes)
      co_return fail(CallFailure::too_large, "upstream response body is larger than the " +
                                                 std::to_string(g_options.max_body_bytes >> 20) +
                                                 " MiB limit");
    out += piece;
  }
  co_return true;
}

asio::awaitable<bool> UpstreamCall::read_prefix(std::string& out, size_t max_bytes) {
  out.clear();
  std::string piece;
  while (!done() && out.size() < max_bytes) {
    if (!co_await read_some(piece)) co_return false;
    out.append(piece, 0, std::min(piece.size(), max_bytes - out.size()));
  }
  if (!done()) conn_.reset();  // the rest is discarded with the connection
  co_return true;
}

}  // namespace routeiq::net
