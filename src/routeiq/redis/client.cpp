#include "routeiq/redis/client.hpp"

#include <hiredis/hiredis.h>

#include <algorithm>
#include <charconv>
#include <utility>

#include "routeiq/core/log.hpp"

namespace routeiq::redis {

namespace {

using Clock = std::chrono::steady_clock;

timeval to_timeval(std::chrono::milliseconds ms) {
  auto count = std::max<int64_t>(ms.count(), 1);
  return timeval{static_cast<time_t>(count / 1000), static_cast<suseconds_t>(count % 1000 * 1000)};
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::optional<std::string> percent_decode(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out += text[i];
      continue;
    }
    if (i + 2 >= text.size()) return std::nullopt;
    int high = hex_value(text[i + 1]), low = hex_value(text[i + 2]);
    if (high < 0 || low < 0) return std::nullopt;
    out += static_cast<char>(high * 16 + low);
    i += 2;
  }
  return out;
}

std::optional<int> parse_int(std::string_view text, int low, int high) {
  int value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size() || value < low || value > high)
    return std::nullopt;
  return value;
}

Error url_error(std::string what) {
  // The URL itself is never repeated: it may hold the password.
  return make_error(ErrorKind::invalid_request, "redis_url: " + std::move(what));
}

bool fill_user_info(std::string_view info, Options& options) {
  size_t colon = info.find(':');
  // Without a colon the part is the password, as in redis://secret@host.
  auto user = percent_decode(colon == std::string_view::npos ? "" : info.substr(0, colon));
  auto password = percent_decode(colon == std::string_view::npos ? info : info.substr(colon + 1));
  if (!user || !password) return false;
  options.username = std::move(*user);
  options.password = std::move(*password);
  return true;
}

bool fill_host_port(std::string_view host_port, Options& options) {
  std::string_view host = host_port, port;
  if (host_port.starts_with('[')) {  // [IPv6]:port
    size_t close = host_port.find(']');
    if (close == std::string_view::npos) return false;
    host = host_port.substr(1, close - 1);
    std::string_view rest = host_port.substr(close + 1);
    if (!rest.empty() && !rest.starts_with(':')) return false;
    if (!rest.empty()) port = rest.substr(1);
  } else if (size_t colon = host_port.rfind(':'); colon != std::string_view::npos) {
    host = host_port.substr(0, colon);
    port = host_port.substr(colon + 1);
  }
  if (host.empty()) return false;
  options.host = std::string(host);
  if (port.empty()) return true;
  auto number = parse_int(port, 1, 65535);
  if (!number) return false;
  options.port = *number;
  return true;
}

}  // namespace

Result<Options> options_from_url(std::string_view url) {
  constexpr std::string_view kScheme = "redis://";
  if (url.starts_with("rediss://")) return url_error("TLS (rediss://) is not supported");
  if (!url.starts_with(kScheme)) return url_error("must start with redis://");
  std::string_view rest = url.substr(kScheme.size());
  rest = rest.substr(0, rest.find('?'));  // query options are not read
  size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? "" : rest.substr(slash + 1);
  Options options;
  if (size_t at = authority.rfind('@'); at != std::string_view::npos) {
    if (!fill_user_info(authority.substr(0, at), options))
      return url_error("bad percent-encoding in the user or password");
    authority = authority.substr(at + 1);
  }
  if (!fill_host_port(authority, options)) return url_error("bad host or port");
  if (!path.empty()) {
    auto db = parse_int(path, 0, 1 << 20);
    if (!db) return url_error("the path must be a database number");
    options.db = *db;
  }
  return options;
}

Reply to_reply(const redisReply* reply) {
  Reply out;
  switch (reply->type) {
    case REDIS_REPLY_NIL:
      return out;
    case REDIS_REPLY_INTEGER:
      out.type = Reply::Type::integer;
      out.integer = reply->integer;
      return out;
    case REDIS_REPLY_ARRAY:
      out.type = Reply::Type::array;
      out.elements.reserve(reply->elements);
      for (size_t i = 0; i < reply->elements; ++i)
        out.elements.push_back(to_reply(reply->element[i]));
      return out;
    case REDIS_REPLY_STATUS:
      out.type = Reply::Type::status;
      break;
    case REDIS_REPLY_ERROR:
      out.type = Reply::Type::error;
      break;
    default:  // strings, and RESP3 types (never asked for) as their text
      out.type = Reply::Type::string;
      break;
  }
  if (reply->str != nullptr) out.str.assign(reply->str, reply->len);
  return out;
}

