// tools/mmc/progress.hpp — a progress bar on stderr for training runs, shown
// only when stderr is a terminal and --quiet is not given (docs/design.md §5).
#pragma once

#include <unistd.h>

#include <cstdio>
#include <string>

namespace mmc::cli {

class ProgressBar {
 public:
  ProgressBar(std::string label, bool enabled)
      : label_(std::move(label)), enabled_(enabled && isatty(STDERR_FILENO) == 1) {}
  ~ProgressBar() { finish(); }

  bool enabled() const noexcept { return enabled_; }

  /// Redraws the bar at `done` of `total` steps with an optional value.
  void update(long long done, long long total, double value) {
    if (!enabled_ || total <= 0) return;
    const int width = 30;
    const int filled = static_cast<int>(width * done / total);
    if (filled == last_filled_ && done != total) return;
    last_filled_ = filled;
    std::fprintf(stderr, "\r%s [%s%s] %lld/%lld  estimate %.4f", label_.c_str(),
                 std::string(static_cast<std::size_t>(filled), '#').c_str(),
                 std::string(static_cast<std::size_t>(width - filled), ' ').c_str(), done, total,
                 value);
    std::fflush(stderr);
    drawn_ = true;
  }

  void finish() {
    if (drawn_) std::fputc('\n', stderr);
    drawn_ = false;
  }

 private:
  std::string label_;
  bool enabled_;
  bool drawn_ = false;
  int last_filled_ = -1;
};

}  // namespace mmc::cli
