"""Certified interval enclosures of exact SymPy expressions.

:func:`enclose` returns an :mod:`mpmath.iv` interval guaranteed to contain every
value an expression takes on a box ``[lo, hi]`` of its variable (the ends may be
infinite; the box then means the half-line, never the point at infinity).

How each value is bounded:

* ``+ - * /``, integer powers, ``exp``, ``log``, ``sqrt``, ``sin``, ``cos``,
  ``pi`` and ``E`` use :mod:`mpmath.iv`, whose arithmetic rounds outward, so
  these enclosures are rigorous.
* Monotone functions that :mod:`mpmath.iv` lacks or only evaluates with
  untracked truncation error (``tanh``, ``sinh``, ``asinh``, ``atan``, ``erf``,
  ``erfc``, :class:`erfcx`, ``LambertW``; ``cosh`` piecewise monotone) are
  evaluated at the two ends of the argument interval with mpmath's
  point functions at ``prec + 40`` bits and widened outward by a relative
  ``2**-prec`` (a margin of about ``2**32`` ulps of the evaluation precision,
  far above the few-ulp accuracy mpmath delivers for these functions). Where the
  true value is known exactly (``tanh(0) = 0``, limits at infinity) it is used.
  These enclosures are therefore certified *assuming* mpmath's point functions
  are accurate to within 2**32 ulps.
* Arguments beyond ``2**24`` in magnitude are clamped outward (a monotone
  function's value at the clamp bounds its value beyond), so no huge evaluation
  is ever attempted.

Anything the code cannot bound, or where the expression is undefined somewhere
on the box (``log`` of a non-positive number, division by an interval containing
0, ``sqrt`` of a negative number, ...), raises :class:`EnclosureError`; it never
returns a narrow wrong interval. Products like ``oo * 0`` give ``[-inf, inf]``.

Examples:
    >>> import sympy
    >>> from symact import x
    >>> enclose(x**2 - 1, -2, 3)
    mpi('-1.0', '8.0')
    >>> enclose(sympy.exp(-x) * x, 0, sympy.oo)
    mpi('0.0', '+inf')
    >>> enclose(sympy.log(x), -1, 1)
    Traceback (most recent call last):
    ...
    symact.numeric.interval.EnclosureError: log of an interval reaching <= 0: [-1.0, 1.0]
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from fractions import Fraction
from typing import Any

import mpmath
import sympy
from mpmath import iv, mp
from mpmath.libmp import finf, fnan, fninf, fzero

from symact.definition.activation import x

__all__ = ["EnclosureError", "compile_enclosure", "enclose", "erfcx", "iv_point", "to_iv"]

#: Arguments beyond this magnitude are clamped outward for monotone functions.
_CLAMP = mpmath.mpf(2) ** 24

_LOCK = threading.RLock()


class EnclosureError(ArithmeticError):
    """The expression is undefined or unsupported somewhere on the box."""


class erfcx(sympy.Function):  # noqa: N801 - mirrors scipy.special.erfcx
    """The scaled complementary error function ``exp(z**2) * erfc(z)``.

    It is positive and strictly decreasing on the reals, tends to ``+oo`` at
    ``-oo`` and to 0 (like ``1/(z sqrt(pi))``) at ``+oo``; :func:`enclose`
    bounds it without the overflow/underflow of the product form.

    Examples:
        >>> from symact import x
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


# ----------------------------------------------------------------------------- helpers


@contextlib.contextmanager
def _ivprec(prec: int) -> Iterator[None]:
    """Scoped precision of :data:`mpmath.iv` (restored on exit)."""
    with _LOCK:
        old = iv.prec
        iv.prec = prec
        try:
            yield
        finally:
            iv.prec = old


def _mk(lo: Any, hi: Any) -> Any:
    """An iv interval from two raw/mpf bounds (outward rounded)."""
    return iv.mpf([lo, hi])


def _whole() -> Any:
    return iv.mpf([-mpmath.inf, mpmath.inf])


def _clean(v: Any) -> Any:
    """Replace a NaN end (from ``inf - inf`` etc.) by the whole line."""
    if v._mpi_[0] == fnan or v._mpi_[1] == fnan:
        return _whole()
    return v


def _lo(v: Any) -> mpmath.mpf:
    return mp.make_mpf(v._mpi_[0])


def _hi(v: Any) -> mpmath.mpf:
    return mp.make_mpf(v._mpi_[1])


def _contains_zero(v: Any) -> bool:
    return _lo(v) <= 0 <= _hi(v)


