"""The general witness search: exact small rationals, points around breakpoints, signs.

No witness is written down per activation. Candidates are generated from the
function's own breakpoints (via :func:`symact.pieces.decompose`) and a fixed
list of simple rationals, in order of simplicity, and each one is *proved* (or
not) by :meth:`proofs.verdict.Counterexample.build`.

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

import sympy
from sympy import Rational

from proofs.verdict import Counterexample

__all__ = ["MAX_CANDIDATES", "QUICK", "candidates", "find_counterexample", "interesting_points"]

R = Rational

#: Simple rationals, simplest first.
SMALL: tuple[sympy.Rational, ...] = tuple(
    sympy.sympify(v)
    for v in (0, 1, -1, 2, -2, R(1, 2), R(-1, 2), 3, -3, R(3, 2), R(-3, 2), R(1, 3), R(-1, 3), 4, -4, R(5, 2), R(-5, 2),
              5, -5, R(1, 4), R(-1, 4), 6, -6, R(2, 3), R(-2, 3), 7, -7, 8, -8, 10, -10, R(1, 10), R(-1, 10))
)

#: Scale factors tried for homogeneity, most telling first.
SCALES: tuple[sympy.Rational, ...] = tuple(sympy.sympify(v) for v in (-1, 2, 0, R(1, 2), -2, 3, R(-1, 2), R(1, 3), 10, -10, R(1, 10)))

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


def interesting_points(breakpoints: Sequence[sympy.Expr] = (), extra: Iterable[sympy.Expr] = ()) -> list[sympy.Rational]:
    """Candidate arguments: simple rationals first, then rationals at and around the breakpoints.

    Examples:
        >>> interesting_points((6,))[:8]
        [0, 1, -1, 2, -2, 1/2, -1/2, 6]
    """
    ordered: list[sympy.Rational] = list(SMALL[:7])
    for b in (*breakpoints, *extra):
        b = sympy.sympify(b)
        if b.is_number and b.is_finite and b.is_real:
            ordered.extend(_rationals_near(b))
    ordered.extend(SMALL[7:])
    return list(dict.fromkeys(ordered))


def candidates(prop: str, points: Sequence[sympy.Rational], breakpoints: Sequence[sympy.Expr] = ()) -> Iterator[tuple[sympy.Rational, sympy.Rational]]:
    """Witness candidates for ``prop`` in order of simplicity (duplicates removed)."""
    seen: set[tuple[sympy.Rational, sympy.Rational]] = set()

    def fresh(pair: tuple[sympy.Expr, sympy.Expr]) -> bool:
        key = pair if prop == "homogeneity" else tuple(sorted(pair, key=lambda v: (abs(v), v)))  # type: ignore[assignment]
        if key in seen:
            return False
        seen.add(key)  # type: ignore[arg-type]
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
                        yield (b - s, sympy.sympify(s))
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
    tried = 0
    for i, pair in enumerate(candidates(prop, points, tuple(sympy.sympify(b) for b in breakpoints))):
        if i < start:
            continue
        if i >= stop:
            break
        tried += 1
        ce = Counterexample.build(function, var, prop, pair)
        if ce is not None:
            return ce, tried
    return None, tried
