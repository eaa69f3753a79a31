#pragma once
// SpendWriter: spend rows from the request path written to the database in
// batches, off the request path. enqueue() never waits for the database; one
// thread flushes a batch when it has batch_size rows or every interval
// (LiteLLM's proxy_batch_write_at) through a sink, the store's write_spend in
// production.
//
// Nothing is dropped: a batch the sink refuses (database down) goes to a
// local journal (journal.hpp) and is retried with backoff; the journal is
// replayed, oldest first, before any newer batch once the sink works again.
// A full queue sends rows straight to the journal. A journal left by an
// earlier run is replayed at start. Rows written twice (a replay after a
// flush whose answer was lost) count once: the store skips known request ids.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <functional>
#include <mutex>
#include <span>
#include <thread>
#include <vector>

#include "routeiq/core/error.hpp"
#include "routeiq/spend/journal.hpp"
#include "routeiq/store/spend.hpp"

namespace routeiq::spend {

using SpendSink = std::function<Result<store::SpendWriteCounts>(std::span<const store::SpendRow>)>;

struct WriterOptions {
  std::filesystem::path journal_path;  // e.g. next to the SQLite file, or in $TMPDIR
  size_t batch_size = 500;
  std::chrono::milliseconds interval{1000};
  size_t queue_limit = 100000;  // rows held in memory; more go to the journal
  // After a failed flush, the next attempt waits this long, doubling up to
  // retry_max.
  std::chrono::milliseconds retry_initial{500};
  std::chrono::milliseconds retry_max{30000};
};

struct WriterStats {
  uint64_t queued = 0;          // rows taken by enqueue() into the queue
  uint64_t written = 0;         // rows the sink stored as new
  uint64_t skipped = 0;         // rows the sink already had (replays)
  uint64_t refused = 0;         // rows the sink could never store (bad values)
  uint64_t journaled = 0;       // rows appended to the journal
  uint64_t overflowed = 0;      // of those, rows that found the queue full
  uint64_t failed_flushes = 0;  // sink calls that failed
  uint64_t lost = 0;            // rows neither stored nor journaled (disk failing too)
  uint64_t bad_journal_lines = 0;
  size_t queue_depth = 0;
};

class SpendWriter {
 public:
  // Starts the writer thread, which first replays a journal left on disk.
  SpendWriter(SpendSink sink, WriterOptions options);
  ~SpendWriter();  // stop()
  SpendWriter(const SpendWriter&) = delete;
  SpendWriter& operator=(const SpendWriter&) = delete;

  // From any thread. true: queued; false: the queue was full (or the writer
  // stopped) and the row went to the journal instead.
  bool enqueue(store::SpendRow row);

  // Flushes the queue (and tries the journal once more, backoff or not),
  // then ends the thread. What the sink does not take stays in the journal.
  // Rows enqueued afterwards go to the journal.
  void stop();

  WriterStats stats() const;

 private:
  void run();
  void guarded(const std::function<void()>& work);
  void flush(bool final);
  // true when the journal is empty afterwards.
  bool replay_journal();
  // The sink's call, never throwing; false when the rows were not stored.
  bool write(std::span<const store::SpendRow> rows);
  void journal(std::span<const store::SpendRow> rows, bool overflow);
  void failed();
  std::vector<store::SpendRow> take(size_t limit);

  SpendSink sink_;
  WriterOptions options_;
  Journal journal_;

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<store::SpendRow> queue_;
  bool stopping_ = false, stopped_ = false;
  WriterStats stats_;
  // Backoff, writer thread only.
  std::chrono::steady_clock::time_point next_attempt_{};
  std::chrono::milliseconds backoff_{0};

  std::thread thread_;
};

}  // namespace routeiq::spend
