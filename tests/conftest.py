"""Shared test configuration: global-state hygiene and Hypothesis profiles."""

from __future__ import annotations

import atexit
import gc
import os
import shutil
import tempfile

import mpmath
import pytest
from hypothesis import HealthCheck, settings

settings.register_profile("dev", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("ci", max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))

# The persistent store (symact.core.store) of a test session is a fresh temporary folder, never the
# user's cache (the command-line tests' subprocesses inherit it). The xdist workers share the one the
# controlling process made (the store is safe with concurrent writers), so a fact derived by one worker
# is not derived again by the other; the controller removes it at the end. It lives in memory where the
# machine has /dev/shm: a session writes some 6,000 entries, and deleting them from a disk mounted with
# `discard` took 20 s at the end of every run.
_RAM = "/dev/shm"
if os.environ.get("PYTEST_XDIST_WORKER") and os.environ.get("SYMACT_TEST_STORE"):
    _STORE = os.environ["SYMACT_TEST_STORE"]
else:
    _ram_ok = os.path.isdir(_RAM) and os.access(_RAM, os.W_OK | os.X_OK)
    _STORE = tempfile.mkdtemp(prefix="symact-test-store-", dir=_RAM if _ram_ok else None)
    os.environ["SYMACT_TEST_STORE"] = _STORE
    atexit.register(shutil.rmtree, _STORE, True)
os.environ["SYMACT_CACHE_DIR"] = _STORE


@pytest.fixture(autouse=True, scope="session")
def _worker_server():
    """Start symact's worker server before the first test: the timed tests measure budgets, not
    the one-off start of the server (symact.core.budget.start_workers)."""
    from symact.core import budget

    budget.start_workers()


@pytest.fixture(autouse=True)
def _work_sent_to_workers_pickles(request, monkeypatch):
    """Fail any test in which symact tried to send a lambda or a closure to a budget worker.

    That is a TypeError, which code that treats a failing SymPy method as "proves nothing" would
    otherwise swallow: the method would silently never run. Tests of that very error are marked
    ``unsendable``.
    """
    from symact.core import budget

    refused: list[str] = []
    task = budget._task

    def recording(*args, **kwargs):
        try:
            return task(*args, **kwargs)
        except TypeError as exc:
            refused.append(str(exc))
            raise

    monkeypatch.setattr(budget, "_task", recording)
    yield
    if refused and request.node.get_closest_marker("unsendable") is None:
        pytest.fail("work that cannot be sent to a worker: " + "; ".join(refused), pytrace=False)


@pytest.fixture(autouse=True)
def _mpmath_precision_is_left_alone():
    """Fail any test that leaves mpmath's global precision changed (use mp.workdps)."""
    before = (mpmath.mp.prec, mpmath.iv.prec)
    yield
    assert (mpmath.mp.prec, mpmath.iv.prec) == before, "a test or the library mutated global mpmath precision"


def pytest_collection_finish(session):
    """Freeze what collection made (the imported modules, SymPy's start-up caches, the test items):
    it lives for the whole session, and the collector's full passes need not scan it again."""
    gc.freeze()


def pytest_unconfigure(config):
    """Collect once, then freeze: pytest's closing clean-up runs five full collections to surface
    exceptions raised in finalizers, and on the heap a session leaves (SymPy's caches) each took
    1-2.5 s per worker. The one collection here still runs those finalizers."""
    gc.collect()
    gc.freeze()
