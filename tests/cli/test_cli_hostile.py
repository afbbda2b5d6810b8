"""Hostile inputs and limits, table-driven: each row is a command a careless or
malicious user could type, and what mmc must do (docs/design.md §5, §6): a
one-line error naming the option (exit 2), or a correct value, never a crash,
a hang, a silently ignored option or an impossible number.

Rows come from a campaign of crafted files, extreme values and option abuse;
they stay here so each defect stays fixed (this file also runs in the
sanitizer build)."""

import json
import math
import random
import unittest

from cli_helpers import CliTestCase, correlated_gaussian, run, write_csv


class HostileInputs(CliTestCase):
    def setUp(self):
        super().setUp()
        x, y = correlated_gaussian(400, 0.6, seed=3)
        self.x, self.y = self.path("x.csv"), self.path("y.csv")
        write_csv(self.x, x)
        write_csv(self.y, y)
        self.xs, self.ys = [row[0] for row in x], [row[0] for row in y]

    def mi(self, *extra):
        return ["mi", "--x", self.x, "--y", self.y, *extra]

    def test_rejected_with_the_option_named(self):
        # (arguments, fragments the one-line error must contain)
        table = [
            (self.mi("--threads", "10000000000"), ["--threads"]),
            (self.mi("--threads", "-1"), ["--threads"]),
            (self.mi("--k", "0"), ["k"]),
            (self.mi("--jitter", "-1"), ["jitter"]),
            (self.mi("--jitter", "nan"), ["--jitter"]),
            (self.mi("--estimator", "ksg1", "--device", "cuda"), ["--device", "ksg1"]),
            (self.mi("--estimator", "ksg1", "--steps", "10"), ["--steps", "ksg1"]),
            (self.mi("--estimator", "ksg1", "--bins", "5"), ["--bins"]),
            (self.mi("--estimator", "mine", "--k", "5"), ["--k", "mine"]),
            (self.mi("--estimator", "nwj", "--ema", "0.1"), ["--ema"]),
            (self.mi("--estimator", "ksg2", "--variant", "reference"), ["--variant"]),
            (self.mi("--estimator", "mine", "--hidden", "100000,100000"), ["--hidden"]),
            (self.mi("--estimator", "mine", "--hidden", "64,"), ["--hidden"]),
            (self.mi("--estimator", "nope"), ["--estimator", "ksg1"]),
            (self.mi("--seed", "-3"), ["--seed"]),
            (["demo", "--alphas", "0.5xyz", "--out", self.path("d")], ["--alphas"]),
            (["demo", "--alphas", ",", "--out", self.path("d")], ["--alphas"]),
            (["generate", "synthetic", "--n", "1e12", "--out", self.path("g")], ["--n"]),
            (["entropy", "--x", self.x, "--estimator", "kl", "--bins", "4"], ["--bins"]),
            (["entropy", "--x", self.x, "--estimator", "gknn", "--norm", "euclidean"], ["--norm"]),
        ]
        for args, fragments in table:
            with self.subTest(args=" ".join(args[:1] + args[5:] if args[0] == "mi" else args)):
                self.assert_bad_input(args, *fragments)

    def test_thread_counts_are_capped_not_obeyed(self):
        # 3000 threads on a small machine must neither start 3000 threads nor
        # change the value: the library caps the count, results never depend on it.
        one = self.run_json(*self.mi("--threads", "1", "--json"))
        many = self.run_json(*self.mi("--threads", "3000", "--json"))
        self.assertEqual(one["value"], many["value"])

    def test_extreme_scales_and_offsets(self):
        base = self.run_json(*self.mi("--json"))["value"]
        for name, transform in [("huge", lambda v: v * 1.5e307), ("tiny", lambda v: v * 1e-300),
                                ("offset", lambda v: v * 100 + 1.7e9)]:
            with self.subTest(name):
                xp, yp = self.path(name + "_x.csv"), self.path(name + "_y.csv")
                write_csv(xp, [[transform(v)] for v in self.xs])
                write_csv(yp, [[transform(v)] for v in self.ys])
                value = self.run_json("mi", "--x", xp, "--y", yp, "--json")["value"]
                # Standardisation removes scale and offset up to rounding of
                # the inputs (relative 1e-7 for the offset case: 1.7e9 + 100 x).
                self.assertAlmostEqual(value, base, delta=0.02, msg=name)

    def test_neural_estimates_survive_a_large_offset(self):
        # Timestamps-like data: float32 cannot hold x * 100 + 1.7e9 to more than
        # ~2 digits; standardising in double first keeps the information.
        xp, yp = self.path("off_x.csv"), self.path("off_y.csv")
        write_csv(xp, [[v * 100 + 1.7e9] for v in self.xs])
        write_csv(yp, [[v * 100 + 1.7e9] for v in self.ys])
        common = ["--estimator", "infonce", "--steps", "60", "--batch", "64", "--json", "--quiet",
                  "--threads", "1"]
        plain = self.run_json("mi", "--x", self.x, "--y", self.y, *common)["value"]
        offset = self.run_json("mi", "--x", xp, "--y", yp, *common)["value"]
        self.assertAlmostEqual(plain, offset, delta=0.05)

    def test_doe_reports_the_steps_it_was_given(self):
        result = self.run_json(*self.mi("--estimator", "doe", "--steps", "20", "--batch", "32",
                                        "--json", "--quiet", "--threads", "1"))
        self.assertLessEqual(result["steps"], 20)
        self.assertLessEqual(result["steps_total"], 40)

    def test_cr_only_line_endings(self):
        path = self.path("cr.csv")
        with open(path, "w", newline="") as f:
            f.write("x\r" + "".join("%r\r" % v for v in self.xs))
        a = self.run_json("mi", "--x", path, "--y", self.y, "--json")["value"]
        b = self.run_json(*self.mi("--json"))["value"]
        self.assertEqual(a, b)

    def test_heavily_tied_data_is_refused_with_the_fix(self):
        # 10 distinct values, each repeated: KSG once returned 9.68 nats here
        # (above H(X) = log 10 = 2.30). It must refuse and name the remedies.
        tied_x, tied_y = self.path("tied_x.csv"), self.path("tied_y.csv")
        write_csv(tied_x, [[float(i % 10)] for i in range(400)])
        write_csv(tied_y, [[float((i * 7) % 10)] for i in range(400)])
        for estimator in ["ksg1", "ksg2"]:
            with self.subTest(estimator):
                self.assert_bad_input(["mi", "--x", tied_x, "--y", tied_y, "--estimator", estimator],
                                      "--jitter", "tied")
        # The remedies work: jitter breaks the ties, and the discrete estimators accept the data.
        jittered = self.run_json("mi", "--x", tied_x, "--y", tied_y, "--jitter", "0.01", "--json")
        self.assertLess(jittered["value"], math.log(10) + 0.1)
        plugin = self.run_json("mi", "--x", tied_x, "--y", tied_y, "--estimator", "plugin",
                               "--no-miller-madow", "--json")
        self.assertLessEqual(plugin["value"], math.log(10) + 1e-9)
        self.run_json("mi", "--x", tied_x, "--y", tied_y, "--estimator", "mixed", "--json")

    def test_every_result_has_a_warnings_array(self):
        for estimator in ["ksg1", "kl", "mixed"]:
            with self.subTest(estimator):
                self.assertEqual(self.run_json(*self.mi("--estimator", estimator, "--json"))["warnings"], [])


