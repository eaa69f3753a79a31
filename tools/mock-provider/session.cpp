#include "session.hpp"

#include <sys/socket.h>

#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/json.hpp>
#include <cerrno>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>

#include "core/faults.hpp"
#include "core/replies.hpp"
#include "core/router.hpp"
#include "core/settings.hpp"
#include "core/stats.hpp"
#include "core/validate.hpp"

namespace mock {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;
using asio::awaitable;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

constexpr auto nothrow_awaitable = asio::as_tuple(asio::use_awaitable);
constexpr size_t kBodyLimit = 32 << 20;
constexpr size_t kReadBufferSize = 16 << 10;
// Parsed request bodies live here; larger ones spill to the heap.
constexpr size_t kScratchSize = 32 << 10;

using Parser = http::request_parser<http::string_body>;
using Request = http::request<http::string_body>;

std::mutex g_config_mutex;

std::string lower(std::string_view text) {
  std::string out(text);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Only these request headers are shown by /mock/stats; secrets are redacted.
void record_headers(const Request& req, RequestRecord& record) {
  record.headers.clear();
  for (const auto& field : req) {
    std::string_view name = field.name_string();
    bool secret = field.name() == http::field::authorization || beast::iequals(name, "api-key");
    bool custom = name.size() > 2 && beast::iequals(name.substr(0, 2), "x-");
    if (!secret && !custom) continue;
    std::string value = secret ? redact_secret(field.value()) : std::string(field.value());
    record.headers.emplace_back(lower(name), std::move(value));
  }
}

// OpenAI answers every request with an x-request-id ("req_" and 32 hex
// digits), which its SDKs expose as _request_id.
void append_request_id(std::string& out) {
  thread_local uint64_t counter = 0;
  constexpr char kHex[] = "0123456789abcdef";
  uint64_t n = ++counter;
  out += "x-request-id: req_";
  for (int i = 31; i >= 0; --i) out += i < 16 ? kHex[(n >> (4 * i)) & 15] : '0';
  out += "\r\n";
}

void write_head(std::string& out, int status, std::string_view content_type, size_t content_length,
                bool keep_alive, std::string_view extra_headers) {
  out.clear();
  out += "HTTP/1.1 ";
  out += std::to_string(status);
  out += ' ';
  out += reason_phrase(status);
  out += "\r\nContent-Type: ";
  out += content_type;
  out += "\r\nContent-Length: ";
  out += std::to_string(content_length);
  out += "\r\n";
  append_request_id(out);
  out += extra_headers;
  if (!keep_alive) out += "Connection: close\r\n";
  out += "\r\n";
}

class Session {
 public:
  explicit Session(tcp::socket socket)
      : socket_(std::move(socket)),
        timer_(socket_.get_executor()),
        scratch_(std::make_unique<unsigned char[]>(kScratchSize)) {
    // Beast reads at most the free capacity (at least 512 bytes): with room
    // for a whole request, one recv per request suffices.
    buffer_.reserve(kReadBufferSize);
  }

  awaitable<void> run() {
    while (co_await serve_one()) {
    }
    boost::system::error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_send, ignored);
    socket_.close(ignored);
  }

 private:
  const Request& request() const { return parser_->get(); }

  // Serves one request; false when the connection should end.
  awaitable<bool> serve_one() {
    parser_.emplace();
    parser_->body_limit(kBodyLimit);
    boost::system::error_code ec = co_await read_request();
    if (ec == http::error::body_limit) {
      keep_alive_ = false;
      co_await send(Reply{413,
                          R"({"error":{"message":"Request too large","type":)"
                          R"("invalid_request_error","param":null,"code":null}})",
                          {}});
      co_return false;
    }
    if (ec) co_return false;
    settings_ = current_settings();
    keep_alive_ = request().keep_alive();
    Route route = match_route(request().method_string(), request().target());
    co_return co_await dispatch(route);
  }

  // Answers `Expect: 100-continue` (curl sends it for large bodies) so such
  // clients do not stall waiting for it.
  awaitable<boost::system::error_code> read_request() {
    auto [ec, n] = co_await http::async_read_header(socket_, buffer_, *parser_, nothrow_awaitable);
    if (ec || parser_->is_done()) co_return ec;
    if (beast::iequals(parser_->get()[http::field::expect], "100-continue")) {
      constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
      if (!co_await write(kContinue)) co_return asio::error::connection_reset;
    }
    auto [body_ec, body_n] =
        co_await http::async_read(socket_, buffer_, *parser_, nothrow_awaitable);
    co_return body_ec;
  }

  awaitable<bool> dispatch(Route route) {
    if (route.endpoint == Endpoint::not_found) {
      stats().not_found.add();
      co_return co_await send(not_found(request().method_string(), route.path));
    }
    if (!route.method_allowed)
      co_return co_await send(
          method_not_allowed(request().method_string(), route.path, route.allowed_methods));
    if (is_control(route.endpoint)) co_return co_await send(serve_control(route));
    co_return co_await serve_api(route);
  }

  // The OpenAI-shaped routes: auth, latency, faults, then the reply.
  awaitable<bool> serve_api(Route route) {
    count_request(route.endpoint);
    remember_request();
    if (settings_->latency_ms > 0) co_await sleep_for(settings_->latency_ms);
    if (auto denied = authenticate(route)) {
      stats().unauthorized.add();
      co_return co_await send(*denied);
    }
    if (route.endpoint == Endpoint::azure_chat) {
      if (auto missing = check_azure_query(route.query)) co_return co_await send(*missing);
    }
    if (is_inference(route.endpoint)) {
      if (auto fault = injected_fault(*settings_, stats().next_sequence())) {
        (is_rate_limit(*fault) ? stats().rate_limited : stats().errors_injected).add();
        co_return co_await send(*fault);
      }
    }
    co_return co_await serve_endpoint(route);
  }

  awaitable<bool> serve_endpoint(Route route) {
    switch (route.endpoint) {
      case Endpoint::chat:
      case Endpoint::azure_chat:
        co_return co_await serve_chat(route);
      case Endpoint::completions:
        co_return co_await serve_completion();
      case Endpoint::embeddings:
        co_return co_await send(serve_embeddings());
      case Endpoint::models:
        write_model_list(body_, settings_->name);
        break;
      default:
        write_model(body_, route.arg);
        break;
    }
    co_return co_await send_body(200);
  }

  awaitable<bool> serve_chat(Route route) {
    json::monotonic_resource memory(scratch_.get(), kScratchSize);
    std::optional<ApiError> error;
    json::value body = parse_body(memory, error);
    ChatRequest chat;
    if (!error) error = check_chat(body.get_object(), route.endpoint == Endpoint::chat, chat);
    if (error) co_return co_await reject(*error);
    if (chat.model.empty()) chat.model = std::string(route.arg);
    std::string text = reply_text(settings_->name, chat.model);
    Usage usage{prompt_tokens_of(chat.prompt_chars), static_cast<size_t>(settings_->chunks)};
    if (chat.stream) {
      StreamEvents events(StreamEvents::Kind::chat, chat.model, chat.include_usage);
      co_return co_await stream(std::move(events), std::move(text), usage, chat.include_usage);
    }
    write_chat_completion(body_, chat.model, text, chat.n, usage);
    co_return co_await send_body(200);
  }

  awaitable<bool> serve_completion() {
    json::monotonic_resource memory(scratch_.get(), kScratchSize);
    std::optional<ApiError> error;
    json::value body = parse_body(memory, error);
    CompletionRequest completion;
    if (!error) error = check_completion(body.get_object(), completion);
    if (error) co_return co_await reject(*error);
    std::string text = reply_text(settings_->name, completion.model);
    Usage usage{prompt_tokens_of(completion.prompt_chars), static_cast<size_t>(settings_->chunks)};
    if (completion.stream) {
      StreamEvents events(StreamEvents::Kind::text_completion, completion.model,
                          completion.include_usage);
      co_return co_await stream(std::move(events), std::move(text), usage,
                                completion.include_usage);
    }
    write_text_completion(body_, completion.model, text, completion.n, usage);
    co_return co_await send_body(200);
  }

  Reply serve_embeddings() {
    json::monotonic_resource memory(scratch_.get(), kScratchSize);
    std::optional<ApiError> error;
    json::value body = parse_body(memory, error);
    EmbeddingRequest embedding;
    if (!error) error = check_embedding(body.get_object(), embedding);
    if (error) {
      stats().bad_requests.add();
      return reply_from(*error);
    }
    write_embeddings(body_, embedding);
    return Reply{200, body_, {}};
  }

  // The parsed body allocates from `memory`, which must outlive it: callers
  // declare both in that order in one scope.
  json::value parse_body(json::monotonic_resource& memory, std::optional<ApiError>& error) {
    boost::system::error_code ec;
    json::parse_options options;
    options.max_depth = 256;  // OpenAI takes deeply nested tool and response_format schemas
    json::value body = json::parse(request().body(), ec, &memory, options);
    if (ec)
      error = invalid_json_error();
    else
      error = check_is_object(body);
    return body;
  }

  awaitable<bool> reject(ApiError error) {
    stats().bad_requests.add();
    co_return co_await send(reply_from(error));
  }

  Reply serve_control(Route route) {
    switch (route.endpoint) {
      case Endpoint::mock_stats:
        return Reply{200, json::serialize(stats().to_json()), {}};
      case Endpoint::mock_reset:
        stats().reset();
        return Reply{200, R"({"reset":true})", {}};
      default:
        break;
    }
    if (request().method() == http::verb::get)
      return Reply{200, json::serialize(settings_to_json(*settings_)), {}};
    return update_config();
  }

  Reply update_config() {
    boost::system::error_code ec;
    json::value changes = json::parse(request().body(), ec);
    if (ec || !changes.is_object()) return reply_from(invalid_json_error());
    std::lock_guard lock(g_config_mutex);
    Settings updated = *current_settings();
    if (auto problem = apply_config(updated, changes.get_object())) {
      ApiError error;
      error.message = *problem;
      return reply_from(error);
    }
    json::object shown = settings_to_json(updated);
    publish_settings(std::move(updated));
    return Reply{200, json::serialize(shown), {}};
  }

  std::optional<Reply> authenticate(const Route& route) const {
    const Request& req = request();
    auto authorization = req[http::field::authorization];
    auto api_key = req["api-key"];
    return check_auth(*settings_, route.endpoint, {authorization.data(), authorization.size()},
                      {api_key.data(), api_key.size()});
  }

  void count_request(Endpoint endpoint) {
    Stats& s = stats();
    s.requests.add();
    switch (endpoint) {
      case Endpoint::chat:
      case Endpoint::azure_chat:
        s.chat.add();
        break;
      case Endpoint::completions:
        s.completions.add();
        break;
      case Endpoint::embeddings:
        s.embeddings.add();
        break;
      default:
        s.models.add();
        break;
    }
  }

  void remember_request() {
    const Request& req = request();
    record_.method = req.method_string();
    record_.target = req.target();
    record_.body = req.body();
    record_headers(req, record_);
    stats().remember(record_);
  }

  // Streams `text` as SSE events; false when the connection must end.
  awaitable<bool> stream(StreamEvents events, std::string text, Usage usage, bool include_usage) {
    stats().streams_started.add();
    head_ =
        "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream; charset=utf-8\r\n"
        "Cache-Control: no-cache\r\nTransfer-Encoding: chunked\r\n";
    append_request_id(head_);
    if (!keep_alive_) head_ += "Connection: close\r\n";
    head_ += "\r\n";
    if (!co_await write(head_)) co_return cancelled();
    auto pieces = split_text(text, settings_->chunks);
    int fail_after = settings_->fail_mid_stream_after;
    auto interval = chunk_interval();
    auto deadline = Clock::now() + std::chrono::milliseconds(settings_->ttft_ms);
    for (size_t i = 0; i < pieces.size(); ++i, deadline += interval) {
      if (fail_after >= 0 && static_cast<size_t>(fail_after) == i) co_return fail_stream();
      if (!co_await pause_until(deadline)) co_return cancelled();
      events.content(frame_, pieces[i], i == 0);
      if (!co_await write(frame_)) co_return cancelled();
    }
    if (fail_after >= 0 && static_cast<size_t>(fail_after) == pieces.size())
      co_return fail_stream();
    co_return co_await end_stream(std::move(events), usage, include_usage);
  }

  awaitable<bool> end_stream(StreamEvents events, Usage usage, bool include_usage) {
    events.finish(frame_);
    std::string tail;
    if (include_usage) events.usage(tail, usage);
    frame_ += tail;
    StreamEvents::done(tail);
    frame_ += tail;
    if (!co_await write(frame_)) co_return cancelled();
    stats().streams_completed.add();
    co_return keep_alive_;
  }

  Clock::duration chunk_interval() const {
    double tps = settings_->tokens_per_second;
    if (tps <= 0) return Clock::duration::zero();
    return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(1.0 / tps));
  }

