// The server's error boundary: a handler that throws ends its connection
// with a 500 (or just the connection, once a response has started), never the
// process, and the server keeps serving.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <thread>

#include "routeiq/net/http_server.hpp"

namespace routeiq::net {
namespace {

// One blocking exchange: sends `request`, reads until the server closes.
std::string roundtrip(uint16_t port, const std::string& request) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return "connect failed";
  }
  ::send(fd, request.data(), request.size(), 0);
  std::string out;
  char buf[4096];
  for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;) out.append(buf, n);
  ::close(fd);
  return out;
}

// Built outside the coroutine: GCC 12 miscompiles brace-initialised string
// pairs inside one ("array used as initializer").
HeaderList headers_with_a_line_break() {
  HeaderList h;
  h.add("x-bad", "a\r\nx-injected: 1");
  h.add("x-good", "v");
  return h;
}

asio::awaitable<void> handle(Exchange& ex) {
  auto target = ex.request().target();
  if (target == "/throw") throw std::runtime_error("handler bug");
  if (target == "/throw-mid-stream") {
    co_await ex.begin_stream(200, "text/event-stream");
    co_await ex.write_chunk("data: 1\n\n");
    throw std::length_error("field value too large");
  }
  auto headers = headers_with_a_line_break();
  co_await ex.respond(200, "text/plain", "ok", headers);
}

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ServerOptions options;
    options.host = "127.0.0.1";
    options.port = 0;
    options.threads = 1;
    options.drain_timeout = std::chrono::milliseconds(100);
    server_ = std::make_unique<HttpServer>(
        options, handle, [](int status, std::string_view m) { return std::string(m); });
    port_ = server_->bind();
    thread_ = std::thread([this] { server_->run(); });
  }
  void TearDown() override {
    server_->stop();
    thread_.join();
  }
  std::unique_ptr<HttpServer> server_;
  std::thread thread_;
  uint16_t port_ = 0;
};

constexpr const char* kClose = " HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n";

TEST_F(ServerTest, ThrowingHandlerGets500AndTheServerGoesOn) {
  auto out = roundtrip(port_, std::string("GET /throw") + kClose);
  EXPECT_EQ(out.rfind("HTTP/1.1 500", 0), 0u) << out;
  EXPECT_NE(out.find("internal error"), std::string::npos);
  EXPECT_NE(out.find("connection: close"), std::string::npos);
  auto ok = roundtrip(port_, std::string("GET /ok") + kClose);
  EXPECT_EQ(ok.rfind("HTTP/1.1 200", 0), 0u) << ok;
}

TEST_F(ServerTest, ThrowAfterTheResponseStartedClosesTheConnectionOnly) {
  auto out = roundtrip(port_, std::string("GET /throw-mid-stream") + kClose);
  EXPECT_EQ(out.rfind("HTTP/1.1 200", 0), 0u) << out;
  EXPECT_NE(out.find("data: 1"), std::string::npos);
  EXPECT_EQ(out.find("HTTP/1.1 500"), std::string::npos) << "no second status line";
  EXPECT_EQ(out.find("\r\n0\r\n\r\n"), std::string::npos) << "the stream is not ended as complete";
  for (int i = 0; i < 100 && server_->active_connections() != 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_EQ(server_->active_connections(), 0) << "the session was cleaned up";
  auto ok = roundtrip(port_, std::string("GET /ok") + kClose);
  EXPECT_EQ(ok.rfind("HTTP/1.1 200", 0), 0u);
}

TEST_F(ServerTest, HeaderValuesWithLineBreaksAreNotWritten) {
  auto out = roundtrip(port_, std::string("GET /ok") + kClose);
  EXPECT_EQ(out.find("x-injected"), std::string::npos) << out;
  EXPECT_EQ(out.find("x-bad"), std::string::npos);
  EXPECT_NE(out.find("x-good: v"), std::string::npos);
}

}  // namespace
}  // namespace routeiq::net

namespace routeiq::net {
namespace {

// `threads = 0` follows the affinity mask (taskset, a cpuset), not the machine.
TEST(UsableCpus, FollowTheAffinityMask) {
  cpu_set_t saved;
  ASSERT_EQ(sched_getaffinity(0, sizeof saved, &saved), 0);
  cpu_set_t one;
  CPU_ZERO(&one);
  for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu)
    if (CPU_ISSET(cpu, &saved)) {
      CPU_SET(cpu, &one);
      break;
    }
  ASSERT_EQ(sched_setaffinity(0, sizeof one, &one), 0);
  int pinned = usable_cpus();
  ASSERT_EQ(sched_setaffinity(0, sizeof saved, &saved), 0);
  EXPECT_EQ(pinned, 1);
  EXPECT_EQ(usable_cpus(), CPU_COUNT(&saved));
}

}  // namespace
}  // namespace routeiq::net
