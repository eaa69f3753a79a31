// bench-client: closed-loop load for latency measurements at concurrency 1.
//
// Each target gets one keep-alive connection. Rounds alternate between the
// targets (A, B, C, A, B, C, ...) so that machine drift affects all alike.
//   --mode latency  times each request (steady_clock, send to last byte)
//   --mode stream   times each SSE chunk from the mock's "mock_sent_ns"
//                   (CLOCK_REALTIME at write) to its arrival here
// Prints one JSON object with a summary per target, in microseconds.
#include <boost/json.hpp>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "connection.hpp"
#include "summary.hpp"

namespace bench {
namespace {

using Clock = std::chrono::steady_clock;
namespace json = boost::json;

struct Options {
  std::string mode = "latency";
  std::vector<std::pair<std::string, Endpoint>> targets;
  std::string path = "/v1/chat/completions";
  std::string body;
  std::vector<std::string> headers;
  int rounds = 6;
  int requests = 2000;
  int warmup = 200;
  std::string expect = "mock reply from";
};

// A target that fails this many exchanges in a row is given up on.
constexpr int kMaxConsecutiveFailures = 3;

struct Target {
  std::string name;
  std::unique_ptr<Connection> connection;
  std::string request;
  std::vector<double> latencies_us;
  std::vector<double> chunk_delays_us;
  std::vector<double> round_p50_us;
  uint64_t errors = 0;
  uint64_t streams_incomplete = 0;
  int consecutive_failures = 0;
  bool given_up = false;
};

Endpoint parse_endpoint(std::string_view text) {
  size_t colon = text.rfind(':');
  if (colon == std::string_view::npos) throw std::invalid_argument("expected HOST:PORT");
  Endpoint e{std::string(text.substr(0, colon)), 0};
  auto port = text.substr(colon + 1);
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), e.port);
  if (ec != std::errc() || end != port.data() + port.size())
    throw std::invalid_argument("bad port in " + std::string(text));
  return e;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::invalid_argument("cannot read " + path);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

Options parse_options(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string flag = argv[i];
    if (i + 1 >= argc) throw std::invalid_argument(flag + ": missing value");
    std::string value = argv[++i];
    if (flag == "--mode")
      o.mode = value;
    else if (flag == "--target") {
      size_t eq = value.find('=');
      if (eq == std::string::npos) throw std::invalid_argument("--target expects NAME=HOST:PORT");
      o.targets.emplace_back(value.substr(0, eq), parse_endpoint(value.substr(eq + 1)));
    } else if (flag == "--path")
      o.path = value;
    else if (flag == "--body")
      o.body = read_file(value);
    else if (flag == "--header")
      o.headers.push_back(value);
    else if (flag == "--rounds")
      o.rounds = std::stoi(value);
    else if (flag == "--requests")
      o.requests = std::stoi(value);
    else if (flag == "--warmup")
      o.warmup = std::stoi(value);
    else if (flag == "--expect")
      o.expect = value;
    else
      throw std::invalid_argument("unknown flag " + flag);
  }
  if (o.targets.empty() || o.body.empty())
    throw std::invalid_argument("need at least one --target and a --body");
  if (o.mode != "latency" && o.mode != "stream") throw std::invalid_argument("bad --mode");
  return o;
}

std::string build_request(const Options& o, const Endpoint& e) {
  std::string r = "POST " + o.path + " HTTP/1.1\r\nHost: " + e.host + ":" + std::to_string(e.port) +
                  "\r\nContent-Type: application/json\r\n";
  if (o.mode == "stream") r += "Accept: text/event-stream\r\n";
  for (const auto& h : o.headers) r += h + "\r\n";
  r += "Content-Length: " + std::to_string(o.body.size()) + "\r\n\r\n" + o.body;
  return r;
}

// Collects SSE events and the delay of each chunk that carries mock_sent_ns.
class StreamTimer {
 public:
  explicit StreamTimer(std::vector<double>& delays_us) : delays_us_(delays_us) {}

