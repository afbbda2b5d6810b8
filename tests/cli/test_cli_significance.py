"""`mmc mi` / `mmc cmi` significance and sensitivity options and `mmc mi-matrix`
(docs/significance.md, docs/design.md §5): --permutations adds a p-value and the
null's statistics (neural estimators retrain per shuffle; `mmc complementarity`
gets a null per Gamma_i), --value-only prints one float (also for the neural
estimators and `mmc entropy`), --local writes an N x 1 .npy,
--k accepts a list, mi-matrix equals single `mmc mi` calls on the columns, and
bad input gets a one-line error naming the option (exit 2)."""

import json
import math
import os
import random
import struct
import unittest

from cli_helpers import CliTestCase, correlated_gaussian, run, write_csv


def read_npy_f8(path):
    """(shape, values) of a little-endian float64 .npy written by mmc."""
    with open(path, "rb") as f:
        data = f.read()
    assert data[:6] == b"\x93NUMPY", data[:10]
    header_len = struct.unpack("<H", data[8:10])[0]
    header = data[10:10 + header_len].decode("latin1")
    assert "'<f8'" in header, header
    shape = eval(header[header.index("'shape':") + 8:].split(")")[0] + ")")  # noqa: S307 (own file)
    body = data[10 + header_len:]
    values = list(struct.unpack("<%dd" % (len(body) // 8), body))
    return shape, values


class Significance(CliTestCase):
    def setUp(self):
        super().setUp()
        x, y = correlated_gaussian(300, 0.8, seed=5)
        self.x, self.y = self.path("x.csv"), self.path("y.csv")
        write_csv(self.x, x)
        write_csv(self.y, y)
        rng = random.Random(9)
        self.indep = self.path("indep.csv")
        write_csv(self.indep, [[rng.gauss(0, 1)] for _ in range(300)])
        # z -> x, z -> y: y depends on x only through z.
        zs = [rng.gauss(0, 1) for _ in range(300)]
        self.z = self.path("z.csv")
        self.cx, self.cy = self.path("cx.csv"), self.path("cy.csv")
        write_csv(self.z, [[v] for v in zs])
        write_csv(self.cx, [[v + 0.5 * rng.gauss(0, 1)] for v in zs])
        write_csv(self.cy, [[v + 0.5 * rng.gauss(0, 1)] for v in zs])

        self.labels = self.path("labels.csv")
        write_csv(self.labels, [[i % 2] for i in range(300)])

    def mi(self, *extra):
        return ["mi", "--x", self.x, "--y", self.y, *extra]

    def cmi(self, *extra):
        return ["cmi", "--x", self.cx, "--y", self.cy, "--z", self.z, *extra]

    def test_permutations_report_the_null(self):
        out = self.run_json(*self.mi("--permutations", "19"))
        for key in ("p_value", "null_mean", "null_sd", "corrected", "permutations"):
            self.assertIn(key, out)
        self.assertEqual(out["permutations"], 19)
        self.assertEqual(out["p_value"], 1 / 20)  # strong dependence: the smallest p
        self.assertAlmostEqual(out["corrected"], out["value"] - out["null_mean"], places=12)
        self.assertLess(abs(out["null_mean"]), 0.1)
        # Without the test the value is the same.
        self.assertEqual(self.run_json(*self.mi())["value"], out["value"])
        # Independent data: the corrected estimate is within 3 null sds of 0
        # (fixed seeds: deterministic; the p-value's uniformity under
        # independence is tested in tests/estimators/test_permutation.cpp).
        indep = self.run_json("mi", "--x", self.x, "--y", self.indep, "--permutations", "19")
        self.assertLess(abs(indep["corrected"]), 3 * indep["null_sd"])

    def test_permutations_same_at_one_and_two_threads(self):
        a = self.run_json(*self.mi("--permutations", "9", "--threads", "1", "--seed", "4"))
        b = self.run_json(*self.mi("--permutations", "9", "--threads", "2", "--seed", "4"))
        for key in ("value", "p_value", "null_mean", "null_sd"):
            self.assertEqual(a[key], b[key], key)

    def test_discrete_estimators_take_permutations_and_normalize(self):
        labels = self.path("labels.csv")
        with open(self.x) as f:
            xs = [float(line) for line in f]
        write_csv(labels, [[1 if v > 0 else 0] for v in xs])
        out = self.run_json("mi", "--x", self.x, "--y", labels, "--estimator", "ross", "--permutations", "9")
        self.assertEqual(out["p_value"], 0.1)
        self.assertIn("normalized", out)
        self.assertAlmostEqual(out["normalized"], out["value"] / out["h_y"], places=12)
        self.assertAlmostEqual(out["h_y"], math.log(2), delta=0.01)

    def test_cmi_local_permutation(self):
        out = self.run_json(*self.cmi("--permutations", "19"))
        self.assertEqual(out["permutations"], 19)
        self.assertEqual(out["k_perm"], 5)
        self.assertLess(abs(out["null_mean"]), 0.08)  # the null keeps I(X;Z): CMI near 0
        self.assertGreater(out["p_value"], 0.01)
        # y = x + noise: conditional dependence, smallest p.
        dep = self.run_json("cmi", "--x", self.x, "--y", self.y, "--z", self.indep, "--permutations", "19")
        self.assertEqual(dep["p_value"], 1 / 20)

    def test_value_only_prints_one_float(self):
        for args in (self.mi("--value-only"), self.cmi("--value-only"),
                     self.mi("--value-only", "--permutations", "5"), self.mi("--value-only", "--k", "3,5")):
            code, out, err = run(*args)
            self.assertEqual(code, 0, msg=err)
            lines = out.strip().splitlines()
            self.assertEqual(len(lines), 1, msg=out)
            value = float(lines[0])
            self.assertTrue(math.isfinite(value))
        code, out, _ = run(*self.mi("--value-only"))
        self.assertEqual(float(out), self.run_json(*self.mi())["value"])  # full precision

    def test_value_only_for_neural_estimators_and_entropy(self):
        quick = ("--steps", "60", "--batch", "32", "--hidden", "8", "--quiet")
        cases = [
            self.mi("--estimator", "infonce", *quick),
            self.mi("--estimator", "doe", *quick),
            ["entropy", "--x", self.x],
            ["entropy", "--x", self.x, "--estimator", "cene", *quick],
        ]
        for args in cases:
            with self.subTest(args=" ".join(args)):
                code, out, err = run(*args, "--value-only")
                self.assertEqual(code, 0, msg=err)
                lines = out.strip().splitlines()
                self.assertEqual(len(lines), 1, msg=out)
                self.assertEqual(float(lines[0]), self.run_json(*args)["value"])  # full precision

    def test_neural_permutations(self):
        quick = ("--estimator", "infonce", "--steps", "100", "--batch", "64", "--hidden", "8", "--quiet",
                 "--seed", "3")
        dep = self.run_json(*self.mi(*quick, "--permutations", "9"))
        for key in ("p_value", "null_mean", "null_sd", "corrected", "permutations", "permutation_seconds"):
            self.assertIn(key, dep)
        self.assertEqual(dep["permutations"], 9)
        self.assertEqual(dep["p_value"], 1 / 10, msg=dep)  # strong dependence: the smallest p
        self.assertAlmostEqual(dep["corrected"], dep["value"] - dep["null_mean"], places=12)
        # The estimate is the one without a test; the null does not depend on the threads.
        self.assertEqual(dep["value"], self.run_json(*self.mi(*quick))["value"])
        again = self.run_json(*self.mi(*quick, "--permutations", "9", "--threads", "1"))
        self.assertEqual(again["null_mean"], dep["null_mean"])
        self.assertEqual(again["null_sd"], dep["null_sd"])
        indep = self.run_json("mi", "--x", self.x, "--y", self.indep, *quick, "--permutations", "19")
        self.assertGreater(indep["p_value"], 0.1, msg=indep)

    def test_complementarity_gamma_nulls(self):
        # Y = a bit; modality 0 = that bit + noise (unique information), modality 1 = an
        # independent bit + noise (pure noise about Y).
        rng = random.Random(4)
        labels = [rng.randrange(2) for _ in range(600)]
        m0, m1, lab = self.path("m0.csv"), self.path("m1.csv"), self.path("lab.csv")
        write_csv(m0, [[b + 0.1 * rng.gauss(0, 1)] for b in labels])
        write_csv(m1, [[rng.randrange(2) + 0.1 * rng.gauss(0, 1)] for _ in labels])
        write_csv(lab, [[b] for b in labels])
        out = self.run_json("complementarity", "--modality", m0, "--modality", m1, "--labels", lab,
                            "--permutations", "19")
        for key in ("gamma_p_value", "gamma_null_mean", "gamma_null_sd", "gamma_corrected"):
            self.assertEqual(len(out[key]), 2, msg=key)
        self.assertEqual(out["permutations"], 19)
        self.assertEqual(out["gamma_p_value"][0], 1 / 20, msg=out)
        self.assertGreater(out["gamma_p_value"][1], 0.1, msg=out)
        for i in range(2):
            self.assertAlmostEqual(out["gamma_corrected"][i], out["gamma"][i] - out["gamma_null_mean"][i], places=12)
        plain = self.run_json("complementarity", "--modality", m0, "--modality", m1, "--labels", lab)
        self.assertEqual(plain["gamma"], out["gamma"])
        self.assertNotIn("gamma_p_value", plain)

    def test_local_values_file(self):
        path = self.path("local.npy")
        out = self.run_json(*self.mi("--local", path))
        shape, values = read_npy_f8(path)
        self.assertEqual(shape, (300, 1))
        self.assertAlmostEqual(sum(values) / len(values), out["value"], places=10)
        cpath = self.path("clocal.npy")
        out = self.run_json(*self.cmi("--local", cpath))
        shape, values = read_npy_f8(cpath)
        self.assertEqual(shape, (300, 1))
        self.assertAlmostEqual(sum(values) / len(values), out["value"], places=10)

    def test_k_list(self):
        out = self.run_json(*self.mi("--k", "3,5,10"))
        self.assertEqual(out["k"], [3, 5, 10])
        self.assertEqual(len(out["values"]), 3)
        singles = [self.run_json(*self.mi("--k", str(k)))["value"] for k in (3, 5, 10)]
        self.assertEqual(out["values"], singles)
        self.assertAlmostEqual(out["value"], sum(singles) / 3, places=14)
        self.assertAlmostEqual(out["k_spread"], max(singles) - min(singles), places=14)
        out = self.run_json(*self.cmi("--k", "4,8"))
        self.assertEqual(out["k"], [4, 8])
        self.assertEqual(len(out["values"]), 2)

    def test_mi_matrix_equals_single_calls(self):
        rng = random.Random(2)
        rows_x, rows_y = [], []
        for _ in range(200):
            s = rng.gauss(0, 1)
            rows_x.append([s + rng.gauss(0, 1), rng.gauss(0, 1), 2 * s + rng.gauss(0, 1)])
            rows_y.append([s + 0.3 * rng.gauss(0, 1), rng.gauss(0, 1)])
        mx, my = self.path("mx.csv"), self.path("my.csv")
        write_csv(mx, rows_x)
        write_csv(my, rows_y)
        out = self.run_json("mi-matrix", "--x", mx, "--y", my, "--k", "4")
        self.assertEqual(out["mode"], "matrix")
        self.assertEqual(len(out["values"]), 3)
        for i in range(3):
            xi = self.path("x%d.csv" % i)
            write_csv(xi, [[r[i]] for r in rows_x])
            for j in range(2):
                yj = self.path("y%d.csv" % j)
                write_csv(yj, [[r[j]] for r in rows_y])
                single = self.run_json("mi", "--x", xi, "--y", yj, "--k", "4")["value"]
                self.assertEqual(out["values"][i][j], single, (i, j))
        csv_path = self.path("m.csv")
        code, table, err = run("mi-matrix", "--x", mx, "--y", my, "--csv", csv_path)
        self.assertEqual(code, 0, msg=err)
        with open(csv_path) as f:
            lines = f.read().strip().splitlines()
        self.assertEqual(lines[0], "x_column,y_0,y_1")
        self.assertEqual(len(lines), 4)
        # Ranking against a target: descending, column 2 (2s + noise) first.
        target = self.path("t.csv")
        write_csv(target, [[r[0]] for r in rows_y])
        ranked = self.run_json("mi-matrix", "--x", mx, "--target", target)
        self.assertEqual(ranked["mode"], "target")
        values = [entry["value"] for entry in ranked["ranking"]]
        self.assertEqual(values, sorted(values, reverse=True))
        self.assertEqual(ranked["ranking"][0]["column"], 2)

    def test_rejected_with_the_option_named(self):
        short = self.path("short.csv")
        write_csv(short, [[0.1 * i] for i in range(50)])
        table = [
            (self.mi("--permutations", "0"), ["--permutations"]),
            (self.mi("--permutations", "-3"), ["--permutations"]),
            (self.mi("--permutations", "abc"), ["--permutations"]),
            (self.cmi("--permutations", "0"), ["--permutations"]),
            (self.mi("--estimator", "mine", "--permutations", "0"), ["--permutations"]),
            (self.mi("--estimator", "nwj", "--permutations", "x"), ["--permutations"]),
            (["entropy", "--x", self.x, "--value-only", "--json"], ["--value-only", "--json"]),
            (["entropy", "--x", self.x, "--estimator", "cene", "--value-only", "--json"], ["--value-only", "--json"]),
            (self.mi("--estimator", "mine", "--value-only", "--json"), ["--value-only", "--json"]),
            (["complementarity", "--modality", self.x, "--modality", self.y, "--labels", self.labels,
              "--permutations", "0"], ["--permutations"]),
            (["complementarity", "--modality", self.x, "--modality", self.y, "--labels", self.labels,
              "--backend", "cene", "--permutations", "5"], ["--permutations", "knn"]),
            (self.mi("--estimator", "mine", "--local", self.path("l.npy")), ["--local", "mine"]),
            (self.mi("--k", "3,0,5"), ["--k"]),
            (self.mi("--k", "3,,5"), ["--k"]),
            (self.mi("--k", ""), ["--k"]),
            (self.cmi("--k", "0"), ["k"]),
            (self.cmi("--k", "4,0"), ["--k"]),
            (self.mi("--k", "3,5", "--permutations", "5"), ["--permutations", "--k"]),
            (self.mi("--k", "3,5", "--local", self.path("l.npy")), ["--local", "--k"]),
            (self.mi("--value-only", "--json"), ["--value-only", "--json"]),
            (self.mi("--estimator", "plugin", "--bins", "4", "--local", self.path("l.npy")), ["--local"]),
            (self.cmi("--k-perm", "5"), ["--k-perm"]),
            (self.cmi("--permutations", "5", "--k-perm", "0"), ["--k-perm"]),
            (["mi", "--x", self.x, "--y", short, "--permutations", "5"], ["rows"]),
            (["cmi", "--x", self.cx, "--y", self.cy, "--z", short, "--permutations", "5"], ["rows"]),
            (["mi-matrix", "--x", self.x], ["--y", "--target"]),
            (["mi-matrix", "--x", self.x, "--y", self.y, "--target", self.y], ["--y", "--target"]),
            (["mi-matrix", "--x", self.x, "--y", short], ["rows"]),
            (["mi-matrix", "--x", self.x, "--y", self.y, "--estimator", "mine"], ["--estimator"]),
        ]
        for args, fragments in table:
            with self.subTest(args=" ".join(args)):
                self.assert_bad_input(args, *fragments)


if __name__ == "__main__":
    unittest.main()
