"""Tests of rewrite rules added after the first codegen tests (see also tests/test_codegen.py)."""

from __future__ import annotations

import mpmath
import numpy as np
import pytest
import sympy
from sympy import Rational, exp, log

from symact import x
from symact.codegen import rewrite as rw
from symact.codegen.numpy import to_numpy

#: log(c + a exp(u)) for numbers a, c > 0: (a, c, u)
LOG_SUM_EXP_CONST = [
    (1, 2, x / 3 + Rational(1, 2)),
    (3, Rational(1, 5), x),
    (Rational(1, 7), 5, -2 * x),
    (sympy.sqrt(2), sympy.pi, x + 1),
]


@pytest.mark.parametrize(("a", "c", "u"), LOG_SUM_EXP_CONST)
def test_log_of_constant_plus_exp_becomes_softplus(a: sympy.Expr, c: sympy.Expr, u: sympy.Expr) -> None:
    old = log(c + a * exp(u))
    new = rw.apply_rules(old)
    assert new.has(rw.Softplus) and not new.has(exp)
    assert rw.proven_equal(new, old)


@pytest.mark.parametrize(("a", "c", "u"), LOG_SUM_EXP_CONST)
def test_log_of_constant_plus_exp_is_finite_and_accurate_far_out(a: sympy.Expr, c: sympy.Expr, u: sympy.Expr) -> None:
    expr = log(c + a * exp(u))
    f = to_numpy(expr)
    xs = np.array([-1e300, -1e6, -800.0, -30.0, -1.0, 0.0, 1.0, 30.0, 800.0, 1e6, 1e300])
    got = f(xs)
    assert np.all(np.isfinite(got))
    with mpmath.workdps(60):
        g = sympy.lambdify(x, expr, "mpmath")
        for xv, yv in zip(xs, got):
            want = g(mpmath.mpf(float(xv)))
            assert abs(yv - want) <= 4 * np.spacing(abs(float(want))), (xv, yv, want)


def test_log_of_difference_is_not_rewritten() -> None:
    # log(2 - exp(x)) is not a softplus (a < 0): the rule must not fire
    assert not rw.apply_rules(log(2 - exp(x))).has(rw.Softplus)
