// python/src/_mmc.cpp — the compiled core of the mmc_mi Python package
// (docs/python.md): the registry's non-neural estimators, conditional MI and
// the complementarity metric over NumPy arrays. The neural estimators live in
// neural.cpp (a second translation unit: heavy templates, docs/design.md §5).
//
// Every function releases the GIL while it estimates, takes `threads` and
// `seed`, and returns a dict with the fields the CLI prints with --json.
#include "common.hpp"

#include <chrono>
#include <optional>

#include <mmc/data/complementarity.hpp>
#include <mmc/data/gaussian.hpp>
#include <mmc/estimators/knn_dispatch.hpp>
#include <mmc/metric/complementarity.hpp>
#include <mmc/version.hpp>

namespace mmc::python {

namespace {

using estimators::Estimator;
using estimators::Family;

struct Common {
  Index k = 3;
  bool standardize = true;
  double jitter = 0.0;
  std::uint64_t seed = 0;
  int threads = 0;
  std::optional<Index> bins;
  std::string binning = "equal-width";
  bool miller_madow = true;
  std::string variant = "paper";
  std::string norm = "max";
};

estimators::NonNeuralOptions options_from(const Common& c, const char* fn) {
  estimators::NonNeuralOptions o;
  o.knn.k = c.k;
  o.knn.standardize = c.standardize;
  o.knn.jitter = c.jitter;
  o.knn.seed = c.seed;
  if (c.threads < 0)
    mmc::detail::throw_invalid(fn, "threads", "is " + std::to_string(c.threads),
                               "pass 0 (all cores) or a positive thread count");
  o.knn.threads = c.threads;
  o.plugin.miller_madow = c.miller_madow;
  o.binned.miller_madow = c.miller_madow;
  if (c.bins) o.binned.bins = *c.bins;
  if (c.binning != "equal-width" && c.binning != "equal-frequency")
    mmc::detail::throw_invalid(fn, "binning", "is '" + c.binning + "'", "use 'equal-width' or 'equal-frequency'");
  o.binned.binning = c.binning == "equal-width" ? knn::Binning::equal_width : knn::Binning::equal_frequency;
  if (c.variant != "paper" && c.variant != "reference")
    mmc::detail::throw_invalid(fn, "variant", "is '" + c.variant + "'", "use 'paper' or 'reference'");
  o.mixed_variant = c.variant == "paper" ? knn::MixedVariant::paper : knn::MixedVariant::reference;
  if (c.norm != "max" && c.norm != "euclidean")
    mmc::detail::throw_invalid(fn, "norm", "is '" + c.norm + "'", "use 'max' or 'euclidean'");
  o.norm = c.norm == "max" ? Norm::max : Norm::euclidean;
  return o;
}

/// The CLI's report of a non-neural estimate (tools/mmc/cmd_mi.cpp), in order.
py::dict report(const std::string& name, const estimators::Estimate& e, double seconds, Family family,
                bool standardize, bool integer_details_except_correction) {
  py::dict d;
  d["estimator"] = name;
  d["value"] = e.value;
  d["n"] = e.n;
  d["seconds"] = seconds;
  if (family == Family::knn) {
    d["k"] = e.k;
    if (!integer_details_except_correction) d["standardize"] = standardize;
  }
  for (const auto& [key, value] : e.details) {
    const bool integer = integer_details_except_correction
                             ? key != "correction"
                             : (key == "classes" || key == "dropped" || key == "bins" || key == "cells");
    if (integer)
      d[py::str(key)] = static_cast<long long>(value);
    else
      d[py::str(key)] = value;
  }
  d["warnings"] = to_list(e.warnings);
  d["local"] = to_numpy(e.local);
  return d;
}

template <class F>
auto timed(F&& f) {
  const auto start = std::chrono::steady_clock::now();
  auto result = f();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return std::pair{std::move(result), seconds};
}

py::dict mi(const Array& xa, const Array& ya, const std::string& estimator, const Common& c) {
  constexpr const char* fn = "mmc_mi.mi";
  const auto& info = estimators::parse(estimators::kMutualInformation, estimator, fn, "estimator");
  if (info.family == Family::neural)
    mmc::detail::throw_invalid(fn, "estimator", "is '" + estimator + "', a neural estimator",
                               "the Python layer routes it to _neural_mi");
  Estimator id = info.id;
  if (id == Estimator::plugin && c.bins) id = Estimator::binned;  // as `mmc mi --bins`
  const estimators::NonNeuralOptions o = options_from(c, fn);
  const ConstMap x = as_matrix(xa, fn, "x");
  const ConstMap y = as_matrix(ya, fn, "y");
  if (id == Estimator::plugin) {
    require_integer_valued(x, fn, "x");
    require_integer_valued(y, fn, "y");
  }
  std::pair<estimators::Estimate, double> r;
  {
    py::gil_scoped_release release;
    r = timed([&] { return estimators::estimate_mi(id, x, y, o); });
  }
  py::dict d = report(std::string(info.name), r.first, r.second, info.family, o.knn.standardize, false);
  // As `mmc mi` (tools/mmc/cmd_mi.cpp): for discrete targets also H(Y), the
  // plug-in entropy of y's rows without correction, and I / H(Y) (Theil's
  // uncertainty coefficient), before the warnings.
  if (id == Estimator::ross || id == Estimator::plugin) {
    knn::PluginOptions plain{};
    plain.miller_madow = false;
    const double h_y = knn::PluginEntropy(plain).estimate(y).value;
    py::object warnings = d["warnings"], local = d["local"];
    PyDict_DelItemString(d.ptr(), "warnings");
    PyDict_DelItemString(d.ptr(), "local");
    d["h_y"] = h_y;
    if (h_y > 0.0) d["normalized"] = r.first.value / h_y;
    d["warnings"] = warnings;
    d["local"] = local;
  }
  return d;
}

py::dict entropy(const Array& xa, const std::string& estimator, const Common& c) {
  constexpr const char* fn = "mmc_mi.entropy";
  const auto& info = estimators::parse(estimators::kEntropy, estimator, fn, "estimator");
  if (info.family == Family::neural)
    mmc::detail::throw_invalid(fn, "estimator", "is '" + estimator + "', a neural estimator",
                               "the Python layer routes it to _cene");
  Estimator id = info.id;
  if (id == Estimator::plugin && c.bins) id = Estimator::binned;
  const estimators::NonNeuralOptions o = options_from(c, fn);
  const ConstMap x = as_matrix(xa, fn, "x");
  if (id == Estimator::plugin) require_integer_valued(x, fn, "x");
  std::pair<estimators::Estimate, double> r;
  {
    py::gil_scoped_release release;
    r = timed([&] { return estimators::estimate_entropy(id, x, o); });
  }
  // `mmc entropy` prints every detail but "correction" as an integer, and no
  // "standardize" field (tools/mmc/cmd_entropy.cpp).
  return report(std::string(info.name), r.first, r.second, info.family, o.knn.standardize, true);
}

py::dict cmi(const Array& xa, const Array& ya, const Array& za, const std::string& estimator, const Common& c) {
  constexpr const char* fn = "mmc_mi.cmi";
  const auto& info = estimators::parse(estimators::kConditionalMutualInformation, estimator, fn, "estimator");
  const estimators::NonNeuralOptions o = options_from(c, fn);
  const ConstMap x = as_matrix(xa, fn, "x");
  const ConstMap y = as_matrix(ya, fn, "y");
  const ConstMap z = as_matrix(za, fn, "z");
  std::pair<estimators::Estimate, double> r;
  {
    py::gil_scoped_release release;
    r = timed([&] { return estimators::estimate_cmi(info.id, x, y, z, o); });
  }
  py::dict d;
  d["estimator"] = std::string(info.name);
  d["value"] = r.first.value;
  d["n"] = r.first.n;
  d["seconds"] = r.second;
  d["k"] = r.first.k;
  d["standardize"] = o.knn.standardize;
  d["warnings"] = to_list(r.first.warnings);
  d["local"] = to_numpy(r.first.local);
  return d;
}

py::list interval(const metric::Interval& i) {
  py::list l;
  l.append(i.lower);
  l.append(i.upper);
  return l;
}

py::dict complementarity(const std::vector<Array>& modalities, const Array& labels_array, const std::string& backend,
                         const Common& c, Index pca, Index bootstrap, double confidence,
                         const py::dict& neural_options) {
  constexpr const char* fn = "mmc_mi.complementarity";
  metric::ComplementarityOptions o;
  if (backend != "knn" && backend != "cene" && backend != "mine")
    mmc::detail::throw_invalid(fn, "backend", "is '" + backend + "'", "use 'knn', 'cene' or 'mine'");
  o.backend = backend == "knn" ? metric::Backend::knn : backend == "cene" ? metric::Backend::cene : metric::Backend::mine;
  o.standardize = c.standardize;
  o.pca = pca;
  o.bootstrap = bootstrap;
  o.confidence = confidence;
  o.knn.k = c.k;
  o.knn.jitter = c.jitter;
  o.knn.seed = c.seed;
  o.knn.threads = c.threads;
  o.seed = c.seed;
  o.threads = c.threads;
  for (neural::TrainingOptions* t : {static_cast<neural::TrainingOptions*>(&o.mine),
                                     static_cast<neural::TrainingOptions*>(&o.cene)}) {
    if (neural_options.contains("steps")) t->steps = neural_options["steps"].cast<Index>();
    if (neural_options.contains("batch")) t->batch = neural_options["batch"].cast<Index>();
    if (neural_options.contains("lr")) t->lr = neural_options["lr"].cast<double>();
    if (neural_options.contains("holdout")) t->holdout = neural_options["holdout"].cast<double>();
    if (neural_options.contains("hidden")) t->hidden = neural_options["hidden"].cast<std::vector<Index>>();
    t->seed = c.seed;
    t->threads = c.threads;
  }
  if (neural_options.contains("ema")) o.mine.ema = neural_options["ema"].cast<double>();
  // Copies: the metric takes owning matrices (it may project them, §3.4).
  std::vector<RowMatrix<double>> mods;
  for (std::size_t i = 0; i < modalities.size(); ++i)
    mods.emplace_back(as_matrix(modalities[i], fn, "modalities"));
  const ConstMap lm = as_matrix(labels_array, fn, "labels");
  if (lm.cols() != 1)
    mmc::detail::throw_invalid(fn, "labels", "has " + std::to_string(lm.cols()) + " columns",
                               "pass one integer class label per row");
  Labels labels(lm.rows());
  for (Index i = 0; i < lm.rows(); ++i) {
    const double v = lm(i, 0);
    if (!(std::abs(v) <= 2147483647.0) || v != std::floor(v))
      mmc::detail::throw_invalid(fn, "labels", "row " + std::to_string(i) + " holds " + std::to_string(v),
                                 "pass integer class labels");
    labels(i) = static_cast<int>(v);
  }
  metric::ComplementarityResult r;
  {
    py::gil_scoped_release release;
    r = metric::Complementarity(o).estimate(mods, labels);
  }
  py::list bounds;
  for (std::size_t m = 0; m < r.bounds.size(); ++m) {
    py::dict b;
    b["modality"] = static_cast<long long>(m);
    b["missing_error_lower"] = r.bounds[m].error_lower;
    b["missing_error_lower_tight"] = r.bounds[m].error_lower_tight;
    b["missing_error_upper"] = r.bounds[m].error_upper;
    b["regression_gap"] = r.bounds[m].regression_gap;
    bounds.append(b);
  }
  py::dict d;
  d["backend"] = backend;
  d["metric"] = r.metric;
  d["metric_h"] = r.metric_h;
  d["gamma"] = r.gamma;
  d["interaction"] = r.interaction;
  d["joint_mi"] = r.joint_mi;
  d["h_y"] = r.h_y;
  d["bounds"] = bounds;
  py::dict clean;
  clean["error_lower"] = r.clean_bounds.error_lower;
  clean["error_lower_tight"] = r.clean_bounds.error_lower_tight;
  clean["error_upper"] = r.clean_bounds.error_upper;
  d["clean_bounds"] = clean;
  d["classes"] = r.classes;
  d["n"] = r.n;
  d["seconds"] = r.seconds;
  d["dropped_columns"] = r.dropped_columns;
  if (r.replicates > 0) {
    py::list gi;
    for (const auto& i : r.gamma_interval) gi.append(interval(i));
    d["replicates"] = r.replicates;
    d["metric_interval"] = interval(r.metric_interval);
    d["metric_h_interval"] = interval(r.metric_h_interval);
    d["gamma_interval"] = gi;
  }
  d["warnings"] = to_list(r.warnings);
  return d;
}

py::list registry(std::span<const estimators::EstimatorInfo> list) {
  py::list out;
  for (const auto& info : list) {
    py::dict d;
    d["name"] = std::string(info.name);
    d["family"] = info.family == Family::knn ? "knn" : info.family == Family::discrete ? "discrete" : "neural";
    d["has_local"] = info.has_local;
    d["summary"] = std::string(info.summary);
    out.append(d);
  }
  return out;
}

}  // namespace

}  // namespace mmc::python


