"""The runtime kernels of the generated NumPy code: double-double arithmetic and accurate elementwise functions.

One library, used by the scalar backend (:mod:`symact.codegen.numpy`, whose runtime namespace binds
these functions under the names the generated source calls) and by the vector code
(:mod:`symact.codegen.vector`). Every function is vectorised over NumPy arrays (no Python loop over
elements) and also takes Python or NumPy scalars.

* **Error-free transformations** (:func:`two_sum`, :func:`fast_two_sum`, :func:`two_prod`,
  :func:`two_sqr`, :func:`split`) and **double-double arithmetic** (:func:`dd_add`, :func:`dd_mul`,
  :func:`dd_mul_d`, :func:`div_pair`, :func:`recip_pair`) on unnormalised pairs ``(hi, lo)``;
  :func:`dd_const` gives a constant as such a pair. NumPy has no fma, so products are split
  (Veltkamp/Dekker).
* **Arguments carried in double-double** (``*_dd``: first-order correction by the low part) and
  **whole values as pairs** (``*_pair``: exp by Tang's table, sigmoid, sigmoid', softplus,
  tanh(softplus), sin/cos by Cody-Waite reduction), rounded once by the caller.
* **Products without subnormal detours** (``mul_*``), the hypot forms of the rewrite stage, and the
  certified Taylor regimes of :mod:`symact.codegen.series` (:func:`taylor_regime`).
* **Series in double-double to about 2**-100** (:func:`exp_series_pair`, :func:`log1p_series_pair`),
  for the cancelling sums of the vector activations.
* **erfc of a double-double argument** (:func:`erfc_dd`, :func:`erfc_dd_hl`, :func:`mul_erfc_dd`,
  :func:`erfc`), about 1 ULP also where erfc is subnormal; the method is described at its section.

The erfc functions take real arrays or scalars (computed in float64; complex or text input is a
TypeError), broadcast, and never warn: erfc(+inf) = 0, erfc(-inf) = 2, nan gives nan; ``zh + zl``
need not be normalised, and a non-finite ``zl`` counts as 0.

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

__all__ = [
    "EXP_M64",
    "EXP_PAIR_MAX",
    "PAIR_MAX",
    "SIN_COS_MAX",
    "add_hypot",
    "dd_add",
    "dd_const",
    "dd_mul",
    "dd_mul_d",
    "div_pair",
    "erfc",
    "erfc_dd",
    "erfc_dd_hl",
    "exp_dd",
    "exp_pair",
    "exp_series_pair",
    "fast_two_sum",
    "finite_lo",
    "fix",
    "hypot_m1",
    "log1p_series_pair",
    "mul_erfc_dd",
    "mul_exp",
    "mul_sigmoid",
    "mul_sigmoid_prime",
    "mul_tanh_softplus",
    "poly",
    "real_input",
    "recip_pair",
    "round_once",
    "sigmoid",
    "sigmoid_dd",
    "sigmoid_pair",
    "sigmoid_prime",
    "sigmoid_prime_dd",
    "sigmoid_prime_pair",
    "sin_cos_pair",
    "softplus_dd",
    "softplus_pair",
    "split",
    "tanh_softplus",
    "tanh_softplus_pair",
    "taylor_regime",
    "two_prod",
    "two_sqr",
    "two_sum",
]


# ---------------------------------------------------------------------------------------
# Error-free transformations, double-double arithmetic and constants
# ---------------------------------------------------------------------------------------
_SPLITTER = 134217729.0  # 2**27 + 1


def split(a: Any) -> tuple[Any, Any]:
    """Veltkamp: a = hi + lo with 26-bit halves (overflows for |a| > 1e300; lo is then not finite)."""
    if np.ndim(a) == 0:
        c = _SPLITTER * a
        hi = c - (c - a)
        return hi, a - hi
    c = _SPLITTER * a
    t = c - a
    hi = np.subtract(c, t, out=c)  # in place: fewer fresh temporaries (page faults dominate here)
    return hi, np.subtract(a, hi, out=t)


def two_prod(a: Any, b: Any) -> tuple[Any, Any]:
    """a*b = p + e exactly (Dekker/Veltkamp; NumPy has no fma)."""
    p = a * b
    ah, al = split(a)
    bh, bl = split(b)
    if np.ndim(p) == 0:
        return p, ((ah * bh - p) + ah * bl + al * bh) + al * bl
    e = ah * bh
    e -= p  # accumulated in place: fresh temporaries cost page faults
    e += ah * bl
    e += al * bh
    e += al * bl
    return p, e


def two_sqr(a: Any) -> tuple[Any, Any]:
    """a*a = p + e exactly."""
    p = a * a
    ah, al = split(a)
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


def two_sum(a: Any, b: Any) -> tuple[Any, Any]:
    """a+b = s + e exactly (Knuth)."""
    s = a + b
    bb = s - a
    return s, (a - (s - bb)) + (b - bb)


# Double-double values are kept as unnormalised pairs (hi, lo) with |lo| << |hi|: the
# consumers only need hi and a first-order correction from lo, and a non-finite lo
# (splitting overflow far out, where the correction is irrelevant) is dropped by them.
def dd_mul(ah: Any, al: Any, bh: Any, bl: Any) -> tuple[Any, Any]:
    """Double-double product."""
    p, e = two_prod(ah, bh)
    return p, e + (ah * bl + al * bh)


def dd_mul_d(ah: Any, al: Any, b: Any) -> tuple[Any, Any]:
    """Double-double times a double."""
    p, e = two_prod(ah, b)
    return p, e + al * b


def dd_add(ah: Any, al: Any, bh: Any, bl: Any) -> tuple[Any, Any]:
    """Double-double sum."""
    s, e = two_sum(ah, bh)
    return s, e + (al + bl)


def fast_two_sum(a: Any, b: Any) -> tuple[Any, Any]:
    """s + e == a + b exactly when |a| >= |b| or a == 0 (Dekker)."""
    s = a + b
    return s, b - (s - a)


def dd_const(value: Callable[..., Any], low_bits: int = 53) -> tuple[float, float]:
    """The constant ``value(mp)`` (evaluated in a private 200-bit mpmath context ``mp``) as hi + lo: hi
    rounded to nearest on ``low_bits`` bits, lo the rest rounded toward zero to a double. The context is
    symact's own, so mpmath's global precision is never changed, whatever thread imports the kernels. A
    table built in a loop binds its index as a default, ``lambda mp, j=j: ...``.

    Examples:
        >>> dd_const(lambda mp: mp.mpf(1) / 3)
        (0.3333333333333333, 1.850371707708594e-17)
        >>> dd_const(lambda mp: mp.pi / 2, 33)[0]  # 33 bits: k * hi is exact for |k| < 2**20
        1.5707963267341256
    """
    mp = _MP200
    v = mp.mpf(value(mp))
    m, e = mp.frexp(v)
    hi = float(mp.ldexp(mp.nint(mp.ldexp(m, low_bits)), e - low_bits))
    return hi, float(v - hi)


def _context(prec: int) -> Any:
    """A private mpmath context at ``prec`` bits (set once here, never changed)."""
    mp = mpmath.MPContext()
    mp.prec = prec
    return mp


_MP200 = _context(200)
_MP240 = _context(240)

#: e**-64 correctly rounded (a factor that brings a subnormal exp back to the normal range)
EXP_M64 = dd_const(lambda mp: mp.exp(-64))[0]
#: The largest |argument| at which the pair helpers are used: beyond it exp(-|u|) nears the
#: subnormals, and the plain code (with its subnormal-free products) is kept.
PAIR_MAX = 600.0
#: The largest |argument| of :func:`exp_pair` (of the exp pairs, where its value stays normal: 2**(n/32)
#: is built from its exponent bits down to 2**-1022, u = -708.4).
EXP_PAIR_MAX = 708.0
#: The largest |argument| at which the sin/cos pairs are used (the reduction is exact below it).
SIN_COS_MAX = 2.0**20


def real_input(x: Any) -> tuple[np.ndarray, np.dtype]:
    """The input as an array and its output dtype: floats keep theirs, integers and booleans give float64.

    Anything else is a :class:`TypeError` naming what was passed: ``None``, complex numbers
    (the activations are real functions), strings, objects, dates and structured arrays.
    Masked arrays are rejected too, rather than computed with their mask silently dropped:
    apply the function to ``m.data`` (or ``m.filled(v)``) and mask the result again,
    ``np.ma.masked_array(f(m.data), mask=m.mask)``.

    Examples:
        >>> real_input(np.arange(2))[1], real_input(np.float32(1.0))[1]
        (dtype('float64'), dtype('float32'))
        >>> real_input(None)
        Traceback (most recent call last):
        ...
        TypeError: a symact activation takes real numbers (a float, an int or an array of them), got None
    """
    if x is None:
        raise TypeError("a symact activation takes real numbers (a float, an int or an array of them), got None")
    if isinstance(x, np.ma.MaskedArray):
        raise TypeError(
            "a symact activation does not take a masked array (its mask would be lost): "
            "use np.ma.masked_array(f(m.data), mask=m.mask)"
        )
    try:
        a = np.asarray(x)
    except (ValueError, TypeError) as err:  # ragged nested lists, objects refusing conversion
        raise TypeError(
            f"a symact activation takes real numbers (a float, an int or an array of them); "
            f"the {type(x).__name__} passed is not an array of them ({err})"
        ) from None
    kind = a.dtype.kind
    if kind == "c":
        raise TypeError(f"symact activations are real functions; got complex input ({_shown_input(x, a)})")
    if kind not in "fiub":
        raise TypeError(
            f"a symact activation takes real numbers (a float, an int or an array of them), "
            f"got {_shown_input(x, a)} of dtype {a.dtype}"
        )
    return a, (a.dtype if kind == "f" else np.dtype(np.float64))


def _shown_input(x: Any, a: np.ndarray) -> str:
    """What was passed, briefly: its type, and its value when small."""
    if a.size <= 4:
        text = repr(x)
        if len(text) <= 60:
            return text
    return f"{type(x).__name__} of shape {a.shape}"


def round_once(r: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """``r`` (computed in float64) rounded once to ``dtype``, without overflow/underflow warnings."""
    if r.dtype != dtype:
        with np.errstate(over="ignore", under="ignore"):
            r = r.astype(dtype)
    return r


# ---------------------------------------------------------------------------------------
# erfc of a double-double argument (fdlibm s_erf.c)
# ---------------------------------------------------------------------------------------
# erfc of a double-double argument in NumPy, accurate to about 1 ULP.
#
# ``scipy.special.erfc`` (cephes) is 5-30 ULP off in float64 for z in [0.5, 6] and
# up to ~500 ULP on [6, 26.5]: it computes exp(-z*z) from the rounded z*z, whose
# error z**2 ulp(1) is amplified by z**2; it also returns 0 from z = sqrt(709.78)
# = 26.64 although erfc(z) is subnormal up to 27.2. ``scipy.special.erfcx``
# (Faddeeva, Chebyshev pieces) is 4-7 ULP off on [0, 4]. (Measured against
# correctly rounded mpmath.) GELU = x/2 erfc(-x/sqrt(2)) inherits that error, and
# its argument -x/sqrt(2) is itself rounded, so these functions evaluate erfc of an
# argument given as an unevaluated sum ``zh + zl``, and returns the result as a
# double-double where a caller multiplies further, so that the product rounds once.
#
# Method: the rational approximations of fdlibm ``s_erf.c`` (Sun Microsystems, 1993;
# "Permission to use, copy, modify, and distribute this software is freely granted,
# provided that this notice is preserved"), on |z| < 0.84375, [0.84375, 1.25),
# [1.25, 1/0.35) and [1/0.35, 28), with these changes:
#
# * the low part ``zl`` enters to first order: as ``-zl * 2/sqrt(pi) * exp(-zh**2)``
#   where erfc is of order 1, and inside the exponent (``-2 zh zl - zl/zh``) in the
#   tail, where its relative effect grows like 2 zh**2 ulp;
# * below 1.25 the rational functions are evaluated by compensated Horner
#   (Graillat, Langlois & Louvet 2005) and divided in double-double, and the
#   rounding of zh**2 enters to first order: fdlibm's form 0.5 - (x R + (x - 0.5))
#   and (1 - erx) - P/Q cancel, so their rounding errors reach 1-2 ULP otherwise;
# * in the tail exp(-s**2 - 0.5625) (s = |zh| with its low 32 bits cleared, so the
#   argument is exact) is never rounded: with Tang's reduction a = n ln2/32 + r
#   (r in double-double), 2**(n/32) = 2**k T[j] (1 + t[j]) from a 32-entry table
#   computed with mpmath at import, and r + t[j] joins the small exponent that
#   goes to ``np.expm1``; 2**k is scaled by 2**512 where a < -400, so a factor
#   applied afterwards (:func:`mul_erfc_dd`) keeps full precision when the product
#   is normal although erfc is subnormal;
# * the last operations are error-free (TwoSum / TwoProduct), so the result is a
#   double-double ``h + l`` whose errors are those of the approximations (below
#   2**-57) and a few roundings of small corrections.
#
# Measured (``tests/test_special.py`` and 1e5 random points over the whole line):
# at most 1 ULP from the correctly rounded erfc(zh + zl) in every region, subnormal
# results included, with 0-15% of the points not correctly rounded.
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
#: 2/sqrt(pi) in double
_TWO_OVER_SQRTPI = dd_const(lambda mp: 2 / mp.sqrt(mp.pi))[0]
_SCALE = math.ldexp(1.0, -512)
#: exp reduction a = n ln2/32 + r: ln2/32 = _L1 + _L2 + _L3, _L1 and _L2 on 36 bits (n*_L1, n*_L2 exact)
_L1, _rest = dd_const(lambda mp: mp.log(2) / 32, 36)
_L2, _L3 = dd_const(lambda mp: mp.log(2) / 32 - mp.mpf(_L1), 36)
_INV_L = dd_const(lambda mp: 32 / mp.log(2))[0]
#: 2**(j/32) = _T_HI[j] (1 + _T_REL[j]) for j = 0 .. 31
_T_HI = np.array([dd_const(lambda mp, j=j: mp.mpf(2) ** (mp.mpf(j) / 32))[0] for j in range(32)])
_T_REL = np.array(
    [dd_const(lambda mp, j=j: mp.mpf(2) ** (mp.mpf(j) / 32) / mp.mpf(_T_HI[j]) - 1)[0] for j in range(32)]
)
#: |z| from which erfc(z) < 2**-1075 (rounds to 0); erfc(27.3) ~ 6e-326
_ZERO_AT = 27.3


def _horner(coefs: tuple[float, ...], t: np.ndarray) -> np.ndarray:
    out = np.full_like(t, coefs[-1])
    for c in coefs[-2::-1]:
        out *= t
        out += c
    return out


def _horner_c(coefs: tuple[float, ...], t: np.ndarray, steps: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """The polynomial at t as h + l: plain Horner for the high-order terms, then the last
    ``steps`` steps compensated (Graillat, Langlois & Louvet 2005: TwoProduct and TwoSum
    per step), where the rounding errors that matter are made (|t| < 1 here)."""
    r = _horner(coefs[steps:], t) if len(coefs) > steps else np.full_like(t, coefs[-1])
    th, tl = split(t)
    c = np.zeros_like(t)
    for a in coefs[min(steps, len(coefs) - 1) - 1 :: -1]:
        rh, rl = split(r)
        p = r * t
        pe = ((rh * th - p) + rh * tl + rl * th) + rl * tl
        r, se = two_sum(p, a)
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
    p, pe = two_prod(y, qh)
    return y, (((ph - p) - pe) + (pl - y * ql)) / qh


def _near(ah: np.ndarray, al: np.ndarray, neg: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """erfc(±(ah + al)) as h + l for 0 <= ah < 0.84375: 1 ∓ erf(ah + al).

    erf(x) = x + x y(x**2) (fdlibm), y = P/Q in double-double; t = x**2 = th + tl and
    x + al enter to first order: x y'(t) tl with y'(t) = (erf'(x) - 1 - y)/(2t), and al erf'(x).
    """
    th, tl = two_prod(ah, ah)
    y, yl = _ratio_c(_PP, _QQ, th, len(_PP))  # P cancels (a zero near t = 0.4): all steps
    d = _TWO_OVER_SQRTPI * np.exp(-th)  # erf'(x)
    py, pyl = two_prod(ah, y)
    slope = np.where(tl == 0.0, 0.0, tl * (d - 1.0 - y) / (2.0 * ah))
    u, ue = two_sum(ah, py)
    ue = ue + (pyl + ah * yl + slope + al * d)
    u = np.where(neg, u, -u)
    ue = np.where(neg, ue, -ue)
    h, low = fast_two_sum(np.ones_like(u), u)
    return h, low + ue


def _mid(ah: np.ndarray, al: np.ndarray, neg: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """erfc(±(ah + al)) for 0.84375 <= ah < 1.25: (1 - erx) - P/Q or (1 + erx) + P/Q at s = ah - 1
    (exact), P/Q in double-double, al entering as al erf'(ah)."""
    y, yl = _ratio_c(_PA, _QA, ah - 1.0)
    t, te = two_sum(y, yl + al * (_TWO_OVER_SQRTPI * np.exp(-ah * ah)))
    t = np.where(neg, t, -t)
    te = np.where(neg, te, -te)
    h, low = two_sum(np.where(neg, 1.0 + _ERX, 1.0 - _ERX), t)
    return h, low + te


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
    r, rl = two_sum(a - n * _L1, -n * _L2)  # a - n*_L1 is exact (|n| < 2**16)
    ni = n.astype(np.int64)
    j = ni & 31
    scaled = a < -400.0
    # 2**(n >> 5) (times 2**512 where scaled) built from its bits; e >= 1e-187, so splitting stays normal
    k = (ni >> 5) + (1023 + 512 * scaled)
    e = _T_HI[j] * (k << 52).view(np.float64)
    bh, bl = two_sum(b, r)
    bl = bl + (rl - n * _L3 + _T_REL[j])
    m = np.expm1(bh)
    m = m + (1.0 + m) * bl
    q = e / ah
    p, pe = two_prod(q, ah)
    h, low = fast_two_sum(q, q * m + ((e - p) - pe) / ah)
    return h, low, scaled


def _block(zh: np.ndarray, zl: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """erfc(zh + zl) as (h, l, scaled) for one contiguous block of 1-d float64 input."""
    # renormalise, so any finite pair means zh + zl (a non-finite zl counts as 0)
    zh, zl = two_sum(zh, np.where(np.isfinite(zl), zl, 0.0))
    zl = np.where(np.isfinite(zl), zl, 0.0)
    ah = np.abs(zh)
    neg = zh < 0
    al = np.where(neg, -zl, zl)
    h = np.where(neg, 2.0, 0.0)  # |z| >= 27.3 and ±inf
    h[np.isnan(zh)] = np.nan
    low = np.zeros_like(h)
    scaled = np.zeros(h.shape, dtype=bool)
    for lo, hi, part in ((0.0, 0.84375, _near), (0.84375, 1.25, _mid)):
        i = np.flatnonzero((ah >= lo) & (ah < hi))
        if i.size:
            h[i], low[i] = part(ah[i], al[i], neg[i])
    i = np.flatnonzero((ah >= 1.25) & (ah < _ZERO_AT))
    if i.size:
        th, tl, ts = _tail(ah[i], al[i])
        n = neg[i]
        # erfc(-x) = 2 - erfc(x), with erfc(x) < 0.08 here (and 2 - erfc(x) == 2 where scaled)
        gh, gl = fast_two_sum(np.full_like(th, 2.0), np.where(ts, 0.0, -th))
        h[i] = np.where(n, gh, th)
        low[i] = np.where(n, gl - np.where(ts, 0.0, tl), tl)
        scaled[i] = ts & ~n
    h, low = fast_two_sum(h, low)
    low[~np.isfinite(h)] = 0.0
    return h, low, scaled


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
    h, low, scaled = np.empty(zh.size), np.empty(zh.size), np.empty(zh.size, dtype=bool)
    with np.errstate(all="ignore"):
        for k in range(0, zh.size, _BLOCK):
            b = slice(k, k + _BLOCK)
            h[b], low[b], scaled[b] = _block(zh[b], zl[b])
    return h.reshape(shape), low.reshape(shape), scaled.reshape(shape)


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
            h, low, scaled = _block(zh[b], zl[b])
            ab = a[b]
            p, e = two_prod(ab, h)  # exact unless |a| > 2**995 (Veltkamp splitting overflows)
            r = p + np.where((np.abs(ab) > 2.0**995) | ~np.isfinite(e), 0.0, e + ab * low)
            out[b] = np.where(scaled, r * _SCALE, r)
    return out.reshape(shape)[()]


# ---------------------------------------------------------------------------------------
# Elementwise functions of the scalar code: arguments and values in double-double
# ---------------------------------------------------------------------------------------
def finite_lo(lo: Any) -> Any:
    """The low part of a pair, 0 where it is not finite (a splitting that overflowed far out)."""
    return np.where(np.isfinite(lo), lo, 0.0)


def sigmoid(u: Any) -> Any:
    """1/(1 + exp(-u)) split by sign: exp(-|u|) never overflows."""
    e = np.exp(-np.abs(u))
    r = 1.0 / (1.0 + e)
    return np.where(u >= 0, r, e * r)


def fix(out: Any, mask: Any, values: Callable[[Any], Any]) -> Any:
    """out with out[mask] replaced by values(mask) (only computed where mask holds)."""
    if not np.any(mask):
        return out
    out = np.array(out, dtype=np.float64, copy=True)
    mask = np.broadcast_to(mask, out.shape)
    out[mask] = values(mask)
    return out


def _scaled_below(out: Any, a: Any, u: Any) -> Any:
    """``out`` with ``a * exp(u)`` in its place where u < -600, computed as ``(a exp(u + 64)) e**-64`` so
    that no subnormal ``exp(u)`` enters the product (u + 64 is exact there: same binade)."""
    return fix(out, u < -600.0, lambda m: (a[m] * np.exp(u[m] + 64.0)) * EXP_M64)


def mul_exp(a: Any, u: Any) -> Any:
    """a * exp(u) with no subnormal intermediate where the product is normal.

    For u < -600, exp(u) is computed as exp(u + 64) * e**-64 after the product with ``a``
    (u + 64 is exact there: same binade), as in :func:`mul_sigmoid`.

    Examples:
        >>> # exp(-711.4) = 1.1e-309 is subnormal (44 significant bits); the product is -7.8306309786366175e-307
        >>> float(mul_exp(-709.4, -711.4)), float(-709.4 * np.exp(-711.4))
        (-7.830630978636619e-307, -7.83063097863663e-307)
    """
    a, u = np.broadcast_arrays(np.asarray(a, dtype=np.float64), np.asarray(u, dtype=np.float64))
    out = a * np.exp(u)
    return _scaled_below(out, a, u)


def mul_sigmoid(a: Any, u: Any) -> Any:
    """a * sigmoid(u) = a/(1 + exp(-u)) with no subnormal intermediate where the product is normal.

    One ``exp`` and two operations, about 2 ULP (dividing by 1 + exp(-u) rounds less than
    multiplying by exp(u) and 1/(1 + exp(u)) for u < 0). Where exp(-u) overflows, and below,
    for u < -600, exp(u) is computed as exp(u + 64) * e**-64 after the product with ``a``
    (u + 64 is exact there: same binade).
    """
    a, u = np.broadcast_arrays(np.asarray(a, dtype=np.float64), np.asarray(u, dtype=np.float64))
    with np.errstate(over="ignore"):  # exp(-u) = inf below u = -709.8: replaced by the scaled branch
        out = a / (1.0 + np.exp(-u))
    return _scaled_below(out, a, u)


def sigmoid_prime(u: Any) -> Any:
    """sigmoid(u) sigmoid(-u) = e/(1 + e)**2 with e = exp(-|u|) (even in u).

    1 + e is split exactly into dh + dl, and (1 + e)**2 = dh**2 (1 + 2 dl/dh) to first order.
    """
    e = np.exp(-np.abs(u))
    dh = 1.0 + e
    dl = e - (dh - 1.0)
    q = e / (dh * dh)
    return q - q * (2.0 * dl / dh)


def mul_sigmoid_prime(a: Any, u: Any) -> Any:
    """a * sigmoid'(u) with no subnormal intermediate where the product is normal.

    For |u| > 600, sigmoid'(u) = exp(-|u|) to double precision, computed as
    exp(64 - |u|) * e**-64 after the product with ``a`` (as in :func:`mul_sigmoid`).
    """
    a, u = np.broadcast_arrays(np.asarray(a, dtype=np.float64), np.asarray(u, dtype=np.float64))
    out = a * sigmoid_prime(u)
    return fix(out, np.abs(u) > 600.0, lambda m: (a[m] * np.exp(64.0 - np.abs(u[m]))) * EXP_M64)


def sigmoid_prime_dd(uh: Any, ul: Any) -> Any:
    """sigmoid'(uh + ul) = sigmoid'(uh) (1 - tanh(uh/2) ul) to first order.

    As in :func:`sigmoid_prime`, the rounding of 1 + e is corrected (1 + e = d + dl exactly).
    """
    ul = finite_lo(ul)
    e = np.exp(-np.abs(uh))
    d = 1.0 + e
    dl = e - (d - 1.0)
    s = e / (d * d)
    return s - s * (2.0 * dl / d + np.sign(uh) * ((1.0 - e) / d) * ul)


def sigmoid_dd(uh: Any, ul: Any) -> Any:
    """sigmoid(uh + ul) for a double-double argument (first-order correction)."""
    ul = finite_lo(ul)
    e = np.exp(-np.abs(uh))
    r = 1.0 / (1.0 + e)
    er = e * r
    s = np.where(uh >= 0, r, er)
    sm = np.where(uh >= 0, er, r)
    return s + s * (sm * ul)


def tanh_softplus(u: Any) -> Any:
    """tanh(log(1 + exp(u))) = n/(n + 2) with n = t (t + 2), t = exp(min(u, 20)).

    ((1 + t)**2 - 1)/((1 + t)**2 + 1) with the 1s cancelled: one ``exp`` and four operations
    (``tanh`` of NumPy's ``logaddexp`` costs seven times as much). Above u = 20 the value is
    1 - 2/(n + 2) with 2/(n + 2) < 2**-56, so 1 to double precision, which the clamped t also gives.
    """
    t = np.exp(np.minimum(u, 20.0))
    n = t * (t + 2.0)
    return n / (n + 2.0)


def mul_tanh_softplus(a: Any, u: Any) -> Any:
    """a * tanh(log(1 + exp(u))), scaling exp(u) by e**64 where it would be subnormal."""
    a, u = np.broadcast_arrays(np.asarray(a, dtype=np.float64), np.asarray(u, dtype=np.float64))
    out = a * tanh_softplus(u)
    # tanh(log1p(e)) = e (1 + O(e)) when e = exp(u) is tiny
    return _scaled_below(out, a, u)


def softplus_dd(uh: Any, ul: Any) -> Any:
    """log(1 + exp(uh + ul)) = logaddexp(0, uh) + sigmoid(uh) ul to first order."""
    return np.logaddexp(0.0, uh) + sigmoid(uh) * finite_lo(ul)


def exp_dd(uh: Any, ul: Any) -> Any:
    """exp(uh + ul) = exp(uh) (1 + ul) for a double-double argument; exp(uh) where that overflows
    (inf + inf ul would be nan for ul < 0)."""
    e = np.exp(uh)
    return np.where(np.isfinite(e), e + e * finite_lo(ul), e)


# -- whole expressions in double-double: exp, sigmoid and sigmoid' as pairs h + l ---------------
def exp_pair(uh: Any, ul: Any) -> tuple[Any, Any]:
    """exp(uh + ul) as h + l, relative error about 2**-58 for |uh| <= 708 (EXP_PAIR_MAX).

    Tang's method, as in the erfc tail: exp(u) = 2**(n/32) exp(r), r = u - n ln2/32
    in double-double (Cody-Waite, exact), 2**(n/32) a table double times (1 + a tiny
    correction), exp(r) = 1 + expm1(r) with |r| <= ln2/64, so the rounding of expm1 costs
    2**-53 of a number below 0.011. NumPy's exp is itself up to 1 ULP off; this is the
    floor under sigmoid-type derivatives. Beyond it: ``np.exp(uh)`` and 0.
    """
    uh = np.asarray(uh, dtype=np.float64)
    far = ~(np.abs(uh) <= EXP_PAIR_MAX)
    u = np.where(far, 0.0, uh)
    n = np.rint(u * _INV_L)
    r, rl = two_sum(u - n * _L1, -n * _L2)  # u - n*_L1 is exact (|n| < 2**16)
    ni = n.astype(np.int64)
    j = ni & 31
    e = _T_HI[j] * (((ni >> 5) + 1023) << 52).view(np.float64)
    m = np.expm1(r)
    m = m + (1.0 + m) * (rl - n * _L3 + _T_REL[j] + np.where(far, 0.0, finite_lo(ul)))
    h, lo = fast_two_sum(e, e * m)
    return np.where(far, np.exp(uh), h), np.where(far, 0.0, lo)


def recip_pair(dh: Any, dl: Any) -> tuple[Any, Any]:
    """1/(dh + dl) as h + l (one Newton step in double-double), for 1 <= dh <= 2."""
    q = 1.0 / dh
    p, pe = two_prod(q, dh)
    r = ((1.0 - p) - pe) - q * dl  # 1 - q (dh + dl), to double-double accuracy
    return fast_two_sum(q, q * r)


def _sigmoid_parts(uh: Any, ul: Any) -> tuple[Any, Any, Any, Any, Any]:
    """E = exp(-|u|) and q = 1/(1 + E) as pairs, and the sign mask u < 0."""
    ul = finite_lo(ul)
    neg = uh < 0
    eh, el = exp_pair(-np.abs(uh), np.where(neg, ul, -ul))
    dh, dl = fast_two_sum(1.0, eh)
    qh, ql = recip_pair(dh, dl + el)
    return eh, el, qh, ql, neg


def sigmoid_pair(uh: Any, ul: Any) -> tuple[Any, Any]:
    """sigmoid(uh + ul) as h + l: 1/(1 + E) for u >= 0, E/(1 + E) below, E = exp(-|u|)."""
    eh, el, qh, ql, neg = _sigmoid_parts(uh, ul)
    sh, sl = dd_mul(eh, el, qh, ql)
    return np.where(neg, sh, qh), np.where(neg, sl, ql)


def sigmoid_prime_pair(uh: Any, ul: Any) -> tuple[Any, Any]:
    """sigmoid'(uh + ul) = E/(1 + E)**2 as h + l, E = exp(-|u|) (even in u)."""
    eh, el, qh, ql, _ = _sigmoid_parts(uh, ul)
    sh, sl = dd_mul(eh, el, qh, ql)
    return dd_mul(sh, sl, qh, ql)


def div_pair(ah: Any, al: Any, bh: Any, bl: Any) -> tuple[Any, Any]:
    """(ah + al)/(bh + bl) as h + l (one correction step in double-double)."""
    q = ah / bh
    p, pe = two_prod(q, bh)
    r = (((ah - p) - pe) + al) - q * bl
    return fast_two_sum(q, r / bh)


def softplus_pair(uh: Any, ul: Any) -> tuple[Any, Any]:
    """log(1 + exp(uh + ul)) = max(u, 0) + log1p(E), E = exp(-|u|), as h + l.

    log1p(E) is NumPy's (about 1 ULP of a number below log 2) plus the first-order term
    of E's low part: relative error about 2**-53 where the result is below 1, and
    far smaller where max(u, 0) dominates.
    """
    ul = finite_lo(ul)
    neg = uh < 0
    eh, el = exp_pair(-np.abs(uh), np.where(neg, ul, -ul))
    h, lo = dd_add(np.maximum(uh, 0.0), np.where(neg, 0.0, ul), np.log1p(eh), el / (1.0 + eh))
    return np.where(np.isfinite(uh), h, np.maximum(uh, 0.0)), lo


def tanh_softplus_pair(uh: Any, ul: Any) -> tuple[Any, Any]:
    """tanh(log(1 + exp(u))) as h + l: n/(2 + n) with n = e (2 + e), e = exp(u), for u < 0;
    1 - 2 E**2/((1 + E)**2 + E**2) with E = exp(-u) for u >= 0."""
    ul = finite_lo(ul)
    neg = uh < 0
    eh, el = exp_pair(-np.abs(uh), np.where(neg, ul, -ul))
    # u < 0
    th, tl = fast_two_sum(2.0, eh)
    nh, nl = dd_mul(eh, el, th, tl + el)
    dh, dl = fast_two_sum(2.0, nh)
    ah, al = div_pair(nh, nl, dh, dl + nl)
    # u >= 0
    e2h, e2l = dd_mul(eh, el, eh, el)
    oh, ol = fast_two_sum(1.0, eh)
    o2h, o2l = dd_mul(oh, ol + el, oh, ol + el)
    sh, sl = dd_add(o2h, o2l, e2h, e2l)
    qh, ql = div_pair(2.0 * e2h, 2.0 * e2l, sh, sl)
    bh, bl = fast_two_sum(1.0, -qh)
    return np.where(neg, ah, bh), np.where(neg, al, bl - ql)


# pi/2 in three parts, the first two on 33 bits: k*_P1 and k*_P2 are exact for |k| < 2**20
_P1 = dd_const(lambda mp: mp.pi / 2, 33)[0]
_P2 = dd_const(lambda mp: mp.pi / 2 - mp.mpf(_P1), 33)[0]
_P3 = dd_const(lambda mp: mp.pi / 2 - mp.mpf(_P1) - mp.mpf(_P2))[0]
_TWO_OVER_PI = dd_const(lambda mp: 2 / mp.pi)[0]
#: sin r = r (sum_j (-1)**j z**j/(2j+1)!), cos r = sum_j (-1)**j z**j/(2j)!, z = r**2, |r| <= pi/4:
#: the first terms in double-double, the tail (below 2**-54) in double.
_SIN_DD = tuple(dd_const(lambda mp, j=j: mp.mpf(-1) ** j / mp.factorial(2 * j + 1)) for j in range(8))
_SIN_TAIL = tuple(dd_const(lambda mp, j=j: mp.mpf(-1) ** j / mp.factorial(2 * j + 1))[0] for j in range(8, 15))
_COS_DD = tuple(dd_const(lambda mp, j=j: mp.mpf(-1) ** j / mp.factorial(2 * j)) for j in range(9))
_COS_TAIL = tuple(dd_const(lambda mp, j=j: mp.mpf(-1) ** j / mp.factorial(2 * j))[0] for j in range(9, 16))


def _series_pair(zh: Any, zl: Any, head: tuple[tuple[float, float], ...], tail: tuple[float, ...]) -> tuple[Any, Any]:
    """sum_j c_j z**j: the tail by Horner in double, then the head by Horner in double-double."""
    t = np.zeros_like(zh)
    for c in reversed(tail):
        t = t * zh + c
    h, lo = t, np.zeros_like(zh)
    for ch, cl in reversed(head):
        h, lo = dd_mul(h, lo, zh, zl)
        h, lo = dd_add(h, lo, ch, cl)
    return h, lo


def sin_cos_pair(uh: Any, ul: Any) -> tuple[Any, Any, Any, Any]:
    """sin and cos of uh + ul as pairs, absolute error about 2**-100, for |uh| <= 2**20.

    u = k pi/2 + r with r in double-double (Cody-Waite, pi/2 in three parts), then the
    Taylor series of sin r and cos r for |r| <= pi/4, and the quadrant k mod 4.
    """
    uh = np.asarray(uh, dtype=np.float64)
    k = np.rint(np.where(np.isfinite(uh), uh, 0.0) * _TWO_OVER_PI)
    rh, rl = two_sum(uh - k * _P1, -k * _P2)  # uh - k*_P1 is exact
    rh, rl = fast_two_sum(rh, rl - k * _P3 + finite_lo(ul))
    zh, zl = dd_mul(rh, rl, rh, rl)
    sh, sl = _series_pair(zh, zl, _SIN_DD, _SIN_TAIL)
    sh, sl = dd_mul(sh, sl, rh, rl)
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


def add_hypot(u: Any, c: float, k: float = 1.0) -> Any:
    """k*(u + hypot(u, c)), as k*c**2/(hypot(u, c) - u) for u < 0 (no overflow for finite k*u)."""
    h = np.hypot(u, c)
    return np.where(u >= 0, k * u + k * h, (0.5 * k * c * c) / (0.5 * h - 0.5 * u))


def hypot_m1(u: Any, c: float) -> Any:
    """hypot(u, c) - c, as u*(u/(hypot(u, c) + c))."""
    return u * (u / (np.hypot(u, c) + c))


def poly(t: Any, a: float, nd: int, ch: tuple[float, ...], cl: tuple[float, ...]) -> Any:
    """sum c_j (t - a)**j: Horner in double from c_N down to c_nd, then nd double-double steps (nd <= N).

    ``t - a`` is split exactly (TwoSum), and the last steps carry the coefficients
    ``ch[j] + cl[j]`` in double-double, so near a zero of the polynomial's lowest
    terms the result keeps its relative accuracy.
    """
    th, tl = two_sum(t, -a)
    deg = len(ch) - 1
    nd = min(nd, deg)  # the top coefficient starts the sum; it is never added twice
    h = np.full(np.shape(th), ch[-1])
    for j in range(deg - 1, nd - 1, -1):
        h = h * th + ch[j]
    sh, sl = h, np.zeros(np.shape(th))
    for j in range(nd - 1, -1, -1):
        sh, sl = dd_mul(sh, sl, th, tl)
        sh, sl = dd_add(sh, sl, ch[j], cl[j])
    return sh + sl


def taylor_regime(
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
        return fix(r, mask, lambda m: poly(np.broadcast_to(xv, np.shape(m))[m], a, nd, ch, cl))
    if mask.any():
        r[mask] = poly(xv[mask], a, nd, ch, cl)
    return r


# ---------------------------------------------------------------------------------------
# Series in double-double to about 2**-100 (the vector activations)
# ---------------------------------------------------------------------------------------
_LN2 = (float(_MP240.log(2)), float(_MP240.log(2) - _MP240.mpf(float(_MP240.log(2)))))
#: log 2 = _LN2[0] + _LN2[1] + _LN2_3 to about 2**-160 (k log 2 for |k| ~ 1000 needs more than 106 bits)
_LN2_3 = float(_MP240.log(2) - _MP240.mpf(_LN2[0]) - _MP240.mpf(_LN2[1]))
_SQRT_HALF = math.sqrt(0.5)
#: 1/(2j + 1) for j = 0..20 as double-doubles: the series 2 atanh(w)/(2w) = sum_j w**(2j)/(2j + 1)
#: with |w| <= 3 - 2 sqrt(2) < 0.1716 (w**2 < 0.0295), whose tail after 21 terms is below 2**-107.
_ATANH_TERMS = tuple(dd_const(lambda mp, jj=jj: mp.mpf(1) / (2 * jj + 1)) for jj in range(21))


def log1p_series_pair(s: np.ndarray, s_lo: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """log1p(s + s_lo) as a double-double (hi, lo), accurate to about 2**-100 relative, for s >= 0.

    u = 1 + s is formed exactly (TwoSum), written u = 2**k f with f in [sqrt(1/2), sqrt(2));
    log u = k log 2 + 2 atanh(w), w = (f - 1)/(f + 1), where f - 1 is exact (Sterbenz) and
    the atanh series is summed by Horner in double-double. For logsumexp, m + log1p(s)
    cancels when m is near -log1p(s): a plain log1p, rounded to 2**-53 of log1p(s),
    then costs up to log1p(s)/|m + log1p(s)| ULP of the result (68 ULP measured).
    """
    uh, ul = two_sum(1.0, s)
    uh, ul = two_sum(uh, ul + s_lo)
    f, k = np.frexp(uh)
    low = f < _SQRT_HALF
    f = np.where(low, 2.0 * f, f)
    k = (k - low).astype(np.float64)
    fl = np.ldexp(ul, -(k.astype(np.int64)))
    nh, nl = two_sum(f - 1.0, fl)  # f - 1 is exact: f is in [1/2, 2]
    dh, dl = two_sum(f, 1.0)
    dl = dl + fl
    wh = nh / dh
    p, pe = two_prod(wh, dh)
    wl = (((nh - p) - pe) + nl - wh * dl) / dh  # nh - p is exact (Sterbenz)
    wh, wl = two_sum(wh, wl)
    qh, ql = dd_mul(wh, wl, wh, wl)
    ah, al = _ATANH_TERMS[-1]
    ah, al = np.full_like(wh, ah), np.full_like(wh, al)
    for ch, cl in reversed(_ATANH_TERMS[:-1]):  # over the 20 series terms, not over elements
        ah, al = dd_mul(ah, al, qh, ql)
        ah, al = dd_add(ah, al, ch, cl)
    ah, al = dd_mul(ah, al, wh, wl)
    kh, kl = two_prod(k, _LN2[0])
    kl = kl + k * _LN2[1]
    Lh, Ll = dd_add(kh, kl, 2.0 * ah, 2.0 * al)
    # below 2**-500, log1p(s) = s (1 - s/2 + ...) is s to far beyond double-double, and the
    # quotient w = s/(2 + s) above could underflow (s = 5e-324 for logsumexp([-745, 0]))
    tiny = s < 2.0**-500
    return np.where(tiny, s, Lh), np.where(tiny, s_lo, Ll)


#: 1/j! for j = 0..22 as double-doubles: exp(r) = sum_j r**j/j! for |r| <= log(2)/2, tail below 2**-110.
_EXP_TERMS = tuple(dd_const(lambda mp, jj=jj: mp.mpf(1) / math.factorial(jj)) for jj in range(23))


def exp_series_pair(d: np.ndarray, e: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """exp(d + e) as a double-double (hi, lo), about 2**-100 relative, for finite d <= 0 and |e| <= ulp(d).

    d + e = k log 2 + r with |r| <= log(2)/2 in double-double (k log 2 by TwoProduct, log 2
    as a double-double), exp(r) by its Taylor series in double-double (Horner), times 2**k.
    Below d ~ -660 the low part is subnormal and the relative accuracy degrades (to
    2**-53 near -745), which is harmless for a term of a sum that contains 1.
    """
    kf = np.rint(d / _LN2[0])
    p, pe = two_prod(kf, _LN2[0])
    p2, pe2 = two_prod(kf, _LN2[1])
    rh, rl = two_sum(d, -p)
    # e, pe and p2 can each be ~1e-14 (far above ulp(r)): added one by one with their errors kept
    rh, t1 = two_sum(rh, e)
    rh, t2 = two_sum(rh, -pe)
    rh, t3 = two_sum(rh, -p2)
    rh, rl = two_sum(rh, ((rl + t1) + (t2 + t3)) - (pe2 + kf * _LN2_3))
    ah, al = np.full_like(rh, _EXP_TERMS[-1][0]), np.full_like(rh, _EXP_TERMS[-1][1])
    for ch, cl in reversed(_EXP_TERMS[:-1]):  # over the 22 series terms, not over elements
        ah, al = dd_mul(ah, al, rh, rl)
        ah, al = dd_add(ah, al, ch, cl)
    ki = kf.astype(np.int64)
    return np.ldexp(ah, ki), np.ldexp(al, ki)
