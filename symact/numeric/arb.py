"""Ball arithmetic (arb, through python-flint): rigorous values of SymPy expressions at exact points.

:func:`compile_arb` turns a SymPy expression in ``x`` into a function of an ``arb`` ball:
its value is a ball certain to contain the exact value (arb's midpoint-radius arithmetic
is rigorous: every operation and every function bounds its own rounding and truncation
errors). What each SymPy class becomes is read from the ``arb`` column of
:data:`symact.definition.primitives.PRIMITIVES`; a class declared ``"unsupported"``
(or missing from the table) makes :func:`compile_arb` raise :class:`ArbUnsupported`.
Where a ball cannot decide a branch (a ``Piecewise`` condition, the sign of a
``Heaviside`` argument whose ball holds 0 but is not exactly 0) the evaluation raises
:class:`Undecided`: callers fall back to another method, never guess.

:func:`correctly_rounded` is Ziv's strategy on balls: evaluate at increasing precision
until both ends of the ball round to one float of the target format (subnormals and
overflow included, ties to even on exact balls), or give up (None);
:func:`correctly_rounded_all` does it for many points, :func:`round_ball` for one ball.
:func:`certify_sign` proves a real constant nonzero (the proofs' certificate checks).

Examples:
    >>> import sympy
    >>> from symact.definition.activation import x
    >>> f = compile_arb(sympy.log(1 + sympy.exp(x)))
    >>> correctly_rounded(f, -700.0, (53, -1074, 1024))
    9.85967654375977e-305
    >>> correctly_rounded(f, 1.0, (24, -149, 128))  # log(1 + e) in float32
    1.31326162815094
    >>> correctly_rounded(compile_arb(x / 2), 5e-324, (53, -1074, 1024))  # a subnormal tie, to even
    0.0
"""

from __future__ import annotations

import math
import struct
from collections.abc import Callable, Iterable
from typing import Any

import flint
import sympy
from flint import arb

from symact.definition.activation import x
from symact.definition.primitives import PRIMITIVES, textbook

__all__ = [
    "MAX_PREC",
    "SIGN_PRECISIONS",
    "START_PREC",
    "ArbUnsupported",
    "Undecided",
    "ball_ends",
    "certify_sign",
    "compile_arb",
    "correctly_rounded",
    "correctly_rounded_all",
    "round_ball",
    "round_dyadic",
]

#: The first and the largest working precision (bits) of :func:`correctly_rounded`.
START_PREC, MAX_PREC = 128, 8192

#: At most this many evaluations per point.
_STEPS = 8

#: A ball whose midpoint and radius exponents are further apart than this is widened (by
#: less than ``2**-64`` of its larger part) before it is split into exact ends: the
#: integers would be huge.
_MAX_SHIFT = 1 << 14

_F32 = struct.Struct("f")

Ball = Any  # flint.arb (python-flint ships no type information)
Fn = Callable[[Ball], Ball]


class ArbUnsupported(NotImplementedError):
    """An expression holds a node the ball evaluator has no rigorous evaluation for."""


class Undecided(ArithmeticError):
    """A ball cannot decide a branch (a condition, a sign at a ball holding 0): not a value."""


# ---------------------------------------------------------------------------------------
# SymPy -> arb closures
# ---------------------------------------------------------------------------------------
def _dyadic(man: int, exp: int) -> Ball:
    """The exact ball ``man * 2**exp`` (arb's constructor reads ``(man, exp)`` exactly)."""
    return arb((flint.fmpz(man), flint.fmpz(exp)))


def _number(e: sympy.Expr) -> Fn:
    if e.is_Integer:
        n = flint.fmpz(int(e))
        return lambda v: arb(n)
    if e.is_Rational:
        q = flint.fmpq(int(e.p), int(e.q))
        return lambda v: arb(q)
    if isinstance(e, sympy.Float):
        sgn, man, exp, _ = e._mpf_
        c = _dyadic(-int(man) if sgn else int(man), int(exp))
        return lambda v: c
    if e is sympy.pi:
        return lambda v: arb.pi()
    if e is sympy.E:
        return lambda v: arb.const_e()
    raise ArbUnsupported(f"no ball evaluation for the constant {e}")


def _method(name: str, nargs: int, func: type) -> Callable[..., Ball]:
    if nargs != 1:
        raise ArbUnsupported(f"no ball evaluation for {func.__name__} of {nargs} arguments")
    meth = getattr(arb, name, None)
    if meth is None:
        raise ArbUnsupported(f"python-flint's arb has no method {name!r} (the arb column of {func.__name__})")
    return meth


