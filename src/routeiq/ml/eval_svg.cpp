// Hand-written SVG plots: fixed canvas, linear axes with ticks, a legend box.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "routeiq/ml/eval_report.hpp"

namespace routeiq::ml {

namespace {

// The legend sits in the right margin, outside the data.
constexpr double kWidth = 920, kHeight = 480;
constexpr double kLeft = 70, kRight = 250, kTop = 40, kBottom = 60;

std::string escape_xml(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '&':
        out += "&amp;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string num(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", x);
  return buf;
}

// A "nice" tick step (1, 2 or 5 times a power of ten) giving about `count` ticks.
double tick_step(double span, int count) {
  double raw = span / count;
  double power = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (m * power >= raw) return m * power;
  return 10 * power;
}

class Plot {
 public:
  Plot(double x0, double x1, double y0, double y1) : x0_(x0), x1_(x1), y0_(y0), y1_(y1) {
    if (x1_ - x0_ <= 0) x1_ = x0_ + 1;
    if (y1_ - y0_ <= 0) y1_ = y0_ + 1;
  }
  double px(double x) const { return kLeft + (x - x0_) / (x1_ - x0_) * (kWidth - kLeft - kRight); }
  double py(double y) const {
    return kHeight - kBottom - (y - y0_) / (y1_ - y0_) * (kHeight - kTop - kBottom);
  }

  void frame(const std::string& title, const std::string& x_label, const std::string& y_label) {
    svg_ << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << kWidth << "\" height=\""
         << kHeight << "\" viewBox=\"0 0 " << kWidth << ' ' << kHeight
         << "\" font-family=\"sans-serif\" font-size=\"12\">\n"
         << "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
         << "<text x=\"" << kWidth / 2 << "\" y=\"22\" text-anchor=\"middle\" font-size=\"15\">"
         << escape_xml(title) << "</text>\n";
    axes();
    svg_ << "<text x=\"" << (kLeft + kWidth - kRight) / 2 << "\" y=\"" << kHeight - 15
         << "\" text-anchor=\"middle\">" << escape_xml(x_label) << "</text>\n"
         << "<text transform=\"translate(18," << (kTop + kHeight - kBottom) / 2
         << ") rotate(-90)\" text-anchor=\"middle\">" << escape_xml(y_label) << "</text>\n";
  }

  void polyline(const std::vector<std::pair<double, double>>& points, const std::string& color,
                const std::string& dash, double width = 2) {
    if (points.empty()) return;
    svg_ << "<polyline fill=\"none\" stroke=\"" << color << "\" stroke-width=\"" << width << '"'
         << (dash.empty() ? "" : " stroke-dasharray=\"" + dash + "\"") << " points=\"";
    for (const auto& [x, y] : points) svg_ << num(px(x)) << ',' << num(py(y)) << ' ';
    svg_ << "\"/>\n";
  }

  void dot(double x, double y, const std::string& color, double radius) {
    svg_ << "<circle cx=\"" << num(px(x)) << "\" cy=\"" << num(py(y)) << "\" r=\"" << radius
         << "\" fill=\"" << color << "\"/>\n";
  }

  // Right-aligned in the right half of the plot, so long names stay inside it.
  void label(double x, double y, const std::string& text) {
    bool right_half = px(x) > (kLeft + kWidth - kRight) / 2;
    svg_ << "<text x=\"" << num(px(x) + (right_half ? -6 : 6)) << "\" y=\"" << num(py(y) - 6)
         << "\" font-size=\"10\" fill=\"#333\" text-anchor=\"" << (right_half ? "end" : "start")
         << "\">" << escape_xml(text) << "</text>\n";
  }

  void legend(const std::vector<std::pair<std::string, std::string>>& entries) {
    double x = kWidth - kRight + 15, y = kTop;
    svg_ << "<rect x=\"" << x << "\" y=\"" << y << "\" width=\"" << kRight - 25 << "\" height=\""
         << 18 * entries.size() + 8 << "\" fill=\"white\" stroke=\"#999\"/>\n";
    for (size_t k = 0; k < entries.size(); ++k) {
      double row = y + 16 + 18.0 * k;
      svg_ << "<line x1=\"" << x + 8 << "\" y1=\"" << row - 4 << "\" x2=\"" << x + 36 << "\" y2=\""
           << row - 4 << "\" stroke=\"" << entries[k].second
           << "\" stroke-width=\"3\"/>\n<text x=\"" << x + 44 << "\" y=\"" << row << "\">"
           << escape_xml(entries[k].first) << "</text>\n";
    }
  }

  std::string finish() { return svg_.str() + "</svg>\n"; }