  bool cancelled() {
    stats().streams_cancelled.add();
    return false;
  }

  bool fail_stream() {
    stats().streams_failed.add();
    boost::system::error_code ignored;
    socket_.close(ignored);
    return false;
  }

  // Waits until `deadline`, watching the socket; false if the client hung up.
  awaitable<bool> pause_until(Clock::time_point deadline) {
    using namespace asio::experimental::awaitable_operators;
    if (deadline <= Clock::now()) co_return true;
    timer_.expires_at(deadline);
    auto first = co_await (timer_.async_wait(nothrow_awaitable) ||
                           socket_.async_wait(tcp::socket::wait_read, nothrow_awaitable));
    if (first.index() == 0) co_return true;
    if (peer_gone()) co_return false;
    // Pipelined bytes, not a hang-up: sit out the pause without watching.
    timer_.expires_at(deadline);
    co_await timer_.async_wait(nothrow_awaitable);
    co_return true;
  }

  bool peer_gone() {
    char byte;
    ssize_t n = ::recv(socket_.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    if (n > 0) return false;
    return n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR);
  }

  awaitable<void> sleep_for(int ms) {
    timer_.expires_after(std::chrono::milliseconds(ms));
    co_await timer_.async_wait(nothrow_awaitable);
  }

  awaitable<bool> write(std::string_view bytes) {
    auto [ec, n] = co_await asio::async_write(socket_, asio::buffer(bytes), nothrow_awaitable);
    co_return !ec;
  }