def _heaviside(u: Ball, h0: Ball) -> Ball:
    if u > 0:
        return arb(1)
    if u < 0:
        return arb(0)
    if u.is_exact() and u.is_zero():
        return h0
    raise Undecided("Heaviside of a ball holding 0")


def _delta(u: Ball) -> Ball:
    if u > 0 or u < 0:
        return arb(0)
    raise Undecided("DiracDelta of a ball holding 0")


def _reduce(fs: list[Fn], pick: str) -> Fn:
    def f(v: Ball) -> Ball:
        out = fs[0](v)
        for g in fs[1:]:
            out = getattr(out, pick)(g(v))
        return out

    return f


def _structure(e: sympy.Expr) -> Fn:
    if isinstance(e, (sympy.Max, sympy.Min)):
        return _reduce([compile_arb(a) for a in e.args], "max" if isinstance(e, sympy.Max) else "min")
    if isinstance(e, sympy.Heaviside):
        fu = compile_arb(e.args[0])
        h0 = compile_arb(e.args[1]) if len(e.args) > 1 else _number(sympy.S.Half)
        return lambda v: _heaviside(fu(v), h0(v))
    if isinstance(e, sympy.DiracDelta):
        if len(e.args) > 1:
            raise ArbUnsupported("no ball evaluation for a derivative of DiracDelta")
        fu = compile_arb(e.args[0])
        return lambda v: _delta(fu(v))
    if isinstance(e, sympy.Piecewise):
        branches = [(compile_arb(b), _condition(c)) for b, c in e.args]

        def pw(v: Ball) -> Ball:
            for fb, fc in branches:
                if fc(v):
                    return fb(v)
            return arb.nan()

        return pw
    raise ArbUnsupported(f"no ball evaluation by structure for {e.func}")


def _ipow(b: Ball, k: int) -> Ball:
    """``b**k`` for an integer ``k >= 0`` by squaring (arb's ``**`` goes through exp and log:
    nan for a ball holding 0)."""
    out, sq = arb(1), b
    while k:
        if k & 1:
            out = out * sq
        k >>= 1
        if k:
            sq = sq * sq
    return out


def _pow(e: sympy.Pow) -> Fn:
    fb, n = compile_arb(e.base), e.exp
    if n.is_Integer:
        k = int(n)
        if k >= 0:
            return lambda v: _ipow(fb(v), k)
        return lambda v: 1 / _ipow(fb(v), -k)
    if n == sympy.S.Half:
        return lambda v: fb(v).sqrt()
    fe = compile_arb(n)
    return lambda v: fb(v) ** fe(v)


def compile_arb(e: sympy.Basic) -> Fn:
    """A function of an ``arb`` ball (the value of ``x``) returning a ball holding the value of ``e``.

    Raises :class:`ArbUnsupported` for a node with no rigorous ball evaluation; the function
    raises :class:`Undecided` where a ball cannot decide a branch. Out of a function's real
    domain (``log`` of a negative number) the ball is ``nan``.

    Examples:
        >>> import sympy
        >>> from flint import arb, ctx
        >>> from symact.definition.activation import x
        >>> with ctx.workprec(64):
        ...     print(compile_arb(sympy.erf(x) + sympy.pi)(arb(1)))
        [3.98429344653950811 +/- 2.67e-18]
    """
    if e == x:
        return lambda v: v
    if isinstance(e, sympy.Expr) and not e.free_symbols and (e.is_Number or e.is_NumberSymbol):
        return _number(e)
    if isinstance(e, sympy.Add):
        fs = [compile_arb(a) for a in e.args]

        def add(v: Ball) -> Ball:
            out = fs[0](v)
            for g in fs[1:]:
                out = out + g(v)
            return out

        return add
    if isinstance(e, sympy.Mul):
        fs = [compile_arb(a) for a in e.args]

        def mul(v: Ball) -> Ball:
            out = fs[0](v)
            for g in fs[1:]:
                out = out * g(v)
            return out

        return mul
    if isinstance(e, sympy.Pow):
        return _pow(e)
    row = PRIMITIVES.get(type(e))
    how = row.arb if row is not None else None
    if how == "structure":
        return _structure(e)
    if how == "textbook":
        return compile_arb(textbook(e))
    if how is None or how == "unsupported":
        raise ArbUnsupported(f"no ball evaluation for {e.func}")
    meth = _method(how, len(e.args), e.func)
    fa = compile_arb(e.args[0])
    return lambda v: meth(fa(v))


