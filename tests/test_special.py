"""symact.codegen.kernels: erfc of a double-double argument against correctly rounded mpmath."""

from __future__ import annotations

import struct
import warnings

import mpmath
import numpy as np
import pytest

from symact.codegen import kernels as special
from symact.numeric.rounding import round_to, ulp_error


def _truth(fn, *cols: np.ndarray) -> np.ndarray:
    """fn(*mpf args) at 200 bits for each row, correctly rounded to float64."""
    out = np.empty(cols[0].shape)
    with mpmath.workprec(200):
        for k, row in enumerate(zip(*(c.tolist() for c in cols))):
            out[k] = round_to(fn(*(mpmath.mpf(v) for v in row)))
    return out


def _erfc_truth(zh: np.ndarray, zl: np.ndarray) -> np.ndarray:
    return _truth(lambda h, lo: mpmath.erfc(h + lo), zh, zl)


def _low_parts(rng: np.random.Generator, zh: np.ndarray) -> np.ndarray:
    """A low part of at most half an ULP of zh, as a rounded product z*c leaves."""
    return np.spacing(zh) * rng.uniform(-0.5, 0.5, zh.size)


# fdlibm's regions, the tails and where erfc is subnormal (26.55 .. 27.23)
REGIONS = [
    (-27.3, -6.0), (-6.0, -1.25), (-1.25, -0.84375), (-0.84375, -0.25), (-0.25, 0.0), (0.0, 0.25),
    (0.25, 0.84375), (0.84375, 1.25), (1.25, 1 / 0.35), (1 / 0.35, 6.0), (6.0, 19.99), (19.99, 26.55),
    (26.55, 27.25),
]  # fmt: skip


@pytest.mark.parametrize(("lo", "hi"), REGIONS)
def test_erfc_dd_within_1_ulp_of_the_correctly_rounded_value(lo: float, hi: float) -> None:
    rng = np.random.default_rng(int(1000 * (lo + 30)))
    zh = rng.uniform(lo, hi, 1500)
    zl = _low_parts(rng, zh)
    zl[::3] = 0.0
    err, wrong = ulp_error(special.erfc_dd(zh, zl), _erfc_truth(zh, zl))
    assert not wrong.any()
    # measured: 1 ULP, 0-15% of points not correctly rounded (scipy.special.erfc: 5-30, 1e13 subnormal)
    assert err.max() <= 1, (err.max(), zh[err.argmax()])
    assert err.mean() < 0.2


def test_the_low_part_is_used() -> None:
    """erfc(zh + zl) moves by about 2 zh**2 ULP per ULP of zh in the tail; ignoring zl is off by that."""
    rng = np.random.default_rng(7)
    zh = rng.uniform(15.0, 26.0, 300)
    zl = np.spacing(zh) * 0.5
    truth = _erfc_truth(zh, zl)
    assert ulp_error(special.erfc_dd(zh, zl), truth)[0].max() <= 1
    assert ulp_error(special.erfc_dd(zh, 0.0), truth)[0].min() >= 50


def test_subnormal_results_are_within_one_unit_of_2_pow_minus_1074() -> None:
    zh = np.linspace(26.5, 27.3, 2001)
    got = special.erfc(zh)
    truth = _erfc_truth(zh, np.zeros_like(zh))
    assert (truth[zh > 26.6] < 2.0**-1022).all() and (truth[-10:] == 0.0).all()
    assert ulp_error(got, truth)[0].max() <= 1


