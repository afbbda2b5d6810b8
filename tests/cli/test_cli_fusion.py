"""End-to-end tests of `mmc robustness`, `mmc fusion` and `mmc demo`
(docs/design.md §3.6-3.7, §5): the --json fields, the demo's files, and bad input."""
import csv
import os
import unittest

from cli_helpers import CliTestCase, run, write_csv


class FusionCommands(CliTestCase):
    def generate(self, alpha, n=1500):
        out = self.path("alpha%s" % alpha)
        code, _, err = run("generate", "synthetic", "--alpha", alpha, "--n", n, "--seed", "3",
                           "--out", out)
        self.assertEqual(code, 0, msg=err)
        return [os.path.join(out, f) for f in ["modality_0.npy", "modality_1.npy", "labels.npy"]]

    def test_robustness_fields(self):
        x, z, y = self.generate("0.0")
        result = self.run_json("robustness", "--modality", x, "--modality", z, "--labels", y,
                               "--epochs", "10")
        for key in ["clean", "missing", "noisy", "adversarial", "robustness"]:
            self.assertIn(key, result)
        # alpha = 0: the label needs both modalities, so a missing one leaves chance.
        self.assertGreater(result["clean"], 0.85)
        self.assertLess(result["missing"], 0.65)
        self.assertAlmostEqual(result["robustness"]["missing"], result["missing"] / result["clean"],
                               places=12)
        self.assertEqual(len(result["per_modality"]), 2)

    def test_fusion_fields(self):
        x, z, y = self.generate("1.0")
        result = self.run_json("fusion", "--modality", x, "--modality", z, "--labels", y,
                               "--epochs", "5")
        for key in ["naive", "ume", "umt", "linear_probe", "recommendation"]:
            self.assertIn(key, result)
        self.assertIn(result["recommendation"], ["ume", "umt"])
        for key in ["naive", "ume", "umt", "linear_probe"]:
            self.assertGreaterEqual(result[key], 0.0)
            self.assertLessEqual(result[key], 1.0)

    def test_demo_writes_table_csv_and_plot(self):
        out = self.path("demo")
        code, stdout, err = run("demo", "--out", out, "--backends", "knn", "--alphas", "0,1",
                                "--n", "1500", "--quiet")
        self.assertEqual(code, 0, msg=err)
        self.assertIn("alpha", stdout)
        self.assertIn("C_knn", stdout)
        with open(os.path.join(out, "demo.csv")) as f:
            rows = list(csv.DictReader(f))
        self.assertEqual([float(r["alpha"]) for r in rows], [0.0, 1.0])
        # The paper's claim on its own generator: C falls and robustness to a
        # missing modality rises from alpha = 0 (complementary) to 1 (redundant).
        self.assertGreater(float(rows[0]["C_knn"]), float(rows[1]["C_knn"]) + 1.0)
        self.assertLess(float(rows[0]["robustness_missing"]),
                        float(rows[1]["robustness_missing"]))
        with open(os.path.join(out, "demo.svg")) as f:
            svg = f.read()
        self.assertTrue(svg.startswith("<svg"))
        self.assertIn("C (knn)", svg)

    def test_bad_inputs(self):
        x, z, y = self.generate("0.5", n=300)
        for command in ["robustness", "fusion"]:
            self.assert_bad_input([command, "--modality", x, "--labels", y], "--modality")
            self.assert_bad_input([command, "--modality", x, "--modality", self.path("none.npy"),
                                   "--labels", y], "none.npy")
            write_csv(self.path("short.csv"), [[0], [1]])
            self.assert_bad_input([command, "--modality", x, "--modality", z, "--labels",
                                   self.path("short.csv")], "labels")
            self.assert_bad_input([command, "--modality", x, "--modality", z, "--labels", y,
                                   "--epochs", "x"], "--epochs")
        self.assert_bad_input(["demo", "--backends", "magic", "--out", self.path("d")], "magic")
        self.assert_bad_input(["demo", "--alphas", "0,a", "--out", self.path("d")], "--alphas")


if __name__ == "__main__":
    unittest.main()