 private:
  void axes() {
    double bottom = kHeight - kBottom, right = kWidth - kRight;
    svg_ << "<line x1=\"" << kLeft << "\" y1=\"" << bottom << "\" x2=\"" << right << "\" y2=\""
         << bottom << "\" stroke=\"black\"/>\n<line x1=\"" << kLeft << "\" y1=\"" << kTop
         << "\" x2=\"" << kLeft << "\" y2=\"" << bottom << "\" stroke=\"black\"/>\n";
    double xs = tick_step(x1_ - x0_, 8), ys = tick_step(y1_ - y0_, 8);
    for (double x = std::ceil(x0_ / xs - 1e-9) * xs; x <= x1_ + 1e-9; x += xs)
      svg_ << "<line x1=\"" << num(px(x)) << "\" y1=\"" << bottom << "\" x2=\"" << num(px(x))
           << "\" y2=\"" << bottom + 5 << "\" stroke=\"black\"/>\n<text x=\"" << num(px(x))
           << "\" y=\"" << bottom + 18 << "\" text-anchor=\"middle\">" << tick_text(x, xs)
           << "</text>\n";
    for (double y = std::ceil(y0_ / ys - 1e-9) * ys; y <= y1_ + 1e-9; y += ys)
      svg_ << "<line x1=\"" << kLeft << "\" y1=\"" << num(py(y)) << "\" x2=\"" << right
           << "\" y2=\"" << num(py(y)) << "\" stroke=\"#eee\"/>\n<text x=\"" << kLeft - 6
           << "\" y=\"" << num(py(y) + 4) << "\" text-anchor=\"end\">" << tick_text(y, ys)
           << "</text>\n";
  }

  static std::string tick_text(double v, double step) {
    int digits = std::max(0, static_cast<int>(-std::floor(std::log10(step) + 1e-9)));
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.*f", digits, std::abs(v) < 1e-12 ? 0.0 : v);
    return buf;
  }

  double x0_, x1_, y0_, y1_;
  std::ostringstream svg_;
};

// Hull points back in USD, extended flat to the highest price as the area counts it.
std::vector<std::pair<double, double>> raw_cost(const std::vector<CostQuality>& hull, double lo,
                                                double hi) {
  std::vector<std::pair<double, double>> out;
  out.reserve(hull.size() + 1);
  for (const auto& [c, q] : hull) out.emplace_back(lo + c * (hi - lo), q);
  if (!out.empty() && out.back().first < hi) out.emplace_back(hi, out.back().second);
  return out;
}

std::vector<CostQuality> hull_of(const std::vector<CurvePoint>& curve) {
  std::vector<CostQuality> points;
  points.reserve(curve.size());
  for (const auto& p : curve) points.emplace_back(p.cost_norm, p.mean_score);
  return upper_hull(std::move(points));
}

}  // namespace

std::string cost_quality_svg(const EvalResult& r, const std::string& title) {
  auto [lo_it, hi_it] =
      std::minmax_element(r.models.begin(), r.models.end(),
                          [](const auto& a, const auto& b) { return a.price < b.price; });
  double lo = lo_it->price, hi = hi_it->price;
  double y_min = r.oracle.mean_score, y_max = r.oracle.mean_score;
  for (const auto& m : r.models) y_min = std::min(y_min, m.mean_score);
  for (const auto& p : r.curve) y_min = std::min(y_min, p.mean_score);
  double pad = (hi - lo) * 0.03;
  Plot plot(lo - pad, hi + pad, std::max(0.0, y_min - 0.05), std::min(1.0, y_max + 0.05));
  plot.frame(title, "mean cost (USD per million tokens)", "mean score");
  plot.polyline(raw_cost(r.random_mix, lo, hi), "#888888", "6,4");
  plot.polyline(raw_cost(hull_of(r.oracle_curve), lo, hi), "#2a9d4a", "3,3");
  plot.polyline(raw_cost(hull_of(r.curve), lo, hi), "#1f5fbf", "");
  for (const auto& p : r.curve) plot.dot(p.mean_cost, p.mean_score, "#1f5fbf", 1.8);
  for (size_t j = 0; j < r.models.size(); ++j) {
    bool best = static_cast<int>(j) == r.best_single;
    plot.dot(r.models[j].price, r.models[j].mean_score, best ? "#d62728" : "#555555",
             best ? 5 : 3.5);
    plot.label(r.models[j].price, r.models[j].mean_score, r.models[j].model);
  }
  plot.legend({{"router (upper hull; dots: sweep)", "#1f5fbf"},
               {"oracle", "#2a9d4a"},
               {"random mix of single models", "#888888"},
               {"best single model", "#d62728"}});
  return plot.finish();
}

std::string pgr_svg(const EvalResult& r, const std::string& title) {
  if (!r.pair) return {};
  double y_min = 0, y_max = 1;
  for (const auto& [x, pgr] : r.pair->pgr_curve) {
    if (std::isnan(pgr)) continue;
    y_min = std::min(y_min, pgr);
    y_max = std::max(y_max, pgr);
  }
  Plot plot(0, 1, y_min - 0.05, y_max + 0.05);
  plot.frame(title, "share of calls to " + r.models[r.pair->strong].model,
             "performance gap recovered (PGR)");
  plot.polyline({{0, 0}, {1, 1}}, "#888888", "6,4");
  std::vector<std::pair<double, double>> points;
  for (const auto& [x, pgr] : r.pair->pgr_curve)
    if (!std::isnan(pgr)) points.emplace_back(x, pgr);
  plot.polyline(points, "#1f5fbf", "");
  plot.legend({{"router", "#1f5fbf"}, {"random routing (APGR 0.5)", "#888888"}});
  return plot.finish();
}

}  // namespace routeiq::ml
