#include "routeiq/api/budget_alerts.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>
#include <chrono>

#include "routeiq/core/log.hpp"
#include "routeiq/net/upstream.hpp"

namespace routeiq::api {
namespace asio = boost::asio;
namespace json = boost::json;

namespace {

// A webhook gets this long to answer; the next event waits no longer.
constexpr std::chrono::seconds kWebhookTimeout{5};

json::value text_or_null(const std::string& s) {
  if (s.empty()) return nullptr;
  return json::value(s);
}

json::value number_or_null(const std::optional<double>& v) {
  if (!v) return nullptr;
  return json::value(*v);
}

std::string_view group_title(std::string_view group) {
  if (group == "key") return "Key";
  if (group == "team") return "Team";
  if (group == "user") return "User";
  if (group == "end_user") return "Customer";
  return "Proxy";
}

std::string event_message(const BudgetEvent& e) {
  std::string out(group_title(e.event_group));
  out += " Budget: ";
  out += e.event == "soft_budget_crossed" ? "Soft Budget Crossed" : "Budget Crossed";
  return out;
}

// Who the line is about: never the key, its alias or hash only.
std::string subject(const BudgetEvent& e) {
  if (e.event_group == "key")
    return e.key_alias.empty() ? "key " + e.token : "key alias=" + e.key_alias;
  if (e.event_group == "proxy") return "the proxy";
  return std::string(e.event_group) + " " + e.id;
}

std::string raised_key(const BudgetEvent& e) {
  return e.event + "\n" + e.event_group + "\n" + e.id + "\n" + std::to_string(e.period_ms);
}

asio::awaitable<void> post(net::UpstreamRequest request, std::string* outcome) {
  net::UpstreamCall call;
  auto now = std::chrono::steady_clock::now();
  net::Deadlines deadlines{now + kWebhookTimeout, now + kWebhookTimeout};
  if (!co_await call.start(std::move(request), deadlines)) {
    *outcome = "unreachable: " + call.failure_detail();
    co_return;
  }
  std::string body;
  co_await call.read_prefix(body, 4096);
  if (call.status() >= 300) *outcome = "answered " + std::to_string(call.status());
  // Closed, not pooled: a pooled connection would keep this thread's event
  // loop (made for this one call) waiting for its idle timer.
  call.cancel();
}

}  // namespace

std::string webhook_event_json(const BudgetEvent& e) {
  json::object o;
  o["spend"] = e.spend;
  o["max_budget"] = number_or_null(e.max_budget);
  o["soft_budget"] = number_or_null(e.soft_budget);
  o["token"] = text_or_null(e.token);
  o["customer_id"] = text_or_null(e.customer_id);
  o["user_id"] = text_or_null(e.user_id);
  o["team_id"] = text_or_null(e.team_id);
  o["team_alias"] = nullptr;
  o["user_email"] = nullptr;
  o["key_alias"] = text_or_null(e.key_alias);
  o["projected_exceeded_date"] = nullptr;
  o["projected_spend"] = nullptr;
  o["event"] = e.event;
  o["event_group"] = e.event_group;
  o["event_message"] = event_message(e);
  return json::serialize(o);
}

std::string budget_event_line(const BudgetEvent& e) {
  std::string line = "budget alert: " + event_message(e) + " for " + subject(e) + ": spend " +
                     std::to_string(e.spend);
  if (e.event == "soft_budget_crossed" && e.soft_budget)
    line += ", soft_budget " + std::to_string(*e.soft_budget);
  if (e.max_budget) line += ", max_budget " + std::to_string(*e.max_budget);
  return line;
}

BudgetAlerts::BudgetAlerts(std::string webhook_url) : webhook_url_(std::move(webhook_url)) {
  thread_ = std::thread([this] { run(); });
}

BudgetAlerts::~BudgetAlerts() {
  stop();
}

bool BudgetAlerts::raise(BudgetEvent e) {
  std::lock_guard lock(mutex_);
  if (stopping_ || !raised_.insert(raised_key(e)).second) return false;
  queue_.push_back(std::move(e));
  wake_.notify_one();
  return true;
}

void BudgetAlerts::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
}

void BudgetAlerts::run() {
  for (;;) {
    BudgetEvent e;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;
      e = std::move(queue_.front());
      queue_.pop_front();
    }
    tell(e);
  }
}

void BudgetAlerts::tell(const BudgetEvent& e) {
  log::warn() << budget_event_line(e);
  if (webhook_url_.empty()) return;
  net::UpstreamRequest request;
  request.url = webhook_url_;
  request.headers.add("content-type", "application/json");
  request.body = webhook_event_json(e);
  std::string outcome;
  try {
    // The call's own event loop: this thread is no server thread.
    asio::io_context io;
    asio::co_spawn(io, post(std::move(request), &outcome), asio::detached);
    io.run();
  } catch (const std::exception& ex) {
    outcome = ex.what();
  }
  // The URL is the operator's and may hold a token: it is not logged.
  if (!outcome.empty()) log::warn() << "budget alert webhook not told: " << outcome;
}

}  // namespace routeiq::api
