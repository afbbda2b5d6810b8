// benchmarks/aav_mnist_experiment.cpp — the paper's AAV-MNIST experiment (§5.2)
// on real data (docs/aav-mnist.md "Results"; docs/design.md §3.4 metric, §3.5
// data, §3.6 robustness). For each σ and seed, mmc/experiments/aav_mnist.hpp
// (the same code `mmc demo` runs):
//   1. draw a train set from the train pool and a test set from the test pool
//      (split_aav_mnist, test fraction 0.2, split seed 1: no image or
//      utterance in both);
//   2. complementarity C on the learned features (data/aav_features.hpp: one
//      uni-modal MLP per modality trained on that modality's own digit,
//      32-D penultimate layer; one pair of encoders per seed, shared by all σ)
//      of the test set, with the knn backend (PCA to --pca components per
//      modality; m-out-of-n bootstrap interval) and the cene backend
//      (optionally mine);
//   3. late-fusion robustness: a late-fusion MLP trained on the raw train set
//      (784 pixels + 1024 log-mel values), evaluated on the raw test set clean,
//      with one modality missing (training mean), noisy (N(0, 0.5²) in input
//      units, clipped to the training range) and under FGSM (ε = 0.03 in input
//      units).
// Writes DIR/aav_mnist.csv (one row per σ and seed), DIR/aav_mnist.md (per σ:
// mean over seeds ± the half-width of a 95 % Student-t interval across seeds,
// which covers data draws, encoders and training randomness together) and DIR/aav_mnist_c.svg, DIR/aav_mnist_robustness.svg.
//
//   aav_mnist_experiment [--data DIR] [--out DIR] [--sigmas 0,0.5,...] [--seeds 3]
//                        [--n-train 3000] [--n-test 2000] [--pca 8] [--bootstrap 20]
//                        [--no-cene] [--mine] [--pca-sweep] [--threads 1]
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <mmc/data/aav_features.hpp>
#include <mmc/data/aav_mnist.hpp>
#include <mmc/data/atomic_file.hpp>
#include <mmc/experiments/aav_mnist.hpp>
#include <mmc/fusion/robustness.hpp>
#include <mmc/metric/complementarity.hpp>

#include "../tools/mmc/svg_plot.hpp"

namespace {

using mmc::Index;

struct Config {
  std::filesystem::path data, out = "aav-mnist-results";
  std::vector<double> sigmas = {0, 0.5, 1, 1.5, 2, 3, 4};
  int seeds = 3;
  Index n_train = 3000, n_test = 2000, pca = 8, bootstrap = 20;
  bool cene = true, mine = false, pca_sweep = false;
  int threads = 1;
};

struct Row {
  double sigma = 0;
  int seed = 0;
  double c_true = 0, c_knn = 0, c_knn_lo = 0, c_knn_hi = 0, c_cene = NAN, c_mine = NAN;
  double clean = 0, missing = 0, missing_image = 0, missing_audio = 0, noisy = 0, adversarial = 0;
  double r_missing = 0, r_noisy = 0, r_adversarial = 0;
  Index dropped_image = 0, dropped_audio = 0;
  std::string units;
  std::vector<std::string> warnings;
};

std::vector<double> parse_list(const std::string& text) {
  std::vector<double> out;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) out.push_back(std::stod(item));
  return out;
}

Config parse(int argc, char** argv) {
  Config c;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) throw std::invalid_argument("option " + a + " needs a value");
      return argv[++i];
    };
    if (a == "--data") c.data = value();
    else if (a == "--out") c.out = value();
    else if (a == "--sigmas") c.sigmas = parse_list(value());
    else if (a == "--seeds") c.seeds = std::stoi(value());
    else if (a == "--n-train") c.n_train = std::stol(value());
    else if (a == "--n-test") c.n_test = std::stol(value());
    else if (a == "--pca") c.pca = std::stol(value());
    else if (a == "--bootstrap") c.bootstrap = std::stol(value());
    else if (a == "--threads") c.threads = std::stoi(value());
    else if (a == "--no-cene") c.cene = false;
    else if (a == "--mine") c.mine = true;
    else if (a == "--pca-sweep") c.pca_sweep = true;
    else throw std::invalid_argument("unknown option " + a + " (see the header of aav_mnist_experiment.cpp)");
  }
  return c;
}

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

std::string fmt(double v, int digits = 3) {
  if (!std::isfinite(v)) return "";
  char b[32];
  std::snprintf(b, sizeof b, "%.*f", digits, v);
  return b;
}

