"""Validation of generated NumPy functions against correctly rounded mpmath truth.

:func:`validate` runs the function of :func:`symact.codegen.numpy.to_numpy` (and of its
first derivative) in float32 and float64 over inputs covering the whole line, and
compares every result with the exact value rounded correctly to the dtype:

* **inputs** (:func:`inputs`): a dense core in [-10, 10], two wide uniform bands,
  log-spaced magnitudes of both signs up to the largest float, subnormals, ±0,
  ±inf, nan, overflow/underflow thresholds, and every breakpoint with its
  neighbours (``full`` has ~20k points per dtype, ``quick`` ~1k);
* **truth**: the *original* SymPy expression (never the rewritten one), each
  distinct input once (see :func:`truth`): certified interval enclosures
  (:mod:`symact.numeric.interval`) at 128 bits and, where their two ends do not yet
  round to one float, at the precision that should decide (Ziv's strategy, up
  to 4096 bits); exact rational arithmetic for values exactly between two
  floats; and for what enclosures cannot do (±inf inputs, arguments beyond
  2**24, unsupported nodes) the reference method: mpmath at >= 240 bits, twice
  at different precisions, doubled until both round alike, an exact 0
  re-checked with the whole float range of extra bits (there ``exp`` of an
  argument below -2**20 is 2**-(2**21), which only ever is a negligible addend
  or a factor that flushes to 0, functions of arguments beyond ±3000 are
  evaluated at 300 bits, and ±inf inputs at ±10**400, i.e. as the limit).
  Truths are cached under the temp directory;
* **ULP**: the distance between result and truth on the monotone integer map of
  the bit patterns (+0 == -0), so for subnormal truths it is the absolute error
  in units of the smallest subnormal. A **wrong-class** point (nan vs not nan,
  inf vs finite, inf of the wrong sign) is counted and left out of the ULP
  statistics.

The bars (issue 4): float32 <= 1 ULP everywhere; float64 <= 2 ULP for the exp/log
family and, for the rest, <= 4 ULP on [-10, 10] and <= 10 ULP on normal outputs;
0 wrong-class; 0 warnings. A miss is reported (``bound_met=False`` with the
figure), never raised.

Examples:
    >>> import symact
    >>> rep = validate(symact.get("softplus"), size="quick")
    >>> print(rep.summary())  # doctest: +ELLIPSIS
    softplus ok: f32 f max 0 ULP, f' max ... ULP; f64 f max 1 ULP, f' max ... ULP; 0 wrong, 0 warnings
"""

from __future__ import annotations

import hashlib
import math
import os
import tempfile
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import mpmath
import numpy as np
import sympy
from mpmath import mpf

from symact.codegen import rewrite as rw
from symact.definition.activation import Activation, x
from symact.codegen.numpy import derivative_expr, round_to, to_numpy

__all__ = [
    "EXP_LOG_FAMILY",
    "FunctionReport",
    "ValidationReport",
    "inputs",
    "table",
    "truth",
    "truth_at_infinity",
    "ulp_error",
    "validate",
]

#: Activations held to the float64 bar of the exp/log family (<= 2 ULP everywhere):
#: one exp/log/tanh-type primitive per piece, at most one further exact-ish operation.
EXP_LOG_FAMILY = frozenset({"sigmoid", "tanh", "log_sigmoid", "softplus", "elu", "selu", "celu", "exponential"})

_DTYPES = {"float32": (np.float32, 24, -149, 128), "float64": (np.float64, 53, -1074, 1024)}
_EXP_FLOOR = -(2**20)


# ---------------------------------------------------------------------------------------
# SymPy -> mpmath closures (independent of the rewrite stage)
# ---------------------------------------------------------------------------------------
def _mexp(u: mpf) -> mpf:
    if u < _EXP_FLOOR:
        return mpmath.ldexp(mpf(1), -(2**21))
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


_MP_FUNCS: dict[type, Callable[..., Any]] = {
    sympy.exp: _mexp,
    sympy.log: lambda u: mpmath.log(u) if u >= 0 else mpmath.mpf("nan"),
    sympy.tanh: mpmath.tanh,
    sympy.sinh: mpmath.sinh,
    sympy.cosh: mpmath.cosh,
    sympy.sin: mpmath.sin,
    sympy.cos: mpmath.cos,
    sympy.tan: mpmath.tan,
    sympy.atan: mpmath.atan,
    sympy.asinh: mpmath.asinh,
    sympy.erf: lambda u: mpmath.erf(_clamp_erf(u)),
    sympy.erfc: lambda u: mpmath.erfc(_clamp_erf(u)),
    sympy.sinc: lambda u: mpmath.sinc(u),
    sympy.Abs: abs,
    sympy.sign: lambda u: mpf(mpmath.sign(u)),
    sympy.sech: mpmath.sech,
}


