"""Certified interval enclosures of exact SymPy expressions: the one interval engine.

:func:`enclose` returns an interval containing every value an expression takes on a box
``[lo, hi]`` of its variable (infinite ends mean half-lines), or the value of a constant.
Sign charts, the correctly rounded truth, the Taylor certificates and the proofs use it.

* Rigorous throughout: outward-rounded interval arithmetic, series with proved tail
  bounds (sinh/tanh near 0, atan, atanh, erf), the continued fraction of erfc far out,
  verified LambertW values. No floating-point point function is trusted. Monotone
  functions are enclosed at the exact ends of their argument, with a relative width
  of about ``2**-prec``; arguments beyond ``2**24`` are clamped outward.
* Where it cannot bound an expression, or the expression may be undefined on the box,
  it raises :class:`EnclosureError` (the point entries return ``None``); it never
  returns a narrow wrong interval. ``oo * 0`` gives ``[-inf, inf]``.
* Each thread evaluates in private contexts, one per precision (:func:`precision`);
  the global ``mpmath`` precisions are never changed.
* :data:`HANDLERS` is the table of supported SymPy classes; the tests check it against
  :data:`symact.definition.primitives.PRIMITIVES`.

Box entries: :func:`enclose`, :func:`compile_enclosure`, :func:`enclose_raw`. Point entries:
:func:`enclose_number`, :func:`enclose_in`, :func:`certify_nonzero`, :func:`enclosure_bounds`.

Examples:
    >>> import sympy
    >>> from symact.definition.activation import x
    >>> enclose(x**2 - 1, -2, 3)
    mpi('-1.0', '8.0')
    >>> enclose(sympy.exp(-x) * x, 0, sympy.oo)
    mpi('0.0', '+inf')
    >>> enclose(sympy.log(x), -1, 1)
    Traceback (most recent call last):
    ...
    symact.numeric.interval.EnclosureError: log of an interval reaching <= 0: [-1.0, 1.0]
    >>> certify_nonzero(sympy.tanh(2) - 2 * sympy.tanh(1))
    -1
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from decimal import Decimal
from fractions import Fraction
from typing import Any

import mpmath
import sympy
from mpmath import mp
from mpmath.ctx_iv import MPIntervalContext
from mpmath.libmp import (
    fnan,
    fone,
    from_man_exp,
    from_rational,
    mpf_abs,
    mpf_add,
    mpf_div,
    mpf_neg,
    mpf_sub,
    round_ceiling,
    round_floor,
)

from symact.core.errors import SymactError
from symact.definition.activation import x
from symact.definition.primitives import Stable

__all__ = [
    "HANDLERS",
    "PRECISIONS",
    "EnclosureError",
    "box",
    "certify_nonzero",
    "compile_enclosure",
    "contains_zero",
    "context",
    "current",
    "enclose",
    "enclose_in",
    "enclose_number",
    "enclose_raw",
    "enclosure_bounds",
    "enclosure_text",
    "ends",
    "erfcx",
    "iv_point",
    "lower",
    "make_interval",
    "precision",
    "quick_context",
    "thin_around_zero",
    "to_iv",
    "upper",
    "using",
]

#: Arguments beyond this magnitude are clamped outward for monotone functions.
_CLAMP = mpmath.mpf(2) ** 24
_EXP_CLAMP = mpmath.mpf(2) ** 32
_TRIG_CLAMP = mpmath.mpf(2) ** 40

#: The precision ladder (bits) used to separate a number from 0.
PRECISIONS: tuple[int, ...] = (64, 256, 1024)


class EnclosureError(SymactError, ArithmeticError):
    """The expression is undefined or unsupported somewhere on the box."""


class erfcx(sympy.Function):
    """The scaled complementary error function ``exp(z**2) * erfc(z)``.

    It is positive and strictly decreasing on the reals, tends to ``+oo`` at
    ``-oo`` and to 0 (like ``1/(z sqrt(pi))``) at ``+oo``; :func:`enclose`
    bounds it without the overflow/underflow of the product form.

    Examples:
        >>> from symact.definition.activation import x
        >>> erfcx(x).rewrite(sympy.erfc)
        exp(x**2)*erfc(x)
        >>> erfcx(0)
        1
    """

    @classmethod
    def eval(cls, z: sympy.Expr) -> sympy.Expr | None:
        if z.is_zero:
            return sympy.S.One
        return None

    def fdiff(self, argindex: int = 1) -> sympy.Expr:
        z = self.args[0]
        return 2 * z * erfcx(z) - 2 / sympy.sqrt(sympy.pi)

    def _eval_rewrite_as_erfc(self, z: sympy.Expr, **kwargs: Any) -> sympy.Expr:
        return sympy.exp(z**2) * sympy.erfc(z)

    def _eval_is_real(self) -> bool | None:
        return self.args[0].is_real

    def _eval_is_positive(self) -> bool | None:
        return True if self.args[0].is_real else None

    def _eval_evalf(self, prec: int) -> sympy.Expr | None:
        z = self.args[0].evalf(prec)
        if not z.is_Number:
            return None
        with mp.workprec(prec + 20):
            t = mpmath.mpf(z._mpf_)
            v = mp.exp(t * t) * mp.erfc(t)
        return sympy.Float(v, precision=prec)


# ----------------------------------------------------------------------------- contexts

_THREAD = threading.local()


def context(prec: int) -> MPIntervalContext:
    """The calling thread's private interval context at ``prec`` bits (created once, then reused).

    Examples:
        >>> c = context(80)
        >>> c.prec, c is context(80)
        (80, True)
    """
    cache = getattr(_THREAD, "contexts", None)
    if cache is None:
        cache = _THREAD.contexts = {}
    ctx = cache.get(prec)
    if ctx is None:
        ctx = cache[prec] = MPIntervalContext()
    ctx.prec = prec
    return ctx


def _stack() -> list[MPIntervalContext]:
    stack = getattr(_THREAD, "stack", None)
    if stack is None:
        stack = _THREAD.stack = []
    return stack


def current() -> MPIntervalContext:
    """The active interval context of the calling thread (53 bits outside any :func:`precision` block)."""
    stack = _stack()
    return stack[-1] if stack else context(53)


@contextlib.contextmanager
def using(ctx: MPIntervalContext) -> Iterator[MPIntervalContext]:
    """Make ``ctx`` the active interval context of the calling thread for the block."""
    stack = _stack()
    stack.append(ctx)
    try:
        yield ctx
    finally:
        stack.pop()


def precision(prec: int) -> contextlib.AbstractContextManager[MPIntervalContext]:
    """Evaluate at ``prec`` bits in the block: the thread's private context at ``prec`` becomes active.

    Examples:
        >>> with precision(53):
        ...     to_iv(sympy.Rational(1, 3))
        mpi('0.33333333333333331', '0.33333333333333337')
    """
    return using(context(prec))


def quick_context(prec: int = 64) -> MPIntervalContext:
    """A private interval context for :func:`enclose_in` (cheap pre-filters share one)."""
    return context(prec)


# ----------------------------------------------------------------------------- interval helpers


def make_interval(lo: Any, hi: Any) -> Any:
    """The interval ``[lo, hi]`` (mpf, int or float ends, rounded outward) in the active context."""
    return current().mpf([lo, hi])


def lower(v: Any) -> mpmath.mpf:
    """The exact lower end of an interval, as an ``mpf`` (never rounded)."""
    return mp.make_mpf(v._mpi_[0])


def upper(v: Any) -> mpmath.mpf:
    """The exact upper end of an interval, as an ``mpf`` (never rounded)."""
    return mp.make_mpf(v._mpi_[1])


def ends(v: Any) -> tuple[mpmath.mpf, mpmath.mpf]:
    """The exact ends ``(lower, upper)`` of an interval."""
    return lower(v), upper(v)


def contains_zero(v: Any) -> bool:
    """Whether the interval ``v`` contains 0."""
    return bool(lower(v) <= 0 <= upper(v))


def _width(v: Any) -> mpmath.mpf:
    """An upper bound of the width of ``v`` (64 bits, rounded up)."""
    return mp.make_mpf(mpf_sub(v._mpi_[1], v._mpi_[0], 64, round_ceiling))


def _whole(c: MPIntervalContext) -> Any:
    return c.mpf([-mpmath.inf, mpmath.inf])


def _clean(v: Any, c: MPIntervalContext) -> Any:
    """Replace a NaN end (from ``inf - inf`` etc.) by the whole line."""
    if v._mpi_[0] == fnan or v._mpi_[1] == fnan:
        return _whole(c)
    return v


def _hull(vs: list[Any], c: MPIntervalContext) -> Any:
    return c.mpf([min(lower(v) for v in vs), max(upper(v) for v in vs)])


def to_iv(value: Any) -> Any:
    """An interval containing the exact number ``value``, in the active context.

    Accepts SymPy numbers and constant expressions (``sqrt(2)``, ``pi``, ``-oo``),
    Python ints and floats, ``Fraction``, mpmath numbers and intervals.

    Examples:
        >>> with precision(53):
        ...     to_iv(sympy.Rational(1, 3))
        mpi('0.33333333333333331', '0.33333333333333337')
    """
    c = current()
    if isinstance(value, bool):
        raise TypeError("a boolean is not a number")
    if isinstance(value, int):
        return c.mpf(value)
    if isinstance(value, Fraction):
        return c.mpf(value.numerator) / c.mpf(value.denominator)
    if isinstance(value, mpmath.mpf):
        return c.mpf(value)
    if isinstance(value, float):
        return c.mpf(mpmath.mpf(value))
    if hasattr(value, "_mpi_"):
        return c.make_mpf(value._mpi_)
    e = sympy.sympify(value, strict=True)
    if e is sympy.S.Infinity:
        return c.mpf([mpmath.inf, mpmath.inf])
    if e is sympy.S.NegativeInfinity:
        return c.mpf([-mpmath.inf, -mpmath.inf])
    if e.free_symbols:
        raise EnclosureError(f"not a constant: {e}")
    return compile_enclosure(e, x)(None)


def box(lo: Any, hi: Any) -> Any:
    """The box ``[lo, hi]`` (exact numbers, enclosed outward) in the active context.

    Raises:
        EnclosureError: the box is empty or contains no real number.
    """
    a = to_iv(lo)
    b = to_iv(hi)
    la, hb = lower(a), upper(b)
    if mpmath.isnan(la) or mpmath.isnan(hb) or la > hb:
        raise EnclosureError(f"empty or invalid box [{lo}, {hi}]")
    if la == mpmath.inf or hb == -mpmath.inf:
        raise EnclosureError(f"box [{lo}, {hi}] contains no real number")
    return current().mpf([la, hb])


def iv_point(value: Any, prec: int = 120) -> Any:
    """A tight interval around an exact constant, computed at ``prec`` bits.

    Examples:
        >>> p = iv_point(sympy.pi, 60)
        >>> 3.14159265358979 < p.a < p.b < 3.1415926535898
        True
    """
    with precision(prec):
        return to_iv(value)


# ------------------------------------------------------------ rigorous point values
#
# Each ``_*_at(t, c)`` returns an interval (in ``c`` or a more precise context) that
# contains f(t) for the exact mpf ``t`` (finite, |t| <= the clamp), with a relative
# width of about 2**-c.prec.


def _extra(c: MPIntervalContext, bits: float) -> MPIntervalContext:
    """The thread's context with about ``bits`` more bits than ``c`` (a multiple of 64)."""
    need = c.prec + max(0, int(bits)) + 10
    return context(-(-need // 64) * 64)


def _neg(t: mpmath.mpf) -> mpmath.mpf:
    """``-t``, exactly (mpf arithmetic would round to the global precision)."""
    return mp.make_mpf(mpf_neg(t._mpf_))


def _abs(t: mpmath.mpf) -> mpmath.mpf:
    """``|t|``, exactly."""
    return mp.make_mpf(mpf_abs(t._mpf_))


def _within(t: mpmath.mpf, r: float) -> bool:
    """Whether ``|t| <= r`` (exact comparisons)."""
    return bool(-r <= t <= r)


def _small(t: mpmath.mpf, c: MPIntervalContext) -> mpmath.mpf:
    """A stopping threshold for a series: ``|t| 2**-(prec + 10)``."""
    return abs(t) * mpmath.ldexp(1, -(c.prec + 10))


def _sinh_series(T: Any, c: MPIntervalContext) -> Any:
    """sinh on a thin interval with |t| <= 1/2: sum t**(2k+1)/(2k+1)!; each term is at most
    1/24 of the one before, so the tail after a term is at most twice that term."""
    small = _small(upper(abs(T)), c)
    total, term, t2, k = c.mpf(0), T, T * T, 0
    while True:
        total = total + term
        k += 1
        term = term * t2 / ((2 * k) * (2 * k + 1))
        if upper(abs(term)) < small:
            break
    tail = upper(2 * abs(term))
    return total + c.mpf([-tail, tail])


def _log1p_series(W: Any, c: MPIntervalContext) -> Any:
    """log(1 + w) for w in W within (0, 1/4]: an alternating series of decreasing terms, whose
    tail is bounded by its first term."""
    small = _small(lower(W), c)
    total, power, k = c.mpf(0), W, 1
    while True:
        term = power / k
        total = total + (term if k % 2 else -term)
        k += 1
        power = power * W
        if upper(power) / k < small:
            break
    tail = upper(power / k)
    return total + c.mpf([-tail, tail])


def _sinh_at(t: mpmath.mpf, c: MPIntervalContext) -> Any:
    T = c.mpf(t)
    if _within(t, 0.5):
        return _sinh_series(T, c)
    return (c.exp(T) - c.exp(-T)) / 2


def _tanh_at(t: mpmath.mpf, c: MPIntervalContext) -> Any:
    T = c.mpf(t)
    if _within(t, 0.5):  # tanh = sinh / sqrt(1 + sinh**2): no cancellation near 0
        s = _sinh_series(T, c)
        return s / c.sqrt(1 + s * s)
    r = 1 - 2 / (c.exp(2 * abs(T)) + 1)
    return r if t > 0 else -r


def _cosh_at(t: mpmath.mpf, c: MPIntervalContext) -> Any:
    T = c.mpf(t)
    return (c.exp(T) + c.exp(-T)) / 2


def _asinh_at(t: mpmath.mpf, c: MPIntervalContext) -> Any:
    U = c.mpf(_abs(t))
    if _within(t, 0.125):  # log1p(u + u**2 / (1 + sqrt(1 + u**2)))
        r = _log1p_series(U + U * U / (1 + c.sqrt(1 + U * U)), c)
    else:
        r = c.ln(U + c.sqrt(U * U + 1))
    return r if t > 0 else -r


def _atanh_at(t: mpmath.mpf, c: MPIntervalContext) -> Any:
    U = c.mpf(_abs(t))
    if _within(t, 0.125):
        # sum u**(2k+1)/(2k+1): positive terms, each at most u**2 times the one before
        small = _small(abs(t), c)
        total, power, u2, k = c.mpf(0), U, U * U, 0
        while True:
            total = total + power / (2 * k + 1)
            k += 1
            power = power * u2
            if upper(power) < small:
                break
        r = total + c.mpf([0, upper(2 * power)])
    else:
        r = c.ln((1 + U) / (1 - U)) / 2
    return r if t > 0 else -r


def _atan_at(t: mpmath.mpf, c: MPIntervalContext) -> Any:
    """atan(t) = 2 atan(t / (1 + sqrt(1 + t**2))) until |t| <= 1/4, then an alternating series
    whose terms decrease, so its tail is bounded by the next term."""
    T = c.mpf(t)
    halvings = 0
    while max(abs(T.a), abs(T.b)) > c.mpf(1) / 4:
        T = T / (1 + c.sqrt(1 + T * T))
        halvings += 1
        if halvings > 200:
            raise EnclosureError("atan argument reduction did not converge")
    total, power, t2, n = c.mpf(0), T, T * T, 0
    while True:
        term = power / (2 * n + 1)
        total = total + (term if n % 2 == 0 else -term)
        n += 1
        power = power * t2
        if n > (c.prec + 10) // 4 + 2:
            break
    tail = upper(abs(power / (2 * n + 1)))
    return (total + c.mpf([-tail, tail])) * (2**halvings)


def _fixed(t: mpmath.mpf, w: int) -> tuple[int, bool]:
    """``floor(t * 2**w)`` for t >= 0, and whether it is exact."""
    _, man, exp, _ = t._mpf_
    shift = exp + w
    if shift >= 0:
        return man << shift, True
    return man >> -shift, (man & ((1 << -shift) - 1)) == 0


def _erf_series(t: mpmath.mpf, c: MPIntervalContext) -> Any:
    """erf(t) for t >= 0 with an absolute error far below ``2**-c.prec exp(-t**2) t``, so that
    ``1 - erf(t)`` keeps its relative accuracy too.

    erf(t) = 2/sqrt(pi) sum (-1)^n t^(2n+1) / (n! (2n+1)), summed in fixed point with
    ``w`` fractional bits: every operation truncates, and a bound on the accumulated
    error (in units of 2**-w) is carried along in integers. Once n + 1 > t**2 the terms
    decrease, and the tail of the alternating series is bounded by its first term.
    """
    if not t:
        return c.mpf(0)
    t2 = float(t) ** 2 * (1 + 2**-40) + 2**-40  # at least t**2
    lead = min(0, int(mpmath.mag(t)))  # t < 2**lead for t < 1: keep relative accuracy
    w = c.prec + int(3 * t2) + 40 - lead
    X, exact = _fixed(t, w)
    X2 = (X * X) >> w  # x**2 * 2**w, within one unit below
    limit = 1 << max(0, w + lead - c.prec - int(1.5 * t2) - 20)
    p, e = X, 0  # p ~ x^(2n+1)/n! * 2**w, |p - exact| <= e
    total, err, n = 0, 0 if exact else 1, 0
    while True:
        k = 2 * n + 1
        total += p // k if n % 2 == 0 else -(p // k)
        err += e // k + 2
        p, e = (p * X2 >> w) // (n + 1), (((e * (X2 + 1) + p) >> w) + 2) // (n + 1) + 2
        n += 1
        if n > t2 + 1 and p + e < limit:
            break
    err += (p + e) // (2 * n + 1) + 1  # the tail
    h = _extra(c, 1.5 * t2)
    s = h.mpf([mp.make_mpf(from_man_exp(total - err, -w)), mp.make_mpf(from_man_exp(total + err, -w))])
    return 2 * s / h.sqrt(h.pi)


def _use_fraction(t: mpmath.mpf, c: MPIntervalContext) -> bool:
    """Whether erfc(t) comes from the continued fraction (fast for large t and modest precision)."""
    return bool(t >= 6 and 16 * t * t >= c.prec)


def _scaled_erfc_fraction(t: mpmath.mpf, c: MPIntervalContext) -> Any:
    """``sqrt(pi) exp(t**2) erfc(t)`` for t >= 6 (DLMF 7.9.2).

    It is the continued fraction ``1/(t + a_2/(t + a_3/(t + ...)))`` with ``a_k = (k-1)/2``.
    All its elements are positive, so every tail ``t + a_(k+1)/(t + ...)`` lies in
    ``[t, t + a_(k+1)/t]``: from that enclosure of the tail after ``n`` terms the fraction
    is evaluated backwards with directed rounding (more terms until it is narrow enough).
    """
    w = c.prec + 30
    tt = t._mpf_
    rel = mpmath.ldexp(1, -(c.prec + 4))
    n = int(((c.prec + 10) * 0.35 / float(t)) ** 2) + 8
    while n < 400_000:
        lo = tt
        hi = mpf_add(tt, mpf_div(from_rational(n, 2, w, round_ceiling), tt, w, round_ceiling), w, round_ceiling)
        for k in range(n, 1, -1):
            a = from_rational(k - 1, 2, w, round_floor)  # exact: (k-1)/2 has few bits
            lo, hi = (
                mpf_add(tt, mpf_div(a, hi, w, round_floor), w, round_floor),
                mpf_add(tt, mpf_div(a, lo, w, round_ceiling), w, round_ceiling),
            )
        k_lo, k_hi = mp.make_mpf(mpf_div(fone, hi, w, round_floor)), mp.make_mpf(mpf_div(fone, lo, w, round_ceiling))
        if k_hi - k_lo <= k_lo * rel:
            return c.mpf([k_lo, k_hi])
        n *= 2
    raise EnclosureError(f"the continued fraction of erfc({t}) did not converge")


def _exact_square(t: mpmath.mpf) -> Any:
    """The thin interval ``t**2``, exact (in a context wide enough for the product)."""
    bits = t._mpf_[3]
    return context(max(64, -(-(2 * bits + 8) // 64) * 64)).mpf(t) ** 2


def _erfc_at(t: mpmath.mpf, c: MPIntervalContext) -> Any:
    if t < 0:
        return 2 - _erfc_at(_neg(t), c)
    if _use_fraction(t, c):
        return c.exp(-_exact_square(t)) * _scaled_erfc_fraction(t, c) / c.sqrt(c.pi)
    return 1 - _erf_series(t, c)


def _erf_at(t: mpmath.mpf, c: MPIntervalContext) -> Any:
    u = _abs(t)
    r = 1 - _erfc_at(u, c) if _use_fraction(u, c) else _erf_series(u, c)
    return r if t > 0 else -r


def _erfcx_at(t: mpmath.mpf, c: MPIntervalContext) -> Any:
    if _use_fraction(t, c):
        return _scaled_erfc_fraction(t, c) / c.sqrt(c.pi)
    return c.exp(_exact_square(t)) * _erfc_at(t, c)


_MP = threading.local()


def _lambertw_at(t: mpmath.mpf, c: MPIntervalContext) -> Any:
    """W(t) from an mpmath estimate ``w``, verified: ``w e**w`` increases on [-1, oo), so
    ``f(w_lo) <= t <= f(w_hi)`` proves ``w_lo <= W(t) <= w_hi``."""
    ctx = getattr(_MP, "ctx", None)
    if ctx is None:
        ctx = _MP.ctx = mpmath.MPContext()
    ctx.prec = c.prec + 20
    w = ctx.lambertw(ctx.mpf(t))
    if isinstance(w, ctx.mpc):
        raise EnclosureError(f"LambertW({t}) is not real")
    T = c.mpf(t)
    delta = abs(w) * ctx.ldexp(1, -(c.prec - 4))
    for _ in range(8):
        wl, wu = mp.make_mpf(max(w - delta, ctx.mpf(-1))._mpf_), mp.make_mpf((w + delta)._mpf_)
        WL, WU = c.mpf(wl), c.mpf(wu)
        if upper(WL * c.exp(WL)) <= lower(T) and lower(WU * c.exp(WU)) >= upper(T):
            return c.mpf([wl, wu])
        delta *= 2**16
    raise EnclosureError(f"LambertW({t}) could not be verified")


class _Monotone:
    """An increasing function with known limits and exact values at some points."""

    def __init__(
        self,
        point: Callable[[mpmath.mpf, MPIntervalContext], Any],
        at_ninf: Callable[[MPIntervalContext], Any],
        at_pinf: Callable[[MPIntervalContext], Any],
        exact: dict[int, int] | None = None,
    ) -> None:
        self.point = point
        self.at_ninf = at_ninf  # an interval containing the infimum
        self.at_pinf = at_pinf  # an interval containing the supremum
        self.exact = exact or {}

    def bounds(self, t: mpmath.mpf, c: MPIntervalContext) -> tuple[mpmath.mpf, mpmath.mpf]:
        """Lower and upper bounds of the function's value at the exact point ``t``."""
        if t == mpmath.inf:
            return ends(self.at_pinf(c))
        if t == -mpmath.inf:
            return ends(self.at_ninf(c))
        if t > _CLAMP:
            return self.bounds(_CLAMP, c)[0], upper(self.at_pinf(c))
        if t < -_CLAMP:
            return lower(self.at_ninf(c)), self.bounds(-_CLAMP, c)[1]
        if t in self.exact:
            v = mpmath.mpf(self.exact[t])
            return v, v
        return ends(self.point(t, c))

    def image(self, v: Any, c: MPIntervalContext) -> Any:
        return c.mpf([self.bounds(lower(v), c)[0], self.bounds(upper(v), c)[1]])


def _const(v: Any) -> Callable[[MPIntervalContext], Any]:
    return lambda c: c.mpf(v)


_INF = mpmath.inf
_TANH = _Monotone(_tanh_at, _const(-1), _const(1), {0: 0})
_SINH = _Monotone(_sinh_at, _const(-_INF), _const(_INF), {0: 0})
_ASINH = _Monotone(_asinh_at, _const(-_INF), _const(_INF), {0: 0})
_ATANH = _Monotone(_atanh_at, _const(-_INF), _const(_INF), {0: 0})  # on (-1, 1) only
_ATAN = _Monotone(_atan_at, lambda c: -c.pi / 2, lambda c: c.pi / 2, {0: 0})
_ERF = _Monotone(_erf_at, _const(-1), _const(1), {0: 0})
# decreasing functions f(t) are handled as increasing h(s) = f(-s) at s = -t
_ERFC_NEG = _Monotone(lambda s, c: _erfc_at(_neg(s), c), _const(0), _const(2), {0: 1})
_ERFCX_NEG = _Monotone(lambda s, c: _erfcx_at(_neg(s), c), _const(0), _const(_INF), {0: 1})
_LAMBERTW = _Monotone(_lambertw_at, _const(-1), _const(_INF), {0: 0})
_COSH_POS = _Monotone(_cosh_at, _const(1), _const(_INF), {0: 1})  # used on [0, oo)


# ------------------------------------------------------------ functions of intervals


def _exp(v: Any, c: MPIntervalContext) -> Any:
    """exp on an interval, with arguments beyond +-2**32 clamped outward (exp is
    increasing, so exp(2**32) bounds exp(t) below for t >= 2**32, and so on); this
    keeps mpmath from evaluating exp of astronomically large numbers."""
    a, b = ends(v)
    if -_EXP_CLAMP <= a and b <= _EXP_CLAMP:
        return c.exp(v)
    if a > _EXP_CLAMP:
        lo = lower(c.exp(c.mpf(_EXP_CLAMP)))
    elif a < -_EXP_CLAMP:
        lo = mpmath.mpf(0)
    else:
        lo = lower(c.exp(c.mpf(a)))
    if b > _EXP_CLAMP:
        hi = mpmath.inf
    elif b < -_EXP_CLAMP:
        hi = upper(c.exp(c.mpf(-_EXP_CLAMP)))
    else:
        hi = upper(c.exp(c.mpf(b)))
    return c.mpf([lo, hi])


def _trig(op: Callable[[Any], Any], v: Any, c: MPIntervalContext) -> Any:
    """sin/cos on an interval; [-1, 1] when an end is beyond 2**40 in magnitude."""
    a, b = ends(v)
    if a < -_TRIG_CLAMP or b > _TRIG_CLAMP:
        return c.mpf([-1, 1])
    return _clean(op(v), c)


def _tan(v: Any, c: MPIntervalContext) -> Any:
    a, b = ends(v)
    if a < -_TRIG_CLAMP or b > _TRIG_CLAMP:
        raise EnclosureError("tan of an argument beyond 2**40")
    cos = _clean(c.cos(v), c)
    if contains_zero(cos):
        raise EnclosureError(f"tan near a pole: {v}")
    return _clean(c.sin(v), c) / cos


def _cosh(v: Any, c: MPIntervalContext) -> Any:
    a, b = ends(v)
    if a >= 0:
        return _COSH_POS.image(v, c)
    if b <= 0:
        return _COSH_POS.image(-v, c)
    return c.mpf([1, _COSH_POS.bounds(max(_neg(a), b), c)[1]])


def _sinc(v: Any, c: MPIntervalContext) -> Any:
    a, b = ends(v)
    if a > 0 or b < 0:
        return _clean(_trig(c.sin, v, c) / v, c)
    # sinc(t) <= 1 and sinc(t) >= 1 - t**2/6 for all real t; |sinc| <= 1
    one = mpmath.mpf(1)
    m = min(max(_neg(a), b), one)
    parts = [c.mpf([lower(1 - c.mpf(m) ** 2 / 6), 1])]
    if b > one:
        parts.append(_clean(_trig(c.sin, c.mpf([one, b]), c) / c.mpf([one, b]), c))
    if a < -one:
        parts.append(_clean(_trig(c.sin, c.mpf([a, -one]), c) / c.mpf([a, -one]), c))
    return _hull(parts, c)


# --------------------------------------------------------------------------- compiling
#
# An expression compiles to a node ``g(B, c)``: ``B`` is the box of the variable (None
# for a constant expression) and ``c`` the interval context to evaluate in.

_Node = Callable[[Any, MPIntervalContext], Any]
_Compile = Callable[[sympy.Expr], _Node]
_Handler = Callable[[Any, _Compile], _Node]


def _fail(msg: str) -> _Node:
    def g(B: Any, c: MPIntervalContext) -> Any:
        raise EnclosureError(msg)

    return g


def _per_precision(make: _Node) -> _Node:
    """A constant node whose value is computed once per precision (ends stored exactly)."""
    cache: dict[int, tuple[Any, Any]] = {}

    def g(B: Any, c: MPIntervalContext) -> Any:
        v = cache.get(c.prec)
        if v is None:
            v = cache[c.prec] = make(None, c)._mpi_
        return c.make_mpf(v)

    return g


def _number(e: sympy.Expr, c: MPIntervalContext) -> Any:
    if e.is_Integer:
        return c.mpf(int(e))
    if e.is_Rational:
        return c.mpf(int(e.p)) / c.mpf(int(e.q))
    if e.is_Float:
        return c.mpf(mp.make_mpf(e._mpf_))
    if e is sympy.pi:  # +: force the lazy constant at the context's precision
        return +c.pi
    if e is sympy.E:
        return +c.e
    raise EnclosureError(f"unsupported constant {e}")


def _unary(fn: Callable[[Any, MPIntervalContext], Any]) -> _Handler:
    """A handler for a function of one argument given as a function of its interval."""

    def handler(e: Any, C: _Compile) -> _Node:
        if len(e.args) != 1:
            raise EnclosureError(f"{e.func.__name__} with {len(e.args)} arguments")
        g = C(e.args[0])
        return lambda B, c: fn(g(B, c), c)

    return handler


def _monotone(m: _Monotone, sign: int = 1) -> _Handler:
    if sign > 0:
        return _unary(m.image)
    return _unary(lambda v, c: m.image(-v, c))


def _fold(op: Callable[[Any, Any], Any]) -> _Handler:
    def handler(e: Any, C: _Compile) -> _Node:
        fs = [C(a) for a in e.args]

        def g(B: Any, c: MPIntervalContext) -> Any:
            acc = fs[0](B, c)
            for f in fs[1:]:
                acc = _clean(op(acc, f(B, c)), c)
            return acc

        return g

    return handler


def _log(v: Any, c: MPIntervalContext) -> Any:
    if not lower(v) > 0:
        raise EnclosureError(f"log of an interval reaching <= 0: {v}")
    return c.ln(v)


def _h_log(e: Any, C: _Compile) -> _Node:
    if len(e.args) != 1:
        raise EnclosureError("log with a base is not supported")
    return _unary(_log)(e, C)


def _atanh(v: Any, c: MPIntervalContext) -> Any:
    if not (lower(v) > -1 and upper(v) < 1):
        raise EnclosureError(f"atanh of an interval reaching outside (-1, 1): {v}")
    return _ATANH.image(v, c)


def _sign(v: Any, c: MPIntervalContext) -> Any:
    a, b = ends(v)
    vals = [s for s, ok in ((-1, a < 0), (0, a <= 0 <= b), (1, b > 0)) if ok]
    return c.mpf([min(vals), max(vals)])


def _h_lambertw(e: Any, C: _Compile) -> _Node:
    if len(e.args) > 1 and e.args[1] != 0:
        raise EnclosureError("only the principal branch of LambertW is supported")
    g = C(e.args[0])
    minus_inv_e = C(-sympy.exp(-1))

    def f_w(B: Any, c: MPIntervalContext) -> Any:
        v = g(B, c)
        if not lower(v) >= upper(minus_inv_e(None, c)):
            raise EnclosureError(f"LambertW argument may reach below -1/e: {v}")
        return _LAMBERTW.image(v, c)

    return f_w


def _h_maxmin(pick: Callable[..., Any]) -> _Handler:
    def handler(e: Any, C: _Compile) -> _Node:
        fs = [C(a) for a in e.args]

        def g(B: Any, c: MPIntervalContext) -> Any:
            vs = [f(B, c) for f in fs]
            return c.mpf([pick(lower(v) for v in vs), pick(upper(v) for v in vs)])

        return g

    return handler


def _h_heaviside(e: Any, C: _Compile) -> _Node:
    g = C(e.args[0])
    h0 = e.args[1] if len(e.args) > 1 else sympy.S.Half
    h0f = C(h0) if h0.is_real and h0.is_finite else None

    def f_h(B: Any, c: MPIntervalContext) -> Any:
        a, b = ends(g(B, c))
        parts = []
        if a < 0:
            parts.append(c.mpf(0))
        if b > 0:
            parts.append(c.mpf(1))
        if a <= 0 <= b:
            if h0f is None:
                raise EnclosureError("Heaviside(0) is undefined")
            parts.append(h0f(None, c))
        return _hull(parts, c)

    return f_h


def _h_delta(e: Any, C: _Compile) -> _Node:
    if len(e.args) != 1:
        raise EnclosureError("derivatives of DiracDelta are not supported")
    g = C(e.args[0])

    def f_d(B: Any, c: MPIntervalContext) -> Any:
        if contains_zero(g(B, c)):
            raise EnclosureError("DiracDelta at 0")
        return c.mpf(0)

    return f_d


def _h_root(e: Any, C: _Compile) -> _Node:
    if e.free_symbols:
        raise EnclosureError(f"a root of a polynomial with parameters: {e}")
    if not e.is_real:
        raise EnclosureError(f"{e} is not real")

    def f_root(B: Any, c: MPIntervalContext) -> Any:
        # SymPy isolates real roots in exact rational arithmetic: |root - q| <= dx
        dx = sympy.Rational(1, 2 ** (c.prec + 8))
        q = e.eval_rational(dx=dx)
        mid, rad = _number(q, c), _number(dx, c)
        return c.mpf([lower(mid - rad), upper(mid + rad)])

    return f_root


def _h_pow(e: Any, C: _Compile) -> _Node:
    base, ex = e.args
    gb = C(base)
    if ex.is_Integer:
        n = int(ex)
        if n >= 0:
            return lambda B, c: gb(B, c) ** n

        def f_negpow(B: Any, c: MPIntervalContext) -> Any:
            v = gb(B, c)
            if contains_zero(v):
                raise EnclosureError(f"division by an interval containing 0: {v}")
            return 1 / (v ** (-n))

        return f_negpow
    if ex.is_Rational:
        return _rational_power(gb, Fraction(int(ex.p), int(ex.q)), ex)
    ge = C(ex)

    def f_gpow(B: Any, c: MPIntervalContext) -> Any:
        v = gb(B, c)
        if not lower(v) > 0:
            raise EnclosureError(f"non-integer power of an interval reaching <= 0: {v}")
        return _clean(_exp(_clean(ge(B, c) * c.ln(v), c), c), c)

    return f_gpow


def _rational_power(gb: _Node, r: Fraction, ex: sympy.Expr) -> _Node:
    def f_rpow(B: Any, c: MPIntervalContext) -> Any:
        v = gb(B, c)
        a, b = ends(v)
        if a < 0 or (r < 0 and a <= 0):
            raise EnclosureError(f"power {ex} of an interval reaching {'< 0' if a < 0 else '0'}: {v}")
        if r == Fraction(1, 2):
            return c.sqrt(v)
        if r == Fraction(-1, 2):
            return 1 / c.sqrt(v)
        rr = c.mpf(r.numerator) / c.mpf(r.denominator)

        def at(t: mpmath.mpf) -> Any:  # t**r is monotone: enclosed at the exact ends
            if t == 0:
                return c.mpf(0)
            if t == mpmath.inf:
                return c.mpf([mpmath.inf, mpmath.inf]) if r > 0 else c.mpf(0)
            return c.exp(rr * c.ln(c.mpf(t)))

        lo_v, hi_v = (at(a), at(b)) if r > 0 else (at(b), at(a))
        return c.mpf([lower(lo_v), upper(hi_v)])

    return f_rpow


def _cond_value(cond: Any, C: _Compile) -> Callable[[Any, MPIntervalContext], bool | None]:
    """Tri-valued truth of a condition on a box: True (everywhere), False (nowhere), None."""
    if cond is sympy.true or cond is True:
        return lambda B, c: True
    if cond is sympy.false or cond is False:
        return lambda B, c: False
    if isinstance(cond, (sympy.And, sympy.Or)):
        subs = [_cond_value(a, C) for a in cond.args]
        is_and = isinstance(cond, sympy.And)

        def f_andor(B: Any, c: MPIntervalContext) -> bool | None:
            vals = [s(B, c) for s in subs]
            if is_and:
                if any(v is False for v in vals):
                    return False
                return True if all(v is True for v in vals) else None
            if any(v is True for v in vals):
                return True
            return False if all(v is False for v in vals) else None

        return f_andor
    if isinstance(cond, sympy.Not):
        s = _cond_value(cond.args[0], C)

        def f_not(B: Any, c: MPIntervalContext) -> bool | None:
            v = s(B, c)
            return None if v is None else not v

        return f_not
    if isinstance(cond, sympy.core.relational.Relational):
        return _relation(C(cond.lhs - cond.rhs), cond.rel_op)
    raise EnclosureError(f"unsupported condition {cond}")


def _relation(d: _Node, op: str) -> Callable[[Any, MPIntervalContext], bool | None]:
    def f_rel(B: Any, c: MPIntervalContext) -> bool | None:
        a, b = ends(d(B, c))
        if op in (">", "<"):
            if op == "<":
                a, b = -b, -a
            return True if a > 0 else (False if b <= 0 else None)
        if op in (">=", "<="):
            if op == "<=":
                a, b = -b, -a
            return True if a >= 0 else (False if b < 0 else None)
        if op == "==":
            return True if a == b == 0 else (False if (a > 0 or b < 0) else None)
        if op == "!=":
            return False if a == b == 0 else (True if (a > 0 or b < 0) else None)
        return None

    return f_rel


def _h_piecewise(e: Any, C: _Compile) -> _Node:
    branches = [(C(b.expr), _cond_value(b.cond, C)) for b in e.args]

    def f_pw(B: Any, c: MPIntervalContext) -> Any:
        parts = []
        for fb, cb in branches:
            t = cb(B, c)
            if t is False:
                continue
            parts.append(fb(B, c))
            if t is True:
                return _hull(parts, c)
        raise EnclosureError("Piecewise may be undefined on the box (no condition surely holds)")

    return f_pw


def _h_stable(e: Any, C: _Compile) -> _Node:
    return C(e.textbook())


#: The SymPy classes the engine encloses, each with its handler (a subclass of a key is
#: handled by the key's handler: the stable primitives by their textbook definitions).
HANDLERS: dict[type, _Handler] = {
    sympy.Add: _fold(lambda a, b: a + b),
    sympy.Mul: _fold(lambda a, b: a * b),
    sympy.Pow: _h_pow,
    sympy.exp: _unary(_exp),
    sympy.log: _h_log,
    sympy.sin: _unary(lambda v, c: _trig(c.sin, v, c)),
    sympy.cos: _unary(lambda v, c: _trig(c.cos, v, c)),
    sympy.tan: _unary(_tan),
    sympy.sinc: _unary(_sinc),
    sympy.tanh: _monotone(_TANH),
    sympy.sinh: _monotone(_SINH),
    sympy.cosh: _unary(_cosh),
    sympy.sech: _unary(lambda v, c: 1 / _cosh(v, c)),
    sympy.asinh: _monotone(_ASINH),
    sympy.atanh: _unary(_atanh),
    sympy.atan: _monotone(_ATAN),
    sympy.erf: _monotone(_ERF),
    sympy.erfc: _monotone(_ERFC_NEG, -1),
    erfcx: _monotone(_ERFCX_NEG, -1),
    sympy.LambertW: _h_lambertw,
    sympy.Abs: _unary(lambda v, c: abs(v)),
    sympy.sign: _unary(_sign),
    sympy.Max: _h_maxmin(max),
    sympy.Min: _h_maxmin(min),
    sympy.Heaviside: _h_heaviside,
    sympy.DiracDelta: _h_delta,
    sympy.Piecewise: _h_piecewise,
    sympy.CRootOf: _h_root,
    Stable: _h_stable,
}


def _handler(e: sympy.Expr) -> _Handler:
    for cls in type(e).__mro__:
        h = HANDLERS.get(cls)
        if h is not None:
            return h
    raise EnclosureError(f"unsupported function {e.func.__name__}")


_NODES: dict[tuple[sympy.Basic, sympy.Symbol], _Node] = {}
_COMPILED: dict[tuple[sympy.Basic, sympy.Symbol], Callable[[Any], Any]] = {}
_CACHE_SIZE = 20000


def _remember(cache: dict[Any, Any], key: Any, value: Any) -> Any:
    if len(cache) > _CACHE_SIZE:
        cache.clear()
    cache[key] = value
    return value


def _node(e: sympy.Expr, var: sympy.Symbol) -> _Node:
    """The node of ``e`` (cached: a subexpression shared by many expressions compiles once)."""
    key = (e, var)
    g = _NODES.get(key)
    if g is None:
        try:
            g = _compile(e, var)
        except EnclosureError as exc:
            g = _fail(str(exc))
        _remember(_NODES, key, g)
    return g


def _compile(e: sympy.Expr, var: sympy.Symbol) -> _Node:
    if e == var:
        return lambda B, c: B
    if isinstance(e, sympy.Symbol):
        raise EnclosureError(f"free symbol {e}")
    if e.is_Number or isinstance(e, sympy.NumberSymbol):
        if e in (sympy.oo, -sympy.oo, sympy.zoo, sympy.nan):
            raise EnclosureError(f"{e} is not a real number")
        return _per_precision(lambda B, c: _number(e, c))
    g = _handler(e)(e, lambda s: _node(s, var))
    return g if var in e.free_symbols else _per_precision(g)


def compile_enclosure(expr: sympy.Expr, var: sympy.Symbol = x) -> Callable[[Any], Any]:
    """Compile ``expr`` into a function from an interval box of ``var`` to an enclosure.

    The function evaluates in the active context (see :func:`precision`); pass ``None``
    for a constant expression. It raises :class:`EnclosureError` where :func:`enclose`
    would. Results are cached per expression.

    Examples:
        >>> from symact.definition.activation import x
        >>> f = compile_enclosure(x**2 + 1)
        >>> with precision(53):
        ...     f(make_interval(-1, 2))
        mpi('1.0', '5.0')
    """
    key = (expr, var)
    f = _COMPILED.get(key)
    if f is None:
        g = _node(sympy.sympify(expr, strict=True), var)

        def f(B: Any) -> Any:
            c = current()
            if B is not None and B.ctx is not c:
                B = c.make_mpf(B._mpi_)
            return g(B, c)

        _remember(_COMPILED, key, f)
    return f


# ------------------------------------------------------------------------------ box entries


def enclose(expr: sympy.Expr, lo: Any = None, hi: Any = None, *, var: sympy.Symbol = x, prec: int = 120) -> Any:
    """An interval containing ``{expr(t) : t in [lo, hi]}`` (finite ``t`` only).

    Args:
        expr: a SymPy expression in ``var`` (or a constant; then ``lo``/``hi`` may be omitted).
        lo, hi: the box; SymPy numbers (exact, enclosed rigorously), ints,
            ``Fraction``, mpmath numbers; may be ``-oo``/``oo``.
        var: the variable.
        prec: working precision in bits.

    Returns:
        an interval (``ivmpf`` of a private context; its ends may be infinite).

    Raises:
        EnclosureError: the expression is unsupported, or may be undefined, on the box.

    Examples:
        >>> import sympy
        >>> from symact.definition.activation import x
        >>> enclose(sympy.tanh(x), -sympy.oo, 0)
        mpi('-1.0', '0.0')
        >>> v = enclose(sympy.sqrt(2) - sympy.Rational(1414, 1000), prec=60)
        >>> 0 < v.a < v.b < 1e-3
        True
        >>> enclose(1 / x, -1, 1)
        Traceback (most recent call last):
        ...
        symact.numeric.interval.EnclosureError: division by an interval containing 0: [-1.0, 1.0]
    """
    expr = sympy.sympify(expr, strict=True)
    f = compile_enclosure(expr, var)
    with precision(prec):
        if lo is None and hi is None:
            if var in expr.free_symbols:
                raise EnclosureError("a box is needed for a non-constant expression")
            return f(None)
        return f(box(lo if lo is not None else hi, hi if hi is not None else lo))


def enclose_raw(f: Callable[[Any], Any], lo: mpmath.mpf, hi: mpmath.mpf) -> Any:
    """Apply a compiled enclosure (:func:`compile_enclosure`) to the box ``[lo, hi]`` of exact
    mpf ends, in the active context.

    Examples:
        >>> from symact.definition.activation import x
        >>> with precision(53):
        ...     enclose_raw(compile_enclosure(2 * x), mpmath.mpf(1), mpmath.mpf(3))
        mpi('2.0', '6.0')
    """
    return f(make_interval(lo, hi))


# ------------------------------------------------------------------------------ point entries

_NO_CLAIM = (EnclosureError, ZeroDivisionError, ValueError, TypeError, OverflowError)


def enclose_number(expr: sympy.Expr, prec: int = 64) -> Any:
    """An interval certainly containing the real number ``expr``, or ``None`` where the engine
    cannot enclose it (then nothing is claimed).

    Examples:
        >>> import sympy
        >>> v = enclose_number(sympy.pi - sympy.Rational(22, 7), 53)
        >>> bool(v.b < 0)
        True
        >>> enclose_number(sympy.I) is None
        True
    """
    return enclose_in(expr, context(prec))


def enclose_in(expr: sympy.Expr, ctx: MPIntervalContext) -> Any:
    """Like :func:`enclose_number`, in the given context (so results can be combined)."""
    try:
        e = sympy.sympify(expr, strict=True)
        if e.free_symbols:
            return None
        with using(ctx):
            return compile_enclosure(e, x)(None)
    except _NO_CLAIM:
        return None


def thin_around_zero(box: Any, prec: int) -> bool:
    """Whether ``box`` contains 0 and is narrower than 2^-(prec/2): numerically zero."""
    return contains_zero(box) and _width(box) < mpmath.ldexp(1, -(prec // 2))


def certify_nonzero(expr: sympy.Expr, precisions: tuple[int, ...] = PRECISIONS) -> int | None:
    """The sign (+1 or -1) of ``expr`` when it is *proved* nonzero, else ``None``.

    Rational numbers are decided exactly; any other number by an interval
    enclosure that excludes 0, at increasing precision. ``None`` never means
    "zero": it means "not proved nonzero".

    Examples:
        >>> import sympy
        >>> certify_nonzero(sympy.Rational(-3, 7)), certify_nonzero(sympy.erf(1) - sympy.Rational(84, 100))
        (-1, 1)
    """
    expr = sympy.sympify(expr, strict=True)
    if expr.is_Rational:
        return None if expr == 0 else (1 if expr > 0 else -1)
    if not expr.is_number or expr.has(sympy.nan, sympy.zoo, sympy.oo, -sympy.oo):
        return None
    for prec in precisions:
        v = enclose_number(expr, prec)
        if v is None:
            return None
        if lower(v) > 0:
            return 1
        if upper(v) < 0:
            return -1
        # a very thin box around 0 means the number is (numerically) 0: stop early
        if _width(v) < mpmath.ldexp(1, -(prec // 2)):
            return None
    return None


def enclosure_bounds(
    expr: sympy.Expr, precisions: tuple[int, ...] = PRECISIONS, digits: int = 12
) -> tuple[str, str, int] | None:
    """Decimal bounds ``(lo, hi, bits)`` of the first enclosure of ``expr`` that excludes 0.

    The decimals are rounded outward, so ``[lo, hi]`` still contains ``expr``.
    Returns ``None`` when no enclosure excludes 0.

    Examples:
        >>> import sympy
        >>> enclosure_bounds(sympy.tanh(2) - 2 * sympy.tanh(1))
        ('-0.559160731836', '-0.559160731835', 64)
    """
    expr = sympy.sympify(expr, strict=True)
    for prec in precisions:
        v = enclose_number(expr, prec)
        if v is None:
            return None
        lo, hi = ends(v)
        if lo > 0 or hi < 0:
            return _fmt(lo, digits, "down"), _fmt(hi, digits, "up"), prec
    return None


def enclosure_text(expr: sympy.Expr, precisions: tuple[int, ...] = PRECISIONS, digits: int = 12) -> str:
    """A short text of the enclosure of ``expr`` that excludes 0 (exact for rationals).

    Examples:
        >>> import sympy
        >>> enclosure_text(sympy.Rational(1, 3)), enclosure_text(sympy.sqrt(2), digits=4)
        ('1/3 (exact)', '[1.414, 1.415] (64-bit interval arithmetic)')
    """
    expr = sympy.sympify(expr, strict=True)
    if expr.is_Rational:
        return f"{expr} (exact)"
    bounds = enclosure_bounds(expr, precisions, digits)
    if bounds is None:
        return "no enclosure excludes 0"
    lo, hi, prec = bounds
    return f"[{lo}, {hi}] ({prec}-bit interval arithmetic)"


def _fmt(value: mpmath.mpf, digits: int, direction: str) -> str:
    """``value`` in decimal with ``digits`` significant digits, rounded outward ("down"/"up")."""
    if value == 0:
        return "0"
    exponent = int(mpmath.floor(mpmath.log10(abs(value))))
    scale = digits - 1 - exponent
    c = context(64 + 4 * digits)
    lo, hi = ends(c.mpf(value) * c.mpf(10) ** scale)  # an enclosure of value * 10^scale
    n = int(mpmath.floor(lo)) if direction == "down" else int(mpmath.ceil(hi))
    d = Decimal(n).scaleb(-scale)
    return format(d, "f") if -5 <= exponent <= 5 else format(d, "e")
