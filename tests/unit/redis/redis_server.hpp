#pragma once
// A throwaway redis-server for tests: 127.0.0.1 at a free port (Redis has no
// port 0), no persistence (--save '' --appendonly no), its files in a
// temporary directory removed when the object goes. If the test process dies
// first, the server gets SIGTERM (parent-death signal). A test stops and
// restarts it to simulate an outage. Binary: $ROUTEIQ_REDIS_SERVER, else
// redis-server on the PATH.
#include <sys/types.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace routeiq::test {

class RedisServer {
 public:
  // nullptr with `error` set when it cannot be started. A non-empty
  // `password` starts it with --requirepass.
  static std::unique_ptr<RedisServer> start(std::string& error, std::string password = {});
  ~RedisServer();
  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;

  int port() const { return port_; }
  const std::string& password() const { return password_; }

  // Runs one command on a connection of its own; the reply as text (an
  // integer as its digits, an array as its elements joined by ','), or
  // nullopt with `error` set.
  std::optional<std::string> command(const std::vector<std::string>& args, std::string& error);

  // SIGTERM, waiting for the exit: clients see the connection close.
  bool stop(std::string& error);
  // Starts the stopped server again: same port, empty data.
  bool restart(std::string& error);
  bool running() const { return pid_ > 0; }
  std::string log_tail() const;

 private:
  RedisServer() = default;
  bool launch(std::string& error);

  std::filesystem::path dir_;
  std::string binary_, password_;
  int port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace routeiq::test
