"""End-to-end tests of the files the mmc program writes and of strict input
parsing (docs/design.md §5): a write that fails is an error naming the file
(never reported as written), a failed `mmc generate` or `mmc demo` leaves the
previous files exactly as they were (no mix of old and new, no temporary files
left), `generate` removes its own files of the other --format, lists and sizes
are checked strictly before any work, and the CSV reader accepts every line
ending ("\\n", "\\r\\n", lone "\\r").

Write failures are real OS errors that root cannot bypass (tests often run as
root, for whom chmod 0555 changes nothing): a file size limit (RLIMIT_FSIZE,
EFBIG "File too large") set in the child process, a folder path through a
regular file (ENOTDIR), and a directory where a file should go (EISDIR)."""
import json
import os
import resource
import signal
import subprocess
import sys
import unittest

from cli_helpers import MMC, CliTestCase, correlated_gaussian, run, write_csv


def run_with_file_size_limit(limit_bytes, *args):
    """Runs mmc unable to write files beyond limit_bytes; returns (code, stdout, stderr)."""
    def limit():
        # SIGXFSZ ignored (inherited through exec): the write fails with EFBIG instead.
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit_bytes, resource.RLIM_INFINITY))

    proc = subprocess.run([MMC, *map(str, args)], capture_output=True, text=True, timeout=600,
                          preexec_fn=limit)
    return proc.returncode, proc.stdout, proc.stderr


def snapshot(folder):
    """{name: bytes} of every entry of a folder (folders as None)."""
    result = {}
    for name in sorted(os.listdir(folder)):
        path = os.path.join(folder, name)
        if os.path.isdir(path):
            result[name] = None
        else:
            with open(path, "rb") as f:
                result[name] = f.read()
    return result


class FilesTestCase(CliTestCase):
    def assert_one_line_error(self, result, *fragments):
        """Exit code 2, nothing on stdout, one line on stderr with every fragment."""
        code, out, err = result
        self.assertEqual(code, 2, msg="stdout=%r stderr=%r" % (out, err))
        self.assertEqual(out, "")
        lines = err.strip().splitlines()
        self.assertEqual(len(lines), 1, msg="one-line error expected: %r" % err)
        for fragment in fragments:
            self.assertIn(fragment, lines[0])
        return lines[0]

    def assert_no_temporary_files(self, folder):
        leftovers = [name for name in os.listdir(folder) if ".mmc-tmp-" in name]
        self.assertEqual(leftovers, [])


