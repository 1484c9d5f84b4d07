"""The correctly rounded truth: the exact value of a SymPy expression at floats, rounded once.

:func:`truth` evaluates the *original* SymPy expression (never a rewritten one)
at each distinct input: arb balls (:mod:`symact.numeric.arb`, rigorous) at 128 bits
and, where their two ends do not yet round to one float, at more bits (Ziv's
strategy, up to 8192 bits). Where balls cannot decide, the method before arb:
certified interval enclosures (:mod:`symact.numeric.interval`) in the same way (up to
4096 bits); exact rational arithmetic for values exactly between two floats; and for
what enclosures cannot do (±inf inputs, arguments beyond 2**24, unsupported nodes)
the reference method:
mpmath at >= 240 bits, twice at different precisions, doubled until both round
alike, an exact 0 re-checked with the whole float range of extra bits (there
``exp`` of an argument below -2**(2**16) is a stand-in that changes with the
precision, so it can only be a negligible addend or a factor that flushes to 0
when the two evaluations agree, functions of arguments beyond
±3000 are evaluated at 300 bits, and ±inf inputs are the limit where the values
at 10**400, 10**800 and 10**1600 agree). Truths are kept in symact's persistent store.

Examples:
    >>> import numpy as np, sympy
    >>> from symact.definition.activation import x
    >>> truth(sympy.exp(x), np.array([0.0, 1.0]))
    array([1.        , 2.71828183])
"""

from __future__ import annotations

import math
import weakref
from collections.abc import Callable
from fractions import Fraction
from typing import Any, NoReturn

import flint
import mpmath
import numpy as np
import sympy
from mpmath import mpf

from symact.core import budget, store
from symact.definition.activation import x
from symact.definition.primitives import PRIMITIVES, Stable, textbook
from symact.numeric import arb
from symact.numeric.rounding import FORMATS, round_to

__all__ = ["compile_mp", "mexp", "truth", "truth_at_infinity", "truth_point"]


_EXP_FLOOR = -(2**20)


# ---------------------------------------------------------------------------------------
# SymPy -> mpmath closures (independent of the rewrite stage)
# ---------------------------------------------------------------------------------------
#: Beyond 2**(2**16) in magnitude, exp, cosh, sinh, sin and cos of an argument would need its 2**16 or
#: more integer bits in the argument reduction (cosh(exp(10**6)): seconds, at 10**7 gigabytes): the
#: truth has no value there (OverflowError, as mpmath's own for larger ones), never a hang.
_HUGE_MAG = 2**16


def _not_huge(u: Any) -> None:
    if isinstance(u, mpf) and mpmath.isfinite(u) and u != 0 and mpmath.mag(u) > _HUGE_MAG:
        raise OverflowError(f"an argument of magnitude 2**{int(mpmath.mag(u))} is beyond the truth")


def mexp(u: mpf) -> mpf:
    """exp(u) for the truth: below -2**20 at 300 bits (its exponent is a big integer, so it cancels
    a large exp(v) as it should: (x + e**x) e**(-x - e**-x) at 10**400 is 1). Below -2**(2**16), where
    the argument reduction would cost too much, a stand-in 2**-(2**(2**16 + 8) + prec): smaller than
    any exp(v) the truth can evaluate (|v| < 2**(2**16)), so a product with one of them flushes to 0
    as the true value does, and it changes with the precision, so a sum it does not leave negligible
    differs between the two evaluations. A known gap: a quotient of two such exponentials cancels the
    stand-ins (exp(-e**x)/exp(-2 e**x) at x = 10**6 comes out 1, not inf)."""
    if u < _EXP_FLOOR:
        if u == -mpmath.inf:
            return mpf(0)
        if mpmath.mag(u) <= _HUGE_MAG:
            with mpmath.workprec(300):
                return mpmath.exp(u)
        return mpmath.ldexp(mpf(1), -(2 ** (_HUGE_MAG + 8)) - mpmath.mp.prec)
    _not_huge(u)
    if abs(u) > 3000:
        # far below (or above) anything a float can hold next to it: relative accuracy is all
        # that matters, and the argument reduction at full precision would cost milliseconds
        with mpmath.workprec(300):
            return mpmath.exp(u)
    return mpmath.exp(u)


