"""Stable, vectorised NumPy code for the vector activations, validated against mpmath.

:func:`to_numpy` compiles the generated source of :func:`source` for one entry of
:mod:`symact.definition.vector`. Each function works over an axis (default -1) with NumPy
reductions (``np.max``, ``np.sum``, ``np.cumsum``), never a Python loop over
elements (a lambdified ``Sum`` would be one). The numerics:

* **max shift**: m = max(x); d_i = x_i - m <= 0, so no exp overflows. Where
  x_i == m (also m = ±inf) d_i = 0, so infinite entries give the limits: a row
  of -inf is the limit of a constant row (softmax 1/n), +inf entries share the
  mass;
* **TwoSum-corrected exponent**: the exact rounding error e_i of x_i - m is fed
  into exp as exp(d_i + e_i) ~ exp(d_i) (1 + e_i), the error that softmax's
  condition number |x_i - m| would amplify;
* **the argmax term is kept out of the sum**: s = sum_{j != argmax} exp(x_j - m),
  summed *exactly* in float64 by splitting every term at 2**(ceil(log2 n) + 2)
  times the row's largest term (Rump's ExtractScalar: the high parts add without
  error, the low parts are tiny), then carried as a double-double;
* **log_softmax** = (x_i - m) - log1p(s): two non-positive terms (no
  cancellation) and -log1p(s) at the argmax, so the dominant entry keeps its
  relative accuracy (the textbook max-shift form returns 0 there);
* **softmax** = exp(x_i - m)/(1 + s) with the quotient corrected by its exact
  residual;
* **logsumexp** = m + log1p(s) with log1p(s) in double-double (:func:`_log1p_dd2`):
  the sum cancels when m is near -log1p(s), and a rounded log1p then cost up to
  log1p(s)/|result| ULP. In the rows where more than one bit cancels, the rounding of
  each exp(x_i - m) matters as well, so they are redone with every exp in
  double-double (:func:`_lse_cancelling`);
* **sparsemax**: tau in double-double from exact sorted prefix sums (:func:`_sparsemax`),
  because the outputs x_i - tau cancel against tau;
* float32 (and float16, integer) input is computed in float64 and rounded once.

:func:`validate` measures every function against the correctly rounded truth
(mpmath at 240 bits, :func:`symact.codegen.numpy.round_to`), in ULP
(:func:`symact.validation.scalar.ulp_error`), on :func:`rows`: 100 rows of length 1000 in
10 families (as in the numeric probe).

Examples:
    >>> import numpy as np
    >>> sm = to_numpy("softmax")
    >>> sm(np.array([1000.0, 1001.0]))
    array([0.26894142, 0.73105858])
    >>> to_numpy("log_softmax")(np.array([-1e308, 0.0]))
    array([-1.e+308,  0.e+000])
    >>> to_numpy("log_softmax")(np.array([0.0, -100.0]))[0]
    np.float64(-3.720075976020836e-44)
    >>> to_numpy("softmax")(np.array([[0.0, 0.0], [np.inf, 1.0]], dtype=np.float32), axis=0)
    array([[0.        , 0.26894143],
           [1.        , 0.7310586 ]], dtype=float32)
"""

from __future__ import annotations

import functools
import hashlib
import math
import tempfile
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import mpmath
import numpy as np
from mpmath import mpf

from symact.codegen.numpy import (  # the same error-free transformations as the scalar code
    _dd_add,
    _dd_mul,
    _two_prod,
    _two_sum,
)
from symact.codegen.numpy import to_numpy as _scalar_to_numpy
from symact.definition.vector import get as _get
from symact.numeric.rounding import round_to, ulp_error
from symact.numeric.truth import save_cached

__all__ = ["VectorFunctionReport", "VectorReport", "rows", "source", "to_numpy", "truth", "validate"]

_FMTS = {"float32": (24, -149, 128), "float64": (53, -1074, 1024)}


# ---------------------------------------------------------------------------------------
# Building blocks the generated code calls
# ---------------------------------------------------------------------------------------
def _prepare(x: Any, axis: int) -> tuple[np.ndarray, np.dtype, int]:
    """The float64 working array with ``axis`` moved last, the output dtype, the axis."""
    a = np.asarray(x)
    if a.dtype.kind == "c":
        raise TypeError("symact activations are real functions; got complex input")
    if a.ndim == 0:
        raise ValueError("a vector activation needs at least one axis; got a 0-d input")
    out = a.dtype if a.dtype.kind == "f" else np.dtype(np.float64)
    ax = int(axis) % a.ndim if -a.ndim <= int(axis) < a.ndim else None
    if ax is None:
        raise ValueError(f"axis {axis} is out of bounds for an array of dimension {a.ndim}")
    return np.moveaxis(a.astype(np.float64, copy=False), ax, -1), out, ax


def _finish(r: np.ndarray, dtype: np.dtype, ax: int | None) -> np.ndarray:
    """Move the axis back and round once to the output dtype."""
    if ax is not None:
        r = np.moveaxis(r, -1, ax)
    if r.dtype != dtype:
        with np.errstate(over="ignore", under="ignore"):
            r = r.astype(dtype)
    return r


