#include "routeiq/ml/eval_report.hpp"

#include <boost/json.hpp>
#include <cmath>
#include <cstdio>
#include <sstream>

namespace routeiq::ml {

namespace json = boost::json;

namespace {

// JSON has no NaN or infinity: undefined or unreached values become null.
json::value number(double x) {
  return std::isfinite(x) ? json::value(x) : json::value(nullptr);
}

json::array curve_json(const std::vector<CurvePoint>& curve) {
  json::array out;
  for (const auto& p : curve)
    out.push_back(json::object{{"cost_weight", p.cost_weight},
                               {"mean_score", p.mean_score},
                               {"mean_cost", p.mean_cost},
                               {"cost_norm", p.cost_norm},
                               {"strong_fraction", number(p.strong_fraction)}});
  return out;
}

json::object model_json(const ModelSummary& m) {
  return {{"model", m.model}, {"mean_score", m.mean_score}, {"mean_cost", m.price}};
}

void add_estimate(json::object& out, json::object& ci, const char* key, const Estimate& e) {
  out[key] = number(e.value);
  if (e.ci) ci[key] = json::array{number(e.ci->lo), number(e.ci->hi)};
}

void add_pair(json::object& out, json::object& ci, const EvalResult& r) {
  const PairMetrics& p = *r.pair;
  out["weak"] = model_json(r.models[p.weak]);
  out["strong"] = model_json(r.models[p.strong]);
  add_estimate(out, ci, "apgr", p.apgr);
  add_estimate(out, ci, "apgr_10bin", p.apgr_10bin);
  add_estimate(out, ci, "cpt50", p.cpt50);
  add_estimate(out, ci, "cpt80", p.cpt80);
  json::array curve;
  for (const auto& [x, pgr] : p.pgr_curve) curve.push_back(json::array{x, number(pgr)});
  out["pgr_curve"] = std::move(curve);
}

}  // namespace

std::string eval_json(const EvalResult& r, const ReportContext& ctx) {
  json::object out;
  json::object ci;
  out["n"] = r.n;
  out["skipped_examples"] = ctx.skipped_examples;
  out["router"] = {{"type", ctx.router_type}, {"version", ctx.router_version}};
  json::array models;
  for (const auto& m : r.models) {
    auto entry = model_json(m);
    entry["price_norm"] = m.price_norm;
    models.push_back(std::move(entry));
  }
  out["models"] = std::move(models);
  out["curve"] = curve_json(r.curve);
  out["oracle_curve"] = curve_json(r.oracle_curve);
  out["best_single"] = model_json(r.models[r.best_single]);
  out["cheapest"] = model_json(r.models[r.cheapest]);
  out["oracle"] = {{"mean_score", r.oracle.mean_score},
                   {"mean_cost", r.oracle.mean_cost},
                   {"auc", r.oracle_auc}};
  out["random"] = {{"mean_score", r.random.mean_score},
                   {"mean_cost", r.random.mean_cost},
                   {"mix_auc", r.random_mix_auc}};
  add_estimate(out, ci, "auc", r.auc);
  add_estimate(out, ci, "score_at_zero", r.score_at_zero);
  out["cost_at_zero"] = r.cost_at_zero;
  add_estimate(out, ci, "max_mean_score", r.max_mean_score);
  add_estimate(out, ci, "gap_closed", r.gap_closed);
  add_estimate(out, ci, "cost_ratio_at_best_single_quality", r.cost_ratio_at_best_single_quality);
  out["near_best"] = {{"model", r.models[r.near_best_model].model},
                      {"price", r.models[r.near_best_model].price},
                      {"router_score", number(r.router_score_at_near_best_cost)}};
  if (r.pair) add_pair(out, ci, r);
  out["ci"] = std::move(ci);
  out["bootstrap"] = {{"resamples", ctx.bootstrap_resamples}, {"seed", ctx.seed}};
  return json::serialize(out);
}

namespace {

std::string fixed(double x, int digits = 3) {
  if (std::isnan(x)) return "n/a";
  if (std::isinf(x)) return "not reached";
  if (std::abs(x) < 0.5 * std::pow(10.0, -digits)) x = 0;  // no "-0.000"
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, x);
  return buf;
}

std::string with_ci(const Estimate& e, int digits = 3) {
  std::string text = fixed(e.value, digits);
  if (e.ci && std::isfinite(e.value))
    text += " [" + fixed(e.ci->lo, digits) + ", " + fixed(e.ci->hi, digits) + "]";
  return text;
}

void models_table(std::ostringstream& md, const EvalResult& r) {
  md << "| model | mean score | price (USD / 1M tokens) | note |\n|---|---:|---:|---|\n";
  for (size_t j = 0; j < r.models.size(); ++j) {
    const auto& m = r.models[j];
    std::string note;
    if (static_cast<int>(j) == r.best_single) note += "best single ";
    if (static_cast<int>(j) == r.cheapest) note += "cheapest ";
    if (r.pair && static_cast<int>(j) == r.pair->weak) note += "weak ";
    if (r.pair && static_cast<int>(j) == r.pair->strong) note += "strong ";
    md << "| " << m.model << " | " << fixed(m.mean_score) << " | " << fixed(m.price, 3) << " | "
       << note << "|\n";
  }
}

void headline_table(std::ostringstream& md, const EvalResult& r) {
  const auto& best = r.models[r.best_single];
  md << "| metric | value [95% CI] |\n|---|---|\n"
     << "| router mean score at cost weight 0 | " << with_ci(r.score_at_zero) << " |\n"
     << "| router mean cost at cost weight 0 | " << fixed(r.cost_at_zero) << " |\n"
     << "| best single model (" << best.model << ") | " << fixed(best.mean_score) << " at "
     << fixed(best.price) << " |\n"
     << "| oracle | " << fixed(r.oracle.mean_score) << " at " << fixed(r.oracle.mean_cost) << " |\n"
     << "| random (uniform choice) | " << fixed(r.random.mean_score) << " at "
     << fixed(r.random.mean_cost) << " |\n"
     << "| share of the oracle's gap over the best single model closed | " << with_ci(r.gap_closed)
     << " |\n"
     << "| highest router mean score over the sweep | " << with_ci(r.max_mean_score) << " |\n"
     << "| cost ratio at best single quality | " << with_ci(r.cost_ratio_at_best_single_quality)
     << " |\n"
     << "| AUC (router / oracle / random mix) | " << with_ci(r.auc) << " / " << fixed(r.oracle_auc)
     << " / " << fixed(r.random_mix_auc) << " |\n"
     << "| router at the price of " << r.models[r.near_best_model].model
     << " (cheapest model within 1% of the best) | " << fixed(r.router_score_at_near_best_cost)
     << " |\n";
  if (r.pair)
    md << "| APGR (exact / 10 bins) | " << with_ci(r.pair->apgr) << " / "
       << with_ci(r.pair->apgr_10bin) << " |\n"
       << "| CPT(50%) / CPT(80%) | " << with_ci(r.pair->cpt50) << " / " << with_ci(r.pair->cpt80)
       << " |\n";
}

// About a dozen rows of the sweep, evenly spread over the cost range reached.
void curve_table(std::ostringstream& md, const EvalResult& r) {
  md << "| cost weight | mean score | mean cost | cost (normalised) |"
     << (r.pair ? " strong share |" : "") << "\n|---:|---:|---:|---:|" << (r.pair ? "---:|" : "")
     << "\n";
  const CurvePoint* last = nullptr;
  for (const auto& p : r.curve) {  // weights ascending: costs descending
    bool spaced = !last || last->cost_norm - p.cost_norm >= 0.08;
    if (!spaced && &p != &r.curve.back()) continue;
    if (last && last->mean_cost == p.mean_cost && last->mean_score == p.mean_score) continue;
    last = &p;
    md << "| " << fixed(p.cost_weight, 4) << " | " << fixed(p.mean_score) << " | "
       << fixed(p.mean_cost) << " | " << fixed(p.cost_norm) << " |";
    if (r.pair) md << " " << fixed(p.strong_fraction) << " |";
    md << "\n";
  }
}

}  // namespace

std::string eval_markdown(const EvalResult& r, const ReportContext& ctx,
                          const std::string& cost_plot, const std::string& pgr_plot) {
  std::ostringstream md;
  md << "# Router evaluation: " << ctx.router_type << "\n\n"
     << "Router `" << ctx.router_type << "` (artifact " << ctx.router_version << ") on `"
     << ctx.data_path << "`: " << r.n << " queries";
  if (ctx.skipped_examples) md << " (" << ctx.skipped_examples << " without every score skipped)";
  md << ". Costs are the chosen model's blended price in USD per million tokens; intervals are "
     << "95% percentile bootstrap over queries (" << ctx.bootstrap_resamples << " resamples, seed "
     << ctx.seed << ").\n\n## Models\n\n";
  models_table(md, r);
  md << "\n## Headline\n\n";
  headline_table(md, r);
  md << "\n## Quality-cost curve\n\n![quality-cost curve](" << cost_plot << ")\n\n";
  curve_table(md, r);
  if (r.pair && !pgr_plot.empty())
    md << "\n## Performance gap recovered\n\n![PGR curve](" << pgr_plot << ")\n";
  md << "\nDefinitions: docs/routing.md#evaluation-metrics.\n";
  return md.str();
}

}  // namespace routeiq::ml