mmc::metric::ComplementarityResult complementarity(const mmc::data::LabelledTask& t, mmc::metric::Backend backend,
                                                   Index pca, Index bootstrap, std::uint64_t seed, int threads) {
  mmc::metric::ComplementarityOptions o;
  o.backend = backend;
  o.pca = pca;
  o.bootstrap = bootstrap;
  o.seed = seed;
  o.threads = threads;
  return mmc::metric::Complementarity(o).estimate(t.modalities, t.labels);
}

struct Stats {
  double mean = 0, lo = 0, hi = 0, half_width = 0;
};

/// Two-sided 95 % Student-t quantile t_{0.975, dof} (dof >= 1).
double student_t_975(int dof) {
  static const double table[] = {12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228};
  return dof <= 10 ? table[dof - 1] : 1.96 + 2.4 / dof;  // the 1/dof tail is within 1 % for dof > 10
}

Stats stats(const std::vector<double>& v) {
  Stats s{0, INFINITY, -INFINITY, NAN};
  std::vector<double> finite;
  for (double x : v)
    if (std::isfinite(x)) finite.push_back(x);
  if (finite.empty()) return {NAN, NAN, NAN, NAN};
  for (double x : finite) s.mean += x, s.lo = std::min(s.lo, x), s.hi = std::max(s.hi, x);
  const auto n = static_cast<int>(finite.size());
  s.mean /= n;
  if (n > 1) {
    double ss = 0;
    for (double x : finite) ss += (x - s.mean) * (x - s.mean);
    s.half_width = student_t_975(n - 1) * std::sqrt(ss / (n - 1) / n);
  }
  return s;
}

std::string cell(const Stats& s) {
  if (!std::isfinite(s.mean)) return "–";
  if (!std::isfinite(s.half_width)) return fmt(s.mean);
  return fmt(s.mean) + " ± " + fmt(s.half_width);
}

}  // namespace

