"""Every row of the primitives table, through every stage, by the public entry points.

:data:`symact.definition.primitives.PRIMITIVES` is the one list of the SymPy functions
symact supports. For each row: the parser accepts its names at its arity (and nothing
outside the table), the interval engine encloses it, the truth evaluator agrees with
SymPy at 50 digits and rounds correctly, and the generated NumPy code is within a few
ULP of the truth. The table's own columns (domain, image, monotonicity, smoothness, the
mpmath and float functions) are checked against SymPy at the same points.

What a stage does not handle yet is listed in :data:`GAPS` and marked as a strict
``xfail``: the day the stage learns it, the test fails until the gap is removed.
"""

from __future__ import annotations

import inspect
import itertools
import math

import mpmath
import numpy as np
import pytest
import sympy
from sympy.core.function import Application

import symact
from symact import x
from symact.core.errors import DefinitionError
from symact.definition.parse import FUNCTIONS, check_expr, parse_expr_safely
from symact.definition.primitives import (
    PRIMITIVES,
    SPELLINGS,
    AddHypot,
    Affine,
    Hypot,
    HypotM1,
    Primitive,
    Smoothness,
    by_name,
)
from symact.numeric.interval import EnclosureError, enclose
from symact.numeric.rounding import ulp_error
from symact.numeric.truth import compile_mp, truth

R = sympy.Rational

#: The sample expression of a row (default: the class applied to x).
SAMPLES: dict[type, sympy.Expr] = {
    sympy.Max: sympy.Max(x, x / 2 - 1),
    sympy.Min: sympy.Min(x, 1 - x),
    sympy.Piecewise: sympy.Piecewise((x, x > 0), (x**2 - 1, True)),
    Hypot: Hypot(x, 2),
    AddHypot: AddHypot(x, 2),
    HypotM1: HypotM1(x, 2),
    Affine: Affine(x, -3, R(1, 6)),
}
#: The arguments a user writes for a sample (default: ``(x)``).
TEXTS: dict[type, str] = {
    sympy.Max: "(x, x/2 - 1)",
    sympy.Min: "(x, 1 - x)",
    sympy.Piecewise: "((x, x > 0), (x**2 - 1, True))",
}
#: Candidate points; a row uses those in its domain.
POINTS = tuple(R(p) for p in ("-7/2", "-5/4", "-3/10", "0", "7/10", "2", "11/2"))
#: The most ULP the generated code may be from the truth at the sample points.
MAX_ULP = 4

#: (class, stage): why the stage does not handle the row yet.
GAPS: dict[tuple[type, str], str] = {
    (sympy.sech, "numpy"): "no NumPy printing of sech",
    (sympy.LambertW, "numpy"): "no NumPy printing of LambertW (scipy's is complex)",
}


#: What a stage raises on a class it does not handle.
RAISES = {"enclose": EnclosureError, "truth": NotImplementedError, "numpy": NotImplementedError}


def sample(row: Primitive) -> sympy.Expr:
    return SAMPLES[row.func] if row.func in SAMPLES else row.func(x)


def points(row: Primitive) -> list[sympy.Rational]:
    """The candidate points in the row's domain where SymPy gives the sample a finite real value."""
    e = sample(row)
    out = []
    for p in POINTS:
        if row.domain.contains(p) is sympy.false:
            continue
        v = e.subs(x, p).evalf(30)
        if v.is_real and v.is_finite:
            out.append(p)
    return out


def reference(e: sympy.Expr, p: sympy.Rational, digits: int = 60) -> mpmath.mpf:
    """SymPy's value to ``digits`` significant digits, as an mpf (read at the caller's precision)."""
    return mpmath.mpf(str(sympy.N(e.subs(x, p), digits)))


def rows(stage: str) -> list:
    return [
        pytest.param(
            row,
            id=row.func.__name__,
            marks=[pytest.mark.xfail(raises=RAISES[stage], strict=True, reason=GAPS[row.func, stage])]
            if (row.func, stage) in GAPS
            else [],
        )
        for row in PRIMITIVES.values()
    ]


ALL = [pytest.param(row, id=row.func.__name__) for row in PRIMITIVES.values()]


# -- the table itself ---------------------------------------------------------------------------


def test_the_table_is_keyed_by_class_and_names_are_unique():
    names = [n for row in PRIMITIVES.values() for n in row.names]
    assert len(names) == len(set(names))
    assert not set(names) & set(SPELLINGS)
    for key, row in PRIMITIVES.items():
        assert key is row.func and issubclass(row.func, Application)
        for n in row.names:
            assert by_name(n) is row
    with pytest.raises(KeyError):
        by_name("gamma")


@pytest.mark.parametrize("row", ALL)
def test_every_row_has_points_in_its_domain(row):
    assert len(points(row)) >= 3


@pytest.mark.parametrize("row", ALL)
def test_arity_matches_the_sympy_class(row):
    lo, hi = row.arity
    assert 1 <= lo and (hi is None or lo <= hi)
    nargs = row.func.nargs
    assert lo in nargs or isinstance(nargs, sympy.Interval) or nargs == sympy.S.Naturals0
    if hi is not None and isinstance(nargs, sympy.FiniteSet):
        assert hi in nargs


