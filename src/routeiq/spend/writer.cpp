#include "routeiq/spend/writer.hpp"

#include <algorithm>
#include <exception>
#include <vector>

#include "routeiq/core/log.hpp"

namespace routeiq::spend {

using store::SpendRow;
using clock = std::chrono::steady_clock;

SpendWriter::SpendWriter(SpendSink sink, WriterOptions options)
    : sink_(std::move(sink)), options_(std::move(options)), journal_(options_.journal_path) {
  options_.batch_size = std::max<size_t>(options_.batch_size, 1);
  options_.interval = std::max(options_.interval, std::chrono::milliseconds(1));
  thread_ = std::thread([this] { run(); });
}

SpendWriter::~SpendWriter() {
  stop();
}

bool SpendWriter::enqueue(SpendRow row) {
  {
    std::lock_guard lock(mutex_);
    if (!stopped_ && queue_.size() < options_.queue_limit) {
      queue_.push_back(std::move(row));
      ++stats_.queued;
      // Woken once as the batch fills; the writer rechecks the size itself.
      if (queue_.size() == options_.batch_size) wake_.notify_one();
      return true;
    }
  }
  journal(std::span(&row, 1), /*overflow=*/true);
  return false;
}

void SpendWriter::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

WriterStats SpendWriter::stats() const {
  std::lock_guard lock(mutex_);
  WriterStats stats = stats_;
  stats.queue_depth = queue_.size();
  return stats;
}

void SpendWriter::run() {
  guarded([this] {
    // A journal left by an earlier run goes first; the queue waits for its
    // batch or its tick as usual.
    if (journal_.pending()) replay_journal();
  });
  auto next_tick = clock::now() + options_.interval;
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      wake_.wait_until(lock, next_tick,
                       [this] { return stopping_ || queue_.size() >= options_.batch_size; });
      if (stopping_) break;
    }
    if (clock::now() >= next_tick) next_tick = clock::now() + options_.interval;
    guarded([this] { flush(false); });
  }
  // Until the queue is empty under the lock: rows enqueued during the last
  // flush are not left behind, and later ones see stopped_ and journal.
  for (;;) {
    guarded([this] { flush(true); });
    std::lock_guard lock(mutex_);
    if (queue_.empty()) {
      stopped_ = true;
      return;
    }
  }
}

void SpendWriter::guarded(const std::function<void()>& work) {
  // Nothing may escape the thread: a throw would end the process.
  try {
    work();
  } catch (const std::exception& e) {
    log::error() << "spend: flush failed: " << e.what();
  } catch (...) {
    log::error() << "spend: flush failed";
  }
}

void SpendWriter::flush(bool final) {
  // The journal holds older rows: newer ones wait behind it, in it.
  bool journal_clear = true;
  if (journal_.pending())
    journal_clear = (final || clock::now() >= next_attempt_) && replay_journal();
  for (;;) {
    auto rows = take(options_.batch_size);
    if (rows.empty()) return;
    if (journal_clear && write(rows)) continue;
    if (journal_clear) failed();
    journal_clear = false;
    journal(rows, /*overflow=*/false);
  }
}

bool SpendWriter::replay_journal() {
  // Again while rows arrived in a fresh journal during the replay (a full
  // queue); bounded, so a steady overflow cannot hold the thread here.
  for (int round = 0; round < 4 && journal_.pending(); ++round) {
    auto read = journal_.take_for_replay();
    if (!read) {
      log::error() << "spend: " << read.error().message;
      failed();
      return false;
    }
    const auto& rows = read->rows;
    for (size_t at = 0; at < rows.size(); at += options_.batch_size) {
      size_t n = std::min(options_.batch_size, rows.size() - at);
      if (!write(std::span(rows).subspan(at, n))) {
        failed();
        return false;
      }
    }
    if (auto removed = journal_.replayed(); !removed) {
      log::error() << "spend: " << removed.error().message;
      failed();
      return false;
    }
    if (read->bad_lines) log::warn() << "spend: journal lines skipped: " << read->bad_lines;
    std::lock_guard lock(mutex_);
    stats_.bad_journal_lines += read->bad_lines;
  }
  return !journal_.pending();
}

bool SpendWriter::write(std::span<const SpendRow> rows) {
  try {
    auto counts = sink_(rows);
    if (!counts) {
      log::warn() << "spend: " << rows.size() << " rows not written, kept in "
                  << journal_.path().string() << ": " << counts.error().message;
      return false;
    }
    backoff_ = std::chrono::milliseconds(0);
    std::lock_guard lock(mutex_);
    stats_.written += counts->written;
    stats_.skipped += counts->skipped;
    stats_.refused += counts->refused;
    return true;
  } catch (const std::exception& e) {
    log::error() << "spend: write threw: " << e.what();
  } catch (...) {
    log::error() << "spend: write threw";
  }
  return false;
}

void SpendWriter::journal(std::span<const SpendRow> rows, bool overflow) {
  auto appended = journal_.append(rows);
  if (!appended)
    log::error() << "spend: " << rows.size() << " rows lost: " << appended.error().message;
  std::lock_guard lock(mutex_);
  if (!appended) {
    stats_.lost += rows.size();
    return;
  }
  stats_.journaled += rows.size();
  if (overflow) stats_.overflowed += rows.size();
}

void SpendWriter::failed() {
  backoff_ =
      backoff_.count() == 0 ? options_.retry_initial : std::min(backoff_ * 2, options_.retry_max);
  next_attempt_ = clock::now() + backoff_;
  std::lock_guard lock(mutex_);
  ++stats_.failed_flushes;
}

std::vector<SpendRow> SpendWriter::take(size_t limit) {
  std::lock_guard lock(mutex_);
  std::vector<SpendRow> batch;
  batch.reserve(std::min(limit, queue_.size()));
  while (!queue_.empty() && batch.size() < limit) {
    batch.push_back(std::move(queue_.front()));
    queue_.pop_front();
  }
  return batch;
}

}  // namespace routeiq::spend
