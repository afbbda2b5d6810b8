// tools/mmc/main.cpp — the `mmc` program: dispatch to a subcommand, and turn
// every error into one line on stderr with exit code 2 (bad input) or 1
// (a training run that diverged, an internal error). docs/design.md §5.
#include <cctype>
#include <exception>
#include <new>
#include <system_error>
#include <iostream>
#include <stdexcept>
#include <string>
#include <vector>

#include <mmc/core/errors.hpp>
#include <mmc/version.hpp>

#include "commands.hpp"

namespace {

using mmc::cli::Command;

std::vector<std::pair<std::string, Command>> commands() {
  using namespace mmc::cli;
  return {
      {"mi", {mi_spec, run_mi}},
      {"cmi", {cmi_spec, run_cmi}},
      {"mi-matrix", {mi_matrix_spec, run_mi_matrix}},
      {"entropy", {entropy_spec, run_entropy}},
      {"complementarity", {complementarity_spec, run_complementarity}},
      {"generate", {generate_spec, run_generate}},
      {"robustness", {robustness_spec, run_robustness}},
      {"fusion", {fusion_spec, run_fusion}},
      {"laziness", {laziness_spec, run_laziness}},
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

// Library messages name option fields ("options.jitter", "options.clip_norm");
// on the command line the user needs the flag. Each "options.NAME" whose
// NAME (underscores as dashes) is an option of this subcommand becomes
// "--NAME"; fields without a flag keep their library name.
std::string in_cli_terms(std::string text, const mmc::cli::CommandSpec& spec) {
  const std::string prefix = "options.";
  for (std::size_t at = text.find(prefix); at != std::string::npos; at = text.find(prefix, at + 1)) {
    std::size_t end = at + prefix.size();
    while (end < text.size() && (std::isalnum(static_cast<unsigned char>(text[end])) || text[end] == '_')) ++end;
    std::string flag = text.substr(at + prefix.size(), end - at - prefix.size());
    for (char& c : flag)
      if (c == '_') c = '-';
    for (const auto& option : spec.options) {
      if (option.name == flag) {
        text.replace(at, end - at, "--" + flag);
        break;
      }
    }
  }
  return text;
}

// The one-line error of docs/design.md §5 for the exception in flight; returns
// the exit code: 2 for bad input or usage, 1 for everything else.
int report_error(const std::string& name, const mmc::cli::CommandSpec& spec) {
  std::string kind = "error", text;
  int code = 1;
  try {
    throw;
  } catch (const mmc::cli::UsageError& e) {
    text = e.what(), code = 2;
  } catch (const mmc::io_error& e) {  // a file that cannot be read or written
    text = e.what(), code = 2;
  } catch (const std::invalid_argument& e) {  // mmc::invalid_argument: bad input
    text = in_cli_terms(e.what(), spec), code = 2;
  } catch (const mmc::training_error& e) {
    kind = "training failed", text = in_cli_terms(e.what(), spec);
  } catch (const std::bad_alloc&) {
    text = "out of memory; use fewer samples or smaller networks (see 'mmc " + name + " --help')";
  } catch (const std::system_error& e) {
    text = std::string(e.what()) + " (could not start threads? try a smaller --threads)";
  } catch (const std::runtime_error& e) {  // e.g. no usable CUDA device for --device cuda
    text = e.what();
  } catch (const std::exception& e) {
    kind = "internal error", text = e.what();
  }
  std::cerr << "mmc " << name << ": " << kind << ": " << one_line(text) << "\n";
  return code;
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> words(argv + 1, argv + argc);
  if (words.empty() || words[0] == "--help" || words[0] == "-h" || words[0] == "help") {
    print_usage(words.empty() ? std::cerr : std::cout);
    return words.empty() ? 2 : 0;
  }
  if (words[0] == "--version") {
    std::cout << "mmc " << mmc::version().string << "\n";
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
    } catch (...) {
      return report_error(name, spec);
    }
  }
  std::cerr << "mmc: unknown subcommand '" << name << "'; run 'mmc --help' for the list\n";
  return 2;
}
