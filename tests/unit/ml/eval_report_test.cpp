// The JSON, Markdown and SVG renderings of an evaluation.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "routeiq/ml/eval_report.hpp"

namespace routeiq::ml {
namespace {

EvalResult pair_result() {
  EvalInput in;
  in.models = {"weak<7b>", "strong & big"};
  in.truth = Matrix(4, 2);
  in.predicted = Matrix(4, 2);
  const double truth[4][2] = {{0, 1}, {0, 1}, {1, 1}, {0, 0}};
  const double gain[4] = {0.8, 0.3, 0.5, 0.1};
  for (size_t i = 0; i < 4; ++i) {
    in.truth(i, 0) = truth[i][0];
    in.truth(i, 1) = truth[i][1];
    in.predicted(i, 0) = 0.5;
    in.predicted(i, 1) = 0.5 + gain[i];
  }
  in.price = {1, 10};
  EvalOptions options;
  options.bootstrap_resamples = 20;
  return evaluate(in, options);
}

ReportContext context() {
  return {"knn", "abc123", "data/test.jsonl", 2, 20, 7};
}

TEST(EvalReport, JsonHasTheDocumentedKeys) {
  auto r = pair_result();
  auto value = boost::json::parse(eval_json(r, context()));
  const auto& obj = value.as_object();
  for (const char* key :
       {"n", "curve", "best_single", "oracle", "random", "auc", "max_mean_score",
        "cost_ratio_at_best_single_quality", "apgr", "cpt50", "cpt80", "ci", "pgr_curve"})
    EXPECT_TRUE(obj.contains(key)) << key;
  EXPECT_EQ(obj.at("n").to_number<uint64_t>(), 4u);
  EXPECT_EQ(obj.at("skipped_examples").to_number<uint64_t>(), 2u);
  EXPECT_EQ(obj.at("best_single").at("model").as_string(), "strong & big");
  EXPECT_DOUBLE_EQ(obj.at("apgr").to_number<double>(), 0.625);
  const auto& point = obj.at("curve").as_array().front().as_object();
  for (const char* key : {"cost_weight", "mean_score", "mean_cost", "strong_fraction"})
    EXPECT_TRUE(point.contains(key)) << key;
  EXPECT_EQ(obj.at("curve").as_array().size(), r.curve.size());
  EXPECT_EQ(obj.at("ci").at("apgr").as_array().size(), 2u);
  EXPECT_TRUE(obj.at("gap_closed").is_null());  // undefined (no headroom) is null, not NaN
}

TEST(EvalReport, MarkdownReferencesThePlotsAndNamesTheMetrics) {
  auto md = eval_markdown(pair_result(), context(), "eval.svg", "eval-pgr.svg");
  EXPECT_NE(md.find("![quality-cost curve](eval.svg)"), std::string::npos);
  EXPECT_NE(md.find("![PGR curve](eval-pgr.svg)"), std::string::npos);
  EXPECT_NE(md.find("| APGR (exact / 10 bins) | 0.625"), std::string::npos) << md;
  EXPECT_NE(md.find("| cost ratio at best single quality | 0.775"), std::string::npos) << md;
  EXPECT_NE(md.find("2 without every score skipped"), std::string::npos);
}

TEST(EvalReport, SvgIsEscapedAndHasAxesAndLegend) {
  auto r = pair_result();
  auto svg = cost_quality_svg(r, "knn <test>");
  EXPECT_EQ(svg.rfind("<svg xmlns=\"http://www.w3.org/2000/svg\"", 0), 0u);
  EXPECT_NE(svg.find("</svg>"), std::string::npos);
  EXPECT_NE(svg.find("knn &lt;test&gt;"), std::string::npos);
  EXPECT_NE(svg.find("weak&lt;7b&gt;"), std::string::npos);
  EXPECT_NE(svg.find("strong &amp; big"), std::string::npos);
  EXPECT_EQ(svg.find("weak<7b>"), std::string::npos);
  EXPECT_NE(svg.find("mean cost (USD per million tokens)"), std::string::npos);
  EXPECT_NE(svg.find("best single model"), std::string::npos);
  EXPECT_NE(svg.find("<polyline"), std::string::npos);
  auto pgr = pgr_svg(r, "pgr");
  EXPECT_NE(pgr.find("random routing (APGR 0.5)"), std::string::npos);
}

}  // namespace
}  // namespace routeiq::ml
