"""erfc of a double-double argument in NumPy, accurate to about 1 ULP.

``scipy.special.erfc`` (cephes) is 5-30 ULP off in float64 for z in [0.5, 6] and
up to ~500 ULP on [6, 26.5]: it computes exp(-z*z) from the rounded z*z, whose
error z**2 ulp(1) is amplified by z**2; it also returns 0 from z = sqrt(709.78)
= 26.64 although erfc(z) is subnormal up to 27.2. ``scipy.special.erfcx``
(Faddeeva, Chebyshev pieces) is 4-7 ULP off on [0, 4]. (Measured against
correctly rounded mpmath.) GELU = x/2 erfc(-x/sqrt(2)) inherits that error, and
its argument -x/sqrt(2) is itself rounded, so this module evaluates erfc of an
argument given as an unevaluated sum ``zh + zl``, and returns the result as a
double-double where a caller multiplies further, so that the product rounds once.

Method: the rational approximations of fdlibm ``s_erf.c`` (Sun Microsystems, 1993;
"Permission to use, copy, modify, and distribute this software is freely granted,
provided that this notice is preserved"), on |z| < 0.84375, [0.84375, 1.25),
[1.25, 1/0.35) and [1/0.35, 28), with these changes:

* the low part ``zl`` enters to first order: as ``-zl * 2/sqrt(pi) * exp(-zh**2)``
  where erfc is of order 1, and inside the exponent (``-2 zh zl - zl/zh``) in the
  tail, where its relative effect grows like 2 zh**2 ulp;
* below 1.25 the rational functions are evaluated by compensated Horner
  (Graillat, Langlois & Louvet 2005) and divided in double-double, and the
  rounding of zh**2 enters to first order: fdlibm's form 0.5 - (x R + (x - 0.5))
  and (1 - erx) - P/Q cancel, so their rounding errors reach 1-2 ULP otherwise;
* in the tail exp(-s**2 - 0.5625) (s = |zh| with its low 32 bits cleared, so the
  argument is exact) is never rounded: with Tang's reduction a = n ln2/32 + r
  (r in double-double), 2**(n/32) = 2**k T[j] (1 + t[j]) from a 32-entry table
  computed with mpmath at import, and r + t[j] joins the small exponent that
  goes to ``np.expm1``; 2**k is scaled by 2**512 where a < -400, so a factor
  applied afterwards (:func:`mul_erfc_dd`) keeps full precision when the product
  is normal although erfc is subnormal;
* the last operations are error-free (TwoSum / TwoProduct), so the result is a
  double-double ``h + l`` whose errors are those of the approximations (below
  2**-57) and a few roundings of small corrections.

Measured (``tests/test_special.py`` and 1e5 random points over the whole line):
at most 1 ULP from the correctly rounded erfc(zh + zl) in every region, subnormal
results included, with 0-15% of the points not correctly rounded.

All functions are vectorised (a Python loop runs over blocks of 8192 elements,
whose temporaries stay in the CPU cache, never over elements), take real arrays or
scalars (computed in float64; complex or text input is a TypeError), broadcast,
and never warn: erfc(+inf) = 0, erfc(-inf) = 2, nan gives nan; ``zh + zl`` need
not be normalised (it is, exactly, first), and a non-finite ``zl`` counts as 0.

Examples:
    >>> import numpy as np
    >>> erfc(np.array([-np.inf, -1.0, 0.0, 0.5, 1.0, 10.0, 27.0, 28.0, np.inf, np.nan]))
    array([2.00000000e+000, 1.84270079e+000, 1.00000000e+000, 4.79500122e-001,
           1.57299207e-001, 2.08848758e-045, 5.23704644e-319, 0.00000000e+000,
           0.00000000e+000,             nan])
    >>> print(f"{float(erfc_dd(20.0, 1e-15)) / float(erfc_dd(20.0, 0.0)):.14f}")  # zl moves erfc by exp(-2 zh zl)
    0.99999999999996
    >>> float(mul_erfc_dd(20.0, 26.6)), 20.0 * float(erfc(26.6))  # erfc(26.6) = 1.09e-309 is subnormal
    (2.177025177088453e-308, 2.177025177088454e-308)

The first of the last pair is the correctly rounded 20 erfc(26.6).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import mpmath
import numpy as np

__all__ = ["erfc", "erfc_dd", "erfc_dd_hl", "mul_erfc_dd"]

# ---------------------------------------------------------------------------------------
# fdlibm s_erf.c coefficients (their IEEE bit patterns are checked in tests/test_special.py)
# ---------------------------------------------------------------------------------------
_ERX = 8.45062911510467529297e-01  # erf(1) rounded to 24 bits
# erf(x) = x + x R(x**2) on |x| < 0.84375
_PP = (
    1.28379167095512558561e-01,
    -3.25042107247001499370e-01,
    -2.84817495755985104766e-02,
    -5.77027029648944159157e-03,
    -2.37630166566501626084e-05,
)
_QQ = (
    1.0,
    3.97917223959155352819e-01,
    6.50222499887672944485e-02,
    5.08130628187576562776e-03,
    1.32494738004321644526e-04,
    -3.96022827877536812320e-06,
)
# erf(1 + s) - erx = P(s)/Q(s) on 0.84375 <= |x| < 1.25
_PA = (
    -2.36211856075265944077e-03,
    4.14856118683748331666e-01,
    -3.72207876035701323847e-01,
    3.18346619901161753674e-01,
    -1.10894694282396677476e-01,
    3.54783043256182359371e-02,
    -2.16637559486879084300e-03,
)
_QA = (
    1.0,
    1.06420880400844228286e-01,
    5.40397917702171048937e-01,
    7.18286544141962662868e-02,
    1.26171219808761642112e-01,
    1.36370839120290507362e-02,
    1.19844998467991074170e-02,
)
# log(x erfc(x)) + x**2 + 0.5625 = R(1/x**2)/S(1/x**2) on [1.25, 1/0.35) and [1/0.35, 28)
_RA = (
    -9.86494403484714822705e-03,
    -6.93858572707181764372e-01,
    -1.05586262253232909814e01,
    -6.23753324503260060396e01,
    -1.62396669462573470355e02,
    -1.84605092906711035994e02,
    -8.12874355063065934246e01,
    -9.81432934416914548592e00,
)
_SA = (
    1.0,
    1.96512716674392571292e01,
    1.37657754143519042600e02,
    4.34565877475229228821e02,
    6.45387271733267880336e02,
    4.29008140027567833386e02,
    1.08635005541779435134e02,
    6.57024977031928170135e00,
    -6.04244152148580987438e-02,
)
_RB = (
    -9.86494292470009928597e-03,
    -7.99283237680523006574e-01,
    -1.77579549177547519889e01,
    -1.60636384855821916062e02,
    -6.37566443368389627722e02,
    -1.02509513161107724954e03,
    -4.83519191608651397019e02,
)
_SB = (
    1.0,
    3.03380607434824582924e01,
    3.25792512996573918826e02,
    1.53672958608443695994e03,
    3.19985821950859553908e03,
    2.55305040643316442583e03,
    4.74528541206955367215e02,
    -2.24409524465858183362e01,
)


def _dd_const(value: Callable[[], Any], low_bits: int = 53) -> tuple[float, float]:
    """The constant ``value()`` (evaluated at 200 bits) as hi + lo, hi on ``low_bits`` bits."""
    with mpmath.workprec(200):
        v = mpmath.mpf(value())
        m, e = mpmath.frexp(v)
        hi = float(mpmath.ldexp(mpmath.nint(mpmath.ldexp(m, low_bits)), e - low_bits))
        return hi, float(v - hi)


#: 2/sqrt(pi) in double
_TWO_OVER_SQRTPI = _dd_const(lambda: 2 / mpmath.sqrt(mpmath.pi))[0]
_SCALE = math.ldexp(1.0, -512)
#: exp reduction a = n ln2/32 + r: ln2/32 = _L1 + _L2 + _L3, _L1 and _L2 on 36 bits (n*_L1, n*_L2 exact)
_L1, _rest = _dd_const(lambda: mpmath.log(2) / 32, 36)
_L2, _L3 = _dd_const(lambda: mpmath.log(2) / 32 - mpmath.mpf(_L1), 36)
_INV_L = _dd_const(lambda: 32 / mpmath.log(2))[0]
#: 2**(j/32) = _T_HI[j] (1 + _T_REL[j]) for j = 0 .. 31
_T_HI = np.array([_dd_const(lambda j=j: mpmath.mpf(2) ** (mpmath.mpf(j) / 32))[0] for j in range(32)])
_T_REL = np.array(
    [_dd_const(lambda j=j: mpmath.mpf(2) ** (mpmath.mpf(j) / 32) / mpmath.mpf(_T_HI[j]) - 1)[0] for j in range(32)]
)
#: |z| from which erfc(z) < 2**-1075 (rounds to 0); erfc(27.3) ~ 6e-326
_ZERO_AT = 27.3


def _horner(coefs: tuple[float, ...], t: np.ndarray) -> np.ndarray:
    out = np.full_like(t, coefs[-1])
    for c in coefs[-2::-1]:
        out *= t
        out += c
    return out


def _two_sum(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """s + e == a + b exactly, s = fl(a + b) (Knuth)."""
    s = a + b
    bb = s - a
    return s, (a - (s - bb)) + (b - bb)


def _fast_two_sum(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """s + e == a + b exactly when |a| >= |b| or a == 0 (Dekker)."""
    s = a + b
    return s, b - (s - a)


def _split(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    t = 134217729.0 * a  # 2**27 + 1 (Veltkamp)
    hi = t - (t - a)
    return hi, a - hi


def _two_prod(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """p + e == a * b exactly, p = fl(a * b), for |a|, |b| < 2**995 and no underflow (Dekker)."""
    p = a * b
    ah, al = _split(a)
    bh, bl = _split(b)
    return p, ((ah * bh - p) + ah * bl + al * bh) + al * bl


def _horner_c(coefs: tuple[float, ...], t: np.ndarray, steps: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """The polynomial at t as h + l: plain Horner for the high-order terms, then the last
    ``steps`` steps compensated (Graillat, Langlois & Louvet 2005: TwoProduct and TwoSum
    per step), where the rounding errors that matter are made (|t| < 1 here)."""
    r = _horner(coefs[steps:], t) if len(coefs) > steps else np.full_like(t, coefs[-1])
    th, tl = _split(t)
    c = np.zeros_like(t)
    for a in coefs[min(steps, len(coefs) - 1) - 1 :: -1]:
        rh, rl = _split(r)
        p = r * t
        pe = ((rh * th - p) + rh * tl + rl * th) + rl * tl
        r, se = _two_sum(p, a)
        c = c * t + (pe + se)
    return r, c


def _ratio_c(
    num: tuple[float, ...], den: tuple[float, ...], t: np.ndarray, num_steps: int = 3
) -> tuple[np.ndarray, np.ndarray]:
    """num(t)/den(t) as y + yl, numerator, denominator and quotient carried in double-double
    (the last ``num_steps`` and 3 steps of their Horner schemes compensated)."""
    ph, pl = _horner_c(num, t, num_steps)
    qh, ql = _horner_c(den, t)
    y = ph / qh
    p, pe = _two_prod(y, qh)
    return y, (((ph - p) - pe) + (pl - y * ql)) / qh


def _near(ah: np.ndarray, al: np.ndarray, neg: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """erfc(±(ah + al)) as h + l for 0 <= ah < 0.84375: 1 ∓ erf(ah + al).

    erf(x) = x + x y(x**2) (fdlibm), y = P/Q in double-double; t = x**2 = th + tl and
    x + al enter to first order: x y'(t) tl with y'(t) = (erf'(x) - 1 - y)/(2t), and al erf'(x).
    """
    th, tl = _two_prod(ah, ah)
    y, yl = _ratio_c(_PP, _QQ, th, len(_PP))  # P cancels (a zero near t = 0.4): all steps
    d = _TWO_OVER_SQRTPI * np.exp(-th)  # erf'(x)
    py, pyl = _two_prod(ah, y)
    slope = np.where(tl == 0.0, 0.0, tl * (d - 1.0 - y) / (2.0 * ah))
    u, ue = _two_sum(ah, py)
    ue = ue + (pyl + ah * yl + slope + al * d)
    u = np.where(neg, u, -u)
    ue = np.where(neg, ue, -ue)
    h, l = _fast_two_sum(np.ones_like(u), u)
    return h, l + ue


def _mid(ah: np.ndarray, al: np.ndarray, neg: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """erfc(±(ah + al)) for 0.84375 <= ah < 1.25: (1 - erx) - P/Q or (1 + erx) + P/Q at s = ah - 1
    (exact), P/Q in double-double, al entering as al erf'(ah)."""
    y, yl = _ratio_c(_PA, _QA, ah - 1.0)
    t, te = _two_sum(y, yl + al * (_TWO_OVER_SQRTPI * np.exp(-ah * ah)))
    t = np.where(neg, t, -t)
    te = np.where(neg, te, -te)
    h, l = _two_sum(np.where(neg, 1.0 + _ERX, 1.0 - _ERX), t)
    return h, l + te


def _tail(ah: np.ndarray, al: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """erfc(ah + al) for 1.25 <= ah < 28 as (h + l) * (2**-512 where scaled), and scaled.

    erfc(x) = exp(-s**2 - 0.5625) exp((s - x)(s + x) + R/S) / x with s = x rounded to
    21 bits; x = ah + al enters as (s - x)(s + x) = (s - ah)(s + ah) - 2 ah al and
    1/x = (1/ah) exp(-al/ah) to first order. With exp(-s**2 - 0.5625) = e exp(c) (e a
    double, c small) and m = expm1(c + rest), erfc = q + q m + r/ah where q = fl(e/ah)
    and r = e - q ah exactly.
    """
    w = 1.0 / (ah * ah)
    near = ah < 1 / 0.35
    rs = np.empty_like(ah)
    wn, wf = w[near], w[~near]
    rs[near] = _horner(_RA, wn) / _horner(_SA, wn)
    rs[~near] = _horner(_RB, wf) / _horner(_SB, wf)
    s = (ah.view(np.uint64) & np.uint64(0xFFFFFFFF00000000)).view(np.float64)
    a = -s * s - 0.5625  # exact: s*s has 42 bits, the sum fits in 53
    b = (s - ah) * (s + ah) + rs - (2.0 * ah + 1.0 / ah) * al
    # exp(a) = 2**(n/32) exp(r) exactly, r = a - n ln2/32 in double-double (Cody-Waite, Tang's table):
    # 2**(n/32) = 2**(n >> 5) _T_HI (1 + _T_REL) is a double times a relative correction, and
    # r + _T_REL goes into the small exponent b, so no rounded exp(a) is ever formed.
    n = np.rint(a * _INV_L)
    r, rl = _two_sum(a - n * _L1, -n * _L2)  # a - n*_L1 is exact (|n| < 2**16)
    ni = n.astype(np.int64)
    j = ni & 31
    scaled = a < -400.0
    # 2**(n >> 5) (times 2**512 where scaled) built from its bits; e >= 1e-187, so splitting stays normal
    k = (ni >> 5) + (1023 + 512 * scaled)
    e = _T_HI[j] * (k << 52).view(np.float64)
    bh, bl = _two_sum(b, r)
    bl = bl + (rl - n * _L3 + _T_REL[j])
    m = np.expm1(bh)
    m = m + (1.0 + m) * bl
    q = e / ah
    p, pe = _two_prod(q, ah)
    h, l = _fast_two_sum(q, q * m + ((e - p) - pe) / ah)
    return h, l, scaled


def _block(zh: np.ndarray, zl: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """erfc(zh + zl) as (h, l, scaled) for one contiguous block of 1-d float64 input."""
    # renormalise, so any finite pair means zh + zl (a non-finite zl counts as 0)
    zh, zl = _two_sum(zh, np.where(np.isfinite(zl), zl, 0.0))
    zl = np.where(np.isfinite(zl), zl, 0.0)
    ah = np.abs(zh)
    neg = zh < 0
    al = np.where(neg, -zl, zl)
    h = np.where(neg, 2.0, 0.0)  # |z| >= 27.3 and ±inf
    h[np.isnan(zh)] = np.nan
    l = np.zeros_like(h)
    scaled = np.zeros(h.shape, dtype=bool)
    for lo, hi, part in ((0.0, 0.84375, _near), (0.84375, 1.25, _mid)):
        i = np.flatnonzero((ah >= lo) & (ah < hi))
        if i.size:
            h[i], l[i] = part(ah[i], al[i], neg[i])
    i = np.flatnonzero((ah >= 1.25) & (ah < _ZERO_AT))
    if i.size:
        th, tl, ts = _tail(ah[i], al[i])
        n = neg[i]
        # erfc(-x) = 2 - erfc(x), with erfc(x) < 0.08 here (and 2 - erfc(x) == 2 where scaled)
        gh, gl = _fast_two_sum(np.full_like(th, 2.0), np.where(ts, 0.0, -th))
        h[i] = np.where(n, gh, th)
        l[i] = np.where(n, gl - np.where(ts, 0.0, tl), tl)
        scaled[i] = ts & ~n
    h, l = _fast_two_sum(h, l)
    l[~np.isfinite(h)] = 0.0
    return h, l, scaled


#: elements per block: a block's temporaries (64 KiB each) stay in the CPU cache and below
#: malloc's mmap threshold (128 KiB); 2**14 and up was 3-4x slower (fresh pages every call)
_BLOCK = 1 << 13


def _blocks(arrays: tuple[Any, ...]) -> tuple[tuple[int, ...], list[np.ndarray]]:
    """Broadcast to float64, flatten (C order); returns the shape and the flat arrays."""
    arrs = [np.asarray(v) for v in arrays]
    for v in arrs:
        if v.dtype.kind not in "biuf":
            raise TypeError(f"erfc needs real numbers (bool, int or float arrays), got dtype {v.dtype}")
    bc = np.broadcast_arrays(*(v.astype(np.float64, copy=False) for v in arrs))
    return bc[0].shape, [np.ascontiguousarray(v).ravel() for v in bc]


def erfc_dd_hl(zh: Any, zl: Any = 0.0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """erfc(zh + zl) as ``(h + l) * where(scaled, 2**-512, 1)``; returns (h, l, scaled).

    h + l is a double-double (|l| <= ulp(h)/2) within 0.25 ulp(h) of erfc(zh + zl),
    0.9 ulp(h) on 1.25 <= zh < 1/0.35 (measured, fdlibm's R/S in plain double); the
    scaling keeps h normal where erfc is below exp(-400) (z > 19.99), so that a caller
    multiplying by a large factor rounds once into the normal range.

    Examples:
        >>> h, l, sc = erfc_dd_hl(np.array([0.5, 26.0]))
        >>> h, l, sc
        (array([4.79500122e-001, 7.59309961e-142]), array([-1.39902451e-017, -5.00743091e-158]), array([False,  True]))
        >>> float(h[1] * 2.0**-512)  # erfc(26), correctly rounded
        5.663192408856143e-296
    """
    shape, (zh, zl) = _blocks((zh, zl))
    h, l, scaled = np.empty(zh.size), np.empty(zh.size), np.empty(zh.size, dtype=bool)
    with np.errstate(all="ignore"):
        for k in range(0, zh.size, _BLOCK):
            b = slice(k, k + _BLOCK)
            h[b], l[b], scaled[b] = _block(zh[b], zl[b])
    return h.reshape(shape), l.reshape(shape), scaled.reshape(shape)


def erfc_dd(zh: Any, zl: Any = 0.0) -> Any:
    """erfc(zh + zl) for a double-double argument, rounded to float64 (about 1 ULP).

    Examples:
        >>> import mpmath
        >>> from symact.codegen.numpy import round_to
        >>> with mpmath.workprec(200):
        ...     truth = round_to(mpmath.erfc(mpmath.mpf(2) + mpmath.mpf(2) ** -50))
        >>> float(erfc_dd(2.0, 2.0**-50)), truth, float(erfc(2.0))
        (0.004677734981047247, 0.004677734981047247, 0.004677734981047265)
        >>> erfc_dd(np.array([[0.0], [1.0]]), np.array([0.0, 1e-17, np.inf]))  # broadcasts; zl = inf counts as 0
        array([[1.        , 1.        , 1.        ],
               [0.15729921, 0.15729921, 0.15729921]])
    """
    shape, (zh, zl) = _blocks((zh, zl))
    out = np.empty(zh.size)
    with np.errstate(all="ignore"):
        for k in range(0, zh.size, _BLOCK):
            b = slice(k, k + _BLOCK)
            h, _, scaled = _block(zh[b], zl[b])
            out[b] = np.where(scaled, h * _SCALE, h)
    return out.reshape(shape)[()]


def erfc(z: Any) -> Any:
    """erfc(z) in float64 (about 1 ULP, also where erfc(z) is subnormal).

    Examples:
        >>> float(erfc(3.0)), float(erfc(-0.5))
        (2.209049699858544e-05, 1.5204998778130465)
    """
    return erfc_dd(z, 0.0)


def mul_erfc_dd(a: Any, zh: Any, zl: Any = 0.0) -> Any:
    """a * erfc(zh + zl), rounded once from a double-double product.

    Where erfc is subnormal but the product is normal the result keeps full
    precision (erfc is carried scaled by 2**512 there).

    Examples:
        >>> x = np.array([-30.0, -3.0, 3.0])
        >>> mul_erfc_dd(0.5 * x, -x / np.sqrt(2))  # GELU = x/2 erfc(-x/sqrt(2)), argument rounded
        array([-1.47201418e-196, -4.04969409e-003,  2.99595031e+000])
        >>> mul_erfc_dd(2.0, 0.5)
        np.float64(0.959000244373907)
    """
    shape, (a, zh, zl) = _blocks((a, zh, zl))
    out = np.empty(zh.size)
    with np.errstate(all="ignore"):
        for k in range(0, zh.size, _BLOCK):
            b = slice(k, k + _BLOCK)
            h, l, scaled = _block(zh[b], zl[b])
            ab = a[b]
            p, e = _two_prod(ab, h)  # exact unless |a| > 2**995 (Veltkamp splitting overflows)
            r = p + np.where((np.abs(ab) > 2.0**995) | ~np.isfinite(e), 0.0, e + ab * l)
            out[b] = np.where(scaled, r * _SCALE, r)
    return out.reshape(shape)[()]
