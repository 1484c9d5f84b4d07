"""Printing stable expressions to NumPy source, and compiling them.

The pipeline is ``expr -> symact.codegen.rewrite.stabilize -> NumPy source -> function``:

* each piece of a piecewise definition is evaluated on its input clamped to
  the piece's interval and the pieces are joined with ``np.where`` (never
  ``np.select`` of unclamped branches), so unused branches cannot overflow;
* exact constants are folded at high precision and rounded once
  (``SELU``'s alpha*scale is one constant);
* float64 input is computed by a *precise* kernel: where a transcendental
  amplifies the rounding error of a polynomial argument (``erfc(-x/sqrt(2))``,
  ``sigmoid(2u(x))``, ``exp(-x**2)``), the argument is carried in double-double
  (Veltkamp splitting, since NumPy has no fma);
* a float64 piece holding ``sigmoid'``, ``sin`` or ``cos`` (the derivatives of SiLU,
  GELU-tanh, mish, sinc, ...) is evaluated in double-double as a whole (``exp`` by
  Tang's table to 2**-58; sigmoid, sigmoid', softplus and tanh(softplus) from it;
  ``sin``/``cos`` to 2**-100 by a Cody-Waite reduction and Taylor series; sums,
  products and quotients in pairs) and rounded once: the 1-ULP errors of each
  operation otherwise add up to 5 ULP where the terms cancel in part, and to any
  number of ULP next to the zeros of ``sinc'`` (tan x = x) beyond the certified
  regimes. Where a helper's argument is beyond ±600 (±2**20 for sin/cos) the plain
  kernel is kept; the certified regimes are sized for the plain kernel, which
  every other dtype goes through;
* every other floating dtype is computed in float64 by the plain kernel and
  rounded once to the input dtype; integers and Python numbers give float64;
  a 0-d input gives a NumPy scalar, as NumPy ufuncs do;
* products ``a*sigmoid(u)``, ``a*sigmoid'(u)``, ``a*tanh(softplus(u))`` and ``a*erfc(z)`` scale
  ``exp`` by e**64 where it would go subnormal, so a normal product keeps its
  relative accuracy;
* the whole body runs under ``np.errstate(all="ignore")``, and the generated
  function is checked far out against the limits at ±oo (mpmath truth at
  2**k, ±max and ±inf) and at ``nan``: where it disagrees (``x**3`` overflow,
  ``inf*0``), the input is clamped to the *saturation* point 2**k beyond which
  the exact value rounds to the limit, or to the finite range, or, last, the
  value at ±inf/nan is patched in.

Derivatives come from :func:`symact.analysis.calculus.derivative` (exact, with the
project's convention value at kinks), through the same pipeline.

Examples:
    >>> import numpy as np, symact
    >>> print(source(symact.get("softplus")))
    def softplus(x):
        x, dtype, scalar = _prepare(x)
        with np.errstate(all="ignore"):
            r = np.logaddexp(0.0, x)
        return _finish(r, dtype, scalar)
    >>> f = to_numpy(symact.get("sigmoid"))
    >>> f(np.array([-800.0, 0.0, 800.0], dtype=np.float32)), f(0.0)
    (array([0. , 0.5, 1. ], dtype=float32), np.float64(0.5))
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from fractions import Fraction
from typing import Any

import mpmath
import numpy as np
import scipy.special
import sympy
from sympy import S

from symact.codegen import kernels as _special
from symact.codegen import rewrite as rw
from symact.codegen.kernels import _fast_two_sum  # Dekker's exact sum, shared with the erfc kernel
from symact.core import budget
from symact.definition.activation import Activation, x
from symact.numeric.rounding import round_to

__all__ = ["derivative_expr", "regimes", "source", "to_numpy"]


# ---------------------------------------------------------------------------------------
# Exact constants -> floats, rounded once
# ---------------------------------------------------------------------------------------
_F64_MAX = float(np.finfo(np.float64).max)




def _num(value: Any) -> str:
    """A float literal for an exact constant, correctly rounded to float64."""
    f = round_to(value)
    if math.isinf(f):
        return "np.inf" if f > 0 else "-np.inf"
    if math.isnan(f):
        return "np.nan"
    return repr(f)


def _exact_float(value: sympy.Expr) -> bool:
    return bool(value.is_Rational) and Fraction(round_to(value)) == Fraction(int(value.p), int(value.q))


def _exact_float_any(value: sympy.Expr) -> bool:
    """Whether an exact constant is a float64 exactly."""
    return bool(value.is_Rational) and _exact_float(value)


def _dd_const(value: sympy.Expr) -> tuple[str, str]:
    with mpmath.workprec(400):
        v = mpmath.mpf(sympy.N(value, 130)) if not value.is_Rational else mpmath.mpf(int(value.p)) / int(value.q)
        hi = round_to(v)
        lo = round_to(v - mpmath.mpf(hi))
    return repr(hi), repr(lo)


def _down_up(c: sympy.Expr) -> tuple[float, float]:
    """The floats just below/at and just above/at the exact real ``c``."""
    f = round_to(c)
    if c.is_Rational and _exact_float(c):
        return f, f
    with mpmath.workprec(400):
        cv = mpmath.mpf(sympy.N(c, 130))
        above = mpmath.mpf(f) > cv
    return (float(np.nextafter(f, -np.inf)), f) if above else (f, float(np.nextafter(f, np.inf)))


# ---------------------------------------------------------------------------------------
# Primitives the generated code calls (generic building blocks, not per activation)
# ---------------------------------------------------------------------------------------
_SPLITTER = 134217729.0  # 2**27 + 1
_EXP_M64 = round_to(sympy.exp(-64))


def _split(a: Any) -> tuple[Any, Any]:
    """Veltkamp: a = hi + lo with 26-bit halves (overflows for |a| > 1e300; lo is then not finite)."""
    if np.ndim(a) == 0:
        c = _SPLITTER * a
        hi = c - (c - a)
        return hi, a - hi
    c = _SPLITTER * a
    t = c - a
    hi = np.subtract(c, t, out=c)  # in place: fewer fresh temporaries (page faults dominate here)
    return hi, np.subtract(a, hi, out=t)


def _two_prod(a: Any, b: Any) -> tuple[Any, Any]:
    """a*b = p + e exactly (Dekker/Veltkamp; NumPy has no fma)."""
    p = a * b
    ah, al = _split(a)
    bh, bl = _split(b)
    if np.ndim(p) == 0:
        return p, ((ah * bh - p) + ah * bl + al * bh) + al * bl
    e = ah * bh
    e -= p  # accumulated in place: fresh temporaries cost page faults
    e += ah * bl
    e += al * bh
    e += al * bl
    return p, e


def _two_sqr(a: Any) -> tuple[Any, Any]:
    """a*a = p + e exactly."""
    p = a * a
    ah, al = _split(a)
    if np.ndim(p) == 0:
        return p, ((ah * ah - p) + 2.0 * (ah * al)) + al * al
    e = ah * ah
    e -= p
    np.multiply(ah, al, out=ah)
    ah *= 2.0
    e += ah
    np.multiply(al, al, out=al)
    e += al
    return p, e


def _two_sum(a: Any, b: Any) -> tuple[Any, Any]:
    """a+b = s + e exactly (Knuth)."""
    s = a + b
    bb = s - a
    return s, (a - (s - bb)) + (b - bb)


# Double-double values are kept as unnormalised pairs (hi, lo) with |lo| << |hi|: the
# consumers only need hi and a first-order correction from lo, and a non-finite lo
# (splitting overflow far out, where the correction is irrelevant) is dropped by them.
def _dd_mul(ah: Any, al: Any, bh: Any, bl: Any) -> tuple[Any, Any]:
    """Double-double product."""
    p, e = _two_prod(ah, bh)
    return p, e + (ah * bl + al * bh)


def _dd_mul_d(ah: Any, al: Any, b: Any) -> tuple[Any, Any]:
    """Double-double times a double."""
    p, e = _two_prod(ah, b)
    return p, e + al * b


def _dd_add(ah: Any, al: Any, bh: Any, bl: Any) -> tuple[Any, Any]:
    """Double-double sum."""
    s, e = _two_sum(ah, bh)
    return s, e + (al + bl)


def _finite_lo(lo: Any) -> Any:
    return np.where(np.isfinite(lo), lo, 0.0)


def _sigmoid(u: Any) -> Any:
    """1/(1 + exp(-u)) split by sign: exp(-|u|) never overflows."""
    e = np.exp(-np.abs(u))
    r = 1.0 / (1.0 + e)
    return np.where(u >= 0, r, e * r)


def _fix(out: Any, mask: Any, values: Callable[[Any], Any]) -> Any:
    """out with out[mask] replaced by values(mask) (only computed where mask holds)."""
    if not np.any(mask):
        return out
    out = np.array(out, dtype=np.float64, copy=True)
    mask = np.broadcast_to(mask, out.shape)
    out[mask] = values(mask)
    return out


def _mul_sigmoid(a: Any, u: Any) -> Any:
    """a * sigmoid(u) with no subnormal intermediate where the product is normal.

    For u < -600, exp(u) is computed as exp(u + 64) * e**-64 after the product
    with ``a`` (u + 64 is exact there: same binade).
    """
    a, u = np.broadcast_arrays(np.asarray(a, dtype=np.float64), np.asarray(u, dtype=np.float64))
    e = np.exp(-np.abs(u))
    r = 1.0 / (1.0 + e)
    out = np.where(u >= 0, a * r, (a * e) * r)
    return _fix(out, u < -600.0, lambda m: (a[m] * np.exp(u[m] + 64.0)) * _EXP_M64)


def _sigmoid_prime(u: Any) -> Any:
    """sigmoid(u) sigmoid(-u) = e/(1 + e)**2 with e = exp(-|u|) (even in u).

    1 + e is split exactly into dh + dl, and (1 + e)**2 = dh**2 (1 + 2 dl/dh) to first order.
    """
    e = np.exp(-np.abs(u))
    dh = 1.0 + e
    dl = e - (dh - 1.0)
    q = e / (dh * dh)
    return q - q * (2.0 * dl / dh)


def _mul_sigmoid_prime(a: Any, u: Any) -> Any:
    """a * sigmoid'(u) with no subnormal intermediate where the product is normal.

    For |u| > 600, sigmoid'(u) = exp(-|u|) to double precision, computed as
    exp(64 - |u|) * e**-64 after the product with ``a`` (as in :func:`_mul_sigmoid`).
    """
    a, u = np.broadcast_arrays(np.asarray(a, dtype=np.float64), np.asarray(u, dtype=np.float64))
    out = a * _sigmoid_prime(u)
    return _fix(out, np.abs(u) > 600.0, lambda m: (a[m] * np.exp(64.0 - np.abs(u[m]))) * _EXP_M64)


def _sigmoid_prime_dd(uh: Any, ul: Any) -> Any:
    """sigmoid'(uh + ul) = sigmoid'(uh) (1 - tanh(uh/2) ul) to first order.

    As in :func:`_sigmoid_prime`, the rounding of 1 + e is corrected (1 + e = d + dl exactly).
    """
    ul = _finite_lo(ul)
    e = np.exp(-np.abs(uh))
    d = 1.0 + e
    dl = e - (d - 1.0)
    s = e / (d * d)
    return s - s * (2.0 * dl / d + np.sign(uh) * ((1.0 - e) / d) * ul)


def _sigmoid_dd(uh: Any, ul: Any) -> Any:
    """sigmoid(uh + ul) for a double-double argument (first-order correction)."""
    ul = _finite_lo(ul)
    e = np.exp(-np.abs(uh))
    r = 1.0 / (1.0 + e)
    er = e * r
    s = np.where(uh >= 0, r, er)
    sm = np.where(uh >= 0, er, r)
    return s + s * (sm * ul)


def _tanh_softplus(u: Any) -> Any:
    """tanh(log(1 + exp(u))); for u < 0 as n/(2 + n), n = e(2 + e), e = exp(u)."""
    e = np.exp(np.minimum(u, 0.0))
    n = e * (2.0 + e)
    return np.where(u >= 0, np.tanh(np.logaddexp(0.0, np.maximum(u, 0.0))), n / (2.0 + n))


def _mul_tanh_softplus(a: Any, u: Any) -> Any:
    """a * tanh(log(1 + exp(u))), scaling exp(u) by e**64 where it would be subnormal."""
    a, u = np.broadcast_arrays(np.asarray(a, dtype=np.float64), np.asarray(u, dtype=np.float64))
    out = a * _tanh_softplus(u)
    # tanh(log1p(e)) = e (1 + O(e)) when e = exp(u) is tiny
    return _fix(out, u < -600.0, lambda m: (a[m] * np.exp(u[m] + 64.0)) * _EXP_M64)


def _softplus_dd(uh: Any, ul: Any) -> Any:
    """log(1 + exp(uh + ul)) = logaddexp(0, uh) + sigmoid(uh) ul to first order."""
    return np.logaddexp(0.0, uh) + _sigmoid(uh) * _finite_lo(ul)


def _exp_dd(uh: Any, ul: Any) -> Any:
    """exp(uh + ul) = exp(uh) (1 + ul) for a double-double argument."""
    e = np.exp(uh)
    return e + e * _finite_lo(ul)


def _mul_erfc_dd(a: Any, zh: Any, zl: Any) -> Any:
    """a * erfc(zh + zl), double-double argument, one rounding of the product (:mod:`symact.codegen.kernels`, <= 1 ULP)."""
    return _special.mul_erfc_dd(a, zh, zl)


def _erfc_dd(zh: Any, zl: Any) -> Any:
    """erfc(zh + zl) for a double-double argument (:mod:`symact.codegen.kernels`, <= 1 ULP)."""
    return _special.erfc_dd(zh, zl)


# -- whole expressions in double-double: exp, sigmoid and sigmoid' as pairs h + l ---------------
#: Beyond this |argument| the pair helpers are not used (exp(-|u|) nears the subnormals; the
#: plain code, with its subnormal-free products, is kept there).
_PAIR_MAX = 600.0


def _exp_pair(uh: Any, ul: Any) -> tuple[Any, Any]:
    """exp(uh + ul) as h + l, relative error about 2**-58 for |uh| <= 700.

    Tang's method as in :mod:`symact.codegen.kernels`: exp(u) = 2**(n/32) exp(r), r = u - n ln2/32
    in double-double (Cody-Waite, exact), 2**(n/32) a table double times (1 + a tiny
    correction), exp(r) = 1 + expm1(r) with |r| <= ln2/64, so the rounding of expm1 costs
    2**-53 of a number below 0.011. NumPy's exp is itself up to 1 ULP off; this is the
    floor under sigmoid-type derivatives. Beyond |uh| = 700: ``np.exp(uh)`` and 0.
    """
    uh = np.asarray(uh, dtype=np.float64)
    far = ~(np.abs(uh) <= 700.0)
    u = np.where(far, 0.0, uh)
    n = np.rint(u * _special._INV_L)
    r, rl = _two_sum(u - n * _special._L1, -n * _special._L2)  # u - n*_L1 is exact (|n| < 2**16)
    ni = n.astype(np.int64)
    j = ni & 31
    e = _special._T_HI[j] * (((ni >> 5) + 1023) << 52).view(np.float64)
    m = np.expm1(r)
    m = m + (1.0 + m) * (rl - n * _special._L3 + _special._T_REL[j] + np.where(far, 0.0, _finite_lo(ul)))
    h, lo = _fast_two_sum(e, e * m)
    return np.where(far, np.exp(uh), h), np.where(far, 0.0, lo)


def _recip_pair(dh: Any, dl: Any) -> tuple[Any, Any]:
    """1/(dh + dl) as h + l (one Newton step in double-double), for 1 <= dh <= 2."""
    q = 1.0 / dh
    p, pe = _two_prod(q, dh)
    r = ((1.0 - p) - pe) - q * dl  # 1 - q (dh + dl), to double-double accuracy
    return _fast_two_sum(q, q * r)


def _sigmoid_parts(uh: Any, ul: Any) -> tuple[Any, Any, Any, Any, Any]:
    """E = exp(-|u|) and q = 1/(1 + E) as pairs, and the sign mask u < 0."""
    ul = _finite_lo(ul)
    neg = uh < 0
    eh, el = _exp_pair(-np.abs(uh), np.where(neg, ul, -ul))
    dh, dl = _fast_two_sum(1.0, eh)
    qh, ql = _recip_pair(dh, dl + el)
    return eh, el, qh, ql, neg


def _sigmoid_pair(uh: Any, ul: Any) -> tuple[Any, Any]:
    """sigmoid(uh + ul) as h + l: 1/(1 + E) for u >= 0, E/(1 + E) below, E = exp(-|u|)."""
    eh, el, qh, ql, neg = _sigmoid_parts(uh, ul)
    sh, sl = _dd_mul(eh, el, qh, ql)
    return np.where(neg, sh, qh), np.where(neg, sl, ql)


def _sigmoid_prime_pair(uh: Any, ul: Any) -> tuple[Any, Any]:
    """sigmoid'(uh + ul) = E/(1 + E)**2 as h + l, E = exp(-|u|) (even in u)."""
    eh, el, qh, ql, _ = _sigmoid_parts(uh, ul)
    sh, sl = _dd_mul(eh, el, qh, ql)
    return _dd_mul(sh, sl, qh, ql)


