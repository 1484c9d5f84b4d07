"""Tests of symact.signs against truths computed independently with mpmath (50 digits)."""

from __future__ import annotations

import time

import mpmath
import pytest
import sympy
from sympy import Rational, exp, oo, sqrt

from symact import Unknown, x
from symact.signs import Root, SignChart, sign_at, sign_chart

mp50 = mpmath.mp.clone() if hasattr(mpmath.mp, "clone") else None


def _truth_root(f, x0):
    """A zero of f' near x0 from mpmath alone (f written with mpmath functions)."""
    with mpmath.workdps(60):
        return mpmath.findroot(lambda t: mpmath.diff(f, t), mpmath.mpf(x0))


def _check_root(root: Root, truth) -> None:
    with mpmath.workdps(60):
        lo = mpmath.mpf(root.lo.p) / root.lo.q
        hi = mpmath.mpf(root.hi.p) / root.hi.q
        assert lo <= truth + mpmath.mpf(10) ** -45 and truth - mpmath.mpf(10) ** -45 <= hi
        assert hi - lo <= mpmath.mpf(10) ** -40 * max(abs(truth), mpmath.mpf(10) ** -300) or lo == hi
        assert abs(mpmath.mpf(str(root.approx)) - truth) <= mpmath.mpf(10) ** -39 * max(1, abs(truth))
    assert len(str(root.approx).lstrip("-0.")) >= 40


SILU = x / (1 + exp(-x))
GELU = x / 2 * (1 + sympy.erf(x / sqrt(2)))
GELU_T = x / 2 * (1 + sympy.tanh(sqrt(2 / sympy.pi) * (x + Rational(44715, 10**6) * x**3)))
MISH = x * sympy.tanh(sympy.log(1 + exp(x)))

MP = {
    "silu": lambda t: t / (1 + mpmath.exp(-t)),
    "gelu": lambda t: t / 2 * (1 + mpmath.erf(t / mpmath.sqrt(2))),
    "gelu_tanh": lambda t: t / 2 * (1 + mpmath.tanh(mpmath.sqrt(2 / mpmath.pi) * (t + mpmath.mpf(44715) / 10**6 * t**3))),
    "mish": lambda t: t * mpmath.tanh(mpmath.log(1 + mpmath.exp(t))),
}


@pytest.mark.parametrize(
    ("name", "f", "x0"),
    [("silu", SILU, -1.28), ("gelu", GELU, -0.75), ("gelu_tanh", GELU_T, -0.75), ("mish", MISH, -1.19)],
)
def test_smooth_activation_minimum(name, f, x0):
    t0 = time.perf_counter()
    ch = sign_chart(sympy.diff(f, x), -oo, oo)
    assert isinstance(ch, SignChart), ch
    assert ch.signs == (-1, 1)
    assert len(ch.roots) == 1
    _check_root(ch.roots[0], _truth_root(MP[name], x0))
    assert time.perf_counter() - t0 < 5


def test_silu_root_value_matches_lambertw():
    ch = sign_chart(sympy.diff(SILU, x), -oo, oo)
    with mpmath.workdps(60):
        _check_root(ch.roots[0], -1 - mpmath.lambertw(mpmath.exp(-1)))


