#pragma once
// Spend per name within LiteLLM's budget windows (provider_budget_config,
// a key's model_max_budget). A window opens with the first spend after the
// previous one ended and lasts its period, as LiteLLM's budget start-time
// keys do: "1d" is a day from the first charged request, not a calendar day.
// Counted in this process (16 shards, each a mutex and a map); time is passed
// in, so the rules are tested without a clock.
#include <array>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace routeiq::api {

class WindowedSpend {
 public:
  // The spend of `name` in its current window at `now_ms` (UTC milliseconds);
  // 0 when no window is open or the last one ended.
  double spent(std::string_view name, int64_t period_ms, int64_t now_ms) const;
  // Adds `usd` to the current window, opening one at `now_ms` when none is.
  void add(std::string_view name, double usd, int64_t period_ms, int64_t now_ms);
  // Opens a window that started at `start_ms` holding `usd`, unless one is
  // open already (spend read back from the spend logs at start).
  void seed(std::string_view name, double usd, int64_t start_ms);

 private:
  struct Window {
    int64_t start_ms = 0;
    double usd = 0;
  };
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  struct Shard {
    mutable std::mutex mutex;
    std::unordered_map<std::string, Window, Hash, std::equal_to<>> windows;
  };
  Shard& shard(std::string_view name) const;
  mutable std::array<Shard, 16> shards_;
};

// The window name of a key's spend on one model ("<token>\n<model>": a model
// name holds no newline a config or key could give it).
std::string key_model_window(std::string_view token, std::string_view model);

// The counters of the whole process: they outlive config reloads, as spend does.
WindowedSpend& provider_windows();
WindowedSpend& key_model_windows();

// UTC milliseconds now.
int64_t now_utc_ms();

}  // namespace routeiq::api