def _div_pair(ah: Any, al: Any, bh: Any, bl: Any) -> tuple[Any, Any]:
    """(ah + al)/(bh + bl) as h + l (one correction step in double-double)."""
    q = ah / bh
    p, pe = _two_prod(q, bh)
    r = (((ah - p) - pe) + al) - q * bl
    return _fast_two_sum(q, r / bh)


def _softplus_pair(uh: Any, ul: Any) -> tuple[Any, Any]:
    """log(1 + exp(uh + ul)) = max(u, 0) + log1p(E), E = exp(-|u|), as h + l.

    log1p(E) is NumPy's (about 1 ULP of a number below log 2) plus the first-order term
    of E's low part: relative error about 2**-53 where the result is below 1, and
    far smaller where max(u, 0) dominates.
    """
    ul = _finite_lo(ul)
    neg = uh < 0
    eh, el = _exp_pair(-np.abs(uh), np.where(neg, ul, -ul))
    h, lo = _dd_add(np.maximum(uh, 0.0), np.where(neg, 0.0, ul), np.log1p(eh), el / (1.0 + eh))
    return np.where(np.isfinite(uh), h, np.maximum(uh, 0.0)), lo


def _tanh_softplus_pair(uh: Any, ul: Any) -> tuple[Any, Any]:
    """tanh(log(1 + exp(u))) as h + l: n/(2 + n) with n = e (2 + e), e = exp(u), for u < 0;
    1 - 2 E**2/((1 + E)**2 + E**2) with E = exp(-u) for u >= 0."""
    ul = _finite_lo(ul)
    neg = uh < 0
    eh, el = _exp_pair(-np.abs(uh), np.where(neg, ul, -ul))
    # u < 0
    th, tl = _fast_two_sum(2.0, eh)
    nh, nl = _dd_mul(eh, el, th, tl + el)
    dh, dl = _fast_two_sum(2.0, nh)
    ah, al = _div_pair(nh, nl, dh, dl + nl)
    # u >= 0
    e2h, e2l = _dd_mul(eh, el, eh, el)
    oh, ol = _fast_two_sum(1.0, eh)
    o2h, o2l = _dd_mul(oh, ol + el, oh, ol + el)
    sh, sl = _dd_add(o2h, o2l, e2h, e2l)
    qh, ql = _div_pair(2.0 * e2h, 2.0 * e2l, sh, sl)
    bh, bl = _fast_two_sum(1.0, -qh)
    return np.where(neg, ah, bh), np.where(neg, al, bl - ql)


