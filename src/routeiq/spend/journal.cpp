#include "routeiq/spend/journal.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>

#include "routeiq/core/json.hpp"

namespace routeiq::spend {

namespace fs = std::filesystem;
namespace json = boost::json;
using store::SpendRow;

namespace {

// Spend is written as text: the shortest form that reads back as the same
// double, whatever the JSON parser's own number precision.
std::string double_text(double value) {
  char buffer[32];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
  return ec == std::errc() ? std::string(buffer, end) : "0";
}

std::optional<double> double_from(std::string_view text) {
  double value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

// The text members, by name, in SpendRow.
struct TextField {
  std::string_view name;
  std::string SpendRow::*member;
};
constexpr TextField kTextFields[] = {
    {"request_id", &SpendRow::request_id},
    {"call_type", &SpendRow::call_type},
    {"api_key", &SpendRow::api_key},
    {"key_alias", &SpendRow::key_alias},
    {"user_id", &SpendRow::user_id},
    {"team_id", &SpendRow::team_id},
    {"organization_id", &SpendRow::organization_id},
    {"end_user", &SpendRow::end_user},
    {"proxy_budget", &SpendRow::proxy_budget},
    {"model", &SpendRow::model},
    {"model_id", &SpendRow::model_id},
    {"model_group", &SpendRow::model_group},
    {"custom_llm_provider", &SpendRow::custom_llm_provider},
    {"api_base", &SpendRow::api_base},
    {"status", &SpendRow::status},
    {"metadata", &SpendRow::metadata},
};

struct IntField {
  std::string_view name;
  int64_t SpendRow::*member;
};
constexpr IntField kIntFields[] = {
    {"prompt_tokens", &SpendRow::prompt_tokens},
    {"completion_tokens", &SpendRow::completion_tokens},
    {"total_tokens", &SpendRow::total_tokens},
    {"cache_read_tokens", &SpendRow::cache_read_tokens},
    {"cache_creation_tokens", &SpendRow::cache_creation_tokens},
    {"start_ms", &SpendRow::start_ms},
    {"end_ms", &SpendRow::end_ms},
};

Error io_error(const fs::path& path, std::string_view what) {
  return make_error(ErrorKind::internal, "Spend journal " + path.string() + ": " +
                                             std::string(what) + ": " + std::strerror(errno));
}

Status write_all(int fd, std::string_view bytes, const fs::path& path) {
  while (!bytes.empty()) {
    ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return io_error(path, "write failed");
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return ok_status();
}

// A rename or removal survives a crash once its directory is synced.
void sync_directory(const fs::path& file) {
  fs::path dir = file.parent_path().empty() ? fs::path(".") : file.parent_path();
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

Result<JournalRead> read_journal(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return io_error(path, "cannot read");
  JournalRead read;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    auto row = row_from_journal_line(line);
    if (row)
      read.rows.push_back(std::move(row.value()));
    else
      ++read.bad_lines;
  }
  if (in.bad()) return io_error(path, "read failed");
  return read;
}

}  // namespace

std::string journal_line(const SpendRow& row) {
  json::object o;
  for (const auto& field : kTextFields) o[field.name] = row.*field.member;
  for (const auto& field : kIntFields) o[field.name] = row.*field.member;
  o["spend"] = double_text(row.spend);
  if (row.completion_start_ms) o["completion_start_ms"] = *row.completion_start_ms;
  o["cache_hit"] = row.cache_hit;
  json::array tags;
  for (const auto& tag : row.tags) tags.emplace_back(tag);
  o["tags"] = std::move(tags);
  if (row.messages) o["messages"] = *row.messages;
  if (row.response) o["response"] = *row.response;
  return json::serialize(o);
}

Result<SpendRow> row_from_journal_line(std::string_view line) {
  auto parsed = parse_json_object(line, "spend journal line");
  if (!parsed) return parsed.take_error();
  const json::object& o = parsed.value();
  SpendRow row;
  for (const auto& field : kTextFields) row.*field.member = std::string(str_or(o, field.name));
  for (const auto& field : kIntFields) row.*field.member = int_at(o, field.name).value_or(0);
  auto spend = double_from(str_or(o, "spend"));
  if (row.request_id.empty() || !spend)
    return make_error(ErrorKind::invalid_request, "Not a spend journal row");
  row.spend = *spend;
  row.completion_start_ms = int_at(o, "completion_start_ms");
  row.cache_hit = bool_or(o, "cache_hit", false);
  if (const auto* tags = arr_at(o, "tags"))
    for (const auto& tag : *tags)
      if (tag.is_string()) row.tags.emplace_back(tag.get_string());
  if (auto it = o.find("messages"); it != o.end() && it->value().is_string())
    row.messages = std::string(it->value().get_string());
  if (auto it = o.find("response"); it != o.end() && it->value().is_string())
    row.response = std::string(it->value().get_string());
  return row;
}

Journal::Journal(fs::path path) : path_(std::move(path)) {}

fs::path Journal::replaying_path() const {
  return fs::path(path_.string() + ".replaying");
}

Status Journal::append(std::span<const SpendRow> rows) {
  if (rows.empty()) return ok_status();
  // Led by a newline: a line a crash cut short stays a line of its own
  // (skipped when read) instead of swallowing the first row appended after.
  std::string bytes = "\n";
  for (const auto& row : rows) bytes.append(journal_line(row)).push_back('\n');
  std::lock_guard lock(mutex_);
  bool created = !fs::exists(path_);
  int fd = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return io_error(path_, "cannot open");
  auto written = write_all(fd, bytes, path_);
  if (written && ::fsync(fd) != 0) written = io_error(path_, "fsync failed");
  ::close(fd);
  if (written && created) sync_directory(path_);
  return written;
}

bool Journal::pending() const {
  std::error_code ec;
  std::lock_guard lock(mutex_);
  return fs::exists(replaying_path(), ec) || fs::exists(path_, ec);
}

Result<JournalRead> Journal::take_for_replay() {
  std::error_code ec;
  {
    std::lock_guard lock(mutex_);
    if (!fs::exists(replaying_path(), ec)) {
      if (!fs::exists(path_, ec)) return JournalRead{};
      fs::rename(path_, replaying_path(), ec);
      if (ec)
        return make_error(ErrorKind::internal, "Spend journal " + path_.string() +
                                                   ": cannot move aside: " + ec.message());
      sync_directory(path_);
    }
  }
  return read_journal(replaying_path());
}

Status Journal::replayed() {
  std::error_code ec;
  fs::remove(replaying_path(), ec);
  if (ec)
    return make_error(ErrorKind::internal,
                      "Spend journal " + replaying_path().string() + ": " + ec.message());
  sync_directory(path_);
  return ok_status();
}

}  // namespace routeiq::spend