namespace mmc::python {
namespace {

// The data generators with known ground truth (docs/design.md §3.5), as dicts
// of NumPy arrays and the closed-form truth.
py::array_t<double> matrix_to_numpy(const mmc::RowMatrix<double>& m) {
  py::array_t<double> out({static_cast<py::ssize_t>(m.rows()), static_cast<py::ssize_t>(m.cols())});
  std::copy(m.data(), m.data() + m.size(), out.mutable_data());
  return out;
}

py::dict truth_dict(const mmc::data::KeyValues& values) {
  py::dict d;
  for (const auto& [key, value] : values) d[py::str(key)] = value;
  return d;
}

py::dict labelled_task_dict(const mmc::data::LabelledTask& task) {
  py::list modalities;
  for (const auto& m : task.modalities) modalities.append(matrix_to_numpy(m));
  py::array_t<long long> labels(static_cast<py::ssize_t>(task.labels.size()));
  for (mmc::Index i = 0; i < task.labels.size(); ++i) labels.mutable_at(i) = task.labels(i);
  py::dict d;
  d["modalities"] = modalities;
  d["labels"] = labels;
  d["classes"] = task.classes;
  d["truth"] = truth_dict(task.truth);
  d["name"] = task.name;
  return d;
}

py::dict gaussian(const std::vector<double>& rho, mmc::Index n, std::uint64_t seed) {
  mmc::data::MiTask task;
  {
    py::gil_scoped_release release;
    task = mmc::data::correlated_gaussian_task(rho, n, seed);
  }
  py::dict d;
  d["x"] = matrix_to_numpy(task.x);
  d["y"] = matrix_to_numpy(task.y);
  d["truth"] = truth_dict(task.truth());
  d["name"] = task.name;
  return d;
}

py::dict bits(const std::string& which, mmc::Index n, std::uint64_t seed, double noise) {
  mmc::data::BitCase c = mmc::data::BitCase::redundant;
  if (which == "unique") c = mmc::data::BitCase::unique;
  else if (which == "synergy") c = mmc::data::BitCase::synergy;
  else if (which != "redundant")
    throw mmc::invalid_argument("mmc_mi.generate_bits: argument 'case' is '" + which +
                                "'; use one of redundant, unique, synergy");
  mmc::data::LabelledTask task;
  {
    py::gil_scoped_release release;
    task = mmc::data::bits_task(c, n, seed, noise);
  }
  return labelled_task_dict(task);
}

py::dict synthetic(double alpha, mmc::Index n, std::uint64_t seed) {
  mmc::data::SyntheticOptions options;
  options.alpha = alpha;
  mmc::data::LabelledTask task;
  {
    py::gil_scoped_release release;
    task = mmc::data::synthetic_task(options, n, seed);
  }
  return labelled_task_dict(task);
}

}  // namespace
}  // namespace mmc::python