_SCALE_EXP = 64.0  # exp(d) for d < -700 is computed as exp(d + 64) * e**-64 (d + 64 is exact there)
with mpmath.workprec(200):
    _SCALE = round_to(
        mpmath.exp(-64)
    )  # e**-64, correctly rounded: its relative error (2**-53) is far below the subnormal grid


def _exact_sum(tx: np.ndarray, te: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """sum(tx) exactly as a high part plus sum(te) and the tiny low parts, along the last axis.

    Rump's ExtractScalar, per row: sigma = 2**(e + ceil(log2 n) + 2) with 2**e above the
    largest term, so the high parts are multiples of ulp(sigma) whose sum fits in 53
    bits (np.sum adds them without error, in any order); the low parts are below
    2**-49/n of the largest term.
    """
    _, ex = np.frexp(np.max(tx, axis=-1, keepdims=True))
    sigma = np.ldexp(1.0, ex + (math.ceil(math.log2(max(tx.shape[-1], 1))) + 2))
    hi = (tx + sigma) - sigma
    lo = (tx - hi) + te
    return np.sum(hi, axis=-1, keepdims=True), np.sum(lo, axis=-1, keepdims=True)


def _shifted(x: np.ndarray) -> tuple[np.ndarray, ...]:
    """Max-shifted terms along the last axis.

    Returns ``(m, d, e, t, te, scale, s, s_lo)``: the row maximum m; d = x - m rounded
    (0 where x == m) with its exact error e (0 where not finite); exp(d + e) =
    (t + te) * scale, where scale = e**-64 for the terms with d < -700 (so that their
    exp is a normal number and is rounded only once, at the end, to the subnormal
    grid) and 1 otherwise; the sum s + s_lo (double-double) of exp(d + e) over every
    entry but the first argmax.
    """
    m = np.max(x, axis=-1, keepdims=True)
    d, e = _two_sum(x, -m)  # where x == m (finite) both are exactly 0
    if not np.isfinite(m).all():  # rows with an infinite max: the limits (one pass over the array, no loop)
        same = x == m
        d = np.where(same, 0.0, d)
        e = np.where(same, 0.0, e)
    e = np.where(np.isfinite(e), e, 0.0)  # x - m overflowed to -inf: exp gives 0 anyway
    small = d < -700.0
    any_small = bool(small.any())
    # for -1024 < d < -700, d and d + 64 lie in the same binade, so d + 64 is exact
    t = np.exp(np.where(small, d + _SCALE_EXP, d) if any_small else d)
    te = t * e  # exp(d + e) = t + t*e to first order; kept apart, so it is not rounded into t
    tx = t.copy()
    idx = np.argmax(x, axis=-1)[..., None]
    np.put_along_axis(tx, idx, 0.0, axis=-1)  # the argmax term (exactly 1, with e = 0) stays out
    if not any_small:
        a, b = _exact_sum(tx, te)
        s, s_lo = _two_sum(a, b)
        scale: Any = 1.0
    else:
        a, b = _exact_sum(np.where(small, 0.0, tx), np.where(small, 0.0, te))
        a2, b2 = _exact_sum(np.where(small, tx, 0.0), np.where(small, te, 0.0))
        s, s_lo = _two_sum(a, a2 * _SCALE)
        s_lo = s_lo + (b + b2 * _SCALE)
        scale = np.where(small, _SCALE, 1.0)
    s_lo = np.where(np.isfinite(s_lo), s_lo, 0.0)
    return m, d, e, t, te, scale, s, s_lo


def _log1p_dd(s: np.ndarray, s_lo: np.ndarray) -> np.ndarray:
    """log1p(s + s_lo) to first order in s_lo."""
    return np.log1p(s) + s_lo / (1.0 + s)


def _dd_const(q: Fraction) -> tuple[float, float]:
    """An exact rational as a double-double (hi, lo): hi = q rounded, lo = (q - hi) rounded."""
    hi = float(q)
    return hi, float(q - Fraction(hi))


with mpmath.workprec(240):
    _LN2 = (float(mpmath.log(2)), float(mpmath.log(2) - mpf(float(mpmath.log(2)))))
    #: log 2 = _LN2[0] + _LN2[1] + _LN2_3 to about 2**-160 (k log 2 for |k| ~ 1000 needs more than 106 bits)
    _LN2_3 = float(mpmath.log(2) - mpf(_LN2[0]) - mpf(_LN2[1]))
_SQRT_HALF = math.sqrt(0.5)
#: 1/(2j + 1) for j = 0..20 as double-doubles: the series 2 atanh(w)/(2w) = sum_j w**(2j)/(2j + 1)
#: with |w| <= 3 - 2 sqrt(2) < 0.1716 (w**2 < 0.0295), whose tail after 21 terms is below 2**-107.
_ATANH_TERMS = tuple(_dd_const(Fraction(1, 2 * jj + 1)) for jj in range(21))


def _log1p_dd2(s: np.ndarray, s_lo: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """log1p(s + s_lo) as a double-double (hi, lo), accurate to about 2**-100 relative, for s >= 0.

    u = 1 + s is formed exactly (TwoSum), written u = 2**k f with f in [sqrt(1/2), sqrt(2));
    log u = k log 2 + 2 atanh(w), w = (f - 1)/(f + 1), where f - 1 is exact (Sterbenz) and
    the atanh series is summed by Horner in double-double. For logsumexp, m + log1p(s)
    cancels when m is near -log1p(s): a plain log1p, rounded to 2**-53 of log1p(s),
    then costs up to log1p(s)/|m + log1p(s)| ULP of the result (68 ULP measured).
    """
    uh, ul = _two_sum(1.0, s)
    uh, ul = _two_sum(uh, ul + s_lo)
    f, k = np.frexp(uh)
    low = f < _SQRT_HALF
    f = np.where(low, 2.0 * f, f)
    k = (k - low).astype(np.float64)
    fl = np.ldexp(ul, -(k.astype(np.int64)))
    nh, nl = _two_sum(f - 1.0, fl)  # f - 1 is exact: f is in [1/2, 2]
    dh, dl = _two_sum(f, 1.0)
    dl = dl + fl
    wh = nh / dh
    p, pe = _two_prod(wh, dh)
    wl = (((nh - p) - pe) + nl - wh * dl) / dh  # nh - p is exact (Sterbenz)
    wh, wl = _two_sum(wh, wl)
    qh, ql = _dd_mul(wh, wl, wh, wl)
    ah, al = _ATANH_TERMS[-1]
    ah, al = np.full_like(wh, ah), np.full_like(wh, al)
    for ch, cl in reversed(_ATANH_TERMS[:-1]):  # over the 20 series terms, not over elements
        ah, al = _dd_mul(ah, al, qh, ql)
        ah, al = _dd_add(ah, al, ch, cl)
    ah, al = _dd_mul(ah, al, wh, wl)
    kh, kl = _two_prod(k, _LN2[0])
    kl = kl + k * _LN2[1]
    Lh, Ll = _dd_add(kh, kl, 2.0 * ah, 2.0 * al)
    # below 2**-500, log1p(s) = s (1 - s/2 + ...) is s to far beyond double-double, and the
    # quotient w = s/(2 + s) above could underflow (s = 5e-324 for logsumexp([-745, 0]))
    tiny = s < 2.0**-500
    return np.where(tiny, s, Lh), np.where(tiny, s_lo, Ll)


#: 1/j! for j = 0..22 as double-doubles: exp(r) = sum_j r**j/j! for |r| <= log(2)/2, tail below 2**-110.
_EXP_TERMS = tuple(_dd_const(Fraction(1, math.factorial(jj))) for jj in range(23))


def _exp_dd2(d: np.ndarray, e: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """exp(d + e) as a double-double (hi, lo), about 2**-100 relative, for finite d <= 0 and |e| <= ulp(d).

    d + e = k log 2 + r with |r| <= log(2)/2 in double-double (k log 2 by TwoProduct, log 2
    as a double-double), exp(r) by its Taylor series in double-double (Horner), times 2**k.
    Below d ~ -660 the low part is subnormal and the relative accuracy degrades (to
    2**-53 near -745), which is harmless for a term of a sum that contains 1.
    """
    kf = np.rint(d / _LN2[0])
    p, pe = _two_prod(kf, _LN2[0])
    p2, pe2 = _two_prod(kf, _LN2[1])
    rh, rl = _two_sum(d, -p)
    # e, pe and p2 can each be ~1e-14 (far above ulp(r)): added one by one with their errors kept
    rh, t1 = _two_sum(rh, e)
    rh, t2 = _two_sum(rh, -pe)
    rh, t3 = _two_sum(rh, -p2)
    rh, rl = _two_sum(rh, ((rl + t1) + (t2 + t3)) - (pe2 + kf * _LN2_3))
    ah, al = np.full_like(rh, _EXP_TERMS[-1][0]), np.full_like(rh, _EXP_TERMS[-1][1])
    for ch, cl in reversed(_EXP_TERMS[:-1]):  # over the 22 series terms, not over elements
        ah, al = _dd_mul(ah, al, rh, rl)
        ah, al = _dd_add(ah, al, ch, cl)
    ki = kf.astype(np.int64)
    return np.ldexp(ah, ki), np.ldexp(al, ki)


def _lse_cancelling(m: np.ndarray, d: np.ndarray, e: np.ndarray) -> np.ndarray:
    """logsumexp of rows where m + log1p(s) cancels, with every exp in double-double.

    There a rounded exp(x_i - m) (relative error 2**-53) is an absolute error of up to
    2**-53 in the result, which may be tiny: the terms are recomputed by :func:`_exp_dd2`
    and summed exactly (Rump's ExtractScalar on the high parts).
    """
    first = np.arange(d.shape[-1]) == np.argmax(d, axis=-1)[..., None]  # the argmax term (exactly 1) stays out
    live = np.isfinite(d) & ~first
    # below -2000 exp is 0 in double-double too; the clamp keeps k log 2 from overflowing the splitting
    th, tl = _exp_dd2(np.where(live, np.maximum(d, -2000.0), 0.0), np.where(live & (d > -2000.0), e, 0.0))
    th, tl = np.where(live, th, 0.0), np.where(live, tl, 0.0)
    a, b = _exact_sum(th, tl)
    sh, sl = _two_sum(a, b)
    Lh, Ll = _log1p_dd2(sh, sl)
    hi, lo = _two_sum(m, Lh)
    return hi + (lo + Ll)


def _sparsemax(x: np.ndarray) -> np.ndarray:
    """sparsemax along the last axis, with the threshold tau in double-double.

    Only entries with x_i > max(x) - 1 can be in the support (tau >= max(x) - 1), so the
    candidates are those with x_i - max(x) > -3/2 (a superset). They are shifted by
    m = max(x) when |m| >= 3 (then x_i - m is exact, by Sterbenz) and not at all
    otherwise (then |x_i| < 9/2): every candidate y_i is exact, so a plain sort orders
    them exactly. Their sorted prefix sums are exact up to ~2**-100 (Rump's
    ExtractScalar with sigma = 2**(ceil(log2 n) + 5) > 8n > n max|y|: the high parts'
    cumulative sums are exact); the support test 1 + k z_k > sum_{j<=k} z_j and
    tau = (sum_{j<=k} z_j - 1)/k are evaluated from them in double-double, and the
    outputs y_i - tau by TwoSum. The float64 prefix sums lost up to 57 ULP of the
    small outputs y_i - tau, which cancel against tau.
    """
    nn = x.shape[-1]
    m = np.max(x, axis=-1, keepdims=True)
    cand = (x - m) > -1.5
    y = x - np.where(np.abs(m) >= 3.0, m, 0.0)  # exact on the candidates
    key = np.where(cand, -y, np.inf)
    width = max(int(np.max(np.sum(cand, axis=-1), initial=1)), 1)  # the most candidates in a row
    if width < nn:  # only the candidates are sorted (usually a few): partition them to the front first
        key = np.partition(key, width - 1, axis=-1)[..., :width]
    zs = -np.sort(key, axis=-1)  # candidates first, non-increasing; then -inf
    nn = zs.shape[-1]
    ok = np.isfinite(zs)
    zs = np.where(ok, zs, 0.0)
    sigma = 2.0 ** (math.ceil(math.log2(max(nn, 1))) + 5)
    hi = (zs + sigma) - sigma
    ch = np.cumsum(hi, axis=-1)  # exact: multiples of ulp(sigma), bounded by 8n
    cl = np.cumsum(zs - hi, axis=-1)
    ks = np.arange(1, nn + 1, dtype=np.float64)
    p, pe = _two_prod(ks, zs)
    a, ae = _two_sum(p, -ch)
    b, be = _two_sum(1.0, a)
    d = b + (((be + ae) + pe) - cl)  # 1 + k z_k - sum_{j<=k} z_j
    support = ok & (d > 0.0)
    support[..., 0] = True
    kz = np.sum(support, axis=-1, keepdims=True)
    kf = kz.astype(np.float64)
    nh, nl = _two_sum(np.take_along_axis(ch, kz - 1, axis=-1), -1.0)
    nl = nl + np.take_along_axis(cl, kz - 1, axis=-1)
    th = nh / kf
    p, pe = _two_prod(th, kf)
    tl = (((nh - p) - pe) + nl) / kf
    zk = np.take_along_axis(zs, kz - 1, axis=-1)
    inside = cand & (y >= zk)  # the top k entries (z_k > z_(k+1) strictly, by the maximality of k)
    rh, rl = _two_sum(y, -th)
    r = np.where(inside, np.maximum(rh + (rl - tl), 0.0), 0.0)
    return np.where(np.isfinite(m), r, np.nan)


def _div_dd(ah: np.ndarray, al: np.ndarray, bh: np.ndarray, bl: np.ndarray) -> np.ndarray:
    """(ah + al)/(bh + bl) with the low parts as a first-order correction (al/ah and bl/bh are tiny).

    ``bh + bl`` is one number per row (the denominator), so its part of the
    correction is computed per row, not per element.
    """
    q = ah / bh
    return q + (al / bh - q * (bl / bh))


# ---------------------------------------------------------------------------------------
# Generated source
# ---------------------------------------------------------------------------------------
_HEAD = '''def {name}(x, axis=-1{extra}):
    """{doc}"""
    x, dtype, ax = _prepare(x, axis)
    with np.errstate(all="ignore"):
'''

_BODIES: dict[str, tuple[str, str, str]] = {
    "softmax": (
        "",
        "softmax(x) along ``axis``: exp(x_i - m)/(1 + s), s summed exactly without the argmax term.",
        """        if x.shape[-1] == 0:
            return _finish(x.copy(), dtype, ax)
        m, d, e, t, te, scale, s, s_lo = _shifted(x)
        one, one_lo = _two_sum(1.0, s)
        r = _div_dd(t, te, one, one_lo + s_lo) * scale
        r = np.where(np.isnan(m), np.nan, r)
    return _finish(r, dtype, ax)
""",
    ),
    "softmin": (
        "",
        "softmin(x) = softmax(-x) along ``axis`` (negation is exact).",
        """        if x.shape[-1] == 0:
            return _finish(x.copy(), dtype, ax)
        m, d, e, t, te, scale, s, s_lo = _shifted(-x)
        one, one_lo = _two_sum(1.0, s)
        r = _div_dd(t, te, one, one_lo + s_lo) * scale
        r = np.where(np.isnan(m), np.nan, r)
    return _finish(r, dtype, ax)
""",
    ),
    "log_softmax": (
        "",
        "log_softmax(x) along ``axis``: (x_i - m) - log1p(s), both terms <= 0; -log1p(s) at the argmax.",
        """        if x.shape[-1] == 0:
            return _finish(x.copy(), dtype, ax)
        m, d, e, t, te, scale, s, s_lo = _shifted(x)
        L = _log1p_dd(s, s_lo)
        hi, lo = _two_sum(d, -L)
        r = hi + np.where(np.isfinite(lo), lo + e, 0.0)
    return _finish(r, dtype, ax)
""",
    ),
    "logsumexp": (
        ", keepdims=False",
        "logsumexp(x) along ``axis``: m + log1p(s), s summed exactly without the argmax term, log1p(s) in double-double.",
        """        if x.shape[-1] == 0:
            r = np.full(x.shape[:-1] + (1,), -np.inf)
        else:
            m, d, e, t, te, scale, s, s_lo = _shifted(x)
            Lh, Ll = _log1p_dd2(s, s_lo)  # double-double: m + log1p(s) may cancel
            hi, lo = _two_sum(m, Lh)
            r = hi + np.where(np.isfinite(lo), lo + Ll, 0.0)
            bad = (np.abs(hi) < 0.5 * Lh)[..., 0] & np.isfinite(m[..., 0])  # more than one bit cancelled
            if bad.any():  # there the rounding of each exp matters: redo those rows in double-double
                r[bad] = _lse_cancelling(m[bad], d[bad], e[bad])
        r = r if keepdims else r[..., 0]
    if keepdims:
        return _finish(r, dtype, ax)
    return _finish(r, dtype, None)
""",
    ),
    "glu": (
        "",
        "GLU along ``axis``: a * sigmoid(b) for the two halves a, b (the length must be even).",
        """        if x.shape[-1] % 2:
            raise ValueError(f"glu halves the axis; its length must be even, got {x.shape[-1]}")
        a, b = np.split(x, 2, axis=-1)
        r = _mul(a, _sigmoid(b))
    return _finish(r, dtype, ax)
""",
    ),
    "sparsemax": (
        "",
        "sparsemax(x) along ``axis``: max(x_i - tau, 0), tau from the sorted prefix sums (finite input).",
        """        if x.shape[-1] == 0:
            return _finish(x.copy(), dtype, ax)
        r = _sparsemax(x)  # tau in double-double from exact sorted prefix sums
    return _finish(r, dtype, ax)
""",
    ),
}


def source(name: str) -> str:
    """The generated NumPy source of a vector activation.

    Examples:
        >>> print(source("log_softmax"))  # doctest: +ELLIPSIS
        def log_softmax(x, axis=-1):
            ...
                m, d, e, t, te, scale, s, s_lo = _shifted(x)
                L = _log1p_dd(s, s_lo)
                hi, lo = _two_sum(d, -L)
        ...
    """
    act = _get(name)
    extra, doc, body = _BODIES[act.name]
    return _HEAD.format(name=act.name, extra=extra, doc=doc) + body


def _mul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return a * b


_NAMESPACE: dict[str, Any] = {
    "np": np,
    "_prepare": _prepare,
    "_finish": _finish,
    "_shifted": _shifted,
    "_two_sum": _two_sum,
    "_log1p_dd": _log1p_dd,
    "_log1p_dd2": _log1p_dd2,
    "_lse_cancelling": _lse_cancelling,
    "_sparsemax": _sparsemax,
    "_div_dd": _div_dd,
    "_mul": _mul,
}


@functools.lru_cache(maxsize=None)
def to_numpy(name: str) -> Callable[..., Any]:
    """The compiled NumPy function of a vector activation: ``f(x, axis=-1)``.

    Examples:
        >>> import numpy as np
        >>> to_numpy("logsumexp")(np.array([[0.0, 0.0], [-np.inf, -np.inf]]))
        array([0.69314718,       -inf])
        >>> to_numpy("glu")(np.array([2.0, 0.0]))
        array([1.])
        >>> to_numpy("sparsemax")(np.array([2.0, 0.0, 0.5]))
        array([1., 0., 0.])
    """
    act = _get(name)
    ns = dict(_NAMESPACE)
    if act.name == "glu":
        import symact

        ns["_sigmoid"] = _scalar_to_numpy(symact.get("sigmoid"))
    exec(compile(source(act.name), f"<symact.codegen.vector {act.name}>", "exec"), ns)  # noqa: S102 - our own generated source
    return ns[act.name]  # type: ignore[no-any-return]


# ---------------------------------------------------------------------------------------
# Test rows
# ---------------------------------------------------------------------------------------
FAMILIES = (
    "N(0,1)",
    "N(0,10^2)",
    "N(0,100^2)",
    "U(-10,10)",
    "near-overflow",
    "all-underflow",
    "huge magnitude",
    "one dominant entry",
    "10% -inf mask",
    "constant (+ one nan row)",
)


def rows(dtype: str = "float64", count: int = 100, length: int = 1000, seed: int = 6) -> np.ndarray:
    """``count`` test rows of ``length`` in the 10 :data:`FAMILIES` (count/10 rows each).

    Row r belongs to family ``FAMILIES[r * 10 // count]``. "one dominant entry" rows
    put one entry 15 to 800 above N(0, 5^2) others (so the argmax of log_softmax is
    a tiny negative number); the last row of the constant family is all nan but one.

    Examples:
        >>> r = rows("float32", count=10, length=8)
        >>> r.shape, r.dtype, int(np.isnan(r).any(axis=1).sum()), int(np.isneginf(r).any(axis=1).sum())
        ((10, 8), dtype('float32'), 1, 1)
    """
    rng = np.random.default_rng(seed)
    f64 = dtype == "float64"
    big = 709.0 if f64 else 88.0
    out = np.empty((count, length), dtype=np.float64)
    per = max(count // len(FAMILIES), 1)
    for r in range(count):
        fam = min(r // per, len(FAMILIES) - 1)
        if fam == 0:
            v = rng.normal(0, 1, length)
        elif fam == 1:
            v = rng.normal(0, 10, length)
        elif fam == 2:
            v = rng.normal(0, 100, length)
        elif fam == 3:
            v = rng.uniform(-10, 10, length)
        elif fam == 4:
            v = rng.uniform(big - 10, big + 10, length)
        elif fam == 5:
            v = rng.uniform(-1100, -750, length) if f64 else rng.uniform(-160, -104, length)
        elif fam == 6:
            hi = 307.5 if f64 else 37.5
            v = rng.choice([-1.0, 1.0], length) * 10.0 ** rng.uniform(hi - 8, hi, length)
        elif fam == 7:
            v = rng.normal(0, 5, length)
            v[rng.integers(length)] = v.max() + (rng.uniform(15, 40) if r % 2 else rng.uniform(40, 800))
        elif fam == 8:
            v = rng.normal(0, 10, length)
            v[rng.random(length) < 0.1] = -np.inf
            if r % per == per - 1:
                v[:] = -np.inf
        else:
            v = np.full(length, rng.uniform(-50, 50))
            if r % per == per - 1 or r == count - 1:
                v[1:] = np.nan
        out[r] = v
    return out.astype(np.float32 if not f64 else np.float64)


#: Short rows with known trouble: overflow of exp, -1e308 next to 0, infinities.
SPECIAL_ROWS: tuple[tuple[float, ...], ...] = (
    (1000.0, 1001.0),
    (-1e308, 0.0),
    (1e308, -1e308),
    (-np.inf, -np.inf),
    (np.inf, 0.0),
    (np.inf, np.inf),
    (0.0, -800.0),
    (745.0, 0.0),
    (-745.0, 0.0),
    (1.0, 1.0),
)


# ---------------------------------------------------------------------------------------
# Truth
# ---------------------------------------------------------------------------------------
_EXP_FLOOR = -(2**20)


def _mexp(u: mpf) -> mpf:
    if u < _EXP_FLOOR:
        return mpmath.ldexp(mpf(1), -(2**21))  # a negligible addend, or a factor that flushes to 0
    return mpmath.exp(u)


def _mp(v: float) -> mpf:
    return mpf(10) ** 400 * (1 if v > 0 else -1) if math.isinf(v) else mpf(v)


def _row_truth(name: str, row: np.ndarray, prec: int) -> list[Any]:
    """The exact outputs of one row at ``prec`` bits (mpf values; nan rows give nan)."""
    vals = [float(v) for v in row]
    if name == "sparsemax":
        if any(not math.isfinite(v) for v in vals):
            return [mpmath.nan] * len(vals)
        fr = [Fraction(v) for v in vals]
        z = sorted(fr, reverse=True)
        cs, best = Fraction(0), None
        for kk, zk in enumerate(z, 1):
            cs += zk
            if 1 + kk * zk > cs:
                best = (cs - 1) / kk
        assert best is not None
        return [max(v - best, Fraction(0)) for v in fr]
    with mpmath.workprec(prec):
        if name == "glu":
            h = len(vals) // 2
            out = []
            for a, b in zip(vals[:h], vals[h:]):
                if math.isnan(a) or math.isnan(b):
                    out.append(mpmath.nan)
                    continue
                bb = _mp(b)
                sig = 1 / (1 + _mexp(-bb)) if bb > -(2**20) else _mexp(bb)
                out.append(_mp(a) * sig)
            return out
        if any(math.isnan(v) for v in vals):
            return [mpmath.nan] * (1 if name == "logsumexp" else len(vals))
        sign = -1 if name == "softmin" else 1
        xs = [sign * _mp(v) for v in vals]
        am = max(range(len(xs)), key=lambda t: xs[t])
        m = xs[am]
        s = mpmath.fsum(_mexp(xs[t] - m) for t in range(len(xs)) if t != am)
        L = mpmath.log1p(s)
        if name == "logsumexp":
            return [m + L]
        if name == "log_softmax":
            return [(xv - m) - L for xv in xs]
        return [_mexp(xv - m) / (1 + s) for xv in xs]


_CACHE_DIR = Path(tempfile.gettempdir()) / "symact-truth-cache"


def truth(name: str, data: np.ndarray, verify: bool = False) -> np.ndarray:
    """The exact values of ``name`` over the last axis of ``data``, correctly rounded to its dtype.

    mpmath at 240 bits on the exact binary inputs, with cancellation-free formulas
    (log_softmax as (x_i - m) - log1p(s), the argmax term kept out of s); ±inf
    entries are evaluated at ±10**400 (the limit); sparsemax exactly in rationals.
    With ``verify=True`` each row is also evaluated at 330 bits and a mismatch
    after rounding raises ``AssertionError``. Cached under the temp directory.

    Examples:
        >>> truth("log_softmax", np.array([[0.0, -100.0]]))
        array([[-3.72007598e-44, -1.00000000e+02]])
    """
    data = np.asarray(data)
    act = _get(name)
    dt = data.dtype
    key = hashlib.sha256(
        (act.name + str(dt) + str(verify)).encode() + data.shape.__repr__().encode() + data.tobytes()
    ).hexdigest()[:32]
    path = _CACHE_DIR / f"vec-{key}.npy"
    try:
        return np.load(path)
    except (OSError, ValueError):
        pass
    fmt = _FMTS[str(dt)]
    flat = data.reshape(-1, data.shape[-1])
    width = 1 if act.name == "logsumexp" else (data.shape[-1] // 2 if act.name == "glu" else data.shape[-1])
    out = np.empty((flat.shape[0], width), dtype=np.float64)
    for r, row in enumerate(flat):
        vals = _row_truth(act.name, row, 240)
        rounded = [round_to(v, *fmt) for v in vals]
        if verify:
            again = [round_to(v, *fmt) for v in _row_truth(act.name, row, 330)]
            same = all(a == b or (math.isnan(a) and math.isnan(b)) for a, b in zip(rounded, again))
            assert same, f"truth of {act.name} row {r} differs between 240 and 330 bits"
        out[r] = rounded
    with np.errstate(over="ignore"):
        res = out.astype(dt).reshape(data.shape[:-1] + ((width,) if act.name != "logsumexp" else ()))
    save_cached(path, res)
    return res


# ---------------------------------------------------------------------------------------
# Validation
# ---------------------------------------------------------------------------------------
#: The bars (issue 6): max ULP per component by (function, dtype); None = measured only.
BARS: dict[tuple[str, str], float | None] = {
    ("softmax", "float64"): 5,
    ("softmax", "float32"): 1,
    ("softmin", "float64"): 5,
    ("softmin", "float32"): 1,
    ("log_softmax", "float64"): 2,
    ("log_softmax", "float32"): 1,
    ("logsumexp", "float64"): 1,
    ("logsumexp", "float32"): 1,  # f64 measured 0 (68 before log1p in double-double)
    ("glu", "float64"): 4,
    ("glu", "float32"): 1,
    ("sparsemax", "float64"): 1,
    ("sparsemax", "float32"): 1,  # measured 0 and 0 (57 and 0 before tau in double-double)
}


@dataclass(frozen=True)
class VectorFunctionReport:
    """The accuracy of one vector function in one dtype over the test rows.

    Attributes:
        name, dtype: what was measured.
        rows, points: how many rows and output values.
        max_ulp, median_ulp: over all non-wrong outputs.
        max_ulp_dominant: over the argmax entries (rows' largest input), where the
            textbook log_softmax loses all relative accuracy (nan if not applicable).
        max_ulp_special: over :data:`SPECIAL_ROWS`.
        wrong: wrong-class outputs (nan/inf vs finite, wrong-signed inf).
        warnings: RuntimeWarnings from one call over all rows (plus dtype drift).
        worst: ``(row, column, got, truth)`` of the largest error (or first wrong point).
        bar: the ULP bar, or None when only measured.
        bound_met: whether the bar holds with 0 wrong and 0 warnings.
    """

    name: str
    dtype: str
    rows: int
    points: int
    max_ulp: float
    median_ulp: float
    max_ulp_dominant: float
    max_ulp_special: float
    wrong: int
    warnings: int
    worst: tuple[int, int, float, float]
    bar: float | None
    bound_met: bool
    seconds: float = 0.0

    def line(self) -> str:
        """One line of text."""
        bar = (
            "measured only" if self.bar is None else f"bar <= {self.bar:g} ULP: {'ok' if self.bound_met else 'MISSED'}"
        )
        r, c, g, t = self.worst
        return (
            f"{self.name} {self.dtype}: max {self.max_ulp:.3g} ULP (dominant {self.max_ulp_dominant:.3g}, special rows {self.max_ulp_special:.3g}), "
            f"median {self.median_ulp:g}, {self.wrong} wrong, {self.warnings} warnings over {self.rows} rows / {self.points} values; "
            f"worst row {r} col {c}: got {g!r} truth {t!r}; {bar}"
        )


@dataclass(frozen=True)
class VectorReport:
    """The validation of one vector activation in float32 and float64."""

    name: str
    results: tuple[VectorFunctionReport, ...]
    seconds: float

    @property
    def ok(self) -> bool:
        """Whether every bar is met."""
        return all(r.bound_met for r in self.results)

    def get(self, dtype: str) -> VectorFunctionReport:
        """The report for one dtype."""
        for r in self.results:
            if r.dtype == dtype:
                return r
        raise KeyError(dtype)

    def summary(self) -> str:
        """One line."""
        parts = [
            f"{'f32' if r.dtype == 'float32' else 'f64'} max {r.max_ulp:.3g} ULP (dominant {r.max_ulp_dominant:.3g})"
            for r in self.results
        ]
        wrong = sum(r.wrong for r in self.results)
        warns = sum(r.warnings for r in self.results)
        return (
            f"{self.name} {'ok' if self.ok else 'MISSED'}: " + "; ".join(parts) + f"; {wrong} wrong, {warns} warnings"
        )

    def __str__(self) -> str:
        return "\n".join([self.summary(), *("  " + r.line() for r in self.results)])


def _measure(fn: Callable[..., Any], name: str, data: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    want = truth(name, data)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with np.errstate(over="warn", invalid="warn", divide="warn", under="ignore"):
            try:
                got = np.asarray(fn(data, axis=-1))
            except Exception as exc:  # noqa: BLE001 - a crash is a reported failure
                got = np.full(want.shape, np.nan, dtype=data.dtype)
                caught.append(warnings.WarningMessage(RuntimeWarning(repr(exc)), RuntimeWarning, "", 0))
    n_warn = sum(1 for w in caught if issubclass(w.category, RuntimeWarning))
    if got.dtype != data.dtype:
        n_warn += 1
        got = got.astype(data.dtype)
    err, wrong = ulp_error(got, want)
    return got, want, err, n_warn + 0 * int(wrong.sum())


def _dominant_mask(name: str, data: np.ndarray, shape: tuple[int, ...]) -> np.ndarray | None:
    if name in ("logsumexp", "glu", "sparsemax"):
        return None
    src = -data if name == "softmin" else data
    mask = np.zeros(shape, dtype=bool)
    with np.errstate(invalid="ignore"):
        idx = np.argmax(np.where(np.isnan(src), -np.inf, src), axis=-1)
    mask[np.arange(shape[0]), idx] = True
    return mask


def validate(
    name: str, count: int = 100, length: int = 1000, dtypes: tuple[str, ...] = ("float32", "float64")
) -> VectorReport:
    """Measure a vector activation against the correctly rounded truth on :func:`rows`.

    Never raises on a miss: the report states the figures and whether each bar holds.

    Examples:
        >>> rep = validate("log_softmax", count=10, length=50)
        >>> rep.ok, rep.get("float64").wrong, rep.get("float64").max_ulp_dominant <= 2
        (True, 0, True)
    """
    act = _get(name)
    fn = to_numpy(act.name)
    t0 = time.perf_counter()
    results = []
    for dtype in dtypes:
        t1 = time.perf_counter()
        data = rows(dtype, count, length + (length % 2 if act.name == "glu" else 0))
        if act.name in ("glu", "sparsemax"):
            data = np.where(np.isfinite(data), data, 0).astype(data.dtype)  # defined for finite input only
        got, want, err, n_warn = _measure(fn, act.name, data)
        _, wrong = ulp_error(got, want)
        err2 = err.reshape(err.shape[0], -1)
        wrong2 = wrong.reshape(err2.shape)
        ok = ~wrong2
        emax = float(err2[ok].max()) if ok.any() else 0.0
        med = float(np.median(err2[ok])) if ok.any() else 0.0
        dom = _dominant_mask(act.name, data, err2.shape)
        edom = float(err2[ok & dom].max()) if dom is not None and (ok & dom).any() else math.nan
        # special short rows
        esp = 0.0
        sp_wrong = 0
        if act.name not in ("glu", "sparsemax"):
            for row in SPECIAL_ROWS:
                with np.errstate(over="ignore"):
                    d = np.asarray([row], dtype=np.dtype(dtype))
                g, w, e, nw = _measure(fn, act.name, d)
                _, wr = ulp_error(g, w)
                sp_wrong += int(wr.sum())
                n_warn += nw
                esp = max(esp, float(e[~wr].max()) if (~wr).any() else 0.0)
        if wrong2.any():
            r, c = np.argwhere(wrong2)[0]
        else:
            r, c = np.unravel_index(int(np.argmax(np.where(ok, err2, -1))), err2.shape)
        g2, w2 = got.reshape(err2.shape), want.reshape(err2.shape)
        n_wrong = int(wrong2.sum()) + sp_wrong
        bar = BARS.get((act.name, dtype))
        met = n_wrong == 0 and n_warn == 0 and (bar is None or max(emax, esp) <= bar)
        results.append(
            VectorFunctionReport(
                act.name,
                dtype,
                int(data.shape[0]) + (len(SPECIAL_ROWS) if act.name not in ("glu", "sparsemax") else 0),
                int(err.size),
                emax,
                med,
                edom,
                esp,
                n_wrong,
                n_warn,
                (int(r), int(c), float(g2[r, c]), float(w2[r, c])),
                bar,
                bool(met),
                time.perf_counter() - t1,
            )
        )
    return VectorReport(act.name, tuple(results), time.perf_counter() - t0)