def to_iv(value: Any) -> Any:
    """An iv interval containing the exact number ``value`` (at the current iv precision).

    Accepts SymPy numbers and constant expressions (``sqrt(2)``, ``pi``, ``-oo``),
    Python ints, ``Fraction`` and mpmath numbers.

    Examples:
        >>> with _ivprec(53):
        ...     to_iv(sympy.Rational(1, 3))
        mpi('0.33333333333333331', '0.33333333333333337')
    """
    if isinstance(value, bool):
        raise TypeError("a boolean is not a number")
    if isinstance(value, int):
        return iv.mpf(value)
    if isinstance(value, Fraction):
        return iv.mpf(value.numerator) / iv.mpf(value.denominator)
    if isinstance(value, mpmath.mpf):
        return iv.mpf(value)
    if isinstance(value, float):
        return iv.mpf(mpmath.mpf(value))
    if type(value).__name__ in ("ivmpf",):
        return value
    e = sympy.sympify(value, strict=True)
    if e is sympy.S.Infinity:
        return iv.mpf([mpmath.inf, mpmath.inf])
    if e is sympy.S.NegativeInfinity:
        return iv.mpf([-mpmath.inf, -mpmath.inf])
    if e.free_symbols:
        raise EnclosureError(f"not a constant: {e}")
    return compile_enclosure(e, x)(None)


def _box(lo: Any, hi: Any) -> Any:
    a = to_iv(lo)
    b = to_iv(hi)
    la, hb = _lo(a), _hi(b)
    if mpmath.isnan(la) or mpmath.isnan(hb) or la > hb:
        raise EnclosureError(f"empty or invalid box [{lo}, {hi}]")
    if la == mpmath.inf or hb == -mpmath.inf:
        raise EnclosureError(f"box [{lo}, {hi}] contains no real number")
    return _mk(la, hb)


def iv_point(value: Any, prec: int = 120) -> Any:
    """A tight iv interval around an exact constant, computed at ``prec`` bits.

    Examples:
        >>> p = iv_point(sympy.pi, 60)
        >>> 3.14159265358979 < p.a < p.b < 3.1415926535898
        True
    """
    with _ivprec(prec):
        return to_iv(value)


# ------------------------------------------------------------ monotone point functions


def _mp_point(fn: Callable[[mpmath.mpf], Any], t: mpmath.mpf) -> tuple[mpmath.mpf, mpmath.mpf]:
    """Outward bounds of ``fn(t)`` from an mpmath evaluation at ``prec + 40`` bits."""
    prec = iv.prec
    with mp.workprec(prec + 40):
        v = fn(t)
        if isinstance(v, mpmath.mpc):
            if v.imag != 0:
                raise EnclosureError("complex value")
            v = v.real
        v = mpmath.mpf(v)
        if not mpmath.isfinite(v):
            raise EnclosureError(f"non-finite value at {t}")
        if v == 0:
            raise EnclosureError(f"unexpected exact zero at {t}")
        d = abs(v) * mpmath.ldexp(1, -prec)
        return v - d, v + d


class _Monotone:
    """An increasing function with known limits and exact values at some points."""

    def __init__(
        self,
        name: str,
        fn: Callable[[mpmath.mpf], Any],
        at_ninf: Callable[[], Any],
        at_pinf: Callable[[], Any],
        exact: dict[int, int] | None = None,
    ) -> None:
        self.name = name
        self.fn = fn
        self.at_ninf = at_ninf  # iv interval containing the infimum
        self.at_pinf = at_pinf  # iv interval containing the supremum
        self.exact = exact or {}

    def _bounds(self, t: mpmath.mpf) -> tuple[mpmath.mpf, mpmath.mpf]:
        if t == mpmath.inf:
            v = self.at_pinf()
            return _lo(v), _hi(v)
        if t == -mpmath.inf:
            v = self.at_ninf()
            return _lo(v), _hi(v)
        if t > _CLAMP:
            return self._bounds(_CLAMP)[0], _hi(self.at_pinf())
        if t < -_CLAMP:
            return _lo(self.at_ninf()), self._bounds(-_CLAMP)[1]
        if t in self.exact:
            v = mpmath.mpf(self.exact[t])
            return v, v
        return _mp_point(self.fn, t)

    def image(self, v: Any) -> Any:
        return _mk(self._bounds(_lo(v))[0], self._bounds(_hi(v))[1])


def _const(v: Any) -> Callable[[], Any]:
    return lambda: iv.mpf(v)


