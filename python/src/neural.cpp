// python/src/neural.cpp — the neural estimators of the registry for the
// mmc_mi Python package (docs/python.md): mine|nwj|infonce|js|smile|doe for
// I(X;Y) and cene for H(X), on nn::CpuBackend<float>, through the registry's
// visitor (mmc/estimators/neural_dispatch.hpp). A translation unit of its own:
// the network templates dominate the module's compile time (docs/design.md §5).
#include "common.hpp"

#include <optional>
#include <type_traits>

#include <mmc/estimators/neural_dispatch.hpp>

namespace mmc::python {

namespace {

/// The CLI's training options (tools/mmc/neural_options.cpp); unset fields
/// keep the estimator's defaults.
struct Training {
  std::optional<Index> steps, batch;
  std::optional<double> lr, holdout, ema;
  std::optional<std::vector<Index>> hidden;
  std::string activation = "relu";
  std::optional<bool> standardize;
  std::uint64_t seed = 0;
  int threads = 0;
};

void apply(const Training& t, neural::TrainingOptions& o, const char* fn) {
  if (t.steps) o.steps = *t.steps;
  if (t.batch) o.batch = *t.batch;
  if (t.lr) o.lr = *t.lr;
  if (t.holdout) o.holdout = *t.holdout;
  if (t.hidden) o.hidden = *t.hidden;
  if (t.activation == "relu") o.activation = nn::Activation::relu;
  else if (t.activation == "elu") o.activation = nn::Activation::elu;
  else if (t.activation == "tanh") o.activation = nn::Activation::tanh;
  else mmc::detail::throw_invalid(fn, "activation", "is '" + t.activation + "'", "use 'relu', 'elu' or 'tanh'");
  if (t.standardize) o.standardize = *t.standardize;
  if (t.threads < 0)
    mmc::detail::throw_invalid(fn, "threads", "is " + std::to_string(t.threads),
                               "pass 0 (all cores) or a positive thread count");
  o.seed = t.seed;
  o.threads = t.threads;
}

using Backend = nn::CpuBackend<float>;

py::dict neural_mi(const Array& xa, const Array& ya, const std::string& estimator, const Training& t) {
  constexpr const char* fn = "mmc_mi.mi";
  const auto& info = estimators::parse(estimators::kMutualInformation, estimator, fn, "estimator");
  const ConstMap x = as_matrix(xa, fn, "x");
  const ConstMap y = as_matrix(ya, fn, "y");
  // The same fields, in the same order, as `mmc mi --json` (tools/mmc/neural_commands.hpp).
  struct Field {
    const char* key;
    double value;
    bool integer;
  };
  std::vector<Field> fields;
  const char* loop = nullptr;  // the MI bounds' training loop, as `mmc mi --json` reports it
  estimators::visit_neural_mi<float, Backend>(info.id, [&]<class E>() {
    typename E::Options options;
    apply(t, options, fn);
    if constexpr (std::is_same_v<E, neural::Doe<float, Backend>>) {
      if (t.ema) mmc::detail::throw_invalid(fn, "ema", "is set", "ema applies to estimator 'mine' only");
      typename E::Result r;
      {
        py::gil_scoped_release release;
        r = E(options).estimate(x, y);
      }
      fields = {{"value", r.value, false},
                {"n", static_cast<double>(x.rows()), true},
                {"seconds", r.seconds, false},
                {"steps", static_cast<double>(std::max(r.marginal.steps, r.conditional.steps)), true},
                {"steps_total", static_cast<double>(r.marginal.steps + r.conditional.steps), true},
                {"train_estimate", r.marginal.train_value - r.conditional.train_value, false},
                {"h_x", r.marginal.value, false},
                {"h_x_given_y", r.conditional.value, false}};
    } else {
      if constexpr (E::bound == neural::Bound::dv) {
        if (t.ema) options.ema = *t.ema;
      } else if (t.ema) {
        mmc::detail::throw_invalid(fn, "ema", "is set", "ema applies to estimator 'mine' only");
      }
      typename E::Result r;
      {
        py::gil_scoped_release release;
        r = E(options).estimate(x, y);
      }
      fields = {{"value", r.value, false},
                {"n", static_cast<double>(x.rows()), true},
                {"seconds", r.seconds, false},
                {"steps", static_cast<double>(r.steps), true},
                {"train_estimate", r.train_estimate, false},
                {"n_train", static_cast<double>(r.n_train), true},
                {"n_heldout", static_cast<double>(r.n_heldout), true},
                {"best_step", static_cast<double>(r.best_step), true}};
      if (std::isfinite(r.cap)) fields.push_back({"cap", r.cap, false});
      loop = r.resident ? "resident" : "host";
    }
  });
  py::dict d;
  d["estimator"] = std::string(info.name);
  for (const auto& f : fields) {
    if (f.integer)
      d[f.key] = static_cast<long long>(f.value);
    else
      d[f.key] = f.value;
  }
  if (loop != nullptr) d["loop"] = loop;
  d["device"] = "cpu";
  d["warnings"] = py::list();
  return d;
}

py::dict cene(const Array& xa, const Training& t) {
  constexpr const char* fn = "mmc_mi.entropy";
  neural::CeneOptions options;
  // Entropy is not scale-invariant: no standardisation unless asked (as `mmc entropy`).
  options.standardize = false;
  apply(t, options, fn);
  if (t.ema) mmc::detail::throw_invalid(fn, "ema", "is set", "ema applies to estimator 'mine' only");
  const ConstMap x = as_matrix(xa, fn, "x");
  neural::CeneResult r;
  {
    py::gil_scoped_release release;
    r = neural::Cene<float, Backend>(options).estimate(x);
  }
  py::dict d;
  d["estimator"] = "cene";
  d["value"] = r.value;
  d["n"] = x.rows();
  d["seconds"] = r.seconds;
  d["steps"] = r.steps;
  d["train_estimate"] = r.train_value;
  d["device"] = "cpu";
  d["warnings"] = py::list();
  return d;
}

}  // namespace

void register_neural(py::module_& m) {
  py::class_<Training>(m, "_Training")
      .def(py::init<>())
      .def_readwrite("steps", &Training::steps)
      .def_readwrite("batch", &Training::batch)
      .def_readwrite("lr", &Training::lr)
      .def_readwrite("holdout", &Training::holdout)
      .def_readwrite("ema", &Training::ema)
      .def_readwrite("hidden", &Training::hidden)
      .def_readwrite("activation", &Training::activation)
      .def_readwrite("standardize", &Training::standardize)
      .def_readwrite("seed", &Training::seed)
      .def_readwrite("threads", &Training::threads);
  m.def("_neural_mi", &neural_mi, py::arg("x"), py::arg("y"), py::arg("estimator"), py::arg("options"));
  m.def("_cene", &cene, py::arg("x"), py::arg("options"));
}

}  // namespace mmc::python
