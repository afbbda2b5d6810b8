// tools/mmc/cmd_generate.cpp — `mmc generate`: write a task with known ground
// truth (docs/design.md §3.5) to a folder: x.npy + y.npy for MI tasks, modality_<i>.npy
// + labels.npy for labelled tasks, and truth.json with the closed forms.
//
// Output that never lies (docs/design.md §5): every option, including the
// size limits below, is checked before any work; the data set is generated in
// memory, then every file is written completely to a temporary file in the
// output folder (mmc/data/atomic_file.hpp: each write, flush and close checked),
// and only when all of them are complete are they renamed into place, truth.json
// last. A failure before that point (full disk, no permission, a bad value)
// leaves the folder exactly as it was. Finally the files of the *other* format
// that the same task writes (x.csv when writing x.npy, ...) are removed, so a
// folder never mixes two data sets; no other file is touched.
#include <algorithm>
#include <array>
#include <cmath>
#include <filesystem>
#include <string>
#include <system_error>
#include <vector>

#include <mmc/data/aav_mnist.hpp>
#include <mmc/data/atomic_file.hpp>
#include <mmc/data/complementarity.hpp>
#include <mmc/data/digits.hpp>
#include <mmc/data/gaussian.hpp>
#include <mmc/data/json.hpp>
#include <mmc/data/matrix_file.hpp>
#include <mmc/data/student.hpp>
#include <mmc/data/transforms.hpp>
#include <mmc/fusion/paired_features.hpp>

#include "commands.hpp"
#include "command_support.hpp"

namespace mmc::cli {

namespace {

const std::vector<std::string> kTasks = {"gaussian", "student", "synthetic", "bits", "digits", "aav-mnist",
                                         "paired-features"};

// The options only `paired-features` reads (rejected for every other task).
const std::vector<std::string> kPairedOptions = {
    "strong", "weak", "rare", "interaction", "distractors", "paired-linear", "paired-xor",
    "strong-shift", "weak-shift", "rare-rate", "rare-shift", "interaction-shift", "paired-shift",
    "nuisance-sd", "paired-noise", "xor-shift"};

data::Json key_values_json(const data::KeyValues& values) {
  data::Json object = data::Json::object();
  for (const auto& [key, value] : values) object.set(key, value);
  return object;
}

// Size limits, checked before anything is allocated (docs/design.md §5): a
// typo such as --n 1000000000000 is a one-line usage error naming the option,
// not an out-of-memory crash minutes later.
constexpr long long kMaxColumns = 4096;             // --dim, --d, --d1, --d2
constexpr long long kMaxValues = 1LL << 28;         // n x (columns of all files): 2 GiB as doubles
constexpr const char* kMaxValuesText = "268435456 (2^28: 2 GiB as doubles)";

/// A dimension option in [1, kMaxColumns].
long long dimension_option(const ParsedArgs& args, const std::string& name, long long fallback) {
  const long long value = args.get_int(name, fallback);
  if (value < 1 || value > kMaxColumns) {
    throw UsageError("option '--" + name + "' has value " + std::to_string(value) +
                     "; expected a dimension from 1 to " + std::to_string(kMaxColumns) +
                     " (mmc generate's limit)");
  }
  return value;
}

/// Checks --n against the limit on the values of the whole data set.
void check_size(long long n, long long columns) {
  if (n < 1) {
    throw UsageError("option '--n' has value " + std::to_string(n) + "; expected at least 1 sample");
  }
  if (n > kMaxValues / columns) {
    throw UsageError("option '--n' has value " + std::to_string(n) + ": with " + std::to_string(columns) +
                     " columns (all files together) that is more than mmc generate's limit of " +
                     kMaxValuesText + " values; use --n " + std::to_string(kMaxValues / columns) +
                     " or less");
  }
}

std::filesystem::path prepare_output(const std::filesystem::path& out) {
  std::error_code error;
  std::filesystem::create_directories(out, error);
  if (error || !std::filesystem::is_directory(out)) {
    throw UsageError("option '--out': cannot create folder " +
                     data::detail::quote_for_message(out.string(), 200) + ": " +
                     (error ? error.message() : std::string("a file of that name exists")));
  }
  return out;
}

/// The files of one data set, each written completely to a temporary file
/// before any of them is put in place (see the header comment).
class StagedDataSet {
 public:
  StagedDataSet(std::filesystem::path folder, std::string ext)
      : folder_(std::move(folder)), ext_(std::move(ext)) {}

