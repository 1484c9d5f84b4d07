"""Continuity and derivatives at a point of user-style activations, from the definition.

Issue 13, items 1 and 2. Every expected cell below was derived by hand (the derivation is
in the row's comment) and is re-checked here with mpmath at 40 digits: a claimed one-sided
derivative against one-sided difference quotients, a derivative that does not exist
against quotients that keep oscillating, a positive denominator against its minimum.

* **No fact from an unsolved set.** A denominator such as ``x*exp(x/3) + 2`` has no closed-form
  zero set (SymPy answers with a ``ConditionSet``); symact decides with a certified sign chart
  that it never vanishes, so the quotient is C-infinity. SymPy's ``AccumBounds`` for a limit is an
  enclosure of the limit points, not a proof that the limit does not exist.
* **Derivatives from difference quotients.** f'(0) of x**2 sin(1/x) (0 at 0) is 0, although
  f' has no limit at 0; one field that cannot be derived never takes the others down.
"""

from __future__ import annotations

from typing import Any

import mpmath
import pytest
import sympy
from sympy import Rational, oo

from symact import Unknown, x
from symact.analysis import calculus

try:  # tests/ on sys.path (rootdir-relative import, no tests/__init__.py)
    import known_facts as K
except ImportError:  # pragma: no cover - tests/ is a package
    from tests import known_facts as K

R = Rational
DPS, QUOTIENT_DPS = 40, 90

# (source, continuity, f'(0), (f'_-(0), f'_+(0)))
ROWS: list[tuple[str, str, Any, tuple[Any, Any]]] = [
    # Smooth quotients with a denominator D > 0 on R: f = x/D has f'(0) = 1/D(0).
    # D = x/2 + exp(-x/3): D' = 0 at x = -3 log(3/2), min D = 3/2 (1 - log(3/2)) > 0.89.
    ("x/(x/2 + exp(-x/3))", "Cinf", R(1), (R(1), R(1))),
    # D = x + exp(-x): min at x = 0, D(0) = 1.
    ("x/(x + exp(-x))", "Cinf", R(1), (R(1), R(1))),
    # D = 1 + x exp(x): min at x = -1, 1 - 1/e > 0.
    ("x/(1 + x*exp(x))", "Cinf", R(1), (R(1), R(1))),
    # D = 3 + x sin(x)/(1 + x**2) >= 3 - |x|/(1 + x**2) >= 5/2; D(0) = 3.
    ("x/(3 + x*sin(x)/(1 + x**2))", "Cinf", R(1, 3), (R(1, 3), R(1, 3))),
    # D = 2 + sin(x) >= 1; D(0) = 2.
    ("x/(2 + sin(x))", "Cinf", R(1, 2), (R(1, 2), R(1, 2))),
    # D = 1 - x + x**2/2 (discriminant 1 - 2 < 0); f'(0) = N'(0)/D(0) = 1.
    ("(x + x**3)/(1 - x + x**2/2)", "Cinf", R(1), (R(1), R(1))),
    # D = 2 + x*exp(x/3): min at x = -3, 2 - 3/e > 0.89; D(0) = 2.
    ("x/(2 + x*exp(x/3))", "Cinf", R(1, 2), (R(1, 2), R(1, 2))),
    # log(1 + x**2) = x**2 + O(x**4): f'(0) = 0.
    ("log(1 + x**2)/(1 + exp(-x))", "Cinf", R(0), (R(0), R(0))),
    # Oscillation times decay, smooth: exp(-x**2) sin(3x) = 3x + O(x**3).
    ("exp(-x**2)*sin(3*x)", "Cinf", R(3), (R(3), R(3))),
    # sin(x) exp(-|x|): f'(0+-) = 1; f'' -> -2 from the right, 2 from the left: C1.
    ("sin(x)*exp(-abs(x))", "C1", R(1), (R(1), R(1))),
    # Removable singularities filled with their limit: analytic at 0.
    # (exp(x) - 1)/x = 1 + x/2 + x**2/6 + ...
    ("Piecewise((1, Eq(x, 0)), ((exp(x) - 1)/x, True))", "Cinf", R(1, 2), (R(1, 2), R(1, 2))),
    # sin(x)/x = 1 - x**2/6 + ...
    ("Piecewise((1, Eq(x, 0)), (sin(x)/x, True))", "Cinf", R(0), (R(0), R(0))),
    # (1 - cos(x))/x**2 = 1/2 - x**2/24 + ...
    ("Piecewise((S(1)/2, Eq(x, 0)), ((1 - cos(x))/x**2, True))", "Cinf", R(0), (R(0), R(0))),
    # The wrong value at a removable singularity is a jump: no derivative.
    ("Piecewise((2, Eq(x, 0)), (sin(x)/x, True))", "discontinuous", None, (None, None)),
    # x**2 sin(1/x) (0 at 0): quotient h sin(1/h) -> 0, so f'(0) = 0; f' = 2x sin(1/x) - cos(1/x)
    # has no limit at 0: C0, not C1.
    ("Piecewise((0, Eq(x, 0)), (x**2*sin(1/x), True))", "C0", R(0), (R(0), R(0))),
    ("Piecewise((0, Eq(x, 0)), (x**2*cos(1/x), True))", "C0", R(0), (R(0), R(0))),
    # x sin(1/x) (0 at 0): continuous; the quotient sin(1/h) oscillates: no derivative.
    ("Piecewise((0, Eq(x, 0)), (x*sin(1/x), True))", "C0", None, (None, None)),
    # x**3 sin(1/x): f'(0) = 0, f' = 3x**2 sin(1/x) - x cos(1/x) -> 0, so C1; f'' has no limit.
    ("Piecewise((0, Eq(x, 0)), (x**3*sin(1/x), True))", "C1", R(0), (R(0), R(0))),
    # x + x**2 sin(1/x): f'(0) = 1 (quotient 1 + h sin(1/h)); f' has no limit at 0: C0.
    ("Piecewise((0, Eq(x, 0)), (x + x**2*sin(1/x), True))", "C0", R(1), (R(1), R(1))),
    # One side oscillating, one side linear: f'_-(0) = 1, f'_+(0) = 0 (quotient h sin(1/h)).
    ("Piecewise((x**2*sin(1/x), x > 0), (x, True))", "C0", None, (R(1), R(0))),
]


