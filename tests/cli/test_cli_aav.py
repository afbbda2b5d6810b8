"""End-to-end tests of `mmc generate aav-mnist` (docs/design.md §3.5, docs/aav-mnist.md)
on the committed fixture tests/data/fixtures/aav/ (20 images and 2 utterances per
digit, laid out like the cache of scripts/fetch-data): shapes, the label rule
t = floor((x + y + 1) / 2), disjoint train/test ids, and the one-line error for a
missing cache. Standard library only."""
import json
import os
import struct
import unittest

from cli_helpers import CliTestCase, run

FIXTURE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "fixtures", "aav")


def read_npy(path):
    """Minimal .npy reader (format 1.x, little-endian f8/i8/i4, C order) -> (shape, values)."""
    with open(path, "rb") as f:
        data = f.read()
    assert data[:6] == b"\x93NUMPY"
    header_len = struct.unpack("<H", data[8:10])[0]
    header = eval(data[10:10 + header_len].decode("latin1"))  # a Python dict literal
    assert not header["fortran_order"]
    shape = header["shape"]
    count = 1
    for s in shape:
        count *= s
    code = {"<f8": "d", "<i8": "q", "<i4": "i"}[header["descr"]]
    values = struct.unpack("<%d%s" % (count, code), data[10 + header_len:])
    return shape, list(values)


