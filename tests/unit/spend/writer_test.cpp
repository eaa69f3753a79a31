// SpendWriter against a sink the tests control, then against real stores:
// SQLite in a temporary directory and a PostgreSQL server stopped and
// restarted under it.
#include "routeiq/spend/writer.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <set>
#include <thread>

#include "pg_server.hpp"
#include "routeiq/store/store.hpp"

namespace routeiq::spend {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using store::SpendRow;
using store::SpendWriteCounts;

SpendRow row(std::string id, double spend = 0.25) {
  SpendRow r;
  r.request_id = std::move(id);
  r.api_key = "hash-a";
  r.model = "gpt-4o";
  r.model_group = "gpt-4o";
  r.spend = spend;
  r.start_ms = 1741082400000;
  r.end_ms = r.start_ms + 100;
  return r;
}

template <class Predicate>
bool eventually(Predicate done, std::chrono::milliseconds limit = 10s) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(5ms);
  }
  return true;
}

size_t lines_in(const fs::path& path) {
  std::ifstream in(path);
  size_t n = 0;
  for (std::string line; std::getline(in, line);) n += !line.empty();
  return n;
}

// Records every batch; down() makes it fail as a database that is away.
class FakeSink {
 public:
  SpendSink sink() {
    return [this](std::span<const SpendRow> rows) -> Result<SpendWriteCounts> {
      std::lock_guard lock(mutex_);
      ++calls_;
      if (down_) return make_error(ErrorKind::db_unavailable, "database down");
      SpendWriteCounts counts;
      for (const auto& r : rows) {
        if (!ids_.insert(r.request_id).second) {
          ++counts.skipped;
          continue;
        }
        ++counts.written;
        received_.push_back(r.request_id);
      }
      batches_.push_back(rows.size());
      return counts;
    };
  }
  void down(bool value) {
    std::lock_guard lock(mutex_);
    down_ = value;
  }
  std::vector<std::string> received() const {
    std::lock_guard lock(mutex_);
    return received_;
  }
  std::vector<size_t> batches() const {
    std::lock_guard lock(mutex_);
    return batches_;
  }
  int calls() const {
    std::lock_guard lock(mutex_);
    return calls_;
  }

 private:
  mutable std::mutex mutex_;
  bool down_ = false;
  int calls_ = 0;
  std::set<std::string> ids_;
  std::vector<std::string> received_;
  std::vector<size_t> batches_;
};

class WriterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "routeiq-spend-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    options_.journal_path = dir_ / "spend.journal";
    options_.interval = 1h;  // tests that want ticks set their own
    options_.retry_initial = 1ms;
    options_.retry_max = 5ms;
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  std::vector<std::string> ids(const std::string& prefix, int n) {
    std::vector<std::string> out;
    for (int i = 0; i < n; ++i) out.push_back(prefix + std::to_string(i));
    return out;
  }
  void enqueue_all(SpendWriter& writer, const std::vector<std::string>& names) {
    for (const auto& name : names) writer.enqueue(row(name));
  }

  fs::path dir_;
  WriterOptions options_;
  FakeSink fake_;
};

TEST_F(WriterTest, FlushesWhenABatchFills) {
  options_.batch_size = 5;
  SpendWriter writer(fake_.sink(), options_);
  enqueue_all(writer, ids("r", 4));
  std::this_thread::sleep_for(50ms);
  EXPECT_TRUE(fake_.received().empty()) << "no flush before the batch is full";
  writer.enqueue(row("r4"));
  ASSERT_TRUE(eventually([&] { return fake_.received().size() == 5; }));
  EXPECT_EQ(fake_.batches(), std::vector<size_t>{5});
  EXPECT_EQ(writer.stats().written, 5u);
}

TEST_F(WriterTest, FlushesEveryInterval) {
  options_.interval = 30ms;
  SpendWriter writer(fake_.sink(), options_);
  enqueue_all(writer, ids("r", 3));
  ASSERT_TRUE(eventually([&] { return fake_.received().size() == 3; }));
  writer.enqueue(row("later"));
  ASSERT_TRUE(eventually([&] { return fake_.received().size() == 4; }));
  EXPECT_EQ(fake_.received().back(), "later");
}

