// tools/mmc/cmd_generate.cpp — `mmc generate`: write a task with known ground
// truth (docs/design.md §3.5) to a folder: x.npy + y.npy for MI tasks, modality_<i>.npy
// + labels.npy for labelled tasks, and truth.json with the closed forms.
#include <filesystem>
#include <fstream>
#include <vector>

#include <mmc/data/complementarity.hpp>
#include <mmc/data/digits.hpp>
#include <mmc/data/gaussian.hpp>
#include <mmc/data/json.hpp>
#include <mmc/data/matrix_file.hpp>
#include <mmc/data/student.hpp>
#include <mmc/data/transforms.hpp>

#include "commands.hpp"
#include "common.hpp"

namespace mmc::cli {

namespace {

const std::vector<std::string> kTasks = {"gaussian", "student", "synthetic", "bits", "digits"};

data::Json key_values_json(const data::KeyValues& values) {
  data::Json object = data::Json::object();
  for (const auto& [key, value] : values) object.set(key, value);
  return object;
}

std::filesystem::path prepare_output(const ParsedArgs& args) {
  const std::filesystem::path out = args.require("out");
  std::error_code error;
  std::filesystem::create_directories(out, error);
  if (error || !std::filesystem::is_directory(out)) {
    throw UsageError("option '--out': cannot create folder '" + out.string() + "': " +
                     error.message());
  }
  return out;
}

std::string extension(const ParsedArgs& args) {
  return "." + args.get_choice("format", {"npy", "csv"}, "npy");
}

void write_truth(const std::filesystem::path& path, const data::Json& truth) {
  std::ofstream file(path);
  file << truth.dump({.indent = 2}) << "\n";
  if (!file) throw mmc::io_error("mmc generate: cannot write '" + path.string() + "'");
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
  spec.usage = "mmc generate gaussian|student|synthetic|bits|digits --out DIR [options]";
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
      "MI tasks write x + y; labelled tasks write modality_0, modality_1 and labels;\n"
      "truth.json holds the task, its parameters and the closed-form values (nats).";
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
                        {"digits-path", "FILE", "sklearn's digits.csv.gz (digits)", "auto", false}},
                       {{"seed", "S", "seed of every random choice", "0", false},
                        {"json", "", "print a JSON summary on stdout", "", false},
                        {"help", "", "show this help", "", false}}});
  return spec;
}

int run_generate(const ParsedArgs& args) {
  if (args.positionals().empty()) {
    throw UsageError("missing TASK: one of gaussian, student, synthetic, bits, digits");
  }
  const std::string task_name = args.positionals()[0];
  if (std::find(kTasks.begin(), kTasks.end(), task_name) == kTasks.end()) {
    throw UsageError("unknown task '" + task_name +
                     "'; use one of gaussian, student, synthetic, bits, digits");
  }
  const Index n = args.get_int("n", 5000);
  const std::uint64_t seed = seed_from(args);
  const std::filesystem::path out = prepare_output(args);
  const std::string ext = extension(args);
  std::vector<std::string> files;
  data::Json truth_file = data::Json::object();
  truth_file.set("task", task_name);
  truth_file.set("n", n);
  truth_file.set("seed", seed);

  if (task_name == "gaussian" || task_name == "student") {
    const Index dim = args.get_int("dim", 1);
    data::MiTask task;
    if (task_name == "gaussian") {
      const double rho = args.get_double("rho", 0.5);
      const std::string structure =
          args.get_choice("structure", {"pairwise", "dense", "sparse"}, "pairwise");
      if (structure == "pairwise") {
        const std::vector<double> rhos(static_cast<std::size_t>(std::max<Index>(dim, 0)), rho);
        if (dim < 1) throw UsageError("option '--dim' must be at least 1");
        task = data::correlated_gaussian_task(rhos, n, seed);
      } else if (structure == "dense") {
        task = data::dense_gaussian_task(dim, dim, rho, n, seed);
      } else {
        task = data::sparse_gaussian_task(dim, dim, args.get_int("interacting", 1), rho, n, seed);
      }
    } else {
      task = data::student_t_task(dim, dim, args.get_double("df", 3.0), n, seed);
    }
    const data::Transform transform = transform_from(args);
    if (transform.kind != data::TransformKind::identity)
      task = data::transform_task(std::move(task), transform, transform);
    data::write_matrix(out / ("x" + ext), task.x);
    data::write_matrix(out / ("y" + ext), task.y);
    files = {"x" + ext, "y" + ext};
    truth_file.set("name", task.name);
    truth_file.set("parameters", key_values_json(task.parameters));
    truth_file.set("truth", key_values_json(task.truth()));
  } else {
    data::LabelledTask task;
    if (task_name == "synthetic") {
      data::SyntheticOptions options;
      options.alpha = args.get_double("alpha", options.alpha);
      options.d = args.get_int("d", options.d);
      options.d1 = args.get_int("d1", options.d1);
      options.d2 = args.get_int("d2", options.d2);
      options.delta = args.get_double("delta", options.delta);
      task = data::synthetic_task(options, n, seed);
    } else if (task_name == "bits") {
      const std::string which =
          args.get_choice("case", {"redundant", "unique", "synergy"}, "");
      if (which.empty()) throw UsageError("missing option '--case' (redundant, unique or synergy)");
      task = data::bits_task(data::parse_bit_case(which), n, seed, args.get_double("noise", 0.1));
    } else {
      data::DigitsOptions options;
      options.sigma = args.get_double("sigma", options.sigma);
      options.path = args.get("digits-path", "");
      task = data::digits_task(options, n, seed);
    }
    for (std::size_t m = 0; m < task.modalities.size(); ++m) {
      const std::string file = "modality_" + std::to_string(m) + ext;
      data::write_matrix(out / file, task.modalities[m]);
      files.push_back(file);
    }
    data::write_matrix(out / ("labels" + ext), task.labels);
    files.push_back("labels" + ext);
    truth_file.set("name", task.name);
    truth_file.set("classes", task.classes);
    truth_file.set("parameters", key_values_json(task.parameters));
    truth_file.set("truth", key_values_json(task.truth));
  }
  data::Json file_list = data::Json::array_of(files);
  truth_file.set("files", file_list);
  write_truth(out / "truth.json", truth_file);
  files.push_back("truth.json");

  Report report{{"task", task_name}, {"n", n}, {"seed", seed}, {"out", out.string()},
                {"files", data::Json::array_of(files)}};
  print_report(args, report);
  return 0;
}

}  // namespace mmc::cli
