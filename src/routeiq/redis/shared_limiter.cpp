#include "routeiq/redis/shared_limiter.hpp"

#include <algorithm>
#include <future>
#include <random>
#include <utility>

#include "routeiq/core/log.hpp"
#include "routeiq/redis/scripts.hpp"

namespace routeiq::redis {

using limits::Admission;
using limits::LimitKind;
using limits::Refusal;
using limits::Remaining;
using limits::Scope;
using limits::Ticket;
using limits::TimePoint;
using limits::Usage;

// One admit waiting for Redis. Whoever sets `decided` first (the reply or the
// deadline) answers; the other does nothing, so `done` runs exactly once.
struct SharedLimiter::Pending {
  std::atomic<bool> decided{false};
  std::vector<Scope> scopes;
  int64_t estimated_tokens = 0;
  TimePoint now;
  Ticket ticket;  // remote_names: the request's id, then the scope ids
  TicketDone done;
  std::chrono::steady_clock::time_point deadline;

  bool claim() { return !decided.exchange(true, std::memory_order_acq_rel); }
};

namespace {

// Each generation of the seen-usage cache holds at most this many scope ids.
constexpr size_t kSeenPerGeneration = 50000;
constexpr int64_t kNoLimit = -1;

std::string random_instance_id() {
  std::random_device device;
  uint64_t bits = (uint64_t{device()} << 32) ^ device();
  char text[17];
  std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(bits));
  return text;
}

std::string limit_arg(const std::optional<int64_t>& limit) {
  return std::to_string(limit ? *limit : kNoLimit);
}

int64_t divide_limit(int64_t limit, int64_t instances) {
  // A limit of 0 refuses everything and stays so; others keep at least 1 so
  // a small limit does not refuse every request while Redis is down.
  if (limit <= 0) return limit;
  return std::max<int64_t>(limit / instances, 1);
}

std::optional<int64_t> divide(const std::optional<int64_t>& limit, int64_t instances) {
  if (!limit) return std::nullopt;
  return divide_limit(*limit, instances);
}

bool all_integers(const Reply& reply, size_t minimum) {
  if (reply.type != Reply::Type::array || reply.elements.size() < minimum) return false;
  return std::all_of(reply.elements.begin(), reply.elements.end(),
                     [](const Reply& e) { return e.type == Reply::Type::integer; });
}

std::optional<int64_t> left_of(const std::optional<int64_t>& limit, int64_t used) {
  if (!limit) return std::nullopt;
  return std::max<int64_t>(*limit - used, 0);
}

}  // namespace

SharedLimiter::SharedLimiter(SharedLimiterOptions options)
    : options_(std::move(options)), instance_id_(random_instance_id()) {
  client_ = std::make_unique<Client>(options_.redis);
  admit_script_ = client_->add_script(scripts::admit());
  settle_script_ = client_->add_script(scripts::settle());
  release_script_ = client_->add_script(scripts::release());
  deadline_thread_ = std::thread([this] { watch_deadlines(); });
}

SharedLimiter::~SharedLimiter() {
  // Every queued command gets its failure reply here, so each waiting admit
  // is decided (locally) before the counters it needs go away.
  client_->stop();
  {
    std::lock_guard lock(deadline_mutex_);
    stopping_ = true;
  }
  deadline_wake_.notify_one();
  deadline_thread_.join();
  for (auto& pending : waiting_) {
    if (pending->claim()) decide_locally(*pending, "limiter stopping");
  }
}

void SharedLimiter::admit(std::vector<Scope> scopes, int64_t estimated_tokens, TimePoint now,
                          Done done) {
  admit_ticket(std::move(scopes), estimated_tokens, now,
               [this, done = std::move(done)](std::optional<Refusal> refusal, Ticket ticket) {
                 Admission admission;
                 admission.refusal = std::move(refusal);
                 if (admission.admitted())
                   admission.reservation = limits::Reservation(*this, std::move(ticket));
                 done(std::move(admission));
               });
}

std::optional<Refusal> SharedLimiter::admit(std::span<const Scope> scopes, int64_t estimated_tokens,
                                            TimePoint now, Ticket& ticket) {
  std::promise<std::optional<Refusal>> answer;
  auto decided = answer.get_future();
  admit_ticket(std::vector<Scope>(scopes.begin(), scopes.end()), estimated_tokens, now,
               [&](std::optional<Refusal> refusal, Ticket given) {
                 ticket = std::move(given);
                 answer.set_value(std::move(refusal));
               });
  return decided.get();
}