PYBIND11_MODULE(_mmc, m) {
  namespace py = pybind11;
  using namespace mmc::python;
  m.doc() = "mmc's estimators over NumPy arrays (docs/python.md)";
  m.attr("__version__") = MMC_VERSION_STRING;

  // Library errors keep their messages (docs/design.md §2): invalid input ->
  // ValueError, files -> OSError, training failures -> TrainingError, a
  // subclass of RuntimeError.
  static py::exception<mmc::training_error> training(m, "TrainingError", PyExc_RuntimeError);
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const mmc::invalid_argument& e) {
      PyErr_SetString(PyExc_ValueError, e.what());
    } catch (const mmc::io_error& e) {
      PyErr_SetString(PyExc_OSError, e.what());
    } catch (const mmc::training_error& e) {
      PyErr_SetString(training.ptr(), e.what());
    }
  });

  py::class_<Common>(m, "_Common")
      .def(py::init<>())
      .def_readwrite("k", &Common::k)
      .def_readwrite("standardize", &Common::standardize)
      .def_readwrite("jitter", &Common::jitter)
      .def_readwrite("seed", &Common::seed)
      .def_readwrite("threads", &Common::threads)
      .def_readwrite("bins", &Common::bins)
      .def_readwrite("binning", &Common::binning)
      .def_readwrite("miller_madow", &Common::miller_madow)
      .def_readwrite("variant", &Common::variant)
      .def_readwrite("norm", &Common::norm);

  m.def("_mi", &mi, py::arg("x"), py::arg("y"), py::arg("estimator"), py::arg("options"));
  m.def("_entropy", &entropy, py::arg("x"), py::arg("estimator"), py::arg("options"));
  m.def("_cmi", &cmi, py::arg("x"), py::arg("y"), py::arg("z"), py::arg("estimator"), py::arg("options"));
  m.def("_complementarity", &complementarity, py::arg("modalities"), py::arg("labels"), py::arg("backend"),
        py::arg("options"), py::arg("pca"), py::arg("bootstrap"), py::arg("confidence"), py::arg("neural"));
  m.def("_registry", [] {
    py::dict d;
    d["mi"] = registry(mmc::estimators::kMutualInformation);
    d["entropy"] = registry(mmc::estimators::kEntropy);
    d["cmi"] = registry(mmc::estimators::kConditionalMutualInformation);
    return d;
  });
  m.def("_generate_gaussian", &mmc::python::gaussian, py::arg("rho"), py::arg("n"), py::arg("seed"));
  m.def("_generate_bits", &mmc::python::bits, py::arg("case"), py::arg("n"), py::arg("seed"), py::arg("noise"));
  m.def("_generate_synthetic", &mmc::python::synthetic, py::arg("alpha"), py::arg("n"), py::arg("seed"));
  register_neural(m);
}
