#pragma once
// A blocking keep-alive HTTP/1.1 client connection over a plain socket: no
// event loop between the clock and the bytes, so what it times is the server.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace bench {

struct Endpoint {
  std::string host;
  uint16_t port = 0;
};

// Receives body bytes as they arrive, with CLOCK_REALTIME (ns) of the recv
// that delivered them.
using BodySink = std::function<void(std::string_view bytes, int64_t received_ns)>;

int64_t realtime_ns();

class Connection {
 public:
  explicit Connection(Endpoint endpoint) : endpoint_(std::move(endpoint)) {}
  ~Connection() { close(); }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Sends one request and reads the whole response; returns the status, or
  // nothing if the connection failed (it is then closed and reopened on the
  // next call).
  std::optional<int> exchange(std::string_view request, const BodySink& sink);
  void close();

 private:
  bool open();
  bool send_all(std::string_view bytes);
  bool fill();
  bool read_head(int& status, int64_t& content_length, bool& chunked, bool& closes);
  bool read_counted(int64_t length, const BodySink& sink);
  bool read_chunked(const BodySink& sink);
  bool read_until_close(const BodySink& sink);
  bool read_line(std::string& line);
  size_t available() const { return buffer_.size() - pos_; }
  void compact();

  Endpoint endpoint_;
  int fd_ = -1;
  std::string buffer_;
  size_t pos_ = 0;
  int64_t last_recv_ns_ = 0;
};

}  // namespace bench
