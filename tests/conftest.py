"""Shared test configuration: global-state hygiene and Hypothesis profiles."""

from __future__ import annotations

import os

import mpmath
import pytest
from hypothesis import HealthCheck, settings

settings.register_profile("dev", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("ci", max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))


@pytest.fixture(autouse=True)
def _mpmath_precision_is_left_alone():
    """Fail any test that leaves mpmath's global precision changed (use mp.workdps)."""
    before = (mpmath.mp.prec, mpmath.iv.prec)
    yield
    assert (mpmath.mp.prec, mpmath.iv.prec) == before, "a test or the library mutated global mpmath precision"
