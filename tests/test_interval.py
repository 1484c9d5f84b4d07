"""Tests of symact.numeric.interval: enclosures must contain the true values (checked with mpmath),
be tight where the engine promises it, and cover the primitives table."""

from __future__ import annotations

import itertools
import math
import threading

import mpmath
import pytest
import sympy
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from symact import x
from symact.core.errors import SymactError
from symact.definition.primitives import PRIMITIVES, Stable
from symact.numeric import interval as engine
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
        (sympy.tan(x), 1, 2),  # the pole at pi/2
        (sympy.atanh(x), 0, 1),
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
    (sympy.asinh, mpmath.asinh, None),
    (sympy.sech, mpmath.sech, None),
    (lambda e: sympy.atanh(sympy.tanh(e)), lambda t: mpmath.atanh(mpmath.tanh(t)), None),
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
            if mpmath.isnan(val):  # the reference itself failed (inf - inf in a subterm): it cannot judge
                continue
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


# ---------------------------------------------------------------- one contract, one table


def test_enclosure_error_is_a_symact_error_and_an_arithmetic_error():
    with pytest.raises(SymactError):
        enclose(sympy.log(x), -1, 1)
    assert issubclass(EnclosureError, ArithmeticError)


def test_every_primitive_has_a_handler():
    # the table of the engine is checked against the one table of supported primitives
    for func in PRIMITIVES:
        assert issubclass(func, Stable) or func in engine.HANDLERS, func
    # and the engine's extras are SymPy classes it meets in derived expressions
    extras = {f for f in engine.HANDLERS if f not in PRIMITIVES}
    assert extras == {sympy.Add, sympy.Mul, sympy.Pow, sympy.atanh, sympy.CRootOf, erfcx, Stable}


@pytest.mark.parametrize("func", [f for f in PRIMITIVES if issubclass(f, Stable)])
def test_stable_primitives_are_enclosed_by_their_textbook_definition(func):
    n = PRIMITIVES[func].arity[0]
    args = [sympy.Rational(1, 3) + k for k in range(n)]
    e = func(*args)
    v = enclose(e, prec=100)
    want = sympy.N(e.textbook(), 40)
    assert _contains(v, _mp(want))
    lo, hi = _lohi(v)
    assert hi - lo <= abs(_mp(want)) * mpmath.mpf(2) ** -90 + mpmath.mpf(2) ** -95


def _mp(v: sympy.Expr) -> mpmath.mpf:
    return mpmath.mp.make_mpf(sympy.Float(v, 40)._mpf_)  # exact: mpf() would round to 53 bits


def test_monotone_primitives_agree_with_the_table():
    # a function the table calls increasing (decreasing) maps ordered boxes to ordered enclosures
    ts = [sympy.Rational(k, 3) for k in range(-9, 10)]
    for func, row in PRIMITIVES.items():
        if row.monotone == 0 or issubclass(func, Stable) or func in (sympy.Heaviside, sympy.sign, sympy.LambertW):
            continue
        ok = [t for t in ts if row.domain.contains(t) is sympy.true]
        vals = [_lohi(enclose(func(x), t, t, prec=80)) for t in ok]
        for (a0, b0), (a1, b1) in itertools.pairwise(vals):
            assert (b0 <= a1) if row.monotone > 0 else (a0 >= b1), func


# ---------------------------------------------------------------- rigour and tightness at points

_POINT_FUNCS = [
    (sympy.tanh, mpmath.tanh),
    (sympy.sinh, mpmath.sinh),
    (sympy.cosh, mpmath.cosh),
    (sympy.asinh, mpmath.asinh),
    (sympy.atanh, mpmath.atanh),
    (sympy.atan, mpmath.atan),
    (sympy.erf, mpmath.erf),
    (sympy.erfc, mpmath.erfc),
    (erfcx, lambda t: mpmath.exp(t * t) * mpmath.erfc(t)),
    (sympy.LambertW, lambda t: mpmath.lambertw(t).real),
]
_POINTS = [
    "-30",
    "-7.25",
    "-6",
    "-2.5",
    "-0.75",
    "-1e-5",
    "3e-300",
    "0.1",
    "0.4999",
    "0.875",
    "5.9",
    "6",
    "9.5",
    "26.5",
]