# pi/2 in three parts, the first two on 33 bits: k*_P1 and k*_P2 are exact for |k| < 2**20
_P1 = _special._dd_const(lambda: mpmath.pi / 2, 33)[0]
_P2 = _special._dd_const(lambda: mpmath.pi / 2 - mpmath.mpf(_P1), 33)[0]
_P3 = _special._dd_const(lambda: mpmath.pi / 2 - mpmath.mpf(_P1) - mpmath.mpf(_P2))[0]
_TWO_OVER_PI = _special._dd_const(lambda: 2 / mpmath.pi)[0]
#: sin r = r (sum_j (-1)**j z**j/(2j+1)!), cos r = sum_j (-1)**j z**j/(2j)!, z = r**2, |r| <= pi/4:
#: the first terms in double-double, the tail (below 2**-54) in double.
_SIN_DD = tuple(_special._dd_const(lambda j=j: mpmath.mpf(-1) ** j / mpmath.factorial(2 * j + 1)) for j in range(8))
_SIN_TAIL = tuple(
    _special._dd_const(lambda j=j: mpmath.mpf(-1) ** j / mpmath.factorial(2 * j + 1))[0] for j in range(8, 15)
)
_COS_DD = tuple(_special._dd_const(lambda j=j: mpmath.mpf(-1) ** j / mpmath.factorial(2 * j)) for j in range(9))
_COS_TAIL = tuple(
    _special._dd_const(lambda j=j: mpmath.mpf(-1) ** j / mpmath.factorial(2 * j))[0] for j in range(9, 16)
)


def _series_pair(zh: Any, zl: Any, head: tuple[tuple[float, float], ...], tail: tuple[float, ...]) -> tuple[Any, Any]:
    """sum_j c_j z**j: the tail by Horner in double, then the head by Horner in double-double."""
    t = np.zeros_like(zh)
    for c in reversed(tail):
        t = t * zh + c
    h, lo = t, np.zeros_like(zh)
    for ch, cl in reversed(head):
        h, lo = _dd_mul(h, lo, zh, zl)
        h, lo = _dd_add(h, lo, ch, cl)
    return h, lo


def _sin_cos_pair(uh: Any, ul: Any) -> tuple[Any, Any, Any, Any]:
    """sin and cos of uh + ul as pairs, absolute error about 2**-100, for |uh| <= 2**20.

    u = k pi/2 + r with r in double-double (Cody-Waite, pi/2 in three parts), then the
    Taylor series of sin r and cos r for |r| <= pi/4, and the quadrant k mod 4.
    """
    uh = np.asarray(uh, dtype=np.float64)
    k = np.rint(np.where(np.isfinite(uh), uh, 0.0) * _TWO_OVER_PI)
    rh, rl = _two_sum(uh - k * _P1, -k * _P2)  # uh - k*_P1 is exact
    rh, rl = _fast_two_sum(rh, rl - k * _P3 + _finite_lo(ul))
    zh, zl = _dd_mul(rh, rl, rh, rl)
    sh, sl = _series_pair(zh, zl, _SIN_DD, _SIN_TAIL)
    sh, sl = _dd_mul(sh, sl, rh, rl)
    ch, cl = _series_pair(zh, zl, _COS_DD, _COS_TAIL)
    q = k.astype(np.int64) & 3
    # sin(u) = [s, c, -s, -c][q], cos(u) = [c, -s, -c, s][q]
    swap = (q & 1) == 1
    sin_h, sin_l = np.where(swap, ch, sh), np.where(swap, cl, sl)
    cos_h, cos_l = np.where(swap, sh, ch), np.where(swap, sl, cl)
    sin_neg = q >= 2
    cos_neg = (q == 1) | (q == 2)
    return (
        np.where(sin_neg, -sin_h, sin_h),
        np.where(sin_neg, -sin_l, sin_l),
        np.where(cos_neg, -cos_h, cos_h),
        np.where(cos_neg, -cos_l, cos_l),
    )