_TANH = _Monotone("tanh", mp.tanh, _const(-1), _const(1), {0: 0})
_SINH = _Monotone("sinh", mp.sinh, _const(-mpmath.inf), _const(mpmath.inf), {0: 0})
_ASINH = _Monotone("asinh", mp.asinh, _const(-mpmath.inf), _const(mpmath.inf), {0: 0})
_ATAN = _Monotone("atan", mp.atan, lambda: -iv.pi / 2, lambda: iv.pi / 2, {0: 0})
_ERF = _Monotone("erf", mp.erf, _const(-1), _const(1), {0: 0})
# decreasing functions f(t) are handled as increasing h(s) = f(-s) at s = -t
_ERFC_NEG = _Monotone("erfc", lambda s: mp.erfc(-s), _const(0), _const(2), {0: 1})


def _erfcx_neg(s: mpmath.mpf) -> mpmath.mpf:
    """erfcx(-s) = exp(s**2) erfc(-s). exp amplifies the relative error of its argument by
    s**2, so s**2 is formed exactly and exp is evaluated with 2 log2|s| extra bits."""
    extra = 2 * max(0, int(mpmath.mag(s))) + 20
    with mp.workprec(mp.prec + extra):
        with mp.workprec(4 * mp.prec):
            s2 = s * s  # exact: s has at most mp.prec bits
        return mp.exp(s2) * mp.erfc(-s)


_ERFCX_NEG = _Monotone("erfcx", _erfcx_neg, _const(0), _const(mpmath.inf), {0: 1})
_LAMBERTW = _Monotone("LambertW", lambda t: mp.lambertw(t), _const(-1), _const(mpmath.inf), {0: 0})
_COSH_POS = _Monotone("cosh", mp.cosh, _const(1), _const(mpmath.inf), {0: 1})  # used on [0, oo)


_EXP_CLAMP = mpmath.mpf(2) ** 32
_TRIG_CLAMP = mpmath.mpf(2) ** 40


def _exp(v: Any) -> Any:
    """exp on an interval, with arguments beyond +-2**32 clamped outward (exp is
    increasing, so exp(2**32) bounds exp(t) below for t >= 2**32, and so on); this
    keeps mpmath from evaluating exp of astronomically large numbers."""
    a, b = _lo(v), _hi(v)
    if -_EXP_CLAMP <= a and b <= _EXP_CLAMP:
        return iv.exp(v)
    if a > _EXP_CLAMP:
        lo = _lo(iv.exp(iv.mpf(_EXP_CLAMP)))
    elif a < -_EXP_CLAMP:
        lo = mpmath.mpf(0)
    else:
        lo = _lo(iv.exp(iv.mpf(a)))
    if b > _EXP_CLAMP:
        hi = mpmath.inf
    elif b < -_EXP_CLAMP:
        hi = _hi(iv.exp(iv.mpf(-_EXP_CLAMP)))
    else:
        hi = _hi(iv.exp(iv.mpf(b)))
    return _mk(lo, hi)


def _trig(op: Callable[[Any], Any], v: Any) -> Any:
    """sin/cos on an interval; [-1, 1] when an end is beyond 2**40 in magnitude."""
    a, b = _lo(v), _hi(v)
    if a < -_TRIG_CLAMP or b > _TRIG_CLAMP:
        return _mk(-1, 1)
    return _clean(op(v))


def _decreasing(m: _Monotone, v: Any) -> Any:
    return m.image(-v)


def _cosh(v: Any) -> Any:
    a, b = _lo(v), _hi(v)
    if a >= 0:
        return _COSH_POS.image(v)
    if b <= 0:
        return _COSH_POS.image(-v)
    m = max(-a, b)
    return _mk(1, _COSH_POS._bounds(m)[1])


def _sinc(v: Any) -> Any:
    a, b = _lo(v), _hi(v)
    if a > 0 or b < 0:
        return _clean(_trig(iv.sin, v) / v)
    # sinc(t) <= 1 and sinc(t) >= 1 - t**2/6 for all real t; |sinc| <= 1
    parts = []
    m = min(max(-a, b), mpmath.mpf(1))
    parts.append(_mk(_lo(1 - iv.mpf(m) ** 2 / 6), 1))
    one = mpmath.mpf(1)
    if b > one:
        parts.append(_clean(_trig(iv.sin, _mk(one, b)) / _mk(one, b)))
    if a < -one:
        parts.append(_clean(_trig(iv.sin, _mk(a, -one)) / _mk(a, -one)))
    return _hull(parts)


