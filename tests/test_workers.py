"""The worker server of symact.core.budget, tried the way programs use it (issue 18).

Each scenario runs in a fresh interpreter (a subprocess with its own timeout), so that a hang fails
the test instead of the suite, and a killed caller is a real process: a caller with a thread inside
multithreaded OpenBLAS, a caller without ``os.fork``, a caller killed with SIGTERM or SIGKILL in the
middle of a call, a Ctrl-C while four threads wait on calls. The only timed assertions are "within
the budget plus a margin".
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
import warnings
from pathlib import Path

import pytest
import sympy

import symact
from symact import x
from symact.core import budget, workers
from worker_jobs import partly_timed_out

ROOT = Path(__file__).resolve().parents[1]
PYTHONPATH = os.pathsep.join([str(ROOT), str(ROOT / "tests")])  # symact, and worker_jobs for the workers
MARGIN = 0.5  # seconds a call may take beyond its budget


def _python(code: str, timeout: float, **kwargs):
    """Run ``code`` in a fresh interpreter; its last stdout line is JSON."""
    env = dict(os.environ, PYTHONPATH=PYTHONPATH)
    out = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        check=False,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        cwd=ROOT,
        **kwargs,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def _alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie waiting for its parent does not)."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except OSError:
        return False


def _descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (Linux /proc)."""
    parents: dict[int, int] = {}
    for entry in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{entry}/stat") as fh:
                parents[int(entry)] = int(fh.read().rsplit(")", 1)[1].split()[1])
        except OSError:
            continue
    found, frontier = [], [pid]
    while frontier:
        p = frontier.pop()
        kids = [c for c, parent in parents.items() if parent == p]
        found += kids
        frontier += kids
    return found


pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc (Linux)")


# -- a caller whose other thread is inside multithreaded OpenBLAS ---------------------------------


def test_calls_return_within_budget_while_another_thread_runs_openblas():
    """os.fork in such a caller can block forever in OpenBLAS's fork handler (numpy#17752); the caller
    no longer forks. 100 public calls, each a fresh derivation (distinct inputs: no cache answers)."""
    code = """
        import json, threading, time
        import numpy as np
        import symact
        from symact import x
        from symact.core import budget

        budget.start_workers()
        stop = threading.Event()
        products = [0]

        def blas():
            a = np.random.default_rng(0).standard_normal((600, 600))
            while not stop.is_set():
                a = a @ a.T
                a /= np.abs(a).max()
                products[0] += 1

        t = threading.Thread(target=blas, daemon=True)
        t.start()
        while products[0] < 2:
            time.sleep(0.01)
        overruns = []
        for k in range(1, 101):
            seconds = 5.0
            t0 = time.monotonic()
            symact.derivative(x**2 * k + x / (k + 1), seconds=seconds)
            overruns.append(time.monotonic() - t0 - seconds)
        stop.set()
        print(json.dumps({"max_overrun": max(overruns), "calls": len(overruns), "products": products[0]}))
    """
    got = _python(code, timeout=600)
    assert got["calls"] == 100 and got["products"] > 2
    assert got["max_overrun"] < MARGIN, got


# -- a caller without os.fork (as on Windows) ----------------------------------------------------

NO_FORK = """
    import os
    del os.fork  # as on Windows: the caller cannot fork
"""


