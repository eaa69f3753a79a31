#pragma once
// LiteLLM's rpm_limit, tpm_limit and max_parallel_requests held across every
// gateway instance that shares one Redis server: each admit is one Lua script
// call that checks every scope and counts the request in all or none
// (redis/scripts.hpp), so N instances admit what one would. Settles and
// releases are not calls of their own: they wait in this process and ride in
// front of the next admit's call (or, when no admit comes, are sent together
// after `correction_delay`, 5 ms), so a request costs Redis one script call.
//
//   SharedLimiterOptions options;
//   options.redis = options_from_url("redis://:secret@10.0.0.5:6379/0").value();
//   options.instances = 3;                      // for the fallback below
//   SharedLimiter limiter(std::move(options));
//   limiter.admit(scopes, estimate, now, [](limits::Admission admission) {
//     post_to_my_executor(std::move(admission));  // runs on a limiter thread
//   });
//   ... admission.reservation.settle(real_tokens, now);  // or drop it: released
//   limiter.remaining(scope, now);                       // x-ratelimit-* headers
//
// Threading: every call may be made from any thread and never blocks on
// Redis, except the Backend::admit overload, which waits (at most the
// deadline) and is for threads that may block. `done` is called exactly once:
// on the Redis I/O thread (the reply), on the limiter's deadline thread (no
// reply in time), or inline in admit() (Redis known to be down, queue full);
// so a caller on an event loop posts the admission back to its own executor.
// `done` must not block: it holds up every other reply.
//
// Redis down (connect refused, timeout, error reply, no reply within
// `deadline`): the request is decided at once by counters in this process
// whose limits are the configured ones divided by `instances` (at least 1,
// a 0 limit stays 0), LiteLLM's fallback, so the fleet stays near its
// limits; one warning is logged when sharing stops and one line when it
// resumes, which it does by itself as soon as Redis answers. No request
// fails because of Redis. settle() and release are fire-and-forget: when
// Redis cannot take them the correction is lost and the hold lapses after
// `lease`. flush() sends the waiting ones at once (tests, shutdown).
//
// The client connects in the background from construction on; admits made
// before it has are decided locally (and logged as such), so start-up code
// that wants the first requests shared waits with client().wait_connected().
//
// Reservations must not outlive the limiter. Destroying it stops the Redis
// client first: admits still waiting are decided locally, so no `done` is
// left uncalled.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "routeiq/limits/limiter.hpp"
#include "routeiq/limits/local_backend.hpp"
#include "routeiq/redis/client.hpp"

namespace routeiq::redis {

struct SharedLimiterOptions {
  Options redis;
  std::string key_prefix = "routeiq:";
  // Gateways sharing the counters: the local fallback counts at limit / instances.
  int64_t instances = 1;
  // The longest an admit waits for Redis before the local counters decide.
  std::chrono::milliseconds deadline{50};
  // An in-flight hold lapses after this (an instance that crashed mid-call).
  std::chrono::milliseconds lease{std::chrono::minutes(10)};
  // Windows of ids unused this long are deleted by Redis.
  std::chrono::milliseconds idle{std::chrono::minutes(2)};
  // Seconds of the window from Redis's clock, one clock for every instance.
  // False: from the `now` passed in (tests drive a fake clock).
  bool server_time = true;
  // A settle or release that no admit took along within this is sent alone.
  std::chrono::milliseconds correction_delay{5};
};

class SharedLimiter final : public limits::Backend {
 public:
  using Done = std::function<void(limits::Admission)>;

  explicit SharedLimiter(SharedLimiterOptions options);
  ~SharedLimiter() override;
  SharedLimiter(const SharedLimiter&) = delete;
  SharedLimiter& operator=(const SharedLimiter&) = delete;

  // Counts the request in all `scopes` or none (limits::Limiter::admit's
  // rules), then calls `done` once (see Threading above). The reservation in
  // the admission settles or releases through this limiter.
  void admit(std::vector<limits::Scope> scopes, int64_t estimated_tokens, limits::TimePoint now,
             Done done);
  // The same as reservation.settle(actual_tokens, now).
  void settle(limits::Reservation& reservation, int64_t actual_tokens, limits::TimePoint now) {
    reservation.settle(actual_tokens, now);
  }

