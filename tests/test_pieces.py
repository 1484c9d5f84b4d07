"""The canonical piecewise form reproduces f exactly, piece by piece and at the breakpoints."""

from __future__ import annotations

import pytest
import sympy
from sympy import Abs, Heaviside, Max, Min, Piecewise, Rational, cos, oo, sign

import symact
import worker_jobs
from symact import x
from symact.analysis.pieces import decompose, sample_between

ACTS = symact.all_activations()
PROBES = [Rational(n, 7) for n in range(-70, 71, 3)] + [Rational(-1000), Rational(1000)]


def _agree(a: sympy.Expr, b: sympy.Expr) -> bool:
    diff = a - b
    if diff == 0:
        return True
    return abs(sympy.N(diff, 50)) < sympy.Float(10) ** -40


@pytest.mark.parametrize("act", ACTS, ids=lambda a: a.name)
def test_form_reproduces_the_definition(act):
    """Each piece equals f on its gap, each value equals f at its breakpoint, the Piecewise round-trips."""
    form = decompose(act.expr)
    assert list(form.breakpoints) == sorted(form.breakpoints, key=lambda b: sympy.N(b, 30))
    assert len(form.pieces) == len(form.breakpoints) + 1 == len(form.values) + 1
    for p in form.pieces:
        assert not p.has(Piecewise, Max, Min, Abs, sign, Heaviside)
    for t in PROBES:
        if t in form.breakpoints:
            continue
        piece = form.piece_at(t, "+")
        assert _agree(piece.subs(x, t), act.expr.subs(x, t)), (t, piece)
    rebuilt = form.as_piecewise()
    for b, v in zip(form.breakpoints, form.values):
        assert _agree(v, act.expr.subs(x, b))
        assert _agree(rebuilt.subs(x, b), v)
    for t in PROBES[::4]:
        assert _agree(rebuilt.subs(x, t), act.expr.subs(x, t))


@pytest.mark.parametrize(
    ("expr", "bps"),
    [
        (Max(x, x), ()),
        (Piecewise((2 * x, x < 1), (2 * x, True)), ()),
        (Abs(x - Rational(1, 3)), (Rational(1, 3),)),
        (Min(6, Max(0, x + 3)), (-3, 3)),
        (Max(0, x) - Max(0, -x), ()),  # equals x on both sides: no breakpoint
        (Heaviside(x**2 - 4), (-2, 2)),
        (Piecewise((x, Abs(x) > 1), (0, True)), (-1, 1)),
        (Max(x**2, 2), (-sympy.sqrt(2), sympy.sqrt(2))),
    ],
)
def test_breakpoints(expr, bps):
    assert decompose(expr).breakpoints == tuple(bps)


def test_heaviside_value_at_zero_follows_h0():
    assert decompose(Heaviside(x)).values == (Rational(1, 2),)
    assert decompose(Heaviside(x, 0)).values == (0,)
    assert decompose(Piecewise((x, sympy.Ne(x, 0)), (5, True))).values == (5,)


def test_switch_points_without_closed_form_are_refused():
    with pytest.raises(NotImplementedError):
        decompose(Max(x, cos(x)))
    with pytest.raises(NotImplementedError, match="2 of its zeros have no exact value"):
        decompose(Max(x, 2 * sympy.tanh(x)))  # zeros 0 and +-1.9150...: no closed form


@pytest.mark.parametrize(
    ("expr", "bps", "pieces"),
    [
        # solveset gives a ConditionSet; certified isolation finds the one zero (of order 3) at 0
        (Max(x, sympy.tanh(x)), (0,), (sympy.tanh(x), x)),
        (Min(3 * x, sympy.sinh(3 * x)) + 1, (0,), (sympy.sinh(3 * x) + 1, 3 * x + 1)),
        # e^x - 1 >= x with equality at 0 only (order 2): Min is x on both sides, no breakpoint
        (Min(x, sympy.exp(x) - 1), (), (x,)),
        # x/4 = e^x - 1 at 0 and at a zero isolation brackets and sympy.solve writes with W, proved a zero
        (
            Min(x / 4, sympy.exp(x) - 1),
            (-4 - sympy.LambertW(-4 * sympy.exp(-4)), 0),
            (x / 4, sympy.exp(x) - 1, x / 4),
        ),
    ],
)
def test_switch_points_of_transcendental_arguments_by_certified_isolation(expr, bps, pieces):
    form = decompose(expr)
    assert form.breakpoints == bps
    assert tuple(sympy.simplify(p - q) for p, q in zip(form.pieces, pieces, strict=True)) == (0,) * len(pieces)


@pytest.mark.parametrize(
    ("lo", "hi"),
    [
        (-oo, oo),
        (-oo, Rational(-7, 2)),
        (sympy.pi, oo),
        (Rational(1, 3), Rational(1, 2)),
        (sympy.sqrt(2), sympy.sqrt(3)),
        (0, Rational(1, 10**9)),
    ],
)
def test_sample_between_is_strictly_inside(lo, hi):
    t = sample_between(lo, hi)
    assert t.is_Rational
    assert bool(lo < t) and bool(t < hi)


def _ends_with_its_budget(fn, *args):
    """What ``fn(*args)`` did once a 0.3 s budget ran out in a worker where ``sympy.simplify`` never returns."""
    from symact.core import budget

    return budget.call(worker_jobs.ends_with_its_budget, fn, args, ("simplify",), seconds=20)


def test_zero_test_does_not_swallow_an_enclosing_budget():
    """A timeout of the exact zero test is "not proved" only while the enclosing budget has time left."""
    from symact.analysis.pieces import _is_zero

    assert _ends_with_its_budget(_is_zero, sympy.sin(1) ** 2 + cos(1) ** 2 - 1) == ["propagated"]
