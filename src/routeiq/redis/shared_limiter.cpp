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
// The deadline thread wakes at most once per tick (so a deadline may pass by
// up to a tick before the local counters decide).
constexpr std::chrono::milliseconds kTick{5};
// More corrections than this waiting are sent at once, so calls stay small.
constexpr size_t kMaxCorrections = 256;
// Ticket::Hold::shard of a remote ticket: 1 where the request holds an
// in-flight slot (a scope with max_parallel), 0 elsewhere.
constexpr uint32_t kHoldsSlot = 1;

bool holds_a_slot(const Ticket& ticket) {
  return std::any_of(ticket.holds.begin(), ticket.holds.end(),
                     [](const Ticket::Hold& h) { return h.shard == kHoldsSlot; });
}

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
  tick_thread_ = std::thread([this] { tick(); });
}

SharedLimiter::~SharedLimiter() {
  flush();  // best effort: the client may stop before writing them
  // Every queued command gets its failure reply here, so each waiting admit
  // is decided (locally) before the counters it needs go away.
  client_->stop();
  {
    std::lock_guard lock(tick_mutex_);
    stopping_ = true;
  }
  tick_wake_.notify_one();
  tick_thread_.join();
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
  Corrections corrections;
  bool wake = false;
  {
    std::lock_guard lock(tick_mutex_);
    wake = tick_idle_;
    waiting_.push_back(pending);
    corrections = std::exchange(corrections_, Corrections{});
  }
  // A busy deadline thread already sleeps until an earlier deadline or tick.
  if (wake) tick_wake_.notify_one();
  send_admit(pending, std::move(corrections));
}

void SharedLimiter::send_admit(const std::shared_ptr<Pending>& pending, Corrections corrections) {
  auto args = script_head(now_arg(pending->now), corrections);
  args.push_back(std::to_string(pending->estimated_tokens));
  args.push_back(pending->ticket.remote_names.front());
  std::vector<std::string> keys = std::move(corrections.keys);
  keys.reserve(keys.size() + 2 * pending->scopes.size());
  for (const Scope& scope : pending->scopes) {
    keys.push_back(options_.key_prefix + scope.id + ":w");
    keys.push_back(options_.key_prefix + scope.id + ":p");
    args.push_back(limit_arg(scope.limits.rpm));
    args.push_back(limit_arg(scope.limits.tpm));
    args.push_back(limit_arg(scope.limits.max_parallel));
  }
  bool queued = client_->eval(admit_script_, std::move(keys), std::move(args),
                              [this, pending](const Reply& reply) { on_reply(pending, reply); });
  if (!queued && pending->claim()) decide_locally(*pending, "redis queue full");
}

std::vector<std::string> SharedLimiter::script_head(const std::string& now,
                                                    Corrections& corrections) const {
  std::vector<std::string> args;
  args.reserve(4 + corrections.args.size() + 2 + 3 * 6);
  args.push_back(now);
  args.push_back(std::to_string(options_.idle.count()));
  args.push_back(std::to_string(options_.lease.count()));
  args.push_back(std::to_string(corrections.count));
  for (auto& arg : corrections.args) args.push_back(std::move(arg));
  return args;
}

std::string SharedLimiter::now_arg(TimePoint now) const {
  if (options_.server_time) return "";
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch());
  return std::to_string(ms.count());
}