def _heaviside(u: mpf, h0: Callable[[mpf], mpf]) -> mpf:
    if u > 0:
        return mpf(1)
    if u < 0:
        return mpf(0)
    return h0(u)


_ERF_CLAMP = mpf(2) ** 24


def _clamp_erf(u: mpf) -> mpf:
    """erf/erfc arguments beyond ±2**24 clamped: mpmath's erfc overflows on 10**400 (the
    stand-in for ±inf), and erf(±2**24) = ±(1 - e**-2**48), erfc(2**24) = e**-2**48 (far
    below the smallest subnormal) round exactly like the values further out."""
    return max(min(u, _ERF_CLAMP), -_ERF_CLAMP)


#: mpmath point functions by SymPy class: the primitives table's, with the truth's floors and
#: clamps (exp's underflow floor, nan for log of a negative number, erf/erfc arguments clamped).
_MP_FUNCS: dict[type, Callable[..., Any]] = {
    **{row.func: row.mpmath for row in PRIMITIVES.values() if row.mpmath is not None and not row.is_stable},
    sympy.exp: mexp,
    sympy.log: lambda u: mpmath.log(u) if u >= 0 else mpmath.mpf("nan"),
    sympy.erf: lambda u: mpmath.erf(_clamp_erf(u)),
    sympy.erfc: lambda u: mpmath.erfc(_clamp_erf(u)),
    # tanh(+-2**24) = +-(1 - 2 e**-2**25) is +-1 at any precision the truth uses, as tanh is further out;
    # mpmath's tanh raises OverflowError on exp(10**400) (x*tanh(exp(x)) at the stand-in for +-inf)
    sympy.tanh: lambda u: mpmath.tanh(_clamp_erf(u)),
}


def _guard(fn: Callable[[mpf], Any], reduces: bool = False) -> Callable[[mpf], Any]:
    """Evaluate at <= 300 bits when |u| > 3000: only relative accuracy matters there
    (e**-3000 is far below anything a float can hold next to an O(1) term, even times
    x**3), and full-precision argument reduction would cost milliseconds per call.
    A function that ``reduces`` its argument (cosh, sinh, sin, cos, tan) has no value beyond
    2**(2**16) (:data:`_HUGE_MAG`)."""

    def g(u: mpf) -> Any:
        if reduces:
            _not_huge(u)
        if abs(u) > 3000 and mpmath.mp.prec > 300:
            with mpmath.workprec(300):
                return fn(u)
        return fn(u)

    return g


#: The expression each closure of :func:`compile_mp` evaluates (for the symbolic fallback at ±oo).
_SOURCES: weakref.WeakKeyDictionary[Any, sympy.Basic] = weakref.WeakKeyDictionary()


def compile_mp(e: sympy.Basic) -> Callable[[mpf], Any]:
    """Compile a SymPy expression in x to a closure evaluating it with mpmath."""
    f = _compile_mp(e)
    try:
        _SOURCES[f] = e
    except TypeError:  # pragma: no cover - every closure here can be weakly referenced
        pass
    return f


