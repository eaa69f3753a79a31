// The pipeline: the route table, stage order, `after` exactly once (refusals
// and exceptions included), auth, the body stage and LiteLLM's controls.
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>
#include <set>

#include "routeiq/api/gateway.hpp"
#include "routeiq/api/stages.hpp"
#include "routeiq/core/json.hpp"

namespace routeiq::api {
namespace {
namespace asio = boost::asio;
namespace json = boost::json;
namespace http = net::http;

std::shared_ptr<const runtime::Snapshot> snapshot(const std::string& master_key) {
  std::string yaml = R"(model_list:
  - model_name: g
    litellm_params: {model: openai/gpt-4o, mock_response: hi}
)";
  if (!master_key.empty()) yaml += "general_settings:\n  master_key: " + master_key + "\n";
  auto cfg = config::load_config_string(yaml);
  EXPECT_TRUE(cfg) << (cfg ? "" : cfg.error().message);
  auto snap =
      runtime::build_snapshot(std::make_shared<const config::Config>(std::move(cfg.value())));
  EXPECT_TRUE(snap) << (snap ? "" : snap.error().message);
  return snap.value();
}

// An exchange on a socket that was never connected: writes fail, which the
// pipeline must survive like a client that went away.
struct Harness {
  asio::io_context ioc;
  boost::beast::tcp_stream stream{ioc};
  boost::beast::flat_buffer buffer;
  http::request<http::string_body> request{http::verb::post, "/v1/chat/completions", 11};
  std::atomic<bool> stopping{false};
  net::Exchange exchange{stream, buffer, request, stopping};

  void run(const Pipeline& pipeline, RequestContext& ctx, std::exception_ptr* error = nullptr) {
    asio::co_spawn(ioc, pipeline.run(ctx), [error](std::exception_ptr e) {
      if (error) *error = e;
    });
    ioc.run();
    ioc.restart();
  }
};

std::vector<std::string> g_events;

asio::awaitable<void> before_into(Stage* stage, RequestContext* ctx, Status* out) {
  *out = co_await stage->before(*ctx);
}

Status run_before(Harness& h, Stage& stage, RequestContext& ctx) {
  Status out = make_error(ErrorKind::internal, "not run");
  asio::co_spawn(h.ioc, before_into(&stage, &ctx, &out), asio::detached);
  h.ioc.run();
  h.ioc.restart();
  return out;
}

asio::awaitable<void> recording_handler(RequestContext&) {
  g_events.push_back("handler");
  co_return;
}

asio::awaitable<void> throwing_handler(RequestContext&) {
  g_events.push_back("handler");
  throw std::runtime_error("bug");
  co_return;
}

class RecordingStage final : public Stage {
 public:
  RecordingStage(std::string name, bool refuse = false) : name_(std::move(name)), refuse_(refuse) {}
  std::string_view name() const override { return name_; }
  asio::awaitable<Status> before(RequestContext&) override {
    g_events.push_back("before " + name_);
    if (refuse_) co_return make_error(ErrorKind::rate_limited, "refused by " + name_);
    co_return ok_status();
  }
  void after(const RequestContext& ctx) noexcept override {
    g_events.push_back("after " + name_ + " status=" + std::to_string(ctx.record.status));
  }

