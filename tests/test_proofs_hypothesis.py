"""Property-based checks of the linearity prover.

* A PROVED identity holds at random exact rationals (checked exactly).
* Every DISPROVED certificate re-verifies, and the verdict matches a ground
  truth the test knows by construction (random piecewise-linear functions).
"""

from __future__ import annotations

import functools

import sympy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sympy import Abs, Max, Min, Rational, cos, exp, sin, tanh

import proofs
import symact
from proofs import Verdict
from proofs.argument import reduce_to_zero, simplest_number
from symact import x
from symact.core import budget

SETTINGS = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])

rationals = st.fractions(min_value=-20, max_value=20, max_denominator=12).map(
    lambda q: Rational(q.numerator, q.denominator)
)
small = st.integers(min_value=-4, max_value=4).map(sympy.Integer)

PROVED = [
    e
    for e in (
        Max(0, x) - Max(0, -x),
        Min(x, 2 * x) + Max(x, 2 * x) - 2 * x,
        Abs(x) * sympy.sign(x),
        x + sin(x) ** 2 + cos(x) ** 2 - 1,
        (exp(x) - exp(-x)) / (exp(x) + exp(-x)) - tanh(x) + x,
        Min(Max(x, -1), 1) + Max(x - 1, 0) + Min(x + 1, 0),
        sympy.Piecewise((2 * x, x < Rational(1, 3)), (2 * x, True)),
        symact.get("leaky_relu", negative_slope=1).expr,
        sympy.sqrt(3) * x,
    )
]


@functools.cache
def _result(e: sympy.Expr) -> proofs.ProofResult:
    """The prover's result (proved when a test first asks, not at collection)."""
    return proofs.prove_linear(e)


def _exactly_zero(value: sympy.Expr) -> bool:
    # with tanh, the rewrite in exp first: it settles tanh/exp identities in a fraction of simplify's time
    quick = value.has(sympy.tanh) and simplest_number(value)[0] == 0
    return value == 0 or quick or reduce_to_zero(value) is not None


def test_all_sample_identities_are_proved() -> None:
    assert all(_result(e).verdict is Verdict.PROVED for e in PROVED)


@SETTINGS
@given(index=st.integers(min_value=0, max_value=len(PROVED) - 1), a=rationals, b=rationals, c=rationals)
def test_proved_identities_hold_at_random_rationals(
    index: int, a: sympy.Rational, b: sympy.Rational, c: sympy.Rational
) -> None:
    f = PROVED[index]
    m = _result(f).argument.slope
    # one budget worker for the three reductions (their steps then use alarms, not a fork each)
    assert budget.call(_identities_hold, f, m, a, b, c, seconds=120) == (True, True, True)


def _identities_hold(
    f: sympy.Expr, m: sympy.Expr, a: sympy.Rational, b: sympy.Rational, c: sympy.Rational
) -> tuple[bool, bool, bool]:
    value = lambda v: f.subs(x, v)
    return (
        _exactly_zero(value(a) - m * a),
        _exactly_zero(value(a + b) - value(a) - value(b)),
        _exactly_zero(value(c * a) - c * value(a)),
    )


@SETTINGS
@given(p=small, q=small, r=rationals, s=small)
def test_random_kinked_functions_get_true_verdicts(
    p: sympy.Integer, q: sympy.Integer, r: sympy.Rational, s: sympy.Integer
) -> None:
    # f(x) = p x + q max(0, x - r) + s is linear exactly when q = 0 and s = 0 (one kink at r otherwise)
    f = p * x + q * Max(0, x - r) + s
    linear = q == 0 and s == 0
    for prop in ("additivity", "homogeneity", "linearity"):
        result = proofs.prove(f, prop)
        if linear:
            assert result.verdict is Verdict.PROVED
            assert result.argument.slope == p
        else:
            assert result.verdict is Verdict.DISPROVED
            assert result.counterexample.check()


ACTS = [a for a in symact.all_activations() if a.name != "identity"]


@SETTINGS
@given(index=st.integers(min_value=0, max_value=len(ACTS) - 1), alpha=small.filter(lambda v: v != 0), beta=small)
def test_scaled_activations_are_disproved_with_valid_certificates(
    index: int, alpha: sympy.Integer, beta: sympy.Integer
) -> None:
    # alpha*act(x) + beta*x is non-linear whenever act is (alpha != 0)
    f = alpha * ACTS[index].expr + beta * x
    result = proofs.prove_linear(f)
    assert result.verdict is Verdict.DISPROVED
    ce = result.counterexample
    assert ce.check()
    lhs, rhs, _ = proofs.verdict.sides(f, x, ce.property, tuple(ce.witness.values()))
    assert (lhs, rhs) == (ce.lhs, ce.rhs)


@SETTINGS
@given(a=rationals, b=rationals)
def test_certificates_are_sound_at_any_rational_witness(a: sympy.Rational, b: sympy.Rational) -> None:
    # build certificates at arbitrary witnesses: whenever one is issued, the inequality is real
    for act in ACTS[:12]:
        ce = proofs.Counterexample.build(act.expr, x, "additivity", (a, b))
        if ce is not None:
            assert ce.check()
            assert sympy.sign(ce.difference.evalf(50)) == ce.sign  # a numeric cross-check, not the proof


_FUNCS = [
    (sympy.exp, "exp"),
    (sympy.tanh, "tanh"),
    (sympy.atan, "atan"),
    (sympy.erf, "erf"),
    (sympy.erfc, "erfc"),
    (sympy.sinh, "sinh"),
    (sympy.cosh, "cosh"),
    (sympy.asinh, "asinh"),
    (sympy.sin, "sin"),
    (sympy.cos, "cos"),
]


@SETTINGS
@given(q=rationals, index=st.integers(min_value=0, max_value=len(_FUNCS) - 1), prec=st.sampled_from([53, 64, 128]))
def test_enclosures_contain_the_true_value(q: sympy.Rational, index: int, prec: int) -> None:
    # numeric cross-check of the rigorous evaluator against mpmath at 400 bits
    import mpmath

    from symact.numeric.interval import enclose_number, ends

    fn, name = _FUNCS[index]
    box = enclose_number(fn(q), prec)
    assert box is not None
    lo, hi = ends(box)
    with mpmath.workprec(400):
        true = getattr(mpmath, name)(mpmath.mpf(int(q.p)) / int(q.q))
        assert lo <= true <= hi
        assert hi - lo <= abs(true) * mpmath.ldexp(1, -(prec // 2)) + mpmath.ldexp(1, -(prec // 2))
