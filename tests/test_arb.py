"""The arb (python-flint) ball evaluator and the truth it decides: the same answers as the method before it.

* the primitives table's arb column: every row declared, each evaluation holding SymPy's
  own value (50 digits) at points of its domain;
* the exact rounding of dyadic numbers (against :func:`symact.numeric.rounding.round_to`)
  and the exact ends of balls;
* the truth: arb first equals the mpmath method (``truth._mpmath_truths``) on the quick
  input set of every scalar catalog entry in both dtypes, on random activations at
  random points (subnormals, huge magnitudes, near ties) and on hard points checked
  at 6000 bits;
* SymPy's ground types (FLINT with python-flint installed, or pure Python) give the same
  derivations; mpmath runs on gmpy2.
"""

from __future__ import annotations

import math
import os
import subprocess
import sys
from fractions import Fraction

import flint
import mpmath
import numpy as np
import pytest
import sympy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import symact
from symact.codegen.numpy import derivative_expr
from symact.definition import primitives as P
from symact.numeric import arb as A
from symact.numeric import truth as T
from symact.numeric.rounding import FORMATS, round_to
from symact.validation import scalar as V
from tests.strategies import activations

x = symact.x
F32, F64 = FORMATS["float32"][1:], FORMATS["float64"][1:]
FMTS = {"float32": F32, "float64": F64}


def _same(a: float, b: float) -> bool:
    """Equal floats, -0.0 == 0.0 (the sign of a zero is not scored), nan == nan."""
    return a == b or (math.isnan(a) and math.isnan(b))


# ---------------------------------------------------------------------------------------
# The arb column of the primitives table
# ---------------------------------------------------------------------------------------
#: One instance of each class in the table, and points of its real domain.
_C = sympy.Rational(3, 2)
_INSTANCES = {
    sympy.Max: sympy.Max(x, sympy.Rational(1, 3), -x),
    sympy.Min: sympy.Min(x, sympy.Rational(1, 3)),
    sympy.Heaviside: sympy.Heaviside(x - sympy.Rational(1, 2)),
    sympy.Piecewise: sympy.Piecewise((x**2, x < sympy.Rational(1, 2)), (sympy.exp(x), True)),
    sympy.DiracDelta: sympy.DiracDelta(x - 1),
    P.Hypot: P.Hypot(x, _C),
    P.AddHypot: P.AddHypot(x, _C),
    P.HypotM1: P.HypotM1(x, _C),
    P.Affine: P.Affine(x, _C, sympy.Rational(-2, 7)),
}
_POINTS = [sympy.Rational(3, 4), sympy.Rational(-1, 3), sympy.Rational(5, 2), sympy.Rational(-7, 5)]


def _instance(row: P.Primitive) -> sympy.Expr:
    return _INSTANCES[row.func] if row.func in _INSTANCES else row.func(x)


def _in_domain(row: P.Primitive, v: sympy.Rational) -> bool:
    return bool(row.domain.contains(v)) and not (row.func is sympy.DiracDelta and v == 1)


@pytest.mark.parametrize("row", list(P.PRIMITIVES.values()), ids=lambda r: r.func.__name__)
def test_every_primitive_declares_its_ball_evaluation(row: P.Primitive) -> None:
    assert row.arb in ("structure", "textbook", "unsupported") or callable(getattr(flint.arb, str(row.arb), None))
    if row.arb == "unsupported":
        with pytest.raises(A.ArbUnsupported):
            A.compile_arb(_instance(row))
        return
    e = _instance(row)
    f = A.compile_arb(e)
    checked = 0
    for v in _POINTS:
        if not _in_domain(row, v):
            continue
        want = sympy.N(e.subs(x, v), 50)  # SymPy's own value, 50 digits
        with flint.ctx.workprec(200):
            got = f(flint.arb(flint.fmpq(int(v.p), int(v.q))))
        lo, hi = A.ball_ends(got)
        tol = Fraction(1, 10**40)
        assert (
            Fraction(lo[0]) * Fraction(2) ** lo[1] - tol
            <= Fraction(str(want))
            <= Fraction(hi[0]) * Fraction(2) ** hi[1] + tol
        ), (
            row.func,
            v,
            got,
            want,
        )
        checked += 1
    assert checked >= 2


