// tools/mmc/svg_plot.hpp — a dependency-free SVG line/scatter plot, enough for
// the demo's "metric vs robustness" figure and the benchmark plots. Each series
// is a polyline with point markers and optional point labels; axes get five
// ticks. Not a plotting library: just readable figures without Python.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include <mmc/core/errors.hpp>
#include <mmc/data/atomic_file.hpp>

namespace mmc::cli {

struct PlotSeries {
  std::string name;
  std::vector<double> x, y;
  std::vector<std::string> labels;  // optional, one per point
  bool line = true;
};

struct PlotSpec {
  std::string title, x_label, y_label;
  std::vector<PlotSeries> series;
  bool log_x = false, log_y = false;
  /// Optional reference line y = x (estimate vs truth plots).
  bool diagonal = false;
};

namespace detail {

inline std::string svg_escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '<') out += "&lt;";
    else if (c == '>') out += "&gt;";
    else if (c == '&') out += "&amp;";
    else out += c;
  }
  return out;
}

/// A "nice" tick step (1, 2 or 5 times a power of ten) giving about `count` ticks.
inline double nice_step(double span, int count) {
  const double raw = span / count;
  const double power = std::pow(10.0, std::floor(std::log10(raw)));
  const double fraction = raw / power;
  return (fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10) * power;
}

inline std::string tick_text(double v) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.3g", v);
  return buffer;
}

}  // namespace detail

