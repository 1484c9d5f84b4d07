"""Rigorous interval enclosures of exact real numbers written as SymPy expressions.

A disproof may rest on an inequality between transcendental numbers, such as
``tanh(2) != 2*tanh(1)``. Floats cannot decide it; this module encloses the
difference in an interval with ``mpmath``'s interval arithmetic and claims
"nonzero" only when the interval excludes 0.

* Each evaluation uses a **private** interval context (its precision is never
  the global ``mpmath.mp`` or ``mpmath.iv`` one).
* ``exp``, ``log``, ``sqrt``, ``sin``, ``cos``, ``tan`` and powers come from
  ``mpmath.iv`` itself (outward rounding).
* ``tanh``, ``sinh``, ``cosh``, ``asinh``, ``atanh`` are written through ``exp``
  and ``log`` (monotone pieces, so the enclosure stays tight); ``atan`` uses exact argument
  halving and an alternating series with a bounded tail; ``erf``/``erfc`` use
  the alternating Taylor series with a bounded tail for ``|t| <= 6`` and the
  classical bound ``0 < erfc(t) < exp(-t^2)/(t sqrt(pi))`` beyond.
* Anything else (an unevaluated ``Piecewise``, ``I``, an unknown function)
  returns ``None``: no claim is made.

Examples:
    >>> import sympy
    >>> certify_nonzero(sympy.tanh(2) - 2 * sympy.tanh(1))
    -1
    >>> certify_nonzero(sympy.sin(1)**2 + sympy.cos(1)**2 - 1) is None  # it is 0
    True
    >>> certify_nonzero(sympy.Rational(-3, 7))
    -1
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from decimal import Decimal

import mpmath
import sympy
from mpmath.ctx_iv import MPIntervalContext

__all__ = ["PRECISIONS", "certify_nonzero", "enclose", "enclosure_bounds", "enclosure_text"]

#: The precision ladder (bits) used to separate a number from 0.
PRECISIONS: tuple[int, ...] = (64, 256, 1024)

Interval = object  # an ivmpf of a private context


class _Unsupported(Exception):
    """The expression contains something the evaluator does not enclose."""


_CONTEXTS = threading.local()


def _context(prec: int) -> MPIntervalContext:
    """A private interval context at ``prec`` bits (one per thread and precision; creating one is slow)."""
    cache = getattr(_CONTEXTS, "by_prec", None)
    if cache is None:
        cache = _CONTEXTS.by_prec = {}
    ctx = cache.get(prec)
    if ctx is None:
        ctx = cache[prec] = MPIntervalContext()
    ctx.prec = prec
    return ctx


def enclose(expr: sympy.Expr, prec: int = 64):  # noqa: ANN201 - returns an mpmath ivmpf
    """An interval (``mpmath`` ``ivmpf``) certainly containing the real number ``expr``.

    Returns ``None`` when ``expr`` contains something this evaluator does not
    handle (then nothing is claimed).

    Examples:
        >>> import sympy
        >>> iv = enclose(sympy.pi - sympy.Rational(22, 7), 53)
        >>> bool(iv.b < 0)
        True
    """
    ctx = _context(prec)
    try:
        return _ev(sympy.sympify(expr, strict=True), ctx)
    except (_Unsupported, ZeroDivisionError, ValueError, TypeError, OverflowError):
        return None


def quick_context(prec: int = 64) -> MPIntervalContext:
    """A private interval context for :func:`enclose_in` (cheap pre-filters share one)."""
    return _context(prec)


def enclose_in(expr: sympy.Expr, ctx: MPIntervalContext):  # noqa: ANN201
    """Like :func:`enclose`, in the given private context (so results can be combined)."""
    try:
        return _ev(sympy.sympify(expr, strict=True), ctx)
    except (_Unsupported, ZeroDivisionError, ValueError, TypeError, OverflowError):
        return None


def thin_around_zero(box, prec: int) -> bool:  # noqa: ANN001
    """Whether ``box`` contains 0 and is narrower than 2^-(prec/2): numerically zero."""
    return bool(box.a <= 0 <= box.b) and _width(box) < mpmath.ldexp(1, -(prec // 2))


def certify_nonzero(expr: sympy.Expr, precisions: tuple[int, ...] = PRECISIONS) -> int | None:
    """The sign (+1 or -1) of ``expr`` when it is *proved* nonzero, else ``None``.

    Rational numbers are decided exactly; any other number by an interval
    enclosure that excludes 0, at increasing precision. ``None`` never means
    "zero": it means "not proved nonzero".
    """
    expr = sympy.sympify(expr, strict=True)
    if expr.is_Rational:
        return None if expr == 0 else (1 if expr > 0 else -1)
    if not expr.is_number or expr.has(sympy.nan, sympy.zoo, sympy.oo, -sympy.oo):
        return None
    for prec in precisions:
        box = enclose(expr, prec)
        if box is None:
            return None
        if box.a > 0:
            return 1
        if box.b < 0:
            return -1
        # a very thin box around 0 means the number is (numerically) 0: stop early
        if _width(box) < mpmath.ldexp(1, -(prec // 2)):
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
        box = enclose(expr, prec)
        if box is None:
            return None
        if box.a > 0 or box.b < 0:
            lo, hi = _ends(box)
            return _fmt(lo, digits, "down"), _fmt(hi, digits, "up"), prec
    return None


def enclosure_text(expr: sympy.Expr, precisions: tuple[int, ...] = PRECISIONS, digits: int = 12) -> str:
    """A short text of the enclosure of ``expr`` that excludes 0 (exact for rationals)."""
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
    ctx = _context(64 + 4 * digits)
    lo, hi = _ends(ctx.mpf(value) * ctx.mpf(10) ** scale)  # an enclosure of value * 10^scale
    n = int(mpmath.floor(lo)) if direction == "down" else int(mpmath.ceil(hi))
    d = Decimal(n).scaleb(-scale)
    return format(d, "f") if -5 <= exponent <= 5 else format(d, "e")


def _ends(box) -> tuple[mpmath.mpf, mpmath.mpf]:  # noqa: ANN001
    """The exact endpoints of an interval, as plain ``mpf`` (exact binary numbers)."""
    lo, hi = box._mpi_
    return mpmath.mp.make_mpf(lo), mpmath.mp.make_mpf(hi)


def _width(box) -> mpmath.mpf:  # noqa: ANN001
    lo, hi = _ends(box)
    with mpmath.workprec(max(mpmath.mp.prec, 2 * _WIDTH_BITS)):
        return hi - lo


_WIDTH_BITS = 2048


def _rational(ctx: MPIntervalContext, q: sympy.Rational):
    return ctx.mpf(int(q.p)) / ctx.mpf(int(q.q))


def _ev(e: sympy.Expr, ctx: MPIntervalContext):
    if e.is_Atom:
        return _ev_node(e, ctx)
    key = (e, ctx.prec)
    cached = _MEMO.get(key)
    if cached is not None:
        return _from_ends(ctx, cached)
    value = _ev_node(e, ctx)
    if len(_MEMO) > _MEMO_SIZE:
        _MEMO.clear()
    _MEMO[key] = value._mpi_
    return value


def _ev_node(e: sympy.Expr, ctx: MPIntervalContext):  # noqa: ANN202
    if e.is_Rational:
        return _rational(ctx, e)
    if e is sympy.pi:
        return ctx.pi
    if e is sympy.E:
        return ctx.e
    if isinstance(e, sympy.Float):
        return _rational(ctx, sympy.Rational(e))
    if isinstance(e, sympy.Add):
        total = ctx.mpf(0)
        for a in e.args:
            total = total + _ev(a, ctx)
        return total
    if isinstance(e, sympy.Mul):
        total = ctx.mpf(1)
        for a in e.args:
            total = total * _ev(a, ctx)
        return total
    if isinstance(e, sympy.Pow):
        return _pow(e.base, e.exp, ctx)
    handler = _FUNCTIONS.get(type(e))
    if handler is None or len(e.args) < 1:
        raise _Unsupported(type(e).__name__)
    return handler(e, ctx)


#: Enclosures of function values already computed, by (expression, precision): the
#: witness search evaluates the same f(point) many times. Endpoints are stored exactly.
_MEMO: dict[tuple[sympy.Expr, int], tuple] = {}
_MEMO_SIZE = 20000


def _from_ends(ctx, mpi):  # noqa: ANN001, ANN202
    lo, hi = mpi
    return ctx.mpf([mpmath.mp.make_mpf(lo), mpmath.mp.make_mpf(hi)])


def _pow(base: sympy.Expr, exponent: sympy.Expr, ctx: MPIntervalContext):
    b = _ev(base, ctx)
    if exponent.is_Integer:
        n = int(exponent)
        if n >= 0:
            return b**n
        if b.a <= 0 <= b.b:
            raise _Unsupported("division by an interval containing 0")
        return ctx.mpf(1) / (b ** (-n))
    if exponent == sympy.S.Half:
        if b.a < 0:
            raise _Unsupported("square root of a possibly negative number")
        return ctx.sqrt(b)
    if b.a <= 0:
        raise _Unsupported("real power of a possibly non-positive number")
    return ctx.exp(_ev(exponent, ctx) * ctx.log(b))


def _positive(iv) -> bool:  # noqa: ANN001
    return bool(iv.a > 0)


def _exp(e, ctx):  # noqa: ANN001, ANN202
    return ctx.exp(_ev(e.args[0], ctx))


def _log(e, ctx):  # noqa: ANN001, ANN202
    t = _ev(e.args[0], ctx)
    if not _positive(t) or len(e.args) != 1:
        raise _Unsupported("log of a possibly non-positive number")
    return ctx.log(t)


def _tanh_of(t, ctx):  # noqa: ANN001, ANN202
    # tanh(t) = 1 - 2/(exp(2t) + 1): t occurs once, so the enclosure is tight
    return ctx.mpf(1) - ctx.mpf(2) / (ctx.exp(2 * t) + 1)


def _tanh(e, ctx):  # noqa: ANN001, ANN202
    return _tanh_of(_ev(e.args[0], ctx), ctx)


def _sinh(e, ctx):  # noqa: ANN001, ANN202
    t = _ev(e.args[0], ctx)
    # sinh is increasing: enclose through the endpoints
    lo, hi = ctx.mpf(t.a), ctx.mpf(t.b)
    f = lambda s: (ctx.exp(s) - ctx.exp(-s)) / 2  # noqa: E731
    return _hull(ctx, f(lo), f(hi))


def _cosh(e, ctx):  # noqa: ANN001, ANN202
    t = _ev(e.args[0], ctx)
    return (ctx.exp(t) + ctx.exp(-t)) / 2


def _hull(ctx, lo, hi):  # noqa: ANN001, ANN202
    return ctx.mpf([min(lo.a, hi.a), max(lo.b, hi.b)])


def _atan_of(t, ctx):  # noqa: ANN001, ANN202
    """atan on an interval: atan is increasing, so enclose the endpoints separately."""
    return _hull(ctx, _atan_point(ctx.mpf(t.a), ctx), _atan_point(ctx.mpf(t.b), ctx))


def _atan_point(t, ctx, depth: int = 0):  # noqa: ANN001, ANN202
    # atan(t) = 2 atan(t / (1 + sqrt(1 + t^2))) until |t| <= 1/4, then an alternating series
    halvings = 0
    while max(abs(t.a), abs(t.b)) > ctx.mpf(1) / 4:
        t = t / (1 + ctx.sqrt(1 + t * t))
        halvings += 1
        if halvings > 200:
            raise _Unsupported("atan argument reduction did not converge")
    total = ctx.mpf(0)
    power = t
    t2 = t * t
    n = 0
    bits = ctx.prec + 10
    # |t| <= 1/4: the terms t^(2n+1)/(2n+1) decrease, the tail is bounded by the next term
    while True:
        term = power / (2 * n + 1)
        total = total + (term if n % 2 == 0 else -term)
        n += 1
        power = power * t2
        if n > bits // 4 + 2:
            break
    tail = abs(power / (2 * n + 1))
    total = total + ctx.mpf([-tail.b, tail.b])
    return total * (2**halvings)


def _atan(e, ctx):  # noqa: ANN001, ANN202
    return _atan_of(_ev(e.args[0], ctx), ctx)


def _erfc_tail(t, ctx):  # noqa: ANN001, ANN202
    """erfc on a thin interval t >= 6 (Abramowitz-Stegun 7.1.13), rigorously.

    2 e^(-t^2) / (sqrt(pi) (t + sqrt(t^2 + 2))) < erfc(t) <= 2 e^(-t^2) / (sqrt(pi) (t + sqrt(t^2 + 4/pi)))
    """
    g = 2 * ctx.exp(-(t * t)) / ctx.sqrt(ctx.pi)
    lower = g / (t + ctx.sqrt(t * t + 2))
    upper = g / (t + ctx.sqrt(t * t + 4 / ctx.pi))
    return ctx.mpf([lower.a, upper.b])


def _erf_series(t, ctx):  # noqa: ANN001, ANN202
    """erf on an interval t within [-6, 6], rigorously.

    erf(t) = 2/sqrt(pi) * sum (-1)^n t^(2n+1) / (n! (2n+1)). Once n + 1 > t^2 the terms
    decrease, and the tail of an alternating series is bounded by its first term; the
    bound holds at every point of t, so the enclosure covers all of t. The terms grow to
    about e^(t^2) before they shrink, so the sum runs with that many extra bits.
    """
    t2_max = _ends(t * t)[1]
    saved = ctx.prec
    ctx.prec = saved + int(1.5 * t2_max) + 10
    try:
        t2 = t * t
        total = ctx.mpf(0)
        power = t  # t^(2n+1)/n!
        n = 0
        small = mpmath.ldexp(1, -(saved + 10))
        while True:
            term = power / (2 * n + 1)
            total = total + (term if n % 2 == 0 else -term)
            n += 1
            power = power * t2 / n
            if n > t2_max + 1 and _ends(abs(power))[1] < small:
                break
        tail = abs(power / (2 * n + 1))
        total = total + ctx.mpf([-tail.b, tail.b])
        return 2 * total / ctx.sqrt(ctx.pi)
    finally:
        ctx.prec = saved


_ERF_SERIES_LIMIT = 6


def _erf_of(t, ctx):  # noqa: ANN001, ANN202
    lo, hi = _ends(t)
    if lo >= _ERF_SERIES_LIMIT:
        return 1 - _erfc_tail(t, ctx)
    if hi <= -_ERF_SERIES_LIMIT:
        return _erfc_tail(-t, ctx) - 1
    if -_ERF_SERIES_LIMIT <= lo and hi <= _ERF_SERIES_LIMIT:
        return _erf_series(t, ctx)
    # straddles +-6: erf is increasing, so enclose the two ends separately
    return _hull(ctx, _erf_of(ctx.mpf(t.a), ctx), _erf_of(ctx.mpf(t.b), ctx))


def _erf_argument(e, ctx):  # noqa: ANN001, ANN202
    """The argument of erf/erfc, re-enclosed with the extra bits the series will amplify."""
    t = _ev(e.args[0], ctx)
    lo, hi = _ends(t)
    if lo >= _ERF_SERIES_LIMIT or hi <= -_ERF_SERIES_LIMIT:
        return t
    saved = ctx.prec
    ctx.prec = saved + int(1.5 * min(_ends(t * t)[1], _ERF_SERIES_LIMIT**2)) + 10
    try:
        return _ev(e.args[0], ctx)
    finally:
        ctx.prec = saved


def _erf(e, ctx):  # noqa: ANN001, ANN202
    return _erf_of(_erf_argument(e, ctx), ctx)


def _erfc(e, ctx):  # noqa: ANN001, ANN202
    t = _erf_argument(e, ctx)
    if _ends(t)[0] >= _ERF_SERIES_LIMIT:
        return _erfc_tail(t, ctx)  # tiny: keep its relative accuracy
    return 1 - _erf_of(t, ctx)


def _asinh(e, ctx):  # noqa: ANN001, ANN202
    t = _ev(e.args[0], ctx)

    # asinh is increasing and odd: log(|s| + sqrt(s^2 + 1)) at each end, sign restored
    def at(s):  # noqa: ANN001, ANN202
        value = ctx.log(abs(s) + ctx.sqrt(s * s + 1))
        return value if s.a >= 0 else -value

    return _hull(ctx, at(ctx.mpf(t.a)), at(ctx.mpf(t.b)))


def _atanh(e, ctx):  # noqa: ANN001, ANN202
    t = _ev(e.args[0], ctx)
    if not (t.a > -1 and t.b < 1):
        raise _Unsupported("atanh outside (-1, 1)")
    return ctx.log((1 + t) / (1 - t)) / 2


def _sin(e, ctx):  # noqa: ANN001, ANN202
    return ctx.sin(_ev(e.args[0], ctx))


def _cos(e, ctx):  # noqa: ANN001, ANN202
    return ctx.cos(_ev(e.args[0], ctx))


def _tan(e, ctx):  # noqa: ANN001, ANN202
    t = _ev(e.args[0], ctx)
    c = ctx.cos(t)
    if c.a <= 0 <= c.b:
        raise _Unsupported("tan near a pole")
    return ctx.sin(t) / c


def _sinc(e, ctx):  # noqa: ANN001, ANN202
    t = _ev(e.args[0], ctx)
    if t.a <= 0 <= t.b:
        raise _Unsupported("sinc on an interval containing 0")
    return ctx.sin(t) / t


def _abs(e, ctx):  # noqa: ANN001, ANN202
    return abs(_ev(e.args[0], ctx))


def _maxmin(pick: Callable) -> Callable:
    def handler(e, ctx):  # noqa: ANN001, ANN202
        boxes = [_ev(a, ctx) for a in e.args]
        return ctx.mpf([pick(b.a for b in boxes), pick(b.b for b in boxes)])

    return handler


def _step(e, ctx, zero_value=None):  # noqa: ANN001, ANN202
    t = _ev(e.args[0], ctx)
    if t.a > 0:
        return ctx.mpf(1)
    if t.b < 0:
        return ctx.mpf(0) if isinstance(e, sympy.Heaviside) else ctx.mpf(-1)
    raise _Unsupported("a step at an argument not separated from 0")


_FUNCTIONS: dict[type, Callable] = {
    sympy.exp: _exp,
    sympy.log: _log,
    sympy.tanh: _tanh,
    sympy.sinh: _sinh,
    sympy.cosh: _cosh,
    sympy.atan: _atan,
    sympy.asinh: _asinh,
    sympy.atanh: _atanh,
    sympy.erf: _erf,
    sympy.erfc: _erfc,
    sympy.sin: _sin,
    sympy.cos: _cos,
    sympy.tan: _tan,
    sympy.sinc: _sinc,
    sympy.Abs: _abs,
    sympy.Max: _maxmin(max),
    sympy.Min: _maxmin(min),
    sympy.Heaviside: _step,
    sympy.sign: _step,
}
