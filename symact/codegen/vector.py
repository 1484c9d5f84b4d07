"""Stable, vectorised NumPy code for the vector activations.

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
* **logsumexp** = m + log1p(s) with log1p(s) in double-double (:func:`symact.codegen.kernels.log1p_series_pair`):
  the sum cancels when m is near -log1p(s), and a rounded log1p then cost up to
  log1p(s)/|result| ULP. In the rows where more than one bit cancels, the rounding of
  each exp(x_i - m) matters as well, so they are redone with every exp in
  double-double (:func:`_lse_cancelling`);
* **sparsemax**: tau in double-double from exact sorted prefix sums (:func:`_sparsemax`),
  because the outputs x_i - tau cancel against tau;
* float32 (and float16, integer) input is computed in float64 and rounded once.

:mod:`symact.validation.vector` measures it against the correctly rounded truth.

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
import math
from collections.abc import Callable
from typing import Any

import numpy as np

from symact.codegen import kernels
from symact.codegen.kernels import exp_series_pair, log1p_series_pair, two_prod, two_sum
from symact.codegen.numpy import to_numpy as _scalar_to_numpy
from symact.definition.registry import get as _get_scalar
from symact.definition.registry import get_vector as _get

__all__ = ["source", "to_numpy"]


# ---------------------------------------------------------------------------------------
# Building blocks the generated code calls
# ---------------------------------------------------------------------------------------
def _prepare(x: Any, axis: int) -> tuple[np.ndarray, np.dtype, int]:
    """The float64 working array with ``axis`` moved last, the output dtype, the axis."""
    a, out = kernels.real_input(x)
    if a.ndim == 0:
        raise ValueError("a vector activation needs at least one axis; got a 0-d input")
    if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
        raise TypeError(f"axis must be an integer, got {type(axis).__name__} {axis!r:.60}")
    ax = int(axis) % a.ndim if -a.ndim <= int(axis) < a.ndim else None
    if ax is None:
        raise ValueError(f"axis {axis} is out of bounds for an array of dimension {a.ndim}")
    return np.moveaxis(a.astype(np.float64, copy=False), ax, -1), out, ax


def _finish(r: np.ndarray, dtype: np.dtype, ax: int | None) -> np.ndarray:
    """Move the axis back and round once to the output dtype."""
    if ax is not None:
        r = np.moveaxis(r, -1, ax)
    return kernels.round_once(r, dtype)


_SCALE_EXP = 64.0  # exp(d) for d < -700 is computed as exp(d + 64) * e**-64 (d + 64 is exact there)
_SCALE = kernels.EXP_M64  # e**-64, correctly rounded: its relative error (2**-53) is far below the subnormal grid


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
    d, e = two_sum(x, -m)  # where x == m (finite) both are exactly 0
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
        s, s_lo = two_sum(a, b)
        scale: Any = 1.0
    else:
        a, b = _exact_sum(np.where(small, 0.0, tx), np.where(small, 0.0, te))
        a2, b2 = _exact_sum(np.where(small, tx, 0.0), np.where(small, te, 0.0))
        s, s_lo = two_sum(a, a2 * _SCALE)
        s_lo = s_lo + (b + b2 * _SCALE)
        scale = np.where(small, _SCALE, 1.0)
    s_lo = np.where(np.isfinite(s_lo), s_lo, 0.0)
    return m, d, e, t, te, scale, s, s_lo


def _log1p_dd(s: np.ndarray, s_lo: np.ndarray) -> np.ndarray:
    """log1p(s + s_lo) to first order in s_lo."""
    return np.log1p(s) + s_lo / (1.0 + s)


def _lse_cancelling(m: np.ndarray, d: np.ndarray, e: np.ndarray) -> np.ndarray:
    """logsumexp of rows where m + log1p(s) cancels, with every exp in double-double.

    There a rounded exp(x_i - m) (relative error 2**-53) is an absolute error of up to
    2**-53 in the result, which may be tiny: the terms are recomputed by :func:`~symact.codegen.kernels.exp_series_pair`
    and summed exactly (Rump's ExtractScalar on the high parts).
    """
    first = np.arange(d.shape[-1]) == np.argmax(d, axis=-1)[..., None]  # the argmax term (exactly 1) stays out
    live = np.isfinite(d) & ~first
    # below -2000 exp is 0 in double-double too; the clamp keeps k log 2 from overflowing the splitting
    th, tl = exp_series_pair(np.where(live, np.maximum(d, -2000.0), 0.0), np.where(live & (d > -2000.0), e, 0.0))
    th, tl = np.where(live, th, 0.0), np.where(live, tl, 0.0)
    a, b = _exact_sum(th, tl)
    sh, sl = two_sum(a, b)
    Lh, Ll = log1p_series_pair(sh, sl)
    hi, lo = two_sum(m, Lh)
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
    p, pe = two_prod(ks, zs)
    a, ae = two_sum(p, -ch)
    b, be = two_sum(1.0, a)
    d = b + (((be + ae) + pe) - cl)  # 1 + k z_k - sum_{j<=k} z_j
    support = ok & (d > 0.0)
    support[..., 0] = True
    kz = np.sum(support, axis=-1, keepdims=True)
    kf = kz.astype(np.float64)
    nh, nl = two_sum(np.take_along_axis(ch, kz - 1, axis=-1), -1.0)
    nl = nl + np.take_along_axis(cl, kz - 1, axis=-1)
    th = nh / kf
    p, pe = two_prod(th, kf)
    tl = (((nh - p) - pe) + nl) / kf
    zk = np.take_along_axis(zs, kz - 1, axis=-1)
    inside = cand & (y >= zk)  # the top k entries (z_k > z_(k+1) strictly, by the maximality of k)
    rh, rl = two_sum(y, -th)
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
    "_two_sum": two_sum,
    "_log1p_dd": _log1p_dd,
    "_log1p_dd2": log1p_series_pair,
    "_lse_cancelling": _lse_cancelling,
    "_sparsemax": _sparsemax,
    "_div_dd": _div_dd,
    "_mul": _mul,
}


@functools.cache
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
        ns["_sigmoid"] = _scalar_to_numpy(_get_scalar("sigmoid"))
    exec(compile(source(act.name), f"<symact.codegen.vector {act.name}>", "exec"), ns)  # noqa: S102 - our own generated source
    return ns[act.name]