def test_budgets_hold_in_a_caller_without_fork():
    """The caller never forks: without os.fork every budget still holds, within 0.5 s."""
    code = (
        NO_FORK
        + """
    import json, time
    import sympy
    import symact
    from symact import x
    from symact.core import budget
    from sympy.calculus.util import function_range

    budget.start_workers()
    tower = sympy.tanh(sympy.exp(sympy.tanh(sympy.exp(sympy.tanh(sympy.exp(x))))))
    slow = sympy.exp(x) * (tower - sympy.tanh(sympy.exp(sympy.tanh(sympy.E))))
    report = {}
    for name, fn, args in [
        ("sleep", budget.call, (__import__("time").sleep, 30)),
        ("range", budget.call, (function_range, sympy.sin(sympy.exp(x)), x, sympy.S.Reals)),
        ("limit", symact.limit, (slow, sympy.oo)),
        ("properties", symact.properties, (tower,)),
    ]:
        t0 = time.monotonic()
        try:
            value = repr(fn(*args, seconds=0.5))
        except TimeoutError as exc:
            value = type(exc).__name__
        report[name] = [time.monotonic() - t0 - 0.5, value[:60]]
    report["fast"] = str(symact.derivative(x**3, seconds=5))
    print(json.dumps(report))
    """
    )
    got = _python(code, timeout=300)
    assert got.pop("fast") == "3*x**2"
    for name, (overrun, value) in got.items():
        assert overrun < MARGIN, (name, overrun, value)
        assert "timeout" in value or value == "BudgetExceeded", (name, value)


@pytest.mark.slow  # about 40 s: the whole budget test file again
def test_the_budget_test_file_passes_without_fork(tmp_path):
    """The whole of tests/test_budget.py, in a caller whose os.fork was removed."""
    plugin = tmp_path / "nofork_plugin.py"
    plugin.write_text("import os\n\ndel os.fork\n")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(tmp_path), PYTHONPATH]))
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-n",
            "0",
            "-p",
            "nofork_plugin",
            "-p",
            "no:cacheprovider",
            str(ROOT / "tests" / "test_budget.py"),
        ],
        check=False,
        capture_output=True,
        text=True,
        timeout=900,
        env=env,
        cwd=ROOT,
    )
    assert out.returncode == 0, out.stdout[-4000:]
    assert " passed" in out.stdout and " failed" not in out.stdout


# -- a caller that dies, or is interrupted --------------------------------------------------------

LONG_CALL = """
    import sys, time
    from symact.core import budget
    from worker_jobs import spin

    budget.start_workers()
    print(budget._server.pid, flush=True)
    budget.call(spin, 60, seconds=50, what="a long call")
"""


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=["SIGTERM", "SIGKILL"])
def test_no_worker_outlives_a_killed_caller(sig):
    caller = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(LONG_CALL)],
        stdout=subprocess.PIPE,
        text=True,
        env=dict(os.environ, PYTHONPATH=PYTHONPATH),
        cwd=ROOT,
    )
    try:
        server = int(caller.stdout.readline())
        end = time.monotonic() + 30
        while not _descendants(server) and time.monotonic() < end:  # the worker has started
            time.sleep(0.02)
        family = [server, *_descendants(server)]
        assert len(family) >= 2, family
        caller.send_signal(sig)
        caller.wait(timeout=10)
        time.sleep(2)
        assert [p for p in family if _alive(p)] == []
    finally:
        caller.kill()
        caller.wait()
        caller.stdout.close()


def _blocked_signals(native_id: int) -> int:
    """The mask of signals a thread of this process blocks (Linux: SigBlk in /proc)."""
    status = Path(f"/proc/self/task/{native_id}/status").read_text()
    return int(next(line.split()[1] for line in status.splitlines() if line.startswith("SigBlk:")), 16)


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="reads thread signal masks from Linux's /proc")
def test_a_thread_waiting_for_a_worker_leaves_ctrl_c_to_the_main_thread():
    """POSIX lets the kernel give a Ctrl-C to any one thread that does not block SIGINT (Linux prefers the
    main thread, macOS does not): had a thread waiting for its worker taken it, the main thread, blocked in a
    join, would never raise KeyboardInterrupt. Such a thread blocks SIGINT while it waits, and only then."""
    from worker_jobs import spin

    t = threading.Thread(target=budget.call, args=(spin, 2.0), kwargs={"seconds": 30})
    t.start()
    masks = []
    end = time.monotonic() + 1.5
    while time.monotonic() < end and t.is_alive():
        if t.native_id is not None:
            masks.append(_blocked_signals(t.native_id))
        time.sleep(0.05)
    t.join()
    assert any(m & (1 << (signal.SIGINT - 1)) for m in masks)  # while it waited
    assert not _blocked_signals(threading.get_native_id()) & (1 << (signal.SIGINT - 1))  # the main thread never


