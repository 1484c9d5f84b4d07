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
  expand to 0 (:mod:`proofs.argument` builds and re-checks this argument).
* DISPROVED means: an exact witness whose two sides are *proved* different
  (:class:`proofs.evidence.Counterexample`, found by :mod:`proofs.search`).
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

import time

import sympy

from proofs.argument import PROVE_SECONDS as PROVE_SECONDS
from proofs.argument import STEP_SECONDS as STEP_SECONDS
from proofs.argument import check_argument as check_argument
from proofs.argument import prove_linear_identity as prove_linear_identity
from proofs.argument import switch_points
from proofs.evidence import FAILURES, Counterexample, LinearityArgument, PieceStep, PointStep, Verdict
from proofs.search import MAX_CANDIDATES, find_counterexample
from proofs.verdict import ProofResult
from symact.analysis import pieces
from symact.core import budget, store
from symact.definition import registry
from symact.definition.activation import Activation, expression_of, x

__all__ = [
    "check_argument",
    "normalize",
    "prove",
    "prove_additive",
    "prove_homogeneous",
    "prove_linear",
    "prove_linear_identity",
]

# Verdicts of the public calls, kept in the caller's process (each call runs in a worker).
_RESULTS = budget.CallCache(maxsize=512)
#: The record types a stored verdict may hold (symact.core.store reads nothing else).
_RECORDS = (ProofResult, Verdict, Counterexample, LinearityArgument, PieceStep, PointStep)


# --------------------------------------------------------------------------------------
# Inputs
# --------------------------------------------------------------------------------------


def normalize(f: object, var: sympy.Symbol | None) -> tuple[sympy.Expr, str]:
    """The expression of ``f`` (an activation, a catalog name, or an expression in ``var``) in ``x``, and a display name.

    Raises:
        TypeError: ``f`` is not an activation, a name or a SymPy expression, or ``var`` is not a Symbol.
        ValueError: the expression has other free symbols, or floats.

    Examples:
        >>> from sympy import Symbol
        >>> t = Symbol("t", real=True)
        >>> normalize("relu", None), normalize(2 * t, t)
        ((Max(0, x), 'relu'), (2*x, 'f'))
    """
    if isinstance(f, str):
        f = registry.get(f)
    if isinstance(f, Activation):
        return f.expr, f.name
    expr = expression_of(f)
    if not isinstance(expr, sympy.Expr):
        raise TypeError(f"expected an Activation or a SymPy expression, got {type(f).__name__}")
    free = expr.free_symbols
    if var is None:
        if not free or free == {x}:
            return expr, "f"
        if len(free) == 1:
            var = next(iter(free))
        else:
            raise ValueError(f"{expr} has several free symbols {sorted(map(str, free))}; pass the variable")
    if not isinstance(var, sympy.Symbol):
        raise TypeError(f"the variable must be a SymPy Symbol, got {var!r}")
    others = free - {var}
    if others:
        raise ValueError(
            f"{expr} has free symbols {sorted(map(str, others))} besides {var}; give parameters numeric values"
        )
    if var != x:
        expr = expr.xreplace({var: x})
    if expr.has(sympy.Float):
        raise ValueError(f"{expr} contains a float; use exact numbers (Rational, sqrt(2), ...)")
    return expr, "f"


# --------------------------------------------------------------------------------------
# The public API
# --------------------------------------------------------------------------------------


def _breakpoints(expr: sympy.Expr) -> tuple[tuple[sympy.Expr, ...], tuple[sympy.Expr, ...]]:
    """The breakpoints of the canonical form, and the raw switch points (both may be empty)."""
    try:
        return pieces.decompose(expr).breakpoints, switch_points(expr)
    except budget.BudgetExceeded:  # one of its steps ran out of time
        if budget.spent():  # the budget that ran out encloses this call: end it
            raise
        return (), ()  # the search still has the simple rationals
    except FAILURES:  # NotImplementedError among them: the search still has the simple rationals
        return (), ()


def _attempt(expr: sympy.Expr, name: str, props: tuple[str, ...], label: str) -> ProofResult:
    start = time.perf_counter()
    bps, raw = _breakpoints(expr)
    tried = 0

    def disproved(ce, prop):
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
    in ``var`` (any Symbol; it is renamed to :data:`x`). The whole call
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
    seconds = PROVE_SECONDS if seconds is None else budget.check_seconds(seconds)  # before any stored answer
    expr, name = normalize(f, var)
    props = ("additivity", "homogeneity") if prop == "linearity" else (prop,)
    what = f"proving {prop} of {name}"

    def timed_out(err: budget.BudgetExceeded) -> ProofResult:
        return ProofResult(prop, Verdict.UNKNOWN, expr, x, name, reason=f"timeout ({err})", seconds=err.seconds)

    key = store.key("proof", expr, name, prop)
    kept = store.load(key, _RECORDS)
    if isinstance(kept, ProofResult):  # a complete verdict of an earlier run, checked
        return kept
    got = _RESULTS.call(
        (expr, name, prop),
        store.counted,
        _attempt,
        expr,
        name,
        props,
        prop,
        seconds=seconds,
        what=what,
        on_timeout=lambda err: store.Counted(timed_out(err), False),
    )
    if got.complete:  # no budget ran out on the way (an UNKNOWN for any other reason is kept)
        store.save(key, got.value)
    return got.value


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