def _hull(vs: list[Any]) -> Any:
    return _mk(min(_lo(v) for v in vs), max(_hi(v) for v in vs))


# --------------------------------------------------------------------------- compiling

_Fn = Callable[[Any], Any]


def _leaf_const(e: sympy.Expr) -> _Fn:
    cache: dict[int, Any] = {}

    def make() -> Any:
        if e.is_Integer:
            return iv.mpf(int(e))
        if e.is_Rational:
            return iv.mpf(int(e.p)) / iv.mpf(int(e.q))
        if e.is_Float:
            return iv.mpf(mp.make_mpf(e._mpf_))
        if e is sympy.pi:  # +: force the lazy constant at the current precision
            return +iv.pi
        if e is sympy.E:
            return +iv.e
        raise EnclosureError(f"unsupported constant {e}")

    def f(_: Any) -> Any:
        p = iv.prec
        v = cache.get(p)
        if v is None:
            v = cache[p] = make()
        return v

    return f


def _cached_const(inner: _Fn) -> _Fn:
    cache: dict[int, Any] = {}

    def f(_: Any) -> Any:
        p = iv.prec
        v = cache.get(p)
        if v is None:
            v = cache[p] = inner(None)
        return v

    return f


def _raise(msg: str) -> _Fn:
    def f(_: Any) -> Any:
        raise EnclosureError(msg)

    return f


_COMPILED: dict[tuple[sympy.Basic, sympy.Symbol], _Fn] = {}


def compile_enclosure(expr: sympy.Expr, var: sympy.Symbol = x) -> Callable[[Any], Any]:
    """Compile ``expr`` into a function from an iv box of ``var`` to an iv enclosure.

    The result is cached per expression; call it inside a precision scope. It
    raises :class:`EnclosureError` where :func:`enclose` would.
    """
    key = (expr, var)
    f = _COMPILED.get(key)
    if f is None:
        try:
            f = _compile(sympy.sympify(expr, strict=True), var)
        except EnclosureError as exc:
            f = _raise(str(exc))
        if len(_COMPILED) > 20000:
            _COMPILED.clear()
        _COMPILED[key] = f
    return f


def _compile(e: sympy.Expr, var: sympy.Symbol) -> _Fn:
    if e == var:
        return lambda B: B
    if isinstance(e, sympy.Symbol):
        raise EnclosureError(f"free symbol {e}")
    if e.is_Number or isinstance(e, sympy.NumberSymbol):
        if e in (sympy.oo, -sympy.oo, sympy.zoo, sympy.nan):
            raise EnclosureError(f"{e} is not a real number")
        return _leaf_const(e)
    f = _compile_node(e, var)
    if var not in e.free_symbols:
        return _cached_const(f)
    return f


