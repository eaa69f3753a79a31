// `routeiq serve`: load the config, build the snapshot, run the server until
// SIGTERM/SIGINT, then drain in-flight requests and streams.
#include <pthread.h>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "routeiq/api/budget_alerts.hpp"
#include "routeiq/api/budget_resets.hpp"
#include "routeiq/api/db_models.hpp"
#include "routeiq/api/gateway.hpp"
#include "routeiq/api/key_service.hpp"
#include "routeiq/api/proxy.hpp"
#include "routeiq/api/rate_limits.hpp"
#include "routeiq/api/scoped_budgets.hpp"
#include "routeiq/api/spend_log.hpp"
#include "routeiq/app/commands.hpp"
#include "routeiq/app/startup_guide.hpp"
#include "routeiq/config/config.hpp"
#include "routeiq/core/env.hpp"
#include "routeiq/core/log.hpp"
#include "routeiq/keys/budget_reset.hpp"
#include "routeiq/keys/secret_box.hpp"
#include "routeiq/net/upstream.hpp"
#include "routeiq/redis/shared_cooldowns.hpp"
#include "routeiq/runtime/runtime.hpp"
#include "routeiq/spend/writer.hpp"

namespace routeiq::app {
namespace {

struct ServeArgs {
  std::string config_path;
  net::ServerOptions server;
  net::UpstreamOptions upstream;
  bool debug = false;
};

constexpr const char* kServeUsage =
    "usage: routeiq serve --config FILE [--port N] [--host ADDR] [--threads N]\n"
    "                     [--drain-timeout SECONDS] [--max-body-mb N] [--max-connections N]\n"
    "                     [--max-upstream-body-mb N] [--upstream-idle-timeout SECONDS]\n"
    "                     [--detailed_debug]\n";

// A number option; false (and a message) unless it is finite and in [lo, hi].
bool number_arg(const char* flag, const char* text, double lo, double hi, double& out) {
  char* end = nullptr;
  double v = text ? std::strtod(text, &end) : 0;
  if (!text || end == text || *end != '\0' || !std::isfinite(v) || v < lo || v > hi) {
    std::fprintf(stderr, "routeiq serve: %s needs a number from %g to %g\n", flag, lo, hi);
    return false;
  }
  out = v;
  return true;
}

bool parse_args(int argc, char** argv, ServeArgs& out) {
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> const char* { return i + 1 < argc ? argv[++i] : nullptr; };
    const char* v = nullptr;
    double n = 0;
    if (a == "--config" || a == "-c") {
      if (!(v = value())) return false;
      out.config_path = v;
    } else if (a == "--port" || a == "-p") {
      if (!number_arg("--port", value(), 0, 65535, n)) return false;
      out.server.port = static_cast<uint16_t>(n);
    } else if (a == "--host") {
      if (!(v = value())) return false;
      out.server.host = v;
    } else if (a == "--threads" || a == "--num_workers") {
      if (!number_arg("--threads", value(), 0, 1024, n)) return false;
      out.server.threads = static_cast<int>(n);
    } else if (a == "--drain-timeout") {
      if (!number_arg("--drain-timeout", value(), 0, 86400, n)) return false;
      out.server.drain_timeout = std::chrono::milliseconds(static_cast<int64_t>(n * 1000));
    } else if (a == "--max-body-mb") {
      if (!number_arg("--max-body-mb", value(), 0.001, 4096, n)) return false;
      out.server.max_body_bytes = static_cast<size_t>(n * 1024 * 1024);
    } else if (a == "--max-connections") {
      if (!number_arg("--max-connections", value(), 1, 1 << 20, n)) return false;
      out.server.max_connections = static_cast<int>(n);
    } else if (a == "--max-upstream-body-mb") {
      if (!number_arg("--max-upstream-body-mb", value(), 0.001, 4096, n)) return false;
      out.upstream.max_body_bytes = static_cast<size_t>(n * 1024 * 1024);
    } else if (a == "--upstream-idle-timeout") {
      if (!number_arg("--upstream-idle-timeout", value(), 0.1, 86400, n)) return false;
      out.upstream.idle_expiry = std::chrono::milliseconds(static_cast<int64_t>(n * 1000));
    } else if (a == "--detailed_debug" || a == "--debug") {
      out.debug = true;
    } else {
      std::fprintf(stderr, "routeiq serve: unknown option '%s'\n", a.c_str());
      return false;
    }
  }
  if (out.config_path.empty()) out.config_path = env_or_empty("CONFIG_FILE_PATH");  // LiteLLM's
  return !out.config_path.empty();
}

log::Level level_from_env(log::Level fallback) {
  std::string s = env_or_empty("ROUTEIQ_LOG_LEVEL");
  if (s.empty()) s = env_or_empty("LITELLM_LOG");
  if (s.empty()) return fallback;
  for (auto& c : s) c = static_cast<char>(std::tolower(c));
  if (s == "debug") return log::Level::debug;
  if (s == "warn" || s == "warning") return log::Level::warn;
  if (s == "error") return log::Level::error;
  return log::Level::info;
}

// Signals are taken by one thread with sigwait, so no handler runs inside the
// server's threads. SIGHUP, which would end the process by default, is taken
// too: config reload is not wired to it, so it is logged and ignored.
void block_signals(sigset_t& set) {
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
}

// Waits for SIGTERM or SIGINT (logging and ignoring SIGHUP), then drains.
void handle_signals(net::HttpServer& server, sigset_t signals) {
  for (;;) {
    int sig = 0;
    if (sigwait(&signals, &sig) != 0) continue;
    if (sig == SIGHUP) {
      log::info() << "received SIGHUP: ignored (routeiq does not reload its config on SIGHUP)";
      continue;
    }
    log::info() << "received " << (sig == SIGTERM ? "SIGTERM" : "SIGINT")
                << ", draining in-flight requests";
    server.stop();
    return;
  }
}

// The error type of an answer the server gives before any handler runs.
ErrorKind transport_error_kind(int status) {
  switch (status) {
    case 413:
      return ErrorKind::payload_too_large;
    case 408:
      return ErrorKind::timeout;
    case 500:
      return ErrorKind::internal;
    case 503:
      return ErrorKind::overloaded;
    default:
      return ErrorKind::invalid_request;
  }
}

// Virtual keys exist only behind a master key (LiteLLM's rule: without one
// there is no authentication at all). The store opens on first use.
// Rate-limit counters: in Redis when the config or REDIS_* names one, else in
// this process. Null (with the reason printed) when the settings are wrong.
std::shared_ptr<api::RateLimiter> make_rate_limiter(const config::RouterSettings& settings) {
  auto options = api::redis_limiter_options(settings);
  if (!options) {
    std::fprintf(stderr, "routeiq: redis: %s\n", options.error().message.c_str());
    return nullptr;
  }
  if (!options.value()) return std::make_shared<api::RateLimiter>();
  auto where = options.value()->redis.host + ":" + std::to_string(options.value()->redis.port);
  auto limiter = std::make_shared<api::RateLimiter>(std::move(*options.value()));
  log::info() << "rate limits shared through Redis at " << where;
  return limiter;
}

// Cooldowns one instance starts are skipped by every instance sharing its
// Redis, through the rate limiter's connection.
class CooldownsThroughRedis final : public routing::CooldownListener {
 public:
  CooldownsThroughRedis(redis::SharedLimiter& limiter, runtime::Runtime& runtime)
      : runtime_(runtime),
        shared_(limiter.client(), cooldown_options(limiter),
                [&runtime](const std::string& id, std::chrono::milliseconds left) {
                  runtime.health().cool_down(id, left);
                }) {
    runtime_.health().set_listener(this);
  }
  ~CooldownsThroughRedis() override { runtime_.health().set_listener(nullptr); }
  CooldownsThroughRedis(const CooldownsThroughRedis&) = delete;
  CooldownsThroughRedis& operator=(const CooldownsThroughRedis&) = delete;

