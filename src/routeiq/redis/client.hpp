#pragma once
// A Redis client for the gateway's shared state: one connection, driven by
// one I/O thread of its own, so no event loop thread ever waits on Redis.
//
// submit() may be called from any thread: the command is queued (bounded)
// and the I/O thread writes every queued command in one pipelined batch, then
// reads their replies in order and calls each callback, on the I/O thread,
// exactly once: with the reply, or with a `failed` reply when none can come
// (not connected, timed out, connection lost, client stopping). A caller on
// an event loop posts the result back to its own executor.
//
// While disconnected, queued commands fail at once (no waiting for the
// server to come back); the I/O thread reconnects in the background with
// exponential backoff. Scripts registered with add_script() are loaded on
// every connect (SCRIPT LOAD) and called by EVALSHA, with EVAL when the
// server answers NOSCRIPT (restarted, or SCRIPT FLUSH).
//
// The password appears in no log line and no error message.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "routeiq/core/error.hpp"

struct redisContext;
struct redisReply;

namespace routeiq::redis {

struct Options {
  std::string host = "127.0.0.1";
  int port = 6379;
  std::string username;  // an ACL user; empty: AUTH with the password alone
  std::string password;  // empty: no AUTH
  int db = 0;
  std::chrono::milliseconds connect_timeout{500};
  // For each read and write of a batch: a server slower than this counts as down.
  std::chrono::milliseconds command_timeout{500};
  std::chrono::milliseconds reconnect_min{50};
  std::chrono::milliseconds reconnect_max{2000};
  size_t max_queued = 100000;  // commands waiting for the I/O thread; more are refused
};

// redis://[[user]:password@]host[:port][/db]; user and password percent-decoded.
// Other fields keep their defaults.
Result<Options> options_from_url(std::string_view url);

struct Reply {
  enum class Type { nil, integer, string, status, array, error, failed };
  Type type = Type::nil;
  int64_t integer = 0;
  std::string str;  // string, status and error replies; why for `failed`
  std::vector<Reply> elements;

  // An error reply from the server, or no reply at all.
  bool is_error() const { return type == Type::error || type == Type::failed; }
  static Reply failure(std::string why) { return Reply{Type::failed, 0, std::move(why), {}}; }
};

using Command = std::vector<std::string>;
using Callback = std::function<void(Reply)>;

class Client {
 public:
  explicit Client(Options options);
  // Stops the I/O thread; commands still queued get a `failed` reply first.
  ~Client();
  // The same, earlier (idempotent; by the owner, never from a callback):
  // submit() refuses from then on.
  void stop();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Queues `command`. False when refused (queue full, or stopping): then
  // `callback` is dropped without being called, so the caller decides inline.
  bool submit(Command command, Callback callback);

  // A script run by EVALSHA; the id is for eval(). Any thread, any time.
  size_t add_script(std::string source);
  // EVALSHA of script `id` (EVAL when the server does not know it).
  bool eval(size_t script_id, std::vector<std::string> keys, std::vector<std::string> args,
            Callback callback);

  // Waits (sleeping, never on an event loop thread) until connected or
  // `limit` passed; for start-up and tests.
  bool wait_connected(std::chrono::milliseconds limit) const;
  // Whether the last attempt to reach the server succeeded. Submitting while
  // disconnected gives a `failed` reply at once.
  bool connected() const { return connected_.load(std::memory_order_acquire); }
  // Connections made (the first included): tests see reconnects.
  uint64_t connects() const { return connects_.load(std::memory_order_relaxed); }

  const Options& options() const { return options_; }

 private:
  struct Pending {
    Command command;
    Callback callback;
    std::optional<size_t> script;  // an EVALSHA of this script: retried as EVAL on NOSCRIPT
  };
  struct Script {
    std::string source;
    std::string sha;  // from SCRIPT LOAD; empty until loaded
  };

  void run();
  bool connect_now();
  bool handshake(std::string& why);
  // SCRIPT LOAD of every script, or of those not loaded yet.
  bool load_scripts(bool all, std::string& why);
  void disconnect(std::string_view why);
  void report_down(std::string_view why);
  void fail_all(std::deque<Pending>& batch, const std::string& why);
  void execute(std::deque<Pending>& batch);
  std::optional<Reply> round_trip(const Command& command);
  Command as_eval(size_t script_id, Command evalsha) const;
  std::string where() const;

  const Options options_;
  redisContext* context_ = nullptr;  // the I/O thread's alone
  std::chrono::milliseconds backoff_{0};
  std::chrono::steady_clock::time_point next_attempt_{};
  bool down_reported_ = false;

  mutable std::mutex mutex_;  // guards queue_, stopping_ and scripts_
  std::condition_variable wake_;
  std::deque<Pending> queue_;
  std::vector<Script> scripts_;
  bool stopping_ = false;
  bool scripts_added_ = false;  // since the last load

  std::atomic<bool> connected_{false};
  std::atomic<uint64_t> connects_{0};
  std::thread thread_;
};

// A hiredis reply as an owned value.
Reply to_reply(const redisReply* reply);

}  // namespace routeiq::redis