int main(int argc, char** argv) try {
  const Config cfg = parse(argc, argv);
  const auto start = std::chrono::steady_clock::now();
  const auto pool = mmc::data::load_aav_mnist(cfg.data);
  const auto split = mmc::data::split_aav_mnist(pool, 0.2, 1);
  std::fprintf(stderr, "loaded the cache in %.1f s\n", seconds_since(start));
  std::filesystem::create_directories(cfg.out);

  std::vector<Row> rows;
  std::ostringstream sweep;  // --pca-sweep: C_knn at several PCA sizes
  for (int seed = 0; seed < cfg.seeds; ++seed) {
    mmc::data::AavFeatureOptions fo;
    fo.seed = static_cast<std::uint64_t>(seed);
    fo.threads = cfg.threads;
    auto t0 = std::chrono::steady_clock::now();
    auto encoders = mmc::data::fit_aav_feature_extractors(split.train, fo);
    std::fprintf(stderr, "seed %d: encoders in %.1f s (train accuracy image %.3f, audio %.3f)\n", seed,
                 seconds_since(t0), encoders.image_train_accuracy, encoders.audio_train_accuracy);
    for (double sigma : cfg.sigmas) {
      t0 = std::chrono::steady_clock::now();
      const auto s = static_cast<std::uint64_t>(seed);
      mmc::experiments::AavPointOptions po;
      po.n_train = cfg.n_train;
      po.n_test = cfg.n_test;
      po.pca = cfg.pca;
      po.bootstrap = cfg.bootstrap;
      po.cene = cfg.cene;
      po.mine = cfg.mine;
      po.threads = cfg.threads;
      const auto point = mmc::experiments::run_aav_mnist_point(split, encoders, sigma, s, po);
      Row r;
      r.sigma = sigma;
      r.seed = seed;
      r.c_true = point.c_true;
      r.c_knn = point.knn.metric;
      r.c_knn_lo = point.knn.replicates > 0 ? point.knn.metric_interval.lower : NAN;
      r.c_knn_hi = point.knn.replicates > 0 ? point.knn.metric_interval.upper : NAN;
      r.dropped_image = point.knn.dropped_columns[0];
      r.dropped_audio = point.knn.dropped_columns[1];
      for (const auto& w : point.knn.warnings) r.warnings.push_back("knn: " + w);
      if (point.cene) {
        r.c_cene = point.cene->metric;
        for (const auto& w : point.cene->warnings) r.warnings.push_back("cene: " + w);
      }
      if (point.mine) {
        r.c_mine = point.mine->metric;
        for (const auto& w : point.mine->warnings) r.warnings.push_back("mine: " + w);
      }
      if (cfg.pca_sweep && seed == 0) {
        const auto test = mmc::data::make_aav_mnist(split.test, {.sigma = sigma}, cfg.n_test, 200 + s);
        const auto features = mmc::data::aav_features(encoders, test);
        for (Index p : {Index(2), Index(4), Index(8), Index(16), Index(0)}) {
          const auto c = complementarity(features, mmc::metric::Backend::knn, p, 0, s, cfg.threads);
          sweep << "| " << fmt(sigma, 1) << " | " << (p == 0 ? std::string("none (32)") : std::to_string(p))
                << " | " << fmt(c.metric) << " | " << fmt(c.joint_mi) << " | " << fmt(c.h_y) << " |\n";
        }
      }
      const auto& rob = point.robustness;
      r.clean = rob.clean;
      r.missing = rob.missing;
      r.missing_image = rob.per_modality[0].missing;
      r.missing_audio = rob.per_modality[1].missing;
      r.noisy = rob.noisy;
      r.adversarial = rob.adversarial;
      r.r_missing = rob.robustness_missing;
      r.r_noisy = rob.robustness_noisy;
      r.r_adversarial = rob.robustness_adversarial;
      r.units = std::string(mmc::fusion::units_name(rob.units));
      std::fprintf(stderr,
                   "sigma %.1f seed %d: C true %.3f knn %.3f cene %.3f | clean %.3f missing %.3f noisy %.3f "
                   "fgsm %.3f (%.1f s)\n",
                   sigma, seed, r.c_true, r.c_knn, r.c_cene, r.clean, r.missing, r.noisy, r.adversarial,
                   seconds_since(t0));
      rows.push_back(std::move(r));
    }
  }
  const double total = seconds_since(start);

  // CSV: one row per σ and seed.
  std::ostringstream csv;
  csv << "sigma,seed,c_true,c_knn,c_knn_lower,c_knn_upper,c_cene,c_mine,clean,missing,missing_image,"
         "missing_audio,noisy,adversarial,robustness_missing,robustness_noisy,robustness_adversarial,"
         "dropped_image,dropped_audio,units,warnings\n";
  for (const auto& r : rows) {
    csv << r.sigma << ',' << r.seed << ',' << fmt(r.c_true, 5) << ',' << fmt(r.c_knn, 5) << ','
        << fmt(r.c_knn_lo, 5) << ',' << fmt(r.c_knn_hi, 5) << ',' << fmt(r.c_cene, 5) << ',' << fmt(r.c_mine, 5)
        << ',' << fmt(r.clean, 4) << ',' << fmt(r.missing, 4) << ',' << fmt(r.missing_image, 4) << ','
        << fmt(r.missing_audio, 4) << ',' << fmt(r.noisy, 4) << ',' << fmt(r.adversarial, 4) << ','
        << fmt(r.r_missing, 4) << ',' << fmt(r.r_noisy, 4) << ',' << fmt(r.r_adversarial, 4) << ','
        << r.dropped_image << ',' << r.dropped_audio << ',' << r.units << ',' << r.warnings.size() << '\n';
  }
  mmc::data::write_file_atomically((cfg.out / "aav_mnist.csv").string(), csv.str());

  // Markdown: per σ, the mean over seeds and [min, max] across seeds.
  std::ostringstream md;
  md << "Command: `aav_mnist_experiment";
  for (int i = 1; i < argc; ++i) md << ' ' << argv[i];
  md << "` (" << cfg.seeds << " seeds, n_train " << cfg.n_train << ", n_test " << cfg.n_test << ", knn pca "
     << cfg.pca << ", bootstrap " << cfg.bootstrap << "; " << fmt(total, 0) << " s)\n\n";
  md << "Mean over seeds ± the half-width of a 95 % Student-t interval across seeds (each seed draws "
        "new train/test sets and trains new encoders and models). C knn bootstrap: the mean of the "
        "per-seed 95 % m-out-of-n bootstrap bounds (sampling spread of one test set only).\n\n";
  md << "| σ | C true (class level) | C knn | C knn bootstrap | C cene |" << (cfg.mine ? " C mine |" : "")
     << " clean acc | missing acc | missing image / audio | noisy acc | FGSM acc | robustness missing |\n";
  md << "| --- | --- | --- | --- | --- |" << (cfg.mine ? " --- |" : "") << " --- | --- | --- | --- | --- | --- |\n";
  std::vector<double> xs, c_knn, c_cene, c_mine, c_true, rob_missing, rob_noisy, rob_adv;
  for (double sigma : cfg.sigmas) {
    std::map<std::string, std::vector<double>> v;
    for (const auto& r : rows) {
      if (r.sigma != sigma) continue;
      v["true"].push_back(r.c_true), v["knn"].push_back(r.c_knn), v["lo"].push_back(r.c_knn_lo);
      v["hi"].push_back(r.c_knn_hi), v["cene"].push_back(r.c_cene), v["mine"].push_back(r.c_mine);
      v["clean"].push_back(r.clean), v["missing"].push_back(r.missing);
      v["mi"].push_back(r.missing_image), v["ma"].push_back(r.missing_audio);
      v["noisy"].push_back(r.noisy), v["adv"].push_back(r.adversarial), v["rm"].push_back(r.r_missing);
      v["rn"].push_back(r.r_noisy), v["ra"].push_back(r.r_adversarial);
    }
    md << "| " << fmt(sigma, 1) << " | " << fmt(stats(v["true"]).mean) << " | " << cell(stats(v["knn"])) << " | ["
       << fmt(stats(v["lo"]).mean) << ", " << fmt(stats(v["hi"]).mean) << "] | " << cell(stats(v["cene"])) << " | "
       << (cfg.mine ? cell(stats(v["mine"])) + " | " : "") << cell(stats(v["clean"])) << " | "
       << cell(stats(v["missing"])) << " | " << fmt(stats(v["mi"]).mean) << " / " << fmt(stats(v["ma"]).mean)
       << " | " << cell(stats(v["noisy"])) << " | " << cell(stats(v["adv"])) << " | " << cell(stats(v["rm"]))
       << " |\n";
    xs.push_back(sigma);
    c_true.push_back(stats(v["true"]).mean), c_knn.push_back(stats(v["knn"]).mean);
    c_cene.push_back(stats(v["cene"]).mean), c_mine.push_back(stats(v["mine"]).mean);
    rob_missing.push_back(stats(v["rm"]).mean), rob_noisy.push_back(stats(v["rn"]).mean);
    rob_adv.push_back(stats(v["ra"]).mean);
  }
  Index dropped_max = 0;
  std::size_t warned = 0;
  for (const auto& r : rows) {
    dropped_max = std::max({dropped_max, r.dropped_image, r.dropped_audio});
    warned += r.warnings.size();
  }
  md << "\nConstant (dead-ReLU) feature columns dropped by the metric: at most " << dropped_max
     << " per modality; metric warnings in all runs: " << warned << ".\n";
  if (cfg.pca_sweep) {
    md << "\nPCA sweep (seed 0, knn backend, no bootstrap):\n\n| σ | PCA per modality | C knn | I(X_all; Y) | "
          "H(Y) |\n| --- | --- | --- | --- | --- |\n"
       << sweep.str();
  }
  mmc::data::write_file_atomically((cfg.out / "aav_mnist.md").string(), md.str());

  mmc::cli::PlotSpec c_plot{"AAV-MNIST: complementarity vs sigma", "sigma", "C", {}};
  c_plot.series.push_back({"class-level truth", xs, c_true, {}, true});
  c_plot.series.push_back({"knn (pca " + std::to_string(cfg.pca) + ")", xs, c_knn, {}, true});
  if (cfg.cene) c_plot.series.push_back({"cene", xs, c_cene, {}, true});
  if (cfg.mine) c_plot.series.push_back({"mine", xs, c_mine, {}, true});
  mmc::cli::write_svg((cfg.out / "aav_mnist_c.svg").string(), c_plot);
  mmc::cli::PlotSpec r_plot{"AAV-MNIST: late-fusion robustness vs sigma", "sigma", "perturbed / clean accuracy", {}};
  r_plot.series.push_back({"missing", xs, rob_missing, {}, true});
  r_plot.series.push_back({"noisy (0.5, input units)", xs, rob_noisy, {}, true});
  r_plot.series.push_back({"FGSM (0.03, input units)", xs, rob_adv, {}, true});
  mmc::cli::write_svg((cfg.out / "aav_mnist_robustness.svg").string(), r_plot);
  std::cout << md.str();
  std::fprintf(stderr, "total %.1f s; wrote %s\n", total, cfg.out.string().c_str());
  return 0;
} catch (const std::exception& e) {
  std::cerr << "aav_mnist_experiment: error: " << e.what() << "\n";
  return 2;
}