def test_mul_erfc_dd_is_gelu_within_2_ulp() -> None:
    """x/2 erfc(-x/sqrt(2)) with the argument in double-double, as codegen builds GELU,
    on [-10, 10] and on the band where erfc is subnormal but GELU is normal."""
    rng = np.random.default_rng(11)
    x = np.concatenate(
        [rng.uniform(-10.0, 10.0, 3000), rng.uniform(-37.615, -37.538, 500), rng.uniform(-38.6, -37.62, 200)]
    )
    c = -1 / np.sqrt(2)
    with mpmath.workprec(200):
        cl = float(-1 / mpmath.sqrt(2) - mpmath.mpf(c))
    # (c + cl) * x in double-double (TwoProduct)
    zh = c * x
    zl = special.two_prod(np.full_like(x, c), x)[1] + cl * x
    got = special.mul_erfc_dd(0.5 * x, zh, zl)
    truth = _truth(lambda v: v / 2 * mpmath.erfc(-v / mpmath.sqrt(2)), x)
    err, wrong = ulp_error(got, truth)
    assert not wrong.any()
    normal = np.abs(truth) >= 2.0**-1022
    # erfc(-x/sqrt(2)) < 2**-1022 for x < -37.5378; GELU < 2**-1022 for x < -37.6159
    assert normal[3000:3500].all() and not normal[3500:].any()
    assert err[normal].max() <= 2, (err.max(), x[err.argmax()])
    assert err[~normal].max() <= 1


@pytest.mark.parametrize(
    ("lo", "hi", "bound"),
    [(-6.0, -0.25, 0.05), (-0.25, 0.84375, 0.15), (0.84375, 1.25, 0.3), (1.25, 1 / 0.35, 0.95), (1 / 0.35, 26.5, 0.3)],
)  # fmt: skip
def test_the_double_double_result_is_within_a_fraction_of_an_ulp(lo: float, hi: float, bound: float) -> None:
    """|h + l - erfc(zh + zl)| in units of ulp(h) (measured max: 0.03, 0.10, 0.21, 0.87, 0.23);
    the largest is fdlibm's R/S evaluated in plain double on [1.25, 1/0.35)."""
    rng = np.random.default_rng(5)
    zh = rng.uniform(lo, hi, 400)
    zl = _low_parts(rng, zh)
    h, low, scaled = special.erfc_dd_hl(zh, zl)
    worst = 0.0
    with mpmath.workprec(200):
        for a, b, hh, ll, sc in zip(zh.tolist(), zl.tolist(), h.tolist(), low.tolist(), scaled.tolist()):
            exact = mpmath.erfc(mpmath.mpf(a) + b) * (mpmath.mpf(2) ** 512 if sc else 1)
            worst = max(worst, float(abs(mpmath.mpf(hh) + ll - exact) / np.spacing(abs(hh))))
    assert worst <= bound


def test_erfc_dd_hl_is_a_scaled_double_double() -> None:
    zh = np.array([-3.0, 0.3, 1.0, 2.0, 10.0, 19.0, 21.0, 26.0])
    h, low, scaled = special.erfc_dd_hl(zh)
    assert (np.abs(low) <= np.spacing(h) / 2).all()
    assert scaled.tolist() == [False] * 6 + [True] * 2
    value = np.where(scaled, h * 2.0**-512, h)
    truth = _erfc_truth(zh, np.zeros_like(zh))
    assert ulp_error(value, truth)[0].max() <= 1
    assert (h[scaled] > 1e-200).all()  # normal, with room for TwoProduct splitting


@pytest.mark.parametrize(
    ("z", "want"),
    [(0.0, 1.0), (-0.0, 1.0), (np.inf, 0.0), (-np.inf, 2.0), (27.3, 0.0), (1e300, 0.0), (-6.0, 2.0), (-1e300, 2.0),
     (5e-324, 1.0), (-2.0**-1022, 1.0), (1e-9, 0.9999999988716208), (-1e-9, 1.0000000011283792)],
)  # fmt: skip
def test_special_values(z: float, want: float) -> None:
    if abs(z) < 100:
        with mpmath.workprec(200):
            assert round_to(mpmath.erfc(mpmath.mpf(z))) == want
    assert special.erfc(z) == want
    assert special.erfc_dd(z, 0.0) == want
    assert special.mul_erfc_dd(3.0, z, 0.0) == 3.0 * want