def test_what_balls_cannot_decide_is_undecided_not_guessed() -> None:
    # no ball evaluation: the truth falls back to the method before arb
    with pytest.raises(A.ArbUnsupported):
        A.compile_arb(sympy.EulerGamma * x)
    assert T.truth(sympy.EulerGamma * x, np.array([3.0])).tolist() == [round_to(3 * sympy.EulerGamma)]
    # Heaviside at an exact 0 (exp(0) - 1 is an exact ball) is its value there; a condition
    # on a ball holding 0 that no precision makes exact is undecided, not a branch picked
    assert A.correctly_rounded(A.compile_arb(sympy.Heaviside(sympy.exp(x) - 1)), 0.0, F64) == 0.5
    tie = A.compile_arb(sympy.Piecewise((1, sympy.sin(sympy.pi * x) > 0), (0, True)))
    assert A.correctly_rounded(tie, 1.0, F64) is None
    assert A.correctly_rounded(tie, 0.5, F64) == 1.0
    # out of the real domain: a nan ball, undecided (the truth says nan through the mpmath method)
    assert A.correctly_rounded(A.compile_arb(sympy.log(x)), -1.0, F64) is None
    assert math.isnan(T.truth(sympy.log(x), np.array([-1.0]))[0])
    # ±inf inputs are the mpmath method's (a limit, not a ball)
    assert A.correctly_rounded(A.compile_arb(sympy.exp(x)), math.inf, F64) is None


# ---------------------------------------------------------------------------------------
# Exact rounding and exact ends
# ---------------------------------------------------------------------------------------
@settings(max_examples=400, deadline=None, derandomize=True, database=None)
@given(
    man=st.integers(-(2**120), 2**120) | st.integers(-(2**60), 2**60).map(lambda m: 2 * m + 1),
    exp=st.integers(-1250, 1100),
    fmt=st.sampled_from([F32, F64]),
)
def test_round_dyadic_is_round_to(man: int, exp: int, fmt: tuple[int, int, int]) -> None:
    exp = exp if fmt == F64 else exp // 8  # float32's range is 8 times narrower
    got = A.round_dyadic(man, exp, *fmt)
    want = round_to(Fraction(man) * Fraction(2) ** exp, *fmt)
    assert got == want and math.copysign(1, got) == math.copysign(1, want) or (man == 0 and got == 0)


@pytest.mark.parametrize(
    ("man", "exp", "fmt", "want"),
    [
        ((1 << 24) + 1, -24, F32, 1.0),  # 1 + 2**-24: a float32 tie, to even (down)
        ((1 << 24) + 3, -24, F32, 1 + 2.0**-22),  # 1 + 3*2**-24: a tie, to even (up)
        (3, -1075, F64, 2.0**-1073),  # 1.5 smallest subnormals: to even (2)
        (1, -1075, F64, 0.0),  # half the smallest subnormal: to even (0)
        (-1, -150, F32, -0.0),
        ((1 << 53) - 1, 971, F64, 1.7976931348623157e308),  # the largest float64
        ((1 << 54) - 1, 970, F64, math.inf),  # past max + half an ulp: overflow
        ((1 << 25) - 1, 103, F32, math.inf),
    ],
)
def test_round_dyadic_ties_subnormals_and_overflow(man: int, exp: int, fmt: tuple[int, int, int], want: float) -> None:
    got = A.round_dyadic(man, exp, *fmt)
    assert got == want and math.copysign(1, got) == math.copysign(1, want)
    assert got == round_to(Fraction(man) * Fraction(2) ** exp, *fmt)


