// A config reload swaps the snapshot whole and keeps the health of the
// deployments it keeps (by model_info.id), as the cooldown state must survive.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "routeiq/config/deployment_json.hpp"
#include "routeiq/runtime/runtime.hpp"

namespace routeiq::runtime {
namespace {

std::shared_ptr<const config::Config> config_of(const std::string& yaml) {
  auto cfg = config::load_config_string(yaml);
  EXPECT_TRUE(cfg) << (cfg ? "" : cfg.error().message);
  return std::make_shared<const config::Config>(std::move(cfg.value()));
}

const char* kTwo = R"(model_list:
  - model_name: a
    litellm_params: {model: openai/a, api_base: "http://127.0.0.1:9/v1", api_key: k}
    model_info: {id: dep-a}
  - model_name: b
    litellm_params: {model: openai/b, api_base: "http://127.0.0.1:9/v1", api_key: k}
    model_info: {id: dep-b}
router_settings: {cooldown_time: 60}
)";

// b first, a dropped, c new: indices move, ids decide.
const char* kReordered = R"(model_list:
  - model_name: b
    litellm_params: {model: openai/b, api_base: "http://127.0.0.1:9/v1", api_key: k}
    model_info: {id: dep-b}
  - model_name: c
    litellm_params: {model: openai/c, api_base: "http://127.0.0.1:9/v1", api_key: k}
    model_info: {id: dep-c}
router_settings: {cooldown_time: 60}
)";

TEST(Runtime, ReloadKeepsCooldownsByDeploymentId) {
  auto rt = Runtime::create(config_of(kTwo));
  ASSERT_TRUE(rt);
  auto first = rt.value()->snapshot();
  first->cooldowns->cool_down_now(1);  // dep-b
  ASSERT_TRUE(first->cooldowns->in_cooldown(1));

  ASSERT_TRUE(rt.value()->reload(config_of(kReordered)));
  auto second = rt.value()->snapshot();
  EXPECT_NE(first, second) << "a reload makes a new snapshot";
  EXPECT_TRUE(second->cooldowns->in_cooldown(0)) << "dep-b, now first, is still cooling down";
  EXPECT_FALSE(second->cooldowns->in_cooldown(1)) << "dep-c is new and healthy";
  EXPECT_TRUE(first->cooldowns->in_cooldown(1)) << "a request on the old snapshot sees the same";
}

TEST(Runtime, BadConfigKeepsTheCurrentSnapshot) {
  auto rt = Runtime::create(config_of(kTwo));
  ASSERT_TRUE(rt);
  auto before = rt.value()->snapshot();
  auto bad = config_of(R"(model_list:
  - model_name: r
    litellm_params: {model: routeiq/knn, model_path: /nonexistent, candidates: [missing]}
)");
  EXPECT_FALSE(rt.value()->reload(bad));
  EXPECT_EQ(rt.value()->snapshot(), before);
}