  awaitable<bool> send(Reply reply) {
    write_head(head_, reply.status, "application/json", reply.body.size(), keep_alive_,
               reply.headers);
    std::array buffers{asio::buffer(head_), asio::buffer(reply.body)};
    auto [ec, n] = co_await asio::async_write(socket_, buffers, nothrow_awaitable);
    co_return !ec && keep_alive_;
  }

  // Sends body_ as the JSON reply.
  awaitable<bool> send_body(int status) {
    write_head(head_, status, "application/json", body_.size(), keep_alive_, {});
    std::array buffers{asio::buffer(head_), asio::buffer(body_)};
    auto [ec, n] = co_await asio::async_write(socket_, buffers, nothrow_awaitable);
    co_return !ec && keep_alive_;
  }

  tcp::socket socket_;
  asio::steady_timer timer_;
  beast::flat_buffer buffer_;
  std::optional<Parser> parser_;
  std::shared_ptr<const Settings> settings_;
  bool keep_alive_ = true;
  std::unique_ptr<unsigned char[]> scratch_;
  std::string head_, body_, frame_;
  RequestRecord record_;
};

}  // namespace

awaitable<void> run_session(tcp::socket socket) {
  auto session = std::make_unique<Session>(std::move(socket));
  co_await session->run();
}

}  // namespace mock