@pytest.mark.parametrize(
    ("g", "a", "b", "signs", "roots"),
    [
        (sympy.diff(1 / (1 + exp(-x)), x), -oo, oo, (1,), []),
        (sympy.diff(sympy.tanh(x), x, 2), -oo, oo, (1, -1), [0]),
        (sympy.diff(exp(-(x**2)), x), -oo, oo, (1, -1), [0]),
        (x**2, -oo, oo, (1, 1), [0]),
        (x**3, -oo, oo, (-1, 1), [0]),
        ((x - 1) ** 2 * (x + 2), -oo, oo, (-1, 1, 1), [-2, 1]),
        (sympy.Integer(0), -oo, oo, (0,), []),
        (x - Rational(1, 3), -oo, oo, (-1, 1), [Rational(1, 3)]),
        (sqrt(x**2 + 4) + x, -oo, oo, (1,), []),
        (exp(x) - 1, -oo, 0, (-1,), []),
        (exp(x) - 1, 0, oo, (1,), []),
        (sympy.diff(x * (x + 3) / 6, x), -3, 3, (-1, 1), [Rational(-3, 2)]),
        (sympy.sin(x), 0, 10, (1, -1, 1, -1), [sympy.pi, 2 * sympy.pi, 3 * sympy.pi]),
        (sympy.diff(sympy.atan(x), x), -oo, oo, (1,), []),
        (x**3 - 1000 * x, -oo, oo, (-1, 1, -1, 1), [-10 * sqrt(10), 0, 10 * sqrt(10)]),
    ],
)
def test_charts(g, a, b, signs, roots):
    ch = sign_chart(g, a, b)
    assert isinstance(ch, SignChart), ch
    assert ch.signs == signs
    assert len(ch.roots) == len(roots)
    for r, t in zip(ch.roots, roots):
        with mpmath.workdps(60):
            tv = mpmath.mpf(sympy.N(t, 60))
            _check_root(r, tv) if t != 0 else None
        assert r.lo <= t <= r.hi


def test_sinc_derivative():
    g = sympy.diff(sympy.sinc(x), x)
    assert isinstance(sign_chart(g, -oo, oo, seconds=3), Unknown)
    ch = sign_chart(g, 1, 10)
    assert isinstance(ch, SignChart), ch
    # zeros of x cos x - sin x, i.e. tan x = x, in (1, 10): 4.4934..., 7.7252...
    with mpmath.workdps(60):
        truths = [mpmath.findroot(lambda t: mpmath.tan(t) - t, v) for v in (4.49, 7.725)]
    assert ch.signs == (-1, 1, -1)
    for r, t in zip(ch.roots, truths):
        _check_root(r, t)


def test_numeric_only_roots_are_certified():
    # a transcendental equation solveset cannot solve: x = cos(x)
    ch = sign_chart(x - sympy.cos(x), -oo, oo)
    assert isinstance(ch, SignChart), ch
    assert ch.method == "interval" and ch.signs == (-1, 1)
    with mpmath.workdps(60):
        _check_root(ch.roots[0], mpmath.findroot(lambda t: t - mpmath.cos(t), 0.7))


def test_unknown_for_infinitely_many_roots():
    assert isinstance(sign_chart(sympy.cos(x), -oo, oo, seconds=2), Unknown)
    assert isinstance(sign_chart(sympy.sin(x) + x / 1000, -oo, oo, seconds=2), Unknown)


def test_sign_at():
    assert sign_at(sympy.sqrt(2) - Rational(1414, 1000)) == 1
    assert sign_at(sympy.pi - Rational(355, 113)) == -1
    assert sign_at(sympy.sqrt(2) * sympy.sqrt(3) - sympy.sqrt(6)) == 0
    assert sign_at(sympy.Integer(0)) == 0
    assert sign_at(-1 - sympy.LambertW(exp(-1))) == -1
    assert isinstance(sign_at(x), Unknown)
    assert isinstance(sign_at(sympy.nan), Unknown)


def test_half_lines_and_irrational_ends():
    ch = sign_chart(sympy.sin(x), sympy.pi, 4)
    assert isinstance(ch, SignChart) and ch.signs == (-1,) and ch.roots == ()
    ch = sign_chart(x**2 - 2, 0, oo)
    assert ch.signs == (-1, 1) and ch.roots[0].lo <= sqrt(2) <= ch.roots[0].hi


@pytest.mark.parametrize(
    ("g", "a", "b"),
    [
        ((1 - sympy.cos(x)) ** 2 / x**2, -1, 1),  # removable singularity with a double zero at 0
        (sympy.sin(x) ** 2 / x, -1, 1),  # removable singularity with a sign change at 0
        ((1 - sympy.cos(x)) ** 2 / x**2, -oo, oo),
    ],
)
def test_non_evaluable_points_are_never_skipped(g, a, b):
    assert isinstance(sign_chart(g, a, b), Unknown)


def test_removable_singularity_outside_is_fine():
    ch = sign_chart(sympy.sin(x) ** 2 / x, 0, 1)
    assert isinstance(ch, SignChart) and ch.signs == (1,)
