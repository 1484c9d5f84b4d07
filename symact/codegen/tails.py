"""Certified underflow tails: the leading term of ``g`` where its exponential is subnormal.

Far left, an activation such as ``x erf(log(1 + e**x))`` is about ``(2/sqrt(pi)) x e**x``:
below ``x = -708.4`` NumPy's ``e**x`` is subnormal, with few significant bits, and every
product and function of it inherits that error (``x erf(log1p(e**x))`` was 703 ULP off at
-742). Where the whole value is that small, the generated code computes instead the leading
term ``Q(x) e**x``, with ``e**x = 2**-m e**(x + m ln 2)`` so that no intermediate is
subnormal, and one rounding at the end (the product with the double ``2**-m``). That is an
approximation, used only with a proof:

* ``g`` is written as ``F(x, t)`` with ``t = e**x`` (every exponential ``exp(k x + b)``, ``k``
  an integer, becomes ``e**b t**k``), polynomial in ``x`` with coefficients ``G_j(t)``;
* SymPy proves ``G_j(0) = 0`` for every ``j``; ``c_j = G_j'(0)`` is exact and not all of them
  are 0, so ``Q(x) = sum_j c_j x**j`` is not 0;
* Taylor's theorem bounds ``|G_j(t) - c_j t| <= M_j t**2`` for ``0 <= t <= tau``, with
  ``M_j`` an enclosure of ``|G_j''|/2`` over ``[0, tau]`` (:mod:`symact.numeric.interval`);
* on ``-1024 <= x <= T`` (``T = -700``, ``tau = e**T``) the relative error of ``Q(x) t`` is
  then at most ``tau sum_j M_j 1024**j / min|Q|``, which must be ``<= 2**-60``, and ``Q``
  is evaluated without cancellation (``sum_j |c_j x**j| <= 4 |Q(x)|`` there).

Below -1024 the code already clamps (the value underflows to a signed 0). Nothing here is
typed in per activation: a tail is added where the generated function measurably misses the
correctly rounded truth on ``[-745, -700]``.

Examples:
    >>> import sympy
    >>> from symact import x
    >>> t = underflow_tail(x * sympy.erf(sympy.log(1 + sympy.exp(x))))
    >>> t.coeffs, t.bound < 2**-60
    ((1.1283791670955126, 0.0), True)
    >>> underflow_tail(x * sympy.exp(-sympy.exp(-x))) is None  # exp(-1/t): not analytic at t = 0
    True
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import mpmath
import numpy as np
import sympy

from symact.codegen import rewrite as rw
from symact.core import budget
from symact.definition.activation import x
from symact.numeric import interval

__all__ = ["Tail", "candidate", "misses", "tail_patch", "underflow_tail"]

#: The tail covers every double ``x`` with ``LOW <= x <= TOP`` (the code clamps below ``LOW``).
TOP, LOW = -700.0, -1024.0
#: ``e**x = 2**-M e**(x + M ln 2)``: for ``LOW <= x <= TOP`` the scaled exponent is in [-324, 0].
M = 1010
#: The proved relative error the leading term must reach.
TARGET = 2.0**-60
#: Where the generated function is measured before a tail is added, and the ULP it may miss by.
PROBES = (-700.5, -708.9, -715.25, -730.0, -742.0, -744.75)
SLACK_ULP = 2.0
#: Highest degree of ``x`` taken (the derivatives of the catalog's shapes have 1 or 2).
MAX_DEGREE = 4


@dataclass(frozen=True)
class Tail:
    """A certified underflow tail: ``g(x) = Q(x) e**x (1 + d)``, ``|d| <= bound``, on ``[LOW, TOP]``.

    Attributes:
        coeffs: ``Q``'s coefficients rounded to doubles, highest power first (its numerator's, when
            ``Q`` is a quotient of polynomials).
        exact: the exact coefficients, as SymPy expressions (same order).
        bound: the proved relative truncation error.
        denominator, exact_denominator: the same for ``Q``'s denominator (1 for a polynomial).
    """

    coeffs: tuple[float, ...]
    exact: tuple[sympy.Expr, ...]
    bound: float
    denominator: tuple[float, ...] = (1.0,)
    exact_denominator: tuple[sympy.Expr, ...] = (sympy.S.One,)


def _t_form(expr: sympy.Expr, t: sympy.Symbol) -> sympy.Expr | None:
    """``expr`` with every ``exp(k x + b)`` (``k`` an integer) as ``e**b t**k``; None if ``x``
    is left anywhere but in polynomial position (``Poly`` decides that)."""
    # a hyperbolic function of k x + b is one of exponentials; of anything else, a function of t
    hyperbolic = (sympy.tanh, sympy.sinh, sympy.cosh)
    e = expr.replace(
        lambda a: isinstance(a, hyperbolic) and a.has(x) and rw._affine(a.args[0]) is not None,
        lambda a: a.rewrite(sympy.exp),
    )
    e = rw.exp_powers(e, t)
    return None if e is None else sympy.together(e, deep=True)


def _coefficients(expr: sympy.Expr, t: sympy.Symbol) -> list[sympy.Expr] | None:
    """``[G_0, G_1, ...]`` with ``expr = sum_j G_j(t) x**j``, or None."""
    try:
        poly = sympy.Poly(expr, x)
    except sympy.PolynomialError:
        return None
    if poly.degree() > MAX_DEGREE or any(c.has(x) for c in poly.all_coeffs()):
        return None
    return list(reversed(poly.all_coeffs()))


def _value_at_zero(g: sympy.Expr, t: sympy.Symbol) -> sympy.Expr | None:
    v = g.subs(t, 0)
    if v.has(sympy.nan, sympy.zoo, sympy.oo, -sympy.oo) or v.free_symbols:
        return None
    v = sympy.simplify(v)
    return v if v.is_real else None


def _derive(expr: sympy.Expr) -> Tail | None:
    t = sympy.Dummy("t", positive=True)
    form = _t_form(expr, t)
    if form is None:
        return None
    gs = _coefficients(form, t)
    if gs is None:
        return _derive_rational(form, t)
    c: list[sympy.Expr] = []
    for g in gs:
        v0 = _value_at_zero(g, t)
        if v0 is None or v0.is_zero is not True:  # the value is not proved to vanish like t
            return None
        v1 = _value_at_zero(sympy.diff(g, t), t)
        if v1 is None:
            return None
        c.append(v1)
    if all(v.is_zero for v in c):
        return None  # the leading order is 2 or more: the value underflows to 0 (nothing to do)
    q = sum(cj * x**j for j, cj in enumerate(c))
    with mpmath.workprec(120):
        try:
            ms = [interval.enclose(sympy.diff(g, t, 2).subs(t, x) / 2, 0, sympy.exp(int(TOP))) for g in gs]
            qmin = _min_abs(q)
        except (interval.EnclosureError, ArithmeticError, ValueError, TypeError):
            return None
        if qmin is None or any(not (mpmath.isfinite(m.a) and mpmath.isfinite(m.b)) for m in ms):
            return None
        mmax = [max(abs(mpmath.mpf(m.a)), abs(mpmath.mpf(m.b))) for m in ms]
        bound = _tau() * sum(mj * 1024**j for j, mj in enumerate(mmax)) / qmin
    if not bound <= TARGET:
        return None
    coeffs = tuple(float(sympy.N(cj, 30)) for cj in reversed(c))
    return Tail(coeffs, tuple(reversed(c)), float(bound))


def _tau() -> mpmath.mpf:
    """An upper bound of ``t = e**x`` on the tail (``e**TOP``, with room for its rounding)."""
    return mpmath.exp(mpmath.mpf(TOP)) * mpmath.mpf("1.001")


def _upper(e: sympy.Expr) -> mpmath.mpf:
    """An upper bound of the constant ``|e|``."""
    return mpmath.mpf(interval.enclose(sympy.Abs(e)).b)


def _min_abs(p: sympy.Expr) -> mpmath.mpf | None:
    """A lower bound of ``|p(x)|`` on ``[LOW, TOP]`` if ``p`` keeps its sign there and is evaluated
    without cancellation (``sum |terms| <= 4 |p|``), else None."""
    poly = sympy.Poly(p, x)
    box = (sympy.Integer(int(LOW)), sympy.Integer(int(TOP)))
    v = interval.enclose(p, *box)
    terms = interval.enclose(sum(abs(c) * (-x) ** k for (k,), c in poly.terms()), *box)
    low = min(abs(mpmath.mpf(v.a)), abs(mpmath.mpf(v.b)))
    if v.a <= 0 <= v.b or low == 0 or mpmath.mpf(terms.b) > 4 * low:
        return None
    return low


def _derive_rational(form: sympy.Expr, t: sympy.Symbol) -> Tail | None:
    """The tail of ``F = N(x, t)/D(x, t)``, both polynomials in ``x`` and ``t`` with constant
    coefficients (``x/(x + e**-x) = x t/(x t + 1)``): ``N(x, 0) = 0``, so ``F = Q t + t**2 R`` with
    ``Q = N_1/D_0``; ``N D_0 - t N_1 D = t**2 P(x, t)`` bounds ``R`` by the sizes of ``P``'s and ``D``'s
    coefficients, and ``D_0`` and ``N_1`` are bounded away from 0 by interval enclosures."""
    num, den = sympy.fraction(form)
    try:
        n, d = sympy.Poly(num, x, t), sympy.Poly(den, x, t)
    except sympy.PolynomialError:
        return None
    if any(c.free_symbols for c in (*n.coeffs(), *d.coeffs())) or any(k == 0 for (_, k) in n.monoms()):
        return None  # symbols in the coefficients, or N(x, 0) != 0
    n1 = sum(c * x**i for (i, k), c in n.terms() if k == 1)
    d0 = sum(c * x**i for (i, k), c in d.terms() if k == 0)
    if n1 == 0 or d0 == 0 or max(n.degree(x), d.degree(x)) > MAX_DEGREE:
        return None
    rest = sympy.Poly(num * d0 - t * n1 * den, x, t)
    if any(k < 2 for (_, k) in rest.monoms()):
        return None  # not the expansion this bound assumes
    tau = _tau()
    with mpmath.workprec(120):
        try:
            n1_min, d0_min = _min_abs(n1), _min_abs(d0)
            if n1_min is None or d0_min is None:
                return None
            d0_max = sum(_upper(c) * 1024**i for (i,), c in sympy.Poly(d0, x).terms())
            p_size = sum(_upper(c) * 1024**i * tau ** (k - 2) for (i, k), c in rest.terms())
            d_tail = sum(_upper(c) * 1024**i * tau**k for (i, k), c in d.terms() if k >= 1)
        except (interval.EnclosureError, ArithmeticError, ValueError, TypeError):
            return None
        d_min = d0_min - d_tail
        if d_min <= 0:
            return None
        bound = tau * p_size * d0_max / (d_min * d0_min * n1_min)
    if not bound <= TARGET:
        return None
    top = [sympy.Poly(n1, x).coeff_monomial(x**k) for k in range(sympy.Poly(n1, x).degree(), -1, -1)]
    bottom = [sympy.Poly(d0, x).coeff_monomial(x**k) for k in range(sympy.Poly(d0, x).degree(), -1, -1)]
    return Tail(
        tuple(float(sympy.N(c, 30)) for c in top),
        tuple(top),
        float(bound),
        tuple(float(sympy.N(c, 30)) for c in bottom),
        tuple(bottom),
    )


def candidate(expr: sympy.Expr) -> bool:
    """Whether ``expr`` may have a tail at all (one formula, with an exponential): a cheap test."""
    switches = (sympy.Piecewise, sympy.Abs, sympy.Min, sympy.Max, sympy.Heaviside, sympy.sign)
    return not expr.has(*switches) and expr.has(sympy.exp, sympy.tanh, sympy.sinh, sympy.cosh)


def underflow_tail(expr: sympy.Expr, seconds: float = 10.0) -> Tail | None:
    """The certified underflow tail of ``expr``, or None (no such form, or no proof in time).

    ``expr`` is one analytic formula in ``x`` (no switch); see the module docstring.
    """
    if not candidate(expr):
        return None
    try:
        return budget.step(_derive, expr, seconds=seconds, what="an underflow tail", on_timeout=_none)
    except (NotImplementedError, TypeError, ValueError, AttributeError, ArithmeticError, RecursionError):
        return None
    except sympy.polys.polyerrors.BasePolynomialError:
        return None


def _none(*_: Any) -> None:
    return None


def misses(expr: sympy.Expr, fn: Callable[[Any], Any]) -> bool:
    """Whether ``fn`` misses the correctly rounded float64 truth of ``expr`` at :data:`PROBES` by
    more than :data:`SLACK_ULP` (ULP of the truth; subnormal spacing below the normal range)."""
    from symact.numeric.truth import truth

    xs = np.array(PROBES)
    try:
        want = truth(expr, xs)
    except ValueError:
        return False
    with np.errstate(all="ignore"):
        got = np.asarray(fn(xs), dtype=np.float64)
        near = np.abs(got - want) <= SLACK_ULP * np.spacing(np.abs(want))
    return bool(np.any(~((got == want) | near)))


def tail_patch(tail: Tail) -> str:
    """The ``np.where`` patch (condition, value) that applies ``tail`` (see the module docstring)."""
    with mpmath.workprec(200):
        big = M * mpmath.ln2
        hi = float(mpmath.nint(big * 2**43) / 2**43)  # a multiple of 2**-43: x + hi is exact
        lo = float(big - hi)
    xc = f"np.maximum(x_in, {LOW!r})"

    def horner(coeffs: tuple[float, ...]) -> str:
        out = repr(coeffs[0])
        for cf in coeffs[1:]:
            out = f"({out}*{xc} + {cf!r})" if cf != 0.0 else f"({out}*{xc})"
        return out

    q = horner(tail.coeffs)
    if tail.denominator != (1.0,):
        q = f"({q}/{horner(tail.denominator)})"
    # times the power of two 2**-M (a normal double): one correct rounding, into the subnormals too
    return f"x_in <= {TOP!r}, {q}*_exp_dd({xc} + {hi!r}, {lo!r})*{math.ldexp(1.0, -M)!r}"