def _add_hypot(u: Any, c: float, k: float = 1.0) -> Any:
    """k*(u + hypot(u, c)), as k*c**2/(hypot(u, c) - u) for u < 0 (no overflow for finite k*u)."""
    h = np.hypot(u, c)
    return np.where(u >= 0, k * u + k * h, (0.5 * k * c * c) / (0.5 * h - 0.5 * u))


def _hypot_m1(u: Any, c: float) -> Any:
    """hypot(u, c) - c, as u*(u/(hypot(u, c) + c))."""
    return u * (u / (np.hypot(u, c) + c))


def _poly(t: Any, a: float, nd: int, ch: tuple[float, ...], cl: tuple[float, ...]) -> Any:
    """sum c_j (t - a)**j: Horner in double from c_N down to c_nd, then nd double-double steps (nd <= N).

    ``t - a`` is split exactly (TwoSum), and the last steps carry the coefficients
    ``ch[j] + cl[j]`` in double-double, so near a zero of the polynomial's lowest
    terms the result keeps its relative accuracy.
    """
    th, tl = _two_sum(t, -a)
    deg = len(ch) - 1
    nd = min(nd, deg)  # the top coefficient starts the sum; it is never added twice
    h = np.full(np.shape(th), ch[-1])
    for j in range(deg - 1, nd - 1, -1):
        h = h * th + ch[j]
    sh, sl = h, np.zeros(np.shape(th))
    for j in range(nd - 1, -1, -1):
        sh, sl = _dd_mul(sh, sl, th, tl)
        sh, sl = _dd_add(sh, sl, ch[j], cl[j])
    return sh + sl


def _series(
    r: Any,
    xv: Any,
    lo: float,
    hi: float,
    a: float,
    nd: int,
    ch: tuple[float, ...],
    cl: tuple[float, ...],
    inplace: bool = False,
) -> Any:
    """r with a certified Taylor regime (:mod:`symact.codegen.series`) on the doubles lo <= x <= hi.

    ``inplace`` (for the second and later regimes of a function) writes into ``r``,
    which is then the array the first call returned; the first call copies (``r``
    may be the caller's input array itself).
    """
    xv = np.asarray(xv)
    mask = (xv >= lo) & (xv <= hi)
    if not inplace or not isinstance(r, np.ndarray) or r.shape != mask.shape or r.dtype != np.float64:
        return _fix(r, mask, lambda m: _poly(np.broadcast_to(xv, np.shape(m))[m], a, nd, ch, cl))
    if mask.any():
        r[mask] = _poly(xv[mask], a, nd, ch, cl)
    return r


def _prepare(x: Any) -> tuple[np.ndarray, np.dtype, bool]:
    """The float64 working array, the output dtype and whether the input was 0-d."""
    a = np.asarray(x)
    if a.dtype.kind == "c":
        raise TypeError("symact activations are real functions; got complex input")
    out = a.dtype if a.dtype.kind == "f" else np.dtype(np.float64)
    return a.astype(np.float64, copy=False), out, a.ndim == 0


def _finish(r: Any, dtype: np.dtype, scalar: bool) -> Any:
    """Round once to the output dtype; 0-d input gives a NumPy scalar."""
    r = np.asarray(r)
    if r.dtype != dtype:
        with np.errstate(over="ignore", under="ignore"):
            r = r.astype(dtype)
    return r[()] if scalar else r


_NAMESPACE: dict[str, Any] = {
    "np": np,
    "special": scipy.special,
    **{k: v for k, v in globals().items() if k.startswith("_") and callable(v) and k not in ("_num",)},
}


# ---------------------------------------------------------------------------------------
# The printer
# ---------------------------------------------------------------------------------------
_UFUNCS = {
    sympy.exp: "np.exp",
    sympy.log: "np.log",
    sympy.tanh: "np.tanh",
    sympy.sinh: "np.sinh",
    sympy.cosh: "np.cosh",
    sympy.sin: "np.sin",
    sympy.cos: "np.cos",
    sympy.tan: "np.tan",
    sympy.atan: "np.arctan",
    sympy.asinh: "np.arcsinh",
    sympy.erf: "special.erf",
    sympy.erfc: "special.erfc",
    rw.Log1p: "np.log1p",
    rw.Expm1: "np.expm1",
    rw.Erfc: "special.erfc",
    rw.Sigmoid: "_sigmoid",
    rw.SigmoidPrime: "_sigmoid_prime",
    rw.TanhSoftplus: "_tanh_softplus",
}


def _is_poly(e: sympy.Expr) -> bool:
    try:
        return e.has(x) and sympy.Poly(e, x).degree() >= 1
    except sympy.PolynomialError:
        return False


def _needs_dd(u: sympy.Expr) -> bool:
    """Whether a polynomial argument is rounded when computed in float64."""
    if isinstance(u, rw.Affine):  # a*(p - r): p - r and the scaling each round
        return _is_poly(u.args[0])
    if not _is_poly(u):
        return False
    k, rest = u.as_coeff_Mul()
    # k*x is exact only for k = ±2**n (any other k rounds the product)
    exact = rest == x and k.is_Rational and k != 0 and _exact_float(k) and math.frexp(abs(float(k)))[0] == 0.5
    return not exact


def _atomic(code: str) -> bool:
    """Whether ``code`` can be an operand of any operator without parentheses."""
    import re

    if re.fullmatch(r"[A-Za-z_][A-Za-z_0-9.]*(\[\d+\])?", code) or re.fullmatch(r"\d+(\.\d*)?(e[+-]?\d+)?", code):
        return True
    if code.startswith("(") or re.match(r"[A-Za-z_][A-Za-z_0-9.]*\(", code):
        # one call or one parenthesised group spanning the whole string
        start = code.index("(")
        depth = 0
        for i, ch in enumerate(code[start:], start):
            depth += ch == "("
            depth -= ch == ")"
            if depth == 0:
                return i == len(code) - 1
    return False


def _p(code: str) -> str:
    """``code`` parenthesised unless atomic."""
    return code if _atomic(code) else f"({code})"


#: Functions whose argument is carried in double-double when its rounding error would be amplified.
_DD_HELPERS: dict[type, str] = {
    rw.Erfc: "_erfc_dd",
    rw.Sigmoid: "_sigmoid_dd",
    rw.SigmoidPrime: "_sigmoid_prime_dd",
    sympy.exp: "_exp_dd",
    rw.Softplus: "_softplus_dd",
}


#: Functions the pair printer evaluates as double-double pairs, and their helpers.
_PAIR_HELPERS: dict[type, str] = {
    rw.Sigmoid: "_sigmoid_pair",
    rw.SigmoidPrime: "_sigmoid_prime_pair",
    sympy.exp: "_exp_pair",
    rw.Softplus: "_softplus_pair",
    rw.TanhSoftplus: "_tanh_softplus_pair",
}
#: The largest |argument| at which the sin/cos pairs are used (the reduction is exact below it).
_SIN_COS_MAX = 2.0**20


class _NoPair(Exception):
    """The expression has a node the pair printer cannot carry in double-double."""


