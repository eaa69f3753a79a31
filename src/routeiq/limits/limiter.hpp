#pragma once
// LiteLLM's rate limits: rpm_limit, tpm_limit and max_parallel_requests of a
// virtual key, user, team, end user, a key's or team's model group
// (model_rpm_limit / model_tpm_limit) and a deployment's rpm / tpm. A request
// names the scopes it counts in; admit() counts it in all of them or in none.
// tpm counts the real tokens of each answer: an estimate is reserved before the
// call and replaced by the real count when the answer is in (settle).
//
// Scope ids: "key:<hash>", "user:<id>", "team:<id>", "end_user:<id>",
// "key_model:<hash>:<group>", "team_model:<id>:<group>", "deployment:<id>".
// The ids of one request must be distinct.
#include <boost/container/small_vector.hpp>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "routeiq/limits/window.hpp"

namespace routeiq::limits {

// Absent: no limit of that kind.
struct Limits {
  std::optional<int64_t> rpm{};
  std::optional<int64_t> tpm{};
  std::optional<int64_t> max_parallel{};
};

struct Scope {
  std::string id;
  Limits limits{};
};

enum class LimitKind { requests, tokens, parallel_requests };
std::string_view kind_name(LimitKind kind);  // "requests", "tokens", "parallel_requests"

// A scope's counts as admit() found them, before the refused request.
struct Usage {
  int64_t requests = 0;   // in the last 60 s
  int64_t tokens = 0;     // in the last 60 s, estimates of unsettled calls included
  int64_t in_flight = 0;  // admitted, not yet settled or released
};

// Why a request was not admitted: the first scope (in the order given) over a
// limit, and the first of its limits crossed (requests, tokens, parallel).
struct Refusal {
  std::string scope_id;
  LimitKind kind = LimitKind::requests;
  int64_t limit = 0;
  int64_t retry_after_seconds = 1;
  Limits limits{};  // all limits of the scope, for the headers and the message
  Usage usage{};
};

// What is left of a scope's per-minute limits, for x-ratelimit-* headers.
// Limit and remaining are absent together when the scope has no such limit.
struct Remaining {
  std::optional<int64_t> request_limit{};
  std::optional<int64_t> remaining_requests{};
  std::optional<int64_t> token_limit{};
  std::optional<int64_t> remaining_tokens{};
};

// A backend's hold on the counters of one admitted request: one handle per
// scope, plus where the token estimate went so settle() can correct it.
struct Ticket {
  struct Hold {
    void* counters = nullptr;  // the backend's own handle on one scope
    size_t hash = 0;
    uint32_t shard = 0;
  };
  // Inline for the usual scopes of a request: no allocation per request.
  boost::container::small_vector<Hold, 6> holds;
  int64_t estimated_tokens = 0;
  int64_t estimate_second = 0;
  // A backend that counts elsewhere (shared counters) names its hold here: the
  // scope ids and the request's own id among the holders. Empty for LocalBackend.
  std::vector<std::string> remote_names;
};

// Where counters live. The seam for counters shared by several gateway
// instances: a Redis backend implements these four calls on shared counters
// (admit as one script: check every scope, then count in all or none; the
// window as per-second keys with a 60 s expiry, or a sorted set), keeps the
// Redis key names in its Ticket holds, and when Redis cannot be reached falls
// back to a LocalBackend whose limits are 1/N of the configured ones (N =
// instances), so the fleet as a whole stays under the limit. Callers only see
// Limiter, so swapping the backend changes none of them.
// Every call may run on any thread at the same time.
class Backend {
 public:
  virtual ~Backend() = default;
  // Counts the request in every scope and fills `ticket`, or returns the
  // refusal and counts nothing.
  virtual std::optional<Refusal> admit(std::span<const Scope> scopes, int64_t estimated_tokens,
                                       TimePoint now, Ticket& ticket) = 0;
  // Replaces the estimate by the real tokens and ends the in-flight count.
  virtual void settle(const Ticket& ticket, int64_t actual_tokens, TimePoint now) = 0;
  // Ends the in-flight count; the estimate stays counted.
  virtual void release(const Ticket& ticket) noexcept = 0;
  virtual Remaining remaining(const Scope& scope, TimePoint now) = 0;
  // Scope ids with counters kept (memory check).
  virtual size_t tracked_ids() = 0;
};

// An admitted request's place in the counters. Ends its in-flight count when
// settled, or when destroyed unsettled (a failed or abandoned call: its
// estimate stays counted; a caller that knows no tokens were used settles 0).
// A reservation must not outlive the Limiter that made it.
class Reservation {
 public:
  Reservation() = default;
  // For a backend that admits without Limiter (asynchronously, on shared
  // counters): the hold `ticket` in `backend`, released through it.
  Reservation(Backend& backend, Ticket ticket) : backend_(&backend), ticket_(std::move(ticket)) {}
  Reservation(Reservation&& other) noexcept;
  Reservation& operator=(Reservation&& other) noexcept;
  Reservation(const Reservation&) = delete;
  Reservation& operator=(const Reservation&) = delete;
  ~Reservation() { release(); }

  bool active() const { return backend_ != nullptr; }
  // The real tokens replace the estimate, through the backend that admitted
  // it; inactive afterwards. Nothing happens for an inactive reservation.
  void settle(int64_t actual_tokens, TimePoint now);

 private:
  friend class Limiter;
  void release() noexcept;

  Backend* backend_ = nullptr;
  Ticket ticket_;
};

struct Admission {
  Reservation reservation;  // inactive when refused
  std::optional<Refusal> refusal;
  bool admitted() const { return !refusal; }
};

class Limiter {
 public:
  // Counters in this process, in `shards` independently locked shards.
  explicit Limiter(size_t shards = 16);
  explicit Limiter(std::unique_ptr<Backend> backend);

  // All or nothing: refused when any scope would go over rpm (requests in the
  // window + 1 > rpm), tpm (tokens in the window >= tpm: the estimate is
  // reserved, not checked, so one large request is not refused forever) or
  // max_parallel (in flight + 1 > limit).
  Admission admit(std::span<const Scope> scopes, int64_t estimated_tokens, TimePoint now);
  // The real tokens replace the estimate; the reservation becomes inactive.
  // Nothing happens for an inactive reservation.
  void settle(Reservation& reservation, int64_t actual_tokens, TimePoint now);
  Remaining remaining(const Scope& scope, TimePoint now) const;
  size_t tracked_ids() const { return backend_->tracked_ids(); }

 private:
  std::unique_ptr<Backend> backend_;
};

}  // namespace routeiq::limits