 private:
  std::string name_;
  bool refuse_;
};

Pipeline three_stages(int refusing = -1) {
  std::vector<std::unique_ptr<Stage>> stages;
  for (int i = 0; i < 3; ++i)
    stages.push_back(std::make_unique<RecordingStage>(std::to_string(i), i == refusing));
  return Pipeline(std::move(stages));
}

constexpr Route kTestRoute{"/t",
                           http::verb::post,
                           Dialect::openai,
                           BodyKind::json,
                           RouteGroup::llm_api,
                           Endpoint::chat_completions,
                           recording_handler};
constexpr Route kThrowingRoute{"/t",
                               http::verb::post,
                               Dialect::openai,
                               BodyKind::json,
                               RouteGroup::llm_api,
                               Endpoint::chat_completions,
                               throwing_handler};

TEST(Pipeline, StagesRunInOrderAndAfterInReverse) {
  Harness h;
  g_events.clear();
  RequestContext ctx(h.exchange, snapshot(""), kTestRoute);
  h.run(three_stages(), ctx);
  EXPECT_EQ(g_events,
            (std::vector<std::string>{"before 0", "before 1", "before 2", "handler",
                                      "after 2 status=0", "after 1 status=0", "after 0 status=0"}));
}

TEST(Pipeline, ARefusalIsAnsweredAndOnlyTheStagesThatRanSeeTheEnd) {
  Harness h;
  g_events.clear();
  RequestContext ctx(h.exchange, snapshot(""), kTestRoute);
  h.run(three_stages(1), ctx);
  EXPECT_EQ(g_events, (std::vector<std::string>{"before 0", "before 1", "after 1 status=429",
                                                "after 0 status=429"}));
  EXPECT_EQ(ctx.record.error, "refused by 1");
  EXPECT_EQ(h.exchange.status(), 429);
}

TEST(Pipeline, AfterRunsWhenTheHandlerThrowsAndTheExceptionGoesOn) {
  Harness h;
  g_events.clear();
  RequestContext ctx(h.exchange, snapshot(""), kThrowingRoute);
  std::exception_ptr error;
  h.run(three_stages(), ctx, &error);
  ASSERT_TRUE(error) << "the connection's error boundary still sees it";
  EXPECT_EQ(g_events.size(), 7u);
  EXPECT_EQ(g_events.back(), "after 0 status=0");
  EXPECT_EQ(ctx.record.error, "internal error");
}

Status run_auth(const std::string& master, RouteGroup group, const std::string& header) {
  Harness h;
  if (!header.empty()) h.request.set(http::field::authorization, header);
  Route route = kTestRoute;
  route.group = group;
  RequestContext ctx(h.exchange, snapshot(master), route);
  AuthStage stage;
  Status out = run_before(h, stage, ctx);
  if (out && group != RouteGroup::open && !master.empty()) {
    EXPECT_EQ(ctx.principal.kind, Principal::Kind::master_key);
  }
  return out;
}

TEST(AuthStage, TheMasterKeyIsRequiredWhereTheRouteSaysSo) {
  EXPECT_TRUE(run_auth("sk-master", RouteGroup::llm_api, "Bearer sk-master"));
  auto refused = run_auth("sk-master", RouteGroup::llm_api, "Bearer sk-other");
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().status(), 401);
  EXPECT_FALSE(run_auth("sk-master", RouteGroup::llm_api, ""));
  EXPECT_TRUE(run_auth("sk-master", RouteGroup::open, "")) << "health probes need no key";
  EXPECT_TRUE(run_auth("", RouteGroup::llm_api, "")) << "no master key: authentication is off";
  auto no_store = run_auth("sk-master", RouteGroup::management, "Bearer sk-virtual");
  ASSERT_FALSE(no_store) << "a key other than the master key needs the key store";
  EXPECT_EQ(no_store.error().status(), 401);
}

TEST(JsonBodyStage, ParsesOnceAndMovesLiteLLMKeysToControls) {
  Harness h;
  h.request.body() = R"({"model":"g","timeout":5,"messages":[],"metadata":{"a":1},"user":"u"})";
  RequestContext ctx(h.exchange, snapshot(""), kTestRoute);
  JsonBodyStage stage;
  Status out = run_before(h, stage, ctx);
  ASSERT_TRUE(out);
  EXPECT_EQ(json::serialize(ctx.body), R"({"model":"g","messages":[],"user":"u"})")
      << "the provider sees the client's order, without the gateway's keys";
  EXPECT_EQ(json::serialize(ctx.controls), R"({"timeout":5,"metadata":{"a":1}})");
}

TEST(JsonBodyStage, InvalidJsonIsAnErrorNamingWhere) {
  auto r = parse_json_object("{\"model\":\n  x}", "request body");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::invalid_json);
  EXPECT_NE(r.error().message.find("line 2 column 3"), std::string::npos) << r.error().message;
  EXPECT_FALSE(parse_json_object("[1]", "request body"));
  EXPECT_FALSE(parse_json_object(R"({"a":1e999})", "request body"))
      << "infinity is not a JSON number";
}

TEST(TakeControls, NoLiteLLMKeyLeavesTheBodyAlone) {
  auto body = json::parse(R"({"b":1,"a":2})").as_object();
  EXPECT_TRUE(take_controls(body).empty());
  EXPECT_EQ(json::serialize(body), R"({"b":1,"a":2})");
}

TEST(RouteTable, EveryRowIsReachableAndRowsAreUnique) {
  std::set<std::pair<std::string, int>> seen;
  for (const auto& row : route_table()) {
    EXPECT_TRUE(seen.emplace(std::string(row.path), static_cast<int>(row.method)).second)
        << row.path << " twice";
    std::string path(row.path);
    if (path.ends_with("/*")) path = path.substr(0, path.size() - 1) + "x";
    for (const auto& target : {path, "/v1" + path, path + "/", path + "?a=b"}) {
      auto m = match_route(normalize_path(target), row.method);
      ASSERT_TRUE(m.route) << target;
      EXPECT_EQ(m.route->handler, row.handler) << target;
    }
  }
}

TEST(RouteTable, WrongMethodUnknownPathAndParameters) {
  auto wrong = match_route("/chat/completions", http::verb::get);
  EXPECT_FALSE(wrong.route);
  EXPECT_TRUE(wrong.path_known) << "405, not 404";
  auto unknown = match_route("/nope", http::verb::get);
  EXPECT_FALSE(unknown.route || unknown.path_known);
  auto by_id = match_route("/models/gpt-4o", http::verb::get);
  ASSERT_TRUE(by_id.route);
  EXPECT_EQ(by_id.parameter, "gpt-4o");
  EXPECT_FALSE(match_route("/models/a/b", http::verb::get).route) << "one segment only";
  EXPECT_EQ(match_route("/models", http::verb::get).parameter, "");
  EXPECT_EQ(match_route("/messages", http::verb::post).route->dialect, Dialect::anthropic);
}

}  // namespace
}  // namespace routeiq::api
