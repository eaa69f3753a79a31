// Credential sources are decided at snapshot build, from litellm_params over
// the environment, without any fetch.
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>
#include <cstdlib>
#include <optional>
#include <string>

#include "../scoped_env.hpp"
#include "routeiq/credentials/credentials.hpp"

namespace routeiq::credentials {
namespace {

namespace json = boost::json;
using providers::WireFormat;

using routeiq::testing::ScopedEnv;

boost::asio::awaitable<void> store(boost::asio::awaitable<Status> work,
                                   std::optional<Status>* out) {
  out->emplace(co_await std::move(work));
}

// Runs fill() to completion on a private event loop.
Status run_fill(const Source& source, providers::Target& target) {
  boost::asio::io_context io;
  std::optional<Status> out;
  boost::asio::co_spawn(io, store(fill(source, target), &out), boost::asio::detached);
  io.run();
  return out.value();
}

json::object params(std::string_view text) {
  return json::parse(text).as_object();
}

TEST(AwsSource, ParamsWinOverTheEnvironment) {
  ScopedEnv id("AWS_ACCESS_KEY_ID", "AKIDENV"), secret("AWS_SECRET_ACCESS_KEY", "env-secret");
  ScopedEnv region("AWS_REGION", "eu-west-1");
  auto s = aws_source(params(
      R"({"aws_access_key_id": "AKIDPARAM", "aws_secret_access_key": "p", "aws_region_name": "ap-south-1"})"));
  EXPECT_EQ(s.fixed.access_key_id, "AKIDPARAM");
  EXPECT_EQ(s.fixed.source, "params");
  EXPECT_EQ(s.region, "ap-south-1");
  auto from_env = aws_source({});
  EXPECT_EQ(from_env.fixed.access_key_id, "AKIDENV");
  EXPECT_EQ(from_env.fixed.source, "env");
  EXPECT_EQ(from_env.region, "eu-west-1");
  EXPECT_EQ(from_env.sts_endpoint, "https://sts.eu-west-1.amazonaws.com");
}

TEST(AwsSource, ChainSettingsAreResolvedOnce) {
  ScopedEnv id("AWS_ACCESS_KEY_ID", nullptr), region("AWS_REGION", nullptr),
      dflt("AWS_DEFAULT_REGION", nullptr), profile("AWS_PROFILE", "ops"),
      file("AWS_SHARED_CREDENTIALS_FILE", "/tmp/creds.ini"),
      imds("AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.1:9/"),
      disabled("AWS_EC2_METADATA_DISABLED", nullptr),
      relative("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/creds"),
      full("AWS_CONTAINER_CREDENTIALS_FULL_URI", nullptr);
  auto s = aws_source(params(R"({"aws_role_name": "arn:aws:iam::1:role/r"})"));
  EXPECT_EQ(s.region, "us-east-1");
  EXPECT_EQ(s.profile, "ops");
  EXPECT_EQ(s.credentials_file, "/tmp/creds.ini");
  EXPECT_EQ(s.role_arn, "arn:aws:iam::1:role/r");
  EXPECT_EQ(s.session_name, "routeiq");
  EXPECT_EQ(s.imds_endpoint, "http://127.0.0.1:9") << "trailing slash removed";
  EXPECT_EQ(s.container_url, "http://169.254.170.2/v2/creds");
  ScopedEnv off("AWS_EC2_METADATA_DISABLED", "true");
  EXPECT_EQ(aws_source({}).imds_endpoint, "");
}

TEST(SourceFor, OnlyWhatNeedsMoreThanAnApiKey) {
  EXPECT_EQ(source_for(WireFormat::openai, {}, true, "id", "m"), nullptr);
  EXPECT_EQ(source_for(WireFormat::anthropic, {}, true, "id", "m"), nullptr);
  EXPECT_EQ(source_for(WireFormat::bedrock, {}, true, "id", "m"), nullptr)
      << "a Bedrock API key is a bearer token";
  EXPECT_EQ(source_for(WireFormat::azure, {}, true, "id", "m"), nullptr) << "api-key auth";
  auto bedrock = source_for(WireFormat::bedrock, {}, false, "dep-1", "claude");
  ASSERT_NE(bedrock, nullptr);
  EXPECT_EQ(bedrock->cache_key, "aws:dep-1");
  EXPECT_EQ(bedrock->label, "claude");
  EXPECT_TRUE(std::holds_alternative<AwsSource>(bedrock->how));
  auto entra =
      source_for(WireFormat::azure, params(R"({"azure_ad_token": "tok"})"), false, "a", "m");
  ASSERT_NE(entra, nullptr);
  EXPECT_EQ(std::get<EntraSource>(entra->how).static_token, "tok");
}

TEST(SourceFor, AMissingServiceAccountFailsEveryCallWithTheReason) {
  auto s =
      source_for(WireFormat::vertex_ai, params(R"({"vertex_credentials": "/nonexistent/sa.json"})"),
                 false, "v", "gemini");
  ASSERT_NE(s, nullptr);
  const auto& google = std::get<GoogleSource>(s->how);
  EXPECT_EQ(google.account, nullptr);
  EXPECT_NE(google.problem.find("vertex_credentials"), std::string::npos) << google.problem;

  providers::Target target;
  auto status = run_fill(*s, target);
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().message, google.problem);
  EXPECT_TRUE(target.credentials.bearer_token.empty());
}

TEST(SourceFor, StaticEntraTokenIsUsedAsIs) {
  auto s = source_for(WireFormat::azure, params(R"({"azure_ad_token": "entra-static"})"), false,
                      "a", "m");
  providers::Target target;
  EXPECT_TRUE(run_fill(*s, target));
  EXPECT_EQ(target.credentials.bearer_token, "entra-static");
}

}  // namespace
}  // namespace routeiq::credentials
