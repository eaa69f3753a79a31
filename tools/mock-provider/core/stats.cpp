#include "stats.hpp"

#include <boost/json.hpp>

namespace mock {
namespace {

boost::json::value body_as_json(const std::string& body) {
  boost::system::error_code ec;
  auto parsed = boost::json::parse(body, ec);
  if (ec) return boost::json::value(body);
  return parsed;
}

boost::json::object record_to_json(const RequestRecord& r) {
  boost::json::object headers;
  for (const auto& [name, value] : r.headers) headers[name] = value;
  boost::json::object out;
  out["method"] = r.method;
  out["target"] = r.target;
  out["headers"] = std::move(headers);
  out["body"] = body_as_json(r.body);
  return out;
}

}  // namespace

Stats& stats() {
  static Stats instance;
  return instance;
}

std::string redact_secret(std::string_view value) {
  constexpr size_t kKept = 4;
  std::string_view tail = value.size() > kKept ? value.substr(value.size() - kKept) : value;
  return "REDACTED..." + std::string(tail);
}

void Stats::remember(RequestRecord& record) {
  std::lock_guard lock(last_mutex_);
  std::swap(last_, record);
  has_last_ = true;
}

boost::json::object Stats::to_json() const {
  boost::json::object out;
  const std::pair<const char*, const Counter*> counters[] = {
      {"requests", &requests},
      {"chat", &chat},
      {"completions", &completions},
      {"embeddings", &embeddings},
      {"models", &models},
      {"streams_started", &streams_started},
      {"streams_completed", &streams_completed},
      {"streams_cancelled", &streams_cancelled},
      {"streams_failed", &streams_failed},
      {"bad_requests", &bad_requests},
      {"unauthorized", &unauthorized},
      {"rate_limited", &rate_limited},
      {"errors_injected", &errors_injected},
      {"not_found", &not_found},
  };
  for (const auto& [name, counter] : counters) out[name] = counter->get();
  std::lock_guard lock(last_mutex_);
  out["last_request"] = has_last_ ? boost::json::value(record_to_json(last_)) : nullptr;
  return out;
}

void Stats::reset() {
  for (Counter* c : {&requests, &chat, &completions, &embeddings, &models, &streams_started,
                     &streams_completed, &streams_cancelled, &streams_failed, &bad_requests,
                     &unauthorized, &rate_limited, &errors_injected, &not_found})
    c->zero();
  sequence_.store(0, std::memory_order_relaxed);
  std::lock_guard lock(last_mutex_);
  last_ = {};
  has_last_ = false;
}

}  // namespace mock
