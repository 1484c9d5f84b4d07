"""Shared test configuration: global-state hygiene and Hypothesis profiles."""

from __future__ import annotations

import atexit
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
# user's cache (the command-line tests' subprocesses inherit it).
_STORE = tempfile.mkdtemp(prefix="symact-test-store-")
os.environ["SYMACT_CACHE_DIR"] = _STORE
atexit.register(shutil.rmtree, _STORE, True)


@pytest.fixture(autouse=True, scope="session")
def _worker_server():
    """Start symact's worker server before the first test: the timed tests measure budgets, not
    the one-off start of the server (symact.core.budget.start_workers)."""
    from symact.core import budget

    budget.start_workers()


@pytest.fixture(autouse=True)
def _mpmath_precision_is_left_alone():
    """Fail any test that leaves mpmath's global precision changed (use mp.workdps)."""
    before = (mpmath.mp.prec, mpmath.iv.prec)
    yield
    assert (mpmath.mp.prec, mpmath.iv.prec) == before, "a test or the library mutated global mpmath precision"