def test_ctrl_c_with_four_calls_in_threads_exits_at_once(tmp_path):
    dump = tmp_path / "threads.txt"  # where the caller's threads are dumped if it does not exit
    # A test run started in the background by a non-interactive shell inherits SIGINT ignored, and Python
    # then leaves it ignored (no KeyboardInterrupt at all): the caller restores Python's own handler.
    code = f"""
        import faulthandler, signal, threading
        signal.signal(signal.SIGINT, signal.default_int_handler)
        faulthandler.register(signal.SIGUSR1, file=open({str(dump)!r}, "w"), all_threads=True)
        from symact.core import budget
        from worker_jobs import spin

        budget.start_workers()
        print(budget._server.pid, flush=True)
        threads = [
            threading.Thread(target=budget.call, args=(spin, 60), kwargs={{"seconds": 40}})
            for _ in range(4)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    """
    caller = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(code)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=dict(os.environ, PYTHONPATH=PYTHONPATH),
        cwd=ROOT,
    )
    try:
        server = int(caller.stdout.readline())
        end = time.monotonic() + 30
        while len(_descendants(server)) < 4 and time.monotonic() < end:
            time.sleep(0.02)
        family = [server, *_descendants(server)]
        assert len(family) == 5, family
        t0 = time.monotonic()
        caller.send_signal(signal.SIGINT)
        try:
            caller.wait(timeout=10)
        except subprocess.TimeoutExpired:  # say where it is stuck: every thread's stack
            caller.send_signal(signal.SIGUSR1)
            time.sleep(1)
            pytest.fail(f"the caller did not exit 10 s after Ctrl-C; its threads:\n{dump.read_text()[:8000]}")
        took = time.monotonic() - t0
        assert took < 2, took
        end = time.monotonic() + 2
        while any(_alive(p) for p in family) and time.monotonic() < end:
            time.sleep(0.02)
        assert [p for p in family if _alive(p)] == []
    finally:
        caller.kill()
        caller.wait()
        caller.stdout.close()


# -- global state of the caller --------------------------------------------------------------------


def test_twenty_threads_leave_the_warning_filters_as_they_found_them():
    before = list(warnings.filters)
    errors: list[BaseException] = []

    def calls(k: int) -> None:
        try:
            for j in range(3):
                symact.derivative(x ** (k + 2) + j * x, seconds=30)
                symact.limit(x / (k + j + 1), sympy.oo, seconds=30)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=calls, args=(k,)) for k in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert errors == []
    assert list(warnings.filters) == before


