// The auth stage on one core, natively (callgrind's CPU has no SHA
// extensions, so it overstates the hash): the master key against a cached
// virtual key. The difference is what a virtual key costs a request once it
// is in the cache: the SHA-256 of the presented key, the cache lookup, and
// the expiry, block and route checks.
//   build/bench/bench-auth --benchmark_repetitions=5
#include <benchmark/benchmark.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>
#include <cstdlib>
#include <filesystem>
#include <thread>

#include "routeiq/api/key_service.hpp"
#include "routeiq/api/stages.hpp"
#include "routeiq/config/config.hpp"
#include "routeiq/keys/key_fields.hpp"
#include "routeiq/runtime/snapshot.hpp"

namespace routeiq::api {
namespace {
namespace asio = boost::asio;
namespace http = net::http;

constexpr const char* kMaster = "sk-master";
constexpr const char* kVirtual = "sk-4nR7vQ2mXw9bT5yLp3KcZ8hJ1dF6sG0aE";

asio::awaitable<void> handler(RequestContext&) {
  co_return;
}
constexpr Route kChat{
    "/v1/chat/completions", http::verb::post,           Dialect::openai, BodyKind::json,
    RouteGroup::llm_api,    Endpoint::chat_completions, handler};

std::shared_ptr<const runtime::Snapshot> make_snapshot() {
  auto cfg = config::load_config_string(std::string(R"(model_list:
  - model_name: g
    litellm_params: {model: openai/gpt-4o, mock_response: hi}
general_settings:
  master_key: )") + kMaster + "\n");
  if (!cfg) std::abort();
  auto snap =
      runtime::build_snapshot(std::make_shared<const config::Config>(std::move(cfg.value())));
  if (!snap) std::abort();
  return snap.value();
}

// A SQLite store in a temp dir holding the one virtual key.
struct Keys {
  std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("routeiq-bench-auth-" + std::to_string(getpid()));
  std::unique_ptr<KeyService> service;
  Keys() {
    std::filesystem::create_directories(dir);
    KeyServiceOptions options;
    options.database_url = "sqlite://" + (dir / "keys.db").string();
    service = std::make_unique<KeyService>(options);
    auto store = service->blocking_store();
    if (!store) std::abort();
    boost::json::object doc{{"models", boost::json::array{"g"}}};
    if (!store.value()->insert(store::Table::keys, {keys::hash_key(kVirtual), doc})) std::abort();
  }
  ~Keys() { std::filesystem::remove_all(dir); }
};

asio::awaitable<void> authenticate(AuthStage* stage, RequestContext* ctx, Status* out) {
  *out = co_await stage->before(*ctx);
}

void run_auth(benchmark::State& state, const char* key) {
  static Keys keys;
  auto snapshot = make_snapshot();
  asio::io_context ioc;
  boost::beast::tcp_stream stream{ioc};
  boost::beast::flat_buffer buffer;
  http::request<http::string_body> request{http::verb::post, "/v1/chat/completions", 11};
  request.set(http::field::authorization, std::string("Bearer ") + key);
  std::atomic<bool> stopping{false};
  net::Exchange exchange{stream, buffer, request, stopping};
  AuthStage stage;
  auto once = [&] {
    RequestContext ctx(exchange, snapshot, kChat);
    ctx.key_service = keys.service.get();
    Status out = make_error(ErrorKind::internal, "not run");
    asio::co_spawn(ioc, authenticate(&stage, &ctx, &out), asio::detached);
    ioc.run();
    ioc.restart();
    return out;
  };
  // The first call reads the store on a database thread; it must not be timed.
  while (!once()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  for (auto _ : state) {
    Status out = once();
    if (!out) state.SkipWithError(out.error().message.c_str());
    benchmark::DoNotOptimize(out);
  }
}

void BM_AuthMasterKey(benchmark::State& state) {
  run_auth(state, kMaster);
}
void BM_AuthCachedVirtualKey(benchmark::State& state) {
  run_auth(state, kVirtual);
}
void BM_HashKey(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(keys::hash_key(kVirtual));
}
BENCHMARK(BM_AuthMasterKey);
BENCHMARK(BM_AuthCachedVirtualKey);
BENCHMARK(BM_HashKey);

}  // namespace
}  // namespace routeiq::api

BENCHMARK_MAIN();
