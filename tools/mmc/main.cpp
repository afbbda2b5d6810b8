// tools/mmc/main.cpp — the `mmc` program: dispatch to a subcommand, and turn
// every error into one line on stderr with exit code 2 (bad input) or 1
// (a training run that diverged, an internal error). docs/design.md §5.
#include <exception>
#include <iostream>
#include <stdexcept>
#include <string>
#include <vector>

#include <mmc/core/errors.hpp>

#include "commands.hpp"

namespace {

using mmc::cli::Command;

std::vector<std::pair<std::string, Command>> commands() {
  using namespace mmc::cli;
  return {
      {"mi", {mi_spec, run_mi}},
      {"cmi", {cmi_spec, run_cmi}},
      {"entropy", {entropy_spec, run_entropy}},
      {"complementarity", {complementarity_spec, run_complementarity}},
      {"generate", {generate_spec, run_generate}},
      {"robustness", {robustness_spec, run_robustness}},
      {"fusion", {fusion_spec, run_fusion}},
      {"demo", {demo_spec, run_demo}},
  };
}

void print_usage(std::ostream& out) {
  out << "mmc — mutual information estimators and modality complementarity\n\n"
         "Usage: mmc SUBCOMMAND [options]    (mmc SUBCOMMAND --help for its options)\n\n"
         "Subcommands:\n";
  for (const auto& [name, command] : commands()) {
    const auto spec = command.spec();
    out << "  " << name << std::string(name.size() < 18 ? 18 - name.size() : 1, ' ')
        << spec.summary << "\n";
  }
  out << "\nValues are in nats. Inputs: CSV (optional header) or .npy, one sample per row.\n"
         "Exit codes: 0 success, 2 bad input or usage, 1 training diverged or internal error.\n";
}

// One line: newlines inside a message would break "one-line error" scripts.
std::string one_line(std::string text) {
  for (char& c : text)
    if (c == '\n' || c == '\r') c = ' ';
  return text;
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> words(argv + 1, argv + argc);
  if (words.empty() || words[0] == "--help" || words[0] == "-h" || words[0] == "help") {
    print_usage(words.empty() ? std::cerr : std::cout);
    return words.empty() ? 2 : 0;
  }
  if (words[0] == "--version") {
    std::cout << "mmc 0.1.0\n";
    return 0;
  }
  const std::string name = words[0];
  for (const auto& [command_name, command] : commands()) {
    if (command_name != name) continue;
    const mmc::cli::CommandSpec spec = command.spec();
    const std::vector<std::string> rest(words.begin() + 1, words.end());
    try {
      for (const auto& word : rest) {
        if (word == "--help" || word == "-h") {
          std::cout << mmc::cli::help_text(spec);
          return 0;
        }
      }
      return command.run(mmc::cli::parse(spec, rest));
    } catch (const mmc::cli::UsageError& e) {
      std::cerr << "mmc " << name << ": error: " << one_line(e.what()) << "\n";
      return 2;
    } catch (const mmc::invalid_argument& e) {
      std::cerr << "mmc " << name << ": error: " << one_line(e.what()) << "\n";
      return 2;
    } catch (const mmc::io_error& e) {
      std::cerr << "mmc " << name << ": error: " << one_line(e.what()) << "\n";
      return 2;
    } catch (const mmc::training_error& e) {
      std::cerr << "mmc " << name << ": training failed: " << one_line(e.what()) << "\n";
      return 1;
    } catch (const std::runtime_error& e) {
      // e.g. no usable CUDA device for --device cuda, a file that cannot be written
      std::cerr << "mmc " << name << ": error: " << one_line(e.what()) << "\n";
      return 1;
    } catch (const std::exception& e) {
      std::cerr << "mmc " << name << ": internal error: " << one_line(e.what()) << "\n";
      return 1;
    }
  }
  std::cerr << "mmc: unknown subcommand '" << name << "'; run 'mmc --help' for the list\n";
  return 2;
}
