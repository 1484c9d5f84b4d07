"""The general witness search: exact small rationals, points around breakpoints, signs.

No witness is written down per activation. Candidates are generated from the
function's own breakpoints (via :func:`symact.analysis.pieces.decompose`) and a fixed
list of simple rationals, in order of simplicity, and each one is *proved* (or
not) by :meth:`proofs.evidence.Counterexample.build`.

Examples:
    >>> from sympy import Max
    >>> from symact import x
    >>> ce, tried = find_counterexample(Max(0, x), x, "additivity")
    >>> ce.witness, ce.lhs, ce.rhs
    ({'a': 1, 'b': -1}, 0, 1)
    >>> ce, tried = find_counterexample(Max(0, x), x, "homogeneity")
    >>> ce.witness, ce.lhs, ce.rhs
    ({'c': -1, 'a': 1}, 0, -1)
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import sympy
from sympy import Rational

from proofs.evidence import Counterexample, finite_real, sides
from symact.numeric.interval import enclose_in, quick_context, thin_around_zero

__all__ = ["MAX_CANDIDATES", "QUICK", "candidates", "find_counterexample", "interesting_points"]

R = Rational

#: Simple rationals, simplest first.
SMALL: tuple[sympy.Rational, ...] = tuple(
    sympy.sympify(v, strict=True)
    for v in (
        0,
        1,
        -1,
        2,
        -2,
        R(1, 2),
        R(-1, 2),
        3,
        -3,
        R(3, 2),
        R(-3, 2),
        R(1, 3),
        R(-1, 3),
        4,
        -4,
        R(5, 2),
        R(-5, 2),
        5,
        -5,
        R(1, 4),
        R(-1, 4),
        6,
        -6,
        R(2, 3),
        R(-2, 3),
        7,
        -7,
        8,
        -8,
        10,
        -10,
        R(1, 10),
        R(-1, 10),
    )
)

#: Scale factors tried for homogeneity, most telling first.
SCALES: tuple[sympy.Rational, ...] = tuple(
    sympy.sympify(v, strict=True) for v in (-1, 2, 0, R(1, 2), -2, 3, R(-1, 2), R(1, 3), 10, -10, R(1, 10))
)

#: How many candidates the quick pass examines before a linearity proof is attempted.
QUICK = 24

#: The most candidates one search examines.
MAX_CANDIDATES = 360


def _rationals_near(b: sympy.Expr) -> list[sympy.Rational]:
    """Simple rationals at and around the exact point ``b``."""
    if b.is_Rational:
        out = [b, b + R(1, 2), b - R(1, 2), b + 1, b - 1, 2 * b, b / 2, -b, b + 2, b - 2, b + R(1, 10), b - R(1, 10)]
    else:
        approx = sympy.Rational(str(sympy.N(b, 30)))
        lo, hi = sympy.floor(approx), sympy.ceiling(approx)
        tenth = [sympy.floor(approx * 10) / 10, sympy.ceiling(approx * 10) / 10]
        out = [lo, hi, *tenth, lo - 1, hi + 1, -lo, -hi]
    return [sympy.Rational(v) for v in out]


def interesting_points(
    breakpoints: Sequence[sympy.Expr] = (), extra: Iterable[sympy.Expr] = ()
) -> list[sympy.Rational]:
    """Candidate arguments: simple rationals first, then rationals at and around the breakpoints.

    Examples:
        >>> interesting_points((6,))[:8]
        [0, 1, -1, 2, -2, 1/2, -1/2, 6]
    """
    ordered: list[sympy.Rational] = list(SMALL[:7])
    for b in (*breakpoints, *extra):
        b = sympy.sympify(b, strict=True)
        if b.is_number and b.is_finite and b.is_real:
            ordered.extend(_rationals_near(b))
    ordered.extend(SMALL[7:])
    return list(dict.fromkeys(ordered))


def candidates(
    prop: str, points: Sequence[sympy.Rational], breakpoints: Sequence[sympy.Expr] = ()
) -> Iterator[tuple[sympy.Rational, sympy.Rational]]:
    """Witness candidates for ``prop`` in order of simplicity (duplicates removed)."""
    seen: set[tuple[sympy.Rational, sympy.Rational]] = set()

    def fresh(pair: tuple[sympy.Expr, sympy.Expr]) -> bool:
        key = pair if prop == "homogeneity" else tuple(sorted(pair, key=lambda v: (abs(v), v)))
        if key in seen:
            return False
        seen.add(key)
        return True

    def gen() -> Iterator[tuple[sympy.Rational, sympy.Rational]]:
        if prop == "additivity":
            yield (R(0), R(0))
            for p in points:
                yield (p, p)
                yield (p, -p)
            # land the sum exactly on a breakpoint, from both sides
            for b in breakpoints:
                if b.is_Rational:
                    for s in (1, -1, R(1, 2), R(-1, 2), 2, -2):
                        yield (b - s, sympy.sympify(s, strict=True))
            for i, p in enumerate(points):
                for q in points[:i]:
                    yield (q, p)
        else:
            for a in points:
                for c in SCALES:
                    yield (c, a)

    for pair in gen():
        if fresh(pair):
            yield pair


def find_counterexample(
    function: sympy.Expr,
    var: sympy.Symbol,
    prop: str,
    breakpoints: Sequence[sympy.Expr] = (),
    extra: Iterable[sympy.Expr] = (),
    start: int = 0,
    stop: int = MAX_CANDIDATES,
) -> tuple[Counterexample | None, int]:
    """The first candidate in positions ``[start, stop)`` that is a *proved* counterexample.

    Returns ``(counterexample or None, number of candidates examined)``.
    """
    points = interesting_points(breakpoints, extra)
    ctx = quick_context(64)
    values: dict[sympy.Expr, tuple[sympy.Expr, Any] | None] = {}  # f(p) and an mpmath interval (untyped)

    def entry(p: sympy.Expr) -> tuple[sympy.Expr, Any] | None:
        """f(p) exactly and a 64-bit enclosure of it; None unless f(p) is a finite real."""
        if p not in values:
            v = function.xreplace({var: p})
            box = None if v.has(*_NOT_FINITE) else enclose_in(v, ctx)
            # an enclosure in real interval arithmetic proves v finite and real; else ask SymPy
            values[p] = (v, box) if box is not None or finite_real(v) else None
        return values[p]

    def value(p: sympy.Expr) -> sympy.Expr | None:
        e = entry(p)
        return None if e is None else e[0]

    tried = 0
    for i, pair in enumerate(candidates(prop, points, tuple(sympy.sympify(b, strict=True) for b in breakpoints))):
        if i < start:
            continue
        if i >= stop:
            break
        tried += 1
        first, second = pair
        used = (first + second, first, second) if prop == "additivity" else (first * second, second)
        entries = [e for e in map(entry, used) if e is not None]
        if len(entries) < len(used):
            continue
        boxes = [e[1] for e in entries]
        if all(b is not None for b in boxes):
            # the two sides agree to 32 bits: worth the exact path only if SymPy's automatic
            # evaluation cancels part of the difference (e.g. (2 + exp(-1000)) - 2)
            rough = (
                boxes[0] - boxes[1] - boxes[2] if prop == "additivity" else boxes[0] - enclose_in(first, ctx) * boxes[1]
            )
            if thin_around_zero(rough, 64) and not _cancels(function, var, prop, pair, value, ctx):
                continue
        ce = Counterexample.build(function, var, prop, pair, value)
        if ce is not None:
            return ce, tried
    return None, tried


_NOT_FINITE = (sympy.nan, sympy.zoo, sympy.oo, -sympy.oo, sympy.I)


def _cancels(
    function: sympy.Expr, var: sympy.Symbol, prop: str, pair: tuple[sympy.Expr, sympy.Expr], value, ctx
) -> bool:
    """Whether SymPy's exact difference of the two sides is no longer numerically 0 (cancellation helped)."""
    computed = sides(function, var, prop, pair, value)
    if computed is None:
        return False
    lhs, rhs, _ = computed
    diff = lhs - rhs
    if diff == 0:
        return False
    box = enclose_in(diff, ctx)
    return box is None or not thin_around_zero(box, 64)
