"""Numeric cross-checks that can refute a symbolic answer before symact states it.

SymPy's ``limit`` is usually right, but not always: it says
``limit(erf(x) + erf((2*x + 1)/(exp(-2*x - 1) + 1)), x, oo) == 0`` although both
terms tend to 1 (found by the soundness harness). symact takes limits from SymPy
piece by piece, so a wrong limit would become a wrong claim. Before a limit is
stated, :func:`limit_disagreement` evaluates the expression with *rigorous*
interval arithmetic (:func:`symact.numeric.interval.enclose`) at three points ever
closer to the limit point (``10**4``, ``10**16``, ``10**64`` towards infinity;
offsets of ``10**-4``, ``10**-16``, ``10**-64`` times the room on that side of a
finite point) and refutes the claim when the certified distance to the claimed
limit does not shrink at all between successive points (or, for a claimed
``oo``/``-oo``, when the values do not grow in that direction).

This is a filter, not a proof: a true limit approached extremely slowly could
be refuted (the answer then becomes Unknown, which is honest), and a wrong
limit that the three points happen to approach is not caught. Where the
expression cannot be enclosed at the points, nothing is refuted.

Examples:
    >>> import sympy
    >>> from symact import x
    >>> f = sympy.erf(x) + sympy.erf((2*x + 1)/(sympy.exp(-2*x - 1) + 1))
    >>> print(limit_disagreement(f, sympy.oo, "-", sympy.Integer(0)))
    the values at x = 10**4, 10**16, 10**64 stay 2.0 away from 0
    >>> limit_disagreement(f, sympy.oo, "-", sympy.Integer(2)) is None
    True
    >>> limit_disagreement(1 / sympy.log(sympy.log(x)), sympy.oo, "-", sympy.Integer(0)) is None
    True
    >>> print(limit_disagreement(sympy.log(x), sympy.oo, "-", sympy.Integer(7)))
    the values at x = 10**4, 10**16, 10**64 move away from 7 (distances 2.2, 30.0, 1.4e+2)
"""

from __future__ import annotations

from typing import Any

import mpmath
import sympy
from sympy import oo

from symact.numeric.interval import EnclosureError, enclose

__all__ = ["limit_disagreement"]

#: Decimal exponents of the three probe points.
EXPONENTS = (4, 16, 64)
#: Relative tolerance below which a distance counts as "not shrinking".
SLACK = mpmath.mpf("1e-6")


def _points(point: sympy.Expr, side: str, room: sympy.Expr) -> list[sympy.Expr]:
    if point in (oo, -oo):
        sign = 1 if point == oo else -1
        return [sympy.Integer(sign) * sympy.Integer(10) ** k for k in EXPONENTS]
    sign = 1 if side == "+" else -1
    return [point + sign * room * sympy.Rational(1, 10**k) for k in EXPONENTS]


def _end(v: Any) -> mpmath.mpf:
    """An end of an ``iv.mpf`` as a plain ``mpf``."""
    return mpmath.mpf(v.a) if hasattr(v, "a") else mpmath.mpf(v)


def _fmt(v: Any) -> str:
    return mpmath.nstr(v, 2)


def limit_disagreement(
    expr: sympy.Expr, point: sympy.Expr, side: str, value: sympy.Expr, room: sympy.Expr = sympy.S.One
) -> str | None:
    """Why numeric evidence contradicts ``limit(expr, point, side) == value``, or None.

    Args:
        expr: a switching-free expression in :data:`symact.x` (one piece).
        point: ``oo``, ``-oo`` or a finite real.
        side: ``'+'`` (approach from the right) or ``'-'``; ignored at ``±oo``.
        value: the claimed limit (a finite number, ``oo`` or ``-oo``).
        room: for a finite point, how far from it the piece is known to hold on
            that side (the probes stay within it); at most 1 is used.
    """
    room = sympy.Min(room, 1)
    pts = _points(point, side, room)
    encl = []
    for k, t in zip(EXPONENTS, pts):
        try:
            encl.append(enclose(expr, t, t, prec=120 + 4 * k))
        except (EnclosureError, ArithmeticError, ValueError, TypeError, OverflowError):
            return None
    where = ", ".join(f"{'-' if t.is_negative and point in (oo, -oo) else ''}10**{k}" for k, t in zip(EXPONENTS, pts))
    where = (
        f"x = {where}"
        if point in (oo, -oo)
        else f"{len(pts)} points approaching {point} from the {'right' if side == '+' else 'left'}"
    )
    if value in (oo, -oo):
        s = 1 if value == oo else -1
        lows = [(_end(v.a) if s == 1 else -_end(v.b)) for v in encl]
        highs = [(_end(v.b) if s == 1 else -_end(v.a)) for v in encl]
        if any(not mpmath.isfinite(h) for h in highs):
            return None
        if all(highs[i + 1] <= lows[i] + SLACK * abs(lows[i]) for i in range(len(encl) - 1)):
            return f"the values at {where} do not grow towards {value} ({', '.join(_fmt(s * h) for h in highs)})"
        if highs[-1] < 0 and all(highs[i + 1] <= highs[i] for i in range(len(encl) - 1)):
            # the far values' own enclosures may be unbounded on the side f moves to (log(e^x + 1)
            # at 10**16): their bounds on the claimed side still fall, or stay, past 0 (an enclosure
            # of exp(x/atan(x)) at 10**16 and 10**64 has the same finite lower end)
            return f"the values at {where} move towards {-value} (bounds {', '.join(_fmt(s * h) for h in highs)})"
        return None
    try:
        target = enclose(sympy.sympify(value, strict=True), prec=200)
    except (EnclosureError, ArithmeticError, ValueError, TypeError):
        return None
    dist = [abs(v - target) for v in encl]  # interval of |f(t) - L|
    lo = [max(_end(d.a), 0) for d in dist]
    hi = [_end(d.b) for d in dist]
    if any(not mpmath.isfinite(h) for h in hi) or lo[-1] == 0:
        return None
    if all(lo[i + 1] >= hi[i] * (1 - SLACK) for i in range(len(encl) - 1)):
        if max(hi) <= min(lo) * (1 + mpmath.mpf("1e-3")):
            return f"the values at {where} stay {_fmt(lo[-1])} away from {value}"
        return f"the values at {where} move away from {value} (distances {', '.join(_fmt(v) for v in lo)})"
    return None
