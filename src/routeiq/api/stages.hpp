#pragma once
// The stages every request goes through: the record log (outermost, so it
// sees refusals too), auth, the body, then the end user.
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

// LLM routes: the request's end user (LiteLLM's customer: the
// x-litellm-customer-id or x-litellm-end-user-id header, else the body's
// `user`, litellm_metadata.user or metadata.user_id) rides in the principal,
// and a customer blocked with /customer/block is refused.
class EndUserStage final : public Stage {
 public:
  std::string_view name() const override { return "end_user"; }
  boost::asio::awaitable<Status> before(RequestContext& ctx) override;
};

// The end user a request names ("" when none), in LiteLLM's order.
std::string end_user_of(const RequestContext& ctx);

// One debug line per request with its record: status, group, deployment,
// model, tokens, completeness, attempts and time.
class RecordLogStage final : public Stage {
 public:
  std::string_view name() const override { return "record_log"; }
  void after(const RequestContext& ctx) noexcept override;
};

std::vector<std::unique_ptr<Stage>> default_stages();

}  // namespace routeiq::api
