#include "settings.hpp"

#include <array>
#include <atomic>
#include <boost/json.hpp>
#include <charconv>
#include <stdexcept>
#include <string_view>
#include <variant>

namespace mock {
namespace {

using Member = std::variant<int Settings::*, double Settings::*, std::string Settings::*>;

// One row per knob: the flag is `--` + key with '_' spelled '-'. Rows marked
// live can also be changed through /mock/config.
struct Knob {
  std::string_view key;
  Member member;
  double min;
  double max;
  bool live;
  std::string_view help;
};

constexpr double kNoLimit = 1e18;

const std::array kKnobs{
    Knob{"host", &Settings::host, 0, 0, false, "address to bind (default 127.0.0.1)"},
    Knob{"threads", &Settings::threads, 1, 256, false, "io threads, one io_context each"},
    Knob{"name", &Settings::name, 0, 0, true, "deployment name shown in replies"},
    Knob{"latency_ms", &Settings::latency_ms, 0, 600000, true, "delay before response headers"},
    Knob{"ttft_ms", &Settings::ttft_ms, 0, 600000, true, "delay before the first stream chunk"},
    Knob{"tokens_per_second", &Settings::tokens_per_second, 0, kNoLimit, true,
         "stream chunk pace (0 = unpaced)"},
    Knob{"chunks", &Settings::chunks, 1, 100000, true, "content chunks per stream"},
    Knob{"error_rate", &Settings::error_rate, 0, 1, true, "fraction of requests that fail"},
    Knob{"error_status", &Settings::error_status, 400, 599, true, "status of injected errors"},
    Knob{"rate_limit_every", &Settings::rate_limit_every, 0, kNoLimit, true,
         "every Nth request gets 429 (0 = never)"},
    Knob{"retry_after", &Settings::retry_after, 0, 86400, true, "Retry-After seconds on 429"},
    Knob{"api_key", &Settings::api_key, 0, 0, true, "required bearer key (empty = none)"},
    Knob{"fail_mid_stream_after", &Settings::fail_mid_stream_after, -1, kNoLimit, true,
         "close the connection after N chunks (-1 = never)"},
};

std::string flag_of(std::string_view key) {
  std::string flag = "--";
  for (char c : key) flag += c == '_' ? '-' : c;
  return flag;
}

const Knob* find_knob_by_flag(std::string_view flag) {
  for (const auto& knob : kKnobs)
    if (flag_of(knob.key) == flag) return &knob;
  return nullptr;
}

std::optional<double> parse_number(std::string_view text) {
  double value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::optional<std::string> check_range(const Knob& knob, double value) {
  if (value < knob.min || value > knob.max)
    return std::string(knob.key) + ": out of range [" + std::to_string(knob.min) + ", " +
           std::to_string(knob.max) + "]";
  return std::nullopt;
}

std::optional<std::string> set_number(Settings& s, const Knob& knob, double value) {
  if (auto err = check_range(knob, value)) return err;
  if (auto* m = std::get_if<int Settings::*>(&knob.member)) {
    if (value != static_cast<double>(static_cast<long long>(value)))
      return std::string(knob.key) + ": expected an integer";
    s.*(*m) = static_cast<int>(value);
  } else {
    s.*std::get<double Settings::*>(knob.member) = value;
  }
  return std::nullopt;
}

std::optional<std::string> set_from_text(Settings& s, const Knob& knob, std::string_view text) {
  if (auto* m = std::get_if<std::string Settings::*>(&knob.member)) {
    s.*(*m) = std::string(text);
    return std::nullopt;
  }
  auto value = parse_number(text);
  if (!value) return std::string(knob.key) + ": expected a number, got '" + std::string(text) + "'";
  return set_number(s, knob, *value);
}

std::optional<std::string> set_from_json(Settings& s, const Knob& knob,
                                         const boost::json::value& v) {
  if (auto* m = std::get_if<std::string Settings::*>(&knob.member)) {
    if (!v.is_string()) return std::string(knob.key) + ": expected a string";
    s.*(*m) = std::string(v.get_string());
    return std::nullopt;
  }
  if (!v.is_number()) return std::string(knob.key) + ": expected a number";
  return set_number(s, knob, v.to_number<double>());
}

void set_port(Settings& s, std::string_view text) {
  auto value = parse_number(text);
  if (!value || *value < 0 || *value > 65535 || *value != static_cast<int>(*value))
    throw std::invalid_argument("--port: expected 0..65535, got '" + std::string(text) + "'");
  s.port = static_cast<uint16_t>(*value);
}

std::atomic<std::shared_ptr<const Settings>> g_current{std::make_shared<const Settings>()};

}  // namespace

Settings parse_flags(int argc, char** argv) {
  Settings s;
  for (int i = 1; i < argc; ++i) {
    std::string_view flag = argv[i];
    if (i + 1 >= argc) throw std::invalid_argument(std::string(flag) + ": missing value");
    std::string_view text = argv[++i];
    if (flag == "--port") {
      set_port(s, text);
      continue;
    }
    const Knob* knob = find_knob_by_flag(flag);
    if (!knob) throw std::invalid_argument("unknown flag " + std::string(flag));
    if (auto err = set_from_text(s, *knob, text)) throw std::invalid_argument(*err);
  }
  return s;
}

std::string usage_text() {
  std::string text = "usage: mock-provider [flags]\n  --port N  (0 = ephemeral)\n";
  for (const auto& knob : kKnobs)
    text += "  " + flag_of(knob.key) + "  " + std::string(knob.help) + "\n";
  return text;
}

std::optional<std::string> apply_config(Settings& settings, const boost::json::object& changes) {
  Settings updated = settings;
  for (const auto& [key, value] : changes) {
    const Knob* knob = nullptr;
    for (const auto& k : kKnobs)
      if (k.live && k.key == key) knob = &k;
    if (!knob) return "unknown setting: " + std::string(key);
    if (auto err = set_from_json(updated, *knob, value)) return err;
  }
  settings = std::move(updated);
  return std::nullopt;
}

boost::json::object settings_to_json(const Settings& s) {
  boost::json::object out;
  for (const auto& knob : kKnobs) {
    if (!knob.live) continue;
    std::visit([&](auto member) { out[knob.key] = s.*member; }, knob.member);
  }
  return out;
}

std::shared_ptr<const Settings> current_settings() {
  return g_current.load(std::memory_order_acquire);
}

void publish_settings(Settings settings) {
  g_current.store(std::make_shared<const Settings>(std::move(settings)), std::memory_order_release);
}

}  // namespace mock
