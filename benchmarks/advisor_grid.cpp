// benchmarks/advisor_grid.cpp — measures the UME / UMT / joint advisors
// (fusion/advisor.hpp: the paper's linear-probe rule; fusion/combined_advisor.hpp:
// the rule with the complementarity C; docs/design.md §3.4, §3.7) on a grid of
// cases where the best strategy is known by training all of them:
// the alpha generator (data/complementarity.hpp) at alpha = 0, 0.2, ..., 1, the
// bit cases with noise, the paired-features task (fusion/paired_features.hpp)
// and, when the data cache of scripts/fetch-data is present, AAV-MNIST at
// sigma = 0, 1, 2, 4 (data/aav_mnist.hpp: raw pixels and log-mel spectrograms;
// its C uses PCA to 8 components per modality, as docs/aav-mnist.md does).
//
// Per case and seed, compare_strategies_advised trains UME, UMT and naive late
// fusion ("joint"; both fused models with default_fused_head()) on one split
// and scores them on its test part; the paper rule and the combined rule
// recommend from the training and validation parts only. Per case: the mean
// test accuracy of each strategy over the seeds with its standard error
// SE = sd / sqrt(seeds), floored at the binomial SE sqrt(p (1 - p) / (seeds *
// test samples)) (three seeds can agree by chance). A recommendation is RIGHT
// when its strategy's mean is within 2 * sqrt(SE_best^2 + SE_rec^2) of the
// best mean (so the best itself is always right). A case is CLEAR when the best
// beats the second by more than 2 * sqrt(SE_best^2 + SE_second^2); a case
// DECIDES when at least one strategy is not within that band of the best (a
// wrong recommendation is then possible).
// Prints the Markdown table of docs/fusion.md "Measuring the advisor".
//
//   advisor_grid [--n 3300] [--seeds 5] [--epochs 20] [--head 64]   (1980 training samples;
//                [--only TEXT] [--no-aav] [--data DIR]                --head 0: linear fused head;
//                                                                    --only: cases whose name has TEXT)
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "mmc/data/aav_mnist.hpp"
#include "mmc/data/complementarity.hpp"
#include "mmc/fusion/combined_advisor.hpp"
#include "mmc/fusion/paired_features.hpp"

namespace {

using namespace mmc;

struct Case {
  std::string name;
  std::function<data::LabelledTask(Index, std::uint64_t)> make;
  Index pca = 0;  ///< the metric's PCA components per modality (0: none)
};

/// The AAV-MNIST cases, or none (with a note on stderr) when the cache is absent.
void add_aav_cases(std::vector<Case>& cases, const std::string& dir) {
  std::shared_ptr<const data::AavPool> pool;
  try {
    pool = std::make_shared<const data::AavPool>(data::load_aav_mnist(dir));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "advisor_grid: AAV-MNIST cases skipped (%s); run scripts/fetch-data to add them\n",
                 e.what());
    return;
  }
  for (const double sigma : {0.0, 1.0, 2.0, 4.0}) {
    char name[64];
    std::snprintf(name, sizeof name, "AAV-MNIST sigma %.0f", sigma);
    cases.push_back({name,
                     [pool, sigma](Index n, std::uint64_t seed) {
                       return data::make_aav_mnist(*pool, data::AavOptions{sigma}, n, seed).task;
                     },
                     8});
  }
}