def _compile_node(e: sympy.Expr, var: sympy.Symbol) -> _Fn:  # noqa: C901 - one dispatch table
    C = lambda s: _compile(s, var)  # noqa: E731
    if isinstance(e, sympy.Add):
        fs = [C(a) for a in e.args]

        def f_add(B: Any) -> Any:
            acc = fs[0](B)
            for g in fs[1:]:
                acc = _clean(acc + g(B))
            return acc

        return f_add
    if isinstance(e, sympy.Mul):
        fs = [C(a) for a in e.args]

        def f_mul(B: Any) -> Any:
            acc = fs[0](B)
            for g in fs[1:]:
                acc = _clean(acc * g(B))
            return acc

        return f_mul
    if isinstance(e, sympy.Pow):
        return _compile_pow(e, var)
    if isinstance(e, sympy.exp):
        g = C(e.args[0])
        return lambda B: _exp(g(B))
    if isinstance(e, sympy.log):
        g = C(e.args[0])

        def f_log(B: Any) -> Any:
            v = g(B)
            if not _lo(v) > 0:
                raise EnclosureError(f"log of an interval reaching <= 0: {v}")
            return iv.log(v)

        return f_log
    if isinstance(e, (sympy.sin, sympy.cos)):
        g = C(e.args[0])
        op = iv.sin if isinstance(e, sympy.sin) else iv.cos
        return lambda B: _trig(op, g(B))
    mono = {sympy.tanh: _TANH, sympy.sinh: _SINH, sympy.asinh: _ASINH, sympy.atan: _ATAN, sympy.erf: _ERF}
    if e.func in mono:
        m = mono[e.func]
        g = C(e.args[0])
        return lambda B: m.image(g(B))
    if isinstance(e, sympy.erfc):
        g = C(e.args[0])
        return lambda B: _decreasing(_ERFC_NEG, g(B))
    if isinstance(e, erfcx):
        g = C(e.args[0])
        return lambda B: _decreasing(_ERFCX_NEG, g(B))
    if isinstance(e, sympy.cosh):
        g = C(e.args[0])
        return lambda B: _cosh(g(B))
    if isinstance(e, sympy.LambertW):
        if len(e.args) > 1 and e.args[1] != 0:
            raise EnclosureError("only the principal branch of LambertW is supported")
        g = C(e.args[0])
        minus_inv_e = C(-sympy.exp(-1))

        def f_w(B: Any) -> Any:
            v = g(B)
            if not _lo(v) >= _hi(minus_inv_e(None)):
                raise EnclosureError(f"LambertW argument may reach below -1/e: {v}")
            return _LAMBERTW.image(v)

        return f_w
    if isinstance(e, sympy.Abs):
        g = C(e.args[0])
        return lambda B: abs(g(B))
    if isinstance(e, sympy.sign):
        g = C(e.args[0])

        def f_sign(B: Any) -> Any:
            v = g(B)
            a, b = _lo(v), _hi(v)
            vals = [s for s, ok in ((-1, a < 0), (0, a <= 0 <= b), (1, b > 0)) if ok]
            return _mk(min(vals), max(vals))

        return f_sign
    if isinstance(e, (sympy.Max, sympy.Min)):
        fs = [C(a) for a in e.args]
        pick = max if isinstance(e, sympy.Max) else min

        def f_mm(B: Any) -> Any:
            vs = [g(B) for g in fs]
            return _mk(pick(_lo(v) for v in vs), pick(_hi(v) for v in vs))

        return f_mm
    if isinstance(e, sympy.Heaviside):
        g = C(e.args[0])
        h0 = e.args[1] if len(e.args) > 1 else sympy.S.Half
        h0f = C(h0) if h0.is_real and h0.is_finite else None

        def f_h(B: Any) -> Any:
            v = g(B)
            a, b = _lo(v), _hi(v)
            parts = []
            if a < 0:
                parts.append(iv.mpf(0))
            if b > 0:
                parts.append(iv.mpf(1))
            if a <= 0 <= b:
                if h0f is None:
                    raise EnclosureError("Heaviside(0) is undefined")
                parts.append(h0f(None))
            return _hull(parts)

        return f_h
    if isinstance(e, sympy.DiracDelta):
        if len(e.args) != 1:
            raise EnclosureError("derivatives of DiracDelta are not supported")
        g = C(e.args[0])

        def f_d(B: Any) -> Any:
            if _contains_zero(g(B)):
                raise EnclosureError("DiracDelta at 0")
            return iv.mpf(0)

        return f_d
    if isinstance(e, sympy.sinc):
        g = C(e.args[0])
        return lambda B: _sinc(g(B))
    if isinstance(e, sympy.Piecewise):
        return _compile_piecewise(e, var)
    if isinstance(e, sympy.CRootOf) and not e.free_symbols:
        if not e.is_real:
            raise EnclosureError(f"{e} is not real")

        def f_root(B: Any) -> Any:
            # SymPy isolates real roots in exact rational arithmetic: |root - q| <= dx
            dx = sympy.Rational(1, 2 ** (iv.prec + 8))
            q = e.eval_rational(dx=dx)
            return _mk(
                _lo(iv.mpf(int(q.p)) / int(q.q) - _leaf_const(dx)(None)),
                _hi(iv.mpf(int(q.p)) / int(q.q) + _leaf_const(dx)(None)),
            )

        return f_root
    raise EnclosureError(f"unsupported function {e.func.__name__}")


