"""Generated code of rational-affine definitions against exact rational arithmetic.

The soundness run found wrong values here (5 % off near a root: a certified
Taylor regime of degree 1 added its top coefficient twice). These inputs are
cheap to check exactly, so every double in a fine grid is compared.
"""

from __future__ import annotations

import mpmath
import numpy as np
import pytest
import sympy
from sympy import Max, Piecewise, Rational, tanh

from symact import x
from symact.codegen.numpy import to_numpy

AFFINE = [
    Rational(5, 2) * x - 3,
    Rational(3, 2) * x + Rational(2, 3),
    13 * x / 4 + 1,
    Rational(5, 8) - 3 * x / 16,
    -3 * x / 2 - Rational(5, 2),
    x / 2 + Max(1, 3 * x + 2) - 1,
    Piecewise((x / 4 + Rational(1, 3), x < Rational(1, 3)), (x, True)),
]


@pytest.mark.parametrize("expr", AFFINE, ids=str)
def test_affine_code_is_exact_to_a_few_ulp_of_the_scale(expr: sympy.Expr) -> None:
    f = to_numpy(expr)
    xs = np.linspace(-3, 3, 4801)
    got = f(xs)
    exact = sympy.lambdify(x, expr, "mpmath")  # rational data: at 300 bits the error is far below 1e-80
    with mpmath.workprec(300):
        for xv, yv in zip(xs, got):
            w = exact(mpmath.mpf(float(xv)))
            # absolute error within a few ulp of the terms' scale (|a x| + |b| <= 20 here)
            assert abs(mpmath.mpf(float(yv)) - w) <= mpmath.mpf(20 * 8) / 2**53, (xv, yv, float(w))


def test_nonlinear_piece_near_its_root_is_right() -> None:
    f = to_numpy(x + tanh(Max(1, x)))
    v = float(f(np.float64(-0.75)))
    assert abs(v - (-0.75 + float(sympy.tanh(1)))) < 1e-15


@pytest.mark.parametrize("text", ["erfc(x)", "x*erfc(x)/2", "erf(x)*x"])
def test_erf_family_from_text_validates(text: str) -> None:
    # erfc's truth at +-inf (evaluated at +-10**400) used to overflow inside mpmath; x*erfc(x)/2
    # overflowed to -inf at the most negative double (x*2 before *0.5)
    import symact

    rep = symact.validate(symact.define(text, name="f"), size="quick")
    assert rep.ok, rep.summary()


def test_limit_probe_beyond_float32_range_does_not_warn() -> None:
    # seen in the soundness run: float(np.float32(1e300)) warned (an error under filterwarnings=error)
    from symact.codegen.numpy import _agrees

    assert _agrees(float("inf"), 1e300, np.float32)
    assert not _agrees(3.0e38, 1e300, np.float32)


# -- whole sigmoid-type derivatives in double-double ---------------------------------------------


@pytest.mark.parametrize(
    "helper",
    [
        "_exp_pair",
        "_sigmoid_pair",
        "_sigmoid_prime_pair",
        "_softplus_pair",
        "_tanh_softplus_pair",
        "_sin_pair",
        "_cos_pair",
    ],
)
def test_pair_helpers_are_accurate(helper: str) -> None:
    """h + l of a pair helper is within 2**-56 (relative; softplus 2**-52) of mpmath's value at uh + ul."""
    from symact.codegen import kernels

    truth = {
        "_exp_pair": mpmath.exp,
        "_sigmoid_pair": lambda z: 1 / (1 + mpmath.exp(-z)),
        "_sigmoid_prime_pair": lambda z: mpmath.exp(-abs(z)) / (1 + mpmath.exp(-abs(z))) ** 2,
        "_softplus_pair": lambda z: mpmath.log1p(mpmath.exp(z)),
        "_tanh_softplus_pair": lambda z: mpmath.tanh(mpmath.log1p(mpmath.exp(z))),
        "_sin_pair": mpmath.sin,
        "_cos_pair": mpmath.cos,
    }[helper]
    rng = np.random.default_rng(7)
    uh = np.concatenate(
        [rng.uniform(-40, 40, 1500), rng.uniform(-600, 600, 500), rng.uniform(-1e-3, 1e-3, 300), [0.0, -0.0]]
    )
    ul = uh * rng.uniform(-1, 1, uh.size) * 2.0**-53
    if helper in ("_sin_pair", "_cos_pair"):  # both from one _sin_cos_pair call
        sh, sl, ch, cl = kernels.sin_cos_pair(uh, ul)
        h, lo = (sh, sl) if helper == "_sin_pair" else (ch, cl)
    else:
        h, lo = getattr(kernels, helper[1:])(uh, ul)
    # softplus: NumPy's log1p of E = exp(-|u|) is the floor (1 ULP where the result is below 1)
    bits = 52 if helper == "_softplus_pair" else 56
    with mpmath.workdps(50):
        for i in range(uh.size):
            want = truth(mpmath.mpf(uh[i]) + mpmath.mpf(ul[i]))
            got = mpmath.mpf(h[i]) + mpmath.mpf(lo[i])
            assert abs(got - want) <= abs(want) * mpmath.mpf(2) ** -bits, (uh[i], ul[i], got, want)