std::vector<Case> grid(bool aav, const std::string& aav_dir) {
  std::vector<Case> cases;
  for (const double alpha : {0.0, 0.2, 0.4, 0.6, 0.8, 1.0}) {
    char name[32];
    std::snprintf(name, sizeof name, "alpha %.1f", alpha);
    cases.push_back({name, [alpha](Index n, std::uint64_t seed) {
                       data::SyntheticOptions o;
                       o.alpha = alpha;
                       return data::synthetic_task(o, n, seed);
                     }});
  }
  for (const auto which : {data::BitCase::redundant, data::BitCase::unique, data::BitCase::synergy}) {
    cases.push_back({"bits " + std::string(data::bit_case_name(which)) + ", noise 0.3",
                     [which](Index n, std::uint64_t seed) { return data::bits_task(which, n, seed, 0.3); }});
  }
  fusion::PairedFeatureOptions none, paired, xor_only, lazy;
  paired.strong = {0, 0};
  paired.paired_linear = 2;
  paired.paired_shift = 1.5;
  xor_only.strong = {0, 0};
  xor_only.paired_xor = 2;
  // Modality laziness (docs/fusion.md "Modality laziness"): modality 0 is easy,
  // modality 1's XOR pairs must be learned.
  lazy.strong = {2, 0};
  lazy.strong_shift = 3.0;
  lazy.weak = {0, 0};
  lazy.interaction = {0, 2};
  lazy.interaction_shift = 1.5;
  const std::array<std::pair<const char*, fusion::PairedFeatureOptions>, 4> paired_cases = {
      {{"paired features: uni-modal only", none},
       {"paired features: paired linear", paired},
       {"paired features: paired xor", xor_only},
       {"paired features: lazy modality", lazy}}};
  for (const auto& entry : paired_cases) {
    const fusion::PairedFeatureOptions o = entry.second;
    cases.push_back({entry.first, [o](Index n, std::uint64_t seed) {
                       return fusion::paired_features_task(o, n, seed);
                     }});
  }
  if (aav) add_aav_cases(cases, aav_dir);
  return cases;
}

struct Stat {
  double mean = 0.0, se = 0.0;
};

Stat stat(const std::vector<double>& v, Index test_samples) {
  Stat s;
  const auto k = static_cast<double>(v.size());
  for (const double x : v) s.mean += x / k;
  double ss = 0.0;
  for (const double x : v) ss += (x - s.mean) * (x - s.mean);
  const double sd_se = v.size() > 1 ? std::sqrt(ss / (k - 1.0) / k) : 0.0;
  const double binomial = std::sqrt(std::max(s.mean * (1.0 - s.mean), 0.0) / (k * static_cast<double>(test_samples)));
  s.se = std::max(sd_se, binomial);
  return s;
}

const char* kNames[3] = {"ume", "umt", "joint"};

int index_of(std::string_view name) {
  for (int i = 0; i < 3; ++i)
    if (name == kNames[i]) return i;
  return 0;
}