class _Printer:
    def __init__(
        self, var: str, precise: bool, emit: Callable[[str], str], root: sympy.Expr | None = None, pairs: bool = False
    ) -> None:
        self.var = var
        self.precise = precise
        # pairs: the whole expression in double-double (polynomials, +, *, exp, sigmoid,
        # sigmoid'); the arguments of the pair helpers are collected in self.guards
        self.pairs = pairs
        self.guards: list[tuple[str, float]] = []
        self.sincos: dict[sympy.Expr, str] = {}
        self.emit = emit  # emit(code) -> name of a temporary holding it
        self.memo: dict[sympy.Expr, str] = {}
        self.counts: dict[sympy.Expr, int] = {}
        self.dd_memo: dict[sympy.Expr, tuple[str, str]] = {}
        if root is not None:
            # how many distinct parents use each distinct subexpression
            parents: dict[sympy.Expr, set[sympy.Expr]] = {}
            for node in set(sympy.preorder_traversal(root)):
                for a in node.args:
                    parents.setdefault(a, set()).add(node)
            self.counts = {k: len(v) for k, v in parents.items()}

    def __call__(self, e: sympy.Expr) -> str:
        if e in self.memo:
            return self.memo[e]
        code = self._print(e)
        if self.counts.get(e, 0) > 1 and e.args and not e.is_Atom and e.has(x):
            code = self.emit(code)  # common subexpression: computed once
        self.memo[e] = code
        return code

    # double-double evaluation of polynomial arguments
    def dd(self, e: sympy.Expr) -> tuple[str, str]:
        if e not in self.dd_memo:
            self.dd_memo[e] = self._dd(e)
        return self.dd_memo[e]

    def _dd(self, e: sympy.Expr) -> tuple[str, str]:
        if e == x:
            return self.var, "0.0"
        if not e.has(x):
            return _dd_const(e)
        if isinstance(e, rw.Affine):
            u, r, a = e.args
            h, lo = self.dd(sympy.Add(u, -r, evaluate=False) if r != 0 else u)
            if _exact_float_any(1 / a) and not _exact_float_any(a):
                t = self.emit(f"_div_pair({h}, {lo}, {_num(1 / a)}, 0.0)")  # dividing by an exact float
                return f"{t}[0]", f"{t}[1]"
            return self._dd_mul(h, lo, *_dd_const(a))
        if isinstance(e, sympy.Add):
            args = list(e.args)
            h, lo = self.dd(args[0])
            for a in args[1:]:
                bh, bl = self.dd(a)
                t = self.emit(f"_dd_add({h}, {lo}, {bh}, {bl})")
                h, lo = f"{t}[0]", f"{t}[1]"
            return h, lo
        if isinstance(e, sympy.Mul):
            const = sympy.Mul(*[a for a in e.args if not a.has(x)])
            args = [a for a in e.args if a.has(x)]
            if const != 1:
                args.insert(0, const)
            h, lo = self.dd(args[0])
            for a in args[1:]:
                h, lo = self._dd_mul(h, lo, *self.dd(a))
            return h, lo
        if isinstance(e, sympy.Pow) and e.exp.is_Integer and e.exp > 0:
            h, lo = self.dd(e.base)
            if lo == "0.0" and e.exp == 2:
                t = self.emit(f"_two_sqr({h})")
                rh, rl, n = f"{t}[0]", f"{t}[1]", 0
            elif lo == "0.0" and e.exp > 2:
                (rh, rl), n = self.dd(e.base**2), int(e.exp) - 2  # the square shared with other powers
            else:
                rh, rl, n = h, lo, int(e.exp) - 1
            for _ in range(n):
                rh, rl = self._dd_mul(rh, rl, h, lo)
            return rh, rl
        if self.pairs and isinstance(e, sympy.Pow) and e.exp.is_Integer and e.exp < 0:
            bh, bl = self.dd(e.base**-e.exp)
            t = self.emit(f"_div_pair(1.0, 0.0, {bh}, {bl})")
            return f"{t}[0]", f"{t}[1]"
        if self.pairs and isinstance(e, (sympy.sin, sympy.cos)):
            # sin and cos of one argument come from one reduction and one pair of series
            if e.args[0] not in self.sincos:
                uh, ul = self.dd(e.args[0])
                self.guards.append((uh, _SIN_COS_MAX))
                self.sincos[e.args[0]] = self.emit(f"_sin_cos_pair({uh}, {ul})")
            t = self.sincos[e.args[0]]
            return (f"{t}[0]", f"{t}[1]") if isinstance(e, sympy.sin) else (f"{t}[2]", f"{t}[3]")
        if self.pairs:
            helper = _PAIR_HELPERS.get(type(e))
            if helper is None:
                raise _NoPair(type(e).__name__)
            uh, ul = self.dd(e.args[0])
            self.guards.append((uh, _PAIR_MAX))
            t = self.emit(f"{helper}({uh}, {ul})")
            return f"{t}[0]", f"{t}[1]"
        return self(e), "0.0"

    def _dd_mul(self, ah: str, al: str, bh: str, bl: str) -> tuple[str, str]:
        if al == "0.0" and bl != "0.0":
            ah, al, bh, bl = bh, bl, ah, al
        for (ch, cl), (oh, ol) in (((ah, al), (bh, bl)), ((bh, bl), (ah, al))):
            try:
                c = float(ch)
            except ValueError:
                continue
            if cl == "0.0" and c != 0 and math.frexp(abs(c))[0] == 0.5:  # a power of two: exact scaling
                return f"{ch}*{oh}", (f"{ch}*{ol}" if ol != "0.0" else "0.0")
        if bl == "0.0":
            call = f"_two_prod({ah}, {bh})" if al == "0.0" else f"_dd_mul_d({ah}, {al}, {bh})"
        else:
            call = f"_dd_mul({ah}, {al}, {bh}, {bl})"
        t = self.emit(call)
        return f"{t}[0]", f"{t}[1]"

    def _print(self, e: sympy.Expr) -> str:
        if e == x:
            return self.var
        if not e.has(x):
            return _num(e) if e.is_finite is not False or e.is_real else "np.nan"
        if isinstance(e, sympy.Add):
            return self._add(e)
        if isinstance(e, sympy.Mul):
            return self._mul(e)
        if isinstance(e, sympy.Pow):
            return self._pow(e)
        if isinstance(e, (sympy.Max, sympy.Min)):
            fn = "np.maximum" if isinstance(e, sympy.Max) else "np.minimum"
            code = self(e.args[0])
            for a in e.args[1:]:
                code = f"{fn}({code}, {self(a)})"
            return code
        if isinstance(e, sympy.Heaviside):
            u = self(e.args[0])
            h0 = _num(e.args[1]) if len(e.args) > 1 else "0.5"
            return f"np.where({_p(u)} > 0, 1.0, np.where({_p(u)} < 0, 0.0, {h0}))"
        if isinstance(e, sympy.sign):
            return f"np.sign({self(e.args[0])})"
        if isinstance(e, sympy.sinc):
            u = self(e.args[0])
            return f"np.where({_p(u)} == 0, 1.0, np.sin({u})/{_p(u)})"
        if isinstance(e, sympy.Piecewise):
            code = "np.nan"
            for branch, cond in reversed(e.args):
                code = self(branch) if cond is S.true else f"np.where({self._cond(cond)}, {self(branch)}, {code})"
            return code
        helper = _DD_HELPERS.get(type(e)) if self.precise else None
        if helper is not None and _needs_dd(e.args[0]):
            h, lo = self.dd(e.args[0])
            return f"{helper}({h}, {lo})"
        if self.precise and isinstance(e, (sympy.erfc, rw.Erfc)):
            # scipy's erfc is up to ~500 ULP off in float64 and 0 from 26.64 on (erfc is subnormal to 27.23)
            return f"_erfc_dd({self(e.args[0])}, 0.0)"
        if isinstance(e, rw.Softplus):
            return f"np.logaddexp(0.0, {self(e.args[0])})"
        if isinstance(e, rw.Hypot):
            return f"np.hypot({self(e.args[0])}, {self(e.args[1])})"
        if isinstance(e, rw.AddHypot):
            return f"_add_hypot({self(e.args[0])}, {self(e.args[1])})"
        if isinstance(e, rw.HypotM1):
            return f"_hypot_m1({self(e.args[0])}, {self(e.args[1])})"
        if isinstance(e, rw.Affine):
            u, r, a = e.args
            inner = f"({self(u)} - {_num(r)})" if r.is_nonnegative else f"({self(u)} + {_num(-r)})"
            return self._scale(inner, a)
        if isinstance(e, sympy.Abs):
            return f"np.abs({self(e.args[0])})"
        if e.func in _UFUNCS:
            return f"{_UFUNCS[e.func]}({self(e.args[0])})"
        raise NotImplementedError(f"no NumPy printing for {e.func.__name__}")

    def _cond(self, c: sympy.Basic) -> str:
        if c is S.true:
            return "True"
        if c is S.false:
            return "False"
        if isinstance(c, sympy.And):
            return " & ".join(f"({self._cond(a)})" for a in c.args)
        if isinstance(c, sympy.Or):
            return " | ".join(f"({self._cond(a)})" for a in c.args)
        if isinstance(c, sympy.Not):
            return f"~({self._cond(c.args[0])})"
        return f"{_p(self(c.lhs))} {c.rel_op} {_p(self(c.rhs))}"

    @staticmethod
    def _scale(code: str, k: sympy.Expr) -> str:
        if k == 1:
            return code
        if k == -1:
            return f"-{_p(code)}"
        if not _exact_float_any(k) and _exact_float_any(1 / k):
            # dividing by an exact float rounds once; multiplying by a rounded 1/k rounds twice
            return f"{_p(code)}/{_p(_num(1 / k))}"
        return f"{_p(_num(k))}*{_p(code)}"

    def _add(self, e: sympy.Add) -> str:
        terms = sorted(e.args, key=lambda t: not t.has(x))
        out = ""
        for t in terms:
            k, rest = t.as_coeff_Mul()
            if not t.has(x):
                s = _num(t)
                out += (" - " + s[1:]) if s.startswith("-") and out else ((" + " if out else "") + s)
            elif k.is_negative:
                out += (" - " if out else "-") + _p(self(-t))
            else:
                out += (" + " if out else "") + self(t)
        return f"({out})"

    @staticmethod
    def _paren(code: str, e: sympy.Expr) -> str:
        return f"({code})" if isinstance(e, sympy.Add) and not code.startswith("(") else code

    def _mul(self, e: sympy.Mul) -> str:
        # every constant factor folded into one exact constant k, rounded once when printed
        k = sympy.Mul(*[f for f in e.args if not f.has(x)])
        factors = [f for f in e.args if f.has(x)]
        # a * Sigmoid(u) / a * TanhSoftplus(u): keep a normal product without subnormal detours
        erfcs = [f for f in factors if isinstance(f, (rw.Erfc, sympy.erfc))]
        others = [f for f in factors if not isinstance(f, (rw.Erfc, sympy.erfc))]
        if self.precise and len(erfcs) == 1 and others:
            # a * erfc(u) rounded once (no overflow of a, no subnormal detour of erfc)
            h, lo = self.dd(erfcs[0].args[0]) if _needs_dd(erfcs[0].args[0]) else (self(erfcs[0].args[0]), "0.0")
            return f"_mul_erfc_dd({self(k * sympy.Mul(*others))}, {h}, {lo})"
        if self.precise:
            # poly(x) * S(u), S carried in double-double: the polynomial cofactor (its constants
            # and products would each round) in double-double too, times S rounded once
            hits = [f for f in factors if type(f) in _DD_HELPERS and _needs_dd(f.args[0])]
            cof = k * sympy.Mul(*[f for f in factors if f not in hits])
            if len(hits) == 1 and len(factors) > 1 and _is_poly(cof) and _needs_dd(cof):
                ch, cl = self.dd(cof)
                s = self.emit(self(hits[0]))
                return f"({ch}*{s} + _finite_lo({cl})*{s})"
        if len(factors) == 1 and isinstance(factors[0], rw.AddHypot) and k != 1:
            u, c = factors[0].args
            return f"_add_hypot({self(u)}, {_num(c)}, {_num(k)})"
        for special_type, helper in (
            (rw.Sigmoid, "_mul_sigmoid"),
            (rw.SigmoidPrime, "_mul_sigmoid_prime"),
            (rw.TanhSoftplus, "_mul_tanh_softplus"),
        ):
            hits = [f for f in factors if isinstance(f, special_type)]
            others = [f for f in factors if not isinstance(f, special_type)]
            if (
                len(hits) == 1
                and others
                and all(f.has(x) for f in others)
                and not (self.precise and _needs_dd(hits[0].args[0]))
            ):
                return f"{helper}({self(k * sympy.Mul(*others))}, {self(hits[0].args[0])})"
        num = [f for f in factors if not (isinstance(f, sympy.Pow) and f.exp.is_negative)]
        den = [f.base ** (-f.exp) for f in factors if isinstance(f, sympy.Pow) and f.exp.is_negative]
        num_code = "*".join(_p(self(f)) for f in num) if num else "1.0"
        code = num_code
        if den:
            den_code = "*".join(_p(self(f)) for f in den)
            code = f"{num_code}/{_p(den_code)}"
        return self._scale(code, k)

    def _pow(self, e: sympy.Pow) -> str:
        b, n = e.base, e.exp
        if n == S.Half:
            return f"np.sqrt({self(b)})"
        if n == -S.Half:
            return f"1.0/np.sqrt({self(b)})"
        if n.is_Integer and n < 0:
            return f"1.0/{_p(self(b**-n))}"
        if n == 2:
            return f"np.square({self(b)})"
        if n.is_Integer:
            return f"{_p(self(b))}**{int(n)}"
        return f"np.power({self(b)}, {_num(n) if not n.has(x) else self(n)})"