Client::Client(Options options) : options_(std::move(options)) {
  next_attempt_ = Clock::now();
  thread_ = std::thread([this] { run(); });
}

Client::~Client() {
  stop();
}

void Client::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
  if (context_ != nullptr) redisFree(std::exchange(context_, nullptr));
  connected_.store(false, std::memory_order_release);
}

bool Client::submit(Command command, Callback callback) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ || queue_.size() >= options_.max_queued) return false;
    queue_.push_back(Pending{std::move(command), std::move(callback), std::nullopt});
  }
  wake_.notify_one();
  return true;
}

size_t Client::add_script(std::string source) {
  std::lock_guard lock(mutex_);
  scripts_.push_back(Script{std::move(source), {}});
  scripts_added_ = true;  // loaded before the next batch, so later calls are EVALSHA
  return scripts_.size() - 1;
}

bool Client::eval(size_t script_id, std::vector<std::string> keys, std::vector<std::string> args,
                  Callback callback) {
  Command command;
  command.reserve(3 + keys.size() + args.size());
  {
    std::lock_guard lock(mutex_);
    if (stopping_ || queue_.size() >= options_.max_queued || script_id >= scripts_.size())
      return false;
    const Script& script = scripts_[script_id];
    // Not loaded yet (never connected): the source itself, which also loads it.
    command.emplace_back(script.sha.empty() ? "EVAL" : "EVALSHA");
    command.push_back(script.sha.empty() ? script.source : script.sha);
  }
  command.push_back(std::to_string(keys.size()));
  for (auto& key : keys) command.push_back(std::move(key));
  for (auto& arg : args) command.push_back(std::move(arg));
  {
    std::lock_guard lock(mutex_);
    if (stopping_ || queue_.size() >= options_.max_queued) return false;
    queue_.push_back(Pending{std::move(command), std::move(callback), script_id});
  }
  wake_.notify_one();
  return true;
}

