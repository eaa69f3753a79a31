#include "routeiq/api/budget_resets.hpp"

#include <algorithm>
#include <map>
#include <random>
#include <span>
#include <tuple>

#include "routeiq/api/budgets.hpp"
#include "routeiq/api/key_service.hpp"
#include "routeiq/api/spend_ledger.hpp"
#include "routeiq/core/json.hpp"
#include "routeiq/core/log.hpp"
#include "routeiq/keys/budget_reset.hpp"

namespace routeiq::api {
namespace json = boost::json;
using namespace std::chrono;
using store::Row;
using store::Store;
using store::Table;

namespace {

// Rows reset per transaction: few enough that spend writes waiting for
// their locks wait little, many enough that a large table takes few commits.
constexpr size_t kBatch = 100;
// Rows read per list call while looking for due ones.
constexpr size_t kPage = 1000;
// A pass that had to leave a row for this instance's spend to be written
// looks again this soon.
constexpr milliseconds kDeferredRetry{250};
// How long a reset waits for this instance's spend of the ending period: a
// batch that cannot be written for longer (database down) counts in the new
// period, as all of it does in LiteLLM.
constexpr minutes kMaxDeferral{2};

int64_t ms_of(SysTime t) {
  return duration_cast<milliseconds>(t.time_since_epoch()).count();
}

std::string owner_of(std::string_view kind, std::string_view id) {
  std::string out(kind);
  out.append(":").append(id);
  return out;
}

struct Due {
  std::string id;
  SysTime cut;  // the budget_reset_at that passed
};

// Rows are locked in id order, as write_spend locks the documents it adds
// to, so a reset and a spend batch on PostgreSQL never wait for each other
// in a circle.
// Calls `batch` with the rows in id order, kBatch at a time, until one fails.
template <class F>
Status in_id_batches(std::vector<Due>& rows, F&& batch) {
  std::sort(rows.begin(), rows.end(), [](const Due& a, const Due& b) { return a.id < b.id; });
  for (size_t start = 0; start < rows.size(); start += kBatch)
    if (auto st =
            batch(std::span<const Due>(rows.data() + start, std::min(kBatch, rows.size() - start)));
        !st)
      return st;
  return ok_status();
}

// Every row of `table`, page by page.
Status each_row(Store& s, Table table, const std::function<void(Row&)>& f) {
  store::Query q;
  q.limit = kPage;
  for (;;) {
    auto rows = s.list(table, q);
    if (!rows) return rows.error();
    for (auto& row : rows.value()) f(row);
    if (rows.value().size() < kPage) return ok_status();
    q.offset += kPage;
  }
}

// The rows of `table` due at `now`; the earliest reset still to come goes
// into `next_due`.
Result<std::vector<Due>> due_rows(Store& s, Table table, SysTime now,
                                  std::optional<SysTime>& next_due) {
  std::vector<Due> due;
  auto st = each_row(s, table, [&](Row& row) {
    auto at = keys::reset_at_of(row.doc);
    if (!at) return;
    if (*at <= now)
      due.push_back({row.id, *at});
    else if (!next_due || *at < *next_due)
      next_due = *at;
  });
  if (!st) return st.error();
  return due;
}

// Reads the row again under its lock and resets it if it is still due.
Result<bool> reset_row(Store& tx, Table table, const std::string& id, SysTime now,
                       seconds utc_offset) {
  auto row = tx.get(table, id);
  if (!row) return row.error();
  if (!row.value() || !keys::reset_due(row.value()->doc, now)) return false;
  keys::apply_reset(row.value()->doc, now, utc_offset);
  auto updated = tx.update(table, *row.value());
  if (!updated) return updated.error();
  return true;
}

// The spend of a row that uses a budget goes back to 0 with the budget's reset.
Status zero_spend(Store& tx, Table table, const std::string& id) {
  auto row = tx.get(table, id);
  if (!row) return row.error();
  if (!row.value()) return ok_status();
  row.value()->doc["spend"] = 0.0;
  auto updated = tx.update(table, *row.value());
  if (!updated) return updated.error();
  return ok_status();
}

struct OwnerTable {
  Table table;
  std::string_view owner_kind;
};
constexpr OwnerTable kOwnerTables[] = {
    {Table::keys, "key"}, {Table::users, "user"}, {Table::teams, "team"}};

Status reset_owner_table(Store& s, const OwnerTable& t, SysTime now, seconds utc_offset,
                         const UnwrittenBefore& unwritten_before, ResetPass& pass) {
  auto due = due_rows(s, t.table, now, pass.next_due);
  if (!due) return due.error();
  std::vector<Due> ready;
  for (auto& d : due.value()) {
    if (unwritten_before(owner_of(t.owner_kind, d.id), d.cut))
      ++pass.deferred;
    else
      ready.push_back(std::move(d));
  }
  return in_id_batches(ready, [&](std::span<const Due> batch) -> Status {
    std::vector<std::string> done;
    auto st = s.transaction([&](Store& tx) -> Status {
      done.clear();
      for (const auto& d : batch) {
        auto reset = reset_row(tx, t.table, d.id, now, utc_offset);
        if (!reset) return reset.error();
        if (reset.value()) done.push_back(owner_of(t.owner_kind, d.id));
      }
      return ok_status();
    });
    if (st) pass.reset.insert(pass.reset.end(), done.begin(), done.end());
    return st;
  });
}

// Who uses each budget row: end users and team memberships, by budget_id.
struct BudgetUser {
  Table table;
  std::string id;
  bool operator<(const BudgetUser& o) const {
    return std::tie(table, id) < std::tie(o.table, o.id);
  }
};
Result<std::multimap<std::string, BudgetUser>> budget_users(Store& s) {
  std::multimap<std::string, BudgetUser> out;
  for (auto table : {Table::end_users, Table::memberships}) {
    auto st = each_row(s, table, [&](Row& row) {
      if (auto budget = str_or(row.doc, "budget_id"); !budget.empty())
        out.emplace(std::string(budget), BudgetUser{table, row.id});
    });
    if (!st) return st.error();
  }
  return out;
}

Status reset_budget_rows(Store& s, SysTime now, seconds utc_offset,
                         const UnwrittenBefore& unwritten_before, ResetPass& pass) {
  auto due = due_rows(s, Table::budgets, now, pass.next_due);
  if (!due) return due.error();
  if (due.value().empty()) return ok_status();
  auto users = budget_users(s);
  if (!users) return users.error();
  auto end_user_owner = [](const BudgetUser& u) { return owner_of("end_user", u.id); };
  std::vector<Due> ready;
  for (auto& d : due.value()) {
    auto [first, last] = users.value().equal_range(d.id);
    bool waiting = std::any_of(first, last, [&](const auto& u) {
      return u.second.table == Table::end_users &&
             unwritten_before(end_user_owner(u.second), d.cut);
    });
    if (waiting)
      ++pass.deferred;
    else
      ready.push_back(std::move(d));
  }
  return in_id_batches(ready, [&](std::span<const Due> batch) -> Status {
    std::vector<std::string> done;
    size_t budgets = 0;
    auto st = s.transaction([&](Store& tx) -> Status {
      done.clear();
      budgets = 0;
      std::vector<BudgetUser> zeroed;
      for (const auto& d : batch) {
        auto reset = reset_row(tx, Table::budgets, d.id, now, utc_offset);
        if (!reset) return reset.error();
        if (!reset.value()) continue;
        ++budgets;
        auto [first, last] = users.value().equal_range(d.id);
        for (auto u = first; u != last; ++u) zeroed.push_back(u->second);
      }
      std::sort(zeroed.begin(), zeroed.end());  // table, then id: write_spend's order
      for (const auto& u : zeroed) {
        if (auto z = zero_spend(tx, u.table, u.id); !z) return z;
        if (u.table == Table::end_users) done.push_back(end_user_owner(u));
      }
      return ok_status();
    });
    if (!st) return st;
    pass.budgets_reset += budgets;
    pass.reset.insert(pass.reset.end(), done.begin(), done.end());
    return ok_status();
  });
}

}  // namespace

Result<ResetPass> reset_due_budgets(Store& s, SysTime now, seconds utc_offset,
                                    const UnwrittenBefore& unwritten_before) {
  ResetPass pass;
  for (const auto& t : kOwnerTables)
    if (auto st = reset_owner_table(s, t, now, utc_offset, unwritten_before, pass); !st)
      return st.error();
  if (auto st = reset_budget_rows(s, now, utc_offset, unwritten_before, pass); !st)
    return st.error();
  return pass;
}

// ---- ProxyBudget ----

ProxyBudget::ProxyBudget(double max_budget, std::string budget_duration)
    : max_budget_(max_budget), budget_duration_(std::move(budget_duration)) {}

Status ProxyBudget::ensure(Store& s, SysTime now, seconds utc_offset) {
  auto st = s.transaction([&](Store& tx) -> Status {
    auto row = tx.get(Table::users, kUserId);
    if (!row) return row.error();
    Row out;
    out.id = std::string(kUserId);
    bool exists = row.value().has_value();
    if (exists) out = std::move(*row.value());
    auto& doc = out.doc;
    bool duration_changed = str_or(doc, "budget_duration") != budget_duration_;
    doc["user_id"] = kUserId;
    doc["max_budget"] = max_budget_;
    if (!doc.contains("spend")) doc["spend"] = 0.0;
    if (budget_duration_.empty()) {
      doc["budget_duration"] = nullptr;
      doc["budget_reset_at"] = nullptr;
    } else if (duration_changed || !keys::reset_at_of(doc)) {
      doc["budget_duration"] = budget_duration_;
      json::value duration(budget_duration_);
      if (auto next = keys::first_reset_at(&duration, now, utc_offset))
        doc["budget_reset_at"] = *next;
    }
    auto written = exists ? tx.update(Table::users, out) : tx.insert(Table::users, out);
    if (!written) return written.error();
    return ok_status();
  });
  if (!st) return st;
  return refresh(s);
}

Status ProxyBudget::refresh(Store& s) {
  auto row = s.get(Table::users, kUserId);
  if (!row) return row.error();
  if (!row.value()) return ok_status();
  auto budget = keys::budget_of(row.value()->doc);
  spend_.store(budget.spend);
  reset_at_ms_.store(budget.reset_at ? ms_of(*budget.reset_at) : INT64_MAX);
  return ok_status();
}

Status ProxyBudget::check(const SpendLedger& ledger, SysTime now) const {
  keys::Budget b;
  b.max_budget = max_budget_;
  b.spend = spend_.load();
  int64_t reset_at = reset_at_ms_.load();
  if (reset_at != INT64_MAX) b.reset_at = SysTime(milliseconds(reset_at));
  double unwritten = b.reset_at && *b.reset_at <= now ? ledger.unwritten_since(kOwner, reset_at)
                                                      : ledger.unwritten(kOwner);
  keys::Budget current = b;
  current.spend = b.spend_at(now);
  return within_budget("", current, unwritten);
}

// ---- BudgetResetJob ----

BudgetResetJob::BudgetResetJob(std::shared_ptr<KeyService> keys, ProxyBudget* proxy,
                               BudgetResetOptions options, Clock clock)
    : keys_(std::move(keys)), proxy_(proxy), options_(options), clock_(std::move(clock)) {}

BudgetResetJob::~BudgetResetJob() {
  stop();
}

void BudgetResetJob::start() {
  thread_ = std::thread([this] { run(); });
}

void BudgetResetJob::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
}