void SharedLimiter::admit_ticket(std::vector<Scope> scopes, int64_t estimated_tokens, TimePoint now,
                                 TicketDone done) {
  auto pending = std::make_shared<Pending>();
  pending->scopes = std::move(scopes);
  pending->estimated_tokens = estimated_tokens;
  pending->now = now;
  pending->done = std::move(done);
  if (!client_->connected()) {
    // Known down: no reason to wait for the deadline.
    pending->claim();
    decide_locally(*pending, "not connected");
    return;
  }
  auto& names = pending->ticket.remote_names;
  names.reserve(pending->scopes.size() + 1);
  names.push_back(instance_id_ + ":" +
                  std::to_string(next_request_.fetch_add(1, std::memory_order_relaxed)));
  for (const Scope& scope : pending->scopes) names.push_back(scope.id);
  pending->deadline = std::chrono::steady_clock::now() + options_.deadline;
  bool first_waiting = false;
  {
    std::lock_guard lock(deadline_mutex_);
    first_waiting = waiting_.empty();
    waiting_.push_back(pending);
  }
  // Later ones have later deadlines: the watcher already sleeps until an earlier one.
  if (first_waiting) deadline_wake_.notify_one();
  bool queued =
      client_->eval(admit_script_, window_and_flight_keys(pending->ticket), admit_args(*pending),
                    [this, pending](const Reply& reply) { on_reply(pending, reply); });
  if (!queued && pending->claim()) decide_locally(*pending, "redis queue full");
}

std::vector<std::string> SharedLimiter::window_and_flight_keys(const Ticket& ticket) const {
  std::vector<std::string> keys;
  keys.reserve(2 * ticket.remote_names.size());
  for (size_t i = 1; i < ticket.remote_names.size(); ++i) {
    keys.push_back(options_.key_prefix + ticket.remote_names[i] + ":w");
    keys.push_back(options_.key_prefix + ticket.remote_names[i] + ":p");
  }
  return keys;
}

std::string SharedLimiter::now_arg(TimePoint now) const {
  if (options_.server_time) return "";
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch());
  return std::to_string(ms.count());
}

std::vector<std::string> SharedLimiter::admit_args(const Pending& pending) const {
  std::vector<std::string> args{now_arg(pending.now), std::to_string(pending.estimated_tokens),
                                pending.ticket.remote_names.front(),
                                std::to_string(options_.lease.count()),
                                std::to_string(options_.idle.count())};
  for (const Scope& scope : pending.scopes) {
    args.push_back(limit_arg(scope.limits.rpm));
    args.push_back(limit_arg(scope.limits.tpm));
    args.push_back(limit_arg(scope.limits.max_parallel));
  }
  return args;
}

void SharedLimiter::on_reply(const std::shared_ptr<Pending>& pending, const Reply& reply) {
  bool usable =
      all_integers(reply, 2) &&
      (reply.elements[0].integer == 0 ? reply.elements.size() == 2 + 3 * pending->scopes.size()
                                      : reply.elements.size() == 7);
  if (!pending->claim()) {
    // Decided locally at the deadline: the request must not also hold a slot here.
    if (usable && reply.elements[0].integer == 0) release_remote(pending->ticket);
    return;
  }
  if (!usable) {
    decide_locally(*pending, reply.is_error() ? reply.str : "unexpected script reply");
    return;
  }
  if (!sharing_.exchange(true, std::memory_order_acq_rel))
    log::info() << "rate limits: shared through redis again";
  deliver_shared(*pending, reply);
}

void SharedLimiter::deliver_shared(Pending& pending, const Reply& reply) {
  const auto& values = reply.elements;
  if (values[0].integer != 0) {
    size_t index = static_cast<size_t>(
        std::clamp<int64_t>(values[1].integer, 1, static_cast<int64_t>(pending.scopes.size())));
    const Scope& scope = pending.scopes[index - 1];
    auto kind = static_cast<LimitKind>(std::clamp<int64_t>(values[2].integer, 0, 2));
    const auto& limit = kind == LimitKind::requests ? scope.limits.rpm
                        : kind == LimitKind::tokens ? scope.limits.tpm
                                                    : scope.limits.max_parallel;
    Refusal refusal{
        scope.id,          kind,
        limit.value_or(0), values[3].integer,
        scope.limits,      Usage{values[4].integer, values[5].integer, values[6].integer}};
    finish(pending, std::move(refusal), Ticket{});
    return;
  }
  for (size_t i = 0; i < pending.scopes.size(); ++i) {
    remember(pending.scopes[i].id,
             Usage{values[2 + 3 * i].integer, values[3 + 3 * i].integer, values[4 + 3 * i].integer},
             pending.now);
  }
  pending.ticket.estimated_tokens = pending.estimated_tokens;
  pending.ticket.estimate_second = values[1].integer;
  finish(pending, std::nullopt, std::move(pending.ticket));
}

void SharedLimiter::finish(Pending& pending, std::optional<Refusal> refusal, Ticket ticket) {
  // Moved out first: the deadline queue may keep `pending` a while, and what
  // `done` captured (a caller's state) must not live on with it.
  TicketDone done = std::move(pending.done);
  done(std::move(refusal), std::move(ticket));
}