def _expr(source: str) -> sympy.Expr:
    """The definition as SymPy reads it, in symact's variable."""
    return sympy.sympify(source, locals={"x": x}, strict=False)


def _quotient(f: Any, side: int, h: mpmath.mpf) -> mpmath.mpf:
    return (f(side * h) - f(mpmath.mpf(0))) / (side * h)


@pytest.mark.parametrize(("source", "continuity", "fprime0", "sides"), ROWS, ids=[r[0] for r in ROWS])
def test_facts_at_zero(source: str, continuity: str, fprime0: Any, sides: tuple[Any, Any]) -> None:
    """The record's continuity and at-zero fields, derived as ``properties`` derives them.

    Only these fields: the whole records of the oscillating rows (ranges, extrema) are checked
    in ``tests/test_literature.py``, where they take most of the time.
    """
    form = calculus._form(_expr(source))
    assert not isinstance(form, Unknown), form
    dform = calculus._derivative_form(form, 1)
    assert calculus._continuity(form, dform) == continuity
    at_zero = calculus._at_zero(form, dform)
    assert at_zero["derivative_at_zero"] == fprime0, at_zero
    assert at_zero["one_sided_derivatives_at_zero"] == sides, at_zero
    assert not isinstance(at_zero["value_at_zero"], Unknown)


@pytest.mark.parametrize(("source", "continuity", "fprime0", "sides"), ROWS, ids=[r[0] for r in ROWS])
def test_expected_sides_hold_numerically(source: str, continuity: str, fprime0: Any, sides: tuple[Any, Any]) -> None:
    """The table itself, against one-sided difference quotients at 40 digits."""
    f = K.compile_mp(_expr(source), x)
    with mpmath.workdps(QUOTIENT_DPS):  # h down to 1e-24: the quotients cancel about 24 digits
        for side, expected in zip((-1, 1), sides):
            if expected is None:
                # no one-sided derivative: the quotients keep a spread of order 1 ever closer to 0
                for lo_exp in (8, 16, 24):
                    qs = [_quotient(f, side, mpmath.mpf(10) ** -lo_exp * (1 + k / mpmath.mpf(97))) for k in range(97)]
                    assert max(qs) - min(qs) > mpmath.mpf(1) / 2
            else:
                for k in (12, 18):
                    h = mpmath.mpf(10) ** -k
                    assert abs(_quotient(f, side, h) - mpmath.mpf(K._to_mpf(expected))) < 100 * h
        if sides[0] is not None and sides[1] is not None:
            assert fprime0 == (sides[0] if sides[0] == sides[1] else None)


#: Denominators the quotient rows rely on, with a hand-derived lower bound on R.
DENOMINATORS = [
    (x / 2 + sympy.exp(-x / 3), R(89, 100)),
    (x + sympy.exp(-x), R(1)),
    (1 + x * sympy.exp(x), R(63, 100)),
    (3 + x * sympy.sin(x) / (1 + x**2), R(5, 2)),
    (2 + sympy.sin(x), R(1)),
    (1 - x + x**2 / 2, R(1, 2)),
    (2 + x * sympy.exp(x / 3), R(89, 100)),
]


