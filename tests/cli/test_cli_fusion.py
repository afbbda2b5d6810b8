"""End-to-end tests of `mmc robustness`, `mmc fusion`, `mmc laziness`, `mmc demo`
and `mmc generate paired-features` (docs/design.md §3.6-3.7, §5): the --json
fields, the advisor's rules, the demo's files, and bad input."""
import csv
import json
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

    def test_fusion_combined_rule_sees_synergy(self):
        # alpha = 0 is pure synergy (true C = 2): no uni-modal model and no linear
        # probe on uni-modal features beats chance, so the paper rule says ume;
        # the combined rule (the default) sees C well above its threshold 0.6
        # (knn estimates near 2 here; 1.96-2.01 over 5 seeds at N = 3300) and
        # must not say ume.
        x, z, y = self.generate("0.0")
        common = ["--modality", x, "--modality", z, "--labels", y, "--epochs", "10"]
        combined = self.run_json("fusion", *common)
        self.assertEqual(combined["rule"], "combined")
        self.assertNotEqual(combined["recommendation"], "ume")
        self.assertEqual(combined["recommendation"], "joint")
        self.assertGreater(combined["complementarity"]["C"], 1.25)
        self.assertEqual(len(combined["complementarity"]["gamma"]), 2)
        self.assertIn("interaction", combined["complementarity"])
        self.assertIn("synergy", combined["reason"])
        # The joint model (hidden head by default) learns the task; UME cannot.
        self.assertGreater(combined["naive"], 0.8)
        self.assertLess(combined["ume"], 0.65)
        # The paper's rule on the same data and seed: its own behaviour (ume),
        # the same probe numbers, and no complementarity evidence.
        paper = self.run_json("fusion", *common, "--rule", "paper")
        self.assertEqual(paper["rule"], "paper")
        self.assertEqual(paper["recommendation"], "ume")
        self.assertEqual(combined["paper_recommendation"], "ume")
        self.assertEqual(paper["paper_recommendation"], paper["recommendation"])
        self.assertEqual(paper["linear_probe"], combined["linear_probe"])
        self.assertNotIn("complementarity", paper)
        self.assertIn("UME", paper["reason"])

    def test_fusion_and_robustness_share_the_head_default(self):
        for command in ["fusion", "robustness", "laziness"]:
            code, out, err = run(command, "--help")
            self.assertEqual(code, 0, msg=err)
            head = [line for line in out.splitlines() if line.strip().startswith("--head")]
            self.assertEqual(len(head), 1, msg=out)
            self.assertIn("64", head[0], msg="%s: %s" % (command, head[0]))

    def generate_paired(self, name, *options, n=1500):
        out = self.path(name)
        code, _, err = run("generate", "paired-features", "--n", n, "--seed", "1", "--format", "csv",
                           "--out", out, *options)
        self.assertEqual(code, 0, msg=err)
        return out

    def test_generate_paired_features(self):
        out = self.generate_paired("paired", "--paired-linear", "2", "--strong", "1,0", "--weak", "0",
                                   "--distractors", "3,1", n=400)
        with open(os.path.join(out, "modality_0.csv")) as f:
            rows0 = list(csv.reader(f))
        with open(os.path.join(out, "modality_1.csv")) as f:
            rows1 = list(csv.reader(f))
        # Modality 0: 1 strong + 2 paired + 3 distractors; modality 1: 2 paired + 1.
        self.assertEqual(len(rows0[-1]), 6)
        self.assertEqual(len(rows1[-1]), 3)
        self.assertEqual(len(rows0), len(rows1))
        with open(os.path.join(out, "truth.json")) as f:
            truth = json.load(f)
        self.assertEqual(truth["task"], "paired-features")
        self.assertEqual(truth["classes"], 2)
        # Gaussian case: the Bayes accuracies are known, and both modalities
        # together (the nuisance cancels) beat either alone.
        self.assertGreater(truth["truth"]["bayes_accuracy_joint"], truth["truth"]["bayes_accuracy_0"])
        self.assertGreater(truth["truth"]["bayes_accuracy_joint"], truth["truth"]["bayes_accuracy_1"])
        # XOR columns: no closed form, so no truth.
        xor = self.generate_paired("xor", "--paired-xor", "1", n=200)
        with open(os.path.join(xor, "truth.json")) as f:
            self.assertEqual(json.load(f)["truth"], {})

    def test_laziness_fields(self):
        # Modality 0 is easy (two columns at 3 SD); modality 1 holds two uni-modal
        # XOR pairs that an encoder must learn: the setting of test_fusion_laziness.
        out = self.generate_paired("lazy", "--strong", "2,0", "--strong-shift", "3", "--weak", "0",
                                   "--interaction", "0,2", "--interaction-shift", "1.5")
        x, z, y = [os.path.join(out, f) for f in ["modality_0.csv", "modality_1.csv", "labels.csv"]]
        result = self.run_json("laziness", "--modality", x, "--modality", z, "--labels", y,
                               "--epochs", "5", "--probe-epochs", "20")
        for key in ["alone", "joint", "gap"]:
            self.assertEqual(len(result[key]), 2)
            for value in result[key]:
                self.assertTrue(-1.0 <= value <= 1.0)
        for m in range(2):
            self.assertAlmostEqual(result["gap"][m], result["alone"][m] - result["joint"][m], places=12)
        # The easy modality is read perfectly either way (3 SD shifts, 2 columns:
        # Bayes accuracy 0.9999).
        self.assertGreater(result["alone"][0], 0.97)
        self.assertGreater(result["joint"][0], 0.97)
        self.assertEqual(result["test_samples"], 450)

    def test_new_bad_inputs(self):
        x, z, y = self.generate("0.5", n=300)
        common = ["--modality", x, "--modality", z, "--labels", y]
        self.assert_bad_input(["fusion", *common, "--rule", "magic"], "--rule", "magic")
        self.assert_bad_input(["laziness", "--modality", x, "--labels", y], "--modality")
        self.assert_bad_input(["laziness", *common, "--probe-epochs", "0"], "--probe-epochs")
        self.assert_bad_input(["laziness", *common, "--test-fraction", "1.5"], "--test-fraction")
        out = self.path("p")
        self.assert_bad_input(["generate", "paired-features", "--out", out, "--strong", "1,2,3"], "--strong")
        self.assert_bad_input(["generate", "paired-features", "--out", out, "--weak", "-1"], "--weak")
        self.assert_bad_input(["generate", "paired-features", "--out", out, "--interaction", "0.5"],
                              "--interaction")
        self.assert_bad_input(["generate", "paired-features", "--out", out, "--paired-xor", "x"],
                              "--paired-xor")
        self.assert_bad_input(["generate", "paired-features", "--out", out, "--paired-noise", "0"],
                              "--paired-noise")
        self.assert_bad_input(["generate", "paired-features", "--out", out, "--strong", "0",
                               "--weak", "0", "--distractors", "0,1"], "--distractors")
        self.assert_bad_input(["generate", "synthetic", "--out", out, "--paired-xor", "1"],
                              "--paired-xor", "synthetic")
        self.assertFalse(os.path.exists(out))

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

    def test_device_cpu_is_the_default_and_is_reported(self):
        x, z, y = self.generate("1.0", n=400)
        common = ["--modality", x, "--modality", z, "--labels", y, "--epochs", "2"]
        for command in ["robustness", "fusion"]:
            default = self.run_json(command, *common)
            cpu = self.run_json(command, *common, "--device", "cpu")
            self.assertEqual(default["device"], "cpu")
            del default["seconds"], cpu["seconds"]
            self.assertEqual(default, cpu)  # same seed, same bits
        out = self.path("demo_cpu")
        result = self.run_json("demo", "--out", out, "--backends", "knn", "--alphas", "1", "--n", "300",
                               "--repeats", "1", "--device", "cpu")
        self.assertEqual(result["device"], "cpu")

    def test_device_cuda_without_a_gpu_is_a_clear_error(self):
        # As `mmc mi --device cuda`: built without CUDA (CI: -Dcuda=disabled), a
        # usage error (2) naming the option and the fix; built with CUDA but no
        # device here, the backend's one-line runtime error (1). With a GPU the
        # command runs and reports the device.
        x, z, y = self.generate("1.0", n=400)
        common = ["--modality", x, "--modality", z, "--labels", y, "--epochs", "2"]
        demo = ["demo", "--out", self.path("demo_cuda"), "--backends", "knn", "--alphas", "1",
                "--n", "300", "--repeats", "1"]
        for args in (["robustness", *common], ["fusion", *common], demo):
            with self.subTest(command=args[0]):
                code, out, err = run(*args, "--device", "cuda", "--json", "--quiet")
                if code == 0:
                    self.assertEqual(json.loads(out)["device"], "cuda")
                    continue
                self.assertIn(code, (1, 2))
                self.assertEqual(len(err.strip().splitlines()), 1, msg=err)
                self.assertIn("CUDA", err)
                if code == 2:
                    self.assertIn("--device cuda", err)
                    self.assertIn("-Dcuda=enabled", err)
                if args[0] == "demo":  # checked before the output folder is made
                    self.assertFalse(os.path.exists(self.path("demo_cuda")))
        self.assert_bad_input(["robustness", *common, "--device", "gpu"], "--device")

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