/// "ume ×3" or "ume ×2, joint ×1".
std::string tally(const std::vector<int>& picks) {
  std::string out;
  for (int i = 0; i < 3; ++i) {
    const auto count = std::count(picks.begin(), picks.end(), i);
    if (count == 0) continue;
    if (!out.empty()) out += ", ";
    out += std::string(kNames[i]) + " ×" + std::to_string(count);
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  Index n = 3300;
  int seeds = 5, epochs = 20;
  std::vector<Index> head = fusion::default_fused_head();
  bool aav = true;
  std::string aav_dir, only;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--n") && i + 1 < argc) n = std::atol(argv[++i]);
    else if (!std::strcmp(argv[i], "--seeds") && i + 1 < argc) seeds = std::atoi(argv[++i]);
    else if (!std::strcmp(argv[i], "--epochs") && i + 1 < argc) epochs = std::atoi(argv[++i]);
    else if (!std::strcmp(argv[i], "--head") && i + 1 < argc) {
      const long width = std::atol(argv[++i]);
      head = width > 0 ? std::vector<Index>{static_cast<Index>(width)} : std::vector<Index>{};
    }
    else if (!std::strcmp(argv[i], "--only") && i + 1 < argc) only = argv[++i];
    else if (!std::strcmp(argv[i], "--no-aav")) aav = false;
    else if (!std::strcmp(argv[i], "--data") && i + 1 < argc) aav_dir = argv[++i];
    else {
      std::fprintf(stderr, "usage: advisor_grid [--n N] [--seeds S] [--epochs E] [--head W] [--only TEXT] "
                           "[--no-aav] [--data DIR]\n");
      return 2;
    }
  }
  if (n < 100 || seeds < 2 || epochs < 1) {
    std::fprintf(stderr, "advisor_grid: need --n >= 100, --seeds >= 2, --epochs >= 1\n");
    return 2;
  }
  std::printf("N = %ld (train 60 %%, validation 20 %%, test 20 %%), %d seeds, %d epochs, fused head %s\n\n",
              static_cast<long>(n), seeds, epochs,
              head.empty() ? "linear" : (std::to_string(head.front()) + " hidden").c_str());
  std::printf("| case | C: mean (range) | UME | UMT | joint | best | paper rule | right | combined rule | right |\n");
  std::printf("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n");
  int clear_cases = 0, combined_clear_right = 0, paper_clear_right = 0;
  int deciding_cases = 0, combined_deciding_right = 0, paper_deciding_right = 0;
  int combined_right_total = 0, paper_right_total = 0;
  std::vector<Case> cases = grid(aav, aav_dir);
  if (!only.empty()) {
    std::erase_if(cases, [&only](const Case& c) { return c.name.find(only) == std::string::npos; });
  }
  for (const Case& c : cases) {
    std::array<std::vector<double>, 3> acc;
    std::vector<int> paper, combined;
    double metric = 0.0, metric_low = 1e300, metric_high = -1e300;
    Index test_samples = 0;
    for (int seed = 0; seed < seeds; ++seed) {
      const auto task = c.make(n, static_cast<std::uint64_t>(seed));
      fusion::StrategyOptions o;
      o.train.seed = static_cast<std::uint64_t>(seed);
      o.train.epochs = epochs;
      o.train.head_hidden = head;
      o.train.threads = 1;
      o.probe.seed = static_cast<std::uint64_t>(seed);
      metric::ComplementarityOptions co;
      co.threads = 1;
      co.pca = c.pca;
      const auto a = fusion::compare_strategies_advised(task.modalities, task.labels, o, co);
      acc[0].push_back(a.report.ume);
      acc[1].push_back(a.report.umt);
      acc[2].push_back(a.report.naive);
      test_samples = a.report.test_samples;
      paper.push_back(index_of(fusion::strategy_name(a.report.advisor.recommendation)));
      combined.push_back(index_of(fusion::verdict_name(a.advice.verdict)));
      metric += a.advice.metric / seeds;
      metric_low = std::min(metric_low, a.advice.metric);
      metric_high = std::max(metric_high, a.advice.metric);
    }
    std::array<Stat, 3> s;
    for (int i = 0; i < 3; ++i) s[i] = stat(acc[i], test_samples);
    std::array<int, 3> order = {0, 1, 2};
    std::sort(order.begin(), order.end(), [&s](int a, int b) { return s[a].mean > s[b].mean; });
    const int best = order[0], second = order[1];
    const auto within = [&s, best](int i) {
      return s[best].mean - s[i].mean <= 2.0 * std::hypot(s[best].se, s[i].se);
    };
    const bool clear = !within(second);
    const auto rights = [&within](const std::vector<int>& picks) {
      return static_cast<int>(std::count_if(picks.begin(), picks.end(), within));
    };
    const int paper_right = rights(paper), combined_right = rights(combined);
    paper_right_total += paper_right;
    combined_right_total += combined_right;
    if (!within(order[2])) {
      ++deciding_cases;
      paper_deciding_right += paper_right == seeds;
      combined_deciding_right += combined_right == seeds;
    }
    if (clear) {
      ++clear_cases;
      paper_clear_right += paper_right == seeds;
      combined_clear_right += combined_right == seeds;
    }
    std::string best_text = kNames[best];
    for (int i = 0; i < 3; ++i)
      if (i != best && within(i)) best_text += " ≈ " + std::string(kNames[i]);
    if (clear) best_text += " (clear)";
    std::printf("| %s | %.2f (%.2f–%.2f) | %.3f ± %.3f | %.3f ± %.3f | %.3f ± %.3f | %s | %s | %d/%d | %s | %d/%d |\n",
                c.name.c_str(), metric, metric_low, metric_high, s[0].mean, s[0].se, s[1].mean, s[1].se, s[2].mean, s[2].se,
                best_text.c_str(), tally(paper).c_str(), paper_right, seeds, tally(combined).c_str(),
                combined_right, seeds);
    std::fflush(stdout);
  }
  std::printf("\nclear cases (best > second + 2 SE): %d; right on every seed there: paper rule %d, combined rule %d\n",
              clear_cases, paper_clear_right, combined_clear_right);
  std::printf("deciding cases (some strategy > 2 SE below the best): %d; right on every seed there: paper rule %d, "
              "combined rule %d\n",
              deciding_cases, paper_deciding_right, combined_deciding_right);
  std::printf("right recommendations over all cases and seeds: paper rule %d, combined rule %d (of %d)\n",
              paper_right_total, combined_right_total, static_cast<int>(cases.size()) * seeds);
  return 0;
}