class HostileComplementarity(CliTestCase):
    def setUp(self):
        super().setUp()
        code, out, err = run("generate", "bits", "--case", "unique", "--n", "600", "--seed", "2",
                             "--out", self.path("bits"))
        self.assertEqual(code, 0, msg=err)
        self.files = [self.path("bits/modality_0.npy"), self.path("bits/modality_1.npy"),
                      self.path("bits/labels.npy")]

    def complementarity(self, *extra):
        return ["complementarity", "--modality", self.files[0], "--modality", self.files[1],
                "--labels", self.files[2], *extra]

    def test_rejected(self):
        table = [
            (self.complementarity("--bootstrap", "1"), ["--bootstrap"]),
            (self.complementarity("--backend", "cene", "--jitter", "0.5"), ["--jitter", "cene"]),
            (self.complementarity("--backend", "knn", "--steps", "10"), ["--steps", "knn"]),
            (self.complementarity("--device", "cuda"), ["--device"]),
            (self.complementarity("--confidence", "1.5"), ["confidence"]),
        ]
        for args, fragments in table:
            with self.subTest(args=" ".join(args[7:])):
                self.assert_bad_input(args, *fragments)

    def test_jitter_reaches_the_knn_backend(self):
        plain = self.run_json(*self.complementarity("--json"))["metric"]
        jittered = self.run_json(*self.complementarity("--jitter", "0.5", "--json"))["metric"]
        self.assertNotEqual(plain, jittered)

    def test_too_few_samples_per_class(self):
        rows = [[random.Random(i).gauss(0, 1)] for i in range(8)]
        write_csv(self.path("a.csv"), rows)
        write_csv(self.path("b.csv"), rows[::-1])
        write_csv(self.path("l.csv"), [[i % 2] for i in range(8)])
        self.assert_bad_input(["complementarity", "--modality", self.path("a.csv"), "--modality",
                               self.path("b.csv"), "--labels", self.path("l.csv")],
                              "labels", "samples per class")

    def test_sparse_labels_are_renumbered_for_fusion(self):
        # Labels {0, 7, 1000000}: the model must have 3 outputs, not 1,000,001.
        labels = self.path("sparse.csv")
        code, out, err = run("generate", "bits", "--case", "redundant", "--n", "300", "--seed", "1",
                             "--out", self.path("red"))
        self.assertEqual(code, 0, msg=err)
        write_csv(labels, [[[0, 7, 1000000][i % 3]] for i in range(300)])
        result = self.run_json("robustness", "--modality", self.path("red/modality_0.npy"),
                               "--modality", self.path("red/modality_1.npy"), "--labels", labels,
                               "--epochs", "2", "--json")
        self.assertGreaterEqual(result["clean"], 0.0)

    def test_tiny_data_for_fusion_is_refused(self):
        rows = [[float(i)] for i in range(5)]
        write_csv(self.path("a5.csv"), rows)
        write_csv(self.path("b5.csv"), rows)
        write_csv(self.path("l5.csv"), [[i % 2] for i in range(5)])
        for command in ["robustness", "fusion"]:
            with self.subTest(command):
                self.assert_bad_input([command, "--modality", self.path("a5.csv"), "--modality",
                                       self.path("b5.csv"), "--labels", self.path("l5.csv")],
                                      "fraction")


if __name__ == "__main__":
    unittest.main()
