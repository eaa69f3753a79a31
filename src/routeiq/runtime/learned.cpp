#include "routeiq/runtime/learned.hpp"
#include "routeiq/core/time.hpp"

#include <boost/json.hpp>
#include <ctime>
#include <filesystem>

#include "routeiq/core/json.hpp"
#include "routeiq/core/log.hpp"
#include "routeiq/ml/train.hpp"

namespace routeiq::runtime {
namespace json = boost::json;
namespace fs = std::filesystem;

namespace {

std::string now_iso() {
  return iso8601(std::chrono::system_clock::now());
}

// Size and modification time of every file: cheap to compute on each poll.
std::string directory_fingerprint(const std::string& dir) {
  std::error_code ec;
  std::vector<std::string> parts;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (!entry.is_regular_file(ec)) continue;
    auto mtime = entry.last_write_time(ec).time_since_epoch().count();
    parts.push_back(entry.path().filename().string() + ":" + std::to_string(entry.file_size(ec)) +
                    ":" + std::to_string(mtime));
  }
  std::sort(parts.begin(), parts.end());
  std::string out;
  for (auto& p : parts) out += p + ";";
  return out;
}

}  // namespace

std::vector<std::string> deployment_names(const config::Deployment& d) {
  std::vector<std::string> names{d.model, d.provider + "/" + d.model, d.model_name};
  if (!d.model_info.id.empty()) names.push_back(d.model_info.id);
  return names;
}

Result<LearnedRouterSpec> parse_learned_spec(std::string name, std::string type,
                                             const json::object& args) {
  LearnedRouterSpec spec;
  spec.name = std::move(name);
  spec.type = std::move(type);
  spec.model_path = std::string(str_or(args, "model_path"));
  if (spec.model_path.empty())
    return make_error(ErrorKind::invalid_request, spec.name + ": model_path is required");
  spec.llm_data_path = std::string(str_or(args, "llm_data_path"));
  if (auto w = loose_number_at(args, "cost_weight")) spec.cost_weight = *w;
  if (auto it = args.find("hot_reload"); it != args.end() && it->value().is_bool())
    spec.hot_reload = it->value().as_bool();
  if (auto s = loose_number_at(args, "reload_interval")) {
    // Bounded like every other duration of the config: larger values would
    // overflow as milliseconds.
    if (!(*s >= 0 && *s <= config::kMaxSettingSeconds))
      return make_error(ErrorKind::invalid_request,
                        spec.name + ": reload_interval must be between 0 and " +
                            std::to_string(static_cast<int64_t>(config::kMaxSettingSeconds)) +
                            " seconds");
    spec.reload_interval = std::chrono::milliseconds(static_cast<int64_t>(*s * 1000));
  }
  for (auto key : {"model_map", "llm_map"})
    if (auto it = args.find(key); it != args.end() && it->value().is_object())
      for (const auto& [k, v] : it->value().as_object())
        if (v.is_string()) spec.model_map[std::string(k)] = std::string(v.as_string());
  if (auto it = args.find("candidates"); it != args.end() && it->value().is_array())
    for (const auto& v : it->value().as_array())
      if (v.is_string()) spec.candidates.emplace_back(v.as_string());
  return spec;
}

Result<std::shared_ptr<LearnedRouter>> LearnedRouter::create(LearnedRouterSpec spec) {
  std::shared_ptr<LearnedRouter> r(new LearnedRouter(std::move(spec)));
  if (!r->spec_.llm_data_path.empty()) {
    auto prices = ml::read_llm_candidates(r->spec_.llm_data_path);
    if (!prices)
      return make_error(ErrorKind::invalid_request,
                        r->spec_.name + ": llm_data_path: " + prices.error().message);
    r->prices_ = std::move(prices.value());
  }
  auto loaded = r->load();
  if (!loaded) return loaded.error();
  std::atomic_store(&r->loaded_, loaded.value());
  r->last_check_ = loaded.value()->loaded_at;
  r->next_check_ = std::chrono::steady_clock::now() + r->spec_.reload_interval;
  return r;
}

Result<std::shared_ptr<const LearnedRouter::Loaded>> LearnedRouter::load() const {
  auto fingerprint = directory_fingerprint(spec_.model_path);
  auto router = ml::load_router(spec_.model_path);
  if (!router)
    return make_error(ErrorKind::invalid_request, spec_.name + ": cannot load " + spec_.model_path +
                                                      ": " + router.error().message);
  const auto& info = router.value()->info();
  if (!spec_.type.empty() && info.type != spec_.type)
    return make_error(ErrorKind::invalid_request, spec_.name + ": " + spec_.model_path +
                                                      " holds a '" + info.type + "' router, not '" +
                                                      spec_.type + "'");
  auto loaded = std::make_shared<Loaded>();
  loaded->router = router.value();
  loaded->price_norm = ml::normalized_prices(info.models, prices_.empty() ? info.prices : prices_);
  loaded->fingerprint = std::move(fingerprint);
  loaded->loaded_at = now_iso();
  return std::shared_ptr<const Loaded>(std::move(loaded));
}

int LearnedRouter::router_model_index(const Loaded& l, const std::string& name) const {
  const auto& models = l.router->info().models;
  for (size_t m = 0; m < models.size(); ++m) {
    auto mapped = spec_.model_map.find(models[m]);
    if (models[m] == name || (mapped != spec_.model_map.end() && mapped->second == name))
      return static_cast<int>(m);
  }
  return -1;
}

