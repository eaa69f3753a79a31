#pragma once
// Behaviour knobs of the mock upstream. Set from the command line at start-up
// and replaced live through POST /mock/config; each request reads one immutable
// snapshot so a change never tears a response in half.
#include <boost/json/fwd.hpp>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace mock {

struct Settings {
  std::string host = "127.0.0.1";
  uint16_t port = 0;
  int threads = 1;

  std::string name = "mock";
  int latency_ms = 0;
  int ttft_ms = 0;
  double tokens_per_second = 0;  // 0 = chunks as fast as the socket takes them
  int chunks = 8;
  double error_rate = 0;
  int error_status = 500;
  int rate_limit_every = 0;  // 0 = never
  int retry_after = 1;
  std::string api_key;             // empty = no authentication
  int fail_mid_stream_after = -1;  // -1 = never
};

// Throws std::invalid_argument naming the bad flag: this runs only at start-up.
Settings parse_flags(int argc, char** argv);
std::string usage_text();

// Applies the keys of a /mock/config object; returns an error message, or
// nothing on success. Unknown keys are rejected so a typo never goes unnoticed.
std::optional<std::string> apply_config(Settings& settings, const boost::json::object& changes);
boost::json::object settings_to_json(const Settings& settings);

// Process-wide current settings, swapped atomically.
std::shared_ptr<const Settings> current_settings();
void publish_settings(Settings settings);

}  // namespace mock