def test_nan_and_non_finite_low_parts() -> None:
    assert np.isnan(special.erfc(np.nan))
    assert np.isnan(special.mul_erfc_dd(1.0, np.nan, 0.0))
    assert special.erfc_dd(1.0, np.inf) == special.erfc_dd(1.0, np.nan) == special.erfc(1.0)


def test_unnormalised_pairs_mean_their_sum() -> None:
    assert special.erfc_dd(1.0, 0.5) == special.erfc(1.5)
    assert special.erfc_dd(0.0, -3.0) == special.erfc(-3.0)
    assert special.erfc_dd(1e308, 1e308) == 0.0 and special.erfc_dd(-1e308, -1e308) == 2.0


@pytest.mark.parametrize("bad", [np.array([1 + 1j]), "1.0", np.array(["a"]), None])
def test_non_real_input_is_a_type_error(bad: object) -> None:
    with pytest.raises(TypeError, match="real numbers"):
        special.erfc(bad)
    with pytest.raises(TypeError, match="real numbers"):
        special.mul_erfc_dd(bad, 1.0)


def test_shapes_scalars_and_broadcasting() -> None:
    assert isinstance(special.erfc(0.5), np.float64)
    assert special.erfc(np.float32(0.5)) == special.erfc(0.5) and special.erfc(np.array([1, 0])).tolist() == [
        special.erfc(1.0),
        1.0,
    ]
    assert special.erfc_dd(np.zeros((2, 1)), np.zeros(3)).shape == (2, 3)
    assert special.mul_erfc_dd(np.ones(4), 1.0, 0.0).shape == (4,)
    assert special.erfc(np.empty((0, 2))).shape == (0, 2)
    z = np.linspace(-5, 30, 7 * 6000).reshape(7, -1)[:, ::3]  # non-contiguous, several blocks
    assert np.array_equal(special.erfc(z), special.erfc(z.copy()))


HOSTILE = np.array(
    [0.0, -0.0, np.inf, -np.inf, np.nan, 5e-324, -5e-324, 2.2e-308, 1e-300, 1.7976931348623157e308,
     -1.7976931348623157e308, 0.84375, 1.25, 1 / 0.35, 26.55, 27.3, 28.0, -28.0, 1e10, -1e10]
)  # fmt: skip


def test_no_warnings_on_hostile_input() -> None:
    lows = np.array([0.0, np.inf, -np.inf, np.nan, 1e308, 5e-324])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for zl in lows:
            special.erfc_dd(HOSTILE, zl)
            special.mul_erfc_dd(HOSTILE, HOSTILE, zl)
            special.mul_erfc_dd(1e308, HOSTILE, zl)
            special.erfc_dd_hl(HOSTILE, zl)


def test_caller_errstate_is_restored() -> None:
    with np.errstate(over="raise"):
        special.erfc(HOSTILE)
        assert np.geterr()["over"] == "raise"
        with pytest.raises(FloatingPointError):
            np.array([1e308]) * 10.0


def test_huge_factors() -> None:
    """Splitting a factor above 2**995 would overflow; the plain product is used there."""
    big = 1.5e308
    assert special.mul_erfc_dd(big, -10.0, 0.0) == big * 2.0
    assert special.mul_erfc_dd(big, 0.0, 0.0) == big
    assert special.mul_erfc_dd(np.inf, -1.0, 0.0) == np.inf


