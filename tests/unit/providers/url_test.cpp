// Values placed in upstream URLs: one segment each, no dot-segments, no host
// changes.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "routeiq/providers/bedrock.hpp"
#include "routeiq/providers/gemini.hpp"
#include "routeiq/providers/url.hpp"

namespace routeiq::providers {
namespace {
namespace json = boost::json;

TEST(PathSegment, EncodesSlashAndQueryAndRefusesDotSegments) {
  EXPECT_EQ(path_segment("gemini-1.5-pro", "model").value(), "gemini-1.5-pro");
  EXPECT_EQ(path_segment("../../v1/files?x=", "model").value(), "..%2F..%2Fv1%2Ffiles%3Fx%3D");
  EXPECT_EQ(path_segment("a\r\nb", "model").value(), "a%0D%0Ab");
  for (auto bad : {"", ".", ".."}) EXPECT_FALSE(path_segment(bad, "model")) << bad;
  EXPECT_TRUE(path_segment("...", "model"));  // not a dot-segment
}

TEST(RegionName, LettersDigitsDashes) {
  EXPECT_TRUE(is_region_name("us-central1"));
  EXPECT_TRUE(is_region_name("global"));
  EXPECT_FALSE(is_region_name("evil.example.com/x"));
  EXPECT_FALSE(is_region_name("us-east-1@evil"));
  EXPECT_FALSE(is_region_name(""));
}

json::object chat() {
  return json::object{{"model", "m"},
                      {"messages", json::array{json::object{{"role", "user"}, {"content", "x"}}}}};
}

auto now() {
  return std::chrono::system_clock::time_point(std::chrono::seconds(1'700'000'000));
}

TEST(TranslatorUrls, GeminiModelStaysInItsSegment) {
  auto t = make_gemini_translator();
  Target target;
  target.api_base = "http://127.0.0.1:9";
  target.model = "../../v1beta/files?x=";
  auto encoded = t->encode(chat(), target, now());
  ASSERT_TRUE(encoded);
  EXPECT_EQ(encoded->url,
            "http://127.0.0.1:9/v1beta/models/..%2F..%2Fv1beta%2Ffiles%3Fx%3D:generateContent");
  target.model = "..";
  EXPECT_FALSE(make_gemini_translator()->encode(chat(), target, now()));
}

TEST(TranslatorUrls, VertexLocationCannotChangeTheHost) {
  auto t = make_vertex_ai_translator();
  Target target;
  target.model = "gemini-2.0-flash";
  target.credentials.bearer_token = "tok";
  target.extra_params = json::object{{"vertex_project", "p/../q"}, {"vertex_location", "us-east5"}};
  auto encoded = t->encode(chat(), target, now());
  ASSERT_TRUE(encoded);
  EXPECT_EQ(encoded->url,
            "https://us-east5-aiplatform.googleapis.com/v1/projects/p%2F..%2Fq/locations/us-east5/"
            "publishers/google/models/gemini-2.0-flash:generateContent");
  target.extra_params["vertex_location"] = "evil.example.com/x";
  EXPECT_FALSE(make_vertex_ai_translator()->encode(chat(), target, now()));
}

TEST(TranslatorUrls, BedrockModelAndRegion) {
  Target target;
  target.model = "..";
  target.credentials.access_key_id = "AKIDEXAMPLE";
  target.credentials.secret_access_key = "secret";
  target.credentials.region = "us-east-1";
  EXPECT_FALSE(make_bedrock_translator()->encode(chat(), target, now()));
  target.model = "anthropic.claude-3-haiku-20240307-v1:0";
  target.credentials.region = "us-east-1.evil.example";
  EXPECT_FALSE(make_bedrock_translator()->encode(chat(), target, now()));
}

}  // namespace
}  // namespace routeiq::providers