@pytest.mark.parametrize("row", ALL)
def test_the_columns_agree_with_sympy(row):
    """mpmath and float functions, image and monotonicity, at the sample points."""
    e = sample(row)
    pts = points(row)
    args_of = lambda p: [float(a.subs(x, p)) for a in e.args]
    with mpmath.workdps(50):
        refs = [reference(e, p) for p in pts]
        if row.mpmath is not None and row.func is not sympy.Piecewise:
            for p, ref in zip(pts, refs):
                got = row.mpmath(*[reference(a, p) for a in e.args])
                assert abs(got - ref) <= mpmath.mpf(10) ** -45 * max(1, abs(ref)), (p, got, ref)
    if row.math is not None:
        for p, ref in zip(pts, refs):
            got = row.math(*args_of(p))
            assert math.isclose(got, float(ref), rel_tol=1e-13, abs_tol=1e-300), (p, got, ref)
    if row.image is not None:
        for p, ref in zip(pts, refs):
            assert row.image.contains(sympy.Float(mpmath.nstr(ref, 50), 50)) is sympy.true, (p, ref)
    if row.monotone:
        values = [float(r) for r in refs]
        pairs = list(itertools.pairwise(values))
        assert all((b - a) * row.monotone >= 0 for a, b in pairs), values
    if row.smoothness is Smoothness.ANALYTIC and not row.is_stable:
        # an analytic function has a derivative SymPy writes without Heaviside, sign or DiracDelta
        d = sympy.diff(e, x)
        assert not d.has(sympy.Heaviside, sympy.sign, sympy.DiracDelta), d
    if row.smoothness is not Smoothness.ANALYTIC and not row.is_stable:
        d = sympy.diff(e, x)  # and a function with kinks or jumps has one with them
        assert d.has(sympy.Heaviside, sympy.sign, sympy.DiracDelta, sympy.Piecewise, sympy.Derivative), d


# -- the parser ----------------------------------------------------------------------------------


@pytest.mark.parametrize("row", ALL)
def test_the_parser_accepts_exactly_the_user_facing_rows(row):
    # the parser's table (symact.define then also requires the domain to be all of R: log(x) is not)
    e = sample(row)
    if not row.names:
        with pytest.raises(DefinitionError, match="not allowed"):
            check_expr(e)
        return
    for name in row.names:
        assert parse_expr_safely(f"{name}{TEXTS.get(row.func, '(x)')}") == e
    assert check_expr(e) == e  # a SymPy expression goes through the same table
    lo, hi = row.arity
    if row.func is not sympy.Piecewise:
        name = row.names[0]
        if lo > 1:
            with pytest.raises(DefinitionError, match="argument"):
                symact.define(f"{name}(" + ", ".join(["x"] * (lo - 1)) + ")")
        if hi is not None:
            with pytest.raises(DefinitionError, match="argument"):
                symact.define(f"{name}(" + ", ".join(["x"] * (hi + 1)) + ")")


def test_every_name_the_parser_accepts_is_in_the_table():
    user = {n for row in PRIMITIVES.values() for n in row.names}
    assert set(FUNCTIONS) == user | set(SPELLINGS)
    for name, spelling in SPELLINGS.items():
        assert FUNCTIONS[name][:2] == spelling.arity
        if spelling.build is not None:
            built = spelling.build(x)
            assert all(PRIMITIVES[type(f)].names for f in built.atoms(sympy.Function)), (name, built)
            assert parse_expr_safely(f"{name}(x)") == built


def _sympy_function_classes() -> list[type]:
    """Every function class SymPy exports (like SymPy's own test_all_classes_are_tested)."""
    out = []
    for name in dir(sympy):
        obj = getattr(sympy, name)
        if inspect.isclass(obj) and issubclass(obj, Application) and obj.__module__.startswith("sympy.functions"):
            out.append(obj)
    return out


def test_every_sympy_function_the_parser_accepts_is_in_the_table():
    classes = _sympy_function_classes()
    assert len(classes) > 50
    accepted = set()
    for cls in classes:
        try:
            e = cls(x + R(1, 3))
        except (TypeError, ValueError):
            continue
        if not isinstance(e, cls):
            continue  # evaluated to something else at once
        try:
            check_expr(e)  # the parser's table for SymPy input (define also requires the domain R)
        except DefinitionError:
            continue
        accepted.add(cls)
    unary_user = {row.func for row in PRIMITIVES.values() if row.names and row.arity[0] == 1}
    assert accepted <= set(PRIMITIVES)
    assert accepted == unary_user


# -- the numeric stages --------------------------------------------------------------------------


@pytest.mark.parametrize("row", rows("enclose"))
def test_the_interval_engine_encloses_every_row(row):
    e = sample(row)
    for p in points(row):
        box = enclose(e, p, p)
        with mpmath.workdps(110):
            ref = reference(e, p, 100)  # within 10**-98 |ref|: far below any enclosure's width
            slack = mpmath.mpf(10) ** -98 * abs(ref)
            assert box.a <= ref + slack and ref - slack <= box.b, (p, box, ref)
            assert box.b - box.a <= mpmath.mpf(2) ** -90 * max(1, abs(ref)), (p, box)


@pytest.mark.parametrize("row", rows("truth"))
def test_the_truth_evaluator_agrees_with_sympy_and_rounds_correctly(row):
    e = sample(row)
    pts = points(row)
    f = compile_mp(e)
    with mpmath.workdps(50):
        for p in pts:
            got, ref = f(mpmath.mpf(p.p) / p.q), reference(e, p)
            assert abs(got - ref) <= mpmath.mpf(10) ** -45 * max(1, abs(ref)), (p, got, ref)
    xs = np.array([float(p) for p in pts])
    want = np.array([float(sympy.N(e.subs(x, sympy.Rational(v)), 60)) for v in xs])
    assert np.array_equal(truth(e, xs), want)


@pytest.mark.parametrize("row", rows("numpy"))
def test_the_numpy_code_runs_within_a_few_ulp_of_the_truth(row):
    e = sample(row)
    fn = symact.to_numpy(e)  # an expression: log(x) is no activation (not real on all of R), its code is tested
    xs = np.array([float(p) for p in points(row)])
    err, wrong = ulp_error(fn(xs), truth(e, xs))
    assert not wrong.any() and err.max() <= MAX_ULP, (xs, err)