def _compile_mp(e: sympy.Basic) -> Callable[[mpf], Any]:
    if e == x:
        return lambda v: v
    if isinstance(e, Stable):
        return _compile_mp(textbook(e))
    if e.is_Number or (isinstance(e, sympy.Expr) and not e.free_symbols):
        if e is sympy.S.NaN:
            return lambda v: mpmath.mpf("nan")
        if e.is_Rational:
            p, q = int(e.p), int(e.q)
            return lambda v: mpf(p) / q
        if e in (sympy.oo, -sympy.oo):
            s = 1 if e == sympy.oo else -1
            return lambda v: s * mpmath.inf
        cached: dict[int, mpf] = {}

        def const(v: mpf) -> mpf:
            prec = mpmath.mp.prec
            if prec not in cached:
                cached[prec] = mpmath.mpf(sympy.N(e, int(prec * 0.302) + 20))
            return cached[prec]

        return const
    if isinstance(e, sympy.Add):
        fs = [_compile_mp(a) for a in e.args]
        return lambda v: mpmath.fsum(f(v) for f in fs)
    if isinstance(e, sympy.Mul):
        fs = [_compile_mp(a) for a in e.args]

        def mul(v: mpf) -> mpf:
            out = mpf(1)
            for f in fs:
                out = out * f(v)
            return out

        return mul
    if isinstance(e, sympy.Pow):
        fb = _compile_mp(e.base)
        n = e.exp
        if n.is_Integer:
            k = int(n)
            return lambda v: fb(v) ** k if k >= 0 else (mpf(1) / fb(v) ** (-k) if fb(v) != 0 else mpmath.inf)
        if n == sympy.S.Half:
            return lambda v: mpmath.sqrt(fb(v))
        fe = _compile_mp(n)
        return lambda v: mpmath.power(fb(v), fe(v))
    if isinstance(e, (sympy.Max, sympy.Min)):
        fs = [_compile_mp(a) for a in e.args]
        pick = max if isinstance(e, sympy.Max) else min
        return lambda v: pick(f(v) for f in fs)
    if isinstance(e, sympy.Heaviside):
        fu = _compile_mp(e.args[0])
        h0 = _compile_mp(e.args[1]) if len(e.args) > 1 else (lambda v: mpf(1) / 2)
        return lambda v: _heaviside(fu(v), h0)
    if isinstance(e, sympy.Piecewise):
        branches = [(_compile_mp(b), _compile_cond(c)) for b, c in e.args]

        def pw(v: mpf) -> mpf:
            for fb_, fc in branches:
                if fc(v):
                    return fb_(v)
            return mpmath.mpf("nan")

        return pw
    if isinstance(e, sympy.DiracDelta):
        fu = _compile_mp(e.args[0])
        return lambda v: mpf(0) if fu(v) != 0 else mpmath.inf
    if e.func in _MP_FUNCS:
        fa = [_compile_mp(a) for a in e.args]
        reduces = e.func in (sympy.cosh, sympy.sinh, sympy.sin, sympy.cos, sympy.tan)
        fn = _MP_FUNCS[e.func] if e.func in (sympy.Abs, sympy.sign, sympy.exp) else _guard(_MP_FUNCS[e.func], reduces)
        return lambda v: fn(*(f(v) for f in fa))
    raise NotImplementedError(f"no mpmath evaluation for {e.func}")


def _compile_cond(c: sympy.Basic) -> Callable[[mpf], bool]:
    if c is sympy.S.true:
        return lambda v: True
    if c is sympy.S.false:
        return lambda v: False
    if isinstance(c, sympy.And):
        fs = [_compile_cond(a) for a in c.args]
        return lambda v: all(f(v) for f in fs)
    if isinstance(c, sympy.Or):
        fs = [_compile_cond(a) for a in c.args]
        return lambda v: any(f(v) for f in fs)
    if isinstance(c, sympy.Not):
        f = _compile_cond(c.args[0])
        return lambda v: not f(v)
    if isinstance(c, sympy.core.relational.Relational):
        fl, fr = _compile_mp(c.lhs), _compile_mp(c.rhs)
        ops = {
            "<": lambda a, b: a < b,
            "<=": lambda a, b: a <= b,
            ">": lambda a, b: a > b,
            ">=": lambda a, b: a >= b,
            "==": lambda a, b: a == b,
            "!=": lambda a, b: a != b,
        }
        op = ops[c.rel_op]
        return lambda v: op(fl(v), fr(v))
    raise NotImplementedError(f"no mpmath evaluation for condition {c}")


def _round(v: Any, bits: int = 53, emin: int = -1074, emax: int = 1024) -> float:
    """:func:`round_to` of an mpf of any precision, exactly: at the context's default 53 bits,
    round_to's ``mpmath.mpf(v)`` would first round it to 53 bits (double rounding: wrong for
    float32 near a midpoint, and for an enclosure whose two ends would collapse onto one)."""
    if isinstance(v, mpmath.mpf) and mpmath.isfinite(v) and v != 0:
        with mpmath.workprec(max(53, int(v._mpf_[3]))):  # every bit of v kept by round_to's mpf(v)
            return round_to(v, bits, emin, emax)
    return round_to(v, bits, emin, emax)