@pytest.mark.parametrize(
    ("kernel", "ulps"),
    [("tanh_softplus", 3.1), ("mul_sigmoid", 2.0), ("mul_tanh_softplus", 3.5), ("mul_exp", 1.5)],
)
def test_one_exp_kernels_are_accurate(kernel: str, ulps: float) -> None:
    """The one-exp kernels against mpmath, on a draw that spans the clamp of tanh_softplus at 20 and the
    scaled branch of the products below u = -600 (measured maxima: 3.05, 1.89, 3.41 and 1.0 ULP)."""
    from symact.codegen import kernels

    def tsp(z: mpmath.mpf) -> mpmath.mpf:
        return mpmath.tanh(mpmath.log1p(mpmath.exp(z)))

    truth = {
        "tanh_softplus": tsp,
        "mul_sigmoid": lambda a, z: a / (1 + mpmath.exp(-z)),
        "mul_tanh_softplus": lambda a, z: a * tsp(z),
        "mul_exp": lambda a, z: a * mpmath.exp(z),
    }[kernel]
    rng = np.random.default_rng(11)
    u = np.concatenate(
        [
            rng.uniform(-40, 40, 1500),
            rng.uniform(-1, 1, 300),
            rng.uniform(18, 22, 300),
            rng.uniform(-745, -560, 300),
            [0.0, 20.0, np.nextafter(20.0, 0.0), -600.0, np.nextafter(-600.0, 0.0)],
        ]
    )
    args = (u,) if kernel == "tanh_softplus" else (u - 1.0, u)
    got = getattr(kernels, kernel)(*args)
    tiny = np.finfo(np.float64).tiny
    with mpmath.workdps(60):
        for i, gv in enumerate(got):
            want = truth(*(mpmath.mpf(float(a[i])) for a in args))
            w = float(want)
            # a subnormal or zero truth: the absolute error, in units of the smallest subnormal
            allowed = ulps * np.spacing(abs(w)) if abs(w) >= tiny else 1.5 * 2.0**-1074
            assert abs(mpmath.mpf(float(gv)) - want) <= allowed, (kernel, u[i], gv, w)


@pytest.mark.parametrize("name", ["silu", "gelu_tanh"])
def test_sigmoid_type_derivatives_are_rounded_once(name: str) -> None:
    """f' = sums of products of sigmoid, sigmoid' and polynomials, evaluated in pairs: <= 2 ULP (was 5)."""
    import symact
    from symact.numeric.truth import compile_mp, truth_point

    fn = symact.get(name).numpy(derivative=1)
    truth = compile_mp(sympy.diff(symact.get(name).expr, x))
    xs = np.linspace(-10, 10, 4001) + 1e-3  # off the grid's round numbers
    got = fn(xs)
    for xv, gv in zip(xs, got):
        want = truth_point(truth, float(xv), [(53, -1074, 1024)])[0]
        assert abs(gv - want) <= 2 * np.spacing(abs(want)), (name, xv, gv, want)


def test_sinc_derivative_is_accurate_next_to_its_far_zeros() -> None:
    """sinc' = cos x/x - sin x/x**2 cancels at every root of tan x = x; in pairs it does not (was 47 ULP at -48.67)."""
    import symact
    from symact.numeric.truth import compile_mp, truth_point

    fn = symact.get("sinc").numpy(derivative=1)
    truth = compile_mp(sympy.diff(symact.get("sinc").expr, x))
    xs = []
    with mpmath.workdps(40):
        for k in (3, 15, 60, 300, 3000, 30000):
            root = float(
                mpmath.findroot(lambda t: mpmath.tan(t) - t, (k + 0.5) * mpmath.pi - 1 / ((k + 0.5) * mpmath.pi))
            )
            for r in (root, -root):
                xs += [
                    r,
                    float(np.nextafter(r, 0)),
                    float(np.nextafter(r, np.inf)),
                    r * (1 + 1e-12),
                    r * (1 - 1e-9),
                    r + 1e-6,
                ]
    got = fn(np.array(xs))
    for xv, gv in zip(xs, got):
        want = truth_point(truth, xv, [(53, -1074, 1024)])[0]
        assert abs(gv - want) <= 2 * np.spacing(abs(want)), (xv, gv, want)


def test_no_limit_at_infinity_gives_nan_there() -> None:
    """sin has no limit at ±oo: its value at ±inf is nan (it was patched to sin(±10**400))."""
    import symact

    for name in ("sinusoid",):
        got = symact.get(name).numpy()(np.array([np.inf, -np.inf, 1.0]))
        assert np.isnan(got[0]) and np.isnan(got[1]) and got[2] == np.sin(1.0), (name, got)
    # and where the limit exists, the patched value is it
    assert list(symact.get("sinc").numpy()(np.array([np.inf, -np.inf]))) == [0.0, 0.0]


def test_exp_of_an_affine_argument_keeps_its_accuracy_far_out() -> None:
    """exp((x + 3/2)/3): the shifted and scaled argument is carried in double-double (was 140 ULP at x = -830)."""
    import symact
    from symact.validation.scalar import validate

    d = sympy.diff(sympy.log(sympy.exp(x / 3 + Rational(1, 2)) + 2), x)
    rep = validate(symact.define(d, name="g"), size="quick")
    r = rep.get("float64", 0)
    assert r.wrong == 0 and r.max_ulp_normal <= 4, r.line()