def _sums_terms(e: sympy.Expr) -> bool:
    """Whether ``e`` adds two or more terms that depend on x (where rounding errors can cancel)."""
    return any(
        sum(a.has(x) for a in node.args) >= 2 for node in sympy.preorder_traversal(e) if isinstance(node, sympy.Add)
    )


def _pair_kernel(
    e: sympy.Expr,
    var: str,
    plain: str,
    lines: list[str],
    emit: Callable[..., str],
    shared: dict[sympy.Expr, tuple[str, str]],
) -> str:
    """``e`` evaluated in double-double and rounded once, where its pair helpers apply.

    Sums of sigmoid-type terms (the derivatives of SiLU, GELU-tanh, ...) cancel in part,
    and the 1-ULP errors of exp, of 1 + e and of the products add up to 5 ULP in plain
    double. In pairs the only sizeable error is the final rounding. Where a helper's
    argument is beyond ±600 (or not finite) the plain code ``plain`` is kept.
    """
    mark = len(lines)
    printer = _Printer(var, True, emit, e, pairs=True)
    # the polynomials the plain code already carries in double-double are not computed twice
    printer.dd_memo = {k: v for k, v in shared.items() if not k.has(x) or k == x or _is_poly(k)}
    try:
        h, lo = printer.dd(e)
    except _NoPair:
        del lines[mark:]
        return plain
    if not printer.guards:
        del lines[mark:]
        return plain
    ok = " & ".join(f"(np.abs({g}) <= {limit!r})" for g, limit in dict.fromkeys(printer.guards))
    rp = emit(f"{h} + {lo}")  # a low part that overflowed (nan) sends the point to the plain kernel
    return f"np.where({ok} & np.isfinite({rp}), {rp}, {plain})"