def _mag(v: float) -> int:
    return 0 if v == 0 or not math.isfinite(v) else math.frexp(v)[1]


def _eval_at(f: Callable[[mpf], Any], v: float, prec: int) -> mpf:
    if math.isinf(v):
        return _eval_at_infinity(f, 1 if v > 0 else -1, prec)
    with mpmath.workprec(prec):
        try:
            r = f(mpf(v))
        except (ZeroDivisionError, ValueError):
            return mpmath.mpf("nan")
        except (OverflowError, MemoryError):  # cosh(exp(2**1000)): no value known, not nan
            raise ValueError(f"mpmath cannot evaluate the expression at {v!r}") from None
        if isinstance(r, mpmath.mpc):
            return mpmath.mpf("nan") if r.imag != 0 else r.real
        return +mpf(r)


def _eval_at_infinity(f: Callable[[mpf], Any], sign: int, prec: int) -> mpf:
    """The limit at ±oo as mpmath sees it at ±10**400, ±10**800 and ±10**1600.

    The value at 10**400 when all three round alike in float64; ±inf when they grow
    by half at least at each step with one sign (log x, x**(1/9)); otherwise nan (no
    limit: sin x has none, and its value at 10**400 is no answer).
    """
    vals = []
    for k in (400, 800, 1600):
        with mpmath.workprec(prec):
            try:
                r = f(sign * mpf(10) ** k)
            except (ZeroDivisionError, ValueError):
                return mpmath.mpf("nan")
            except (OverflowError, MemoryError):  # cosh(exp(10**400)): beyond what mpmath can hold
                return _symbolic_limit(f, sign, prec)
            if isinstance(r, mpmath.mpc):
                if r.imag != 0:
                    return mpmath.mpf("nan")
                r = r.real
            vals.append(+mpf(r))
    rounded = [_round(r) for r in vals]
    if rounded[0] == rounded[1] == rounded[2] or all(math.isnan(r) for r in rounded):
        return vals[0]
    a, b, c = vals
    if (
        all(mpmath.isfinite(t) and t != 0 for t in vals)
        and mpmath.sign(a) == mpmath.sign(b) == mpmath.sign(c)
        and abs(b) >= 1.5 * abs(a)
        and abs(c) >= 1.5 * abs(b)
    ):
        return mpmath.inf * mpmath.sign(a)
    return mpmath.mpf("nan")


#: Seconds SymPy's ``limit`` may take where mpmath cannot evaluate far out (tanh(exp(x)) takes 0.3 s).
LIMIT_SECONDS = 10.0


def _symbolic_limit(f: Callable[[mpf], Any], sign: int, prec: int) -> mpf:
    """The limit at ±oo by SymPy, where mpmath overflows at ±10**400 (``x e**x/cosh(e**x)**2``).

    A real number or ±oo is the limit; a bounded oscillation (an ``AccumBounds``) has none: nan.
    Raises :class:`ValueError` (the limit is not known) when the expression is not known, or SymPy
    answers with anything else or runs out of time: never a value guessed.
    """
    e = _SOURCES.get(f)
    if e is None:
        raise ValueError("mpmath overflows far out and the expression is not known")
    try:
        lim = budget.step(
            sympy.limit,
            textbook(e),
            x,
            sign * sympy.oo,
            seconds=LIMIT_SECONDS,
            what="a limit at infinity",
            on_timeout=_no_limit_in_time,
        )
    except (NotImplementedError, TypeError, ValueError, ArithmeticError, RecursionError) as exc:
        raise ValueError(f"SymPy cannot take the limit: {exc}") from None
    if isinstance(lim, sympy.AccumBounds):
        return mpmath.mpf("nan")
    if lim in (sympy.oo, -sympy.oo):
        return mpmath.inf if lim == sympy.oo else -mpmath.inf
    if lim.is_real and lim.is_finite and not lim.free_symbols:
        with mpmath.workprec(prec):
            return mpmath.mpf(sympy.N(lim, int(prec * 0.302) + 20))
    raise ValueError(f"SymPy's limit is not a real number: {lim}")