  void cooled_down(const std::string& id, std::chrono::milliseconds cooldown) override {
    shared_.publish(id, cooldown);
  }

 private:
  static redis::SharedCooldownsOptions cooldown_options(const redis::SharedLimiter& limiter) {
    redis::SharedCooldownsOptions options;
    options.key_prefix = limiter.key_prefix();
    return options;
  }

  runtime::Runtime& runtime_;
  redis::SharedCooldowns shared_;
};

std::unique_ptr<CooldownsThroughRedis> share_cooldowns(const api::RateLimiter& limiter,
                                                       runtime::Runtime& runtime) {
  if (!limiter.shared_limiter()) return nullptr;
  return std::make_unique<CooldownsThroughRedis>(*limiter.shared_limiter(), runtime);
}

std::shared_ptr<api::KeyService> make_key_service(const config::GeneralSettings& g) {
  if (g.master_key.empty()) return nullptr;
  api::KeyServiceOptions options;
  options.database_url = api::database_url_of(g.database_url);
  options.open.pool_limit = static_cast<size_t>(g.database_connection_pool_limit);
  options.open.connect_timeout_s = g.database_connection_timeout;
  options.cache_ttl =
      std::chrono::milliseconds(static_cast<int64_t>(g.user_api_key_cache_ttl * 1000));
  options.allow_requests_on_db_unavailable = g.allow_requests_on_db_unavailable;
  return std::make_shared<api::KeyService>(std::move(options));
}

// Where spend rows wait while the database is down: beside a SQLite file,
// else in the temporary directory, named by the database (its URL hashed, so
// no password is in a file name).
std::filesystem::path spend_journal_path(const std::string& database_url) {
  if (auto file = store::sqlite_path(database_url)) return *file + ".spend-journal";
  auto dir = std::filesystem::temp_directory_path();
  auto name = "routeiq-spend-" + std::to_string(std::hash<std::string>{}(database_url)) + ".jsonl";
  return dir / name;
}

// A batch is in the database: the cached rows are read again (with their new
// spend) before this instance's ledger stops counting the batch, so a budget
// check never sees the batch missing from both.
void spend_written(api::KeyService& keys, std::span<const store::SpendRow> rows) {
  keys.forget_all();
  for (const auto& row : rows) {
    if (!(row.spend > 0)) continue;
    auto written = [&](std::string_view owner) { keys.ledger().written(owner, row.spend); };
    api::for_each_owner(row, written);
    api::for_each_scoped_owner(row, written);
  }
}

// The spend-log writer of the key store (null without one, or with
// disable_spend_logs): rows go to the store in batches from its own thread.
std::unique_ptr<spend::SpendWriter> make_spend_writer(
    const config::GeneralSettings& g, const std::shared_ptr<api::KeyService>& keys) {
  if (!keys || g.disable_spend_logs) return nullptr;
  spend::WriterOptions options;
  options.journal_path = spend_journal_path(api::database_url_of(g.database_url));
  options.interval = std::chrono::milliseconds(static_cast<int64_t>(g.proxy_batch_write_at * 1000));
  spend::SpendSink sink =
      [keys](std::span<const store::SpendRow> rows) -> Result<store::SpendWriteCounts> {
    // Spend is kept where keys are: no database file is made for it (a
    // gateway used with the master key alone keeps no spend logs).
    auto s = keys->existing_store();
    if (!s) return s.error();
    if (!s.value()) return store::SpendWriteCounts{0, 0, rows.size()};
    auto counts = s.value()->write_spend(rows);
    if (!counts) return counts;
    // Like the cached rows, the proxy's spend is read again before the
    // ledger lets go of the batch.
    if (auto* proxy = keys->proxy_budget())
      if (auto st = proxy->refresh(*s.value()); !st)
        log::warn() << "proxy budget not read again: " << st.error().message;
    spend_written(*keys, rows);
    return counts;
  };
  auto writer = std::make_unique<spend::SpendWriter>(std::move(sink), std::move(options));
  keys->set_spend_writer(writer.get());
  return writer;
}

// LiteLLM's switch: general_settings.store_model_in_db, or the
// STORE_MODEL_IN_DB variable set to true.
bool models_in_db(const config::GeneralSettings& g) {
  std::string env = env_or_empty("STORE_MODEL_IN_DB");
  for (auto& c : env) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return g.store_model_in_db || env == "true" || env == "1";
}

// How often the store's change counter is read to pick up deployments another
// instance stored: one small query per second, off the request path.
constexpr std::chrono::seconds kDbModelPoll{1};

// Deployments kept in the database, loaded before the server listens (a
// database that cannot be reached yet is retried by the poll).
std::shared_ptr<api::DbModels> make_db_models(const config::GeneralSettings& g,
                                              const std::shared_ptr<runtime::Runtime>& runtime,
                                              const std::shared_ptr<api::KeyService>& key_service) {
  if (!models_in_db(g)) return nullptr;
  if (!key_service) {
    log::warn() << "store_model_in_db needs a master_key (and its database): ignored";
    return nullptr;
  }
  std::string salt_key = keys::salt_key_from_env();
  if (salt_key.empty())
    log::warn() << "store_model_in_db: ROUTEIQ_SALT_KEY (or LITELLM_SALT_KEY) is not set; "
                   "/model/new refuses deployments with credentials";
  auto models = std::make_shared<api::DbModels>(runtime, key_service, salt_key);
  auto s = key_service->blocking_store();
  if (s) {
    if (auto loaded = models->load(*s.value()); !loaded)
      log::warn() << "database models not loaded yet: " << loaded.error().message;
  }
  models->start_polling(kDbModelPoll);
  return models;
}

// The budget machinery of a gateway with virtual keys: alerts (a warning line,
// and LiteLLM's webhook when general_settings.alerting names it), the
// proxy-wide budget of litellm_settings.max_budget, and the reset job.
struct Budgets {
  std::unique_ptr<api::BudgetAlerts> alerts;
  std::unique_ptr<api::ProxyBudget> proxy;
  std::unique_ptr<api::BudgetResetJob> job;
  void stop() {
    if (job) job->stop();
    if (alerts) alerts->stop();
  }
};

std::string webhook_url(const config::GeneralSettings& g) {
  if (std::find(g.alerting.begin(), g.alerting.end(), "webhook") == g.alerting.end()) return "";
  std::string url = env_or_empty("WEBHOOK_URL");
  if (url.empty()) {
    log::warn() << "alerting: webhook needs WEBHOOK_URL: budget alerts are logged only";
    return "";
  }
  if (!net::parse_url(url)) {
    log::warn() << "alerting: WEBHOOK_URL is not an http(s) URL: budget alerts are logged only";
    return "";
  }
  return url;
}

// Null (with the reason printed) when the settings are wrong.
std::optional<Budgets> make_budgets(const config::Config& c,
                                    const std::shared_ptr<api::KeyService>& keys) {
  Budgets b;
  const auto& l = c.litellm_settings;
  const auto& g = c.general_settings;
  if (!keys) {
    if (l.max_budget) log::warn() << "litellm_settings.max_budget needs a master_key: ignored";
    return b;
  }
  auto now = std::chrono::system_clock::now();
  if (!l.budget_duration.empty() && !keys::next_reset_time(l.budget_duration, now)) {
    std::fprintf(stderr,
                 "routeiq: config error: litellm_settings.budget_duration: '%s' is not "
                 "a duration such as \"30s\", \"1d\" or \"1mo\"\n",
                 l.budget_duration.c_str());
    return std::nullopt;
  }
  b.alerts = std::make_unique<api::BudgetAlerts>(webhook_url(g));
  keys->set_budget_alerts(b.alerts.get());
  if (l.max_budget) {
    b.proxy = std::make_unique<api::ProxyBudget>(*l.max_budget, l.budget_duration);
    auto s = keys->blocking_store();
    auto st = s ? b.proxy->ensure(*s.value(), now, {}) : Status(s.error());
    if (!st) log::warn() << "proxy budget not stored yet: " << st.error().message;
    keys->set_proxy_budget(b.proxy.get());
  }
  if (!g.disable_reset_budget) {
    api::BudgetResetOptions options;
    auto ms = [](double s) { return std::chrono::milliseconds(static_cast<int64_t>(s * 1000)); };
    options.min_interval = ms(g.proxy_budget_rescheduler_min_time);
    options.max_interval = ms(g.proxy_budget_rescheduler_max_time);
    b.job = std::make_unique<api::BudgetResetJob>(keys, b.proxy.get(), options,
                                                  [] { return std::chrono::system_clock::now(); });
    b.job->start();
  }
  return b;
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
  auto runtime =
      runtime::Runtime::create(std::make_shared<const config::Config>(std::move(loaded.value())));
  if (!runtime) {
    std::fprintf(stderr, "routeiq: config error: %s\n", runtime.error().message.c_str());
    return 1;
  }
  auto snapshot = runtime.value()->snapshot();
  for (const auto& w : snapshot->warnings) log::warn() << w;

  sigset_t signals;
  block_signals(signals);
  net::raise_fd_limit();
  net::configure_upstream(args.upstream);
  auto keys = make_key_service(snapshot->config->general_settings);
  auto db_models = make_db_models(snapshot->config->general_settings, runtime.value(), keys);
  snapshot = runtime.value()->snapshot();
  if (keys) keys->set_db_models(db_models.get());
  auto spend_writer = make_spend_writer(snapshot->config->general_settings, keys);
  auto budgets = make_budgets(*snapshot->config, keys);
  if (!budgets) return 1;
  auto limiter = make_rate_limiter(snapshot->config->router_settings);
  if (!limiter) return 1;
  // Before the server, so its threads are gone when this goes; the limiter
  // (its Redis client) outlives it.
  auto cooldowns = share_cooldowns(*limiter, *runtime.value());
  api::Gateway gateway(runtime.value(), keys, limiter);
  net::HttpServer server(
      args.server, [&gateway](net::Exchange& ex) { return gateway.handle(ex); },
      [](int status, std::string_view message) {
        auto e = make_error(transport_error_kind(status), std::string(message));
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
  log::info() << "routeiq serving " << snapshot->config->model_list.size() << " deployments on "
              << args.server.host << ":" << port << " with " << server.threads() << " threads";
  for (const auto& line : startup_guide(*snapshot, args.server.host, port)) log::info() << line;

  std::thread signal_thread([&server, signals] { handle_signals(server, signals); });
  signal_thread.detach();
  // Learned routers with hot_reload poll their model directories here, off
  // the request path; a request never waits for a load. The current snapshot
  // is taken each time, so routers of a reloaded config are polled.
  std::atomic<bool> serving{true};
  snapshot.reset();
  std::thread reloader([&serving, rt = runtime.value()] {
    while (serving.load()) {
      auto now = std::chrono::steady_clock::now();
      for (const auto& router : rt->snapshot()->learned) router->maybe_reload(now);
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  });
  server.run();
  serving = false;
  reloader.join();
  if (db_models) db_models->stop_polling();
  budgets->stop();
  // Every spend row of the requests served is written (or journaled) before exit.
  if (spend_writer) {
    spend_writer->stop();
    keys->set_spend_writer(nullptr);
  }
  if (keys) {
    keys->set_proxy_budget(nullptr);
    keys->set_budget_alerts(nullptr);
  }
  log::info() << "routeiq stopped";
  return 0;
}

}  // namespace routeiq::app
