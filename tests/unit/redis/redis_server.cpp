#include "redis_server.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <hiredis/hiredis.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

namespace routeiq::test {

namespace {

using namespace std::chrono_literals;

// A port the kernel just handed out; free again once closed.
int free_port() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  int port = 0;
  if (fd >= 0 && bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0)
    port = ntohs(addr.sin_port);
  if (fd >= 0) close(fd);
  return port;
}

std::optional<int> wait_exit(pid_t pid, std::chrono::milliseconds limit) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  for (;;) {
    int status = 0;
    pid_t done = waitpid(pid, &status, WNOHANG);
    if (done == pid || done < 0) return done < 0 ? -1 : status;
    if (std::chrono::steady_clock::now() > deadline) return std::nullopt;
    std::this_thread::sleep_for(5ms);
  }
}

std::string reply_text(const redisReply* reply) {
  switch (reply->type) {
    case REDIS_REPLY_INTEGER:
      return std::to_string(reply->integer);
    case REDIS_REPLY_NIL:
      return "";
    case REDIS_REPLY_ARRAY: {
      std::string joined;
      for (size_t i = 0; i < reply->elements; ++i) {
        if (i > 0) joined += ',';
        joined += reply_text(reply->element[i]);
      }
      return joined;
    }
    default:
      return std::string(reply->str, reply->len);
  }
}

}  // namespace

std::unique_ptr<RedisServer> RedisServer::start(std::string& error, std::string password) {
  std::unique_ptr<RedisServer> server(new RedisServer());
  const char* binary = std::getenv("ROUTEIQ_REDIS_SERVER");
  server->binary_ = binary && *binary ? binary : "redis-server";
  server->password_ = std::move(password);
  std::string pattern = (std::filesystem::temp_directory_path() / "routeiq-redis-XXXXXX").string();
  if (!mkdtemp(pattern.data())) {
    error = "mkdtemp failed";
    return nullptr;
  }
  server->dir_ = pattern;
  server->port_ = free_port();
  if (server->port_ == 0) {
    error = "cannot find a free port";
    return nullptr;
  }
  if (!server->launch(error)) {
    error += "\n" + server->log_tail();
    return nullptr;
  }
  return server;
}

RedisServer::~RedisServer() {
  std::string ignored;
  stop(ignored);
  std::error_code ec;
  if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
}

bool RedisServer::launch(std::string& error) {
  std::vector<std::string> argv{binary_,  "--port",       std::to_string(port_),
                                "--bind", "127.0.0.1",    "--save",
                                "",       "--appendonly", "no",
                                "--dir",  dir_.string(),  "--daemonize",
                                "no",     "--logfile",    (dir_ / "server.log").string()};
  if (!password_.empty()) argv.insert(argv.end(), {"--requirepass", password_});
  // Everything the child needs is made before fork: after it, only
  // async-signal-safe calls until exec.
  std::vector<char*> args;
  for (auto& arg : argv) args.push_back(arg.data());
  args.push_back(nullptr);
  int null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid == 0) {
    dup2(null_fd, 0);
    dup2(null_fd, 1);
    dup2(null_fd, 2);
    if (prctl(PR_SET_PDEATHSIG, SIGTERM) != 0 || getppid() != parent) _exit(126);
    syscall(SYS_close_range, 3U, ~0U, 0U);
    execvp(args[0], args.data());
    _exit(127);
  }
  if (null_fd >= 0) close(null_fd);
  if (pid < 0) {
    error = "fork failed";
    return false;
  }
  pid_ = pid;
  auto deadline = std::chrono::steady_clock::now() + 20s;
  while (std::chrono::steady_clock::now() < deadline) {
    std::string ignored;
    // Without the password PING is refused with NOAUTH: still an answer.
    redisContext* context = redisConnectWithTimeout("127.0.0.1", port_, timeval{1, 0});
    bool answered = false;
    if (context != nullptr && context->err == 0) {
      auto* reply = static_cast<redisReply*>(redisCommand(context, "PING"));
      answered = reply != nullptr;
      if (reply) freeReplyObject(reply);
    }
    if (context) redisFree(context);
    if (answered) return true;
    if (wait_exit(pid_, 0ms)) {
      pid_ = -1;
      error = "redis-server exited at start-up (is it installed? scripts/install-deps.sh)";
      return false;
    }
    std::this_thread::sleep_for(10ms);
  }
  error = "redis-server did not answer within 20 s";
  return false;
}

std::optional<std::string> RedisServer::command(const std::vector<std::string>& args,
                                                std::string& error) {
  redisContext* context = redisConnectWithTimeout("127.0.0.1", port_, timeval{5, 0});
  if (context == nullptr || context->err != 0) {
    error = context ? context->errstr : "cannot connect";
    if (context) redisFree(context);
    return std::nullopt;
  }
  auto run = [&](const std::vector<std::string>& parts) -> redisReply* {
    std::vector<const char*> argv;
    std::vector<size_t> lengths;
    for (const auto& part : parts) argv.push_back(part.data()), lengths.push_back(part.size());
    return static_cast<redisReply*>(
        redisCommandArgv(context, static_cast<int>(argv.size()), argv.data(), lengths.data()));
  };
  std::optional<std::string> text;
  if (!password_.empty()) {
    if (redisReply* auth = run({"AUTH", password_})) freeReplyObject(auth);
  }
  if (redisReply* reply = run(args)) {
    if (reply->type == REDIS_REPLY_ERROR)
      error = reply_text(reply);
    else
      text = reply_text(reply);
    freeReplyObject(reply);
  } else {
    error = context->errstr;
  }
  redisFree(context);
  return text;
}

bool RedisServer::stop(std::string& error) {
  if (!running()) return true;
  kill(pid_, SIGTERM);
  auto status = wait_exit(pid_, 20s);
  if (!status) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    error = "redis-server did not stop within 20 s (killed)";
  }
  pid_ = -1;
  return status.has_value();
}

bool RedisServer::restart(std::string& error) {
  if (running()) return true;
  return launch(error);
}

std::string RedisServer::log_tail() const {
  std::ifstream in(dir_ / "server.log");
  std::stringstream all;
  all << in.rdbuf();
  std::string text = all.str();
  return text.size() > 4000 ? text.substr(text.size() - 4000) : text;
}

}  // namespace routeiq::test
