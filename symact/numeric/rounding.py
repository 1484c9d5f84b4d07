"""Correct rounding of exact reals to binary floating-point formats, and ULP distances.

:func:`round_to` rounds a rational, an mpmath number or an exact SymPy constant to
the nearest float of a format given by its significand width and exponent range
(ties to even); :func:`ulp_error` measures how far computed floats are from the
correctly rounded ones.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

import mpmath
import numpy as np
import sympy
from sympy import S

__all__ = ["FORMATS", "round_to", "ulp_error"]

#: dtype name -> (NumPy type, significand bits, exponent of the smallest subnormal, overflow exponent)
FORMATS: dict[str, tuple[type[np.floating[Any]], int, int, int]] = {
    "float32": (np.float32, 24, -149, 128),
    "float64": (np.float64, 53, -1074, 1024),
}


def round_to(value: Any, bits: int = 53, emin: int = -1074, emax: int = 1024) -> float:
    """Round an mpmath/SymPy/rational real to the nearest binary float (ties to even).

    ``bits`` is the significand width and ``2**emin`` the smallest subnormal;
    values at or above ``2**emax`` (after rounding) become ``±inf``. With the
    defaults this is correct rounding to float64; ``(24, -149, 128)`` is float32.

    Examples:
        >>> round_to(sympy.Rational(1, 3)) == 1 / 3
        True
        >>> round_to(mpmath.ldexp(1, -1075)), round_to(mpmath.ldexp(3, -1075))
        (0.0, 1e-323)
        >>> with mpmath.workprec(80):  # 1 + 2**-24 + 2**-60: above the float32 tie, rounds up
        ...     v = 1 + mpmath.ldexp(1, -24) + mpmath.ldexp(1, -60)
        >>> round_to(v, 24, -149, 128) == 1 + 2**-23
        True
    """
    if isinstance(value, Fraction):
        num, den = value.numerator, value.denominator
        if num == 0:
            return 0.0
        neg = num < 0
        num = abs(num)
        # exponent of the leading bit
        e = num.bit_length() - den.bit_length()
        if (num << max(0, -e)) < (den << max(0, e)):
            e -= 1
        unit = max(e - bits + 1, emin)
        # m = round(num / den / 2**unit)
        if unit >= 0:
            q, r = divmod(num, den << unit)
            d2 = den << unit
        else:
            q, r = divmod(num << -unit, den)
            d2 = den
        if 2 * r > d2 or (2 * r == d2 and q & 1):
            q += 1
        if q.bit_length() + unit > emax:
            return -math.inf if neg else math.inf
        out = math.ldexp(q, unit) if q.bit_length() + unit <= 1024 else math.inf
        return -out if neg else out
    if isinstance(value, sympy.Basic):
        if value in (sympy.oo, -sympy.oo, sympy.zoo, S.NaN):
            return math.inf if value == sympy.oo else -math.inf if value == -sympy.oo else math.nan
        if value.is_Rational:
            return round_to(Fraction(int(value.p), int(value.q)), bits, emin, emax)
        with mpmath.workprec(400):
            v = mpmath.mpf(sympy.N(value, 130))  # kept at 400 bits: mpf() outside would re-round to 53
    elif isinstance(value, mpmath.mpf):
        v = value  # as it is: mpf(value) would re-round it to the context's 53 bits (double rounding)
    else:
        v = mpmath.mpf(value)
    if mpmath.isnan(v):
        return math.nan
    if mpmath.isinf(v):
        return math.inf if v > 0 else -math.inf
    if v == 0:
        return 0.0
    sgn, man, exp_, bc = v._mpf_
    if exp_ + bc > emax + 1:
        return -math.inf if sgn else math.inf
    if exp_ + bc < emin - 1:  # below half the smallest subnormal
        return -0.0 if sgn else 0.0
    frac = Fraction(int(man) << exp_, 1) if exp_ >= 0 else Fraction(int(man), 1 << -exp_)
    out = round_to(frac, bits, emin, emax)
    return -out if sgn else out


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