def _guard(fn: Callable[[mpf], Any]) -> Callable[[mpf], Any]:
    """Evaluate at <= 300 bits when |u| > 3000: only relative accuracy matters there
    (e**-3000 is far below anything a float can hold next to an O(1) term, even times
    x**3), and full-precision argument reduction would cost milliseconds per call."""

    def g(u: mpf) -> Any:
        if abs(u) > 3000 and mpmath.mp.prec > 300:
            with mpmath.workprec(300):
                return fn(u)
        return fn(u)

    return g


def _compile_mp(e: sympy.Basic) -> Callable[[mpf], Any]:
    """Compile a SymPy expression in x to a closure evaluating it with mpmath."""
    if e == x:
        return lambda v: v
    if isinstance(e, rw.Stable):
        return _compile_mp(rw.textbook(e))
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
        fn = _MP_FUNCS[e.func] if e.func in (sympy.Abs, sympy.sign, sympy.exp) else _guard(_MP_FUNCS[e.func])
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


def _same(a: list[float], b: list[float]) -> bool:
    return all((u == v) or (math.isnan(u) and math.isnan(v)) for u, v in zip(a, b))


def _truth_point(
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


_CACHE_DIR = Path(tempfile.gettempdir()) / "symact-truth-cache"
_TRUTH_VERSION = "truth-v7:"  # bump when the truth computation changes (invalidates the cache)

#: The first and the largest precision (bits) of the certified evaluation; at most _STEPS tries.
_START_PREC, _MAX_PREC, _STEPS = 128, 4096, 5
#: Beyond this magnitude the enclosures clamp their arguments (symact.numeric.interval): one try only.
_CLAMP = 2.0**24
#: Functions that a rational input maps to a rational value (exact evaluation in Fractions).
_RATIONAL_FUNCS = (sympy.Max, sympy.Min, sympy.Abs, sympy.Heaviside, sympy.sign)


def _enclosure(expr: sympy.Expr) -> Callable[[Any], Any] | None:
    """The certified interval enclosure of ``expr`` (:mod:`symact.numeric.interval`), or None if unsupported."""
    from symact.numeric import interval

    plain = expr.replace(lambda n: isinstance(n, rw.Stable), rw.textbook)
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
            with interval._ivprec(p):
                r = interval.enclose_raw(enc, mpf(v), mpf(v))
            lo, hi = interval._lo(r), interval._hi(r)  # the exact ends (mpf(...) would round them to 53 bits)
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


def _exact_rational(expr: sympy.Expr) -> Callable[[float], float | None] | None:
    """For an expression that maps rationals to rationals (no transcendental function, integer
    powers only), an exact evaluator: it decides the points no enclosure can, such as a value that is
    exactly the midpoint between two floats (ties to even)."""
    funcs = {type(f) for f in expr.atoms(sympy.Function)}
    if any(not issubclass(f, _RATIONAL_FUNCS) for f in funcs) or expr.atoms(sympy.NumberSymbol):
        return None
    if any(not p.exp.is_Integer for p in expr.atoms(sympy.Pow)):
        return None

    def ev(v: float) -> float | None:
        if not math.isfinite(v):
            return None
        r = expr.xreplace({x: sympy.Rational(v)})
        return round_to(r) if isinstance(r, sympy.Rational) else None

    return ev


def _fast_truths(expr: sympy.Expr, values: np.ndarray, fmt: tuple[int, int, int]) -> list[float]:
    enc = _enclosure(expr)
    exact = _exact_rational(expr)
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
            ref = ref or _compile_mp(expr)
            r = _truth_point(ref, v, [fmt])[0]
        out.append(r)
    return out


def truth(expr: sympy.Expr, xs: np.ndarray, verify: bool = False) -> np.ndarray:
    """The exact values of ``expr`` at ``xs``, correctly rounded to ``xs.dtype``.

    Each distinct input (by bit pattern) is evaluated once, and the float32 and
    float64 roundings come from the same kind of certified bounds:

    1. **certified** (almost every point): the interval enclosure of
       :mod:`symact.numeric.interval` (outward-rounded :mod:`mpmath.iv` arithmetic) at the
       exact input, at 128 bits, then 256, 512, 1024, 2048 (Ziv's strategy): the
       first enclosure whose two ends round to the same float gives the value.
       This is a proof, not a heuristic, assuming mpmath's elementary functions are
       accurate to within 2**32 ulps (see :mod:`symact.numeric.interval`).
    2. **exact**: an expression built from rationals, ``+ * /``, integer powers,
       Max, Min, Abs, Heaviside and sign is evaluated in exact rational arithmetic
       where the enclosure cannot decide (a value exactly between two floats).
    3. **reference** (±inf inputs, arguments beyond 2**24 that the enclosures
       clamp, nodes they do not support): the two-precision method of
       :func:`_truth_point`, evaluating the original expression with mpmath at
       >= 240 bits plus what the input suggests, accepting when two precisions
       round alike, doubling otherwise; an exact 0 is re-checked with the whole
       float range of extra bits. ±inf inputs are evaluated at ±10**400.

    ``verify=True`` uses the reference method for every point, with a third
    evaluation at twice the precision (the independent self-check of the tests).
    Cached on disk under the system temp directory (never in the repository).

    Examples:
        >>> truth(sympy.log(1 + sympy.exp(x)), np.array([-700.0, 0.0, 1e308]))
        array([9.85967654e-305, 6.93147181e-001, 1.00000000e+308])
        >>> truth(x / 2 + sympy.Rational(1, 2), np.array([1 + 2.0**-23], dtype=np.float32))  # a tie, to even
        array([1.], dtype=float32)
    """
    xs = np.asarray(xs)
    dt = xs.dtype
    name = str(dt)
    key = hashlib.sha256((_TRUTH_VERSION + sympy.srepr(expr) + name + str(verify)).encode() + xs.tobytes()).hexdigest()[
        :32
    ]
    path = _CACHE_DIR / f"{key}.npy"
    try:
        return np.load(path)
    except (OSError, ValueError):
        pass
    fmt = _DTYPES[name][1:]
    flat = np.ascontiguousarray(xs).reshape(-1)
    bits, inverse = np.unique(flat.view(np.uint64 if dt == np.float64 else np.uint32), return_inverse=True)
    values = bits.view(dt)
    if verify:
        f = _compile_mp(expr)
        vals = [_truth_point(f, float(v), [fmt], verify)[0] for v in values]
    else:
        vals = _fast_truths(expr, values, fmt)
    out = np.array(vals, dtype=np.float64)[inverse].reshape(xs.shape)
    with np.errstate(over="ignore"):
        out = out.astype(dt)
    save_cached(path, out)
    return out


def save_cached(path: Any, array: np.ndarray) -> None:
    """Write a truth array to the cache atomically (a temp file, then rename); a failure only loses the cache."""
    try:
        _CACHE_DIR.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp.npy")
        np.save(tmp, array)
        os.replace(tmp, path)
    except OSError:
        pass


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
        return _truth_point(_compile_mp(expr), math.inf if direction > 0 else -math.inf, [_DTYPES["float64"][1:]])[0]
    except (NotImplementedError, TypeError, ValueError):
        return None


# ---------------------------------------------------------------------------------------
# Inputs
# ---------------------------------------------------------------------------------------
def _breakpoint_floats(expr: sympy.Expr, dt: type) -> list[float]:
    out: list[float] = []
    try:
        bps = rw.breakpoints(expr)
    except Exception:  # noqa: BLE001 - a missing breakpoint only thins the input set
        bps = ()
    for b in bps:
        c = np.asarray(round_to(b), dtype=dt)
        out.append(float(c))
        lo = hi = c
        for _ in range(3):
            lo = np.nextafter(lo, dt(-np.inf))
            hi = np.nextafter(hi, dt(np.inf))
            out.extend([float(lo), float(hi)])
        for d in (1e-3, 1e-8):
            out.extend([float(c) - d, float(c) + d])
    return out


def inputs(
    dtype: str = "float64", size: str = "full", breakpoints: list[float] | tuple[float, ...] = (), seed: int = 4
) -> np.ndarray:
    """The validation inputs for one dtype, as an array of that dtype.

    Args:
        dtype: ``"float32"`` or ``"float64"``.
        size: ``"full"`` (~20k points, as in the numeric probe) or ``"quick"`` (~1k,
            same layout, used by the test suite).
        breakpoints: extra points to include (see ``_breakpoint_floats`` for neighbours).
        seed: the random seed (the set is deterministic).

    Examples:
        >>> xs = inputs("float32", "quick")
        >>> xs.dtype, bool(np.isnan(xs).any()), bool((xs == np.inf).any()), len(xs) > 900
        (dtype('float32'), True, True, True)
    """
    dt = _DTYPES[dtype][0]
    fi = np.finfo(dt)
    rng = np.random.default_rng(seed)
    n_core, n_wide, n_log = (10000, 1000, 8000) if size == "full" else (400, 60, 300)
    wide = 1000.0 if dt == np.float64 else 150.0
    lo_exp, hi_exp = (-300, math.log10(float(fi.max))) if dt == np.float64 else (-38, math.log10(float(fi.max)))
    mags = 10.0 ** rng.uniform(lo_exp, hi_exp, n_log)
    signs = np.where(np.arange(n_log) % 2 == 0, 1.0, -1.0)
    tiny = float(fi.smallest_subnormal)
    sub = rng.uniform(0, float(fi.smallest_normal), 20)
    ln_max = math.log(float(fi.max))
    ln_tiny = -math.log(tiny)
    special = [
        0.0,
        -0.0,
        np.inf,
        -np.inf,
        np.nan,
        tiny,
        -tiny,
        float(fi.smallest_normal) - tiny,
        float(fi.smallest_normal),
        -float(fi.smallest_normal),
        float(fi.max),
        -float(fi.max),
        float(fi.eps),
        -float(fi.eps),
        ln_max,
        -ln_max,
        ln_tiny,
        -ln_tiny,
        20.0,
        -20.0,
        36.8,
        -36.8,
        math.sqrt(float(fi.max)),
        -math.sqrt(float(fi.max)),
        float(fi.max) ** (1 / 3),
        -(float(fi.max) ** (1 / 3)),
        1.0,
        -1.0,
        0.5,
        -0.5,
        1e-8,
        -1e-8,
        *sub,
        *(-sub),
    ]
    for t in (ln_max, ln_tiny, 709.0, 745.0, 88.7, 103.9, 26.6, 37.7, 38.6):
        special.extend(np.linspace(-t - 3, -t + 3, 7))
    parts = [
        rng.uniform(-10, 10, n_core),
        rng.uniform(-50, 50, n_wide),
        rng.uniform(-wide, wide, n_wide),
        signs * mags,
        np.asarray(special, dtype=np.float64),
        np.asarray(list(breakpoints), dtype=np.float64),
    ]
    with np.errstate(over="ignore"):
        out = np.concatenate(parts).astype(dt)
    return out


# ---------------------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------------------
def _ord(a: np.ndarray) -> np.ndarray:
    bits = a.view(np.int64 if a.dtype == np.float64 else np.int32).astype(np.int64)
    mask = np.int64(0x7FFFFFFFFFFFFFFF) if a.dtype == np.float64 else np.int64(0x7FFFFFFF)
    return np.where(bits < 0, -(bits & mask), bits)


def ulp_error(got: np.ndarray, want: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per point: the ULP distance (float) and whether the point is wrong-class.

    Examples:
        >>> ulp_error(np.array([1.0, np.inf, 0.0]), np.array([np.nextafter(1.0, 2.0), 5.0, -0.0]))
        (array([1., 0., 0.]), array([False,  True, False]))
    """
    got = np.asarray(got)
    want = np.asarray(want, dtype=got.dtype)
    gn, wn = np.isnan(got), np.isnan(want)
    gi, wi = np.isinf(got), np.isinf(want)
    wrong = (gn != wn) | (gi != wi) | (gi & wi & (np.sign(got) != np.sign(want)))
    ok = ~wrong & ~gn & ~gi
    a, b = _ord(got), _ord(want)
    du = np.where(a >= b, a.view(np.uint64) - b.view(np.uint64), b.view(np.uint64) - a.view(np.uint64))
    err = np.where(ok, du.astype(np.float64), 0.0)
    return err, wrong


# ---------------------------------------------------------------------------------------
# Reports
# ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class FunctionReport:
    """The accuracy of one generated function in one dtype.

    Attributes:
        dtype: ``"float32"`` or ``"float64"``.
        derivative: 0 for f, 1 for f'.
        points: number of inputs.
        max_ulp, median_ulp: over all non-wrong points.
        max_ulp_core: over inputs in [-10, 10].
        max_ulp_normal: over points whose truth is a normal number (or 0/inf).
        max_abs_subnormal: the error, in units of the smallest subnormal, where the truth is subnormal.
        wrong: number of wrong-class points (nan/inf vs finite, wrong-signed inf).
        worst_x, worst_got, worst_truth: the input with the largest ULP error (or the first wrong one).
        warnings: RuntimeWarnings raised by one call over all inputs.
        bound: the bar, in words.
        bound_met: whether the bar (and 0 wrong, 0 warnings) holds.
        seconds: time spent (mostly the mpmath truth, unless cached).
    """

    dtype: str
    derivative: int
    points: int
    max_ulp: float
    median_ulp: float
    max_ulp_core: float
    max_ulp_normal: float
    max_abs_subnormal: float
    wrong: int
    worst_x: float
    worst_got: float
    worst_truth: float
    warnings: int
    bound: str
    bound_met: bool
    seconds: float = 0.0

    def line(self) -> str:
        """One line of text for tables and the CLI."""
        fn = "f" if self.derivative == 0 else "f" + "'" * self.derivative
        verdict = "ok" if self.bound_met else "MISSED"
        return (
            f"{self.dtype} {fn:3s} max {self.max_ulp:.3g} (core {self.max_ulp_core:.3g}, normal {self.max_ulp_normal:.3g}, "
            f"subnormal abs {self.max_abs_subnormal:.3g}) median {self.median_ulp:g} wrong {self.wrong} warnings {self.warnings} "
            f"worst x={self.worst_x!r} got {self.worst_got!r} truth {self.worst_truth!r}; bar {self.bound}: {verdict}"
        )


@dataclass(frozen=True)
class ValidationReport:
    """The validation of one activation: f and f' in float32 and float64.

    Attributes:
        name: the activation's name.
        family: ``"exp/log"`` or ``"other"`` (which float64 bar applies).
        results: one :class:`FunctionReport` per (dtype, derivative).
        seconds: total time.
    """

    name: str
    family: str
    results: tuple[FunctionReport, ...]
    seconds: float

    @property
    def ok(self) -> bool:
        """Whether every function met its bar."""
        return all(r.bound_met for r in self.results)

    def get(self, dtype: str, derivative: int = 0) -> FunctionReport:
        """The report for one dtype and derivative order."""
        for r in self.results:
            if r.dtype == dtype and r.derivative == derivative:
                return r
        raise KeyError((dtype, derivative))

    def summary(self) -> str:
        """One line: max ULPs per dtype for f and f', wrong-class and warning totals."""
        parts = []
        for dt, short in (("float32", "f32"), ("float64", "f64")):
            items = []
            for r in self.results:
                if r.dtype == dt:
                    fn = "f" if r.derivative == 0 else "f'"
                    items.append(f"{fn} max {r.max_ulp:.3g} ULP")
            parts.append(f"{short} " + ", ".join(items))
        wrong = sum(r.wrong for r in self.results)
        warns = sum(r.warnings for r in self.results)
        verdict = (
            "ok"
            if self.ok
            else "MISSED "
            + ", ".join(
                f"{r.dtype}{'' if r.derivative == 0 else ' d' + str(r.derivative)}"
                for r in self.results
                if not r.bound_met
            )
        )
        return f"{self.name} {verdict}: " + "; ".join(parts) + f"; {wrong} wrong, {warns} warnings"

    def __str__(self) -> str:
        return "\n".join([self.summary(), *("  " + r.line() for r in self.results)])


def _bar(dtype: str, family: str) -> tuple[str, Callable[[float, float, float], bool]]:
    if dtype == "float32":
        return "<=1 ULP everywhere", lambda m, core, normal: m <= 1
    if family == "exp/log":
        return "<=2 ULP everywhere", lambda m, core, normal: m <= 2
    return "<=4 ULP on [-10,10], <=10 ULP on normal outputs", lambda m, core, normal: core <= 4 and normal <= 10


def _check(
    fn: Callable[[Any], Any], expr: sympy.Expr, xs: np.ndarray, dtype: str, derivative: int, family: str
) -> FunctionReport:
    t0 = time.perf_counter()
    want = truth(expr, xs)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with np.errstate(over="warn", invalid="warn", divide="warn", under="ignore"):
            try:
                got = np.asarray(fn(xs))
            except Exception as exc:  # noqa: BLE001 - a crash is a reported failure, not raised
                got = np.full(xs.shape, np.nan, dtype=xs.dtype)
                caught.append(warnings.WarningMessage(RuntimeWarning(repr(exc)), RuntimeWarning, "", 0))
    n_warn = sum(1 for w in caught if issubclass(w.category, RuntimeWarning))
    if got.dtype != xs.dtype:
        n_warn += 1  # dtype drift is as bad as a warning: it is reported in the count
        got = got.astype(xs.dtype)
    err, wrong = ulp_error(got, want)
    ok = ~wrong
    fi = np.finfo(xs.dtype)
    absw = np.abs(want.astype(np.float64))
    sub = ok & (absw > 0) & (absw < float(fi.smallest_normal))
    normal = ok & ~sub
    core = ok & (np.abs(xs) <= 10)
    emax = float(err[ok].max()) if ok.any() else 0.0
    med = float(np.median(err[ok])) if ok.any() else 0.0
    ecore = float(err[core].max()) if core.any() else 0.0
    enorm = float(err[normal].max()) if normal.any() else 0.0
    esub = float(err[sub].max()) if sub.any() else 0.0
    if wrong.any():
        i = int(np.argmax(wrong))
    else:
        i = int(np.argmax(np.where(ok, err, -1)))
    bound, rule = _bar(dtype, family)
    met = rule(emax, ecore, enorm) and not wrong.any() and n_warn == 0
    return FunctionReport(
        dtype,
        derivative,
        int(xs.size),
        emax,
        med,
        ecore,
        enorm,
        esub,
        int(wrong.sum()),
        float(xs[i]),
        float(got[i]),
        float(want[i]),
        n_warn,
        bound,
        bool(met),
        time.perf_counter() - t0,
    )


def validate(act: Activation | str, size: str = "full", derivatives: tuple[int, ...] = (0, 1)) -> ValidationReport:
    """Validate the generated functions of ``act`` (f and f') in float32 and float64.

    Never raises on a mismatch: the report says what was measured and whether each
    bar is met.

    Args:
        act: the activation (or its catalog name).
        size: ``"full"`` or ``"quick"`` input set (see :func:`inputs`).
        derivatives: which derivative orders to check.

    Examples:
        >>> rep = validate("elu", size="quick", derivatives=(0,))
        >>> rep.ok, rep.get("float64").max_ulp, rep.get("float32").wrong
        (True, 0.0, 0)
    """
    if isinstance(act, str):
        from symact.definition.catalog import get

        act = get(act)
    t0 = time.perf_counter()
    family = "exp/log" if act.name in EXP_LOG_FAMILY else "other"
    results = []
    for d in derivatives:
        expr = derivative_expr(act, d)
        fn = to_numpy(act, d)
        for dtype in ("float32", "float64"):
            dt = _DTYPES[dtype][0]
            xs = inputs(dtype, size, _breakpoint_floats(expr, dt))
            results.append(_check(fn, expr, xs, dtype, d, family))
    return ValidationReport(act.name, family, tuple(results), time.perf_counter() - t0)


def table(reports: list[ValidationReport] | tuple[ValidationReport, ...]) -> str:
    """A Markdown table of max ULP (all / core / normal), wrong-class and warnings per function.

    Examples:
        >>> print(table([validate("relu", size="quick", derivatives=(0,))]))  # doctest: +NORMALIZE_WHITESPACE
        | activation | fn | f32 max | f64 max | f64 core | f64 normal | f64 median | wrong | warnings | bars |
        |---|---|---|---|---|---|---|---|---|---|
        | relu | f | 0 | 0 | 0 | 0 | 0 | 0 | 0 | ok |
    """
    lines = [
        "| activation | fn | f32 max | f64 max | f64 core | f64 normal | f64 median | wrong | warnings | bars |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for rep in reports:
        for d in sorted({r.derivative for r in rep.results}):
            r32, r64 = rep.get("float32", d), rep.get("float64", d)
            fn = "f" if d == 0 else "f" + "'" * d
            missed = [r.dtype for r in (r32, r64) if not r.bound_met]
            lines.append(
                f"| {rep.name} | {fn} | {r32.max_ulp:.3g} | {r64.max_ulp:.3g} | {r64.max_ulp_core:.3g} | {r64.max_ulp_normal:.3g} | "
                f"{r64.median_ulp:g} | {r32.wrong + r64.wrong} | {r32.warnings + r64.warnings} | "
                f"{'ok' if not missed else 'MISSED ' + ', '.join(missed)} |"
            )
    return "\n".join(lines)
