#pragma once
// The spend journal: rows the database could not take, kept on local disk
// as JSON lines until it can. Each append is fsync'd before it returns, so a
// row the writer journaled survives a crash; a line cut short by one (the
// last) is skipped when read, and counted.
//
// Replaying takes the journal aside first (`<path>.replaying`): rows
// appended while the database is being written go to a fresh journal, and
// the one taken aside is removed only once all its rows were written.
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "routeiq/core/error.hpp"
#include "routeiq/store/spend.hpp"

namespace routeiq::spend {

// One row as one line of JSON (no newline), and back.
std::string journal_line(const store::SpendRow& row);
Result<store::SpendRow> row_from_journal_line(std::string_view line);

struct JournalRead {
  std::vector<store::SpendRow> rows;
  size_t bad_lines = 0;  // cut short or not a row: skipped
};

class Journal {
 public:
  explicit Journal(std::filesystem::path path);

  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path replaying_path() const;

  // Appends and fsyncs; safe from any thread.
  Status append(std::span<const store::SpendRow> rows);
  // Rows waiting: in the journal or in the one taken aside.
  bool pending() const;

  // The rows to replay, oldest first: the journal taken aside before (a
  // replay that failed), else the journal, moved aside now. Empty when
  // there is nothing to replay.
  Result<JournalRead> take_for_replay();
  // The rows take_for_replay() answered are in the database.
  Status replayed();

 private:
  std::filesystem::path path_;
  mutable std::mutex mutex_;  // appends against moving the file aside
};

}  // namespace routeiq::spend
