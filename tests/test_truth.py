"""The mpmath truth of symact.validation.scalar: certified, correctly rounded, and fast when the cache is cold.

Every catalog entry's truth (f and f', float32 and float64) is compared with the
independent reference method (two precisions from >= 240 bits, a third at twice
the precision: ``truth(..., verify=True)``) on a sample of the quick inputs; hard
points are compared with the original expression evaluated at 6000 bits.
"""

from __future__ import annotations

import math
import time
from fractions import Fraction

import mpmath
import numpy as np
import pytest
import sympy

import symact
from symact.codegen.numpy import derivative_expr
from symact.numeric import truth as T
from symact.numeric.rounding import FORMATS, round_to
from symact.validation import scalar as V

x = symact.x
F32, F64 = FORMATS["float32"][1:], FORMATS["float64"][1:]


@pytest.fixture(autouse=True)
def cold_cache(tmp_path, monkeypatch):
    """Every test starts with an empty truth cache (a warm one would hide the computation)."""
    monkeypatch.setenv("SYMACT_CACHE_DIR", str(tmp_path / "store"))


def _sample(expr: sympy.Expr, dtype: str, step: int, tail: int) -> np.ndarray:
    dt = FORMATS[dtype][0]
    xs = V.inputs(dtype, "quick", V._breakpoint_floats(expr, dt))
    # every step-th point, plus the special/threshold/breakpoint tail where the hard cases sit
    return np.concatenate([xs[:-tail:step], xs[-tail:]])


def _compare_with_reference(name: str, step: int, tail: int) -> None:
    act = symact.get(name)
    for d in (0, 1):
        expr = derivative_expr(act, d)
        for dtype in ("float32", "float64"):
            xs = _sample(expr, dtype, step, tail)
            fast, ref = T.truth(expr, xs), T.truth(expr, xs, verify=True)
            same = (fast == ref) | (np.isnan(fast) & np.isnan(ref))
            bad = [(float(xs[i]), float(fast[i]), float(ref[i])) for i in np.nonzero(~same)[0][:5]]
            assert not bad, (name, d, dtype, bad)


@pytest.mark.parametrize("name", symact.names())
def test_certified_truth_equals_the_reference(name: str) -> None:
    _compare_with_reference(name, step=29, tail=120)


@pytest.mark.slow
@pytest.mark.parametrize("name", symact.names())
def test_certified_truth_equals_the_reference_on_every_quick_input(name: str) -> None:
    # measured: 0 differences over all ~180k (activation, derivative, dtype, input) points
    _compare_with_reference(name, step=1, tail=1)


def _high(expr: sympy.Expr, v: float, fmt: tuple[int, int, int]) -> float:
    """The original expression evaluated by mpmath at 6000 bits, rounded (far beyond any cancellation here)."""
    with mpmath.workprec(6000):
        return round_to(T.compile_mp(expr)(mpmath.mpf(v)), *fmt)


HARD = [
    # 1 + erf cancels: the value is e**-450-ish, and 0 (underflow) further out
    ("gelu", 0, [-30.0, -37.7, -38.6, -39.0, -500.0, -3e4]),
    # Phi(x) + x phi(x): the two terms nearly cancel near its root and far out
    ("gelu", 1, [-0.7517915246935645, -0.75179, -30.0, -38.0, -40.0]),
    ("gelu_tanh", 1, [-0.7544, -9.0, -20.0]),
    # x - tanh(x) ~ x**3/3 for tiny x
    ("tanh_shrink", 0, [1e-8, -3e-20, 2.0**-600, 5e-324]),
    # log(1 + exp(x)) near the bottom of the float range
    ("softplus", 0, [-745.0, -744.5, -709.0, 1e-300]),
    ("mish", 1, [-1.19, -40.0, -745.0]),
    # (x + sqrt(x**2 + 4))/2: x**2-sized terms cancel
    ("squareplus", 0, [-1e200, -1e150, -3e7]),
    ("sinc", 1, [1e-5, 3.0e-3, 4.493409457909064]),
]


@pytest.mark.parametrize(("name", "d", "points"), HARD, ids=[f"{n}-{d}" for n, d, _ in HARD])
def test_hard_points_against_6000_bits(name: str, d: int, points: list[float]) -> None:
    expr = derivative_expr(symact.get(name), d)
    for dtype, fmt in (("float32", F32), ("float64", F64)):
        xs = np.array([v for v in points if abs(v) < float(np.finfo(dtype).max)], dtype=dtype)
        got = T.truth(expr, xs)
        want = [_high(expr, float(v), fmt) for v in xs]
        assert [float(g) for g in got] == want, (name, d, dtype)


