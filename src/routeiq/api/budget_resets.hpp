#pragma once
// LiteLLM's budget periods on the running gateway (ResetBudgetJob in its
// proxy/common_utils/reset_budget_job.py): a thread that, every random
// [proxy_budget_rescheduler_min_time, _max_time] seconds and whenever a
// stored budget_reset_at comes, sets `spend` back to 0 and budget_reset_at to
// the next reset (keys/budget_reset) for every key, user and team whose
// budget_reset_at has passed, and for every budget row (with the end users and
// team memberships that use it). Each batch of rows is reset in one store
// transaction, reading each row again under its lock, so a concurrent spend
// write lands either before the reset (and is reset) or after it (and counts
// in the new period), and instances sharing the database reset each row once.
//
// The request path does not wait for it: a budget whose budget_reset_at has
// passed already counts as fresh (api/budgets). The proxy-wide budget
// (litellm_settings.max_budget) is the user row "litellm-proxy-budget", as in
// LiteLLM, that every request's spend is added to.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "routeiq/core/error.hpp"
#include "routeiq/core/time.hpp"
#include "routeiq/store/store.hpp"

namespace routeiq::api {

class KeyService;
class SpendLedger;

// What one pass over the store did.
struct ResetPass {
  std::vector<std::string> reset;   // owners reset, as SpendLedger names them ("key:<hash>"...)
  size_t budgets_reset = 0;         // budget rows (their end users' owners are in `reset`)
  size_t deferred = 0;              // due, but this instance has spend of theirs still unwritten
  std::optional<SysTime> next_due;  // the earliest budget_reset_at still to come
};

// Whether this instance still holds spend of `owner` from before `cut`
// unwritten: its row is then reset on a later pass, once that spend is in the
// period it belongs to.
using UnwrittenBefore = std::function<bool(const std::string& owner, SysTime cut)>;

// Resets every due row of the store at `now`, the next reset times on the
// wall clock `utc_offset` ahead of UTC.
Result<ResetPass> reset_due_budgets(store::Store& s, SysTime now, std::chrono::seconds utc_offset,
                                    const UnwrittenBefore& unwritten_before);

// The proxy-wide budget: its stored spend and period, read off the request
// path (at start, after each spend batch and after each reset), checked on it
// with this instance's unwritten spend.
class ProxyBudget {
 public:
  static constexpr std::string_view kUserId = "litellm-proxy-budget";  // LiteLLM's row
  static constexpr std::string_view kOwner = "user:litellm-proxy-budget";

  ProxyBudget(double max_budget, std::string budget_duration);
  // Creates the row, or brings its max_budget and budget_duration in line
  // with the config (a changed duration starts a new period at the next
  // reset time; its spend stays).
  Status ensure(store::Store& s, SysTime now, std::chrono::seconds utc_offset);
  // Reads the row's spend and reset time again.
  Status refresh(store::Store& s);
  // LiteLLM's 400 budget_exceeded once the proxy's spend reached max_budget.
  Status check(const SpendLedger& ledger, SysTime now) const;
  double max_budget() const { return max_budget_; }

 private:
  double max_budget_;
  std::string budget_duration_;
  std::atomic<double> spend_{0};
  std::atomic<int64_t> reset_at_ms_{INT64_MAX};
};

struct BudgetResetOptions {
  std::chrono::milliseconds min_interval{597'000}, max_interval{605'000};
  std::chrono::seconds utc_offset{0};
};

// The job's thread. A pass that fails (database down) is logged and tried
// again at the next interval.
class BudgetResetJob {
 public:
  using Clock = std::function<SysTime()>;
  BudgetResetJob(std::shared_ptr<KeyService> keys, ProxyBudget* proxy, BudgetResetOptions options,
                 Clock clock);
  ~BudgetResetJob();  // stop()
  BudgetResetJob(const BudgetResetJob&) = delete;
  BudgetResetJob& operator=(const BudgetResetJob&) = delete;

  void start();
  void stop();
  // One pass now, on the calling thread (the thread's loop and tests).
  Result<ResetPass> run_once();

 private:
  void run();
  std::chrono::milliseconds next_wait(const Result<ResetPass>& pass, SysTime now);

  std::shared_ptr<KeyService> keys_;
  ProxyBudget* proxy_;
  BudgetResetOptions options_;
  Clock clock_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace routeiq::api