def _no_limit_in_time(err: budget.BudgetExceeded) -> NoReturn:
    raise ValueError(f"SymPy's limit exceeded {err.seconds} s") from None


def _same(a: list[float], b: list[float]) -> bool:
    return all((u == v) or (math.isnan(u) and math.isnan(v)) for u, v in zip(a, b))


def truth_point(
    f: Callable[[mpf], Any], v: float, fmts: list[tuple[int, int, int]], verify: bool = False
) -> list[float]:
    """Ziv-style: evaluate at two precisions; accept when both round alike (and are not an
    exact 0, the mark of total cancellation), else double the precision and retry."""
    if math.isnan(v):
        return [math.nan] * len(fmts)
    m = _mag(v)
    # starting bits: cancellation of O(x^3) terms near 0, terms like exp(-x^2) or exp(x)
    # absorbed by O(1) ones for large |x|, and x**2-sized terms cancelling at huge |x|
    big = min(1150.0, 1.5 * v * v) if math.isfinite(v) else 1150.0
    p = 240 + min(1100, 3 * max(0, -m)) + int(big) + 2 * max(0, m)

    def ev(prec: int) -> tuple[list[float], mpf]:
        val = _eval_at(f, v, prec)
        return [_round(val, *fm) for fm in fmts], val

    r_prev, v_prev = ev(p)
    # In the core, with a result that is not tiny, no intermediate can exceed the result by
    # the 180 bits that a >= 240-bit evaluation can lose: one evaluation is exact enough.
    if 2.0**-8 <= abs(v) <= 8.0 and v_prev != 0 and abs(v_prev) >= mpmath.ldexp(1, -60) and not verify:
        return r_prev
    for _ in range(4):
        q = p + max(128, p // 4)
        r, val = ev(q)
        if _same(r, r_prev) and val != 0:
            if verify:
                r2, _ = ev(2 * q)
                if not _same(r2, r):
                    p, r_prev = 2 * q, r2
                    continue
            return r
        if val == 0 and v_prev == 0:
            # exact 0 twice: a true zero (Max(0, x), 0*...) or total cancellation; one
            # evaluation with the whole float range of extra bits decides
            return ev(q + 2 * max(0, m) + 1200)[0]
        p = 2 * q
        r_prev, v_prev = ev(p)
    return r_prev


_TRUTH_VERSION = "truth-v11:"  # bump when the truth computation changes (invalidates the cache)


#: Beyond this magnitude the enclosures clamp their arguments (symact.numeric.interval): one try only.
_CLAMP = 2.0**24

#: The first and the largest precision (bits) of the certified evaluation; at most _STEPS tries.
_START_PREC, _MAX_PREC, _STEPS = 128, 4096, 5


#: Functions that a rational input maps to a rational value (exact evaluation in Fractions).
_RATIONAL_FUNCS = (sympy.Max, sympy.Min, sympy.Abs, sympy.Heaviside, sympy.sign, sympy.Piecewise)


def _enclosure(expr: sympy.Expr) -> Callable[[Any], Any] | None:
    """The certified interval enclosure of ``expr`` (:mod:`symact.numeric.interval`), or None if unsupported."""
    from symact.numeric import interval

    plain = expr.replace(lambda n: isinstance(n, Stable), textbook)
    try:
        return interval.compile_enclosure(plain)
    except (interval.EnclosureError, TypeError, ValueError, NotImplementedError):
        return None


def _exponent(v: mpf) -> int:
    """e with 2**(e-1) <= |v| < 2**e (v finite, non-zero)."""
    return int(mpmath.frexp(v)[1])


def _next_prec(p: int, lo: mpf, hi: mpf, fmt: tuple[int, int, int]) -> int:
    """The precision at which an enclosure of width ``hi - lo`` (at ``p`` bits, shrinking like
    2**-p) should decide: its width 2**-20 of an ulp of the value, or, when the sign is not
    known, below half the smallest subnormal (the value then rounds to 0). A multiple of 64."""
    bits, emin, _ = fmt
    w = _exponent(hi - lo)
    if lo <= 0 <= hi:
        target = emin - 2
    else:
        target = max(_exponent(min(abs(lo), abs(hi))) - bits, emin) - 20
    need = p + max(64, w - target + 8)
    return min(_MAX_PREC, -(-need // 64) * 64)


def _certified_point(enc: Callable[[Any], Any], v: float, fmt: tuple[int, int, int]) -> float | None:
    """Ziv's test on certified enclosures: the value of ``enc`` at the exact input ``v``, correctly
    rounded, from the first enclosure whose two ends round to the same float (at 128 bits, then at
    the precision :func:`_next_prec` predicts); None when the enclosure is unavailable, stops
    shrinking with the precision or never decides."""
    from symact.numeric import interval

    if not math.isfinite(v):
        return None
    p, prev = _START_PREC, None
    for _ in range(_STEPS):
        try:
            with interval.precision(p):
                r = interval.enclose_raw(enc, mpf(v), mpf(v))
            lo, hi = interval.ends(r)  # the exact ends (mpf(...) would round them to 53 bits)
        except (interval.EnclosureError, ZeroDivisionError, ValueError, TypeError, OverflowError):
            return None
        if mpmath.isnan(lo) or mpmath.isnan(hi):
            return None
        a = _round(lo, *fmt)
        if a == _round(hi, *fmt):  # -0.0 == 0.0: the sign of a zero is not scored
            return a
        if abs(v) > _CLAMP or mpmath.isinf(lo) or mpmath.isinf(hi) or p >= _MAX_PREC:
            return None  # clamped or unbounded: more bits will not help
        if prev is not None and not hi - lo < prev[1] * mpmath.ldexp(1, -((p - prev[0]) // 4)):
            return None  # not shrinking with the precision: the width is not rounding error
        prev = (p, hi - lo)
        p = _next_prec(p, lo, hi, fmt)
    return None


def _exact_rational(
    expr: sympy.Expr, fmt: tuple[int, int, int] = FORMATS["float64"][1:]
) -> Callable[[float], float | None] | None:
    """For an expression that maps rationals to rationals (no transcendental function, integer
    powers only, Piecewise conditions in them), an exact evaluator: it decides the points no
    enclosure can, such as a value that is exactly the midpoint between two floats (ties to
    even), rounded once to ``fmt``."""
    funcs = {type(f) for f in expr.atoms(sympy.Function)}
    if any(not issubclass(f, _RATIONAL_FUNCS) for f in funcs) or expr.atoms(sympy.NumberSymbol):
        return None
    if any(not p.exp.is_Integer for p in expr.atoms(sympy.Pow)):
        return None

    def ev(v: float) -> float | None:
        if not math.isfinite(v):
            return None
        r = expr.xreplace({x: sympy.Rational(v)})
        return round_to(r, *fmt) if isinstance(r, sympy.Rational) else None  # once, to fmt

    return ev


def _fast_truths(expr: sympy.Expr, values: np.ndarray, fmt: tuple[int, int, int]) -> list[float]:
    """The truth at each of ``values``: arb balls (:mod:`symact.numeric.arb`) where they decide;
    the points they cannot (±inf inputs, ties that are not exact balls, undecided branches, nan
    balls out of the real domain, unsupported nodes) by :func:`_mpmath_truths`."""
    try:
        f = arb.compile_arb(expr)
    except arb.ArbUnsupported:
        return _mpmath_truths(expr, values, fmt)
    out = arb.correctly_rounded_all(f, values, fmt)
    # a rational map's ties are decided exactly below; rewriting a huge expression costs too much
    if _exact_rational(expr) is None and sympy.count_ops(expr) <= _MAX_OPS_REWRITTEN:
        for i, r in enumerate(out):
            if r is None and math.isfinite(float(values[i])):
                out[i] = _past_a_boundary(expr, f, float(values[i]), fmt)
    left = [i for i, r in enumerate(out) if r is None]
    if left:
        for i, r in zip(left, _mpmath_truths(expr, values[left], fmt)):
            out[i] = r
    return out  # type: ignore[return-value]  # every None was filled


#: The largest expression (SymPy's count_ops) :func:`_past_a_boundary` rewrites.
_MAX_OPS_REWRITTEN = 400


def _past_a_boundary(expr: sympy.Expr, f: Callable[[Any], Any], v: float, fmt: tuple[int, int, int]) -> float | None:
    """The truth at ``v`` where arb balls cannot separate the value from the boundary ``b``
    between two adjacent floats (a tie): the sign of ``value - b``, proved by a ball on the
    exact difference, or on SymPy's exp-rewritten, combined form of it (an identity). None
    when no sign is proved (then the method before arb decides).

    tanh_shrink in float32 at x = -32757974 is -32757973 - 2/(1 + e**65515948), just below a
    tie no precision separates it from; as a combined fraction the difference is
    -2/(1 + e**65515948), whose ball is negative.
    """
    with flint.ctx.workprec(256):
        ends = arb.ball_ends(f(flint.arb(v)))
    if ends is None:
        return None
    lo, hi = (arb.round_dyadic(*t, *fmt) for t in ends)
    if not (math.isfinite(lo) and math.isfinite(hi)) or lo == hi:
        return None
    a, c = Fraction(lo), Fraction(hi)
    if round_to(a + (c - a) / 4, *fmt) != lo or round_to(c - (c - a) / 4, *fmt) != hi:
        return None  # not two adjacent floats: more than one boundary in the ball
    b = sympy.Rational((a + c) / 2)
    diff = textbook(expr).xreplace({x: sympy.Rational(v)}) - b
    for form in (lambda: diff, lambda: sympy.together(diff.rewrite(sympy.exp))):
        try:
            sign = arb.certify_sign(form())
        except (TypeError, ValueError, NotImplementedError, AttributeError, RecursionError):
            continue  # a form SymPy cannot build proves nothing
        if sign is not None:
            return hi if sign > 0 else lo
    return None


def _mpmath_truths(expr: sympy.Expr, values: np.ndarray, fmt: tuple[int, int, int]) -> list[float]:
    """The truth at each of ``values`` without arb: certified mpmath interval enclosures, then exact
    rationals, then the reference method (the method before arb, and the fallback where balls
    cannot decide)."""
    enc = _enclosure(expr)
    exact = _exact_rational(expr, fmt)
    ref: Callable[[mpf], Any] | None = None
    out = []
    for v in values:
        v = float(v)
        if math.isnan(v):
            out.append(math.nan)
            continue
        r = _certified_point(enc, v, fmt) if enc is not None else None
        if r is None and exact is not None:
            r = exact(v)
        if r is None:  # infinite inputs, clamped arguments, unsupported nodes: the reference method
            ref = ref or compile_mp(expr)
            try:
                r = truth_point(ref, v, [fmt])[0]
            except ValueError as exc:  # no value known: never a nan that the code's nan would match
                raise ValueError(f"no certified truth of {expr} at x = {v!r}: {exc}") from None
        out.append(r)
    return out


#: The safety net of a truth computed in a worker for a call from a thread other than the main one
#: (mpmath's and FLINT's working precision are process-wide; see :func:`symact.core.budget.off_thread`).
THREAD_SECONDS = 3600.0


def _truths(expr: sympy.Expr, values: np.ndarray, fmt: tuple[int, int, int], verify: bool) -> list[float]:
    """The rounded truths of ``expr`` at the distinct ``values`` (see :func:`truth`)."""
    if verify:
        f = compile_mp(expr)
        return [truth_point(f, float(v), [fmt], verify)[0] for v in values]
    return _fast_truths(expr, values, fmt)


def truth(expr: sympy.Expr, xs: np.ndarray, verify: bool = False) -> np.ndarray:
    """The exact values of ``expr`` at ``xs``, correctly rounded to ``xs.dtype``.

    Each distinct input (by bit pattern) is evaluated once, and the float32 and
    float64 roundings come from the same kind of certified bounds:

    0. **arb** (almost every point): arb balls (python-flint, :mod:`symact.numeric.arb`)
       at the exact input, at 128 bits and then at least twice the bits, up to 8192
       (Ziv's strategy): the first ball whose two ends round to the same float gives
       the value. arb is rigorous (every function bounds its own error), so this is a
       proof. Where a ball cannot decide (±inf inputs, a value exactly between two
       floats, a branch condition on a ball holding 0, a nan ball, a node with no ball
       evaluation) the point goes through steps 1-3, the method before arb.
    1. **certified**: the interval enclosure of
       :mod:`symact.numeric.interval` (outward-rounded :mod:`mpmath.iv` arithmetic) at the
       exact input, at 128 bits, then 256, 512, 1024, 2048 (Ziv's strategy): the
       first enclosure whose two ends round to the same float gives the value.
       This is a proof, not a heuristic (the enclosures trust no point function;
       see :mod:`symact.numeric.interval`).
    2. **exact**: an expression built from rationals, ``+ * /``, integer powers,
       Max, Min, Abs, Heaviside, sign and Piecewise is evaluated in exact rational arithmetic
       where the enclosure cannot decide (a value exactly between two floats).
    3. **reference** (±inf inputs, arguments beyond 2**24 that the enclosures
       clamp, nodes they do not support): the two-precision method of
       :func:`truth_point`, evaluating the original expression with mpmath at
       >= 240 bits plus what the input suggests, accepting when two precisions
       round alike, doubling otherwise; an exact 0 is re-checked with the whole
       float range of extra bits. ±inf inputs are evaluated at ±10**400.

    ``verify=True`` uses the reference method for every point, with a third
    evaluation at twice the precision (the independent self-check of the tests).
    Kept in symact's persistent store (:mod:`symact.core.store`), checked on every read. Called from a
    thread other than the main one, the values are computed in a budget worker, so that the thread
    never changes mpmath's or FLINT's process-wide working precision.

    Examples:
        >>> truth(sympy.log(1 + sympy.exp(x)), np.array([-700.0, 0.0, 1e308]))
        array([9.85967654e-305, 6.93147181e-001, 1.00000000e+308])
        >>> truth(x / 2 + sympy.Rational(1, 2), np.array([1 + 2.0**-23], dtype=np.float32))  # a tie, to even
        array([1.], dtype=float32)
    """
    xs = np.asarray(xs)
    dt = xs.dtype
    name = str(dt)
    key = store.key("truth", _TRUTH_VERSION, expr, name, verify, xs)
    cached = store.load_array(key)
    if cached is not None and cached.dtype == dt and cached.shape == xs.shape:
        return cached
    fmt = FORMATS[name][1:]
    flat = np.ascontiguousarray(xs).reshape(-1)
    bits, inverse = np.unique(flat.view(np.uint64 if dt == np.float64 else np.uint32), return_inverse=True)
    values = bits.view(dt)
    vals = budget.off_thread(_truths, expr, values, fmt, verify, seconds=THREAD_SECONDS, what="the truth")
    out = np.array(vals, dtype=np.float64)[inverse].reshape(xs.shape)
    with np.errstate(over="ignore"):
        out = out.astype(dt)
    store.save_array(key, out)
    return out


def truth_at_infinity(expr: sympy.Expr, direction: int) -> float | None:
    """The limit of ``expr`` at ±oo as mpmath sees it far out (rounded to float64; nan: no limit).

    Examples:
        >>> import sympy
        >>> from symact import x
        >>> truth_at_infinity(sympy.tanh(x), -1), truth_at_infinity(sympy.log(x**2 + 1), 1)
        (-1.0, inf)
        >>> truth_at_infinity(sympy.sin(x), 1)  # no limit
        nan
    """
    try:
        return truth_point(compile_mp(expr), math.inf if direction > 0 else -math.inf, [FORMATS["float64"][1:]])[0]
    except (NotImplementedError, TypeError, ValueError):
        return None