def _value(t: tuple[int, int]) -> Fraction:
    return Fraction(t[0]) * Fraction(2) ** t[1]


@settings(max_examples=200, deadline=None, derandomize=True, database=None)
@given(
    mid=st.integers(-(2**100), 2**100),
    mexp=st.integers(-2000, 2000),
    rad=st.integers(0, 2**30),
    rexp=st.integers(-40000, 2000),
)
def test_ball_ends_hold_the_ball(mid: int, mexp: int, rad: int, rexp: int) -> None:
    y = flint.arb((flint.fmpz(mid), flint.fmpz(mexp)), (flint.fmpz(rad), flint.fmpz(rexp)))
    m, r = y.mid().man_exp(), y.rad().man_exp()  # the radius as arb stores it (rounded up)
    centre, radius = _value((int(m[0]), int(m[1]))), _value((int(r[0]), int(r[1])))
    lo, hi = A.ball_ends(y)
    assert _value(lo) <= centre - radius and centre + radius <= _value(hi)
    # widened (when the exponents are far apart) by at most the radius, or 2**-63 of the centre
    assert _value(hi) - _value(lo) <= 4 * radius + abs(centre) / 2**63


# ---------------------------------------------------------------------------------------
# The truth: arb first equals the method before it
# ---------------------------------------------------------------------------------------
def _compare(expr: sympy.Expr, xs: np.ndarray, dtype: str) -> None:
    fmt = FMTS[dtype]
    values = np.unique(xs)
    got, want = T._fast_truths(expr, values, fmt), T._mpmath_truths(expr, values, fmt)
    bad = [(float(v), g, w) for v, g, w in zip(values, got, want) if not _same(g, w)]
    assert not bad, (expr, dtype, bad[:5])


def _quick(expr: sympy.Expr, dtype: str) -> np.ndarray:
    return V.inputs(dtype, "quick", V._breakpoint_floats(expr, FORMATS[dtype][0]))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", symact.names())
def test_arb_truth_equals_the_mpmath_truth_on_the_quick_inputs(name: str, dtype: str) -> None:
    # measured: 0 differences over every entry's f and f', both dtypes (about 180k points)
    expr = derivative_expr(symact.get(name), 0)
    _compare(expr, _quick(expr, dtype), dtype)


@pytest.mark.slow
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", symact.names())
def test_arb_truth_equals_the_mpmath_truth_of_the_derivative(name: str, dtype: str) -> None:
    expr = derivative_expr(symact.get(name), 1)
    _compare(expr, _quick(expr, dtype), dtype)


def _floats(dtype: str) -> st.SearchStrategy[float]:
    width = 32 if dtype == "float32" else 64
    tiny = float(np.finfo(dtype).smallest_normal)
    return st.one_of(
        st.floats(allow_nan=False, allow_infinity=False, width=width),  # everywhere, huge |x| included
        st.floats(-tiny, tiny, width=width),  # subnormals
        st.floats(-40, 40, width=width),
    )


@settings(max_examples=60, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck))
@given(data=st.data(), expr=activations(), dtype=st.sampled_from(["float32", "float64"]))
def test_arb_truth_equals_the_mpmath_truth_at_random_points(data: st.DataObject, expr: sympy.Expr, dtype: str) -> None:
    xs = np.array(data.draw(st.lists(_floats(dtype), min_size=1, max_size=6)), dtype=dtype)
    _compare(expr, xs, dtype)


def _high(expr: sympy.Expr, v: float, fmt: tuple[int, int, int]) -> float:
    """The exact value rounded where it is rational (a tie stays a tie), else the expression
    evaluated by mpmath at 6000 bits, rounded (far beyond any cancellation here)."""
    exact = expr.xreplace({x: sympy.Rational(v)})
    if isinstance(exact, sympy.Rational):
        return round_to(exact, *fmt)
    with mpmath.workprec(6000):
        return round_to(T.compile_mp(expr)(mpmath.mpf(v)), *fmt)


