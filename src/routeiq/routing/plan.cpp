#include "routeiq/routing/plan.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "routeiq/core/json.hpp"

namespace routeiq::routing {
namespace json = boost::json;
using SteadyClock = std::chrono::steady_clock;

namespace {

std::vector<std::string> fallbacks_for(const config::Config& cfg, const std::string& group) {
  for (const auto& f : cfg.router_settings.fallbacks)
    if (f.model_group == group) return f.fallbacks;
  return cfg.router_settings.default_fallbacks;
}

// A per-request control (`timeout`, `num_retries`, ...): absent or null is
// nullopt; anything but a finite number (or numeric string) in [lo, hi] is a
// 400, so no later conversion to an integer can overflow.
Result<std::optional<double>> control_number(const json::object& body, std::string_view key,
                                             double lo, double hi) {
  auto it = body.find(key);
  if (it == body.end() || it->value().is_null()) return std::optional<double>();
  auto v = loose_number_at(body, key);
  if (!v || !std::isfinite(*v) || *v < lo || *v > hi) {
    std::ostringstream range;
    range << std::string(key) << " must be a number from " << lo << " to " << hi;
    return make_error(ErrorKind::invalid_request, range.str(), std::string(key));
  }
  return v;
}

// Seconds: above zero and at most about eleven days.
constexpr double kMinSeconds = 1e-3, kMaxSeconds = 1e6;

}  // namespace

Result<CallPlan> make_plan(const config::Config& cfg, const std::string& group,
                           const json::object& body) {
  CallPlan plan;
  auto timeout = control_number(body, "timeout", kMinSeconds, kMaxSeconds);
  if (!timeout) return timeout.error();
  auto stream_timeout = control_number(body, "stream_timeout", kMinSeconds, kMaxSeconds);
  if (!stream_timeout) return stream_timeout.error();
  auto retries = control_number(body, "num_retries", 0, 1e6);
  if (!retries) return retries.error();

  plan.groups.push_back(group);
  bool disable = body.contains("disable_fallbacks") && body.at("disable_fallbacks").is_bool() &&
                 body.at("disable_fallbacks").as_bool();
  std::vector<std::string> fallbacks;
  if (auto it = body.find("fallbacks"); it != body.end() && it->value().is_array()) {
    for (const auto& v : it->value().as_array())
      if (v.is_string()) fallbacks.emplace_back(v.as_string());
  } else {
    fallbacks = fallbacks_for(cfg, group);
  }
  if (!disable)
    for (auto& f : fallbacks)
      if (f != group) plan.groups.push_back(std::move(f));
  plan.num_retries = cfg.router_settings.num_retries;
  if (cfg.litellm_settings.num_retries && cfg.router_settings.num_retries == 0)
    plan.num_retries = *cfg.litellm_settings.num_retries;
  if (*retries) plan.num_retries = static_cast<int>(std::min(**retries, 10.0));
  plan.num_retries = std::clamp(plan.num_retries, 0, 10);
  if (cfg.litellm_settings.request_timeout) plan.timeout = *cfg.litellm_settings.request_timeout;
  if (cfg.router_settings.timeout) plan.timeout = *cfg.router_settings.timeout;
  if (*timeout) {
    plan.timeout = **timeout;
    plan.timeout_from_request = true;
  }
  plan.stream_timeout = *stream_timeout;
  if (auto it = body.find("stream"); it != body.end() && it->value().is_bool())
    plan.stream = it->value().as_bool();
  return plan;
}

namespace {

SteadyClock::time_point after_seconds(SteadyClock::time_point t, double seconds) {
  return t + std::chrono::milliseconds(static_cast<int64_t>(seconds * 1000));
}

}  // namespace

SteadyClock::time_point request_deadline(const CallPlan& plan, SteadyClock::time_point received) {
  return after_seconds(received, plan.timeout);
}

Deadlines attempt_deadlines(const CallPlan& plan, const config::Deployment& d,
                            const config::RouterSettings& router, SteadyClock::time_point received,
                            SteadyClock::time_point now) {
  double total = plan.timeout_from_request ? plan.timeout : d.timeout.value_or(plan.timeout);
  Deadlines out;
  out.total = std::min(after_seconds(now, total), request_deadline(plan, received));
  std::optional<double> first = plan.stream_timeout;
  if (!first && plan.stream) first = d.stream_timeout ? d.stream_timeout : router.stream_timeout;
  out.first_byte = first ? std::min(out.total, after_seconds(now, *first)) : out.total;
  return out;
}

}  // namespace routeiq::routing