TEST(Snapshot, DeploymentTargetsAreDecidedOnce) {
  auto snap = build_snapshot(config_of(R"(model_list:
  - model_name: g
    litellm_params:
      model: openai/gpt-4o
      api_base: http://127.0.0.1:9/v1/
      api_key: sk-up
      order: 2
      max_budget: 10
      cache_read_input_token_cost: 0.1
      aws_region_name: us-east-1
      temperature: 0.3
      drop_params: true
      extra_headers: {x-team: blue}
)"));
  ASSERT_TRUE(snap);
  const auto& t = snap.value()->deployments[0].target;
  EXPECT_EQ(t.api_base, "http://127.0.0.1:9/v1");
  EXPECT_EQ(t.credentials.api_key, "sk-up");
  EXPECT_EQ(t.body_defaults, boost::json::parse(R"({"temperature":0.3})").as_object());
  EXPECT_TRUE(t.drop_params);
  ASSERT_EQ(t.extra_headers.size(), 1u);
  EXPECT_EQ(t.extra_headers[0].second, "blue");
}

config::Deployment db_deployment(const std::string& name, const std::string& id) {
  boost::json::object entry{
      {"model_name", name},
      {"litellm_params", {{"model", "openai/" + name}, {"api_base", "http://127.0.0.1:9/v1"}}},
      {"model_info", {{"id", id}}}};
  auto loaded = config::load_deployment_json(entry);
  EXPECT_TRUE(loaded) << (loaded ? "" : loaded.error().message);
  return loaded->deployment;
}

std::vector<std::string> ids_of(const Snapshot& snap) {
  std::vector<std::string> ids;
  for (const auto& d : snap.config->model_list) ids.push_back(d.model_info.id);
  return ids;
}

TEST(Runtime, DatabaseDeploymentsAreServedBesideTheConfigAndSurviveAReload) {
  auto rt = Runtime::create(config_of(kTwo));
  ASSERT_TRUE(rt);
  ASSERT_TRUE(rt.value()->set_db_deployments({db_deployment("from-db", "db-1")}));
  auto snap = rt.value()->snapshot();
  EXPECT_EQ(ids_of(*snap), (std::vector<std::string>{"dep-a", "dep-b", "db-1"}));
  EXPECT_TRUE(snap->table->resolve("from-db"));

  ASSERT_TRUE(rt.value()->reload(config_of(kReordered)));
  EXPECT_EQ(ids_of(*rt.value()->snapshot()), (std::vector<std::string>{"dep-b", "dep-c", "db-1"}))
      << "a config reload keeps the database's deployments";

  ASSERT_TRUE(rt.value()->set_db_deployments({}));
  EXPECT_EQ(ids_of(*rt.value()->snapshot()), (std::vector<std::string>{"dep-b", "dep-c"}));
  EXPECT_FALSE(rt.value()->snapshot()->table->resolve("from-db"));
}

TEST(Runtime, ADatabaseDeploymentWithAConfigIdIsLeftOut) {
  auto rt = Runtime::create(config_of(kTwo));
  ASSERT_TRUE(rt);
  ASSERT_TRUE(rt.value()->set_db_deployments({db_deployment("other", "dep-a")}));
  auto snap = rt.value()->snapshot();
  EXPECT_EQ(ids_of(*snap), (std::vector<std::string>{"dep-a", "dep-b"}));
  ASSERT_FALSE(snap->warnings.empty());
  EXPECT_NE(snap->warnings.back().find("dep-a"), std::string::npos);
}

TEST(DeploymentJson, ReadByTheFileRules) {
  auto ok = config::load_deployment_json(
      {{"model_name", "m"},
       {"litellm_params", {{"model", "groq/llama"}, {"timeout", "30"}, {"seed", 7}}}});
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_EQ(ok->deployment.provider, "groq");
  EXPECT_EQ(ok->deployment.model, "llama");
  EXPECT_EQ(*ok->deployment.timeout, 30);
  EXPECT_EQ(ok->deployment.extra_params.at("seed").as_int64(), 7);
  EXPECT_TRUE(ok->warnings.empty());

  auto bad_timeout = config::load_deployment_json(
      {{"model_name", "m"}, {"litellm_params", {{"model", "openai/x"}, {"timeout", "soon"}}}});
  ASSERT_FALSE(bad_timeout);
  EXPECT_EQ(bad_timeout.error().message.rfind("litellm_params.timeout: ", 0), 0u)
      << bad_timeout.error().message;

  auto crlf = config::load_deployment_json(
      {{"model_name", "m"},
       {"litellm_params", {{"model", "openai/x"}, {"api_base", "http://h/v1\r\nX-Evil: 1"}}}});
  ASSERT_FALSE(crlf);
  EXPECT_NE(crlf.error().message.find("line break"), std::string::npos);

  auto unknown = config::load_deployment_json(
      {{"model_name", "m"}, {"litellm_params", {{"model", "nosuch/x"}}}, {"extra", 1}});
  ASSERT_TRUE(unknown) << unknown.error().message;
  EXPECT_EQ(unknown->warnings.size(), 2u) << "the unknown key and the unknown provider";
}

TEST(HealthRegistry, SlotsAreSharedByIdAndFreedWithTheirSnapshots) {
  routing::HealthRegistry registry;
  auto a = registry.slots_for({"x", "y"});
  auto b = registry.slots_for({"y", "z"});
  EXPECT_EQ(a[1], b[0]);
  EXPECT_NE(a[0], b[1]);
  std::weak_ptr<routing::HealthSlot> x = a[0];
  a.clear();
  EXPECT_TRUE(x.expired()) << "no snapshot uses x any more";
  auto c = registry.slots_for({"x"});
  EXPECT_EQ(c[0]->cooldown_until_ns.load(), 0) << "x comes back healthy";
}

}  // namespace
}  // namespace routeiq::runtime