_S = P.Sigmoid
#: Near ties and deep cancellations: a value 2**-1000 of an ulp from a tie (x*sigmoid(x) at a
#: subnormal is x/2 + x**2/4), exact ties of a rational map, 1 + erf far out, x**2-sized terms.
HARD = [
    (x * _S(x), [5e-324, -1.5e-323, 3 * 2.0**-1074, 2.0**-1022 + 2.0**-1074]),
    (x / 2 + sympy.Rational(1, 2), [1 + 2.0**-23, 3 * 2.0**-24, -1 + 2.0**-52]),
    (sympy.Rational(11, 48) * x, [-5171955 * 2.0**79, 3 * 2.0**-1070]),
    (x * (1 + sympy.erf(x / sympy.sqrt(2))) / 2, [-37.7, -38.5, -30.0, -3e4]),
    (x + sympy.sqrt(x**2 + 1) / 2 - sympy.Rational(1, 2), [1.3771001113951012e179, 2.0**1000 + 2.0**948, -1e200]),
    (sympy.exp(x) - 1, [-2.2e-308, 1e-300, -5e-324]),
    (x - sympy.tanh(x), [1e-8, 2.0**-600, 5e-324]),
]


@pytest.mark.parametrize(("expr", "points"), HARD, ids=[str(i) for i in range(len(HARD))])
def test_hard_points_against_6000_bits(expr: sympy.Expr, points: list[float]) -> None:
    for dtype, fmt in FMTS.items():
        xs = np.array([v for v in points if abs(v) < float(np.finfo(dtype).max)], dtype=dtype)
        f = A.compile_arb(expr)
        want = [_high(expr, float(v), fmt) for v in xs]
        assert [float(t) for t in T._fast_truths(expr, xs, fmt)] == want, (expr, dtype)
        # where a ball decides, it is the 6000-bit value
        for v, w in zip(xs, want):
            r = A.correctly_rounded(f, float(v), fmt)
            assert r is None or r == w, (expr, dtype, float(v), r, w)


# ---------------------------------------------------------------------------------------
# SymPy's ground types, mpmath's backend
# ---------------------------------------------------------------------------------------
_DERIVATIONS = """
import sympy
from sympy.external.gmpy import GROUND_TYPES
import symact, proofs
print("ground types", GROUND_TYPES)
for name in ("relu", "elu", "silu", "softplus", "gelu"):
    act = symact.get(name)
    print(name, sympy.srepr(symact.derivative(act)))
    print(name, symact.limit(act, -sympy.oo), symact.limit(act, sympy.oo))
    print(name, symact.output_range(act))
r = proofs.prove_linear(symact.get("tanh"))
print(r.verdict, r.failed, r.counterexample.witness, r.counterexample.check())
"""


@pytest.mark.slow  # two cold interpreters deriving five activations: about 5 s of CPU, 20 s on a loaded machine
def test_ground_types_do_not_change_the_derivations() -> None:
    def run(ground: str | None) -> subprocess.Popen[str]:
        env = {k: v for k, v in os.environ.items() if k != "SYMPY_GROUND_TYPES"}
        env["SYMACT_CACHE"] = "0"  # derived, not read back from a store the other run filled
        if ground is not None:
            env["SYMPY_GROUND_TYPES"] = ground
        return subprocess.Popen(
            [sys.executable, "-c", _DERIVATIONS], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )

    procs = {"python": run("python"), "flint": run(None)}  # python-flint installed: FLINT by default
    outs = {}
    for ground, p in procs.items():
        out, err = p.communicate(timeout=600)
        assert p.returncode == 0, err[-2000:]
        first, _, rest = out.partition("\n")
        assert first == f"ground types {ground}"
        outs[ground] = rest
    assert outs["python"] == outs["flint"]
    assert "DISPROVED additivity" in outs["flint"]