TEST_F(WriterTest, StopFlushesTheQueue) {
  SpendWriter writer(fake_.sink(), options_);
  enqueue_all(writer, ids("r", 7));
  EXPECT_EQ(writer.stats().queue_depth, 7u);
  writer.stop();
  EXPECT_EQ(fake_.received(), ids("r", 7));
  EXPECT_EQ(writer.stats().queue_depth, 0u);
  EXPECT_FALSE(fs::exists(options_.journal_path));
  // After stop a row is not lost either: it is journaled.
  EXPECT_FALSE(writer.enqueue(row("late")));
  EXPECT_EQ(lines_in(options_.journal_path), 1u);
}

TEST_F(WriterTest, FailedBatchesJournaledThenReplayedInOrder) {
  options_.interval = 10ms;
  options_.batch_size = 4;
  fake_.down(true);
  SpendWriter writer(fake_.sink(), options_);
  enqueue_all(writer, ids("a", 6));
  ASSERT_TRUE(eventually([&] { return writer.stats().journaled == 6; }));
  enqueue_all(writer, ids("b", 5));
  ASSERT_TRUE(eventually([&] { return writer.stats().journaled == 11; }));
  EXPECT_TRUE(fake_.received().empty());
  EXPECT_GE(writer.stats().failed_flushes, 1u);
  EXPECT_EQ(lines_in(options_.journal_path) + lines_in(dir_ / "spend.journal.replaying"), 11u);

  fake_.down(false);
  enqueue_all(writer, ids("c", 2));
  ASSERT_TRUE(eventually([&] { return fake_.received().size() == 13; }));
  std::vector<std::string> expected = ids("a", 6);
  for (const auto& id : ids("b", 5)) expected.push_back(id);
  for (const auto& id : ids("c", 2)) expected.push_back(id);
  EXPECT_EQ(fake_.received(), expected) << "the journal first, oldest first";
  writer.stop();
  EXPECT_FALSE(fs::exists(options_.journal_path));
  EXPECT_FALSE(fs::exists(dir_ / "spend.journal.replaying"));
  auto stats = writer.stats();
  EXPECT_EQ(stats.queued, 13u);
  EXPECT_EQ(stats.written, 13u);
  EXPECT_EQ(stats.lost, 0u);
}

TEST_F(WriterTest, BackoffSpacesTheRetries) {
  options_.interval = 5ms;
  options_.retry_initial = 1h;
  options_.retry_max = 1h;
  fake_.down(true);
  SpendWriter writer(fake_.sink(), options_);
  writer.enqueue(row("r0"));
  ASSERT_TRUE(eventually([&] { return writer.stats().journaled == 1; }));
  int calls = fake_.calls();
  enqueue_all(writer, ids("more", 3));
  ASSERT_TRUE(eventually([&] { return writer.stats().journaled == 4; }));
  std::this_thread::sleep_for(50ms);
  EXPECT_EQ(fake_.calls(), calls) << "no attempt before the backoff ends";
  // stop() tries once more regardless; the database is still down, so the
  // rows stay in the journal.
  writer.stop();
  EXPECT_EQ(fake_.calls(), calls + 1);
  EXPECT_EQ(lines_in(options_.journal_path) + lines_in(dir_ / "spend.journal.replaying"), 4u);
}

TEST_F(WriterTest, JournalLeftByAnEarlierRunReplayedAtStart) {
  {
    fake_.down(true);
    SpendWriter first(fake_.sink(), options_);
    enqueue_all(first, ids("old", 3));
  }  // destroyed: stop() journals what the sink refused
  ASSERT_TRUE(fs::exists(options_.journal_path) || fs::exists(dir_ / "spend.journal.replaying"));
  fake_.down(false);
  SpendWriter second(fake_.sink(), options_);
  ASSERT_TRUE(eventually([&] { return fake_.received().size() == 3; }));
  EXPECT_EQ(fake_.received(), ids("old", 3));
  ASSERT_TRUE(eventually([&] {
    return !fs::exists(options_.journal_path) && !fs::exists(dir_ / "spend.journal.replaying");
  }));
}

