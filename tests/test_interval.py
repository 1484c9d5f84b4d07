"""Tests of symact.numeric.interval: enclosures must contain the true values (checked with mpmath)."""

from __future__ import annotations

import math

import mpmath
import pytest
import sympy
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from symact import x
from symact.numeric.interval import EnclosureError, enclose, erfcx

oo = sympy.oo


def _lohi(v):
    return mpmath.mp.make_mpf(v._mpi_[0]), mpmath.mp.make_mpf(v._mpi_[1])


def _contains(v, t) -> bool:
    lo, hi = _lohi(v)
    return lo <= t <= hi


def test_polynomial_and_even_powers_are_tight():
    lo, hi = _lohi(enclose(x**2, -2, 3))
    assert (lo, hi) == (0, 9)
    lo, hi = _lohi(enclose(x**3 - x, 0, 0))
    assert lo == hi == 0


def test_exact_endpoints_are_enclosed_rigorously():
    v = enclose(x, sympy.Rational(1, 3), sympy.Rational(1, 3), prec=200)
    lo, hi = _lohi(v)
    with mpmath.workprec(400):
        third = mpmath.mpf(1) / 3
        assert lo < third < hi and hi - lo < mpmath.mpf(2) ** -190
    v = enclose(x**2 - 2, sympy.sqrt(2), sympy.sqrt(2))
    assert _contains(v, 0)


def test_infinite_ends():
    assert _lohi(enclose(sympy.exp(x), -oo, 0)) == (0, 1)
    lo, hi = _lohi(enclose(sympy.tanh(x), 1, oo))
    assert lo > 0.76 and hi == 1
    lo, hi = _lohi(enclose(sympy.atan(x), -oo, oo))
    assert -1.5708 < lo < -1.5707 and 1.5707 < hi < 1.5708
    lo, hi = _lohi(enclose(1 / (1 + sympy.exp(-x)), -oo, oo))
    assert lo == 0 and hi == 1


def test_inf_times_zero_is_wide_not_wrong():
    v = enclose(x * sympy.exp(-x), 0, oo)
    lo, hi = _lohi(v)
    assert lo <= 0 and hi == mpmath.inf
    v = enclose(x * sympy.exp(x), -oo, -1)
    lo, hi = _lohi(v)
    assert lo == -mpmath.inf and hi >= -math.exp(-1)


@pytest.mark.parametrize(
    ("expr", "lo", "hi"),
    [
        (sympy.log(x), -1, 1),
        (sympy.log(x), 0, 1),
        (1 / x, -1, 1),
        (sympy.sqrt(x), -1, 1),
        (x ** sympy.Rational(1, 3), -2, -1),
        (sympy.LambertW(x), -1, 0),
        (sympy.Symbol("y") * x, 0, 1),
        (sympy.tan(x), 0, 1),
        (sympy.DiracDelta(x), -1, 1),
    ],
)
def test_undefined_or_unsupported_raises(expr, lo, hi):
    with pytest.raises(EnclosureError):
        enclose(expr, lo, hi)


def test_piecewise_heaviside_sign_max_min():
    elu = sympy.Piecewise((x, x > 0), (sympy.exp(x) - 1, True))
    lo, hi = _lohi(enclose(elu, -1, 2))
    assert lo <= math.exp(-1) - 1 and hi >= 2
    assert _lohi(enclose(elu, 1, 2)) == (1, 2)
    assert _lohi(enclose(sympy.Heaviside(x), 0, 0)) == (0.5, 0.5)
    assert _lohi(enclose(sympy.Heaviside(x, 1), 0, 0)) == (1, 1)
    assert _lohi(enclose(sympy.Heaviside(x), -2, -1)) == (0, 0)
    assert _lohi(enclose(sympy.sign(x), -2, 0)) == (-1, 0)
    assert _lohi(enclose(sympy.Max(0, x), -2, 3)) == (0, 3)
    assert _lohi(enclose(sympy.Min(6, sympy.Max(0, x)), 5, 9)) == (5, 6)
    assert _lohi(enclose(sympy.Abs(x), -2, 1)) == (0, 2)


def test_sinc_and_lambertw():
    lo, hi = _lohi(enclose(sympy.sinc(x), -0.5, 0.5))
    assert hi == 1 and 0.95 < lo <= math.sin(0.5) / 0.5
    assert _lohi(enclose(sympy.sinc(x), 0, 0)) == (1, 1)
    v = enclose(sympy.LambertW(x), sympy.exp(-1), sympy.exp(-1), prec=200)
    with mpmath.workprec(300):
        w = mpmath.lambertw(mpmath.exp(-1))
        assert _contains(v, w)
    v = enclose(sympy.LambertW(x), -sympy.Rational(36, 100), 0)
    assert _contains(v, mpmath.lambertw(-0.36)) and _contains(v, 0)
    with pytest.raises(EnclosureError):  # the outward-rounded end may dip below -1/e: refused
        enclose(sympy.LambertW(x), -sympy.exp(-1), 0)


def test_erfcx():
    v = enclose(erfcx(x), 0, oo)
    assert _lohi(v) == (0, 1)
    v = enclose(erfcx(x), 10, 10, prec=200)
    with mpmath.workprec(300):
        assert _contains(v, mpmath.exp(100) * mpmath.erfc(10))
    assert erfcx(x).diff(x) == 2 * x * erfcx(x) - 2 / sympy.sqrt(sympy.pi)
    assert erfcx(x).is_positive


