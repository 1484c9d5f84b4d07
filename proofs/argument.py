"""The linearity argument f(x) = f(1) x: built by :func:`prove_linear_identity`, re-checked by :func:`check_argument`.

With m = f(1), the argument reduces the residual f(x) - m x to exactly 0 on
every open interval of the canonical piecewise form
(:func:`symact.analysis.pieces.decompose`) and at every point where the formula
of f may switch (:func:`symact.analysis.pieces.switch_points`, so the proof does
not rely on the form's merging of equal neighbours), shows that f is defined on
every interval, and expands m (a + b) - m a - m b and m (c a) - c (m a) to 0.
The result is a :class:`~proofs.evidence.LinearityArgument`.

Every reduction uses exact methods only (:data:`METHODS`), each under its own
budget of :data:`STEP_SECONDS`. A step that fails or runs out of its own time
proves nothing; a spent *enclosing* budget ends the whole call
(:func:`symact.core.budget.step`).

This module sits below the result record (:class:`proofs.verdict.ProofResult`),
whose :meth:`~proofs.verdict.ProofResult.check` uses :func:`check_argument`, and
below :mod:`proofs.linearity`, which searches for counterexamples first.

Examples:
    >>> from symact import x
    >>> from sympy import Max, Min
    >>> arg, why = prove_linear_identity(Max(0, x) + Min(0, x))
    >>> arg.slope, arg.breakpoints, [p.method for p in arg.pieces]
    (1, (), ['automatic evaluation'])
    >>> check_argument(arg)
    True
    >>> prove_linear_identity(Max(0, x))[1]
    'on (-oo, 0) the residual -x was not reduced to 0'
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable

import sympy
from sympy import S, oo

from proofs.evidence import FAILURES, LinearityArgument, PieceStep, PointStep
from symact.analysis import pieces
from symact.core import budget
from symact.definition.activation import x

__all__ = [
    "METHODS",
    "PROVE_SECONDS",
    "STEP_SECONDS",
    "check_argument",
    "defined_on",
    "prove_linear_identity",
    "reduce_to_zero",
    "simplest_number",
    "switch_points",
]

#: Seconds allowed for one reduction step (``simplify`` etc.).
STEP_SECONDS = 4.0
#: Seconds allowed for one whole public call (search, proof and all its steps), and for :func:`check_argument`.
PROVE_SECONDS = 60.0


def _as_is(e: sympy.Expr) -> sympy.Expr:
    return e


def _simplify_exp_form(e: sympy.Expr) -> sympy.Expr:
    return sympy.simplify(e.rewrite(sympy.exp))


#: The exact methods that may reduce a residual to 0, cheapest first, by name (module-level
#: functions: each runs as a budgeted step in a worker, which is sent the function by reference).
METHODS: tuple[tuple[str, Callable[[sympy.Expr], sympy.Expr]], ...] = (
    ("automatic evaluation", _as_is),
    ("expand", sympy.expand),
    ("cancel", sympy.cancel),
    ("simplify", sympy.simplify),
    ("simplify after rewriting in exp", _simplify_exp_form),
)

_a, _b, _c, _m = sympy.symbols("a b c m", real=True)


def _no_answer(err: budget.BudgetExceeded) -> None:
    """A step that ran out of its own time has no answer."""


def _apply(name: str, method: Callable[[sympy.Expr], sympy.Expr], expr: sympy.Expr) -> sympy.Expr | None:
    """``method(expr)`` as one budgeted step; ``None`` when it fails or runs out of its own time."""
    try:
        return budget.step(method, expr, seconds=STEP_SECONDS, what=name, on_timeout=_no_answer)
    except FAILURES:  # a failing method proves nothing
        return None


def reduce_to_zero(expr: sympy.Expr) -> str | None:
    """The name of the first exact method that turns ``expr`` into 0, or None.

    Examples:
        >>> from sympy import exp, log, sin, cos
        >>> from symact import x
        >>> reduce_to_zero(sin(x)**2 + cos(x)**2 - 1), reduce_to_zero(exp(log(2)) - 2), reduce_to_zero(x)
        ('simplify', 'automatic evaluation', None)
    """
    for name, method in METHODS:
        reduced = _apply(name, method, expr)
        if reduced is not None and reduced == 0:
            return name
    return None


def simplest_number(value: sympy.Expr) -> tuple[sympy.Expr, str]:
    """An equal but simpler form of the number ``value``, and the method that found it ("" if none).

    Examples:
        >>> from sympy import tanh, exp
        >>> simplest_number(2 * tanh(1) - (exp(2) - 1) / (exp(2) + 1) * 2)
        (0, 'simplify after rewriting in exp')
    """
    if value.is_Rational:
        return value, ""
    best, how = value, ""
    for name, method in METHODS[-2:][::-1]:  # rewrite-in-exp first: it settles tanh/exp identities fast
        candidate = _apply(name, method, value)
        if candidate is None:
            continue
        if candidate.is_Rational:
            return candidate, name
        if sympy.count_ops(candidate) < sympy.count_ops(best):
            best, how = candidate, name
    return best, how


def defined_on(piece: sympy.Expr, lo: sympy.Expr, hi: sympy.Expr) -> bool:
    """Whether ``piece`` (in ``x``) is provably defined (no singularity) on the open interval (lo, hi).

    Examples:
        >>> from symact import x
        >>> from sympy import oo
        >>> defined_on(1 / x, 0, oo), defined_on(1 / x, -1, 1)
        (True, False)
    """
    if piece.is_polynomial(x):
        return True
    try:
        sing = budget.step(
            sympy.singularities,
            piece,
            x,
            sympy.Interval.open(lo, hi),
            seconds=STEP_SECONDS,
            what="singularities",
            on_timeout=_no_answer,
        )
    except FAILURES:  # SymPy could not locate them: not shown to be defined
        return False
    return sing == S.EmptySet


@functools.lru_cache(maxsize=512)
def switch_points(expr: sympy.Expr) -> tuple[sympy.Expr, ...]:
    """Every point where a switching function in ``expr`` (in ``x``) may switch (cached)."""
    return pieces.switch_points(expr, x)


_BOOLEAN_NODES = (sympy.core.relational.Relational, sympy.And, sympy.Or, sympy.Not)


def _foreign_conditions(expr: sympy.Expr) -> list[sympy.Basic]:
    """Piecewise conditions built from anything but relations, And, Or and Not (e.g. ``Contains``)."""
    out = []
    for pw in expr.atoms(sympy.Piecewise):
        for _, cond in pw.args:
            stack = [cond]
            while stack:
                c = stack.pop()
                if c in (sympy.true, sympy.false) or isinstance(c, sympy.core.relational.Relational):
                    continue
                if isinstance(c, _BOOLEAN_NODES):
                    stack.extend(c.args)
                else:
                    out.append(c)
    return out


def prove_linear_identity(expr: sympy.Expr) -> tuple[LinearityArgument | None, str]:
    """Try to prove f(x) = f(1) x for every real x; returns ``(argument, "")`` or ``(None, why not)``."""
    slope_raw = expr.subs(x, 1)
    if not (slope_raw.is_number and slope_raw.is_finite and slope_raw.is_real):
        return None, f"f(1) = {slope_raw} is not a finite real number"
    slope, slope_method = simplest_number(slope_raw)
    foreign = _foreign_conditions(expr)
    if foreign:
        return None, f"the canonical form does not split on conditions such as {foreign[0]}"
    try:
        form = pieces.decompose(expr)
        raw_points = switch_points(expr)
    except budget.BudgetExceeded as exc:  # one of its steps ran out of time
        if budget.spent():  # the budget that ran out encloses this call: end it
            raise
        return None, f"no canonical piecewise form: {exc}"
    except NotImplementedError as exc:
        return None, f"no canonical piecewise form: {exc}"
    except FAILURES as exc:  # an unexpected failure decides nothing
        return None, f"no canonical piecewise form: {type(exc).__name__}: {exc}"
    steps = []
    for (lo, hi), piece in zip(form.gaps(), form.pieces):
        residual = piece - slope * x
        method = reduce_to_zero(residual)
        if method is None:
            return None, f"on ({lo}, {hi}) the residual {residual} was not reduced to 0"
        if not defined_on(piece, lo, hi):
            return None, f"could not show that f = {piece} is defined on all of ({lo}, {hi})"
        steps.append(PieceStep(lo, hi, piece, residual, method))
    points = []
    for p in dict.fromkeys((*form.breakpoints, *raw_points)):
        value = expr.subs(x, p)
        if value.has(sympy.nan, sympy.zoo) or not value.is_finite:
            return None, f"f is undefined at x = {p}"
        method = reduce_to_zero(value - slope * p)
        if method is None:
            return None, f"at x = {p}, f(x) - {slope}*x = {value - slope * p} was not reduced to 0"
        points.append(PointStep(p, value, method))
    add_res = _m * (_a + _b) - _m * _a - _m * _b
    hom_res = _m * (_c * _a) - _c * (_m * _a)
    if sympy.expand(add_res) != 0 or sympy.expand(hom_res) != 0:  # pragma: no cover - algebra
        return None, "the residuals did not expand to 0"
    return LinearityArgument(
        expr, x, slope, slope_raw, form.breakpoints, tuple(steps), tuple(points), add_res, hom_res, slope_method
    ), ""


def _not_checked(err: budget.BudgetExceeded) -> bool:
    return False


def check_argument(arg: LinearityArgument, *, seconds: float | None = None) -> bool:
    """Re-run every reduction of a linearity argument (exact methods only).

    ``False`` means "not re-verified": a step failed, or the whole check took
    longer than ``seconds`` (default :data:`PROVE_SECONDS`).
    """
    return budget.step(
        _check_argument,
        arg,
        seconds=PROVE_SECONDS if seconds is None else budget.check_seconds(seconds),
        what="re-checking a linearity argument",
        on_timeout=_not_checked,
    )


def _check_argument(arg: LinearityArgument) -> bool:
    var = arg.var
    try:
        if reduce_to_zero(arg.slope - arg.function.subs(var, 1)) is None:
            return False
        form = pieces.decompose(arg.function, var)  # the pieces must be the function's own
        if form.breakpoints != arg.breakpoints or form.pieces != tuple(p.piece for p in arg.pieces):
            return False
        if not {*form.breakpoints, *pieces.switch_points(arg.function, var)} <= {p.point for p in arg.points}:
            return False
        ends = [-oo, *arg.breakpoints, oo]
        if [(p.lo, p.hi) for p in arg.pieces] != list(itertools.pairwise(ends)):
            return False
        for step in arg.pieces:
            if step.residual != step.piece - arg.slope * var or reduce_to_zero(step.residual) is None:
                return False
        for pt in arg.points:
            if arg.function.subs(var, pt.point) != pt.value or reduce_to_zero(pt.value - arg.slope * pt.point) is None:
                return False
        return sympy.expand(arg.additivity_residual) == 0 and sympy.expand(arg.homogeneity_residual) == 0
    except FAILURES:  # a re-check that cannot run confirms nothing
        return False