# fdlibm s_erf.c coefficients as the IEEE words (high, low) of its source comments
FDLIBM_WORDS = {
    "_ERX": [(0x3FEB0AC1, 0x60000000)],
    "_PP": [(0x3FC06EBA, 0x8214DB68), (0xBFD4CD7D, 0x691CB913), (0xBF9D2A51, 0xDBD7194F), (0xBF77A291, 0x236668E4),
            (0xBEF8EAD6, 0x120016AC)],
    "_QQ": [(0x3FD97779, 0xCDDADC09), (0x3FB0A54C, 0x5536CEBA), (0x3F74D022, 0xC4D36B0F), (0x3F215DC9, 0x221C1A10),
            (0xBED09C43, 0x42A26120)],
    "_PA": [(0xBF6359B8, 0xBEF77538), (0x3FDA8D00, 0xAD92B34D), (0xBFD7D240, 0xFBB8C3F1), (0x3FD45FCA, 0x805120E4),
            (0xBFBC6398, 0x3D3E28EC), (0x3FA22A36, 0x599795EB), (0xBF61BF38, 0x0A96073F)],
    "_QA": [(0x3FBB3E66, 0x18EEE323), (0x3FE14AF0, 0x92EB6F33), (0x3FB2635C, 0xD99FE9A7), (0x3FC02660, 0xE763351F),
            (0x3F8BEDC2, 0x6B51DD1C), (0x3F888B54, 0x5735151D)],
    "_RA": [(0xBF843412, 0x600D6435), (0xBFE63416, 0xE4BA7360), (0xC0251E04, 0x41B0E726), (0xC04F300A, 0xE4CBA38D),
            (0xC0644CB1, 0x84282266), (0xC067135C, 0xEBCCABB2), (0xC0545265, 0x57E4D2F2), (0xC023A0EF, 0xC69AC25C)],
    "_SA": [(0x4033A6B9, 0xBD707687), (0x4061350C, 0x526AE721), (0x407B290D, 0xD58A1A71), (0x40842B19, 0x21EC2868),
            (0x407AD021, 0x57700314), (0x405B28A3, 0xEE48AE2C), (0x401A47EF, 0x8E484A93), (0xBFAEEFF2, 0xEE749A62)],
    "_RB": [(0xBF843412, 0x39E86F4A), (0xBFE993BA, 0x70C285DE), (0xC031C209, 0x555F995A), (0xC064145D, 0x43C5ED98),
            (0xC083EC88, 0x1375F228), (0xC0900461, 0x6A2E5992), (0xC07E384E, 0x9BDC383F)],
    "_SB": [(0x403E568B, 0x261D5190), (0x40745CAE, 0x221B9F0A), (0x409802EB, 0x189D5118), (0x40A8FFB7, 0x688C246A),
            (0x40A3F219, 0xCEDF3BE6), (0x407DA874, 0xE79FE763), (0xC03670E2, 0x42712D62)],
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(FDLIBM_WORDS))
def test_coefficients_are_fdlibm_bit_for_bit(name: str) -> None:
    value = getattr(special, name)
    coefs = (value,) if isinstance(value, float) else value
    if name in ("_QQ", "_QA", "_SA", "_SB"):
        assert coefs[0] == 1.0
        coefs = coefs[1:]
    words = [struct.unpack("<II", struct.pack("<d", c))[::-1] for c in coefs]
    assert words == FDLIBM_WORDS[name]


def test_exp_reduction_constants() -> None:
    """ln2/32 = _L1 + _L2 + _L3 with _L1, _L2 on 36 bits (so n*_L1, n*_L2 are exact for |n| < 2**16),
    and 2**(j/32) = _T_HI[j] (1 + _T_REL[j]) to far below an ULP."""
    with mpmath.workprec(300):
        total = mpmath.mpf(special._L1) + special._L2 + special._L3
        assert abs(total / (mpmath.log(2) / 32) - 1) < mpmath.mpf(2) ** -120
        for j in range(32):
            t = mpmath.mpf(special._T_HI[j]) * (1 + mpmath.mpf(special._T_REL[j]))
            assert abs(t / mpmath.mpf(2) ** (mpmath.mpf(j) / 32) - 1) < mpmath.mpf(2) ** -100
    for c in (special._L1, special._L2):
        m = np.frexp(c)[0] * 2.0**36
        assert m == int(m)