def test_mpmath_runs_on_gmpy2() -> None:
    pytest.importorskip("gmpy2", reason="gmpy2 is mpmath's fast backend")
    assert mpmath.libmp.BACKEND == "gmpy"


@pytest.mark.parametrize(("dtype", "top"), [("float32", 124), ("float64", 153)])
def test_vector_truth_rounds_a_value_just_past_a_tie(dtype: str, top: int) -> None:
    # log_softmax of [2**100, -2**top]: (x - m) - log1p(e**(x - m)) with x - m = -(2**top + 2**100)
    # exactly between two floats and log1p(...) about e**-2**top > 0: the value lies just past
    # the tie, away from zero; rounding the tie itself to even (the mpmath truth did) is 1 ULP off
    from symact.validation import vector as vv

    fmt = FMTS[dtype]
    d = -(Fraction(2) ** top + Fraction(2) ** 100)
    assert round_to(d, *fmt) == -(2.0**top)  # the tie, to even
    want = round_to(d - Fraction(1, 2**3000), *fmt)
    assert want == -(2.0**top + 2.0**101)
    row = np.array([[2.0**100, -(2.0**top)]], dtype=dtype)
    got = vv.truth("log_softmax", row)
    assert got[0, 1] == want and got[0, 0] == 0.0


# ---------------------------------------------------------------------------------------
# Certificate checks
# ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["tanh", "softplus", "gelu", "silu", "elu", "mish", "sinusoid", "squareplus"])
def test_counterexample_checks_agree_with_the_interval_engine(name: str) -> None:
    import proofs
    from symact.numeric.interval import certify_nonzero

    result = proofs.prove_linear(symact.get(name))
    ce = result.counterexample
    assert ce is not None and ce.check()  # re-verified, arb first
    diff = ce.lhs - ce.rhs
    assert A.certify_sign(diff) == certify_nonzero(diff) == ce.sign
    # a certificate whose sign is flipped is refused by the check
    from dataclasses import replace

    assert not replace(ce, sign=-ce.sign).check()


def test_certify_sign_separates_close_constants_and_refuses_zero() -> None:
    e, pi = sympy.E, sympy.pi
    # e**pi - pi**e = 0.6815...; exp(pi*sqrt(163)) is 744 - 7.5e-13 below an integer
    assert A.certify_sign(e**pi - pi**e) == 1
    assert A.certify_sign(sympy.exp(pi * sympy.sqrt(163)) - 640320**3 - 744) == -1
    assert A.certify_sign(sympy.sin(pi)) is None and A.certify_sign(sympy.log(e) - 1) is None
    assert A.certify_sign(sympy.Rational(-1, 10**50)) == -1 and A.certify_sign(sympy.S.Zero) is None
    assert A.certify_sign(sympy.EulerGamma - sympy.Rational(1, 2)) is None  # no ball evaluation: not proved


@pytest.mark.parametrize("v", [-32757974.0, 32757974.0, -26937376.0 - 2.0])
def test_a_value_no_precision_separates_from_a_tie(v: float) -> None:
    # tanh_shrink(v) = v - tanh(v) = v + s - s*2/(1 + e**(2|v|)) (s = sign v): within e**-5e7 of the
    # float32 tie v + s (v + s is odd, floats are even there) and on the side of v; mpmath at any
    # affordable precision sees the tie and rounds it to even, balls hold the tie at any precision
    expr = symact.get("tanh_shrink").expr
    s = 1 if v > 0 else -1
    tie = Fraction(int(v) + s)
    assert round_to(tie, *F32) != round_to(tie - s * Fraction(1, 2**1000), *F32)  # a true tie
    want = round_to(tie - s * Fraction(1, 2**1000), *F32)
    assert want == v
    assert A.correctly_rounded(A.compile_arb(expr), v, F32) is None
    assert T.truth(expr, np.array([v], dtype=np.float32)).tolist() == [want]
