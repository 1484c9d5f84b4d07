"""Proofs and disproofs of additivity, homogeneity and linearity.

The mathematics:

* f is **additive** when f(a + b) = f(a) + f(b) for all real a, b, and
  **homogeneous** when f(c a) = c f(a) for all real c, a; **linear** when both.
* Homogeneity gives f(c) = c f(1) at once; additivity gives the same for a
  Borel-measurable f (every SymPy expression here is). So all three properties
  hold exactly when f(x) = f(1) x for every real x.
* PROVED therefore means: with m = f(1), the residual f(x) - m x is reduced to
  exactly 0 on every open interval of the canonical piecewise form
  (:func:`symact.analysis.pieces.decompose`) and at every breakpoint, f is shown to be
  defined on every interval, and then m (a + b) - m a - m b and m (c a) - c (m a)
  expand to 0.
* DISPROVED means: an exact witness whose two sides are *proved* different
  (:class:`proofs.verdict.Counterexample`).
* Anything else is UNKNOWN, with a reason. A difference that merely *looks*
  nonzero, or a residual that merely fails to simplify, decides nothing.

**Budget.** Each public call (:func:`prove`, :func:`prove_additive`,
:func:`prove_homogeneous`, :func:`prove_linear`) runs as a whole under one
budget, ``seconds=`` (default :data:`PROVE_SECONDS`), in one forked worker (or
on the signal path when already inside a worker); each reduction step inside
also has :data:`STEP_SECONDS`. Past the budget the verdict is UNKNOWN with the
reason ``"timeout (...)"``. Results, timeouts included, are kept in the calling
process: asking again is free; a timeout is recomputed only under a larger budget.

Examples:
    >>> import symact
    >>> from symact import x
    >>> print(prove_linear(symact.get("relu")))
    relu: linearity disproved (a = 1, b = -1: 0 != 1)
    >>> print(prove_linear(2 * x, x))
    f: linearity proved (f(x) = 2*x)
    >>> print(prove_additive(x + 1, x))
    f: additivity disproved (a = 0, b = 0: 1 != 2)
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable

import sympy
from sympy import S, oo

import symact
from symact.core import budget
from proofs.search import MAX_CANDIDATES, find_counterexample
from proofs.verdict import LinearityArgument, PieceStep, PointStep, ProofResult, Verdict

__all__ = ["check_argument", "prove", "prove_additive", "prove_homogeneous", "prove_linear", "prove_linear_identity"]

#: Seconds allowed for one reduction step (``simplify`` etc.).
STEP_SECONDS = 4.0
#: Seconds allowed for one whole public call (search, proof and all its steps).
PROVE_SECONDS = 60.0

# Verdicts of the public calls, kept in the caller's process (each call runs in a worker).
_RESULTS = budget.CallCache(maxsize=512)

_a, _b, _c, _m = sympy.symbols("a b c m", real=True)


# --------------------------------------------------------------------------------------
# Inputs
# --------------------------------------------------------------------------------------


def _normalize(f: object, var: sympy.Symbol | None) -> tuple[sympy.Expr, str]:
    """The expression of ``f`` in ``symact.x`` and a display name."""
    if isinstance(f, str):
        f = symact.get(f)
    if isinstance(f, symact.Activation):
        return f.expr, f.name
    expr = sympy.sympify(f, strict=True)
    if not isinstance(expr, sympy.Expr):
        raise TypeError(f"expected an Activation or a SymPy expression, got {type(f).__name__}")
    free = expr.free_symbols
    if var is None:
        if not free or free == {symact.x}:
            return expr, "f"
        if len(free) == 1:
            var = next(iter(free))  # type: ignore[assignment]
        else:
            raise ValueError(f"{expr} has several free symbols {sorted(map(str, free))}; pass the variable")
    if not isinstance(var, sympy.Symbol):
        raise TypeError(f"the variable must be a SymPy Symbol, got {var!r}")
    others = free - {var}
    if others:
        raise ValueError(
            f"{expr} has free symbols {sorted(map(str, others))} besides {var}; give parameters numeric values"
        )
    if var != symact.x:
        expr = expr.xreplace({var: symact.x})
    if expr.has(sympy.Float):
        raise ValueError(f"{expr} contains a float; use exact numbers (Rational, sqrt(2), ...)")
    return expr, "f"


# --------------------------------------------------------------------------------------
# The linearity proof: f(x) = f(1) x everywhere
# --------------------------------------------------------------------------------------

_METHODS: tuple[tuple[str, Callable[[sympy.Expr], sympy.Expr]], ...] = (
    ("automatic evaluation", lambda e: e),
    ("expand", sympy.expand),
    ("cancel", sympy.cancel),
    ("simplify", sympy.simplify),
    ("simplify after rewriting in exp", lambda e: sympy.simplify(e.rewrite(sympy.exp))),
)
_METHOD_BY_NAME = dict(_METHODS)


def _spent() -> bool:
    """Whether the budget of the whole call has run out (a step's timeout must then end it)."""
    return budget.remaining() == 0


def _reduce_to_zero(expr: sympy.Expr) -> str | None:
    """The name of the first exact method that turns ``expr`` into 0, or None."""
    for name, method in _METHODS:
        try:
            if budget.call(method, expr, seconds=STEP_SECONDS) == 0:
                return name
        except Exception:  # noqa: BLE001 - a failing method proves nothing
            if _spent():
                raise
            continue
    return None


def _simplest_number(value: sympy.Expr) -> tuple[sympy.Expr, str]:
    """An equal but simpler form of the number ``value``, and the method that found it."""
    if value.is_Rational:
        return value, ""
    best, how = value, ""
    for name, method in _METHODS[-2:][::-1]:  # rewrite-in-exp first: it settles tanh/exp identities fast
        try:
            candidate = budget.call(method, value, seconds=STEP_SECONDS)
        except Exception:  # noqa: BLE001 - keep the value as evaluated
            if _spent():
                raise
            continue
        if candidate.is_Rational:
            return candidate, name
        if sympy.count_ops(candidate) < sympy.count_ops(best):
            best, how = candidate, name
    return best, how


def _defined_on(piece: sympy.Expr, lo: sympy.Expr, hi: sympy.Expr) -> bool:
    """Whether ``piece`` is provably defined (no singularity) on the open interval (lo, hi)."""
    if piece.is_polynomial(symact.x):
        return True
    try:
        sing = budget.call(sympy.singularities, piece, symact.x, sympy.Interval.open(lo, hi), seconds=STEP_SECONDS)
    except Exception:  # noqa: BLE001 - BudgetExceeded, NotImplementedError, ...
        if _spent():
            raise
        return False
    return sing == S.EmptySet


@functools.lru_cache(maxsize=512)
def _raw_switch_points(expr: sympy.Expr) -> tuple[sympy.Expr, ...]:
    """Every point where a switching function in ``expr`` may switch, before any merging.

    The canonical form merges two neighbouring intervals with the same formula
    when it finds the value at their common end agrees; the proof re-checks
    those ends itself rather than rely on that merge.
    """
    try:
        from symact.analysis.pieces import _pieces  # the unmerged decomposition

        raw = _pieces(expr, symact.x)
    except ImportError:  # pragma: no cover - only if symact.analysis.pieces changes
        return ()
    ends = {p for lo, hi, _ in raw for p in (lo, hi) if p not in (-oo, oo)}
    return tuple(sorted(ends, key=lambda p: sympy.N(p, 30)))


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
    from symact.analysis.pieces import decompose

    x = symact.x
    slope_raw = expr.subs(x, 1)
    if not (slope_raw.is_number and slope_raw.is_finite and slope_raw.is_real):
        return None, f"f(1) = {slope_raw} is not a finite real number"
    slope, slope_method = _simplest_number(slope_raw)
    foreign = _foreign_conditions(expr)
    if foreign:
        return None, f"the canonical form does not split on conditions such as {foreign[0]}"
    try:
        form = decompose(expr)
        raw_points = _raw_switch_points(expr)
    except (NotImplementedError, budget.BudgetExceeded) as exc:
        if _spent():
            raise
        return None, f"no canonical piecewise form: {exc}"
    except Exception as exc:  # noqa: BLE001 - an unexpected failure decides nothing
        return None, f"no canonical piecewise form: {type(exc).__name__}: {exc}"
    pieces = []
    for (lo, hi), piece in zip(form.gaps(), form.pieces):
        residual = piece - slope * x
        method = _reduce_to_zero(residual)
        if method is None:
            return None, f"on ({lo}, {hi}) the residual {residual} was not reduced to 0"
        if not _defined_on(piece, lo, hi):
            return None, f"could not show that f = {piece} is defined on all of ({lo}, {hi})"
        pieces.append(PieceStep(lo, hi, piece, residual, method))
    points = []
    for p in dict.fromkeys((*form.breakpoints, *raw_points)):
        value = expr.subs(x, p)
        if value.has(sympy.nan, sympy.zoo) or not value.is_finite:
            return None, f"f is undefined at x = {p}"
        method = _reduce_to_zero(value - slope * p)
        if method is None:
            return None, f"at x = {p}, f(x) - {slope}*x = {value - slope * p} was not reduced to 0"
        points.append(PointStep(p, value, method))
    add_res = _m * (_a + _b) - _m * _a - _m * _b
    hom_res = _m * (_c * _a) - _c * (_m * _a)
    if sympy.expand(add_res) != 0 or sympy.expand(hom_res) != 0:  # pragma: no cover - algebra
        return None, "the residuals did not expand to 0"
    return LinearityArgument(
        expr, x, slope, slope_raw, form.breakpoints, tuple(pieces), tuple(points), add_res, hom_res, slope_method
    ), ""


def check_argument(arg: LinearityArgument, *, seconds: float | None = None) -> bool:
    """Re-run every reduction of a linearity argument (exact methods only).

    ``False`` means "not re-verified": a step failed, or the whole check took
    longer than ``seconds`` (default :data:`PROVE_SECONDS`).
    """
    try:
        return budget.call(
            _check_argument,
            arg,
            seconds=PROVE_SECONDS if seconds is None else seconds,
            what="re-checking a linearity argument",
        )
    except budget.BudgetExceeded:
        if _spent():
            raise
        return False


def _check_argument(arg: LinearityArgument) -> bool:
    from symact.analysis.pieces import decompose

    x = arg.var
    try:
        if _reduce_to_zero(arg.slope - arg.function.subs(x, 1)) is None:
            return False
        form = decompose(arg.function)  # the pieces must be the function's own
        if form.breakpoints != arg.breakpoints or form.pieces != tuple(p.piece for p in arg.pieces):
            return False
        if not set((*form.breakpoints, *_raw_switch_points(arg.function))) <= {p.point for p in arg.points}:
            return False
        ends = [-oo, *arg.breakpoints, oo]
        if [(p.lo, p.hi) for p in arg.pieces] != list(zip(ends[:-1], ends[1:])):
            return False
        for step in arg.pieces:
            if step.residual != step.piece - arg.slope * x or _reduce_to_zero(step.residual) is None:
                return False
        for pt in arg.points:
            if arg.function.subs(x, pt.point) != pt.value or _reduce_to_zero(pt.value - arg.slope * pt.point) is None:
                return False
        return sympy.expand(arg.additivity_residual) == 0 and sympy.expand(arg.homogeneity_residual) == 0
    except Exception:  # noqa: BLE001
        if _spent():
            raise
        return False


# --------------------------------------------------------------------------------------
# The public API
# --------------------------------------------------------------------------------------


def _breakpoints(expr: sympy.Expr) -> tuple[tuple[sympy.Expr, ...], tuple[sympy.Expr, ...]]:
    """The breakpoints of the canonical form, and the raw switch points (both may be empty)."""
    from symact.analysis.pieces import decompose

    try:
        return decompose(expr).breakpoints, _raw_switch_points(expr)
    except Exception:  # noqa: BLE001 - the search still has the simple rationals
        if _spent():
            raise
        return (), ()


def _attempt(expr: sympy.Expr, name: str, props: tuple[str, ...], label: str) -> ProofResult:
    start = time.perf_counter()
    x = symact.x
    bps, raw = _breakpoints(expr)
    tried = 0

    def disproved(ce, prop):  # noqa: ANN001, ANN202
        return ProofResult(
            label,
            Verdict.DISPROVED,
            expr,
            x,
            name,
            counterexample=ce,
            failed=prop if label == "linearity" else None,
            candidates=tried,
            seconds=time.perf_counter() - start,
        )

    # every candidate first: a PROVED verdict also requires that no candidate is a counterexample,
    # a safety net under the canonical form the proof relies on
    for prop in props:
        ce, n = find_counterexample(expr, x, prop, bps, raw, stop=MAX_CANDIDATES)
        tried += n
        if ce is not None:
            return disproved(ce, prop)
    argument, why = prove_linear_identity(expr)
    if argument is not None:
        return ProofResult(
            label,
            Verdict.PROVED,
            expr,
            x,
            name,
            argument=argument,
            candidates=tried,
            seconds=time.perf_counter() - start,
        )
    reason = f"no counterexample among {tried} exact candidates, and f(x) = f(1)*x was not proved: {why}"
    return ProofResult(
        label, Verdict.UNKNOWN, expr, x, name, reason=reason, candidates=tried, seconds=time.perf_counter() - start
    )


def prove(
    f: object, prop: str = "linearity", var: sympy.Symbol | None = None, *, seconds: float | None = None
) -> ProofResult:
    """Prove or disprove ``prop`` (``"additivity"``, ``"homogeneity"`` or ``"linearity"``) for ``f``.

    ``f`` is an :class:`symact.Activation`, a catalog name, or a SymPy expression
    in ``var`` (any Symbol; it is renamed to :data:`symact.x`). The whole call
    runs under ``seconds`` (default :data:`PROVE_SECONDS`); past it the verdict is
    UNKNOWN with the reason ``"timeout (...)"``.

    Raises:
        ValueError: an unknown ``prop``, an expression with other free symbols or
            floats, or a ``seconds`` that is not positive.

    Examples:
        >>> from symact import x
        >>> from sympy import diff, exp, sqrt, pi, tanh, Rational
        >>> g = x / 2 * (1 + tanh(sqrt(2 / pi) * (x + Rational(44715, 10**6) * x**3)))
        >>> d3 = diff(g, x, 3)  # x + (d3 rewritten in exp - d3) is x, but slow to reduce
        >>> print(prove(x + (d3.rewrite(exp) - d3), seconds=0.5).reason)
        timeout (proving linearity of f exceeded its time budget of 0.5 s)
    """
    if prop not in ("additivity", "homogeneity", "linearity"):
        raise ValueError(f"unknown property {prop!r}; choose additivity, homogeneity or linearity")
    expr, name = _normalize(f, var)
    props = ("additivity", "homogeneity") if prop == "linearity" else (prop,)
    what = f"proving {prop} of {name}"

    def timed_out(err: budget.BudgetExceeded) -> ProofResult:
        return ProofResult(prop, Verdict.UNKNOWN, expr, symact.x, name, reason=f"timeout ({err})", seconds=err.seconds)

    return _RESULTS.call(
        (expr, name, prop),
        _attempt,
        expr,
        name,
        props,
        prop,
        seconds=PROVE_SECONDS if seconds is None else seconds,
        what=what,
        on_timeout=timed_out,
    )


def prove_additive(f: object, var: sympy.Symbol | None = None, *, seconds: float | None = None) -> ProofResult:
    """Prove or disprove f(a + b) = f(a) + f(b) for all real a, b (see :func:`prove` for ``seconds``)."""
    return prove(f, "additivity", var, seconds=seconds)


def prove_homogeneous(f: object, var: sympy.Symbol | None = None, *, seconds: float | None = None) -> ProofResult:
    """Prove or disprove f(c a) = c f(a) for all real c, a (see :func:`prove` for ``seconds``)."""
    return prove(f, "homogeneity", var, seconds=seconds)


def prove_linear(f: object, var: sympy.Symbol | None = None, *, seconds: float | None = None) -> ProofResult:
    """Prove or disprove that f is linear (additive and homogeneous).

    A DISPROVED result names the property that failed in ``result.failed``.
    See :func:`prove` for the budget ``seconds``.
    """
    return prove(f, "linearity", var, seconds=seconds)
