#include "connection.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <strings.h>
#include <cerrno>
#include <charconv>
#include <ctime>

namespace bench {
namespace {

constexpr size_t kReadSize = 64 * 1024;
constexpr int kTimeoutSeconds = 10;

bool iequals_prefix(std::string_view line, std::string_view name) {
  return line.size() >= name.size() && strncasecmp(line.data(), name.data(), name.size()) == 0;
}

std::string_view header_value(std::string_view line, std::string_view name) {
  std::string_view value = line.substr(name.size());
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  return value;
}

void set_timeouts(int fd) {
  timeval tv{kTimeoutSeconds, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

}  // namespace

int64_t realtime_ns() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

bool Connection::open() {
  fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd_ < 0) return false;
  int on = 1;
  setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
  set_timeouts(fd_);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(endpoint_.port);
  if (inet_pton(AF_INET, endpoint_.host.c_str(), &addr.sin_addr) != 1 ||
      ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close();
    return false;
  }
  buffer_.clear();
  pos_ = 0;
  return true;
}

void Connection::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

bool Connection::send_all(std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

void Connection::compact() {
  if (pos_ == 0) return;
  buffer_.erase(0, pos_);
  pos_ = 0;
}

// Appends one recv's worth of bytes; false on EOF, error or timeout.
bool Connection::fill() {
  compact();
  size_t old = buffer_.size();
  buffer_.resize(old + kReadSize);
  ssize_t n;
  do {
    n = ::recv(fd_, buffer_.data() + old, kReadSize, 0);
  } while (n < 0 && errno == EINTR);
  last_recv_ns_ = realtime_ns();
  buffer_.resize(old + static_cast<size_t>(n > 0 ? n : 0));
  return n > 0;
}

bool Connection::read_line(std::string& line) {
  for (;;) {
    size_t end = buffer_.find("\r\n", pos_);
    if (end != std::string::npos) {
      line.assign(buffer_, pos_, end - pos_);
      pos_ = end + 2;
      return true;
    }
    if (!fill()) return false;
  }
}

bool Connection::read_head(int& status, int64_t& content_length, bool& chunked, bool& closes) {
  std::string line;
  if (!read_line(line) || line.size() < 12 || !line.starts_with("HTTP/1.")) return false;
  status = std::atoi(line.c_str() + 9);
  closes = line.starts_with("HTTP/1.0");
  content_length = -1;
  chunked = false;
  while (read_line(line)) {
    if (line.empty()) return true;
    if (iequals_prefix(line, "content-length:")) {
      auto v = header_value(line, "content-length:");
      std::from_chars(v.data(), v.data() + v.size(), content_length);
    } else if (iequals_prefix(line, "transfer-encoding:")) {
      chunked = strncasecmp(header_value(line, "transfer-encoding:").data(), "chunked", 7) == 0;
    } else if (iequals_prefix(line, "connection:")) {
      closes = strncasecmp(header_value(line, "connection:").data(), "close", 5) == 0;
    }
  }
  return false;
}

bool Connection::read_counted(int64_t length, const BodySink& sink) {
  auto remaining = static_cast<size_t>(length);
  while (remaining > 0) {
    if (available() == 0 && !fill()) return false;
    size_t take = std::min(remaining, available());
    sink(std::string_view(buffer_).substr(pos_, take), last_recv_ns_);
    pos_ += take;
    remaining -= take;
  }
  return true;
}

// RFC 9112 section 7.1; chunk extensions and trailers are skipped.
bool Connection::read_chunked(const BodySink& sink) {
  std::string line;
  for (;;) {
    if (!read_line(line)) return false;
    size_t size = 0;
    auto [end, ec] = std::from_chars(line.data(), line.data() + line.size(), size, 16);
    if (ec != std::errc()) return false;
    if (size == 0) break;
    if (!read_counted(static_cast<int64_t>(size), sink) || !read_line(line)) return false;
  }
  do {
    if (!read_line(line)) return false;
  } while (!line.empty());
  return true;
}

bool Connection::read_until_close(const BodySink& sink) {
  for (;;) {
    if (available() > 0) {
      sink(std::string_view(buffer_).substr(pos_), last_recv_ns_);
      pos_ = buffer_.size();
    }
    if (!fill()) return true;
  }
}

std::optional<int> Connection::exchange(std::string_view request, const BodySink& sink) {
  if (fd_ < 0 && !open()) return std::nullopt;
  int status = 0;
  int64_t length = -1;
  bool chunked = false, closes = false;
  bool ok = send_all(request) && read_head(status, length, chunked, closes);
  if (ok) {
    if (chunked)
      ok = read_chunked(sink);
    else if (length >= 0)
      ok = read_counted(length, sink);
    else {
      ok = read_until_close(sink);
      closes = true;
    }
  }
  if (!ok || closes) close();
  if (!ok) return std::nullopt;
  return status;
}

}  // namespace bench
