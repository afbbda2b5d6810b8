"""End-to-end tests of `mmc generate` (docs/design.md §3.5, §5): every task writes
its files; the files round-trip bit-exactly (the .npy and CSV outputs of the
same seed hold the same doubles); truth.json holds the closed forms."""
import json
import math
import os
import struct
import unittest

from cli_helpers import CliTestCase, run


def read_npy(path):
    """Minimal .npy reader (format 1.0, '<f8' or '<i8', C order) -> (shape, values)."""
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
    code = {"<f8": "d", "<i8": "q"}[header["descr"]]
    values = struct.unpack("<%d%s" % (count, code), data[10 + header_len:])
    return shape, list(values)


def read_csv(path):
    with open(path) as f:
        return [float(v) for line in f if line.strip() for v in line.strip().split(",")]


class Generate(CliTestCase):
    def generate(self, *args, folder="out"):
        out = self.path(folder)
        code, stdout, err = run("generate", *args, "--out", out, "--json")
        self.assertEqual(code, 0, msg=err)
        summary = json.loads(stdout)
        with open(os.path.join(out, "truth.json")) as f:
            truth = json.load(f)
        return out, summary, truth

    def test_gaussian_truth_and_round_trip(self):
        out, summary, truth = self.generate("gaussian", "--dim", "3", "--rho", "0.6", "--n", "500",
                                            "--seed", "7")
        self.assertEqual(summary["files"], ["x.npy", "y.npy", "truth.json"])
        self.assertAlmostEqual(truth["truth"]["mi"], -1.5 * math.log(1 - 0.36), places=14)
        shape, x_npy = read_npy(os.path.join(out, "x.npy"))
        self.assertEqual(shape, (500, 3))
        csv_out, _, _ = self.generate("gaussian", "--dim", "3", "--rho", "0.6", "--n", "500",
                                      "--seed", "7", "--format", "csv", folder="csv")
        x_csv = read_csv(os.path.join(csv_out, "x.csv"))
        # Bit-exact: the CSV writer prints round-trip precision.
        self.assertEqual([struct.pack("<d", v) for v in x_npy], [struct.pack("<d", v) for v in x_csv])

    def test_same_seed_same_bits_other_seed_differs(self):
        a, _, _ = self.generate("gaussian", "--n", "100", "--seed", "1", folder="a")
        b, _, _ = self.generate("gaussian", "--n", "100", "--seed", "1", folder="b")
        c, _, _ = self.generate("gaussian", "--n", "100", "--seed", "2", folder="c")
        self.assertEqual(read_npy(os.path.join(a, "y.npy")), read_npy(os.path.join(b, "y.npy")))
        self.assertNotEqual(read_npy(os.path.join(a, "y.npy")), read_npy(os.path.join(c, "y.npy")))

    def test_student_truth(self):
        _, _, truth = self.generate("student", "--dim", "1", "--df", "3", "--n", "200")
        # I = h(1) + h(1) - h(2) for nu = 3 = 0.04241141065057 nats, computed offline with
        # mpmath 1.2.1 from the h(k) of docs/design.md §3.5 (positive: uncorrelated but dependent
        # through the shared scale).
        self.assertAlmostEqual(truth["truth"]["mi"], 0.04241141065057, places=12)

    def test_labelled_tasks(self):
        for case, metric in [("redundant", 0.0), ("unique", 1.0), ("synergy", 2.0)]:
            out, summary, truth = self.generate("bits", "--case", case, "--n", "300", folder=case)
            self.assertEqual(summary["files"],
                             ["modality_0.npy", "modality_1.npy", "labels.npy", "truth.json"])
            self.assertAlmostEqual(truth["truth"]["metric"], metric, delta=0.02, msg=case)
            shape, labels = read_npy(os.path.join(out, "labels.npy"))
            self.assertEqual(shape[0], 300)
            self.assertTrue(set(labels) <= {0, 1})
        out, _, truth = self.generate("synthetic", "--alpha", "0", "--n", "300", folder="synthetic")
        shape, _ = read_npy(os.path.join(out, "modality_0.npy"))
        self.assertEqual(shape, (300, 8))
        self.assertEqual(truth["parameters"]["alpha"], 0.0)

    def test_bad_input(self):
        out = self.path("bad")
        self.assert_bad_input(["generate", "--out", out], "TASK")
        self.assert_bad_input(["generate", "magic", "--out", out], "magic")
        self.assert_bad_input(["generate", "gaussian"], "--out")
        self.assert_bad_input(["generate", "gaussian", "--out", out, "--rho", "1.5"], "rho")
        self.assert_bad_input(["generate", "gaussian", "--out", out, "--n", "0"], "n")
        self.assert_bad_input(["generate", "synthetic", "--out", out, "--alpha", "2"], "alpha")
        self.assert_bad_input(["generate", "bits", "--out", out], "--case")
        self.assert_bad_input(["generate", "digits", "--out", out, "--digits-path",
                               self.path("missing.csv.gz")], "missing.csv.gz")


if __name__ == "__main__":
    unittest.main()