@pytest.mark.parametrize(("den", "bound"), DENOMINATORS, ids=[str(d) for d, _ in DENOMINATORS])
def test_denominators_stay_positive(den: sympy.Expr, bound: sympy.Rational) -> None:
    """The hand-derived lower bounds, at 40 digits on a dense grid and at the minimum found by mpmath."""
    f, df = K.compile_mp(den, x), K.compile_mp(sympy.diff(den, x), x)
    with mpmath.workdps(DPS):
        grid = [mpmath.mpf(k) / 8 for k in range(-400, 401)]
        assert min(f(t) for t in grid) >= K._to_mpf(bound)
        t0 = min(grid, key=f)
        if t0 not in (grid[0], grid[-1]):
            assert f(mpmath.findroot(df, t0)) >= K._to_mpf(bound)
    # and symact proves it: no real zero, constant sign +1
    chart = calculus._chart(den, -oo, oo)
    assert not isinstance(chart, Unknown) and chart.roots == () and chart.signs == (1,)


def test_unsolved_zero_set_is_not_a_singularity() -> None:
    """SymPy cannot solve x*exp(x/3) + 2 = 0 (a ConditionSet); it has no real root (min 2 - 3/e)."""
    den = x * sympy.exp(x / 3) + 2
    assert isinstance(sympy.solveset(den, x, sympy.S.Reals), sympy.ConditionSet)
    assert calculus._analytic_on(x / den, -oo, oo) is True
    assert calculus._analytic_on(x / (x - 1), -oo, oo) is False  # a real pole
    assert calculus._analytic_on(sympy.log(x), -oo, oo) is False
    assert calculus._analytic_on(sympy.sqrt(x), -oo, oo) is False  # not real for x < 0


@pytest.mark.parametrize(
    ("piece", "point", "side", "oscillates"),
    [
        (sympy.sin(1 / x), 0, "+", True),
        (sympy.cos(1 / x), 0, "-", True),
        (2 * x * sympy.sin(1 / x) - sympy.cos(1 / x), 0, "+", True),  # A = 0, B -> 0, C -> -1
        (sympy.sin(1 / x) - sympy.cos(1 / x) / x, 0, "+", True),  # C -> -oo, B = 1
        (sympy.sin(x), oo, "-", True),
        (1 + sympy.cos(x) / 2, -oo, "+", True),
        (x * sympy.sin(1 / x), 0, "+", False),  # tends to 0
        (sympy.sin(x) ** 2 + sympy.cos(x) ** 2, oo, "-", False),  # identically 1
        (sympy.sin(x) / x, oo, "-", False),  # tends to 0
        (x + sympy.sin(x), oo, "-", False),  # tends to oo: the rule does not apply
    ],
)
def test_oscillation_rule(piece: sympy.Expr, point: Any, side: str, oscillates: bool) -> None:
    assert calculus._oscillates(piece, sympy.sympify(point), side) is oscillates


def test_accumulation_bounds_are_not_a_missing_limit() -> None:
    """SymPy's limit of sin(x)**2 + cos(x)**2 is AccumBounds(0, 2); the limit is 1, not "none"."""
    assert isinstance(sympy.limit(sympy.sin(x) ** 2 + sympy.cos(x) ** 2, x, oo), sympy.AccumBounds)
    f = sympy.sin(x) ** 2 + sympy.cos(x) ** 2 + sympy.atan(x)  # limits 1 -+ pi/2
    p = calculus.properties(f)
    for claim, expected in ((p.limit_neg_inf, 1 - sympy.pi / 2), (p.limit_pos_inf, 1 + sympy.pi / 2)):
        assert claim is not None
        assert isinstance(claim, Unknown) or sympy.simplify(claim - expected) == 0
    with mpmath.workdps(DPS):
        assert abs(mpmath.sin(10**30) ** 2 + mpmath.cos(10**30) ** 2 + mpmath.atan(10**30) - 1 - mpmath.pi / 2) < 1e-29


def test_derivative_expression_uses_the_difference_quotient() -> None:
    """derivative() gives f'(0) = 0 for x**2 sin(1/x), where f' has no limit."""
    d = calculus.derivative(_expr("Piecewise((0, Eq(x, 0)), (x**2*sin(1/x), True))"))
    assert d.subs(x, 0) == 0
    assert sympy.simplify(d.subs(x, R(1, 3)) - (R(2, 3) * sympy.sin(3) - sympy.cos(3))) == 0


def test_one_failing_field_does_not_take_others_down(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(expr: sympy.Expr) -> str:
        raise sympy.SympifyError(None)

    monkeypatch.setattr(calculus, "_parity", broken)
    p = calculus._properties_of(sympy.tanh(x) + x / 7, "f", 100.0, 1e18)
    assert isinstance(p.parity, Unknown) and "parity" in p.parity.reason
    assert p.continuity == "Cinf" and p.derivative_at_zero == R(8, 7) and p.monotonic == "increasing"
    assert set(p.unknowns()) == {"parity"}
