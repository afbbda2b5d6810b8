"""The module releases the GIL while C++ estimates, and leaks neither
references nor memory over many small calls."""

import gc
import sys
import threading
import time
import tracemalloc

import numpy as np

import mmc_mi


def _slow_data():
    rng = np.random.default_rng(5)
    x = rng.standard_normal((6000, 3))
    return x, x + rng.standard_normal((6000, 3))


def test_gil_released_while_estimating():
    """A pure-Python thread keeps running while another thread is inside C++.

    Robust on a loaded machine: it does not compare wall times of two estimates
    (that needs two free cores) but counts how often a Python loop advanced
    during one single-threaded estimate. With the GIL held, the loop could not
    advance at all between the start and the end of the call."""
    x, y = _slow_data()
    mmc_mi.mi(x[:200], y[:200], threads=1)  # warm up
    ticks = 0
    inside = threading.Event()
    done = threading.Event()

    def spin():
        nonlocal ticks
        inside.wait()
        while not done.is_set():
            ticks += 1

    spinner = threading.Thread(target=spin)
    spinner.start()
    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-4)
    try:
        inside.set()
        before = ticks
        start = time.perf_counter()
        mmc_mi.mi(x, y, estimator="ksg1", threads=1)
        elapsed = time.perf_counter() - start
        during = ticks - before
    finally:
        done.set()
        spinner.join()
        sys.setswitchinterval(old)
    assert elapsed > 0.01
    # While the GIL is released, the spinner runs freely: far more than the
    # handful of switches it would get at the call's start and end.
    assert during > 1000, (during, elapsed)


def test_two_threads_run_concurrently():
    """Two estimates in two threads: both are reported inside C++ at once
    (their [start, end) intervals overlap); the speed-up is only printed, as
    it depends on free cores."""
    x, y = _slow_data()
    intervals = []
    lock = threading.Lock()

    def work():
        t0 = time.perf_counter()
        mmc_mi.mi(x, y, threads=1)
        with lock:
            intervals.append((t0, time.perf_counter()))

    start = time.perf_counter()
    work()
    work()
    sequential = time.perf_counter() - start
    intervals.clear()
    threads = [threading.Thread(target=work) for _ in range(2)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    concurrent = time.perf_counter() - start
    (a0, a1), (b0, b1) = intervals
    assert a0 < b1 and b0 < a1  # overlapping calls
    print(f"sequential {sequential:.3f} s, two threads {concurrent:.3f} s")


def test_no_reference_or_memory_leak():
    rng = np.random.default_rng(6)
    x = rng.standard_normal((30, 1))
    y = x + rng.standard_normal((30, 1))
    for _ in range(200):
        mmc_mi.mi(x, y, threads=1)
    gc.collect()
    refs = (sys.getrefcount(x), sys.getrefcount(y))
    tracemalloc.start()
    first = None
    for i in range(10_000):
        mmc_mi.mi(x, y, threads=1)
        if i == 999:
            gc.collect()
            first = tracemalloc.get_traced_memory()[0]
    gc.collect()
    grown = tracemalloc.get_traced_memory()[0] - first
    tracemalloc.stop()
    assert (sys.getrefcount(x), sys.getrefcount(y)) == refs
    assert grown < 100_000, grown  # bytes over 9 000 calls: no per-call leak