  // limits::Backend, so a limits::Limiter can own one. This admit blocks
  // (never call it on an event loop thread nor in a `done`).
  std::optional<limits::Refusal> admit(std::span<const limits::Scope> scopes,
                                       int64_t estimated_tokens, limits::TimePoint now,
                                       limits::Ticket& ticket) override;
  void settle(const limits::Ticket& ticket, int64_t actual_tokens, limits::TimePoint now) override;
  void release(const limits::Ticket& ticket) noexcept override;
  // Shared: what this instance's last admit of the scope saw in Redis (the
  // whole limit when none in the last minute). Local: the fallback's counts.
  limits::Remaining remaining(const limits::Scope& scope, limits::TimePoint now) override;
  size_t tracked_ids() override;

  // Sends the settles and releases waiting for the next admit now.
  void flush();

  // False while requests are decided by the local fallback.
  bool sharing() const { return sharing_.load(std::memory_order_acquire); }
  Client& client() { return *client_; }
  const std::string& key_prefix() const { return options_.key_prefix; }

 private:
  struct Pending;
  using TicketDone = std::function<void(std::optional<limits::Refusal>, limits::Ticket)>;
  struct SeenUsage {
    limits::Usage usage;
    limits::TimePoint at;
  };

  // Settles and releases waiting for a call, as the script's KEYS and ARGV.
  struct Corrections {
    size_t count = 0;
    std::vector<std::string> keys, args;
    std::string now;  // the newest one's clock, for a call of corrections alone
    std::chrono::steady_clock::time_point since;  // when the oldest came
  };

  void admit_ticket(std::vector<limits::Scope> scopes, int64_t estimated_tokens,
                    limits::TimePoint now, TicketDone done);
  void send_admit(const std::shared_ptr<Pending>& pending, Corrections corrections);
  // Queues a settle (or, with the estimate as the real tokens and no `now`,
  // a release) for the next call.
  void correct(const limits::Ticket& ticket, int64_t actual_tokens,
               std::optional<limits::TimePoint> now);
  void send_corrections(Corrections corrections);
  // The script's first ARGV: the clock, idle, lease and the corrections (moved out).
  std::vector<std::string> script_head(const std::string& now, Corrections& corrections) const;
  void mark_holds(Pending& pending);
  void on_reply(const std::shared_ptr<Pending>& pending, const Reply& reply);
  void deliver_shared(Pending& pending, const Reply& reply);
  void decide_locally(Pending& pending, std::string_view why);
  void finish(Pending& pending, std::optional<limits::Refusal> refusal, limits::Ticket ticket);
  std::string now_arg(limits::TimePoint now) const;
  std::vector<limits::Scope> divided(std::span<const limits::Scope> scopes) const;
  void remember(const std::string& scope_id, const limits::Usage& usage, limits::TimePoint at);
  std::optional<SeenUsage> seen(const std::string& scope_id);
  // The deadline thread: wakes at most once a tick, answers the admits
  // whose deadline passed and sends corrections that waited a tick.
  void tick();

  const SharedLimiterOptions options_;
  const std::string instance_id_;  // random: names this instance's holds
  std::atomic<uint64_t> next_request_{0};
  std::atomic<bool> sharing_{true};
  limits::LocalBackend local_;

  // The usage each scope had at its last shared admit, in two generations:
  // the older one is dropped when the newer fills, so memory stays bounded.
  std::mutex seen_mutex_;
  std::unordered_map<std::string, SeenUsage> seen_new_, seen_old_;

  // Admits waiting for Redis, oldest first: every deadline is now + the same
  // delay, so a queue is in deadline order. And the corrections waiting for
  // a call.
  std::mutex tick_mutex_;
  std::condition_variable tick_wake_;
  std::deque<std::shared_ptr<Pending>> waiting_;
  Corrections corrections_;
  bool tick_idle_ = false;  // the thread waits for work, with no timeout
  bool flush_now_ = false;
  bool stopping_ = false;
  std::thread tick_thread_;

  std::unique_ptr<Client> client_;
  size_t admit_script_ = 0;
};

}  // namespace routeiq::redis