class GenerateAav(CliTestCase):
    def generate(self, *args, folder="out"):
        out = self.path(folder) if hasattr(self, "path") else os.path.join(self.dir, folder)
        code, stdout, err = run("generate", "aav-mnist", "--data", FIXTURE, *args, "--out", out, "--json")
        self.assertEqual(code, 0, msg=err)
        with open(os.path.join(out, "truth.json")) as f:
            truth = json.load(f)
        return out, json.loads(stdout), truth

    def column(self, out, name):
        shape, values = read_npy(os.path.join(out, name + ".npy"))
        self.assertEqual(shape[0], len(values))  # one column
        return [int(v) for v in values]

    def test_shapes_label_rule_and_truth(self):
        out, summary, truth = self.generate("--sigma", "1.5", "--n", "300", "--seed", "3")
        self.assertEqual(summary["files"],
                         ["modality_0.npy", "modality_1.npy", "labels.npy", "image_digit.npy",
                          "audio_digit.npy", "image_id.npy", "audio_id.npy", "truth.json"])
        shape, pixels = read_npy(os.path.join(out, "modality_0.npy"))
        self.assertEqual(tuple(shape), (300, 784))
        self.assertTrue(all(0.0 <= p <= 1.0 for p in pixels))
        shape, _ = read_npy(os.path.join(out, "modality_1.npy"))
        self.assertEqual(tuple(shape), (300, 1024))
        labels = self.column(out, "labels")
        x = self.column(out, "image_digit")
        y = self.column(out, "audio_digit")
        self.assertEqual(len(labels), 300)
        for t, a, b in zip(labels, x, y):
            self.assertTrue(0 <= a <= 9 and 0 <= b <= 9)
            self.assertEqual(t, (a + b + 1) // 2)  # halves round up
        self.assertTrue(any(a != b for a, b in zip(x, y)))  # sigma > 0 moves some digits
        self.assertEqual(truth["task"], "aav-mnist")
        self.assertEqual(truth["split"], "train")
        self.assertEqual(truth["classes"], 10)
        self.assertAlmostEqual(truth["parameters"]["sigma"], 1.5)
        self.assertIn("metric", truth["truth"])

    def test_sigma_zero_is_redundant(self):
        out, _, _ = self.generate("--sigma", "0", "--n", "100")
        x, y, t = (self.column(out, n) for n in ("image_digit", "audio_digit", "labels"))
        self.assertEqual(x, y)
        self.assertEqual(t, x)

    def test_train_and_test_share_no_image_or_utterance(self):
        train, _, _ = self.generate("--n", "400", "--split", "train", "--seed", "5", folder="train")
        test, _, truth = self.generate("--n", "400", "--split", "test", "--seed", "5", folder="test")
        self.assertEqual(truth["split"], "test")

        def used(out):
            x, y = self.column(out, "image_digit"), self.column(out, "audio_digit")
            images = set(zip(x, self.column(out, "image_id")))
            audio = set(zip(y, self.column(out, "audio_id")))
            return images, audio

        train_images, train_audio = used(train)
        test_images, test_audio = used(test)
        self.assertFalse(train_images & test_images)
        self.assertFalse(train_audio & test_audio)
        # The fixture holds 2 utterances per digit: test fraction 0.2 keeps 1 of them on each side.
        for digit in range(10):
            self.assertLessEqual(len({a for d, a in test_audio if d == digit}), 1)
            self.assertLessEqual(len({a for d, a in train_audio if d == digit}), 1)

    def test_csv_format_and_same_seed_same_data(self):
        a, _, _ = self.generate("--n", "50", "--seed", "9", "--format", "csv", folder="a")
        self.assertTrue(os.path.exists(os.path.join(a, "modality_1.csv")))
        self.assertFalse(os.path.exists(os.path.join(a, "modality_1.npy")))
        b, _, _ = self.generate("--n", "50", "--seed", "9", "--format", "csv", folder="b")
        for name in ("modality_0.csv", "labels.csv", "audio_id.csv"):
            with open(os.path.join(a, name)) as fa, open(os.path.join(b, name)) as fb:
                self.assertEqual(fa.read(), fb.read())

    def test_complementarity_drops_constant_pixels(self):
        # MNIST's border pixels are 0 in every image: the metric drops them
        # (docs/design.md §3.4) and says how many in the JSON.
        out, _, _ = self.generate("--sigma", "1", "--n", "400", "--seed", "2")
        code, stdout, err = run("complementarity", "--modality", os.path.join(out, "modality_0.npy"),
                                "--modality", os.path.join(out, "modality_1.npy"),
                                "--labels", os.path.join(out, "labels.npy"), "--pca", "4", "--json")
        self.assertEqual(code, 0, msg=err)
        report = json.loads(stdout)
        dropped = report["dropped_columns"]
        self.assertEqual(len(dropped), 2)
        self.assertGreater(dropped[0], 50)  # the fixture's 200 images leave many border pixels at 0
        self.assertLess(dropped[0], 784)
        self.assertTrue(any("modalities[0]: dropped %d of 784" % dropped[0] in w for w in report["warnings"]),
                        msg=report["warnings"])

    def test_robustness_reports_its_units(self):
        # docs/design.md §3.6: pixels lie in [0, 1], so --units auto perturbs in input units;
        # the audio log-mel values do not, so the pair of modalities gets standardized units.
        out, _, _ = self.generate("--sigma", "0", "--n", "300", "--seed", "4")
        image, audio = os.path.join(out, "modality_0.npy"), os.path.join(out, "modality_1.npy")
        labels = os.path.join(out, "labels.npy")
        for modalities, units, expected in (((image, image), "auto", "input"),
                                            ((image, audio), "auto", "standardized"),
                                            ((image, image), "standardized", "standardized"),
                                            ((image, audio), "input", "input")):
            code, stdout, err = run("robustness", "--modality", modalities[0], "--modality", modalities[1],
                                    "--labels", labels, "--epochs", "1", "--units", units, "--json")
            self.assertEqual(code, 0, msg=err)
            self.assertEqual(json.loads(stdout)["units"], expected, msg=(modalities, units))
        code, _, err = run("robustness", "--modality", image, "--modality", image, "--labels", labels,
                           "--units", "pixels")
        self.assertEqual(code, 2, msg=err)

    def test_missing_cache_is_one_line_error_naming_fetch_data(self):
        out = os.path.join(self.dir, "never")
        code, stdout, err = run("generate", "aav-mnist", "--data", os.path.join(self.dir, "nothing"),
                                "--n", "10", "--out", out)
        self.assertEqual(code, 2)
        self.assertEqual(stdout, "")
        self.assertEqual(len(err.strip().splitlines()), 1, msg=err)
        self.assertIn("scripts/fetch-data", err)
        self.assertFalse(os.path.exists(out))

    def test_bad_options(self):
        for args in (["--test-fraction", "1"], ["--test-fraction", "0"], ["--split", "validation"],
                     ["--sigma", "-1"]):
            code, _, err = run("generate", "aav-mnist", "--data", FIXTURE, "--n", "10",
                               "--out", os.path.join(self.dir, "bad"), *args)
            self.assertEqual(code, 2, msg=(args, err))
            self.assertEqual(len(err.strip().splitlines()), 1, msg=err)


class DemoAav(CliTestCase):
    """`mmc demo` picks the AAV-MNIST experiment when the cache is there, says how
    to get the data when it is not, and refuses options of the other task."""

    def test_demo_runs_aav_mnist_on_the_fixture(self):
        out = os.path.join(self.dir, "demo")
        code, stdout, err = run("demo", "--data", FIXTURE, "--sigmas", "0,3", "--backends", "knn",
                                "--n", "1000", "--out", out, "--json", "--quiet")
        self.assertEqual(code, 0, msg=err)
        report = json.loads(stdout)
        self.assertEqual(report["task"], "aav-mnist")
        self.assertEqual(report["units"], "input")
        rows = report["rows"]
        self.assertEqual([r["sigma"] for r in rows], [0, 3])
        # The class-level truth: C = 0 at sigma 0 (the audio digit equals the image digit)
        # and well above 0 at sigma 3 (docs/aav-mnist.md).
        self.assertAlmostEqual(rows[0]["C_true"], 0.0, places=9)
        self.assertGreater(rows[1]["C_true"], 0.5)
        for r in rows:
            for key in ("C_knn", "clean", "missing", "noisy", "adversarial", "robustness_missing"):
                self.assertTrue(r[key] == r[key], msg=key)  # not NaN
            self.assertGreaterEqual(r["clean"], 0.0)
            self.assertLessEqual(r["clean"], 1.0)
        with open(os.path.join(out, "demo.csv")) as f:
            self.assertTrue(f.readline().startswith("sigma,C_true,C_knn,clean"))

    def test_demo_without_cache(self):
        nothing = os.path.join(self.dir, "nothing")
        code, stdout, err = run("demo", "--task", "aav-mnist", "--data", nothing,
                                "--out", os.path.join(self.dir, "never"))
        self.assertEqual(code, 2)
        self.assertEqual(len(err.strip().splitlines()), 1, msg=err)
        self.assertIn("scripts/fetch-data", err)
        self.assertIn("--task aav-mnist", err)
        # auto with --sigmas but no cache: the same kind of error.
        code, _, err = run("demo", "--data", nothing, "--sigmas", "1", "--out", os.path.join(self.dir, "never"))
        self.assertEqual(code, 2, msg=err)
        self.assertIn("scripts/fetch-data", err)

    def test_demo_rejects_options_of_the_other_task(self):
        for args in (["--task", "synthetic", "--sigmas", "1"],
                     ["--data", FIXTURE, "--task", "aav-mnist", "--alphas", "0.5"],
                     ["--data", FIXTURE, "--task", "aav-mnist", "--steps", "10"],
                     ["--data", FIXTURE, "--task", "aav-mnist", "--n", "50"],
                     ["--task", "mnist"]):
            code, _, err = run("demo", *args, "--out", os.path.join(self.dir, "bad"))
            self.assertEqual(code, 2, msg=(args, err))
            self.assertEqual(len(err.strip().splitlines()), 1, msg=err)


if __name__ == "__main__":
    unittest.main()