void SharedLimiter::decide_locally(Pending& pending, std::string_view why) {
  if (sharing_.exchange(false, std::memory_order_acq_rel)) {
    log::warn() << "rate limits: redis unreachable (" << why << "); counting in this process at 1/"
                << options_.instances << " of the limits until it answers";
  }
  Ticket ticket;
  auto refusal =
      local_.admit(divided(pending.scopes), pending.estimated_tokens, pending.now, ticket);
  finish(pending, std::move(refusal), std::move(ticket));
}

std::vector<Scope> SharedLimiter::divided(std::span<const Scope> scopes) const {
  std::vector<Scope> out(scopes.begin(), scopes.end());
  int64_t instances = std::max<int64_t>(options_.instances, 1);
  for (Scope& scope : out) {
    scope.limits.rpm = divide(scope.limits.rpm, instances);
    scope.limits.tpm = divide(scope.limits.tpm, instances);
    scope.limits.max_parallel = divide(scope.limits.max_parallel, instances);
  }
  return out;
}

void SharedLimiter::settle(const Ticket& ticket, int64_t actual_tokens, TimePoint now) {
  if (ticket.remote_names.empty()) {
    local_.settle(ticket, actual_tokens, now);
    return;
  }
  std::vector<std::string> args{now_arg(now),
                                std::to_string(ticket.estimate_second),
                                std::to_string(ticket.estimated_tokens),
                                std::to_string(actual_tokens),
                                ticket.remote_names.front(),
                                std::to_string(options_.idle.count())};
  // Fire and forget: a lost correction is the estimate counted instead.
  client_->eval(settle_script_, window_and_flight_keys(ticket), std::move(args),
                [](const Reply&) {});
}

void SharedLimiter::release(const Ticket& ticket) noexcept {
  if (ticket.remote_names.empty()) {
    local_.release(ticket);
    return;
  }
  try {
    release_remote(ticket);
  } catch (...) {
    // Out of memory: the hold lapses with its lease instead.
  }
}

void SharedLimiter::release_remote(const Ticket& ticket) {
  std::vector<std::string> keys;
  for (size_t i = 1; i < ticket.remote_names.size(); ++i)
    keys.push_back(options_.key_prefix + ticket.remote_names[i] + ":p");
  client_->eval(release_script_, std::move(keys), {ticket.remote_names.front()},
                [](const Reply&) {});
}

Remaining SharedLimiter::remaining(const Scope& scope, TimePoint now) {
  if (!sharing()) return local_.remaining(divided({&scope, 1}).front(), now);
  Usage usage;
  if (auto last = seen(scope.id); last && now - last->at < std::chrono::seconds(60))
    usage = last->usage;
  Remaining result;
  if (scope.limits.rpm) {
    result.request_limit = scope.limits.rpm;
    result.remaining_requests = left_of(scope.limits.rpm, usage.requests);
  }
  if (scope.limits.tpm) {
    result.token_limit = scope.limits.tpm;
    result.remaining_tokens = left_of(scope.limits.tpm, usage.tokens);
  }
  return result;
}

size_t SharedLimiter::tracked_ids() {
  std::lock_guard lock(seen_mutex_);
  return local_.tracked_ids() + seen_new_.size() + seen_old_.size();
}

void SharedLimiter::remember(const std::string& scope_id, const Usage& usage, TimePoint at) {
  std::lock_guard lock(seen_mutex_);
  if (seen_new_.size() >= kSeenPerGeneration) {
    seen_old_ = std::move(seen_new_);
    seen_new_.clear();
  }
  seen_new_.insert_or_assign(scope_id, SeenUsage{usage, at});
}

std::optional<SharedLimiter::SeenUsage> SharedLimiter::seen(const std::string& scope_id) {
  std::lock_guard lock(seen_mutex_);
  if (auto found = seen_new_.find(scope_id); found != seen_new_.end()) return found->second;
  if (auto found = seen_old_.find(scope_id); found != seen_old_.end()) return found->second;
  return std::nullopt;
}

void SharedLimiter::watch_deadlines() {
  std::unique_lock lock(deadline_mutex_);
  for (;;) {
    if (stopping_) return;
    if (waiting_.empty()) {
      deadline_wake_.wait(lock);
      continue;
    }
    std::shared_ptr<Pending> oldest = waiting_.front();
    if (std::chrono::steady_clock::now() < oldest->deadline) {
      deadline_wake_.wait_until(lock, oldest->deadline);
      continue;
    }
    waiting_.pop_front();
    if (oldest->decided.load(std::memory_order_acquire)) continue;
    lock.unlock();
    if (oldest->claim()) decide_locally(*oldest, "no answer within the deadline");
    lock.lock();
  }
}

}  // namespace routeiq::redis