class GenerateFiles(FilesTestCase):
    def generate(self, out, *args):
        code, stdout, err = run("generate", *args, "--out", out, "--json")
        self.assertEqual(code, 0, msg=err)
        return json.loads(stdout)

    def test_a_full_disk_leaves_the_previous_data_set_intact(self):
        out = self.path("data")
        self.generate(out, "gaussian", "--n", "100", "--seed", "1")
        before = snapshot(out)
        self.assertEqual(sorted(before), ["truth.json", "x.npy", "y.npy"])
        # 50000 x 3 doubles per file: far beyond the 64 KiB the child may write.
        for fmt in ["npy", "csv"]:
            line = self.assert_one_line_error(
                run_with_file_size_limit(64 * 1024, "generate", "gaussian", "--n", "50000", "--dim", "3",
                                         "--seed", "2", "--format", fmt, "--out", out),
                os.path.join(out, "x." + fmt), "File too large")
            self.assertIn("mmc generate: error:", line)
            # Nothing replaced, nothing added (no .csv next to the .npy), no temporary files.
            self.assertEqual(snapshot(out), before, msg=fmt)

    def test_a_failure_on_the_last_file_puts_no_file_in_place(self):
        # truth.json is written last: when it fails, the completed x and y must not appear either.
        out = self.path("data")
        self.generate(out, "bits", "--case", "unique", "--n", "200", "--seed", "1")
        os.remove(os.path.join(out, "truth.json"))
        os.mkdir(os.path.join(out, "truth.json"))
        before = snapshot(out)
        self.assert_one_line_error(
            run("generate", "bits", "--case", "synergy", "--n", "300", "--seed", "2", "--out", out),
            os.path.join(out, "truth.json"), "Is a directory")
        self.assertEqual(snapshot(out), before)

    def test_a_folder_created_for_a_failed_run_is_removed(self):
        out = self.path("new")
        self.assert_one_line_error(
            run_with_file_size_limit(4096, "generate", "gaussian", "--n", "20000", "--out", out),
            "File too large")
        self.assertFalse(os.path.exists(out))

    def test_unwritable_output_folder(self):
        # A folder path through a regular file fails for every user, root included.
        blocker = self.path("regular_file")
        with open(blocker, "w") as f:
            f.write("not a folder\n")
        self.assert_one_line_error(run("generate", "gaussian", "--n", "10", "--out",
                                       os.path.join(blocker, "sub")),
                                   "--out", os.path.join(blocker, "sub"), "Not a directory")
        if os.geteuid() != 0:  # root ignores permission bits
            locked = self.path("locked")
            os.mkdir(locked)
            os.chmod(locked, 0o555)
            try:
                self.assert_one_line_error(run("generate", "gaussian", "--n", "10", "--out", locked),
                                           locked, "Permission denied")
                self.assertEqual(os.listdir(locked), [])
            finally:
                os.chmod(locked, 0o755)

    def test_other_format_files_are_removed_and_nothing_else(self):
        out = self.path("data")
        self.generate(out, "gaussian", "--n", "50", "--format", "csv")
        # Files that are not this task's own: kept whatever their extension.
        for name in ["notes.csv", "x.txt", "modality_0.csv", "X.CSV"]:
            with open(os.path.join(out, name), "w") as f:
                f.write("user file\n")
        summary = self.generate(out, "gaussian", "--n", "50", "--format", "npy")
        self.assertEqual(summary["files"], ["x.npy", "y.npy", "truth.json"])
        self.assertEqual(sorted(os.listdir(out)),
                         ["X.CSV", "modality_0.csv", "notes.csv", "truth.json", "x.npy", "x.txt", "y.npy"])
        with open(os.path.join(out, "truth.json")) as f:
            self.assertEqual(json.load(f)["files"], ["x.npy", "y.npy"])
        # A folder with the name of a file of the other format is never deleted.
        os.mkdir(os.path.join(out, "y.csv"))
        self.generate(out, "gaussian", "--n", "50", "--format", "npy")
        self.assertTrue(os.path.isdir(os.path.join(out, "y.csv")))
        self.assert_no_temporary_files(out)

    def test_labelled_task_switching_format(self):
        out = self.path("bits")
        self.generate(out, "bits", "--case", "redundant", "--n", "50")
        summary = self.generate(out, "bits", "--case", "redundant", "--n", "50", "--format", "csv")
        self.assertEqual(sorted(os.listdir(out)), sorted(summary["files"]))
        self.assertEqual(sorted(os.listdir(out)),
                         ["labels.csv", "modality_0.csv", "modality_1.csv", "truth.json"])

    def test_success_leaves_no_temporary_files_and_replaces_every_file(self):
        out = self.path("data")
        self.generate(out, "gaussian", "--n", "100", "--seed", "1")
        first = snapshot(out)
        self.generate(out, "gaussian", "--n", "100", "--seed", "2")
        second = snapshot(out)
        self.assert_no_temporary_files(out)
        self.assertEqual(sorted(first), sorted(second))
        for name in ["x.npy", "y.npy", "truth.json"]:
            self.assertNotEqual(first[name], second[name], msg=name)

    def test_sizes_are_checked_before_any_work(self):
        out = self.path("big")
        line = self.assert_one_line_error(
            run("generate", "gaussian", "--n", "1000000000000", "--out", out), "'--n'", "268435456")
        self.assertIn("use --n 134217728 or less", line)
        self.assert_one_line_error(run("generate", "gaussian", "--n", "1e12", "--out", out), "'--n'", "1e12")
        self.assert_one_line_error(run("generate", "gaussian", "--dim", "5000", "--out", out), "'--dim'", "4096")
        self.assert_one_line_error(run("generate", "student", "--dim", "0", "--out", out), "'--dim'")
        self.assert_one_line_error(run("generate", "synthetic", "--d2", "100000", "--out", out), "'--d2'", "4096")
        self.assert_one_line_error(run("generate", "digits", "--n", "3000000", "--out", out), "'--n'",
                                   "129 columns")
        self.assert_one_line_error(run("generate", "bits", "--case", "unique", "--n", "-5", "--out", out),
                                   "'--n'", "-5")
        self.assertFalse(os.path.exists(out), msg="a rejected run must not create the folder")

    def test_help_documents_the_file_behaviour(self):
        code, out, _ = run("generate", "--help")
        self.assertEqual(code, 0)
        for fragment in ["temporary name", "other", "--format", "2^28", "4096"]:
            self.assertIn(fragment, out)


