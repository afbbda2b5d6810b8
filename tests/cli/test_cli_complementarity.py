"""End-to-end tests of `mmc complementarity` (docs/design.md §3.4, §5): the --json
contract, the exact-answer bit cases with the knn backend, bootstrap output,
and the bad inputs of docs/design.md §2 (missing file, label count mismatch, modalities
with different row counts, a single class, labels that are not integers, fewer
than two modalities), each exit code 2 with a one-line message."""
import json
import math
import os
import unittest

from cli_helpers import CliTestCase, run, write_csv

KEYS = ["metric", "metric_h", "gamma", "interaction", "joint_mi", "h_y", "bounds", "backend",
        "seconds"]


class Complementarity(CliTestCase):
    def generate(self, case):
        out = self.path(case)
        code, _, err = run("generate", "bits", "--case", case, "--n", "3000", "--seed", "4",
                           "--out", out)
        self.assertEqual(code, 0, msg=err)
        return [os.path.join(out, "modality_0.npy"), os.path.join(out, "modality_1.npy"),
                os.path.join(out, "labels.npy")]

    def complementarity(self, files, *extra):
        return self.run_json("complementarity", "--modality", files[0], "--modality", files[1],
                             "--labels", files[2], *extra)

    def test_bit_cases_json(self):
        # Ross estimates of log 2 have SD < 0.01 nats here; C is within 0.15 of exact.
        for case, expected in [("redundant", 0.0), ("unique", 1.0), ("synergy", 2.0)]:
            result = self.complementarity(self.generate(case))
            for key in KEYS:
                self.assertIn(key, result)
            self.assertEqual(result["backend"], "knn")
            self.assertEqual(len(result["gamma"]), 2)
            self.assertEqual(len(result["bounds"]), 2)
            self.assertAlmostEqual(result["metric"], expected, delta=0.15, msg=case)
            self.assertAlmostEqual(result["h_y"], math.log(2), delta=0.01)
            self.assertAlmostEqual(result["metric_h"], sum(result["gamma"]) / result["h_y"], places=12)

    def test_bootstrap_interval(self):
        files = self.generate("unique")
        result = self.complementarity(files, "--bootstrap", "20")
        low, high = result["metric_interval"]
        self.assertLessEqual(low, result["metric"])
        self.assertGreaterEqual(high, result["metric"])
        self.assertEqual(result["replicates"], 20)
        self.assertEqual(result["warnings"], [])
        # Fewer replicates than 1 / (1 - confidence) cannot make an interval.
        self.assert_bad_input(["complementarity", "--modality", files[0], "--modality", files[1],
                               "--labels", files[2], "--bootstrap", "1"], "--bootstrap")

    def test_pca_and_threads(self):
        files = self.generate("synergy")
        a = self.complementarity(files, "--pca", "1", "--threads", "1")
        b = self.complementarity(files, "--pca", "1", "--threads", "2")
        self.assertEqual(a["metric"], b["metric"])

    def test_table_output_and_help(self):
        files = self.generate("unique")
        code, out, err = run("complementarity", "--modality", files[0], "--modality", files[1],
                             "--labels", files[2])
        self.assertEqual(code, 0, msg=err)
        self.assertIn("metric", out)
        code, out, _ = run("complementarity", "--help")
        self.assertEqual(code, 0)
        for option in ["--modality", "--labels", "--backend", "--pca", "--bootstrap", "--steps"]:
            self.assertIn(option, out)

    def test_neural_backends_report_their_device(self):
        files = self.generate("unique")
        result = self.complementarity(files, "--backend", "mine", "--steps", "20", "--hidden", "8")
        self.assertEqual(result["device"], "cpu")
        self.assertNotIn("device", self.complementarity(files))  # knn: no training, no device
        # --device cuda: runs where a GPU is; else built without CUDA, a usage
        # error (2), or built with CUDA and no device, a one-line runtime error (1).
        code, out, err = run("complementarity", "--modality", files[0], "--modality", files[1],
                             "--labels", files[2], "--backend", "cene", "--steps", "20",
                             "--device", "cuda", "--json")
        if code == 0:
            self.assertEqual(json.loads(out)["device"], "cuda")
        else:
            self.assertIn(code, (1, 2))
            self.assertEqual(len(err.strip().splitlines()), 1, msg=err)
            self.assertIn("CUDA", err)

    def test_bad_inputs(self):
        x, z, labels = self.generate("unique")
        self.assert_bad_input(["complementarity", "--modality", self.path("nope.npy"), "--modality",
                               z, "--labels", labels], "nope.npy")
        write_csv(self.path("short_labels.csv"), [[0], [1], [0]])
        self.assert_bad_input(["complementarity", "--modality", x, "--modality", z, "--labels",
                               self.path("short_labels.csv")], "labels")
        write_csv(self.path("short.csv"), [[0.5], [1.5]])
        self.assert_bad_input(["complementarity", "--modality", x, "--modality",
                               self.path("short.csv"), "--labels", labels], "rows")
        write_csv(self.path("one_class.csv"), [[1]] * 3000)
        self.assert_bad_input(["complementarity", "--modality", x, "--modality", z, "--labels",
                               self.path("one_class.csv")], "single class")
        write_csv(self.path("fractional.csv"), [[0.5]] + [[1]] * 2999)
        self.assert_bad_input(["complementarity", "--modality", x, "--modality", z, "--labels",
                               self.path("fractional.csv")], "fractional.csv", "line 1")
        self.assert_bad_input(["complementarity", "--modality", x, "--labels", labels],
                              "--modality", "two")
        self.assert_bad_input(["complementarity", "--modality", x, "--modality", z], "--labels")
        self.assert_bad_input(["complementarity", "--modality", x, "--modality", z, "--labels",
                               labels, "--backend", "magic"], "--backend")


if __name__ == "__main__":
    unittest.main()