def _compile_pow(e: sympy.Pow, var: sympy.Symbol) -> _Fn:
    base, ex = e.args
    gb = _compile(base, var)
    if ex.is_Integer:
        n = int(ex)
        if n >= 0:
            return lambda B: gb(B) ** n

        def f_negpow(B: Any) -> Any:
            v = gb(B)
            if _contains_zero(v):
                raise EnclosureError(f"division by an interval containing 0: {v}")
            return 1 / (v ** (-n))

        return f_negpow
    if ex.is_Rational:
        r = Fraction(int(ex.p), int(ex.q))

        def f_rpow(B: Any) -> Any:
            v = gb(B)
            a, b = _lo(v), _hi(v)
            if a < 0 or (r < 0 and a <= 0):
                raise EnclosureError(f"power {ex} of an interval reaching {'< 0' if a < 0 else '0'}: {v}")
            if r == Fraction(1, 2):
                return iv.sqrt(v)
            if r == Fraction(-1, 2):
                return 1 / iv.sqrt(v)
            rr = iv.mpf(r.numerator) / iv.mpf(r.denominator)

            def at(t: mpmath.mpf) -> Any:
                if t == 0:
                    return iv.mpf(0)
                if t == mpmath.inf:
                    return iv.mpf([mpmath.inf, mpmath.inf]) if r > 0 else iv.mpf(0)
                return iv.exp(rr * iv.log(iv.mpf(t)))

            lo_v, hi_v = (at(a), at(b)) if r > 0 else (at(b), at(a))
            return _mk(_lo(lo_v), _hi(hi_v))

        return f_rpow
    ge = _compile(ex, var)

    def f_gpow(B: Any) -> Any:
        v = gb(B)
        if not _lo(v) > 0:
            raise EnclosureError(f"non-integer power of an interval reaching <= 0: {v}")
        return _clean(_exp(_clean(ge(B) * iv.log(v))))

    return f_gpow


def _cond_value(c: Any, var: sympy.Symbol) -> Callable[[Any], bool | None]:
    """Tri-valued truth of a condition on a box: True (everywhere), False (nowhere), None."""
    if c is sympy.true or c is True:
        return lambda B: True
    if c is sympy.false or c is False:
        return lambda B: False
    if isinstance(c, sympy.And) or isinstance(c, sympy.Or):
        subs = [_cond_value(a, var) for a in c.args]
        is_and = isinstance(c, sympy.And)

        def f_andor(B: Any) -> bool | None:
            vals = [s(B) for s in subs]
            if is_and:
                if any(v is False for v in vals):
                    return False
                return True if all(v is True for v in vals) else None
            if any(v is True for v in vals):
                return True
            return False if all(v is False for v in vals) else None

        return f_andor
    if isinstance(c, sympy.Not):
        s = _cond_value(c.args[0], var)

        def f_not(B: Any) -> bool | None:
            v = s(B)
            return None if v is None else not v

        return f_not
    if isinstance(c, sympy.core.relational.Relational):
        d = _compile(c.lhs - c.rhs, var)
        op = c.rel_op

        def f_rel(B: Any) -> bool | None:
            v = d(B)
            a, b = _lo(v), _hi(v)
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
    raise EnclosureError(f"unsupported condition {c}")


def _compile_piecewise(e: sympy.Piecewise, var: sympy.Symbol) -> _Fn:
    branches = [(_compile(b.expr, var), _cond_value(b.cond, var)) for b in e.args]

    def f_pw(B: Any) -> Any:
        parts = []
        for fb, cb in branches:
            t = cb(B)
            if t is False:
                continue
            parts.append(fb(B))
            if t is True:
                return _hull(parts)
        raise EnclosureError("Piecewise may be undefined on the box (no condition surely holds)")

    return f_pw


# ------------------------------------------------------------------------------ API


def enclose(expr: sympy.Expr, lo: Any = None, hi: Any = None, *, var: sympy.Symbol = x, prec: int = 120) -> Any:
    """An interval containing ``{expr(t) : t in [lo, hi]}`` (finite ``t`` only).

    Args:
        expr: a SymPy expression in ``var`` (or a constant; then ``lo``/``hi`` may be omitted).
        lo, hi: the box; SymPy numbers (exact, enclosed rigorously), ints,
            ``Fraction``, mpmath numbers; may be ``-oo``/``oo``.
        var: the variable.
        prec: working precision in bits.

    Returns:
        an ``mpmath.iv.mpf`` interval (its ends may be infinite).

    Raises:
        EnclosureError: the expression is unsupported, or may be undefined, on the box.

    Examples:
        >>> import sympy
        >>> from symact import x
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
    with _ivprec(prec):
        if lo is None and hi is None:
            if var in expr.free_symbols:
                raise EnclosureError("a box is needed for a non-constant expression")
            return f(None)
        B = _box(lo if lo is not None else hi, hi if hi is not None else lo)
        return f(B)


def enclose_raw(f: _Fn, lo: mpmath.mpf, hi: mpmath.mpf) -> Any:
    """Apply a compiled enclosure to the box ``[lo, hi]`` of mpf ends (current precision)."""
    return f(_mk(lo, hi))


# keep the unused imports referenced for linters
_ = (finf, fninf, fzero)