def test_a_worker_takes_on_the_callers_warning_filters():
    """Under ``-W error::DeprecationWarning`` (here: the suite's ``filterwarnings = error``) a warning
    raised in a worker is an error there too, as it would be in the caller."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        with pytest.raises(DeprecationWarning, match="from a worker"):
            budget.call(warnings.warn, "from a worker", DeprecationWarning)
        warnings.simplefilter("ignore", DeprecationWarning)
        assert budget.call(warnings.warn, "from a worker", DeprecationWarning) is None


# -- bounded results and degraded answers -----------------------------------------------------------


def test_a_result_above_the_size_limit_is_an_error_with_its_size(monkeypatch):
    monkeypatch.setenv(workers.ENV_RESULT, "1")  # 1 MiB
    with pytest.raises(budget.WorkerError, match=r"its result is [\d,]+ bytes, above the limit of 1,048,576"):
        budget.call(bytes, 3 * 2**20)
    assert len(budget.call(bytes, 2**19)) == 2**19


def test_the_result_limit_is_checked(monkeypatch):
    monkeypatch.setenv(workers.ENV_RESULT, "lots")
    with pytest.raises(ValueError, match="SYMACT_RESULT_MB='lots'"):
        workers.result_limit()


def test_a_degraded_answer_is_not_returned_to_a_larger_budget():
    cache = budget.CallCache()
    first = cache.call("k", partly_timed_out, 0.2, seconds=10, what="two steps")
    assert first == ("timeout", "done")
    assert budget.degraded()
    again = cache.call("k", partly_timed_out, 0.2, seconds=10, what="two steps")
    assert again == first  # the same budget: kept
    budget.reset_degraded()
    # a larger budget computes afresh (the step's own budget is an argument: the answer changes)
    assert cache.call("k", partly_timed_out, 3.0, seconds=20, what="two steps") == ("done", "done")
    assert not budget.degraded()
    assert cache.call("k", partly_timed_out, 3.0, seconds=5, what="two steps") == ("done", "done")


def _same_tree(expr):
    """In a worker: the expression it was sent, and its srepr there."""
    return expr, sympy.srepr(expr)


def test_expressions_cross_to_a_worker_and_back_as_they_were():
    """Work and answers cross as data without SymPy re-evaluating them (symact.core.transfer): every
    catalog expression and its first derivative, and trees built unevaluated, arrive and come back
    node for node."""
    k = sympy.Symbol("k")
    exprs = [sympy.Eq(k, k, evaluate=False), sympy.Pow(2, 10**40, evaluate=False), sympy.Add(x, x, evaluate=False)]
    for name in symact.names():
        act = symact.get(name)
        if isinstance(act, symact.Activation):
            exprs += [act.expr, sympy.diff(act.expr, x)]
    for expr in exprs:
        back, there = budget.call(_same_tree, expr, seconds=30)
        assert there == sympy.srepr(expr) == sympy.srepr(back)


def test_a_thread_never_changes_mpmaths_precision_in_symacts_own_code(monkeypatch):
    """The truth (scalar and vector) and validation called from a thread run their precision-changing work
    in a worker (budget.off_thread), and the kernels' constants use a private context: no frame of symact
    sets mpmath's process-wide precision from a thread that is not the main one. (SymPy's own evalf does,
    in whatever thread calls it; that is SymPy's, not checked here.)"""
    import mpmath
    import numpy as np

    import symact.codegen.kernels  # imported here, in the main thread, as a program would have
    from symact.numeric.truth import truth
    from symact.validation import vector

    monkeypatch.setenv("SYMACT_CACHE", "0")  # computed now, not read from the store
    owner = next(k for k in type(mpmath.mp).__mro__ if "prec" in vars(k))
    prop = vars(owner)["prec"]
    ours = (str(ROOT / "symact"), str(ROOT / "proofs"))
    culprits: list[str] = []

    def recording(ctx, value):
        if threading.current_thread() is not threading.main_thread():
            import traceback

            frames = [f for f in traceback.extract_stack()[:-1] if f.filename.startswith(ours)]
            if frames:
                culprits.append(f"{frames[-1].filename}:{frames[-1].lineno}")
        prop.fset(ctx, value)

    monkeypatch.setattr(owner, "prec", property(prop.fget, recording))
    rng = np.random.default_rng(18)
    errors: list[BaseException] = []

    def work():
        try:
            xs = rng.normal(0, 30, 200)
            got = truth(sympy.log(1 + sympy.exp(x)) * sympy.tanh(x), xs)
            assert got.shape == xs.shape and np.all(np.isfinite(got))
            rows = vector.truth("log_softmax", rng.normal(0, 5, (20, 4)))
            assert rows.shape == (20, 4)
            assert symact.get("softplus").validate().ok
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)

    t = threading.Thread(target=work)
    t.start()
    t.join(300)
    assert not errors, errors
    assert not culprits, sorted(set(culprits))