def _kernel(stab: rw.Stabilized, precise: bool, indent: str = "        ") -> list[str]:
    lines: list[str] = []
    counter = [0]

    def new_emitter() -> Callable[..., str]:
        def emit(code: str, pair: bool = False) -> str:
            counter[0] += 1
            name = f"t{counter[0]}"
            lines.append(f"{indent}{name} = {code}")
            return name

        return emit

    parts = [p for p in stab.pieces if not p.is_point]
    points = [p for p in stab.pieces if p.is_point]
    branch_codes = []
    for i, p in enumerate(parts):
        e = p.expr
        if not e.has(x):
            branch_codes.append(_num(e))
            continue
        var = "x"
        if len(parts) > 1 and not _is_poly(e):
            lo = None if p.lo == -sympy.oo else repr(_down_up(p.lo)[0])
            hi = None if p.hi == sympy.oo else repr(_down_up(p.hi)[1])
            var = f"x{i}"
            if lo and hi:
                lines.append(f"{indent}{var} = np.clip(x, {lo}, {hi})")
            elif lo:
                lines.append(f"{indent}{var} = np.maximum(x, {lo})")
            else:
                lines.append(f"{indent}{var} = np.minimum(x, {hi})")
        printer = _Printer(var, precise, new_emitter(), e)
        code = printer(e)
        if precise and (e.has(rw.SigmoidPrime) or (e.has(sympy.sin, sympy.cos) and _sums_terms(e))):
            code = _pair_kernel(e, var, code, lines, new_emitter(), printer.dd_memo)
        branch_codes.append(code)
    # a constant last branch must still propagate nan
    if not parts[-1].expr.has(x):
        branch_codes[-1] = f"np.where(x == x, {branch_codes[-1]}, x)"
    expr = branch_codes[-1]
    for p, code in zip(reversed(parts[:-1]), reversed(branch_codes[:-1])):
        down, up = _down_up(p.hi)
        cond = f"x <= {down!r}" if p.hi_closed else f"x < {up!r}"
        expr = f"np.where({cond}, {code}, {expr})"
    lines.append(f"{indent}r = {expr}")
    for p in points:
        c = round_to(p.lo)
        if _exact_float(p.lo) if p.lo.is_Rational else False:
            lines.append(f"{indent}r = np.where(x == {c!r}, {_num(p.expr)}, r)")
    return lines


# ---------------------------------------------------------------------------------------
# Limits at ±inf (for the end-point check)
# ---------------------------------------------------------------------------------------
def _limit(expr: sympy.Expr, direction: int) -> float | None:
    """The limit at ±oo as the validator's mpmath truth sees it (at ±10**400), in float64.

    ``sympy.limit`` takes seconds on derivatives such as GELU-tanh's; switch to
    ``symact.analysis.calculus.limit`` here once it exists.
    """
    from symact.numeric.truth import truth_at_infinity

    lim = truth_at_infinity(expr, direction)
    return 0.0 if lim == 0 else lim


def derivative_expr(obj: Activation | sympy.Expr, n: int = 1) -> sympy.Expr:
    """The symbolic n-th derivative used for ``derivative=n``.

    One line to switch to ``symact.analysis.calculus.derivative(act, n)`` once it exists.

    Examples:
        >>> import symact
        >>> derivative_expr(symact.get("softplus"))
        exp(x)/(exp(x) + 1)
    """
    expr = obj.expr if isinstance(obj, Activation) else sympy.sympify(obj, strict=True)
    if not n:
        return expr
    from symact.analysis import (
        calculus as analysis,
    )  # the project's derivative: exact, with a convention value at kinks

    return analysis.derivative(expr, n)


# ---------------------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------------------
_SOURCES: dict[tuple[str, str], str] = {}
_REGIMES: dict[str, tuple[Any, ...]] = {}

#: Seconds a whole :func:`to_numpy` build may take by default (catalog builds take 0.1-17 s).
CODEGEN_SECONDS = 120.0
_FUNCS: dict[tuple[str, str], Callable[[Any], Any]] = {}


def _name_of(obj: Activation | sympy.Expr, derivative: int) -> str:
    base = obj.name if isinstance(obj, Activation) else "f"
    return base + ("_" + "d" * derivative if derivative else "")


def _regime_lines(reg: Any, first: bool = True) -> list[str]:
    """The call that applies one certified regime, with a comment saying what was proved.

    The lowest ``nd`` Horner steps run in double-double: up to ``t**(k+1)`` at a zero of
    order k (where the result is ``~c_k t**k``), up to ``t**2`` on a flank (order 0).
    """
    nd = min(reg.order + 2 if reg.order else 3, reg.degree)  # c_N starts the Horner scheme in double
    what = "exactly at" if reg.root_exact else "at"
    where = (
        f"zero of order {reg.order} {what} x = {reg.root!r}"
        if reg.order
        else f"next to a zero, expanded at x = {reg.a!r}"
    )
    out = [
        f"        # certified Taylor regime (symact.codegen.series): {where}, degree {reg.degree}, truncation <= {reg.bound:.1e} relative",
        f"        r = _series(r, x_in, {reg.lo!r}, {reg.hi!r}, {reg.a!r}, {nd}, (",
    ]
    cs = [repr(c) for c in reg.coeffs]
    out.extend("            " + ", ".join(cs[i : i + 4]) + "," for i in range(0, len(cs), 4))
    out.append(
        "        ), ("
        + ", ".join(repr(c) for c in reg.coeffs_lo[:nd])
        + ",)"
        + ("" if first else ", inplace=True")
        + ")"
    )
    return out


def _render(
    name: str,
    plain: list[str],
    precise: list[str],
    clamp: tuple[float, float] | None,
    patches: list[str],
    regimes: tuple[Any, ...] = (),
) -> str:
    out = [f"def {name}(x):", "    x, dtype, scalar = _prepare(x)"]
    if patches or regimes:
        out.append("    x_in = x")
    out.append('    with np.errstate(all="ignore"):')
    if clamp:
        lo, hi = (("-np.inf" if c == -math.inf else "np.inf" if c == math.inf else repr(c)) for c in clamp)
        if clamp[0] == -math.inf:
            out.append(f"        x = np.minimum(x, {hi})")
        elif clamp[1] == math.inf:
            out.append(f"        x = np.maximum(x, {lo})")
        else:
            out.append(f"        x = np.clip(x, {lo}, {hi})")
    if plain == precise:
        out.extend(plain)
    else:
        out.append("        if dtype == np.float64:")
        out.extend("    " + line for line in precise)
        out.append("        else:")
        out.extend("    " + line for line in plain)
    for i, reg in enumerate(regimes):
        out.extend(_regime_lines(reg, first=i == 0))
    out.extend(f"        r = np.where({p}, r)" for p in patches)
    out.append("    return _finish(r, dtype, scalar)")
    return "\n".join(out)


def _compile(src: str, name: str) -> Callable[[Any], Any]:
    ns = dict(_NAMESPACE)
    exec(compile(src, f"<symact:{name}>", "exec"), ns)  # noqa: S102 - our own generated source
    fn = ns[name]
    fn.__symact_source__ = src  # type: ignore[attr-defined]
    return fn


def _saturation(expr: sympy.Expr, side: int, limit: float) -> float | None:
    """The smallest power of two 2**k beyond which ``expr`` rounds to its limit (float64).

    Checked with the mpmath truth at 2**j for j = k ... k+4 and sparsely up to 2**1023;
    None if the limit is not reached in the float range.
    """
    from symact.numeric.truth import compile_mp, truth_point

    f = compile_mp(expr)

    def at(j: int) -> float:
        return truth_point(f, side * math.ldexp(1.0, j), [(53, -1074, 1024)])[0]

    def saturated(k: int) -> bool:
        checks = sorted({*range(k, min(k + 5, 1024)), *range(k, 1024, 37), 1023})
        return all(at(j) == limit for j in checks)

    if not saturated(1023):
        return None
    lo, hi = 0, 1023  # saturated(hi) holds
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if saturated(mid):
            hi = mid
        else:
            lo = mid
    return side * math.ldexp(1.0, hi)


def _agrees(got: float, want: float, dt: type) -> bool:
    if math.isnan(want):
        return math.isnan(got)
    with np.errstate(over="ignore"):  # a float64 limit beyond float32's range rounds to inf there
        w = float(dt(want))
    if math.isnan(got) or math.isinf(got) != math.isinf(w):
        return False
    return got == w or abs(got - w) <= 2 * float(np.spacing(dt(abs(w))))


