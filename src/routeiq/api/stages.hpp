#pragma once
// The stages every request goes through: the record log (outermost, so it
// sees refusals too), auth, then the body.
#include <memory>
#include <string>
#include <vector>

#include "routeiq/api/pipeline.hpp"

namespace routeiq::api {

// The key from Authorization: Bearer, x-litellm-api-key, api-key or x-api-key.
std::string presented_key(const net::http::request<net::http::string_body>& req);
bool constant_time_equal(std::string_view a, std::string_view b);

// With a master key configured, every route but the open ones needs it or a
// usable virtual key allowed on the route's group (LiteLLM's route groups).
class AuthStage final : public Stage {
 public:
  std::string_view name() const override { return "auth"; }
  boost::asio::awaitable<Status> before(RequestContext& ctx) override;
};

// Routes with BodyKind::json: the body parsed once, LiteLLM's own keys moved
// to ctx.controls. After auth, so an unauthenticated body is never parsed.
class JsonBodyStage final : public Stage {
 public:
  std::string_view name() const override { return "json_body"; }
  boost::asio::awaitable<Status> before(RequestContext& ctx) override;
};

// One debug line per request with its record: status, group, deployment,
// model, tokens, completeness, attempts and time.
class RecordLogStage final : public Stage {
 public:
  std::string_view name() const override { return "record_log"; }
  void after(const RequestContext& ctx) noexcept override;
};

std::vector<std::unique_ptr<Stage>> default_stages();

}  // namespace routeiq::api
