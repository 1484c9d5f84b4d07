"""Certified Taylor regimes: polynomials that replace a formula near a zero where it cancels.

Near a zero ``r`` of order ``k`` of a function ``g`` (an activation or its
derivative), a formula whose terms cancel there (``x - tanh(x)`` at 0,
``Phi(x) + x phi(x)`` at -0.75) loses relative accuracy like ``1/|x - r|**k``.
There the generated code evaluates instead the Taylor polynomial ``P_N(t)``,
``t = x - a``, at a double ``a`` next to ``r``. A polynomial is an
approximation, not an equal rewrite, so it is used only with a proof:

* the coefficients ``g^(j)(a)/j!`` and the bounds come from Taylor-mode
  automatic differentiation of the *original* expression over
  :mod:`mpmath.iv` intervals (:func:`taylor`), whose zero-order values are the
  certified enclosures of :mod:`symact.numeric.interval`; evaluated over a box ``X``,
  the j-th result encloses ``g^(j)(xi)/j!`` for every ``xi`` in ``X``;
* the zero: a simple zero is bracketed by a certified sign change and is the
  only one in the regime because ``g'`` excludes 0 there; a zero of higher
  order must sit at an exact point where SymPy proves ``g^(j)(r) = 0`` for
  ``j < k``;
* the bound (:func:`certify`): ``|g(x)| >= m |x - r|**k`` with
  ``m = min |g^(k)|/k!`` over the regime, and ``|x - r| >= q |t|`` for every
  double ``x != a`` (``q`` from the bracket of ``r``). On a small box around
  ``a`` the Lagrange remainder ``max|g^(N+1)|/(N+1)! |t|**(N+1)`` bounds
  ``g - P_N``; on the other boxes a Taylor model of ``g - P_N`` (coefficients
  enclosed at the box centre, remainder over the box). :attr:`Regime.bound`,
  the largest ratio, must be ``<= 2**-60``. The stored coefficients are the
  exact ones rounded to double-double (a rounding of the evaluation, like
  every other one).

:func:`regimes` finds the zeros of ``g`` on ``[-16, 16]``, measures the error of
the direct NumPy function around each (against the correctly rounded mpmath
truth), and proposes the width where it exceeds three ULP; the regime is the
widest one that can be certified within a time budget, never wider than that
width, or none. Nothing here is typed in per activation.

Examples:
    >>> import sympy
    >>> from symact import x
    >>> reg = certify(x - sympy.tanh(x), 0.0, -0.25, 0.25, order=3)
    >>> reg.degree, reg.coeffs[:6], reg.bound < 2**-60
    (27, (0.0, 0.0, 0.0, 0.3333333333333333, 0.0, -0.13333333333333333), True)
    >>> certify(abs(x) - x**2, 0.0, -0.25, 0.25, order=1)
    Unknown('no Taylor arithmetic for Abs')
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import flint
import mpmath
import numpy as np
import sympy
from flint import arb, arb_series
from mpmath.libmp import from_man_exp, fzero, round_ceiling, round_floor

from symact.core import budget
from symact.core.unknown import Unknown
from symact.definition.activation import x
from symact.numeric import interval
from symact.numeric.arb import ball_ends

__all__ = ["Regime", "Zero", "certify", "find_zeros", "regimes", "taylor"]

#: The proved relative truncation error every regime must reach.
TARGET = 2.0**-60
#: Highest polynomial degree tried.
MAX_DEGREE = 48
#: Most order-0 pieces a side continuing a zero's regime (see :func:`_flanks`).
FLANKS = 3
#: Where zeros are looked for, and the grid step of the sign scan.
WINDOW = 16.0
_STEP = 1.0 / 64
_PREC = 128
_ZERO_MPI = (fzero, fzero)
#: What a SymPy step may raise when it cannot decide (an answer of "undecided", not an error).
_SYMPY_FAILURES = (
    NotImplementedError,
    TypeError,
    ValueError,
    AttributeError,
    ArithmeticError,
    RecursionError,
    sympy.polys.polyerrors.BasePolynomialError,
)


def _undecided(err: budget.BudgetExceeded) -> None:
    """A step that ran out of its own time decides nothing."""


class _Timeout(Exception):
    pass


@dataclass(frozen=True)
class Regime:
    """A certified Taylor regime of ``g`` around a zero.

    Attributes:
        lo, hi: the regime is every double ``x`` with ``lo <= x <= hi``.
        a: the expansion point (a double); ``t = x - a``.
        order: ``k``, the order of the zero of ``g`` at ``root``; 0 for a piece next to a
            zero's regime where ``|g|`` is bounded away from 0 (then ``root`` is ``a``).
        root: the zero, rounded to a double (exact when ``root_exact``).
        root_exact: whether the zero is exactly ``root`` (proved symbolically).
        degree: ``N``, the polynomial degree.
        coeffs, coeffs_lo: ``g^(j)(a)/j!`` for ``j = 0..N`` as double-double ``hi + lo``.
        bound: proved: ``|g(x) - P_N(x - a)| <= bound * |g(x)|`` for every double in the regime
            (``P_N`` with the exact coefficients).
    """

    lo: float
    hi: float
    a: float
    order: int
    root: float
    root_exact: bool
    degree: int
    coeffs: tuple[float, ...]
    coeffs_lo: tuple[float, ...]
    bound: float


@dataclass(frozen=True)
class Zero:
    """A zero of ``g``: in ``[lo, hi]`` (equal ends when exact), of order ``order``."""

    lo: mpmath.mpf
    hi: mpmath.mpf
    order: int
    exact: bool


# ---------------------------------------------------------------------------------------
# Taylor-mode arithmetic over balls
# ---------------------------------------------------------------------------------------
def _zero() -> Any:
    return interval.to_iv(0)


def _is_zero(v: Any) -> bool:
    return bool(v._mpi_ == _ZERO_MPI)


def _exact(end: tuple) -> Any:
    """The exact ball of a finite mpmath value (a raw ``_mpf_`` tuple)."""
    sign, man, exp, _ = end
    if not man and end != fzero:
        raise interval.EnclosureError("an unbounded box or constant has no Taylor series")
    return arb((flint.fmpz(-int(man) if sign else int(man)), flint.fmpz(int(exp))))


def _ball(v: Any) -> Any:
    """The ball of an iv interval: it holds the interval (the union of its exact ends)."""
    lo, hi = v._mpi_
    return _exact(lo) if lo == hi else _exact(lo).union(_exact(hi))


def _c0(u: Any) -> Any:
    """The value (order-0 coefficient) of a series."""
    cs = u.coeffs()
    return cs[0] if cs else arb(0)


def _iv(ball: Any) -> Any:
    """The interval of a ball, ends rounded outward to the active interval precision."""
    ends = ball_ends(ball)
    if ends is None:
        raise interval.EnclosureError("a Taylor coefficient is not finite: the formula may be undefined on the box")
    (m1, e1), (m2, e2) = ends
    prec = interval.current().prec
    return interval.current().make_mpf(
        (from_man_exp(m1, e1, prec, round_floor), from_man_exp(m2, e2, prec, round_ceiling))
    )


class _Taylor:
    """The truncated Taylor series (an ``arb_series`` of length n) of each node over a box (memoised).

    arb's series arithmetic is rigorous on balls: with the box as the ball ``X`` and the
    series ``X + t``, coefficient ``j`` of a node encloses ``g^(j)(xi)/j!`` for every ``xi``
    in ``X``. A coefficient that is not finite (a logarithm or a quotient over a ball that
    may hold 0) makes the node an :class:`~symact.numeric.interval.EnclosureError`.
    """

    def __init__(self, n: int, box: Any, deadline: float) -> None:
        self.n = n
        self.box = box
        self.deadline = deadline
        self.memo: dict[sympy.Expr, Any] = {}

    def __call__(self, e: sympy.Expr) -> Any:
        if e not in self.memo:
            if budget.clock() > self.deadline:
                raise _Timeout
            got = self._eval(e)
            if not all(c.is_finite() for c in got.coeffs()):
                raise interval.EnclosureError(f"{e} may be undefined on the box (its series is not finite)")
            self.memo[e] = got
        return self.memo[e]

    def series(self, coeffs: list[Any]) -> Any:
        return arb_series(coeffs, prec=self.n)

    def _eval(self, e: sympy.Expr) -> Any:  # one dispatch table
        if e == x:
            return self.series([_ball(self.box), 1])
        if not e.has(x):
            return self.series([_ball(interval.compile_enclosure(e)(self.box))])
        if isinstance(e, sympy.Add):
            parts = [self(a) for a in e.args]
            return sum(parts[1:], parts[0])
        if isinstance(e, sympy.Mul):
            acc = self(e.args[0])
            for a in e.args[1:]:
                acc = acc * self(a)
            return acc
        if isinstance(e, sympy.Pow):
            return self._pow(e)
        if len(e.args) != 1:
            raise interval.EnclosureError(f"no Taylor arithmetic for {e.func.__name__}")
        u = self(e.args[0])
        f = e.func
        if f is sympy.log:
            return self._log(u)
        if f is sympy.tanh:
            return self._tanh(u)
        if f in (sympy.sinh, sympy.cosh):
            ep, em = u.exp(), (-u).exp()
            return (ep - em) / 2 if f is sympy.sinh else (ep + em) / 2
        method = _SERIES_METHODS.get(f)
        if method is None:
            raise interval.EnclosureError(f"no Taylor arithmetic for {f.__name__}")
        return getattr(u, method)()

    def _coeffs(self, u: Any) -> list[Any]:
        cs = u.coeffs()
        return cs + [arb(0)] * (self.n - len(cs))

    def _tanh(self, u: Any) -> Any:
        """tanh by its differential equation ``t' = (1 - t**2) u'``: coefficient recurrences,
        which enclose tighter over a box than ``1 - 2/(exp(2u) + 1)``."""
        uc = self._coeffs(u)
        t = [uc[0].tanh()]
        s: list[Any] = []
        for k in range(1, self.n):
            m = len(s)  # 1 - t**2, coefficient k - 1, from t[0..k-1]
            v = -sum((t[j] * t[m - j] for j in range(1, m + 1)), t[0] * t[m])
            s.append(v + 1 if m == 0 else v)
            t.append(sum((j * uc[j] * s[k - j] for j in range(1, k + 1) if not uc[j].is_zero()), arb(0)) / k)
        return self.series(t)

    def _log(self, u: Any) -> Any:
        if not _c0(u) > 0:
            raise interval.EnclosureError("the logarithm of a series whose value may be <= 0")
        return u.log()

    def _pow(self, e: sympy.Pow) -> Any:
        b, p = e.args
        if p.has(x):
            return self(p * sympy.log(b)).exp()
        u = self(b)
        if p.is_Integer:
            k = int(p)
            if k < 0:
                if _c0(u).contains(0):
                    raise interval.EnclosureError("division by a series whose value may be 0")
                return (u ** (-k)).inv()
            return u**k
        if not p.is_Rational:
            raise interval.EnclosureError(f"no Taylor arithmetic for the power {p}")
        if not _c0(u) > 0:
            raise interval.EnclosureError("a real power of a series whose value may be <= 0")
        # out = u**p by (u**p)' u = p u' u**p: coefficient recurrences (tighter over a box
        # than arb's sqrt_series or exp(p log u))
        uc = self._coeffs(u)
        alpha = arb(flint.fmpq(int(p.p), int(p.q)))
        out = [uc[0] ** alpha]
        inv = 1 / uc[0]
        for k in range(1, self.n):
            terms = ((alpha * j - (k - j)) * uc[j] * out[k - j] for j in range(1, k + 1) if not uc[j].is_zero())
            out.append(inv * sum(terms, arb(0)) / k)
        return self.series(out)


#: The SymPy functions whose series arb computes itself (the rest are built from exp and log).
_SERIES_METHODS = {
    sympy.exp: "exp",
    sympy.sin: "sin",
    sympy.cos: "cos",
    sympy.atan: "atan",
    sympy.erf: "erf",
    sympy.erfc: "erfc",
}


def taylor(expr: sympy.Expr, lo: Any, hi: Any, n: int, prec: int = _PREC, seconds: float = 10.0) -> list[Any]:
    """Interval enclosures of ``g^(j)(xi)/j!`` for every ``xi`` in ``[lo, hi]``, ``j = 0..n-1``.

    Computed with arb's rigorous series arithmetic on the ball of the box, at ``prec`` bits,
    and returned as :mod:`mpmath.iv` intervals at that precision (ends rounded outward). Over a
    box that is wide next to its distance from 0, midpoint-radius arithmetic encloses less tightly
    than inf-sup intervals (``1 + x**4`` on ``[0.5, 1.5]`` may hold 0): :func:`certify` only asks
    for boxes at most a third wide, where the two engines gave the catalog the same regimes.
    Raises :class:`symact.numeric.interval.EnclosureError` where the expression is not
    supported or may be undefined on the box, and ``TimeoutError`` past ``seconds``.

    Examples:
        >>> import sympy
        >>> from symact import x
        >>> [float(c.mid) for c in taylor(sympy.exp(2 * x), 0, 0, 4)]
        [1.0, 2.0, 2.0, 1.3333333333333333]
        >>> c = taylor(sympy.sin(x), 0, 1, 2)[1]   # cos over [0, 1]
        >>> bool(c.a <= math.cos(1) and c.b >= 1)
        True
    """
    cap = flint.ctx.cap  # the length of arb's series results: a setting of python-flint's context
    with interval.precision(prec), flint.ctx.workprec(prec):
        box = interval.box(lo, hi)
        ad = _Taylor(n, box, budget.clock() + seconds)
        try:
            flint.ctx.cap = n
            coeffs = ad(sympy.sympify(expr, strict=True)).coeffs()
        except _Timeout:
            raise TimeoutError(f"Taylor arithmetic exceeded {seconds} s") from None
        except (ZeroDivisionError, ValueError) as exc:
            raise interval.EnclosureError(str(exc)) from None
        finally:
            flint.ctx.cap = cap
        return [_iv(c) for c in coeffs] + [_zero() for _ in range(n - len(coeffs))]


# ---------------------------------------------------------------------------------------
# Certificates
# ---------------------------------------------------------------------------------------
def _split_dd(c: Any) -> tuple[float, float]:
    from symact.numeric.rounding import round_to

    with mpmath.workprec(_PREC * 2):
        m = mpmath.mpf(c.mid)
        hi = round_to(m)
        return hi, round_to(m - hi)


def _upper_abs(v: Any) -> mpmath.mpf:
    return max(abs(mpmath.mpf(v.a)), abs(mpmath.mpf(v.b)))


def _lower_abs(v: Any) -> mpmath.mpf:
    a, b = mpmath.mpf(v.a), mpmath.mpf(v.b)
    return mpmath.mpf(0) if a <= 0 <= b else min(abs(a), abs(b))


def _shift(p: list[Any], d: Any, n: int) -> list[Any]:
    """Coefficients 0..n-1 of ``P(d + s)`` in powers of ``s`` (interval arithmetic; repeated synthetic division)."""
    c = list(p)
    for i in range(n):
        for j in range(len(c) - 2, i - 1, -1):
            c[j] = c[j] + d * c[j + 1]
    return c[:n]


def certify(
    expr: sympy.Expr,
    a: float,
    lo: float,
    hi: float,
    order: int,
    root: tuple[Any, Any] | None = None,
    *,
    boxes: int = 24,
    model: int = 12,
    seconds: float = 20.0,
) -> Regime | Unknown:
    """Prove a Taylor regime of ``expr`` at ``a`` on the doubles of ``[lo, hi]``, or say why not.

    The regime is cut into ``2 * boxes`` boxes of width ``w``. On the box of
    half-width ``w`` around ``a`` (which holds the zero) the Lagrange remainder
    bounds the error: ``|R| <= max|c_(N+1)| |t|**(N+1)`` with the coefficient
    enclosed over that box; relative to ``|g(x)| >= m (q |t|)**k`` it is
    ``max|c_(N+1)| w**(N+1-k) / (m q**k)``. On each other box ``B`` (centre ``b``,
    radius ``s``), ``g - P_N`` is a Taylor model: the exact difference of the
    coefficients of ``g`` (at ``b``, enclosed at high precision) and of ``P_N``
    (shifted to ``b``) up to order ``model``, plus ``max_B |c_(model+1)| s**(model+1)``
    and the tail of ``P_N``; relative to ``m dist(B, r)**k``. High-order
    coefficients are only ever enclosed over small boxes, where interval
    arithmetic overestimates them least.

    Args:
        expr: the smooth formula ``g`` valid on ``[lo, hi]`` (no switching functions).
        a: the expansion point, a double in ``[lo, hi]``.
        order: the order ``k`` of the zero of ``g``; 0 for a piece without a zero
            (then the proof includes ``|g| >= m > 0`` on it).
        root: an interval ``(r_lo, r_hi)`` known to contain the zero; ``None`` means
            the zero is exactly ``a`` (then ``g^(j)(a) = 0`` for ``j < k`` must hold:
            it is checked, the enclosures of those coefficients must be exactly 0).
        boxes: boxes per side.
        model: the order of the Taylor models on the outer boxes.
        seconds: the time budget.

    Returns:
        a :class:`Regime` whose :attr:`~Regime.bound` is ``<= 2**-60``, or an
        :class:`~symact.core.unknown.Unknown` with the reason.

    Examples:
        >>> import sympy
        >>> from symact import x
        >>> reg = certify(sympy.exp(x) - 1, 0.0, -0.5, 0.5, order=1)
        >>> reg.degree, reg.coeffs[:3], reg.order, reg.bound < 2**-60
        (17, (0.0, 1.0, 0.5), 1, True)
        >>> certify(sympy.tanh(x) - x, 0.0, -2.0, 2.0, order=3)   # past the poles at +-i pi/2
        Unknown('no degree <= 48 reaches 2**-60 on [-2.0, 2.0]')
    """
    if not (lo <= a <= hi) or order < 0:
        raise ValueError(f"need lo <= a <= hi and order >= 0, got {lo}, {a}, {hi}, {order}")
    deadline = budget.clock() + seconds

    def left() -> float:
        return max(deadline - budget.clock(), 1e-3)

    try:
        with interval.precision(_PREC):
            A = mpmath.mpf(a)
            pt = taylor(expr, a, a, MAX_DEGREE + 3, _PREC * 2, left())
            if root is None:
                if any(not _is_zero(pt[j]) for j in range(order)):
                    # an enclosure around 0 (log(1 + e**x) - log(2) at 0 is log 2 - log 2 in intervals):
                    # the coefficients are exactly 0 when SymPy proves g^(j)(a) = 0 for j < k
                    if (
                        any(not interval.contains_zero(pt[j]) for j in range(order))
                        or _exact_order(expr, sympy.Rational(a), order) != order
                    ):
                        return Unknown(f"g^(j)({a}) = 0 for j < {order} is not proved")
                    pt = [_zero() if j < order else c for j, c in enumerate(pt)]
                r_lo = r_hi = A
                q = mpmath.mpf(1)
            else:
                r_lo, r_hi = mpmath.mpf(root[0]), mpmath.mpf(root[1])
                err = max(abs(r_lo - A), abs(r_hi - A))
                gap = min(a - float(np.nextafter(a, -np.inf)), float(np.nextafter(a, np.inf)) - a)
                if not (lo < r_lo and r_hi < hi) or err >= gap / 2:
                    return Unknown("the zero is not pinned next to the expansion point")
                q = 1 - err / gap
            delta = max(mpmath.mpf(hi) - A, A - mpmath.mpf(lo))
            w = delta / boxes
            inner = (max(mpmath.mpf(lo), A - w), min(mpmath.mpf(hi), A + w))
            if not (inner[0] <= r_lo and r_hi <= inner[1]):
                return Unknown("the zero is not inside the inner box")
            k0 = _lower_abs(pt[order])
            if k0 == 0:
                return Unknown(f"g^({order})({a}) may be 0: the zero may have a higher order")
            start = next(
                (
                    d
                    for d in range(order, MAX_DEGREE + 1)
                    if max(_upper_abs(pt[d + 1]), _upper_abs(pt[d + 2])) * delta ** (d + 1 - order) <= k0 * TARGET / 64
                ),
                None,
            )
            if start is None:  # the coefficients at a already say no
                return Unknown(f"no degree <= {MAX_DEGREE} reaches 2**-60 on [{lo}, {hi}]")
            spans = [inner]
            for side in (-1, 1):
                e0 = inner[0] if side < 0 else inner[1]
                end = mpmath.mpf(lo) if side < 0 else mpmath.mpf(hi)
                while (e0 - end) * side < 0:
                    e1 = e0 + side * w
                    e1 = end if (e1 - end) * side > -w / 2 else e1
                    spans.append((min(e0, e1), max(e0, e1)))
                    e0 = e1
            # the order-k coefficient must stay away from 0 on the whole regime (cheap: low order)
            m = mpmath.inf
            for b0, b1 in spans:
                m = min(m, _lower_abs(taylor(expr, b0, b1, order + 1, _PREC, left())[order]))
                if m == 0:
                    return Unknown(f"g^({order}) may vanish on [{lo}, {hi}]")
            # outer boxes: crude remainder enclosure and high-precision model at the centre
            outer = []
            for b0, b1 in spans[1:]:
                crude = taylor(expr, b0, b1, model + 2, _PREC, left())
                b = (b0 + b1) / 2
                cb = taylor(expr, b, b, model + 1, _PREC * 2, left())
                dist = min(abs(b0 - r_hi), abs(b0 - r_lo), abs(b1 - r_hi), abs(b1 - r_lo))
                outer.append((b - A, (b1 - b0) / 2, cb, _upper_abs(crude[model + 1]), dist))
            for deg in sorted({start, min(start + 4, MAX_DEGREE), min(start + 10, MAX_DEGREE)}):
                c_in = taylor(expr, inner[0], inner[1], deg + 2, _PREC, left())[deg + 1]
                bound = _upper_abs(c_in) * w ** (deg + 1 - order) / (m * q**order)
                for d, rad, cb, rem, dist in outer:
                    if bound > TARGET:
                        break
                    pb = _shift(pt[: deg + 1], interval.to_iv(d), deg + 1)
                    err = sum(
                        (
                            _upper_abs(cb[j] - pb[j]) * rad**j if j <= model else _upper_abs(pb[j]) * rad**j
                            for j in range(deg + 1)
                        ),
                        mpmath.mpf(0),
                    )
                    err += sum((_upper_abs(cb[j]) * rad**j for j in range(deg + 1, model + 1)), mpmath.mpf(0))
                    err += rem * rad ** (model + 1)
                    bound = max(bound, err / (m * dist**order))
                if bound <= TARGET:
                    pairs = [_split_dd(c) for c in pt[: deg + 1]]
                    r_mid = float((r_lo + r_hi) / 2)
                    return Regime(
                        float(lo),
                        float(hi),
                        float(a),
                        order,
                        r_mid,
                        root is None and order > 0,
                        deg,
                        tuple(p[0] for p in pairs),
                        tuple(p[1] for p in pairs),
                        float(bound),
                    )
            return Unknown(f"no degree <= {MAX_DEGREE} reaches 2**-60 on [{lo}, {hi}]")
    except interval.EnclosureError as exc:
        return Unknown(str(exc))
    except budget.BudgetExceeded:
        raise  # an enclosing budget ran out: not this step's own timeout
    except TimeoutError:
        return Unknown(f"certificate exceeded {seconds} s")


# ---------------------------------------------------------------------------------------
# Finding the zeros
# ---------------------------------------------------------------------------------------
def _order_of_zero(expr: sympy.Expr, c: sympy.Expr, kmax: int) -> int | None:
    d = expr
    for k in range(kmax + 1):
        v = sympy.simplify(d.subs(x, c))
        if v.has(sympy.nan, sympy.zoo, sympy.oo, -sympy.oo) or not v.is_number:
            return None
        if v != 0:
            return k or None
        d = sympy.diff(d, x)
    return None


def _exact_order(expr: sympy.Expr, c: sympy.Expr, kmax: int = 6) -> int | None:
    """The order of the zero of ``expr`` at the exact point ``c`` (None: not a zero or undecided)."""
    try:  # undecided is an answer here (no regime); a spent enclosing budget still ends the call
        return budget.step(_order_of_zero, expr, c, kmax, seconds=5.0, what="order of a zero", on_timeout=_undecided)
    except _SYMPY_FAILURES:
        return None


def _sign(f: Callable[[Any], Any], t: mpmath.mpf, prec: int = _PREC * 2) -> int | None:
    try:
        with interval.precision(prec):
            v = f(interval.make_interval(t, t))
    except (interval.EnclosureError, ZeroDivisionError, ValueError):
        return None
    if v.a > 0:
        return 1
    if v.b < 0:
        return -1
    return None


def find_zeros(expr: sympy.Expr, lo: float, hi: float) -> list[Zero]:
    """Zeros of the smooth formula ``expr`` in ``(lo, hi)`` found by a sign scan.

    Sign changes between neighbouring grid points (step 1/64) are refined by
    bisection with certified signs to a bracket far narrower than a double's
    spacing (and dropped if ``expr`` is unbounded there: a pole); a grid point
    where SymPy proves ``expr`` exactly 0 becomes an exact zero with its order.
    Zeros closer together than the grid step, and zeros without a sign change
    away from the grid, are missed (then no regime is made: nothing is claimed).

    Examples:
        >>> import sympy
        >>> from symact import x
        >>> zs = find_zeros(x + sympy.exp(x) + 1, -4, 4)
        >>> [(float(z.lo), z.order, z.exact) for z in zs]
        [(-1.2784645427610737, 1, False)]
        >>> [(float(z.lo), z.order) for z in find_zeros(x - sympy.tanh(x), -1, 1)]
        [(0.0, 3)]
    """
    from symact.numeric.truth import compile_mp

    f_mp = compile_mp(expr)
    f_iv = interval.compile_enclosure(expr)
    start, stop = math.ceil(lo / _STEP), math.floor(hi / _STEP)
    vals: list[tuple[float, int | None]] = []
    with mpmath.workprec(80):
        for i in range(start, stop + 1):
            t = i * _STEP
            try:
                v = f_mp(mpmath.mpf(t))
                s = None if not mpmath.isfinite(v) else (0 if v == 0 else (1 if v > 0 else -1))
            except (ValueError, ZeroDivisionError, ArithmeticError):
                s = None
            vals.append((t, s))
    out: list[Zero] = []
    # a zero of any order at a grid point: decided exactly by SymPy, where certified
    # 256- and 1024-bit enclosures do not already exclude 0 (an exact 0 at 80 bits can be an
    # underflow, e.g. 1 + tanh(-16), and so can one at 256 bits); at most 4 such points
    candidates = [
        t for t, s in vals if s == 0 and _sign(f_iv, mpmath.mpf(t)) is None and _sign(f_iv, mpmath.mpf(t), 1024) is None
    ]
    for t in candidates[:4]:
        k = _exact_order(expr, sympy.Rational(t))
        if k:
            out.append(Zero(mpmath.mpf(t), mpmath.mpf(t), k, True))
    nonzero = [(t, s) for t, s in vals if s]
    for (t0, s0), (t1, s1) in itertools.pairwise(nonzero):
        exact_between = any(z.exact and t0 <= z.lo <= t1 for z in out)
        if s0 == s1 or t1 - t0 > _STEP or exact_between:
            continue
        p, q = mpmath.mpf(t0), mpmath.mpf(t1)
        sp, sq = _sign(f_iv, p), _sign(f_iv, q)
        if sp is None or sq is None or sp == sq:
            continue
        with mpmath.workprec(_PREC * 2):
            for _ in range(200):
                if q - p < mpmath.ldexp(max(abs(p), mpmath.mpf(2) ** -900), -80):
                    break
                mid = (p + q) / 2
                sm = _sign(f_iv, mid)
                if sm is None:
                    break
                p, q = (mid, q) if sm == sp else (p, mid)
            try:  # g is bounded on the bracket: a zero, not a pole
                interval.enclose_raw(f_iv, p, q)
            except (interval.EnclosureError, ZeroDivisionError, ValueError):
                continue
        out.append(Zero(p, q, 1, False))
    return out


# ---------------------------------------------------------------------------------------
# Regimes for a generated function
# ---------------------------------------------------------------------------------------
def _direct_error(expr: sympy.Expr, fn: Callable[[Any], Any], xs: np.ndarray) -> np.ndarray:
    from symact.numeric.rounding import ulp_error
    from symact.numeric.truth import truth

    with np.errstate(all="ignore"):
        got = np.asarray(fn(xs), dtype=np.float64)
    err, wrong = ulp_error(got, truth(expr, xs))
    return np.where(wrong, np.inf, err)


def needed_width(expr: sympy.Expr, fn: Callable[[Any], Any], a: float, wmax: float, ulps: float = 3.0) -> float:
    """The half-width around ``a`` beyond which ``fn`` measured within ``ulps`` of the truth (float64).

    Bands ``2**-(j+1) wmax <= |x - a| <= 2**-j wmax`` are sampled (48 points a
    side, 16 past the tenth band, down to ``2**-30 wmax``; deterministic). The
    answer is 1.5 times the outer edge of the outermost band that measured worse
    than ``ulps`` (at most ``wmax``), or 0 if none did, or if the error does not
    grow towards ``a`` to more than ``8 * ulps`` (a formula that is merely a few
    ULP off, such as one on an inaccurate ``erfc``, is not a cancellation there).
    """
    rng = np.random.default_rng(7)
    width, worst = 0.0, 0.0
    for j in range(31):
        outer = wmax * 2.0**-j
        if outer < abs(a) * 2.0**-50 + 2.0**-1000:
            break
        ts = rng.uniform(outer / 2, outer, 48 if j <= 10 else 16)
        err = float(np.max(_direct_error(expr, fn, np.concatenate([a + ts, a - ts]))))
        worst = max(worst, err)
        if err > ulps and not width:
            width = min(1.5 * outer, wmax)
    return width if worst > 8 * ulps else 0.0


def _reach(expr: sympy.Expr, a: float, order: int) -> float:
    """A guess of the widest regime the certificate can reach: from the decay of the coefficients at ``a``.

    The bound needs ``|c_(N+1)| d**(N+1-k) <~ 2**-60 |c_k|`` at ``N = MAX_DEGREE`` (a
    safety factor 1/64 for the overestimation on boxes); only a starting point
    for the search, never part of a proof.
    """
    try:
        cs = [abs(mpmath.mpf(c.mid)) for c in taylor(expr, a, a, MAX_DEGREE + 2, _PREC, 10.0)]
    except budget.BudgetExceeded:
        raise  # an enclosing budget ran out: not this step's own timeout
    except (interval.EnclosureError, TimeoutError):
        return math.inf
    ck, top = cs[order], max(cs[-1], cs[-2], mpmath.mpf(2) ** -2000)
    if ck == 0:
        return math.inf
    return float((ck * TARGET / 64 / top) ** (mpmath.mpf(1) / (MAX_DEGREE + 1 - order)))


def _eval_fails(expr: sympy.Expr, c: sympy.Expr) -> bool:
    """Whether the formula cannot be evaluated at ``c`` (0/0, division by zero)."""
    v = expr.subs(x, c)
    return bool(v.has(sympy.nan, sympy.zoo, sympy.oo, -sympy.oo) or v is sympy.nan)


def _round_to(v: Any) -> float:
    from symact.numeric.rounding import round_to  # codegen imports this module: a late import

    return round_to(v)


def _well_conditioned(reg: Regime, nd: int = 3) -> bool:
    """Whether the terms from ``t**nd`` on (summed in double by the generated code) stay below
    a quarter of the polynomial's value on the regime (sampled at 65 points): their rounding
    then costs a fraction of an ULP. Order-0 pieces only."""
    ts = np.linspace(reg.lo, reg.hi, 65) - reg.a
    cs = np.array(reg.coeffs)
    powers = ts[:, None] ** np.arange(len(cs))
    value = np.abs(powers @ cs)
    tail = np.abs(powers[:, nd:]) @ np.abs(cs[nd:])
    return bool(np.all(tail <= value / 4))


def _flanks(expr: sympy.Expr, reg: Regime, lo: float, hi: float, deadline: float) -> list[Regime]:
    """Regimes of order 0 (no zero: ``|g| >= m > 0``) continuing ``reg`` up to ``[lo, hi]``.

    Where the series at the zero converges too slowly to cover the width the
    direct formula needs (``x - tanh(x)``: poles at ``+-i pi/2``), pieces expanded
    at their own centres take over, each certified like the first; at most 3 a side.
    """
    out: list[Regime] = []
    for side in (-1, 1):
        edge, end = (reg.hi, hi) if side > 0 else (reg.lo, lo)
        for _ in range(FLANKS):
            length = (end - edge) * side
            if length <= abs(edge) * 2.0**-40 or budget.clock() > deadline:
                break
            for frac in (1.0, 0.5, 0.25):
                far = edge + side * length * frac
                b = _round_to((edge + far) / 2)
                got = certify(expr, b, min(edge, far), max(edge, far), 0, seconds=max(deadline - budget.clock(), 0.1))
                if isinstance(got, Regime) and _well_conditioned(got):
                    out.append(got)
                    edge = far
                    break
            else:
                break
    return out


def _removable(expr: sympy.Expr, c: sympy.Expr) -> tuple[sympy.Expr, int] | None:
    """``(h, m)`` with ``expr = h / (x - c)**m`` and ``h`` free of the division by zero at ``c``
    (``cos(x)/x - sin(x)/x**2 = (x cos(x) - sin(x)) / x**2``), or None; SymPy, budgeted."""

    try:  # undecided: no regime; a spent enclosing budget still ends the call
        return budget.step(_split_removable, expr, c, seconds=5.0, what="removable singularity", on_timeout=_undecided)
    except _SYMPY_FAILURES:
        return None


def _split_removable(expr: sympy.Expr, c: sympy.Expr) -> tuple[sympy.Expr, int] | None:
    num, den = sympy.fraction(sympy.together(expr))
    m = 0
    while m < 6 and sympy.simplify(den.subs(x, c)) == 0:
        den = sympy.cancel(den / (x - c))
        m += 1
    if m == 0 or not den.has(x) and den == 0:
        return None
    return sympy.cancel(num / den) if not den.has(x) else num / den, m


def _at_removable(
    expr: sympy.Expr, fn: Callable[[Any], Any], raw: sympy.Expr, c: sympy.Expr, plo: float, phi: float, deadline: float
) -> list[Regime]:
    """A regime at a zero ``c`` where the formula is 0/0 (the point's own value 0 is its limit).

    With ``raw = h / (x - c)**m`` (:func:`_removable`), ``h`` has a zero of order
    ``k + m`` at ``c`` and its Taylor polynomial is ``t**m P(t)``: certifying
    ``h`` proves the same relative bound for ``P`` and ``raw``.
    """
    split = _removable(raw, c)
    if split is None:
        return []
    h, m = split
    kh = _exact_order(h, c)
    if not kh or kh <= m:
        return []
    a = float(c)
    room = min(a - plo, phi - a) * 0.999
    width = needed_width(expr, fn, a, min(room, 4.0))
    if width == 0.0:
        return []
    d = min(width, _reach(h, a, kh))
    while d >= width / 64 and budget.clock() < deadline:
        reg = certify(
            h,
            a,
            float(np.nextafter(a - d, a)),
            float(np.nextafter(a + d, a)),
            kh,
            seconds=max(deadline - budget.clock(), 0.1),
        )
        if isinstance(reg, Regime):
            reg = dataclasses.replace(
                reg, order=kh - m, degree=reg.degree - m, coeffs=reg.coeffs[m:], coeffs_lo=reg.coeffs_lo[m:]
            )
            return [reg, *_flanks(raw, reg, a - width, a + width, deadline)]
        d *= 0.75
    return []


def regimes(expr: sympy.Expr, fn: Callable[[Any], Any], seconds: float = 60.0) -> tuple[Regime, ...]:
    """The certified regimes that the generated function ``fn`` of ``expr`` needs.

    For each zero of ``expr`` on ``[-16, 16]`` (per smooth piece) where ``fn``
    measurably loses accuracy, the regime is the widest certified one not wider
    than :func:`needed_width` (tried shrinking by 0.75 down to 1/64 of it).

    Examples:
        >>> import symact
        >>> from symact.codegen.numpy import derivative_expr, to_numpy
        >>> regimes(symact.get("softplus").expr, to_numpy(symact.get("softplus")))
        ()
    """
    from symact.codegen import rewrite as rw

    deadline = budget.clock() + seconds
    out: list[Regime] = []
    pieces = rw.stabilize(expr).pieces
    for p in pieces:
        if p.is_point or not p.raw.has(x):
            continue
        plo = -WINDOW if p.lo == -sympy.oo else max(float(p.lo), -WINDOW)
        phi = WINDOW if p.hi == sympy.oo else min(float(p.hi), WINDOW)
        if plo >= phi:
            continue
        zeros = find_zeros(p.raw, plo, phi)
        for c in (q.lo for q in pieces if q.is_point and q.expr == 0 and plo < q.lo < phi):
            if c.is_Rational and Fraction(_round_to(c)) == Fraction(int(c.p), int(c.q)) and _eval_fails(p.raw, c):
                out.extend(_at_removable(expr, fn, p.raw, c, plo, phi, deadline))
        for z in zeros:
            if budget.clock() > deadline:
                return tuple(out)
            a = float(z.lo) if z.exact else _round_to((z.lo + z.hi) / 2)
            room = min(a - plo, phi - a) * 0.999
            width = needed_width(expr, fn, a, min(room, 4.0))
            if width == 0.0:
                continue
            # the regime never reaches a neighbouring zero
            others = [float(w.lo) for w in zeros if w is not z]
            if others:
                width = min(width, 0.45 * min(abs(o - a) for o in others))
            d = min(width, _reach(p.raw, a, z.order))
            while d >= width / 64 and budget.clock() < deadline:
                lo_, hi_ = float(np.nextafter(a - d, a)), float(np.nextafter(a + d, a))
                reg = certify(
                    p.raw,
                    a,
                    lo_,
                    hi_,
                    z.order,
                    None if z.exact else (z.lo, z.hi),
                    seconds=max(deadline - budget.clock(), 0.1),
                )
                if isinstance(reg, Regime):
                    out.append(reg)
                    out.extend(_flanks(p.raw, reg, a - width, a + width, deadline))
                    break
                d *= 0.75
    return tuple(out)