def _relation(op: str) -> Callable[[Ball], bool]:
    """The truth of ``d op 0`` for a ball ``d``, or :class:`Undecided`."""

    def decide(yes: bool, no: bool) -> bool:
        if yes:
            return True
        if no:
            return False
        raise Undecided(f"a condition {op} 0 on a ball holding 0")

    tests: dict[str, Callable[[Ball], bool]] = {
        "<": lambda d: decide(d < 0, d >= 0),
        "<=": lambda d: decide(d <= 0, d > 0),
        ">": lambda d: decide(d > 0, d <= 0),
        ">=": lambda d: decide(d >= 0, d < 0),
        "==": lambda d: decide(d == 0, d != 0),
        "!=": lambda d: decide(d != 0, d == 0),
    }
    return tests[op]


def _condition(c: sympy.Basic) -> Callable[[Ball], bool]:
    if c is sympy.S.true:
        return lambda v: True
    if c is sympy.S.false:
        return lambda v: False
    if isinstance(c, sympy.And):
        fs = [_condition(a) for a in c.args]
        return lambda v: all(f(v) for f in fs)
    if isinstance(c, sympy.Or):
        fs = [_condition(a) for a in c.args]
        return lambda v: any(f(v) for f in fs)
    if isinstance(c, sympy.Not):
        f = _condition(c.args[0])
        return lambda v: not f(v)
    if isinstance(c, sympy.core.relational.Relational) and c.rel_op in ("<", "<=", ">", ">=", "==", "!="):
        fd, test = compile_arb(c.lhs - c.rhs), _relation(c.rel_op)
        return lambda v: test(fd(v))
    raise ArbUnsupported(f"no ball evaluation for the condition {c}")


# ---------------------------------------------------------------------------------------
# Correct rounding of balls
# ---------------------------------------------------------------------------------------
def round_dyadic(man: int, exp: int, bits: int = 53, emin: int = -1074, emax: int = 1024) -> float:
    """``man * 2**exp`` rounded to the nearest float with a ``bits``-bit significand, smallest
    subnormal ``2**emin`` and overflow at ``2**emax`` (ties to even): exactly what
    :func:`symact.numeric.rounding.round_to` does, on integers.

    Examples:
        >>> round_dyadic(3, -1075), round_dyadic(1, -1075), round_dyadic(-(2**53 + 1), 0)
        (1e-323, 0.0, -9007199254740992.0)
        >>> round_dyadic(1, 128, 24, -149, 128), round_dyadic((1 << 24) - 1, 104, 24, -149, 128)
        (inf, 3.4028234663852886e+38)
    """
    if man == 0:
        return 0.0
    neg = man < 0
    m = -man if neg else man
    top = exp + m.bit_length()  # 2**(top-1) <= |value| < 2**top
    if top <= emin - 1:  # below half the smallest subnormal
        return -0.0 if neg else 0.0
    if top > emax + 1:
        return -math.inf if neg else math.inf
    unit = max(top - bits, emin)
    if unit <= exp:
        q = m << (exp - unit)
    else:
        shift = unit - exp
        q, rem = m >> shift, m & ((1 << shift) - 1)
        half = 1 << (shift - 1)
        if rem > half or (rem == half and q & 1):
            q += 1
    if q.bit_length() + unit > emax:
        return -math.inf if neg else math.inf
    out = math.ldexp(q, unit)
    return -out if neg else out


def ball_ends(y: Ball) -> tuple[tuple[int, int], tuple[int, int]] | None:
    """The exact ends ``(man, exp)`` of a finite ball (None: not finite, or ends too far apart to split)."""
    if not y.is_finite():
        return None
    m1, e1 = (int(t) for t in y.mid().man_exp())
    m2, e2 = (int(t) for t in y.rad().man_exp())
    if m2 == 0:
        return (m1, e1), (m1, e1)
    if m1 == 0:
        return (-m2, e2), (m2, e2)
    if e1 + m1.bit_length() < e2 - _MAX_SHIFT:  # |mid| < 2**e2: inside [-(rad + 2**e2), rad + 2**e2]
        return (-(m2 + 1), e2), (m2 + 1, e2)
    if e2 + m2.bit_length() < e1 - _MAX_SHIFT:  # rad < 2**(e1 - 64): widened to that
        return ((m1 << 64) - 1, e1 - 64), ((m1 << 64) + 1, e1 - 64)
    e = min(e1, e2)
    m1 <<= e1 - e
    m2 <<= e2 - e
    return (m1 - m2, e), (m1 + m2, e)