def test_exact_midpoints_round_to_even() -> None:
    # hard_sigmoid = Min(1, Max(0, x/6 + 1/2)): at x = 3k * 2**-24 the value is exactly halfway
    # between two float32 numbers; no enclosure can decide it, exact rational arithmetic does
    expr = symact.get("hard_sigmoid").expr
    ks = [1, 3, 5, 7, 1001]
    xs = np.array([3 * k * 2.0**-24 for k in ks], dtype=np.float32)
    want = [round_to(Fraction(float(v)) / 6 + Fraction(1, 2), *F32) for v in xs]
    assert [float(g) for g in T.truth(expr, xs)] == want
    assert want[0] == 0.5 and want[1] == 0.5 + 2.0**-23  # to even, both ways
    assert T._certified_point(T._enclosure(expr), float(xs[0]), F32) is None  # undecidable by enclosure
    # the enclosure's ends are used exactly: converting them at 53 bits would round both onto the
    # midpoint and decide by double rounding (float32) or lose subnormal bits (float64)
    assert T.truth(x / 2, np.array([3 * 2.0**-1074])).tolist() == [2.0**-1073]  # subnormal tie, to even
    assert T.truth(x / 2, np.array([3 * 2.0**-149], dtype=np.float32)).tolist() == [2.0**-148]
    assert T.truth(x / 6 + sympy.Rational(1, 2), xs[:2]).tolist() == want[:2]


def test_each_distinct_input_is_evaluated_once(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[float] = []
    real = T.arb.correctly_rounded_all

    def counting(f, values, fmt):
        calls.extend(float(v) for v in values)
        return real(f, values, fmt)

    monkeypatch.setattr(T.arb, "correctly_rounded_all", counting)
    xs = np.array([1.0, 2.0, 1.0, -0.0, 0.0, 2.0, 1.0])
    got = T.truth(sympy.exp(x), xs)
    assert sorted(calls) == [-0.0, 0.0, 1.0, 2.0] and len(calls) == 4
    assert got.tolist() == [math.e, math.exp(2), math.e, 1.0, 1.0, math.exp(2), math.e]


def test_infinite_inputs_huge_arguments_and_unsupported_nodes_use_the_reference() -> None:
    got = T.truth(sympy.log(1 + sympy.exp(x)), np.array([np.inf, -np.inf, 1e300, -1e300, np.nan]))
    assert got[0] == np.inf and got[1] == 0.0 and got[2] == 1e300 and got[3] == 0.0 and np.isnan(got[4])
    # sin at a huge argument: clamped by the enclosures, so the reference method (exact argument reduction)
    assert T.truth(sympy.sin(x), np.array([1e22]))[0] == -0.8522008497671888  # sin(1e22), a classic test value
    # tan is enclosed away from its poles: the certified point and the reference method agree
    xs = np.array([0.5, -1.25, 1e-200])
    assert T._certified_point(T._enclosure(sympy.tan(x)), 0.5, F64) == _high(sympy.tan(x), 0.5, F64)
    assert T.truth(sympy.tan(x), xs).tolist() == [_high(sympy.tan(x), float(v), F64) for v in xs]


def test_cold_gelu_truth_is_fast() -> None:
    # the slowest catalog entry: 15 s of CPU for its quick validation with the two-precision
    # method alone (1390-1740-bit erf for every x in [-1000, -8]); certified enclosures take ~1.5 s
    act = symact.get("gelu")
    exprs = [derivative_expr(act, d) for d in (0, 1)]
    sets = [
        (e, V.inputs(dt, "quick", V._breakpoint_floats(e, FORMATS[dt][0])))
        for e in exprs
        for dt in ("float32", "float64")
    ]
    t0 = time.process_time()
    for e, xs in sets:
        T.truth(e, xs)
    assert time.process_time() - t0 < 6.0


def test_truth_of_tanh_of_a_huge_argument_at_infinity() -> None:
    """x*tanh(exp(x)) at +-inf: mpmath's tanh raised OverflowError on exp(10**400), so act.numpy() of it
    crashed (issue 13); tanh's argument is now clamped to +-2**24, where tanh is +-1 at any precision used."""
    e = symact.x * sympy.tanh(sympy.exp(symact.x))
    got = T.truth(e, np.array([np.inf, -np.inf, 800.0, -800.0]))
    assert got[0] == np.inf and got[1] == 0 and got[2] == 800.0 and got[3] == 0
    f = symact.define(e, name="tanhexp_repro").numpy()
    assert f(np.array([np.inf, 800.0, 0.0]))[1] == 800.0


def test_no_certified_truth_is_an_error_not_a_nan() -> None:
    """sin(e**x) at x = 5e4 needs e**x's 72,000 integer bits: no value is known, so truth() raises;
    a nan there would let generated code that returns nan pass validation."""
    with pytest.raises(ValueError, match="no certified truth"):
        T.truth(sympy.sin(sympy.exp(x)), np.array([5e4]))


def test_a_tiny_exponential_cancels_a_huge_one() -> None:
    """(x + e**x) e**(-x - e**-x) (GoLU's derivative) tends to 1. The reference method took exp of an
    argument below -2**20 as 2**-(2**21), which times e**x made the value at 10**400, and at 2e6, huge,
    and the generated code then patched +inf to inf. mpmath at 60 digits, written as
    (x e**-x + 1) e**(-e**-x), has no such cancellation."""
    d = (x + sympy.exp(x)) * sympy.exp(-x - sympy.exp(-x))
    assert T.truth_at_infinity(d, 1) == 1.0
    points = np.array([2e6, 969.6, 40.0])
    with mpmath.workdps(60):
        want = [float((mpmath.mpf(v) * mpmath.exp(-v) + 1) * mpmath.exp(-mpmath.exp(-v))) for v in points]
    assert list(T.truth(d, points)) == want