TEST_F(WriterTest, FullQueueSendsRowsToTheJournal) {
  options_.queue_limit = 2;
  SpendWriter writer(fake_.sink(), options_);
  std::vector<bool> queued;
  for (const auto& id : ids("r", 5)) queued.push_back(writer.enqueue(row(id)));
  EXPECT_EQ(queued, (std::vector<bool>{true, true, false, false, false}));
  auto stats = writer.stats();
  EXPECT_EQ(stats.queued, 2u);
  EXPECT_EQ(stats.overflowed, 3u);
  EXPECT_EQ(stats.journaled, 3u);
  writer.stop();
  auto received = fake_.received();
  EXPECT_EQ(std::set<std::string>(received.begin(), received.end()).size(), 5u);
  EXPECT_EQ(received.size(), 5u);
}

TEST_F(WriterTest, ConcurrentEnqueueFromSeveralThreads) {
  options_.batch_size = 50;
  options_.interval = 5ms;
  SpendWriter writer(fake_.sink(), options_);
  constexpr int kThreads = 4, kEach = 500;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      for (const auto& id : ids("t" + std::to_string(t) + "-", kEach)) writer.enqueue(row(id));
    });
  for (auto& thread : threads) thread.join();
  writer.stop();
  auto received = fake_.received();
  EXPECT_EQ(received.size(), size_t{kThreads * kEach});
  EXPECT_EQ(std::set<std::string>(received.begin(), received.end()).size(),
            size_t{kThreads * kEach});
  for (size_t size : fake_.batches()) EXPECT_LE(size, 50u);
  EXPECT_EQ(writer.stats().written, uint64_t{kThreads * kEach});
}

TEST_F(WriterTest, ASinkThatThrowsIsAFailureNotACrash) {
  options_.interval = 5ms;
  std::atomic<bool> throwing = true;
  std::atomic<int> stored = 0;
  SpendSink sink = [&](std::span<const SpendRow> rows) -> Result<SpendWriteCounts> {
    if (throwing) throw std::runtime_error("driver bug");
    stored += static_cast<int>(rows.size());
    return SpendWriteCounts{rows.size(), 0, 0};
  };
  SpendWriter writer(sink, options_);
  enqueue_all(writer, ids("r", 3));
  ASSERT_TRUE(eventually([&] { return writer.stats().journaled == 3; }));
  throwing = false;
  ASSERT_TRUE(eventually([&] { return stored == 3; }));
}

// ---- The journal ------------------------------------------------------------

TEST(Journal, LineRoundTripsEveryField) {
  SpendRow full = row("r-1", 0.1);
  full.call_type = "aembedding";
  full.key_alias = "alias \"q\"\n";
  full.user_id = "u";
  full.team_id = "t";
  full.organization_id = "o";
  full.end_user = "c";
  full.model_id = "dep";
  full.custom_llm_provider = "openai";
  full.api_base = "https://x";
  full.prompt_tokens = 1;
  full.completion_tokens = 2;
  full.total_tokens = 3;
  full.cache_read_tokens = 4;
  full.cache_creation_tokens = 5;
  full.completion_start_ms = full.start_ms + 7;
  full.status = "failure";
  full.cache_hit = true;
  full.tags = {"a", "b"};
  full.metadata = R"({"k":[1]})";
  full.messages = "[]";
  full.response = "{}";
  std::string line = journal_line(full);
  EXPECT_EQ(line.find('\n'), std::string::npos);
  auto back = row_from_journal_line(line);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(*back, full);
  EXPECT_EQ(*row_from_journal_line(journal_line(row("plain"))), row("plain"));
  EXPECT_FALSE(row_from_journal_line("{\"request_id\":\"x\"").ok());
  EXPECT_FALSE(row_from_journal_line("{}").ok());
}