def _exponent(man: int, exp: int) -> int:
    return exp + abs(man).bit_length()


def _next_prec(p: int, lo: tuple[int, int], hi: tuple[int, int], fmt: tuple[int, int, int]) -> int:
    """The precision at which a ball of these ends (at ``p`` bits, shrinking like 2**-p) should
    decide: its width 2**-20 of an ulp of the value, or, when its sign is not known, below half
    the smallest subnormal (the value then rounds to 0). A multiple of 64."""
    bits, emin, _ = fmt
    w = _exponent(hi[0] - lo[0], lo[1])
    if lo[0] <= 0 <= hi[0]:
        target = emin - 2
    else:
        target = max(min(_exponent(*lo), _exponent(*hi)) - bits, emin) - 20
    need = p + max(64, w - target + 8)
    return -(-need // 64) * 64


def _quick(y: Ball, fmt: tuple[int, int, int]) -> float | None:
    """The float of ``fmt`` nearest the ball's midpoint, if the whole ball is closer to it than
    to any rounding boundary and it is a normal number (else None: :func:`ball_ends` decides).

    A shortcut of the exact ends for almost every point: ``float`` of a ball is its midpoint
    rounded to the nearest double (then to float32 by ``struct``, an ordinary candidate: the
    check below is what decides), and ``|y - c| < h`` is a ball comparison, rigorous."""
    bits, emin, emax = fmt
    c = float(y)
    if bits == 24:
        try:
            c = _F32.unpack(_F32.pack(c))[0]
        except OverflowError:
            return None
    if not (math.isfinite(c) and c != 0):
        return None
    m, e = math.frexp(c)  # |c| = |m| 2**e, 1/2 <= |m| < 1
    if e - 1 < emin + bits - 1 or e > emax:  # subnormal (or not finite in fmt): the exact ends
        return None
    # half the gap to the neighbours (the gap below a power of two is half the one above)
    h = math.ldexp(1.0, e - bits - (2 if abs(m) == 0.5 else 1))
    return c if (y - c).abs_upper() < h else None


def _decide(y: Ball, fmt: tuple[int, int, int]) -> tuple[float | None, Any]:
    """The float of ``fmt`` every point of the ball rounds to (None: none), and the ball's exact
    ends when they were needed (None: not computed, or the ball is not finite)."""
    quick = _quick(y, fmt)
    if quick is not None:
        return quick, None
    ends = ball_ends(y)
    if ends is None:
        return None, None
    lo, hi = ends
    a = round_dyadic(*lo, *fmt)
    if a == round_dyadic(*hi, *fmt):  # -0.0 == 0.0
        # a zero has the sign of the value where the ball knows it, else + (the sign of a
        # zero is not scored)
        return (a if a != 0 else (-0.0 if hi[0] < 0 else 0.0)), ends
    return None, ends


def round_ball(y: Ball, fmt: tuple[int, int, int]) -> float | None:
    """The float of ``fmt`` = (bits, emin, emax) that every point of the ball ``y`` rounds to, or
    None (the ball straddles a rounding boundary, or is not finite).

    Examples:
        >>> from flint import arb, ctx
        >>> with ctx.workprec(80):
        ...     third = arb(1) / 3
        >>> round_ball(third, (53, -1074, 1024)) == 1 / 3
        True
        >>> print(round_ball(arb(1) / 3, (53, -1074, 1024)))  # at 53 bits the ball holds two floats
        None
    """
    return _decide(y, fmt)[0]


def _step(f: Fn, xv: Ball, mag: int, p: int, fmt: tuple[int, int, int]) -> tuple[float | None, int]:
    """One evaluation at ``p`` bits: the correctly rounded value if the ball decides it, and the
    precision to try next (0: give up)."""
    try:
        y = f(xv)
    except (ZeroDivisionError, ValueError, OverflowError):
        return None, 0
    except Undecided:  # a branch on a ball holding 0 at this precision: more bits may decide it
        y = arb.nan()
    r, ends = _decide(y, fmt)
    if r is not None:
        return r, 0
    if p >= MAX_PREC:
        return None, 0
    if ends is None:  # nan or infinite: out of the domain, or arguments beyond these bits
        return None, min(MAX_PREC, 2 * p + 2 * mag)
    # at least twice the bits: a ball may not shrink for a while (1 + 1e-200 is 1 below
    # 660 bits) and a value may lie 2**-1000 of an ulp from a tie (silu at a subnormal)
    lo, hi = ends
    return None, min(MAX_PREC, max(2 * p, _next_prec(p, lo, hi, fmt)))


def _climb(f: Fn, xv: Ball, mag: int, p: int, fmt: tuple[int, int, int], steps: int) -> float | None:
    for _ in range(steps):
        with flint.ctx.workprec(p):
            r, p = _step(f, xv, mag, p, fmt)
        if r is not None or not p:
            return r
    return None


def _magnitude(v: float) -> int:
    return max(0, math.frexp(v)[1])


def correctly_rounded(f: Fn, v: float, fmt: tuple[int, int, int], start: int = START_PREC) -> float | None:
    """The value of ``f`` at the exact float ``v``, correctly rounded to ``fmt`` = (bits, emin, emax).

    Ziv's strategy: at ``start`` bits, then at the precision the ball's width says should
    decide, at least twice the bits (a non-finite ball or an undecided branch: twice the bits
    plus twice those of ``v``'s exponent, for the argument reduction of ``exp(1e300)``), up to
    :data:`MAX_PREC`. The answer is the first float both ends of the ball round to; an exact
    ball rounds like its value (ties to even). None where balls cannot decide: ``v`` not
    finite, a ``nan`` ball (out of the real domain), a value exactly between two floats that
    is not an exact ball, a branch still :class:`Undecided`, or :data:`MAX_PREC` reached.
    """
    if not math.isfinite(v):
        return None
    return _climb(f, arb(v), _magnitude(v), start, fmt, _STEPS)


def correctly_rounded_all(f: Fn, values: Iterable[float], fmt: tuple[int, int, int]) -> list[float | None]:
    """:func:`correctly_rounded` at each of ``values``, the first evaluation of all of them at
    one precision (the same answers, with one precision switch instead of one per point)."""
    vals = [float(v) for v in values]
    out: list[float | None] = []
    again: list[tuple[int, int]] = []
    with flint.ctx.workprec(START_PREC):
        for v in vals:
            if not math.isfinite(v):
                out.append(None)
                continue
            r, nxt = _step(f, arb(v), _magnitude(v), START_PREC, fmt)
            if r is None and nxt:
                again.append((len(out), nxt))
            out.append(r)
    for i, p in again:
        v = vals[i]
        out[i] = _climb(f, arb(v), _magnitude(v), p, fmt, _STEPS - 1)
    return out


#: The precisions (bits) at which :func:`certify_sign` tries to separate a number from 0.
SIGN_PRECISIONS = (64, 256, 1024, 4096)


def certify_sign(expr: sympy.Expr) -> int | None:
    """The sign (+1 or -1) of the real constant ``expr`` when a ball proves it nonzero, else None.

    Rationals are decided exactly. Any other number is evaluated in balls at the precisions
    of :data:`SIGN_PRECISIONS`; the first ball that excludes 0 decides. None never means
    "zero": it means "not proved nonzero by balls" (an unsupported node, a branch a ball
    cannot decide, a ball holding 0 at every precision).

    Examples:
        >>> import sympy
        >>> certify_sign(sympy.erf(1) - sympy.Rational(84, 100)), certify_sign(sympy.Rational(-3, 7))
        (1, -1)
        >>> print(certify_sign(sympy.sin(sympy.pi)))  # 0: never proved nonzero
        None
    """
    if expr.is_Rational:
        return None if expr == 0 else (1 if expr > 0 else -1)
    if not isinstance(expr, sympy.Expr) or expr.free_symbols or not expr.is_number:
        return None
    try:
        f = compile_arb(expr)
    except ArbUnsupported:
        return None
    zero = arb(0)
    for p in SIGN_PRECISIONS:
        with flint.ctx.workprec(p):
            try:
                y = f(zero)
            except Undecided:
                continue
            except (ZeroDivisionError, ValueError, OverflowError):
                return None
        if y > 0:
            return 1
        if y < 0:
            return -1
    return None