@pytest.mark.parametrize("prec", [64, 128, 400])
@pytest.mark.parametrize(("func", "ref"), _POINT_FUNCS, ids=[f.__name__ for f, _ in _POINT_FUNCS])
def test_point_enclosures_contain_the_value_and_are_relatively_tight(func, ref, prec):
    # what the correctly rounded truth needs: a width of a few units of 2**-prec, relative
    for s in _POINTS:
        t = sympy.Rational(s)
        if func is sympy.atanh and abs(t) >= 1 or func is sympy.LambertW and t < -sympy.exp(-1):
            continue
        v = enclose(func(x), t, t, prec=prec)
        lo, hi = _lohi(v)
        with mpmath.workprec(prec + 200):
            want = ref(mpmath.mpf(t.p) / t.q)
            assert lo <= want <= hi, (func, s, prec)
            assert hi - lo <= abs(want) * mpmath.mpf(2) ** (8 - prec), (func, s, prec, float((hi - lo) / abs(want)))


def test_erfc_far_out_keeps_its_relative_accuracy():
    for t in (6, 27, 1000, 2**20):
        for prec in (128, 1024):
            lo, hi = _lohi(enclose(sympy.erfc(x), t, t, prec=prec))
            with mpmath.workprec(prec + 100):
                want = mpmath.erfc(t)
                assert 0 < lo <= want <= hi and hi - lo <= want * mpmath.mpf(2) ** (8 - prec)


def test_erf_and_atan_of_wide_boxes_contain_their_ends():
    for func, ref in ((sympy.erf, mpmath.erf), (sympy.atan, mpmath.atan), (sympy.erfc, mpmath.erfc)):
        lo, hi = _lohi(enclose(func(x), -7, sympy.Rational(13, 2), prec=100))
        with mpmath.workprec(200):
            ends = sorted([ref(mpmath.mpf(-7)), ref(mpmath.mpf(13) / 2)])
            assert lo <= ends[0] and ends[1] <= hi
            assert ends[0] - lo < 2**-90 and hi - ends[1] < 2**-90


# ---------------------------------------------------------------- contexts and point entries


def test_precision_scopes_are_private_to_each_thread():
    seen = {}

    def work(prec):
        with engine.precision(prec):
            seen[prec] = engine.current().prec
            seen[prec, "v"] = engine.to_iv(sympy.Rational(1, 3))

    threads = [threading.Thread(target=work, args=(p,)) for p in (60, 200)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert seen[60] == 60 and seen[200] == 200
    assert (mpmath.mp.prec, mpmath.iv.prec) == (53, 53)
    w60, w200 = (engine.upper(seen[p, "v"]) - engine.lower(seen[p, "v"]) for p in (60, 200))
    assert w60 > 2**-62 and 0 < w200 < 2**-190


def test_a_box_from_the_global_context_is_evaluated_at_the_active_precision():
    f = engine.compile_enclosure(3 * x)
    with engine.precision(200):
        v = f(mpmath.iv.mpf(0.25))
        assert engine.ends(v) == (0.75, 0.75)
        w = f(engine.to_iv(sympy.Rational(1, 3)))
        assert engine.upper(w) - engine.lower(w) < 2**-195


def test_point_entries_return_none_instead_of_raising():
    assert engine.enclose_number(sympy.log(-1 + sympy.Rational(1, 2))) is None
    assert engine.enclose_number(x + 1) is None
    assert engine.enclose_number(sympy.zoo) is None
    ctx = engine.quick_context(64)
    a = engine.enclose_in(sympy.tanh(1), ctx)
    b = engine.enclose_in(2 * sympy.tanh(sympy.Rational(1, 2)) / (1 + sympy.tanh(sympy.Rational(1, 2)) ** 2), ctx)
    assert engine.thin_around_zero(a - b, 64)
    assert not engine.thin_around_zero(a, 64)


def test_certificates_of_transcendental_numbers():
    assert engine.certify_nonzero(sympy.tanh(2) - 2 * sympy.tanh(1)) == -1
    assert engine.certify_nonzero(sympy.erfc(30) - sympy.exp(-900) / (30 * sympy.sqrt(sympy.pi))) == -1
    assert engine.certify_nonzero(sympy.atan(1) * 4 - sympy.pi) is None  # it is 0
    assert engine.certify_nonzero(sympy.LambertW(1) * sympy.exp(sympy.LambertW(1)) - 1) is None
    assert engine.enclosure_bounds(sympy.erf(1) - sympy.Rational(84, 100)) == (
        "0.00270079294971",
        "0.00270079294972",
        64,
    )