def test_constants():
    v = enclose(sympy.pi - sympy.Rational(355, 113))
    assert _lohi(v)[1] < 0
    v = enclose(-1 - sympy.LambertW(sympy.exp(-1)), prec=200)
    with mpmath.workprec(300):
        assert _contains(v, -1 - mpmath.lambertw(mpmath.exp(-1)))


def test_global_precision_untouched():
    before_mp, before_iv = mpmath.mp.prec, mpmath.iv.prec
    enclose(sympy.tanh(x) * sympy.erf(x), -1, 2, prec=300)
    assert (mpmath.mp.prec, mpmath.iv.prec) == (before_mp, before_iv)


# ---------------------------------------------------------------- randomized containment

_UNARY = [
    (sympy.exp, mpmath.exp, None),
    (sympy.tanh, mpmath.tanh, None),
    (sympy.atan, mpmath.atan, None),
    (sympy.erf, mpmath.erf, None),
    (sympy.erfc, mpmath.erfc, None),
    (sympy.sin, mpmath.sin, None),
    (sympy.cos, mpmath.cos, None),
    (sympy.sinh, mpmath.sinh, None),
    (sympy.cosh, mpmath.cosh, None),
    (sympy.Abs, abs, None),
    (sympy.sinc, lambda t: mpmath.sin(t) / t if t != 0 else mpmath.mpf(1), None),
    (lambda e: sympy.log(1 + e**2), lambda t: mpmath.log(1 + t**2), None),
    (lambda e: sympy.sqrt(e**2 + 1), lambda t: mpmath.sqrt(t**2 + 1), None),
    (lambda e: 1 / (1 + sympy.exp(-e)), lambda t: 1 / (1 + mpmath.exp(-t)), None),
    (lambda e: sympy.LambertW(e**2), lambda t: mpmath.lambertw(t**2).real, None),
    (
        lambda e: sympy.Heaviside(e),
        lambda t: mpmath.mpf(0.5) if t == 0 else (mpmath.mpf(1) if t > 0 else mpmath.mpf(0)),
        None,
    ),
    (lambda e: erfcx(e), lambda t: mpmath.exp(t * t) * mpmath.erfc(t), None),
]


@st.composite
def _exprs(draw, depth=3):
    """A random expression (sympy, mpmath function) built from supported pieces."""
    if depth == 0 or draw(st.integers(0, 3)) == 0:
        c = draw(st.integers(-3, 3))
        if draw(st.booleans()):
            return x, (lambda t: t)
        k = sympy.Rational(c, draw(st.integers(1, 4)))
        return k * x, (lambda t, k=k: mpmath.mpf(k.p) / k.q * t)
    kind = draw(st.integers(0, 6))
    a, fa = draw(_exprs(depth=depth - 1))
    if kind == 0:
        s, m, _ = draw(st.sampled_from(_UNARY))
        return s(a), (lambda t: m(fa(t)))
    b, fb = draw(_exprs(depth=depth - 1))
    if kind == 1:
        return a + b, (lambda t: fa(t) + fb(t))
    if kind == 2:
        return a * b, (lambda t: fa(t) * fb(t))
    if kind == 3:
        n = draw(st.integers(2, 3))
        return a**n, (lambda t: fa(t) ** n)
    if kind == 4:
        return sympy.Max(a, b), (lambda t: max(fa(t), fb(t)))
    c = sympy.Rational(draw(st.integers(-4, 4)), 2)
    if kind == 5:
        cm = mpmath.mpf(c.p) / c.q
        return sympy.Piecewise((a, x < c), (b, True)), (lambda t: fa(t) if t < cm else fb(t))
    return sympy.sign(a - c), (lambda t: mpmath.sign(fa(t) - mpmath.mpf(c.p) / c.q))


_ENDS = st.one_of(
    st.integers(-6, 6).map(sympy.Integer),
    st.fractions(-6, 6, max_denominator=9).map(lambda f: sympy.Rational(f.numerator, f.denominator)),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(
    _exprs(),
    _ENDS,
    _ENDS,
    st.lists(st.floats(0, 1), min_size=1, max_size=4),
    st.sampled_from(["finite", "left", "right"]),
)
def test_enclosure_contains_true_values(ef, e1, e2, fracs, kind):
    expr, f = ef
    lo, hi = min(e1, e2), max(e1, e2)
    if kind == "left":
        lo = -oo
    elif kind == "right":
        hi = oo
    try:
        v = enclose(expr, lo, hi, prec=80)
    except EnclosureError:
        return
    a = lo if lo != -oo else hi - 40
    b = hi if hi != oo else lo + 40
    pts = [a + (b - a) * sympy.Rational(t) for t in fracs] + [a, b]
    with mpmath.workprec(200):
        for t in pts:
            tt = mpmath.mpf(t.p) / t.q
            try:
                val = f(tt)
            except (ValueError, ZeroDivisionError, OverflowError):
                continue
            if isinstance(val, mpmath.mpc):
                assume(False)
            # the reference itself carries rounding errors of order 2**-190 (relative)
            slack = abs(val) * mpmath.mpf(2) ** -150 + mpmath.mpf(2) ** -150
            lo_v, hi_v = _lohi(v)
            assert lo_v - slack <= val <= hi_v + slack, (expr, lo, hi, t, val, v)


def test_crootof_is_enclosed_from_sympys_exact_isolation():
    r = sympy.CRootOf(x**5 - x - 1, 0)
    v = enclose(r, prec=150)
    with mpmath.workdps(60):
        t = mpmath.findroot(lambda s: s**5 - s - 1, 1.1)
        assert _contains(v, t)
    lo, hi = _lohi(v)
    assert hi - lo < mpmath.mpf(2) ** -140