std::optional<LearnedRouter::Decision> LearnedRouter::decide(
    std::string_view query, const std::vector<std::vector<std::string>>& targets,
    const std::vector<bool>& allowed, std::optional<double> cost_weight) const {
  auto loaded = current();
  if (!loaded) return std::nullopt;
  const auto& models = loaded->router->info().models;
  std::vector<int> target_of_model(models.size(), -1);
  std::vector<bool> model_allowed(models.size(), false);
  for (size_t t = 0; t < targets.size(); ++t) {
    if (!allowed[t]) continue;
    for (const auto& name : targets[t]) {
      int m = router_model_index(*loaded, name);
      if (m < 0 || target_of_model[m] >= 0) continue;
      target_of_model[m] = static_cast<int>(t);
      model_allowed[m] = true;
      break;
    }
  }
  if (std::find(model_allowed.begin(), model_allowed.end(), true) == model_allowed.end())
    return std::nullopt;
  auto quality = loaded->router->predict(query);
  int m = ml::select_model(quality, loaded->price_norm, cost_weight.value_or(spec_.cost_weight),
                           model_allowed);
  if (m < 0) return std::nullopt;
  decisions_.fetch_add(1, std::memory_order_relaxed);
  return Decision{static_cast<size_t>(target_of_model[m]), models[m]};
}

void LearnedRouter::maybe_reload(std::chrono::steady_clock::time_point now) {
  if (!spec_.hot_reload || now < next_check_) return;
  next_check_ = now + spec_.reload_interval;
  reload_now();
}

void LearnedRouter::reload_now() {
  auto current_model = current();
  std::string check_time = now_iso();
  if (current_model && directory_fingerprint(spec_.model_path) == current_model->fingerprint) {
    // The files are the ones being served again: an earlier refusal is over.
    std::lock_guard lock(status_mutex_);
    last_check_ = check_time;
    last_error_.clear();
    return;
  }
  auto loaded = load();
  std::lock_guard lock(status_mutex_);
  last_check_ = check_time;
  if (!loaded) {
    last_error_ = loaded.error().message;
    log::warn() << spec_.name << ": hot reload refused, keeping version "
                << (current_model ? current_model->router->info().version : "none") << ": "
                << last_error_;
    return;
  }
  // last_error tells about the files now in model_path; these are good.
  last_error_.clear();
  if (current_model &&
      loaded.value()->router->info().version == current_model->router->info().version) {
    // Same content with new timestamps: keep the model, remember the files.
    auto same = std::make_shared<Loaded>(*current_model);
    same->fingerprint = loaded.value()->fingerprint;
    std::atomic_store(&loaded_, std::shared_ptr<const Loaded>(std::move(same)));
    return;
  }
  std::atomic_store(&loaded_, loaded.value());
  reloads_.fetch_add(1, std::memory_order_relaxed);
  log::info() << spec_.name << ": hot-reloaded " << spec_.model_path << " version "
              << loaded.value()->router->info().version;
}

json::object LearnedRouter::status() const {
  auto loaded = current();
  std::lock_guard lock(status_mutex_);
  json::object out{
      {"name", spec_.name},
      {"type", spec_.type},
      {"path", spec_.model_path},
      {"hot_reload", spec_.hot_reload},
      {"reload_interval", spec_.reload_interval.count() / 1000.0},
      {"last_check", last_check_},
      {"last_error", last_error_.empty() ? json::value(nullptr) : json::value(last_error_)},
      {"reloads", reloads_.load()},
      {"decisions", decisions_.load()},
      {"fallbacks", fallbacks_.load()}};
  if (loaded) {
    out["version"] = loaded->router->info().version;
    out["loaded_at"] = loaded->loaded_at;
    json::array models;
    for (const auto& m : loaded->router->info().models) models.emplace_back(m);
    out["models"] = std::move(models);
  }
  return out;
}

std::string LearnedRouter::header_value() const {
  auto loaded = current();
  std::string version = loaded ? loaded->router->info().version.substr(0, 12) : "none";
  return spec_.name + "/" + version;
}

LearnedStrategy::LearnedStrategy(std::shared_ptr<LearnedRouter> router,
                                 const config::Config& config)
    : router_(std::move(router)), fallback_(config) {
  for (const auto& d : config.model_list) names_.push_back(deployment_names(d));
}

size_t LearnedStrategy::pick(std::span<const size_t> candidates, std::mt19937_64& rng) const {
  return fallback_.pick(candidates, rng);
}

size_t LearnedStrategy::pick(std::span<const size_t> candidates, routing::RequestContext& ctx,
                             std::mt19937_64& rng) const {
  if (candidates.size() == 1) return 0;
  {
    std::vector<std::vector<std::string>> targets;
    for (size_t c : candidates) targets.push_back(names_[c]);
    std::vector<bool> allowed(candidates.size(), true);
    if (auto d = router_->decide(ctx.query, targets, allowed, ctx.cost_weight)) {
      ctx.decided_by = router_->header_value();
      return d->target;
    }
  }
  router_->count_fallback();
  log::debug() << router_->spec().name << ": no decision, using simple-shuffle";
  ctx.decided_by = "simple-shuffle";
  return fallback_.pick(candidates, rng);
}

}  // namespace routeiq::runtime
