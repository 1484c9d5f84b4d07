r"""The canonical piecewise form: how symact sees kinks and jumps.

SymPy's calculus misbehaves on ``Piecewise``, ``Max``, ``Min``, ``Abs``,
``sign`` and ``Heaviside`` (limits raise or ignore their direction, ranges and
continuity fail; see ``shared/notes/sympy_probe.md``). symact therefore turns
every activation into one canonical form first:

* sorted, exact **breakpoints** :math:`b_1 < \dots < b_k`;
* on each open gap :math:`(b_i, b_{i+1})` a **piece**: an expression free of
  switching functions, which SymPy's calculus handles reliably;
* at each breakpoint the exact **value** of f.

Every analysis (limits, one-sided derivatives, continuity, monotonicity, range)
works piece by piece on this form. Code generation uses the same form with
``hazards=True``: the zeros of the argument of a :data:`HAZARDS` function
(``sinc(u)``, printed as ``sin(u)/u``; ``DiracDelta(u)``) are then breakpoints
too, although f does not switch there, because the printed formula needs a
separate piece.

Examples:
    >>> from sympy import Max, Min
    >>> from symact import x
    >>> form = decompose(Min(6, Max(0, x)))
    >>> form.breakpoints, form.pieces, form.values
    ((0, 6), (0, x, 6), (0, 6))
    >>> form.as_piecewise()
    Piecewise((0, x <= 0), (x, x <= 6), (6, True))
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import sympy
from mpmath.libmp import finf, fnan, fninf
from sympy import (
    Abs,
    DiracDelta,
    Eq,
    Heaviside,
    Interval,
    Max,
    Min,
    Piecewise,
    S,
    oo,
    sign,
    sinc,
)
from sympy.core.relational import Relational

from symact.analysis import signs
from symact.analysis.closed_form import lambertw_rule
from symact.core import budget
from symact.definition.activation import x
from symact.numeric.interval import EnclosureError, enclose

__all__ = ["PiecewiseForm", "breakpoints", "decompose", "sample_between", "switch_points"]

#: The functions whose value switches between formulas at points.
SWITCHING: tuple[type, ...] = (Piecewise, Max, Min, Abs, sign, Heaviside)

#: Functions f does not switch at, but whose printed formula needs a piece of its own at
#: the zeros of their argument: ``sinc(u)`` is ``sin(u)/u`` (0/0 at u = 0), ``DiracDelta(u)``
#: is 0 except at u = 0. They are breakpoints only with ``hazards=True``.
HAZARDS: tuple[type, ...] = (sinc, DiracDelta)

#: Seconds allowed for one ``solveset`` call that locates switch points.
SOLVE_SECONDS = 5.0


@dataclass(frozen=True)
class PiecewiseForm:
    """f as sorted breakpoints, smooth pieces on the open gaps, and values at the breakpoints.

    Attributes:
        breakpoints: ``(b_1, ..., b_k)``, exact reals, strictly increasing.
        pieces: ``k + 1`` expressions without switching functions; ``pieces[i]``
            is f on the open interval between ``breakpoints[i-1]`` and ``breakpoints[i]``
            (with -oo and oo at the ends).
        values: ``k`` exact values, ``values[i] = f(breakpoints[i])`` (``nan`` if undefined).
    """

    breakpoints: tuple[sympy.Expr, ...]
    pieces: tuple[sympy.Expr, ...]
    values: tuple[sympy.Expr, ...]

    def gaps(self) -> tuple[tuple[sympy.Expr, sympy.Expr], ...]:
        """The open intervals ``(lo, hi)`` the pieces live on, in order."""
        ends = (-oo, *self.breakpoints, oo)
        return tuple(itertools.pairwise(ends))

    def piece_at(self, point: sympy.Expr, side: str) -> sympy.Expr:
        """The piece on the side ``'+'`` (just right of ``point``) or ``'-'`` (just left)."""
        for i, b in enumerate(self.breakpoints):
            if point == b:
                return self.pieces[i + 1] if side == "+" else self.pieces[i]
            if bool(point < b):
                return self.pieces[i]
        return self.pieces[-1]

    def map(self, fn: Callable[[sympy.Expr], sympy.Expr], values: Sequence[sympy.Expr] | None = None) -> PiecewiseForm:
        """A form with ``fn`` applied to every piece (and new breakpoint values if given)."""
        return PiecewiseForm(
            self.breakpoints, tuple(fn(p) for p in self.pieces), tuple(values if values is not None else self.values)
        )

    def joins(self, var: sympy.Symbol = x) -> tuple[str | None, ...]:
        """Which piece each breakpoint's value belongs to: ``'-'`` (left), ``'+'`` (right) or ``None``.

        A breakpoint joins the piece on its left when that piece takes the same
        value there, else the piece on its right, else neither (an isolated point).

        Examples:
            >>> from sympy import Heaviside, sinc
            >>> decompose(Heaviside(x, 1)).joins(), decompose(sinc(x), hazards=True).joins()
            (('+',), (None,))
        """
        out: list[str | None] = []
        for i, (b, value) in enumerate(zip(self.breakpoints, self.values)):
            if _same_value(self.pieces[i], b, value, var):
                out.append("-")
            elif _same_value(self.pieces[i + 1], b, value, var):
                out.append("+")
            else:
                out.append(None)
        return tuple(out)

    def as_piecewise(self, var: sympy.Symbol = x) -> sympy.Expr:
        """The form as one SymPy ``Piecewise``, or the single piece when there is no breakpoint.

        A breakpoint's value goes with the piece it :meth:`joins`, or gets its own ``Eq`` branch.
        """
        if not self.breakpoints:
            return self.pieces[0]
        args: list[tuple[sympy.Expr, sympy.Basic]] = []
        for i, (b, side) in enumerate(zip(self.breakpoints, self.joins(var))):
            left = self.pieces[i]
            if side == "-":
                args.append((left, var <= b))
            elif side == "+":
                args.append((left, var < b))
            else:
                args.append((left, var < b))
                args.append((self.values[i], Eq(var, b)))
        args.append((self.pieces[-1], S.true))
        return Piecewise(*args)


def _same_value(piece: sympy.Expr, b: sympy.Expr, value: sympy.Expr, var: sympy.Symbol) -> bool:
    at = piece.subs(var, b)
    if at.has(sympy.nan, sympy.zoo, oo, -oo):
        return False
    return _is_zero(at - value)


def _is_zero(expr: sympy.Expr) -> bool:
    """True only when ``expr`` is provably 0 by exact simplification (never by rounding).

    Examples:
        >>> _is_zero(sympy.sin(1)**2 + sympy.cos(1)**2 - 1), _is_zero(sympy.exp(-1000))
        (True, False)
    """
    if expr == 0:
        return True
    if not expr.is_number:
        return False
    try:
        simpler = budget.step(sympy.simplify, expr, seconds=2.0, what="exact zero test", on_timeout=lambda err: None)
    except budget.BudgetExceeded:
        raise  # the enclosing budget is spent
    except Exception:  # noqa: BLE001 - a failed simplification proves nothing
        return False
    return simpler is not None and bool(simpler == 0)


# --------------------------------------------------------------------------------------
# Locating switch points
# --------------------------------------------------------------------------------------


def _zeros(expr: sympy.Expr, lo: sympy.Expr, hi: sympy.Expr, var: sympy.Symbol) -> tuple[sympy.Expr, ...] | None:
    """The zeros of ``expr`` in the open interval (lo, hi).

    Returns ``None`` when ``expr`` vanishes on the whole interval. Raises
    ``NotImplementedError`` when the zeros cannot be located exactly.
    """
    expr = sympy.expand(expr) if expr.is_polynomial(var) else expr
    if not expr.has(var):
        return None if _is_zero(expr) else ()
    solutions = budget.step(
        sympy.solveset,
        expr,
        var,
        Interval.open(lo, hi),
        seconds=SOLVE_SECONDS,
        what=f"zeros of {expr}",
        on_timeout=lambda err: None,
    )
    if solutions == S.EmptySet:
        return ()
    if solutions == Interval.open(lo, hi):
        return None
    if isinstance(solutions, sympy.FiniteSet) and all(s.is_real and s.is_number for s in solutions):
        return tuple(sorted(solutions, key=lambda s: sympy.N(s, 30)))
    # SymPy left it unsolved (a ConditionSet, or out of time): certified isolation decides,
    # when every zero it finds has an exact value (x - tanh(x): 0 alone; x - 2 tanh(x) has two without)
    chart = signs.sign_chart(expr, lo, hi, var=var)
    if isinstance(chart, signs.SignChart):
        if chart.signs == (0,):
            return None
        exact = _closed_forms(expr, chart, var)
        if all(r is not None for r in exact):
            return tuple(exact)
        reason = f"{sum(r is None for r in exact)} of its zeros have no exact value found"
    else:
        reason = chart.reason
    raise NotImplementedError(f"cannot locate the zeros of {expr} on {Interval.open(lo, hi)} exactly ({reason})")


def sample_between(lo: sympy.Expr, hi: sympy.Expr) -> sympy.Rational:
    """A simple rational strictly inside (lo, hi); the ends may be infinite.

    Examples:
        >>> sample_between(-oo, 0), sample_between(0, 6), sample_between(-oo, oo)
        (-1, 3, 0)
        >>> sample_between(sympy.Rational(1, 3), sympy.Rational(1, 2))
        2/5
    """
    lo, hi = sympy.sympify(lo, strict=True), sympy.sympify(hi, strict=True)
    if lo == -oo and hi == oo:
        return S.Zero
    if lo == -oo:
        return sympy.floor(hi) - 1 if hi.is_number else S.Zero
    if hi == oo:
        return sympy.ceiling(lo) + 1
    if lo.is_Rational and hi.is_Rational:
        mid = (lo + hi) / 2
    else:
        mid = sympy.Rational(str(sympy.N((lo + hi) / 2, 40)))
    # prefer a short rational near the middle, when one is inside
    for denominator in (1, 2, 4, 10, 100):
        candidate = sympy.Rational(round(mid * denominator), denominator)
        if bool(lo < candidate) and bool(candidate < hi):
            return candidate
    return mid


def _closed_forms(expr: sympy.Expr, chart: signs.SignChart, var: sympy.Symbol) -> list[sympy.Expr | None]:
    """The chart's zeros as exact values: its own, or ``sympy.solve``'s that provably are those zeros.

    A candidate is taken for a zero only when an enclosure of it lies in the zero's certified bracket
    (which holds that zero alone) and ``expr`` vanishes there exactly (with W(z) e^W(z) = z applied):
    ``x/4 - exp(x) + 1`` vanishes at 0 and at ``-4 - W(-4/e^4)``.
    """
    exact: list[sympy.Expr | None] = [r.exact for r in chart.roots]
    if all(r is not None for r in exact):
        return exact
    numerator = sympy.numer(sympy.together(expr))
    try:
        found: list[Any] = budget.step(
            sympy.solve,
            numerator,
            var,
            seconds=SOLVE_SECONDS,
            what=f"closed-form zeros of {expr}",
            on_timeout=lambda err: [],
        )
    except (NotImplementedError, ValueError, TypeError):  # "no algorithms are implemented": no candidates
        found = []
    candidates = [c for c in found if isinstance(c, sympy.Expr) and c.is_number and c.is_real is not False]
    for i, root in enumerate(chart.roots):
        if exact[i] is not None:
            continue
        for c in candidates:
            if _inside(c, root.lo, root.hi) and _is_zero(lambertw_rule(expr.subs(var, c))):
                exact[i] = c
                break
    return exact


def _inside(c: sympy.Expr, lo: sympy.Rational, hi: sympy.Rational) -> bool:
    """True when an enclosure of the constant ``c`` lies in [lo, hi] (the brackets are narrow: up to 480 bits)."""
    for prec in (120, 240, 480):
        try:
            ends = enclose(c, prec=prec)._mpi_
        except (EnclosureError, ArithmeticError, ValueError, TypeError):
            return False
        if any(e in (finf, fninf, fnan) for e in ends):
            return False
        a, b = ((-1) ** e[0] * sympy.Integer(int(e[1])) * sympy.Rational(2) ** int(e[2]) for e in ends)
        if b < lo or hi < a:
            return False  # certainly outside
        if lo <= a and b <= hi:
            return True
    return False


def _switch_points(
    node: sympy.Expr, args: Sequence[sympy.Expr], lo: sympy.Expr, hi: sympy.Expr, var: sympy.Symbol
) -> list[sympy.Expr]:
    """Exact points in (lo, hi) where ``node`` (with smooth ``args``) may change formula."""
    differences: list[sympy.Expr] = []
    if isinstance(node, (Max, Min)):
        differences = [a - b for i, a in enumerate(args) for b in args[i + 1 :]]
    elif isinstance(node, (Abs, sign, Heaviside, *HAZARDS)):
        differences = [args[0]]
    elif isinstance(node, Piecewise):
        for cond in args[1::2]:
            for rel in cond.atoms(Relational):
                differences.append(rel.lhs - rel.rhs)
    points: set[sympy.Expr] = set()
    for d in differences:
        zeros = _zeros(d, lo, hi, var)
        if zeros:
            points.update(zeros)
    return sorted(points, key=lambda p: sympy.N(p, 30))


def _resolve(node: sympy.Expr, args: Sequence[sympy.Expr], t: sympy.Expr, var: sympy.Symbol) -> sympy.Expr:
    """The switching-free formula ``node`` takes near the sample point ``t``."""
    at = [a.subs(var, t) for a in args]
    if isinstance(node, (Max, Min)):
        pick = max if isinstance(node, Max) else min
        best = pick(range(len(args)), key=lambda i: sympy.N(at[i], 40))
        return args[best]
    if isinstance(node, Abs):
        return args[0] if sympy.N(at[0], 40) > 0 else -args[0]
    if isinstance(node, sign):
        return S.One if sympy.N(at[0], 40) > 0 else S.NegativeOne
    if isinstance(node, Heaviside):
        return S.One if sympy.N(at[0], 40) > 0 else S.Zero
    if isinstance(node, sinc):
        return sympy.sin(args[0]) / args[0]
    if isinstance(node, DiracDelta):
        return S.Zero
    if isinstance(node, Piecewise):
        for expr, cond in zip(args[0::2], args[1::2]):
            truth = cond.subs(var, t)
            if truth == S.true:
                return expr
            if truth != S.false:
                raise NotImplementedError(f"cannot decide the condition {cond} at x = {t}")
        return sympy.nan
    raise TypeError(node)  # pragma: no cover


Pieces = list[tuple[sympy.Expr, sympy.Expr, sympy.Expr]]  # (lo, hi, expr) on open (lo, hi)


def _refine(per_arg: Sequence[Pieces]) -> list[tuple[sympy.Expr, sympy.Expr, list[sympy.Expr]]]:
    """The common refinement of several piece lists covering R."""
    cuts = sorted(
        {p for pieces in per_arg for lo, hi, _ in pieces for p in (lo, hi) if p not in (-oo, oo)},
        key=lambda p: sympy.N(p, 30),
    )
    ends = [-oo, *cuts, oo]
    out = []
    for lo, hi in itertools.pairwise(ends):
        t = sample_between(lo, hi)
        exprs = []
        for pieces in per_arg:
            for plo, phi, e in pieces:
                if bool(plo < t) and bool(t < phi):
                    exprs.append(e)
                    break
        out.append((lo, hi, exprs))
    return out


def _pieces(expr: sympy.Expr, var: sympy.Symbol, kinds: tuple[type, ...] = SWITCHING) -> Pieces:
    """f on open intervals: a cut at every point where a function of ``kinds`` may switch."""
    if not expr.has(*kinds):
        return [(-oo, oo, expr)]
    args = list(expr.args)
    if isinstance(expr, Piecewise):
        args = [item for pair in expr.args for item in pair]
        per_arg = [_pieces(a, var, kinds) if isinstance(a, sympy.Expr) else _cond_pieces(a, var) for a in args]
    elif isinstance(expr, (Heaviside, DiracDelta)) and isinstance(expr, kinds):  # 2nd argument: H(0), the order
        per_arg = [_pieces(args[0], var, kinds)]
        args = args[:1]
    else:
        per_arg = [_pieces(a, var, kinds) for a in args]
    out: Pieces = []
    for lo, hi, smooth_args in _refine(per_arg):
        if isinstance(expr, kinds):
            pts = _switch_points(expr, smooth_args, lo, hi, var)
            ends = [lo, *pts, hi]
            for slo, shi in itertools.pairwise(ends):
                chosen = _resolve(expr, smooth_args, sample_between(slo, shi), var)
                out.extend(
                    (max_end(slo, plo), min_end(shi, phi), e)
                    for plo, phi, e in _pieces(chosen, var, kinds)
                    if _overlaps(plo, phi, slo, shi)
                )
        else:
            out.append((lo, hi, expr.func(*smooth_args)))
    return out


def _cond_pieces(cond: sympy.Basic, var: sympy.Symbol) -> Pieces:
    """A condition is carried through refinement as itself; its relationals are cut later."""
    return [(-oo, oo, cond)]


def _overlaps(a_lo: sympy.Expr, a_hi: sympy.Expr, b_lo: sympy.Expr, b_hi: sympy.Expr) -> bool:
    return bool(max_end(a_lo, b_lo) < min_end(a_hi, b_hi))


def max_end(a: sympy.Expr, b: sympy.Expr) -> sympy.Expr:
    return a if bool(a >= b) else b


def min_end(a: sympy.Expr, b: sympy.Expr) -> sympy.Expr:
    return a if bool(a <= b) else b


def _kinds(hazards: bool) -> tuple[type, ...]:
    return (*SWITCHING, *HAZARDS) if hazards else SWITCHING


@functools.lru_cache(maxsize=512)
def decompose(expr: sympy.Expr, var: sympy.Symbol = x, *, hazards: bool = False) -> PiecewiseForm:
    """The canonical piecewise form of ``expr`` (see the module docstring).

    With ``hazards``, the zeros of the argument of a :data:`HAZARDS` function are
    breakpoints too (``sinc(u)`` is resolved to ``sin(u)/u``, ``DiracDelta(u)`` to 0
    off its zeros, where its value is ``oo``): the form code generation prints.

    Raises:
        NotImplementedError: when a switch point cannot be located exactly
            (e.g. ``Max(x, cos(x))``) or a condition cannot be decided.

    Examples:
        >>> from sympy import Heaviside, Piecewise, exp
        >>> decompose(Heaviside(x, 1))
        PiecewiseForm(breakpoints=(0,), pieces=(0, 1), values=(1,))
        >>> decompose(Piecewise((x, x > 0), (exp(x) - 1, True))).pieces
        (exp(x) - 1, x)
        >>> decompose(Piecewise((2*x, x < 1), (2*x, True)))  # same formula: no breakpoint
        PiecewiseForm(breakpoints=(), pieces=(2*x,), values=())
        >>> from sympy import sinc
        >>> decompose(sinc(x)), decompose(sinc(x), hazards=True)
        (PiecewiseForm(breakpoints=(), pieces=(sinc(x),), values=()), PiecewiseForm(breakpoints=(0,), pieces=(sin(x)/x, sin(x)/x), values=(1,)))
    """
    raw = _pieces(sympy.sympify(expr, strict=True), var, _kinds(hazards))
    # merge neighbours with the same formula when f(b) agrees with it
    bps: list[sympy.Expr] = []
    pieces: list[sympy.Expr] = [raw[0][2]]
    values: list[sympy.Expr] = []
    for lo, _hi, e in raw[1:]:
        value = _value_at(expr, lo, var, hazards)
        if e == pieces[-1] and _same_value(e, lo, value, var):
            continue
        bps.append(lo)
        values.append(value)
        pieces.append(e)
    return PiecewiseForm(tuple(bps), tuple(pieces), tuple(values))


def _value_at(expr: sympy.Expr, point: sympy.Expr, var: sympy.Symbol, hazards: bool = False) -> sympy.Expr:
    """f(point), exact; with ``hazards`` free of HAZARDS functions (``sinc(u) = sin(u)/u``, ``DiracDelta(0) = oo``)."""
    value = lambertw_rule(expr.subs(var, point))  # at a switch point W(z) e^W(z) = z may make two forms one
    if hazards:
        value = value.replace(
            lambda n: isinstance(n, sinc) and n.args[0] != 0, lambda n: sympy.sin(n.args[0]) / n.args[0]
        )
        value = value.replace(lambda n: isinstance(n, DiracDelta), lambda n: oo)
    if value.has(sympy.nan, sympy.zoo):
        return sympy.nan
    if value.is_number and not value.is_Rational:
        try:
            simpler = budget.step(
                sympy.simplify, value, seconds=2.0, what="simplify a breakpoint value", on_timeout=lambda err: value
            )
        except budget.BudgetExceeded:
            raise  # the enclosing budget is spent
        except Exception:  # noqa: BLE001 - a failed simplification: keep the unsimplified exact value
            simpler = value
        if sympy.count_ops(simpler) <= sympy.count_ops(value):
            value = simpler
    return value


def breakpoints(expr: sympy.Expr, var: sympy.Symbol = x, *, hazards: bool = False) -> tuple[sympy.Expr, ...]:
    """The sorted exact points where ``expr`` switches formula (or, with ``hazards``, its printed formula).

    Examples:
        >>> from sympy import Abs, Min, Max, sinc
        >>> breakpoints(x * Min(1, Max(0, x / 6 + sympy.Rational(1, 2))))
        (-3, 3)
        >>> breakpoints(x / (1 + Abs(x)))
        (0,)
        >>> breakpoints(sinc(x)), breakpoints(sinc(x), hazards=True)
        ((), (0,))
    """
    return decompose(expr, var, hazards=hazards).breakpoints


def switch_points(expr: sympy.Expr, var: sympy.Symbol = x) -> tuple[sympy.Expr, ...]:
    """The sorted exact points where a switching function in ``expr`` may switch, before any merging.

    :func:`decompose` drops a point where both sides have one formula that also
    gives f there; a proof that must not rely on that merge checks these points itself.

    Examples:
        >>> f = Max(0, x) + Min(0, x)  # x, written with two switches at 0
        >>> switch_points(f), breakpoints(f)
        ((0,), ())
    """
    raw = _pieces(sympy.sympify(expr, strict=True), var)
    ends = {p for lo, hi, _ in raw for p in (lo, hi) if p not in (-oo, oo)}
    return tuple(sorted(ends, key=lambda p: sympy.N(p, 30)))