class DemoFiles(FilesTestCase):
    DEMO = ["demo", "--n", "200", "--alphas", "0", "--backends", "knn", "--repeats", "1", "--quiet"]

    def test_lists_are_strict(self):
        out = self.path("demo")
        for value in ["0.5xyz", ",", "", "0,,1", "0,", ",1", "nan", "inf", "0 .5", "1.5", "-0.1", "0x1"]:
            line = self.assert_one_line_error(run("demo", "--alphas", value, "--out", out), "'--alphas'")
            self.assertTrue("0,0.5,1" in line, msg=line)  # an example of a valid value
        for value in ["knn,,cene", "knn,", ",", "", "knn,knn", "magic", "KNN"]:
            line = self.assert_one_line_error(run("demo", "--backends", value, "--out", out), "'--backends'")
            self.assertIn("knn,cene", line)
        self.assert_one_line_error(run("demo", "--steps", "10x", "--out", out), "'--steps'")
        self.assert_one_line_error(run("demo", "--steps", "0", "--out", out), "'--steps'")
        self.assert_one_line_error(run("demo", "--n", "0", "--out", out), "'--n'")
        self.assertFalse(os.path.exists(out), msg="a rejected run must not create the folder")

    def test_a_failed_write_is_an_error_and_keeps_the_previous_files(self):
        out = self.path("demo")
        code, _, err = run(*self.DEMO, "--out", out)
        self.assertEqual(code, 0, msg=err)
        before = snapshot(out)
        self.assertEqual(sorted(before), ["demo.csv", "demo.svg"])
        self.assert_one_line_error(run_with_file_size_limit(100, *self.DEMO, "--seed", "5", "--out", out),
                                   os.path.join(out, "demo.csv"), "File too large")
        self.assertEqual(snapshot(out), before)
        # The CSV fits but the SVG does not: neither file is replaced.
        limit = len(before["demo.csv"]) + 200
        self.assertLess(limit, len(before["demo.svg"]))
        self.assert_one_line_error(run_with_file_size_limit(limit, *self.DEMO, "--seed", "5", "--out", out),
                                   os.path.join(out, "demo.svg"), "File too large")
        self.assertEqual(snapshot(out), before)

    def test_csv_numbers_round_trip(self):
        out = self.path("demo")
        code, stdout, err = run(*self.DEMO, "--out", out, "--json")
        self.assertEqual(code, 0, msg=err)
        rows = json.loads(stdout)["rows"]
        with open(os.path.join(out, "demo.csv")) as f:
            header = f.readline().strip().split(",")
            values = [float(v) for v in f.readline().strip().split(",")]
        row = dict(zip(header, values))
        for key in ["alpha", "C_knn", "clean", "missing", "robustness_missing"]:
            self.assertEqual(row[key], rows[0][key], msg=key)  # exact: shortest round-trip text


class ReaderLineEndings(FilesTestCase):
    def test_every_line_ending_reads_the_same(self):
        xs, ys = correlated_gaussian(300, 0.6, seed=4)
        write_csv(self.path("x.csv"), xs, header=["x"])
        write_csv(self.path("y.csv"), ys, header=["y"])
        reference = self.run_json("mi", "--x", self.path("x.csv"), "--y", self.path("y.csv"))
        with open(self.path("x.csv"), "rb") as f:
            x_text = f.read()
        for name, ending in [("cr", b"\r"), ("crlf", b"\r\n")]:
            path = self.path("x_%s.csv" % name)
            with open(path, "wb") as f:
                f.write(x_text.replace(b"\n", ending))
            result = self.run_json("mi", "--x", path, "--y", self.path("y.csv"))
            self.assertEqual(result["value"], reference["value"], msg=name)
        # "\r\r\n" (a file converted twice) is a blank line: an error that says why.
        path = self.path("x_crcrlf.csv")
        with open(path, "wb") as f:
            f.write(x_text.replace(b"\n", b"\r\r\n"))
        self.assert_one_line_error(run("mi", "--x", path, "--y", self.path("y.csv")), path, "line 2",
                                   "dos2unix")


if __name__ == "__main__":
    unittest.main()