  /// Writes a matrix (or labels) as <stem><ext>, complete and closed, not yet in place.
  template <class Derived>
  void add_matrix(const std::string& stem, const Eigen::DenseBase<Derived>& m) {
    data::AtomicFile& file =
        files_.emplace_back(folder_ / (stem + ext_), ext_ == ".npy" ? "mmc::data::write_npy" : "mmc::data::write_csv");
    data::write_matrix(file, m);
    file.close();
    stems_.push_back(stem);
    names_.push_back(stem + ext_);
  }

  /// Writes truth.json (indented, one trailing newline), complete and closed.
  void add_json(const std::string& name, const data::Json& json) {
    const std::string text = json.dump({.indent = 2}) + "\n";  // may throw: nothing written yet
    data::AtomicFile& file = files_.emplace_back(folder_ / name, "mmc::data::write_json");
    file.write(text);
    file.close();
    names_.push_back(name);
  }

  const std::vector<std::string>& names() const noexcept { return names_; }

  /// Puts every file in place (in the order added), then removes the files of
  /// the other format with the same stems, e.g. x.csv after writing x.npy.
  void commit() {
    for (auto& file : files_) file.commit();
    const std::string other = ext_ == ".npy" ? ".csv" : ".npy";
    for (const auto& stem : stems_) {
      const std::filesystem::path stale = folder_ / (stem + other);
      std::error_code ec;
      const auto status = std::filesystem::symlink_status(stale, ec);
      // Only a regular file or a symbolic link (the link, not its target) with
      // the name of this task's file: never a folder that happens to have it.
      if (!std::filesystem::is_regular_file(status) && !std::filesystem::is_symlink(status)) continue;
      if (!std::filesystem::remove(stale, ec) && ec) {
        throw io_error("wrote the data set in " +
                       data::detail::quote_for_message(folder_.string(), 200) +
                       " but cannot remove the stale file " +
                       data::detail::quote_for_message(stale.string(), 200) + " of the other --format: " +
                       ec.message() + "; delete it by hand");
      }
    }
  }