bool Client::wait_connected(std::chrono::milliseconds limit) const {
  auto deadline = Clock::now() + limit;
  while (!connected()) {
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return true;
}

std::string Client::where() const {
  return options_.host + ":" + std::to_string(options_.port);
}

void Client::run() {
  for (;;) {
    std::deque<Pending> batch;
    bool stopping = false, load_now = false;
    {
      std::unique_lock lock(mutex_);
      auto ready = [&] { return stopping_ || !queue_.empty(); };
      if (context_ != nullptr)
        wake_.wait(lock, ready);
      else
        wake_.wait_until(lock, next_attempt_, ready);
      batch.swap(queue_);
      stopping = stopping_;
      load_now = scripts_added_ && context_ != nullptr;
    }
    if (stopping) {
      fail_all(batch, "redis client stopping");
      return;
    }
    if (context_ == nullptr) {
      // Fail first, connect after: a command never waits for a server that is down.
      fail_all(batch, "redis " + where() + " not connected");
      if (Clock::now() >= next_attempt_) connect_now();
      continue;
    }
    if (std::string why; load_now && !load_scripts(false, why)) {
      disconnect(why);
      fail_all(batch, "redis " + where() + ": " + why);
      continue;
    }
    execute(batch);
  }
}

bool Client::connect_now() {
  context_ = redisConnectWithTimeout(options_.host.c_str(), options_.port,
                                     to_timeval(options_.connect_timeout));
  std::string why;
  if (context_ == nullptr || context_->err != 0) {
    why = context_ == nullptr ? "cannot allocate a connection" : context_->errstr;
  } else if (redisSetTimeout(context_, to_timeval(options_.command_timeout)) != REDIS_OK) {
    why = "cannot set the socket timeout";
  } else if (handshake(why)) {
    redisEnableKeepAlive(context_);
    backoff_ = std::chrono::milliseconds(0);
    connects_.fetch_add(1, std::memory_order_relaxed);
    connected_.store(true, std::memory_order_release);
    if (std::exchange(down_reported_, false))
      log::info() << "redis " << where() << " reachable again";
    return true;
  }
  disconnect(why);
  return false;
}

bool Client::handshake(std::string& why) {
  auto check = [&](const Command& command, std::string_view step) {
    auto reply = round_trip(command);
    if (!reply) {
      why = std::string(step) + ": " + context_->errstr;
      return false;
    }
    // Server errors name no secret (WRONGPASS is a fixed message).
    if (reply->is_error()) why = std::string(step) + " refused: " + reply->str;
    return !reply->is_error();
  };
  if (!options_.password.empty()) {
    Command auth = options_.username.empty()
                       ? Command{"AUTH", options_.password}
                       : Command{"AUTH", options_.username, options_.password};
    if (!check(auth, "AUTH")) return false;
  }
  if (options_.db != 0 && !check(Command{"SELECT", std::to_string(options_.db)}, "SELECT"))
    return false;
  return load_scripts(true, why);
}

bool Client::load_scripts(bool all, std::string& why) {
  std::vector<std::pair<size_t, std::string>> sources;
  {
    std::lock_guard lock(mutex_);
    for (size_t i = 0; i < scripts_.size(); ++i) {
      if (all || scripts_[i].sha.empty()) sources.emplace_back(i, scripts_[i].source);
    }
    scripts_added_ = false;
  }
  for (const auto& [id, source] : sources) {
    auto reply = round_trip(Command{"SCRIPT", "LOAD", source});
    if (!reply || reply->is_error()) {
      why = reply ? "SCRIPT LOAD refused: " + reply->str
                  : "SCRIPT LOAD: " + std::string(context_->errstr);
      return false;
    }
    std::lock_guard lock(mutex_);
    scripts_[id].sha = reply->str;
  }
  return true;
}

void Client::report_down(std::string_view why) {
  if (std::exchange(down_reported_, true)) return;
  log::warn() << "redis " << where() << " unreachable (" << why
              << "); commands fail until it answers, retrying in the background";
}

void Client::disconnect(std::string_view why) {
  report_down(why);
  if (context_ != nullptr) redisFree(context_);
  context_ = nullptr;
  connected_.store(false, std::memory_order_release);
  backoff_ = backoff_.count() == 0 ? options_.reconnect_min
                                   : std::min(backoff_ * 2, options_.reconnect_max);
  next_attempt_ = Clock::now() + backoff_;
}

void Client::fail_all(std::deque<Pending>& batch, const std::string& why) {
  for (Pending& pending : batch) pending.callback(Reply::failure(why));
  batch.clear();
}

namespace {

bool append(redisContext* context, const Command& command) {
  std::vector<const char*> argv;
  std::vector<size_t> lengths;
  argv.reserve(command.size());
  lengths.reserve(command.size());
  for (const std::string& part : command) {
    argv.push_back(part.data());
    lengths.push_back(part.size());
  }
  return redisAppendCommandArgv(context, static_cast<int>(argv.size()), argv.data(),
                                lengths.data()) == REDIS_OK;
}

}  // namespace

std::optional<Reply> Client::round_trip(const Command& command) {
  void* raw = nullptr;
  if (!append(context_, command) || redisGetReply(context_, &raw) != REDIS_OK) return std::nullopt;
  Reply reply = to_reply(static_cast<redisReply*>(raw));
  freeReplyObject(raw);
  return reply;
}

Command Client::as_eval(size_t script_id, Command evalsha) const {
  std::lock_guard lock(mutex_);
  evalsha[0] = "EVAL";
  evalsha[1] = scripts_[script_id].source;
  return evalsha;
}

void Client::execute(std::deque<Pending>& batch) {
  for (const Pending& pending : batch) {
    if (!append(context_, pending.command)) {
      disconnect("cannot buffer a command");
      fail_all(batch, "redis " + where() + ": cannot buffer a command");
      return;
    }
  }
  std::deque<Pending> retries;
  while (!batch.empty()) {
    void* raw = nullptr;
    if (redisGetReply(context_, &raw) != REDIS_OK) {
      std::string why = "redis " + where() + ": " + context_->errstr;
      disconnect(context_->errstr);
      fail_all(batch, why);
      fail_all(retries, why);
      return;
    }
    Reply reply = to_reply(static_cast<redisReply*>(raw));
    freeReplyObject(raw);
    Pending pending = std::move(batch.front());
    batch.pop_front();
    if (pending.script && reply.type == Reply::Type::error && reply.str.starts_with("NOSCRIPT")) {
      // The server lost its scripts: the source again, after this batch's replies.
      pending.command = as_eval(*pending.script, std::move(pending.command));
      pending.script.reset();
      retries.push_back(std::move(pending));
      continue;
    }
    pending.callback(std::move(reply));
  }
  if (!retries.empty()) execute(retries);
}

}  // namespace routeiq::redis
