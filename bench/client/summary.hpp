#pragma once
// Percentile summaries of recorded samples (nearest-rank method).
#include <algorithm>
#include <boost/json/object.hpp>
#include <cmath>
#include <vector>

namespace bench {

inline double percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  auto rank = static_cast<size_t>(std::ceil(p / 100.0 * static_cast<double>(sorted.size())));
  return sorted[std::clamp<size_t>(rank, 1, sorted.size()) - 1];
}

// {"count","min","p50","p90","p99","p999","max","mean"}, values in the samples' unit.
inline boost::json::object summarize(std::vector<double> samples) {
  std::sort(samples.begin(), samples.end());
  boost::json::object out;
  out["count"] = samples.size();
  if (samples.empty()) return out;
  double sum = 0;
  for (double s : samples) sum += s;
  out["min"] = samples.front();
  out["p50"] = percentile(samples, 50);
  out["p90"] = percentile(samples, 90);
  out["p99"] = percentile(samples, 99);
  out["p999"] = percentile(samples, 99.9);
  out["max"] = samples.back();
  out["mean"] = sum / static_cast<double>(samples.size());
  return out;
}

}  // namespace bench
