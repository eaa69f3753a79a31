// `routeiq serve`: load the config, build the snapshot, run the server until
// SIGTERM/SIGINT, then drain in-flight requests and streams.
#include <pthread.h>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>

#include "routeiq/api/gateway.hpp"
#include "routeiq/api/proxy.hpp"
#include "routeiq/app/commands.hpp"
#include "routeiq/app/snapshot.hpp"
#include "routeiq/config/config.hpp"
#include "routeiq/core/log.hpp"

namespace routeiq::app {
namespace {

struct ServeArgs {
  std::string config_path;
  net::ServerOptions server;
  bool debug = false;
};

const char* kServeUsage =
    "usage: routeiq serve --config FILE [--port N] [--host ADDR] [--threads N]\n"
    "                     [--drain-timeout SECONDS] [--max-body-mb N] [--detailed_debug]\n";

bool parse_args(int argc, char** argv, ServeArgs& out) {
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> const char* { return i + 1 < argc ? argv[++i] : nullptr; };
    const char* v = nullptr;
    if (a == "--config" || a == "-c") {
      if (!(v = value())) return false;
      out.config_path = v;
    } else if (a == "--port" || a == "-p") {
      if (!(v = value())) return false;
      out.server.port = static_cast<uint16_t>(std::atoi(v));
    } else if (a == "--host") {
      if (!(v = value())) return false;
      out.server.host = v;
    } else if (a == "--threads" || a == "--num_workers") {
      if (!(v = value())) return false;
      out.server.threads = std::atoi(v);
    } else if (a == "--drain-timeout") {
      if (!(v = value())) return false;
      out.server.drain_timeout =
          std::chrono::milliseconds(static_cast<int64_t>(std::atof(v) * 1000));
    } else if (a == "--max-body-mb") {
      if (!(v = value())) return false;
      out.server.max_body_bytes = static_cast<size_t>(std::atof(v) * 1024 * 1024);
    } else if (a == "--detailed_debug" || a == "--debug") {
      out.debug = true;
    } else {
      std::fprintf(stderr, "routeiq serve: unknown option '%s'\n", a.c_str());
      return false;
    }
  }
  if (out.config_path.empty()) {
    const char* env = std::getenv("CONFIG_FILE_PATH");  // LiteLLM's variable
    if (env) out.config_path = env;
  }
  return !out.config_path.empty();
}

log::Level level_from_env(log::Level fallback) {
  const char* v = std::getenv("ROUTEIQ_LOG_LEVEL");
  if (!v) v = std::getenv("LITELLM_LOG");
  if (!v) return fallback;
  std::string s = v;
  for (auto& c : s) c = static_cast<char>(std::tolower(c));
  if (s == "debug") return log::Level::debug;
  if (s == "warn" || s == "warning") return log::Level::warn;
  if (s == "error") return log::Level::error;
  return log::Level::info;
}

// Signals are taken by one thread with sigwait, so no handler runs inside the
// server's threads.
void block_shutdown_signals(sigset_t& set) {
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
}

}  // namespace

int run_serve(int argc, char** argv) {
  ServeArgs args;
  if (!parse_args(argc, argv, args)) {
    std::fputs(kServeUsage, stderr);
    return 2;
  }
  auto loaded = config::load_config_file(args.config_path);
  if (!loaded) {
    std::fprintf(stderr, "routeiq: config error: %s\n", loaded.error().message.c_str());
    return 1;
  }
  bool verbose = args.debug || loaded->litellm_settings.set_verbose;
  log::set_level(level_from_env(verbose ? log::Level::debug : log::Level::info));
  for (const auto& w : loaded->warnings) log::warn() << w;
  auto snapshot = build_snapshot(std::make_shared<const config::Config>(std::move(loaded.value())));
  if (!snapshot) {
    std::fprintf(stderr, "routeiq: config error: %s\n", snapshot.error().message.c_str());
    return 1;
  }
  for (const auto& w : snapshot.value()->warnings) log::warn() << w;

  sigset_t signals;
  block_shutdown_signals(signals);
  api::Gateway gateway(snapshot.value());
  net::HttpServer server(
      args.server, [&gateway](net::Exchange& ex) { return gateway.handle(ex); },
      [](int status, std::string_view message) {
        auto kind = status == 413   ? ErrorKind::payload_too_large
                    : status == 408 ? ErrorKind::timeout
                                    : ErrorKind::invalid_request;
        auto e = make_error(kind, std::string(message));
        e.status_override = status;
        return openai_error_body(e);
      });
  uint16_t port = 0;
  try {
    port = server.bind();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "routeiq: cannot listen on %s:%u: %s\n", args.server.host.c_str(),
                 args.server.port, e.what());
    return 1;
  }
  std::printf("listening on %s:%u\n", args.server.host.c_str(), port);
  std::fflush(stdout);
  log::info() << "routeiq serving " << snapshot.value()->config->model_list.size()
              << " deployments on " << args.server.host << ":" << port << " with "
              << server.threads() << " threads";

  std::thread signal_thread([&server, &signals] {
    int sig = 0;
    sigwait(&signals, &sig);
    log::info() << "received " << (sig == SIGTERM ? "SIGTERM" : "SIGINT")
                << ", draining in-flight requests";
    server.stop();
  });
  signal_thread.detach();
  // Learned routers with hot_reload poll their model directories here, off
  // the request path; a request never waits for a load.
  std::atomic<bool> serving{true};
  std::thread reloader([&serving, snap = snapshot.value()] {
    while (serving.load()) {
      auto now = std::chrono::steady_clock::now();
      for (const auto& router : snap->learned) router->maybe_reload(now);
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  });
  server.run();
  serving = false;
  reloader.join();
  log::info() << "routeiq stopped";
  return 0;
}

}  // namespace routeiq::app
