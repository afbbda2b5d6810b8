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
    # One single-threaded KSG estimate on these takes 0.1-0.3 s on the 2-core
    # CI machines: long against scheduling gaps (a few ms), short for a test.
    rng = np.random.default_rng(5)
    x = rng.standard_normal((30000, 3))
    return x, x + rng.standard_normal((30000, 3))


def test_gil_released_while_estimating():
    """A pure-Python thread keeps running while another thread is inside C++.

    Independent of the machine's speed and load: the spinner thread records
    every pause of more than 1 ms between two of its loop iterations, and the
    test takes the longest pause that falls inside the estimate's
    [start, end). With the GIL held during the C++ work, the spinner could not
    run at all until the call returned: a pause as long as the call. With the
    GIL released, pauses are only the scheduler's (milliseconds, even with the
    other core busy), far below half the call."""
    x, y = _slow_data()
    mmc_mi.mi(x[:200], y[:200], threads=1)  # warm up
    pauses = []
    ticked = threading.Event()
    done = threading.Event()

    def spin():
        last = time.perf_counter()
        ticked.set()
        while not done.is_set():
            now = time.perf_counter()
            if now - last > 1e-3:
                pauses.append((last, now))
            last = now
        now = time.perf_counter()  # the pause that covers the call's end, if any
        if now - last > 1e-3:
            pauses.append((last, now))

    spinner = threading.Thread(target=spin)
    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-4)
    try:
        spinner.start()
        ticked.wait()
        start = time.perf_counter()
        mmc_mi.mi(x, y, estimator="ksg1", threads=1)
        end = time.perf_counter()
    finally:
        done.set()
        spinner.join()
        sys.setswitchinterval(old)
    elapsed = end - start
    longest = max((min(b, end) - max(a, start) for a, b in pauses), default=0.0)
    assert elapsed > 0.02, f"the estimate took {elapsed:.4f} s: too short to tell; use more samples"
    assert longest < 0.5 * elapsed, (longest, elapsed)


def test_two_threads_run_concurrently():
    """Two estimates in two threads: both are inside C++ at once (their
    [start, end) intervals overlap). A barrier starts both calls together, so
    a slow thread start on a loaded machine cannot serialise them; the
    speed-up is only printed, as it depends on free cores."""
    x, y = _slow_data()
    intervals = []
    lock = threading.Lock()
    barrier = threading.Barrier(2)

    def work(wait):
        if wait:
            barrier.wait()
        t0 = time.perf_counter()
        mmc_mi.mi(x, y, threads=1)
        with lock:
            intervals.append((t0, time.perf_counter()))

    start = time.perf_counter()
    work(False)
    work(False)
    sequential = time.perf_counter() - start
    intervals.clear()
    threads = [threading.Thread(target=work, args=(True,)) for _ in range(2)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    concurrent = time.perf_counter() - start
    (a0, a1), (b0, b1) = intervals
    assert a0 < b1 and b0 < a1, intervals  # overlapping calls
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