TEST(Journal, ALineCutShortIsSkippedAndTheRestKept) {
  std::string pattern = (fs::temp_directory_path() / "routeiq-journal-XXXXXX").string();
  ASSERT_NE(mkdtemp(pattern.data()), nullptr);
  fs::path dir = pattern;
  Journal journal(dir / "j");
  std::vector<SpendRow> first{row("a"), row("b")};
  ASSERT_TRUE(journal.append(first).ok());
  {
    std::ofstream out(dir / "j", std::ios::app);
    out << journal_line(row("cut")).substr(0, 20);  // a crash mid-write
  }
  std::vector<SpendRow> after{row("c")};
  ASSERT_TRUE(journal.append(after).ok());
  EXPECT_TRUE(journal.pending());
  auto read = journal.take_for_replay();
  ASSERT_TRUE(read.ok()) << read.error().message;
  ASSERT_EQ(read->rows.size(), 3u);
  EXPECT_EQ(read->rows[2].request_id, "c");
  EXPECT_EQ(read->bad_lines, 1u);
  // Appends during the replay go to a fresh journal, kept after it.
  std::vector<SpendRow> during{row("d")};
  ASSERT_TRUE(journal.append(during).ok());
  ASSERT_TRUE(journal.replayed().ok());
  EXPECT_TRUE(journal.pending());
  read = journal.take_for_replay();
  ASSERT_EQ(read->rows.size(), 1u);
  EXPECT_EQ(read->rows[0].request_id, "d");
  ASSERT_TRUE(journal.replayed().ok());
  EXPECT_FALSE(journal.pending());
  fs::remove_all(dir);
}

// ---- Through real stores ----------------------------------------------------

TEST_F(WriterTest, WritesThroughASqliteStore) {
  auto opened = store::open_store("sqlite://" + (dir_ / "db.sqlite").string());
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  auto& db = *opened.value();
  ASSERT_TRUE(*db.insert(store::Table::keys, store::Row{"hash-a", {{"spend", 0}}}));
  options_.batch_size = 100;
  {
    SpendWriter writer([&](auto rows) { return db.write_spend(rows); }, options_);
    enqueue_all(writer, ids("r", 250));
    writer.enqueue(row("r0"));  // a duplicate: stored and counted once
  }
  EXPECT_EQ(*db.count_spend_logs({}), 250);
  auto key = db.get(store::Table::keys, "hash-a");
  EXPECT_EQ((*key)->doc.at("spend").to_number<double>(), 250 * 0.25);
}

// The database goes away under a running writer and comes back: nothing
// is lost or counted twice.
TEST_F(WriterTest, PostgresOutageJournaledThenReplayed) {
  std::string error;
  auto server = test::PgServer::start(error);  // its own: this test stops it
  ASSERT_NE(server, nullptr) << error;
  ASSERT_TRUE(server->create_database("spend_writer", error)) << error;
  auto opened = store::open_store(server->url("spend_writer"),
                                  store::OpenOptions{.pool_limit = 2, .connect_timeout_s = 2});
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  auto& db = *opened.value();
  ASSERT_TRUE(*db.insert(store::Table::keys, store::Row{"hash-a", {{"spend", 0}}}));
  options_.interval = 20ms;
  options_.batch_size = 10;
  SpendWriter writer([&](auto rows) { return db.write_spend(rows); }, options_);
  enqueue_all(writer, ids("before", 30));
  ASSERT_TRUE(eventually([&] { return writer.stats().written == 30; }));

  ASSERT_TRUE(server->stop(error)) << error;
  enqueue_all(writer, ids("during", 40));
  ASSERT_TRUE(eventually([&] { return writer.stats().journaled == 40; }, 30s));
  EXPECT_GE(writer.stats().failed_flushes, 1u);

  ASSERT_TRUE(server->restart(error)) << error << server->log_tail();
  enqueue_all(writer, ids("after", 5));
  ASSERT_TRUE(eventually([&] { return writer.stats().written == 75; }, 30s))
      << writer.stats().written;
  writer.stop();
  EXPECT_EQ(*db.count_spend_logs({}), 75);
  auto key = db.get(store::Table::keys, "hash-a");
  ASSERT_TRUE(key.ok()) << key.error().message;
  EXPECT_EQ((*key)->doc.at("spend").to_number<double>(), 75 * 0.25);
  EXPECT_FALSE(fs::exists(options_.journal_path));
  EXPECT_EQ(writer.stats().lost, 0u);
}

}  // namespace
}  // namespace routeiq::spend