void SharedLimiter::on_reply(const std::shared_ptr<Pending>& pending, const Reply& reply) {
  bool usable =
      all_integers(reply, 2) &&
      (reply.elements[0].integer == 0 ? reply.elements.size() == 2 + 3 * pending->scopes.size()
                                      : reply.elements.size() == 7);
  if (!pending->claim()) {
    // Decided locally at the deadline: the request must not also hold a slot here.
    if (usable && reply.elements[0].integer == 0) {
      mark_holds(*pending);
      correct(pending->ticket, pending->estimated_tokens, std::nullopt);
    }
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
  mark_holds(pending);
  pending.ticket.estimate_second = values[1].integer;
  finish(pending, std::nullopt, std::move(pending.ticket));
}

void SharedLimiter::mark_holds(Pending& pending) {
  pending.ticket.estimated_tokens = pending.estimated_tokens;
  pending.ticket.holds.clear();
  for (const Scope& scope : pending.scopes) {
    Ticket::Hold hold;
    hold.shard = scope.limits.max_parallel ? kHoldsSlot : 0;
    pending.ticket.holds.push_back(hold);
  }
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
  correct(ticket, actual_tokens, now);
}

void SharedLimiter::release(const Ticket& ticket) noexcept {
  if (ticket.remote_names.empty()) {
    local_.release(ticket);
    return;
  }
  try {
    // The estimate stays counted; only the in-flight holds end.
    correct(ticket, ticket.estimated_tokens, std::nullopt);
  } catch (...) {
    // Out of memory: the hold lapses with its lease instead.
  }
}

void SharedLimiter::correct(const Ticket& ticket, int64_t actual_tokens,
                            std::optional<TimePoint> now) {
  bool holds = holds_a_slot(ticket);
  if (actual_tokens == ticket.estimated_tokens && !holds) return;  // nothing to change
  const auto& names = ticket.remote_names;
  bool wake = false;
  {
    std::lock_guard lock(tick_mutex_);
    Corrections& c = corrections_;
    if (c.count++ == 0) c.since = std::chrono::steady_clock::now();
    if (now) c.now = now_arg(*now);
    c.args.push_back(std::to_string(ticket.estimate_second));
    c.args.push_back(std::to_string(ticket.estimated_tokens));
    c.args.push_back(std::to_string(actual_tokens));
    c.args.push_back(names.front());
    c.args.push_back(std::to_string(names.size() - 1));
    for (size_t i = 1; i < names.size(); ++i) {
      c.keys.push_back(options_.key_prefix + names[i] + ":w");
      c.keys.push_back(options_.key_prefix + names[i] + ":p");
      bool held = i - 1 < ticket.holds.size() && ticket.holds[i - 1].shard == kHoldsSlot;
      c.args.emplace_back(held ? "1" : "0");
    }
    if (c.count >= kMaxCorrections) flush_now_ = true;
    wake = tick_idle_ || flush_now_;
  }
  if (wake) tick_wake_.notify_one();
}

void SharedLimiter::flush() {
  Corrections corrections;
  {
    std::lock_guard lock(tick_mutex_);
    corrections = std::exchange(corrections_, Corrections{});
  }
  if (corrections.count != 0) send_corrections(std::move(corrections));
}

void SharedLimiter::send_corrections(Corrections corrections) {
  auto args = script_head(corrections.now, corrections);
  // Fire and forget: a lost correction is the estimate counted instead.
  client_->eval(admit_script_, std::move(corrections.keys), std::move(args), [](const Reply&) {});
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

void SharedLimiter::tick() {
  using Steady = std::chrono::steady_clock;
  std::unique_lock lock(tick_mutex_);
  Steady::time_point last_round{};
  for (;;) {
    if (stopping_) return;
    // Answered admits leave without waiting for their deadline.
    while (!waiting_.empty() && waiting_.front()->decided.load(std::memory_order_acquire))
      waiting_.pop_front();
    auto due = Steady::time_point::max();
    // A correction coming while the thread sleeps does not wake it (that
    // would be a wake-up per request): it looks again a delay later.
    if (!waiting_.empty())
      due = std::min(waiting_.front()->deadline, Steady::now() + options_.correction_delay);
    if (corrections_.count != 0)
      due = std::min(due, corrections_.since + options_.correction_delay);
    if (due == Steady::time_point::max() && !flush_now_) {
      tick_idle_ = true;
      tick_wake_.wait(lock);
      tick_idle_ = false;
      continue;
    }
    auto at = flush_now_ ? Steady::now() : std::max(due, last_round + kTick);
    if (Steady::now() < at) {
      tick_wake_.wait_until(lock, at);
      continue;
    }
    last_round = Steady::now();
    std::vector<std::shared_ptr<Pending>> expired;
    while (!waiting_.empty() && waiting_.front()->deadline <= last_round) {
      expired.push_back(std::move(waiting_.front()));
      waiting_.pop_front();
    }
    Corrections corrections;
    if (corrections_.count != 0 &&
        (flush_now_ || corrections_.since + options_.correction_delay <= last_round))
      corrections = std::exchange(corrections_, Corrections{});
    flush_now_ = false;
    lock.unlock();
    for (auto& pending : expired)
      if (pending->claim()) decide_locally(*pending, "no answer within the deadline");
    if (corrections.count != 0) send_corrections(std::move(corrections));
    lock.lock();
  }
}

}  // namespace routeiq::redis