Result<ResetPass> BudgetResetJob::run_once() {
  auto s = keys_->existing_store();
  if (!s) return s.error();
  if (!s.value()) return ResetPass{};  // no database yet: nothing to reset
  auto& ledger = keys_->ledger();
  auto now = clock_();
  UnwrittenBefore unwritten_before = [&ledger, now](const std::string& owner, SysTime cut) {
    return now - cut < kMaxDeferral && ledger.unwritten_before(owner, ms_of(cut)) > 0;
  };
  auto pass = reset_due_budgets(*s.value(), now, options_.utc_offset, unwritten_before);
  if (!pass) return pass;
  if (!pass.value().reset.empty() || pass.value().budgets_reset > 0) {
    // Cached keys and end users carry the spend they were read with.
    keys_->forget_all();
    log::info() << "budget reset: " << pass.value().reset.size() << " owners, "
                << pass.value().budgets_reset << " budgets";
  }
  if (proxy_)
    if (auto st = proxy_->refresh(*s.value()); !st) return st.error();
  return pass;
}

milliseconds BudgetResetJob::next_wait(const Result<ResetPass>& pass, SysTime now) {
  static thread_local std::mt19937_64 random{std::random_device{}()};
  auto lo = options_.min_interval.count(), hi = std::max(lo, options_.max_interval.count());
  milliseconds wait(std::uniform_int_distribution<int64_t>(lo, hi)(random));
  if (!pass) return wait;
  if (pass.value().deferred > 0) wait = std::min(wait, kDeferredRetry);
  if (pass.value().next_due)
    wait =
        std::min(wait, duration_cast<milliseconds>(*pass.value().next_due - now) + milliseconds(1));
  return std::max(wait, milliseconds(1));
}

void BudgetResetJob::run() {
  for (;;) {
    Result<ResetPass> pass = ResetPass{};
    try {
      pass = run_once();
    } catch (const std::exception& e) {
      pass = make_error(ErrorKind::internal, e.what());
    }
    if (!pass) log::warn() << "budget reset failed, tried again later: " << pass.error().message;
    auto wait = next_wait(pass, clock_());
    std::unique_lock lock(mutex_);
    if (wake_.wait_for(lock, wait, [this] { return stopping_; })) return;
  }
}

}  // namespace routeiq::api