def _build(expr: sympy.Expr, name: str) -> tuple[str, Callable[[Any], Any]]:
    stab = rw.stabilize(expr)
    plain = _kernel(stab, precise=False)
    precise = _kernel(stab, precise=True)
    limits = {-1: _limit(expr, -1), 1: _limit(expr, 1)}
    # far-out probes: the formula must reproduce the limit there (x**3 overflow, inf*0, ...)
    probes: list[tuple[float, float]] = [(math.nan, math.nan)]
    bounds = [-math.inf, math.inf]
    for side, lim in limits.items():
        if lim is None:
            continue
        probes.append((side * math.inf, lim))
        if math.isfinite(lim):
            b = _saturation(expr, side, lim)
            if b is not None:
                bounds[(side + 1) // 2] = b
                probes.extend((side * math.ldexp(1.0, j), lim) for j in range(int(math.log2(abs(b))), 1024, 25))
                probes.append((side * _F64_MAX, lim))

    def wrong(fn: Callable[[Any], Any]) -> list[int]:
        bad = []
        for dt in (np.float64, np.float32):
            with np.errstate(over="ignore"):
                xs = np.array([p[0] for p in probes], dtype=dt)
            got = fn(xs)
            for i, (xv, want) in enumerate(probes):
                if math.isfinite(float(xs[i])) or math.isnan(xv) or math.isinf(xv):
                    if not _agrees(float(got[i]), want, dt) and i not in bad:
                        bad.append(i)
        return bad

    src = _render(name, plain, precise, None, [])
    fn = _compile(src, name)
    bad = wrong(fn)
    clamp = None
    for clamp_try in ((bounds[0], bounds[1]), (max(bounds[0], -_F64_MAX), min(bounds[1], _F64_MAX))):
        if not bad or clamp_try == (-math.inf, math.inf):
            continue
        src_try = _render(name, plain, precise, clamp_try, [])
        fn_try = _compile(src_try, name)
        bad_try = wrong(fn_try)
        if len(bad_try) < len(bad):
            src, fn, bad, clamp = src_try, fn_try, bad_try, clamp_try
    if bad:
        patches = []
        for i in bad:
            xv, w = probes[i]
            lit = (
                "np.nan" if math.isnan(w) else ("np.inf" if w == math.inf else "-np.inf" if w == -math.inf else repr(w))
            )
            if math.isnan(xv):
                patches.append(f"x_in != x_in, {lit}")
            elif math.isinf(xv):
                patches.append(f"x_in == {'np.inf' if xv > 0 else '-np.inf'}, {lit}")
        src = _render(name, plain, precise, clamp, patches)
        fn = _compile(src, name)
    else:
        patches = []
    # near zeros where the formula cancels: certified Taylor polynomials
    from symact.codegen import series

    # the regimes are sized for the plain kernel: float32 (and every other dtype) goes
    # through it, and it cancels where the double-double float64 kernel does not
    measured = fn if plain == precise else _compile(_render(name, plain, plain, clamp, patches), name)
    regs = series.regimes(expr, measured)
    _REGIMES[sympy.srepr(expr)] = regs
    if regs:
        src = _render(name, plain, precise, clamp, patches, regs)
        fn = _compile(src, name)
    return src, fn


def _build_source(expr: sympy.Expr, name: str) -> tuple[str, tuple[Any, ...]]:
    """The generated source and its certified regimes (what a budget worker sends back)."""
    src, _ = _build(expr, name)
    return src, _REGIMES.get(sympy.srepr(expr), ())


def _resolve(obj: Activation | sympy.Expr, derivative: int, seconds: float | None = None) -> tuple[sympy.Expr, str]:
    if derivative and seconds is not None:
        from symact.analysis import calculus as analysis

        expr = obj.expr if isinstance(obj, Activation) else sympy.sympify(obj, strict=True)
        if expr.free_symbols - {x}:
            raise ValueError(f"expression must be in symact.x only, got symbols {sorted(map(str, expr.free_symbols))}")
        return analysis.derivative(expr, derivative, seconds=seconds), _name_of(obj, derivative)
    if isinstance(obj, Activation):
        return derivative_expr(obj, derivative), _name_of(obj, derivative)
    expr = sympy.sympify(obj, strict=True)
    if expr.free_symbols - {x}:
        raise ValueError(f"expression must be in symact.x only, got symbols {sorted(map(str, expr.free_symbols))}")
    return derivative_expr(expr, derivative), _name_of(obj, derivative)


def to_numpy(
    obj: Activation | sympy.Expr, derivative: int = 0, *, seconds: float | None = None
) -> Callable[[Any], Any]:
    """A NumPy function for an activation (or an expression in ``symact.x``), or its derivative.

    Cached by expression: asking again is free. The whole build (the derivative,
    the rewrites, the limit probes, the certified regimes) runs under one budget
    (:func:`symact.core.budget.call`, ``seconds``, default :data:`CODEGEN_SECONDS`);
    past it :class:`~symact.core.budget.BudgetExceeded` is raised, since a function
    must be returned. The source is built in the budget's worker and compiled here.

    Args:
        obj: an :class:`~symact.Activation` or a SymPy expression in :data:`symact.x`.
        derivative: 0 for f, 1 for f' (the symbolic derivative), ...
        seconds: the budget of the whole call.

    Examples:
        >>> import numpy as np, symact
        >>> elu = to_numpy(symact.get("elu"))
        >>> elu(np.array([-1e300, -1e-300, 0.0, 1e300]))
        array([-1.e+000, -1.e-300,  0.e+000,  1.e+300])
        >>> to_numpy(symact.get("relu"), derivative=1)(np.array([-1.0, 2.0, np.nan]))
        array([ 0.,  1., nan])
    """
    total = CODEGEN_SECONDS if seconds is None else budget.check_seconds(seconds)
    start = time.monotonic()
    expr, name = _resolve(obj, derivative, total)
    key = (sympy.srepr(expr), name)
    fn = _FUNCS.get(key)
    if fn is None:
        left = max(total - (time.monotonic() - start), 1e-3)
        src, regs = budget.call(_build_source, expr, name, seconds=left, what=f"code generation for {name}")
        fn = _compile(src, name)
        _REGIMES[key[0]] = regs
        _SOURCES[key] = src
        _FUNCS[key] = fn
    return fn


def regimes(obj: Activation | sympy.Expr, derivative: int = 0) -> tuple[Any, ...]:
    """The certified Taylor regimes (:class:`symact.codegen.series.Regime`) the generated function uses.

    Examples:
        >>> import symact
        >>> [(r.order, r.lo, r.hi, r.degree) for r in regimes(symact.get("tanh_shrink"))]  # the zero, then two flanks
        [(3, -0.5812257484056003, 0.5812257484056003, 48), (0, -1.5, -0.5812257484056003, 32), (0, 0.5812257484056003, 1.5, 32)]
        >>> regimes(symact.get("softplus"))
        ()
    """
    expr, _ = _resolve(obj, derivative)
    to_numpy(obj, derivative)
    return _REGIMES.get(sympy.srepr(expr), ())


def source(obj: Activation | sympy.Expr, derivative: int = 0) -> str:
    """The generated NumPy source of :func:`to_numpy` (helpers are module functions here).

    Examples:
        >>> import symact
        >>> print(source(symact.get("elu")))
        def elu(x):
            x, dtype, scalar = _prepare(x)
            with np.errstate(all="ignore"):
                x0 = np.minimum(x, 0.0)
                r = np.where(x <= 0.0, np.expm1(x0), x)
            return _finish(r, dtype, scalar)
    """
    expr, name = _resolve(obj, derivative)
    to_numpy(obj, derivative)
    return _SOURCES[(sympy.srepr(expr), name)]
