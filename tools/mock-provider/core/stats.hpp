#pragma once
// Counters behind GET /mock/stats. Relaxed atomics: tests read them after the
// fact, nothing orders on them.
#include <atomic>
#include <boost/json/fwd.hpp>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mock {

struct Counter {
  std::atomic<uint64_t> value{0};
  void add() { value.fetch_add(1, std::memory_order_relaxed); }
  uint64_t get() const { return value.load(std::memory_order_relaxed); }
  void zero() { value.store(0, std::memory_order_relaxed); }
};

// What /mock/stats shows of the last API request. Secrets are kept only as
// their last four characters.
struct RequestRecord {
  std::string method;
  std::string target;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

class Stats {
 public:
  Counter requests, chat, completions, embeddings, models;
  Counter streams_started, streams_completed, streams_cancelled, streams_failed;
  Counter bad_requests, unauthorized, rate_limited, errors_injected, not_found;

  // Numbers inference requests for --error-rate and --rate-limit-every.
  uint64_t next_sequence() { return sequence_.fetch_add(1, std::memory_order_relaxed) + 1; }

  // Swaps the record in, so the caller's buffers are reused next time.
  void remember(RequestRecord& record);
  boost::json::object to_json() const;
  void reset();

 private:
  std::atomic<uint64_t> sequence_{0};
  mutable std::mutex last_mutex_;
  RequestRecord last_;
  bool has_last_ = false;
};

Stats& stats();

// "Bearer sk-abcdef" -> "REDACTED...cdef"
std::string redact_secret(std::string_view value);

}  // namespace mock
