"""End-to-end test of `accuracy_suite --quick` (benchmarks/accuracy_suite.cpp,
docs/design.md §6): the suite runs, prints its plan, and writes accuracy.csv (one
finite row per cell, statistics consistent with accuracy_runs.csv),
accuracy.md and the SVG plots. Python standard library only; the executable
comes from the ACCURACY_SUITE environment variable (set by Meson)."""
import csv
import math
import os
import subprocess
import tempfile
import unittest

EXE = os.environ.get("ACCURACY_SUITE", "")
HEADER = ("estimator,family,task,task_family,dim_x,dim_y,n,truth,seeds,failed,mean,bias,sd,"
          "rmse,seconds,settings").split(",")
QUICK_ESTIMATORS = {"ksg1", "ksg2", "kl", "binned", "mine"}
QUICK_TASKS = {"gauss_1d_r0.9", "student_nu3", "spiral(sparse_d2)"}
NUMERIC = ["dim_x", "dim_y", "n", "truth", "seeds", "failed", "mean", "bias", "sd", "rmse",
           "seconds"]


def run_suite(*args):
    return subprocess.run([EXE, *args], capture_output=True, text=True, timeout=240)


class QuickSuite(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not EXE:
            raise unittest.SkipTest("ACCURACY_SUITE is not set")
        cls.tmp = tempfile.TemporaryDirectory()
        cls.out = cls.tmp.name
        cls.proc = run_suite("--quick", "--threads", "2", "--out", cls.out)
        with open(os.path.join(cls.out, "accuracy.csv"), newline="") as f:
            cls.header = next(csv.reader(f))
            f.seek(0)
            cls.rows = list(csv.DictReader(f))
        with open(os.path.join(cls.out, "accuracy_runs.csv"), newline="") as f:
            cls.runs = list(csv.DictReader(f))

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_exit_code_and_plan(self):
        self.assertEqual(self.proc.returncode, 0, msg=self.proc.stderr)
        self.assertIn("Total: 15 cells, 30 estimates.", self.proc.stdout)
        self.assertIn("wall time", self.proc.stdout)

    def test_csv_header_and_cells(self):
        self.assertEqual(self.header, HEADER)
        cells = {(r["estimator"], r["task"]) for r in self.rows}
        self.assertEqual(cells, {(e, t) for e in QUICK_ESTIMATORS for t in QUICK_TASKS})
        for r in self.rows:
            self.assertEqual(int(r["n"]), 1000)
            self.assertEqual(int(r["seeds"]) + int(r["failed"]), 2)

    def test_every_row_finite(self):
        for r in self.rows:
            for key in NUMERIC:
                self.assertTrue(math.isfinite(float(r[key])), msg=f"{key} in {r}")
            self.assertGreater(int(r["seeds"]), 0)

    def test_statistics_match_the_runs(self):
        # Oracle: recompute mean, sd and RMSE from the per-run CSV; the summary
        # prints 6 significant digits, hence the relative tolerance.
        for r in self.rows:
            values = [float(x["value"]) for x in self.runs
                      if x["estimator"] == r["estimator"] and x["task"] == r["task"] and x["value"]]
            self.assertEqual(len(values), int(r["seeds"]))
            truth = float(r["truth"])
            mean = sum(values) / len(values)
            sd = math.sqrt(sum((v - mean) ** 2 for v in values) / (len(values) - 1))
            rmse = math.sqrt(sum((v - truth) ** 2 for v in values) / len(values))
            for key, expected in (("mean", mean), ("bias", mean - truth), ("sd", sd), ("rmse", rmse)):
                self.assertAlmostEqual(float(r[key]), expected, delta=1e-5 * max(1.0, abs(expected)),
                                       msg=f"{key} of {r['estimator']} on {r['task']}")

    def test_truths_are_the_closed_forms(self):
        truth = {r["task"]: float(r["truth"]) for r in self.rows}
        self.assertAlmostEqual(truth["gauss_1d_r0.9"], -0.5 * math.log(1 - 0.81), places=5)
        self.assertAlmostEqual(truth["spiral(sparse_d2)"], -math.log(1 - 0.64), places=5)

    def test_ksg_is_accurate_on_a_gaussian(self):
        # KSG-1 at N = 1000, k = 3 on a 1+1 Gaussian with I = 0.83 nats: over 10
        # seeds the suite measures sd 0.038 nats per estimate and bias +0.036,
        # so the mean of 2 seeds (sd 0.027) lies within 0.036 + 4 sd < 0.15 nats
        # of the truth; a broken estimator or generator is off by far more.
        row = next(r for r in self.rows if r["estimator"] == "ksg1" and r["task"] == "gauss_1d_r0.9")
        self.assertLess(abs(float(row["bias"])), 0.15)

    def test_markdown_and_plots(self):
        with open(os.path.join(self.out, "accuracy.md")) as f:
            md = f.read()
        self.assertIn("## Plan", md)
        for task in QUICK_TASKS:
            self.assertIn("| " + task + " |", md)
        for family in ("knn", "neural"):
            for kind in ("estimate_vs_truth", "error_vs_n", "time_vs_n"):
                name = f"{kind}_{family}.svg"
                path = os.path.join(self.out, name)
                self.assertTrue(os.path.isfile(path), msg=name)
                with open(path) as f:
                    svg = f.read()
                self.assertTrue(svg.startswith("<svg") and svg.rstrip().endswith("</svg>"), msg=name)
                self.assertIn("<circle", svg, msg=name)  # at least one data point drawn
                self.assertIn(f"![{name}]({name})", md)

    def test_filter_selects_cells(self):
        with tempfile.TemporaryDirectory() as out:
            proc = run_suite("--quick", "--filter", "ksg1,kl", "--filter", "student",
                             "--seeds", "1", "--out", out)
            self.assertEqual(proc.returncode, 0, msg=proc.stderr)
            with open(os.path.join(out, "accuracy.csv"), newline="") as f:
                rows = list(csv.DictReader(f))
        self.assertEqual({(r["estimator"], r["task"]) for r in rows},
                         {("ksg1", "student_nu3"), ("kl", "student_nu3")})
        self.assertTrue(all(r["seeds"] == "1" for r in rows))

    def test_bad_option_exits_2(self):
        proc = run_suite("--no-such-option")
        self.assertEqual(proc.returncode, 2)
        self.assertIn("unknown option --no-such-option", proc.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