/// The SVG document for a plot.
inline std::string render_svg(const PlotSpec& spec) {
  const double width = 640, height = 440, left = 70, right = 170, top = 40, bottom = 60;
  auto tx = [&](double v) { return spec.log_x ? std::log10(v) : v; };
  auto ty = [&](double v) { return spec.log_y ? std::log10(v) : v; };
  double x0 = std::numeric_limits<double>::infinity(), x1 = -x0, y0 = x0, y1 = -x0;
  for (const auto& s : spec.series) {
    for (std::size_t i = 0; i < s.x.size(); ++i) {
      if (!std::isfinite(tx(s.x[i])) || !std::isfinite(ty(s.y[i]))) continue;
      x0 = std::min(x0, tx(s.x[i])), x1 = std::max(x1, tx(s.x[i]));
      y0 = std::min(y0, ty(s.y[i])), y1 = std::max(y1, ty(s.y[i]));
    }
  }
  if (!std::isfinite(x0)) x0 = 0, x1 = 1, y0 = 0, y1 = 1;
  if (spec.diagonal) x0 = y0 = std::min(x0, y0), x1 = y1 = std::max(x1, y1);
  // Round the ranges outwards to multiples of a nice tick step.
  if (!(x1 > x0)) x0 -= 0.5, x1 += 0.5;
  if (!(y1 > y0)) y0 -= 0.5, y1 += 0.5;
  const double step_x = detail::nice_step(x1 - x0, 5), step_y = detail::nice_step(y1 - y0, 5);
  x0 = std::floor(x0 / step_x) * step_x, x1 = std::ceil(x1 / step_x) * step_x;
  y0 = std::floor(y0 / step_y) * step_y, y1 = std::ceil(y1 / step_y) * step_y;
  const double plot_w = width - left - right, plot_h = height - top - bottom;
  auto px = [&](double v) { return left + (tx(v) - x0) / (x1 - x0) * plot_w; };
  auto py = [&](double v) { return top + plot_h - (ty(v) - y0) / (y1 - y0) * plot_h; };
  static const char* colors[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd",
                                 "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};
  std::ostringstream svg;
  svg << "<svg xmlns='http://www.w3.org/2000/svg' width='" << width << "' height='" << height
      << "' font-family='sans-serif' font-size='12'>\n"
      << "<rect width='100%' height='100%' fill='white'/>\n"
      << "<text x='" << left + plot_w / 2 << "' y='22' text-anchor='middle' font-size='15'>"
      << detail::svg_escape(spec.title) << "</text>\n"
      << "<rect x='" << left << "' y='" << top << "' width='" << plot_w << "' height='" << plot_h
      << "' fill='none' stroke='black'/>\n";
  for (double gx = x0; gx <= x1 + 1e-9 * step_x; gx += step_x) {
    const double sx = left + (gx - x0) / (x1 - x0) * plot_w;
    svg << "<line x1='" << sx << "' y1='" << top << "' x2='" << sx << "' y2='" << top + plot_h
        << "' stroke='#ddd'/><text x='" << sx << "' y='" << top + plot_h + 16
        << "' text-anchor='middle'>" << detail::tick_text(spec.log_x ? std::pow(10, gx) : gx)
        << "</text>\n";
  }
  for (double gy = y0; gy <= y1 + 1e-9 * step_y; gy += step_y) {
    const double sy = top + plot_h - (gy - y0) / (y1 - y0) * plot_h;
    svg << "<line x1='" << left << "' y1='" << sy << "' x2='" << left + plot_w << "' y2='" << sy
        << "' stroke='#ddd'/><text x='" << left - 6 << "' y='" << sy + 4
        << "' text-anchor='end'>" << detail::tick_text(spec.log_y ? std::pow(10, gy) : gy)
        << "</text>\n";
  }
  svg << "<text x='" << left + plot_w / 2 << "' y='" << height - 18 << "' text-anchor='middle'>"
      << detail::svg_escape(spec.x_label) << "</text>\n"
      << "<text transform='translate(18," << top + plot_h / 2
      << ") rotate(-90)' text-anchor='middle'>" << detail::svg_escape(spec.y_label) << "</text>\n";
  if (spec.diagonal) {
    svg << "<line x1='" << px(spec.log_x ? std::pow(10, x0) : x0) << "' y1='"
        << py(spec.log_y ? std::pow(10, x0) : x0) << "' x2='" << px(spec.log_x ? std::pow(10, x1) : x1)
        << "' y2='" << py(spec.log_y ? std::pow(10, x1) : x1)
        << "' stroke='#999' stroke-dasharray='4 3'/>\n";
  }
  for (std::size_t s = 0; s < spec.series.size(); ++s) {
    const auto& series = spec.series[s];
    const char* color = colors[s % 10];
    std::ostringstream points;
    for (std::size_t i = 0; i < series.x.size(); ++i) {
      if (!std::isfinite(tx(series.x[i])) || !std::isfinite(ty(series.y[i]))) continue;
      points << px(series.x[i]) << "," << py(series.y[i]) << " ";
      svg << "<circle cx='" << px(series.x[i]) << "' cy='" << py(series.y[i]) << "' r='3.5' fill='"
          << color << "'/>\n";
      if (i < series.labels.size()) {
        svg << "<text x='" << px(series.x[i]) + 5 << "' y='" << py(series.y[i]) - 5
            << "' font-size='10' fill='" << color << "'>" << detail::svg_escape(series.labels[i])
            << "</text>\n";
      }
    }
    if (series.line)
      svg << "<polyline fill='none' stroke='" << color << "' stroke-width='1.5' points='"
          << points.str() << "'/>\n";
    const double ly = top + 14 + 18.0 * static_cast<double>(s);
    svg << "<rect x='" << left + plot_w + 12 << "' y='" << ly - 9 << "' width='12' height='12' fill='"
        << color << "'/><text x='" << left + plot_w + 30 << "' y='" << ly + 1 << "'>"
        << detail::svg_escape(series.name) << "</text>\n";
  }
  svg << "</svg>\n";
  return svg.str();
}

/// Writes the plot to `path`, replacing the file atomically (mmc/data/atomic_file.hpp):
/// every write is checked, and on failure the file keeps its old content and
/// mmc::io_error names the path and the reason (docs/design.md §5).
inline void save_svg(const std::string& path, const PlotSpec& spec) {
  data::write_file_atomically(path, render_svg(spec), "mmc::cli::save_svg");
}

/// As save_svg, for callers that can do without the figure (the benchmark
/// reports): returns false instead of throwing when it cannot be written, and
/// the file is then unchanged. Never reports a file it did not completely write.
inline bool write_svg(const std::string& path, const PlotSpec& spec) {
  try {
    save_svg(path, spec);
    return true;
  } catch (const io_error&) {
    return false;
  }
}

}  // namespace mmc::cli
