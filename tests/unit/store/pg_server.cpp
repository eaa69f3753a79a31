#include "pg_server.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <grp.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <pwd.h>
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
#include <vector>

namespace routeiq::test {

namespace {

using namespace std::chrono_literals;

// A port the kernel just handed out; free again once closed, and
// PostgreSQL binds it a moment later.
int free_port(std::string& error) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  int port = 0;
  if (fd >= 0 && bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0)
    port = ntohs(addr.sin_port);
  else
    error = "cannot find a free port";
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
    std::this_thread::sleep_for(10ms);
  }
}

std::string admin_conninfo(int port, std::string_view database) {
  return "host=127.0.0.1 port=" + std::to_string(port) +
         " user=postgres dbname=" + std::string(database) + " connect_timeout=5 sslmode=disable";
}

}  // namespace

std::unique_ptr<PgServer> PgServer::start(std::string& error) {
  std::unique_ptr<PgServer> server(new PgServer());
  if (!server->init(error) || !server->launch(error)) {
    if (!server->dir_.empty()) error += "\n" + server->log_tail();
    return nullptr;
  }
  return server;
}

PgServer::~PgServer() {
  std::string ignored;
  if (running()) stop(ignored);
  std::error_code ec;
  if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
}

std::string PgServer::url(std::string_view database) const {
  return "postgresql://postgres@127.0.0.1:" + std::to_string(port_) + "/" + std::string(database) +
         "?sslmode=disable";
}

bool PgServer::init(std::string& error) {
  const char* bin = std::getenv("ROUTEIQ_PG_BIN");
  bin_ = bin && *bin ? bin : "/usr/lib/postgresql/15/bin";
  if (access((bin_ / "initdb").c_str(), X_OK) != 0 || access((bin_ / "postgres").c_str(), X_OK)) {
    error = "PostgreSQL 15 not found in " + bin_.string() +
            " (scripts/install-deps.sh installs postgresql-15; or set ROUTEIQ_PG_BIN)";
    return false;
  }
  std::string pattern = (std::filesystem::temp_directory_path() / "routeiq-pg-XXXXXX").string();
  if (!mkdtemp(pattern.data())) {
    error = "mkdtemp failed";
    return false;
  }
  dir_ = pattern;
  if (geteuid() == 0) {
    passwd* nobody = getpwnam("nobody");
    if (!nobody) {
      error = "running as root and there is no user nobody to run PostgreSQL as";
      return false;
    }
    run_as_ = std::pair{nobody->pw_uid, nobody->pw_gid};
    if (chown(dir_.c_str(), nobody->pw_uid, nobody->pw_gid) != 0) {
      error = "cannot chown " + dir_.string();
      return false;
    }
  }
  pid_t pid = spawn({(bin_ / "initdb").string(), "-D", (dir_ / "data").string(), "-U", "postgres",
                     "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync"},
                    false, error);
  if (pid < 0) return false;
  auto status = wait_exit(pid, 120s);
  if (!status || !WIFEXITED(*status) || WEXITSTATUS(*status) != 0) {
    if (!status) kill(pid, SIGKILL), waitpid(pid, nullptr, 0);
    error = "initdb failed";
    return false;
  }
  port_ = free_port(error);
  if (!port_) return false;
  // Speed over durability: the cluster lives for one test run.
  std::ofstream conf(dir_ / "data" / "postgresql.conf", std::ios::app);
  conf << "\nlisten_addresses = '127.0.0.1'\nport = " << port_ << "\nunix_socket_directories = '"
       << dir_.string()
       << "'\nfsync = off\nsynchronous_commit = off\nfull_page_writes = off\n"
          "shared_buffers = 16MB\nmax_connections = 40\n"
          // Containers often have a small /dev/shm.
          "dynamic_shared_memory_type = mmap\n";
  return conf.good();
}

bool PgServer::launch(std::string& error) {
  pid_ = spawn({(bin_ / "postgres").string(), "-D", (dir_ / "data").string()}, true, error);
  if (pid_ < 0) return false;
  std::string conninfo = admin_conninfo(port_, "postgres");
  auto deadline = std::chrono::steady_clock::now() + 60s;
  while (std::chrono::steady_clock::now() < deadline) {
    if (PQping(conninfo.c_str()) == PQPING_OK) return true;
    if (auto status = wait_exit(pid_, 0ms)) {
      pid_ = -1;
      error = "postgres exited at start-up";
      return false;
    }
    std::this_thread::sleep_for(50ms);
  }
  error = "postgres did not accept connections within 60 s";
  return false;
}

pid_t PgServer::spawn(const std::vector<std::string>& argv, bool die_with_parent,
                      std::string& error) {
  // Everything the child needs is made before fork: after it, only
  // async-signal-safe calls until exec.
  std::vector<char*> args;
  for (const auto& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  std::string log = (dir_ / "server.log").string(), cwd = dir_.string();
  int log_fd = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  int null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (log_fd < 0 || null_fd < 0) {
    error = "cannot open " + log;
    return -1;
  }
  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid == 0) {
    dup2(null_fd, 0);
    dup2(log_fd, 1);
    dup2(log_fd, 2);
    if (chdir(cwd.c_str()) != 0) _exit(126);
    if (run_as_ &&
        (setgroups(0, nullptr) != 0 || setgid(run_as_->second) != 0 || setuid(run_as_->first) != 0))
      _exit(126);
    // After setuid: changing credentials clears the parent-death signal.
    if (die_with_parent && (prctl(PR_SET_PDEATHSIG, SIGQUIT) != 0 || getppid() != parent))
      _exit(126);
    syscall(SYS_close_range, 3U, ~0U, 0U);
    execv(args[0], args.data());
    _exit(127);
  }
  close(log_fd);
  close(null_fd);
  if (pid < 0) error = "fork failed";
  return pid;
}

bool PgServer::create_database(std::string_view name, std::string& error) {
  return query("postgres", "CREATE DATABASE \"" + std::string(name) + "\"", error).has_value();
}

std::optional<std::string> PgServer::query(std::string_view database, const std::string& sql,
                                           std::string& error) {
  PGconn* conn = PQconnectdb(admin_conninfo(port_, database).c_str());
  std::optional<std::string> value;
  if (PQstatus(conn) != CONNECTION_OK) {
    error = PQerrorMessage(conn);
  } else {
    PGresult* result = PQexec(conn, sql.c_str());
    auto status = PQresultStatus(result);
    if (status == PGRES_TUPLES_OK && PQntuples(result) > 0)
      value = PQgetvalue(result, 0, 0);
    else if (status == PGRES_TUPLES_OK || status == PGRES_COMMAND_OK)
      value = "";
    else
      error = PQresultErrorMessage(result);
    PQclear(result);
  }
  PQfinish(conn);
  return value;
}

bool PgServer::stop(std::string& error) {
  if (!running()) return true;
  kill(pid_, SIGINT);
  auto status = wait_exit(pid_, 60s);
  if (!status) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  pid_ = -1;
  if (!status) error = "postgres did not stop within 60 s (killed)";
  return status.has_value();
}

bool PgServer::restart(std::string& error) {
  if (running()) return true;
  return launch(error);
}

std::string PgServer::log_tail() const {
  std::ifstream in(dir_ / "server.log");
  std::stringstream all;
  all << in.rdbuf();
  std::string text = all.str();
  return text.size() > 4000 ? text.substr(text.size() - 4000) : text;
}

PgServer* shared_pg_server(std::string& error) {
  static std::string start_error;
  static std::unique_ptr<PgServer> server = PgServer::start(start_error);
  error = start_error;
  return server.get();
}

}  // namespace routeiq::test