  void feed(std::string_view bytes, int64_t received_ns) {
    pending_.append(bytes);
    size_t end;
    while ((end = pending_.find("\n\n", scanned_)) != std::string::npos) {
      on_event(std::string_view(pending_).substr(0, end), received_ns);
      pending_.erase(0, end + 2);
      scanned_ = 0;
    }
    scanned_ = pending_.size() > 0 ? pending_.size() - 1 : 0;
  }
  bool saw_done() const { return done_; }

 private:
  void on_event(std::string_view event, int64_t received_ns) {
    if (event.find("data: [DONE]") != std::string_view::npos) done_ = true;
    constexpr std::string_view kKey = "\"mock_sent_ns\":";
    size_t at = event.find(kKey);
    if (at == std::string_view::npos) return;
    int64_t sent = 0;
    const char* begin = event.data() + at + kKey.size();
    std::from_chars(begin, event.data() + event.size(), sent);
    if (sent > 0) delays_us_.push_back(static_cast<double>(received_ns - sent) / 1000.0);
  }

  std::vector<double>& delays_us_;
  std::string pending_;
  size_t scanned_ = 0;
  bool done_ = false;
};

void note_failure(Target& t) {
  ++t.errors;
  if (++t.consecutive_failures >= kMaxConsecutiveFailures) t.given_up = true;
}

void one_request(Target& t, const Options& o, bool record) {
  std::string body;
  std::vector<double> delays;
  StreamTimer timer(delays);
  bool stream = o.mode == "stream";
  BodySink sink = [&](std::string_view bytes, int64_t received_ns) {
    if (stream)
      timer.feed(bytes, received_ns);
    else
      body.append(bytes);
  };
  auto start = Clock::now();
  auto status = t.connection->exchange(t.request, sink);
  double elapsed_us = std::chrono::duration<double, std::micro>(Clock::now() - start).count();
  bool ok = status && *status == 200 &&
            (stream ? timer.saw_done() : body.find(o.expect) != std::string::npos);
  if (!ok) return note_failure(t);
  t.consecutive_failures = 0;
  if (!record) return;
  t.latencies_us.push_back(elapsed_us);
  t.chunk_delays_us.insert(t.chunk_delays_us.end(), delays.begin(), delays.end());
}

void run_round(Target& t, const Options& o) {
  size_t before = t.latencies_us.size();
  for (int i = 0; i < o.requests && !t.given_up; ++i) one_request(t, o, true);
  std::vector<double> round(t.latencies_us.begin() + static_cast<long>(before),
                            t.latencies_us.end());
  std::sort(round.begin(), round.end());
  t.round_p50_us.push_back(percentile(round, 50));
}

json::object report(const Target& t, const Options& o) {
  json::object out;
  out["errors"] = t.errors;
  out["gave_up"] = t.given_up;
  out[o.mode == "stream" ? "stream_us" : "latency_us"] = summarize(t.latencies_us);
  if (o.mode == "stream") out["chunk_delay_us"] = summarize(t.chunk_delays_us);
  json::array rounds;
  for (double p : t.round_p50_us) rounds.push_back(p);
  out["round_p50_us"] = std::move(rounds);
  return out;
}

int run(const Options& o) {
  std::vector<Target> targets;
  for (const auto& [name, endpoint] : o.targets) {
    Target t;
    t.name = name;
    t.connection = std::make_unique<Connection>(endpoint);
    t.request = build_request(o, endpoint);
    targets.push_back(std::move(t));
  }
  for (auto& t : targets)
    for (int i = 0; i < o.warmup && !t.given_up; ++i) one_request(t, o, false);
  for (int r = 0; r < o.rounds; ++r)
    for (auto& t : targets) run_round(t, o);
  json::object result;
  result["mode"] = o.mode;
  result["rounds"] = o.rounds;
  result["requests_per_round"] = o.requests;
  json::object per_target;
  for (const auto& t : targets) per_target[t.name] = report(t, o);
  result["targets"] = std::move(per_target);
  std::cout << json::serialize(result) << std::endl;
  return 0;
}

}  // namespace
}  // namespace bench

int main(int argc, char** argv) {
  try {
    return bench::run(bench::parse_options(argc, argv));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench-client: %s\n", e.what());
    return 2;
  }
}
