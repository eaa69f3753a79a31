#pragma once
// LiteLLM's budget alerts: when an owner's spend crosses its soft_budget
// ("soft_budget_crossed") or its max_budget ("budget_crossed"), one warning
// line (the key by alias or hash, never the key) and, with
// general_settings.alerting: ["webhook"] and WEBHOOK_URL set, one POST of
// LiteLLM's WebhookEvent JSON. Once per crossing per budget period; raised on
// the request path (a lock and a set lookup, only for owners already over a
// budget), told from a thread of its own: a webhook that is slow or down
// delays and fails no request.
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>

namespace routeiq::api {

// Who an event is about and how far its budget is spent (LiteLLM's CallInfo).
struct BudgetEvent {
  std::string event;        // "soft_budget_crossed", "budget_crossed"
  std::string event_group;  // Litellm_EntityType: "key", "team", "user", "end_user", "proxy"
  std::string id;           // the owner's id in its group (the key's hash for a key)
  double spend = 0;
  std::optional<double> max_budget, soft_budget;
  std::string token, user_id, team_id, customer_id, key_alias;
  int64_t period_ms = 0;  // when the budget's period ends (0: it never resets)
};

// LiteLLM's WebhookEvent body of an event (its event_message as LiteLLM
// words it: "Key Budget: Soft Budget Crossed"...).
std::string webhook_event_json(const BudgetEvent& e);
// The warning line of an event.
std::string budget_event_line(const BudgetEvent& e);

class BudgetAlerts {
 public:
  // `webhook_url` empty: events are logged only.
  explicit BudgetAlerts(std::string webhook_url);
  ~BudgetAlerts();
  BudgetAlerts(const BudgetAlerts&) = delete;
  BudgetAlerts& operator=(const BudgetAlerts&) = delete;

  // Queues the event unless the same event of the same owner and period was
  // raised before; true when it was queued.
  bool raise(BudgetEvent e);
  // Sends what is queued (up to a deadline each), then ends the thread.
  void stop();
  const std::string& webhook_url() const { return webhook_url_; }

 private:
  void run();
  void tell(const BudgetEvent& e);

  std::string webhook_url_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<BudgetEvent> queue_;
  std::set<std::string, std::less<>> raised_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace routeiq::api
