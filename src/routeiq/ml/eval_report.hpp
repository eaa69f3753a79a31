#pragma once
// Renders an EvalResult: one JSON object for scripts, a Markdown report with
// tables for people, and hand-written SVG plots that the report references.
#include <string>

#include "routeiq/ml/eval.hpp"

namespace routeiq::ml {

struct ReportContext {
  std::string router_type;     // e.g. "knn"
  std::string router_version;  // artifact hash
  std::string data_path;
  size_t skipped_examples = 0;  // examples without a score for every router model
  int bootstrap_resamples = 0;
  uint64_t seed = 0;
};

// Keys: n, models, curve, oracle_curve, best_single, cheapest, oracle, random, auc,
// score_at_zero, cost_at_zero, max_mean_score, gap_closed,
// cost_ratio_at_best_single_quality (null = never reached), near_best, ci, router,
// and for pairs weak, strong, apgr, apgr_10bin, cpt50, cpt80, pgr_curve.
std::string eval_json(const EvalResult& r, const ReportContext& ctx);

// `plot_files`: file names (relative to the report) of the cost-quality plot and,
// for pairs, the PGR plot.
std::string eval_markdown(const EvalResult& r, const ReportContext& ctx,
                          const std::string& cost_plot, const std::string& pgr_plot);

// Mean score against mean cost: the router's operating points and upper hull,
// the oracle, the random mix of single models, and each single model.
std::string cost_quality_svg(const EvalResult& r, const std::string& title);
// PGR against the share of calls sent to the strong model, with the random diagonal.
std::string pgr_svg(const EvalResult& r, const std::string& title);

}  // namespace routeiq::ml