 private:
  std::filesystem::path folder_;
  std::string ext_;
  std::vector<data::AtomicFile> files_;  // destroyed uncommitted => temporary files removed
  std::vector<std::string> stems_, names_;
};

/// A column count per modality: "K" (both modalities) or "K0,K1", each an
/// integer in [0, kMaxColumns].
std::array<Index, 2> count_pair(const ParsedArgs& args, const std::string& name, std::array<Index, 2> fallback) {
  if (!args.has(name)) return fallback;
  const std::vector<double> values = args.get_double_list(name, {});
  const bool counts = std::all_of(values.begin(), values.end(), [](double v) {
    return v >= 0.0 && v <= static_cast<double>(kMaxColumns) && v == std::floor(v);
  });
  if ((values.size() != 1 && values.size() != 2) || !counts) {
    throw UsageError("option '--" + name + "' has value '" + args.get(name) +
                     "'; expected K (both modalities) or K0,K1: column counts from 0 to " +
                     std::to_string(kMaxColumns));
  }
  const auto first = static_cast<Index>(values.front());
  return {first, values.size() == 2 ? static_cast<Index>(values[1]) : first};
}

/// One count (both modalities share it) in [0, kMaxColumns].
Index count_option(const ParsedArgs& args, const std::string& name, Index fallback) {
  const long long value = args.get_int(name, fallback);
  if (value < 0 || value > kMaxColumns) {
    throw UsageError("option '--" + name + "' has value " + std::to_string(value) +
                     "; expected a column count from 0 to " + std::to_string(kMaxColumns));
  }
  return static_cast<Index>(value);
}

/// PairedFeatureOptions from the command line (the generator checks the shifts and rates).
fusion::PairedFeatureOptions paired_options_from(const ParsedArgs& args) {
  fusion::PairedFeatureOptions o;
  o.strong = count_pair(args, "strong", o.strong);
  o.weak = count_pair(args, "weak", o.weak);
  o.rare = count_pair(args, "rare", o.rare);
  o.interaction = count_pair(args, "interaction", o.interaction);
  o.noise = count_pair(args, "distractors", o.noise);
  o.paired_linear = count_option(args, "paired-linear", o.paired_linear);
  o.paired_xor = count_option(args, "paired-xor", o.paired_xor);
  o.strong_shift = args.get_double("strong-shift", o.strong_shift);
  o.weak_shift = args.get_double("weak-shift", o.weak_shift);
  o.rare_rate = args.get_double("rare-rate", o.rare_rate);
  o.rare_shift = args.get_double("rare-shift", o.rare_shift);
  o.interaction_shift = args.get_double("interaction-shift", o.interaction_shift);
  o.paired_shift = args.get_double("paired-shift", o.paired_shift);
  o.nuisance_sd = args.get_double("nuisance-sd", o.nuisance_sd);
  o.paired_noise = args.get_double("paired-noise", o.paired_noise);
  o.xor_shift = args.get_double("xor-shift", o.xor_shift);
  // The generator checks these too, under its own field names; here the
  // message names the option that was given.
  const std::pair<const char*, double> shifts[] = {
      {"strong-shift", o.strong_shift}, {"weak-shift", o.weak_shift}, {"rare-shift", o.rare_shift},
      {"interaction-shift", o.interaction_shift}, {"paired-shift", o.paired_shift},
      {"nuisance-sd", o.nuisance_sd}, {"xor-shift", o.xor_shift}};
  for (const auto& [name, value] : shifts) {
    if (!(value >= 0.0)) {
      throw UsageError(std::string("option '--") + name + "' has value " + args.get(name) +
                       "; expected a number >= 0");
    }
  }
  if (!(o.rare_rate >= 0.0 && o.rare_rate <= 1.0)) {
    throw UsageError("option '--rare-rate' has value " + args.get("rare-rate") + "; expected a rate in [0, 1]");
  }
  if (!(o.paired_noise > 0.0)) {
    throw UsageError("option '--paired-noise' has value " + args.get("paired-noise") +
                     "; expected a SD > 0 (0 would make the label a deterministic function)");
  }
  for (int m = 0; m < 2; ++m) {
    if (fusion::paired_task_columns(o, m) == 0) {
      throw UsageError("modality " + std::to_string(m) +
                       " has no column: give it at least one, e.g. --distractors 1 (or K0,K1)");
    }
  }
  return o;
}

data::Transform transform_from(const ParsedArgs& args) {
  const std::string name = args.get_choice(
      "transform", {"identity", "half-cube", "asinh", "normal-cdf", "spiral"}, "identity");
  std::string canonical = name;
  for (char& c : canonical)
    if (c == '-') c = '_';
  return data::Transform{data::parse_transform(canonical)};
}

}  // namespace

CommandSpec generate_spec() {
  CommandSpec spec;
  spec.name = "generate";
  spec.summary = "Write a dataset with known ground truth (closed-form MI or complementarity).";
  spec.usage = "mmc generate gaussian|student|synthetic|bits|digits|aav-mnist|paired-features --out DIR [options]";
  spec.positionals = {"TASK"};
  spec.details =
      "Tasks (docs/design.md §3.5, docs/generators.md):\n"
      "  gaussian   x, y jointly Gaussian; --dim D per side, --rho R, --structure pairwise|dense|sparse\n"
      "             (--interacting K for sparse), --transform half-cube|asinh|normal-cdf|spiral\n"
      "  student    multivariate Student-t, identity dispersion; --dim D, --df NU, --transform\n"
      "  synthetic  the paper's controlled-complementarity generator; --alpha (0 complementary,\n"
      "             1 redundant), --d, --d1, --d2, --delta\n"
      "  bits       exact-answer cases: --case redundant|unique|synergy, --noise SIGMA\n"
      "  digits     AAV-style digits (needs sklearn's digits.csv.gz): --sigma, --digits-path\n"
      "  aav-mnist  real MNIST images (784) + spoken digits (1024 log-mel values), docs/aav-mnist.md;\n"
      "             needs the cache of scripts/fetch-data (--data DIR, default\n"
      "             $MMC_DATA_DIR/aav-mnist or ~/.cache/mmc/aav-mnist); --sigma, --test-fraction,\n"
      "             --split train|test, --split-seed. Also writes image_digit, audio_digit (x, y)\n"
      "             and image_id, audio_id (row ids in the cache; train and test never share one)\n"
      "  paired-features  binary task with uni-modal and PAIRED (cross-modal) features, for the\n"
      "             UME/UMT advisor and modality laziness (docs/fusion.md): per-modality column\n"
      "             counts K or K0,K1 for --strong, --weak, --rare, --interaction (XOR pairs inside\n"
      "             a modality), --distractors; --paired-linear K (nuisance-cancelling pairs),\n"
      "             --paired-xor K (y = b0 xor b1 across modalities); shifts and rates below.\n"
      "             truth.json has the Bayes accuracies when the task is Gaussian\n"
      "             (no rare, interaction or XOR columns)\n"
      "MI tasks write x + y; labelled tasks write modality_0, modality_1 and labels;\n"
      "truth.json holds the task, its parameters, the closed-form values (nats) and the list\n"
      "of the data set's files.\n"
      "Files: every file is first written completely under a temporary name in DIR; only\n"
      "when all are complete are they renamed into place (truth.json last), so a failure\n"
      "(full disk, no permission, bad option) leaves DIR as it was. Files of the other\n"
      "--format that the same task writes (e.g. x.csv and y.csv when writing .npy) are then\n"
      "deleted, so DIR never mixes two data sets; no other file in DIR is touched.\n"
      "Limits: --dim, --d, --d1, --d2 at most 4096; n times the columns of all files at most\n"
      "2^28 = 268435456 values (2 GiB as doubles).";
  spec.options = join({{{"out", "DIR", "output folder (created if missing)", "", false},
                        {"n", "N", "number of samples", "5000", false},
                        {"format", "FMT", "npy | csv", "npy", false},
                        {"dim", "D", "dimension per side (gaussian, student)", "1", false},
                        {"rho", "R", "correlation (gaussian)", "0.5", false},
                        {"structure", "S", "pairwise | dense | sparse (gaussian)", "pairwise", false},
                        {"interacting", "K", "correlated pairs (gaussian --structure sparse)", "1",
                         false},
                        {"df", "NU", "degrees of freedom (student)", "3", false},
                        {"transform", "T", "identity | half-cube | asinh | normal-cdf | spiral",
                         "identity", false},
                        {"alpha", "A", "redundancy dial in [0, 1] (synthetic)", "0.5", false},
                        {"d", "D", "latent dimension (synthetic)", "4", false},
                        {"d1", "D1", "first modality dimension (synthetic)", "8", false},
                        {"d2", "D2", "second modality dimension (synthetic)", "8", false},
                        {"delta", "DELTA", "margin |x.z| > delta (synthetic)", "0.1", false},
                        {"case", "C", "redundant | unique | synergy (bits)", "", false},
                        {"noise", "SIGMA", "Gaussian noise on the bits (bits)", "0.1", false},
                        {"sigma", "SIGMA", "spread of the digit offset (digits)", "1", false},
                        {"digits-path", "FILE", "sklearn's digits.csv.gz (digits)", "auto", false},
                        {"data", "DIR", "AAV-MNIST cache of scripts/fetch-data (aav-mnist)", "auto", false},
                        {"test-fraction", "F", "share of each digit's images/utterances held out (aav-mnist)",
                         "0.2", false},
                        {"split", "S", "train | test: the pool to draw from (aav-mnist)", "train", false},
                        {"split-seed", "S", "seed of the train/test split (aav-mnist)", "1", false},
                        {"strong", "K", "strong uni-modal columns, K or K0,K1 (paired-features)", "1", false},
                        {"weak", "K", "weak uni-modal columns, K or K0,K1 (paired-features)", "2", false},
                        {"rare", "K", "rare uni-modal columns, K or K0,K1 (paired-features)", "0", false},
                        {"interaction", "K", "uni-modal XOR pairs, K or K0,K1 (paired-features)", "0", false},
                        {"distractors", "K", "pure-noise columns, K or K0,K1 (paired-features)", "4", false},
                        {"paired-linear", "K", "nuisance-cancelling paired features (paired-features)", "0", false},
                        {"paired-xor", "K", "cross-modal XOR paired features (paired-features)", "0", false},
                        {"strong-shift", "S", "class shift of a strong column, SD units (paired-features)", "1", false},
                        {"weak-shift", "S", "class shift of a weak column (paired-features)", "0.3", false},
                        {"rare-rate", "P", "share of samples where a rare column is informative (paired-features)",
                         "0.1", false},
                        {"rare-shift", "S", "class shift of a rare column where informative (paired-features)", "3",
                         false},
                        {"interaction-shift", "S", "shift of the uni-modal XOR columns (paired-features)", "2", false},
                        {"paired-shift", "S", "class shift of a paired-linear carrier (paired-features)", "1", false},
                        {"nuisance-sd", "SD", "shared nuisance SD of a paired-linear pair (paired-features)", "3",
                         false},
                        {"paired-noise", "SD", "own noise SD of each paired-linear column (paired-features)", "0.25",
                         false},
                        {"xor-shift", "S", "shift of the paired XOR columns (paired-features)", "2", false}},
                       {{"seed", "S", "seed of every random choice", "0", false},
                        {"json", "", "print a JSON summary on stdout", "", false},
                        {"help", "", "show this help", "", false}}});
  return spec;
}

int run_generate(const ParsedArgs& args) {
  if (args.positionals().empty()) {
    throw UsageError("missing TASK: one of gaussian, student, synthetic, bits, digits, aav-mnist, paired-features");
  }
  const std::string task_name = args.positionals()[0];
  if (std::find(kTasks.begin(), kTasks.end(), task_name) == kTasks.end()) {
    throw UsageError("unknown task '" + task_name +
                     "'; use one of gaussian, student, synthetic, bits, digits, aav-mnist, paired-features");
  }
  const bool paired_task = task_name == "paired-features";
  if (!paired_task) reject_unused(args, kPairedOptions, "task '" + task_name + "'");
  // 1. Every option, before any work or any change on disk.
  const std::filesystem::path out = args.require("out");
  const long long n = args.get_int("n", 5000);
  const std::uint64_t seed = seed_from(args);
  const std::string ext = "." + args.get_choice("format", {"npy", "csv"}, "npy");
  const bool mi_task = task_name == "gaussian" || task_name == "student";
  long long dim = 1;
  std::string structure = "pairwise", bit_case;
  double rho = 0.5, df = 3.0, noise = 0.1;
  long long interacting = 1;
  data::Transform transform;
  data::SyntheticOptions synthetic;
  data::DigitsOptions digits;
  fusion::PairedFeatureOptions paired;
  long long columns = 0;  // of all files together, labels included
  const bool aav_task = task_name == "aav-mnist";
  data::AavOptions aav;
  std::filesystem::path aav_dir;
  double test_fraction = 0.2;
  std::string aav_split = "train";
  std::uint64_t split_seed = 1;
  if (mi_task) {
    dim = dimension_option(args, "dim", 1);
    if (task_name == "gaussian") {
      rho = args.get_double("rho", rho);
      structure = args.get_choice("structure", {"pairwise", "dense", "sparse"}, structure);
      interacting = args.get_int("interacting", interacting);
    } else {
      df = args.get_double("df", df);
    }
    transform = transform_from(args);
    columns = 2 * dim;
  } else if (task_name == "synthetic") {
    synthetic.alpha = args.get_double("alpha", synthetic.alpha);
    synthetic.d = dimension_option(args, "d", synthetic.d);
    synthetic.d1 = dimension_option(args, "d1", synthetic.d1);
    synthetic.d2 = dimension_option(args, "d2", synthetic.d2);
    synthetic.delta = args.get_double("delta", synthetic.delta);
    columns = synthetic.d1 + synthetic.d2 + 1;
  } else if (task_name == "bits") {
    bit_case = args.get_choice("case", {"redundant", "unique", "synergy"}, "");
    if (bit_case.empty()) throw UsageError("missing option '--case' (redundant, unique or synergy)");
    noise = args.get_double("noise", noise);
    columns = 3;
  } else if (paired_task) {
    paired = paired_options_from(args);
    columns = fusion::paired_task_columns(paired, 0) + fusion::paired_task_columns(paired, 1) + 1;
  } else if (aav_task) {
    aav.sigma = args.get_double("sigma", aav.sigma);
    aav_dir = args.get("data", "");
    if (aav_dir == "auto") aav_dir.clear();
    test_fraction = args.get_double("test-fraction", test_fraction);
    if (!(test_fraction > 0.0 && test_fraction < 1.0)) {
      throw UsageError("option '--test-fraction' has value " + args.get("test-fraction", "") +
                       "; expected a share strictly between 0 and 1");
    }
    aav_split = args.get_choice("split", {"train", "test"}, aav_split);
    const long long split_seed_value = args.get_int("split-seed", 1);
    if (split_seed_value < 0) {
      throw UsageError("option '--split-seed' has value " + std::to_string(split_seed_value) +
                       "; expected a non-negative integer");
    }
    split_seed = static_cast<std::uint64_t>(split_seed_value);
    // modality_0 (784) + modality_1 (1024) + labels + 2 digits + 2 ids.
    columns = 784 + 1024 + 5;
  } else {
    digits.sigma = args.get_double("sigma", digits.sigma);
    digits.path = args.get("digits-path", "");
    columns = 2 * 64 + 1;
  }
  check_size(n, columns);

  // 2. The data set, in memory (the generators check their own parameters).
  data::Json truth_file = data::Json::object();
  truth_file.set("task", task_name);
  truth_file.set("n", n);
  truth_file.set("seed", seed);
  data::MiTask mi;
  data::LabelledTask labelled;
  data::AavMnistTask aav_task_data;
  if (mi_task) {
    if (task_name == "student") {
      mi = data::student_t_task(dim, dim, df, n, seed);
    } else if (structure == "pairwise") {
      mi = data::correlated_gaussian_task(std::vector<double>(static_cast<std::size_t>(dim), rho), n, seed);
    } else if (structure == "dense") {
      mi = data::dense_gaussian_task(dim, dim, rho, n, seed);
    } else {
      mi = data::sparse_gaussian_task(dim, dim, interacting, rho, n, seed);
    }
    if (transform.kind != data::TransformKind::identity)
      mi = data::transform_task(std::move(mi), transform, transform);
    truth_file.set("name", mi.name);
    truth_file.set("parameters", key_values_json(mi.parameters));
    truth_file.set("truth", key_values_json(mi.truth()));
  } else {
    if (task_name == "synthetic") {
      labelled = data::synthetic_task(synthetic, n, seed);
    } else if (task_name == "bits") {
      labelled = data::bits_task(data::parse_bit_case(bit_case), n, seed, noise);
    } else if (paired_task) {
      labelled = fusion::paired_features_task(paired, n, seed);
    } else if (aav_task) {
      // docs/design.md §3.5: the cache, split per digit, then n draws from one side.
      // A missing cache is an io_error whose text says to run scripts/fetch-data (exit 2).
      const std::filesystem::path dir = aav_dir.empty() ? data::default_aav_mnist_dir() : aav_dir;
      const data::AavPool pool = data::load_aav_mnist(dir);
      const data::AavSplit split = data::split_aav_mnist(pool, test_fraction, split_seed);
      aav_task_data = data::make_aav_mnist(aav_split == "train" ? split.train : split.test, aav, n, seed);
      labelled = std::move(aav_task_data.task);
    } else {
      labelled = data::digits_task(digits, n, seed);
    }
    truth_file.set("name", labelled.name);
    truth_file.set("classes", labelled.classes);
    truth_file.set("parameters", key_values_json(labelled.parameters));
    truth_file.set("truth", key_values_json(labelled.truth));
    if (aav_task) {
      truth_file.set("split", aav_split);
      truth_file.set("test_fraction", test_fraction);
      truth_file.set("split_seed", split_seed);
      truth_file.set("label_rule", "t = floor((x + y + 1) / 2), x = image_digit, y = audio_digit");
    }
  }

  // 3. Every file complete under a temporary name, then all put in place. A
  // folder this run created is removed again (if still empty) on failure.
  std::error_code ec;
  const bool folder_existed = std::filesystem::exists(out, ec);
  std::vector<std::string> files;
  try {
    StagedDataSet staged(prepare_output(out), ext);
    if (mi_task) {
      staged.add_matrix("x", mi.x);
      staged.add_matrix("y", mi.y);
    } else {
      for (std::size_t m = 0; m < labelled.modalities.size(); ++m)
        staged.add_matrix("modality_" + std::to_string(m), labelled.modalities[m]);
      staged.add_matrix("labels", labelled.labels);
      if (aav_task) {
        staged.add_matrix("image_digit", aav_task_data.image_digit);
        staged.add_matrix("audio_digit", aav_task_data.audio_digit);
        const auto ids = [](const std::vector<Index>& v) {
          Labels out(static_cast<Index>(v.size()));
          for (std::size_t i = 0; i < v.size(); ++i) out(static_cast<Index>(i)) = static_cast<Labels::Scalar>(v[i]);
          return out;
        };
        staged.add_matrix("image_id", ids(aav_task_data.image_id));
        staged.add_matrix("audio_id", ids(aav_task_data.audio_id));
      }
    }
    truth_file.set("files", data::Json::array_of(staged.names()));
    staged.add_json("truth.json", truth_file);
    staged.commit();
    files = staged.names();
  } catch (...) {
    if (!folder_existed) std::filesystem::remove(out, ec);  // only removes an empty folder
    throw;
  }

  Report report{{"task", task_name}, {"n", n}, {"seed", seed}, {"out", out.string()},
                {"files", data::Json::array_of(files)}};
  print_report(args, report);
  return 0;
}

}  // namespace mmc::cli
