#pragma once
// A throwaway PostgreSQL server for tests: a fresh cluster (initdb, trust
// authentication, user postgres) in a temporary directory, listening on
// 127.0.0.1 at a free port and on a unix socket in that directory. It is
// stopped and its directory removed when the object goes; if the test
// process dies first, the server gets SIGQUIT (parent-death signal) and
// exits at once.
//
// PostgreSQL refuses to run as root: a root test process runs initdb and
// postgres as the user `nobody` (set in the child before exec, no su/sudo).
// Binaries: $ROUTEIQ_PG_BIN, else /usr/lib/postgresql/15/bin (postgresql-15).
#include <sys/types.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace routeiq::test {

class PgServer {
 public:
  // nullptr with `error` set when the cluster cannot be made or started.
  static std::unique_ptr<PgServer> start(std::string& error);
  ~PgServer();
  PgServer(const PgServer&) = delete;
  PgServer& operator=(const PgServer&) = delete;

  int port() const { return port_; }
  // postgresql://postgres@127.0.0.1:<port>/<database>?sslmode=disable
  std::string url(std::string_view database) const;

  bool create_database(std::string_view name, std::string& error);
  // Runs one statement in `database`; the first column of its first row, or
  // "" when it returns none; nullopt with `error` set when it fails.
  std::optional<std::string> query(std::string_view database, const std::string& sql,
                                   std::string& error);

  // Fast shutdown (clients are disconnected), waiting for the exit.
  bool stop(std::string& error);
  // Starts the stopped server again: same port, same data directory.
  bool restart(std::string& error);
  bool running() const { return pid_ > 0; }
  // The end of the server's log, for failure messages.
  std::string log_tail() const;

 private:
  PgServer() = default;
  bool init(std::string& error);
  bool launch(std::string& error);
  pid_t spawn(const std::vector<std::string>& argv, bool die_with_parent, std::string& error);

  std::filesystem::path bin_, dir_;
  int port_ = 0;
  pid_t pid_ = -1;
  // Who the server runs as: the current user, or nobody when that is root.
  std::optional<std::pair<uid_t, gid_t>> run_as_;
};

// One server for the whole test process, started on first use (nullptr with
// `error` set when it cannot start); tests make their own databases in it.
PgServer* shared_pg_server(std::string& error);

}  // namespace routeiq::test
