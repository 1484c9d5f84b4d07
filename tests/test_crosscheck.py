"""The numeric filter on symbolic limits (symact.analysis.crosscheck) refutes wrong limits, never the catalog's."""

from __future__ import annotations

import pytest
import sympy
from sympy import erf, exp, log, oo, tanh

import symact
from known_facts import FACTS
from symact import x
from symact.analysis import calculus as analysis
from symact.analysis.crosscheck import limit_disagreement
from symact.analysis.pieces import decompose

ACTS = symact.all_activations()


@pytest.mark.parametrize("act", ACTS, ids=[a.name for a in ACTS])
def test_true_catalog_limits_are_not_refuted(act: symact.Activation) -> None:
    # the limits of the independent oracle (tests/known_facts.py), on the end pieces of the canonical form
    facts = FACTS[act.name]
    form = decompose(act.expr)
    for point, piece, side, key in (
        (oo, form.pieces[-1], "-", "limit_pos_inf"),
        (-oo, form.pieces[0], "+", "limit_neg_inf"),
    ):
        value = facts[key]
        if isinstance(value, sympy.Expr):
            assert limit_disagreement(piece, point, side, value) is None, (act.name, point, value)


WRONG = [
    # (expression, point, side, a false limit)
    (erf(x) + erf((2 * x + 1) / (exp(-2 * x - 1) + 1)), oo, "-", sympy.Integer(0)),  # SymPy 1.14 says 0; it is 2
    (tanh(x), oo, "-", sympy.Integer(0)),
    (tanh(x), -oo, "+", oo),
    (log(x), oo, "-", sympy.Integer(7)),
    (x * exp(-x), oo, "-", sympy.Rational(1, 10)),
    (1 / x, sympy.Integer(0), "+", sympy.Integer(0)),
    (exp(1 / x), sympy.Integer(0), "-", sympy.Integer(1)),
    # SymPy 1.14 says -oo (found by the soundness run); the enclosure at 10**16 is unbounded above
    ((x / 2 + 1) / sympy.atan(x / 2 + 1) + log(exp(x) + 1), oo, "-", -oo),
    # SymPy 1.14 says -oo at both ends; the enclosures at -10**16 and -10**64 have the same lower end
    (log(exp(x / sympy.atan(x)) + 1) - sympy.tanh(sympy.Rational(3, 2)) / 3, -oo, "+", -oo),
]


@pytest.mark.parametrize(("expr", "point", "side", "value"), WRONG)
def test_wrong_limits_are_refuted(expr: sympy.Expr, point: sympy.Expr, side: str, value: sympy.Expr) -> None:
    assert limit_disagreement(expr, point, side, value) is not None


def test_slow_true_limits_are_not_refuted() -> None:
    assert limit_disagreement(1 / log(log(x)), oo, "-", sympy.Integer(0)) is None
    assert limit_disagreement(log(log(x)), oo, "-", oo) is None
    assert limit_disagreement(x - sympy.sqrt(x**2 + 1), oo, "-", sympy.Integer(0)) is None
    assert limit_disagreement(sympy.sin(x) / x, oo, "-", sympy.Integer(0)) is None


def test_the_soundness_counterexample_gets_its_true_limits_by_the_limit_laws() -> None:
    # SymPy 1.14: limit(f, x, oo) == 0. The numeric filter refutes it and the limit laws give 2.
    f = erf(x) + erf((2 * x + 1) / (exp(-2 * x - 1) + 1))
    assert analysis.limit(f, oo) == 2
    assert analysis.limit(f, -oo) == -1


@pytest.mark.parametrize(
    ("expr", "point", "want"),
    [
        (erf(exp(x)) + tanh(x**2), oo, 2),
        (log(1 + x**2) * exp(-x), -oo, oo),
        (sympy.atan(x) * (1 + exp(-x)), oo, sympy.pi / 2),
        (sympy.sqrt(2 + tanh(x)), -oo, 1),
    ],
)
def test_structural_limits_are_exact(expr: sympy.Expr, point: sympy.Expr, want: sympy.Expr) -> None:
    from symact.analysis.calculus import _structural_limit

    got = _structural_limit(expr, point, "-" if point == oo else "+")
    assert got == want or sympy.simplify(got - want) == 0, got


def test_structural_limits_refuse_indeterminate_forms() -> None:
    from symact.analysis.calculus import _structural_limit

    assert _structural_limit(x - sympy.sqrt(x**2 + 1), oo, "-") is None  # oo - oo
    assert _structural_limit(x * exp(-x), oo, "-") is None  # oo * 0
    assert _structural_limit(sympy.sin(x) + x, oo, "-") is None  # a term without a limit
