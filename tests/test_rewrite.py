"""Tests of rewrite rules added after the first codegen tests (see also tests/test_codegen.py)."""

from __future__ import annotations

import mpmath
import numpy as np
import pytest
import sympy
from sympy import Rational, exp, log, oo

from symact import x
from symact.codegen import rewrite as rw
from symact.codegen.numpy import source, to_numpy

#: log(c + a exp(u)) for numbers a, c > 0: (a, c, u)
LOG_SUM_EXP_CONST = [
    (1, 2, x / 3 + Rational(1, 2)),
    (3, Rational(1, 5), x),
    (Rational(1, 7), 5, -2 * x),
    (sympy.sqrt(2), sympy.pi, x + 1),
]


@pytest.mark.parametrize(("a", "c", "u"), LOG_SUM_EXP_CONST)
def test_log_of_constant_plus_exp_becomes_softplus(a: sympy.Expr, c: sympy.Expr, u: sympy.Expr) -> None:
    old = log(c + a * exp(u))
    new = rw.apply_rules(old)
    assert new.has(rw.Softplus) and not new.has(exp)
    assert rw.proven_equal(new, old)


@pytest.mark.parametrize(("a", "c", "u"), LOG_SUM_EXP_CONST)
def test_log_of_constant_plus_exp_is_finite_and_accurate_far_out(a: sympy.Expr, c: sympy.Expr, u: sympy.Expr) -> None:
    expr = log(c + a * exp(u))
    f = to_numpy(expr)
    xs = np.array([-1e300, -1e6, -800.0, -30.0, -1.0, 0.0, 1.0, 30.0, 800.0, 1e6, 1e300])
    got = f(xs)
    assert np.all(np.isfinite(got))
    with mpmath.workdps(60):
        g = sympy.lambdify(x, expr, "mpmath")
        for xv, yv in zip(xs, got):
            want = g(mpmath.mpf(float(xv)))
            assert abs(yv - want) <= 4 * np.spacing(abs(float(want))), (xv, yv, want)


def test_log_of_difference_is_not_rewritten() -> None:
    # log(2 - exp(x)) is not a softplus (a < 0): the rule must not fire
    assert not rw.apply_rules(log(2 - exp(x))).has(rw.Softplus)


# -- structural rules (issue 13): proved per branch, general shapes, none from the literature table ---------------


def _accurate(expr: sympy.Expr, xs: list[float], ulps: float = 4.0) -> None:
    """The generated float64 code of ``expr`` is within ``ulps`` of the correctly rounded truth at ``xs``."""
    from symact.numeric.rounding import ulp_error
    from symact.numeric.truth import truth

    a = np.array(xs)
    got, want = to_numpy(expr)(a), truth(expr, a)
    err, wrong = ulp_error(got, want)
    assert not wrong.any() and np.all(np.isfinite(want)), (expr, a[wrong], got[wrong], want[wrong])
    assert np.all(err <= ulps), (expr, a[err > ulps], got[err > ulps], want[err > ulps])


@pytest.mark.parametrize(
    "expr",
    [
        log(sympy.cosh(3 * x / 2 + 1)),  # log cosh: cosh overflows past |x| = 470
        log((2 + exp(x / 2)) / (1 + 3 * exp(x / 2 - 2))),  # a quotient: inf/inf far right, cancels far left
        log(1 + exp(x) + exp(3 * x)),  # three terms
        log(1 + exp(3 * x)) / 3,  # 3x overflows before log(1 + e**(3x))/3 does
    ],
)
def test_log_of_exponential_sums_is_finite_and_accurate_far_out(expr: sympy.Expr) -> None:
    stable = rw.stabilize(expr).pieces[0].expr
    assert "log_exp_sum" in rw.stabilize(expr).applied and stable.has(rw.Softplus, rw.Log1p), stable
    _accurate(expr, [-1e300, -1e6, -800.0, -30.0, -1.5, -0.25, 0.5, 3.0, 30.0, 800.0, 1e6, 1e300])


@pytest.mark.parametrize(
    ("expr", "xs"),
    [
        # e**(x/2), x**2 e**x and their quotient overflow (inf/inf) where the value is ~e**(-x/2)/x: normal to 1400
        (x * exp(x / 2) / (2 + x**2 * exp(x)), [-800.0, -30.0, -1.0, 0.5, 30.0, 800.0, 1000.0, 1400.0]),
        # e**(-2x) overflows for x < -355 while the value is ~e**(2x)/x, normal down to -350
        ((x - 1) / (3 + x**2 * exp(-2 * x)), [-350.0, -300.0, -40.0, -1.0, 0.0, 2.0, 40.0, 1e100]),
    ],
)
def test_quotients_of_exponentials_are_scaled_far_out(expr: sympy.Expr, xs: list[float]) -> None:
    assert "exp_scale" in rw.stabilize(expr).applied
    _accurate(expr, xs)


def test_one_minus_a_sigmoid_is_the_sigmoid_of_the_opposite() -> None:
    # x (1 - sigmoid(x)): 1 - sigmoid(x) rounds to 0 past x = 36.7 while the value is x e**-x, normal to 700
    expr = x * (1 - 1 / (1 + exp(-x)))
    assert "sigmoid_complement" in rw.stabilize(expr).applied
    _accurate(expr, [-30.0, -1.0, 0.5, 20.0, 36.8, 40.0, 200.0, 700.0])


def test_a_polynomial_in_x_and_an_exponential_is_factored() -> None:
    # x**2 e**x + 2x e**(x/2) + 1 = (x e**(x/2) + 1)**2: the expanded sum cancels next to x = -2 (10 ULP there)
    expr = (x + 5) / (x**2 * exp(x) + 2 * x * exp(x / 2) + 1)
    stable = rw.stabilize(expr)
    assert "exp_factor" in stable.applied and stable.pieces[0].expr.has((x * exp(x / 2) + 1) ** -2)
    _accurate(expr, [-800.0, -40.0, -2.5, -2.1, -2.0, -1.9, -1.5, 0.3, 5.0, 40.0, 800.0], ulps=3.0)
    # exponentials growing on both sides are left alone (their factors would overflow where the sum need not)
    assert rw._rule_exp_factor(exp(x) + 2 + exp(-x)) is None
    assert rw._rule_exp_factor(x**2 + 4 * x * exp(-x / 3) + 4 * exp(-2 * x / 3)) == (x + 2 * exp(-x / 3)) ** 2


def test_a_product_with_a_subnormal_exponential_keeps_its_bits() -> None:
    # e**(2x) is subnormal below x = -354 while x**3 e**(2x) is normal down to -362: 21,886 ULP off at -360
    # when the exponential is rounded to a subnormal first
    expr = x**3 * exp(2 * x)
    assert "_mul_exp(" in source(expr)
    _accurate(expr, [-355.7, -360.0, -365.5, -400.0, -1.0, 3.0], ulps=1.0)


def test_quotients_of_powers_of_x_are_scaled_far_out() -> None:
    # x**4 overflows past 1.2e77: (x**3 cos(x) + 1)/(x**4 + 3) was 0 there (inf/inf = nan with x**4 cos(x)
    # upstairs); far out it is (cos(x) + x**-3)/(x (1 + 3 x**-4)), and the core keeps its double-double form
    expr = (x**3 * sympy.cos(x) + 1) / (x**4 + 3)
    assert "power_scale" in rw.stabilize(expr).applied
    _accurate(expr, [-1e300, -1e80, -3e6, -3.0, 0.0, 2.0, 1e6, 1e80, 1e300])
    d = sympy.diff(expr, x)
    _accurate(d, [-1e300, -1e80, -3e6, -3.0, 0.0, 2.0, 1e6, 1e80, 1e300])
    assert "_sin_cos_pair(" in source(d)  # the pairs still evaluate the core
    # a polynomial of a bounded function's argument is not bounded: x**2 sin(x**2) is left alone
    assert rw._rule_power_scale(x**2 * sympy.sin(x**2) / (x**2 + 1)) is None


@pytest.mark.parametrize("expr", [x * (1 - x / sympy.sqrt(x**2 + 4)) / 3, (2 + 2 * x / sympy.sqrt(x**2 + 1)) * x / 5])
def test_one_plus_x_over_hypot_neither_cancels_nor_overflows(expr: sympy.Expr) -> None:
    # k ± k u/sqrt(u**2 + c**2) cancels where ±u -> -oo (-0.0 at -3.9e8), and u (1 + u/hypot(u, c)) overflowed
    # at 1.7e308 where the value is finite: AddHypot with the constant folded in, and u/hypot(u, c) first
    assert "hypot_sums" in rw.stabilize(expr).applied
    _accurate(expr, [-1.7e308, -1e200, -3.9e8, -100.0, -1.0, 0.0, 1.0, 1e8, 1e200, 1.7e308], ulps=2.0)


def test_powers_of_a_sigmoid_are_multiplied_in_pairs_after_the_polynomial() -> None:
    # sigmoid(x)**2 rounds twice in float64 (up to 5 ULP with the other factors) and is subnormal below
    # x = -354 where x**3 sigmoid(x)**2 is normal: in double-double, x**3 first, then one sigmoid at a time
    expr = x**3 / (1 + exp(-x)) ** 2
    assert "_sigmoid_pair(" in source(expr)
    _accurate(expr, [-360.0, -355.7, -300.0, -5.48, -1.0, 0.5, 3.0, 30.0], ulps=1.0)


@pytest.mark.parametrize(
    ("expr", "xs"),
    [
        # exp(-3 e**(-x)): the argument's rounding times |3 e**(-x)| ~ 600 (332 ULP at -5.3 in plain double)
        ((x + 1) * exp(-3 * exp(-x)), [-5.3, -5.2, -5.0, -4.0, -1.0, 0.0, 2.0]),
        # (x e**(x/3) + 6/5)**-2: the sum cancels next to x = -3 and the square doubles it (7 ULP at -2.5)
        ((x + 3) / (x * exp(x / 3) + Rational(6, 5)) ** 2, [-3.5, -3.1, -3.0, -2.9, -2.5, 0.0, 5.0]),
    ],
)
def test_exponentials_of_exponentials_and_powers_of_sums_go_to_pairs(expr: sympy.Expr, xs: list[float]) -> None:
    assert "_exp_pair(" in source(expr)
    _accurate(expr, xs, ulps=1.0)


def test_a_constant_plus_a_cosine_keeps_its_double_zeros() -> None:
    # 2 - 2 cos(3x) has double zeros at 2 pi k/3: in plain double it is 0 or 1e-16-sized noise there
    # (5.5e10 ULP at 2 pi/3 + 1e-6); in pairs, sin and cos reduced in double-double, it is right
    expr = 2 - 2 * sympy.cos(3 * x)
    x0 = 2 * np.pi / 3
    assert "_sin_cos_pair(" in source(expr)
    _accurate(expr, [x0, x0 + 1e-6, x0 - 1e-4, 2 * x0 + 3e-5, -x0 + 1e-7, 0.3, 1e4 + 0.1], ulps=1.0)


def test_abs_split_removes_the_cancellation_at_minus_infinity() -> None:
    # 1 + x/(1 + |x|) = 1/(1 - x) for x < 0: no 1 - 1 + tiny
    expr = 1 + x / (1 + sympy.Abs(x))
    assert "abs_split" in rw.stabilize(expr).applied
    _accurate(expr, [-1e300, -1e20, -3.0, -0.5, 0.0, 0.5, 1e20])


def test_branches_are_proved_one_by_one() -> None:
    # every branch of a Piecewise (and every argument of Max, both signs of Abs) must be the same function
    assert rw.proven_equal(sympy.Piecewise((x, x < 0), (x, True)), x)
    assert not rw.proven_equal(sympy.Piecewise((x, x < 0), (x + 1, True)), x)
    assert not rw.proven_equal(sympy.Max(x, 0), x)
    # a Piecewise split at the sign of u may use Abs(u) = -u on its first branch, u on its second
    assert rw.proven_equal(sympy.Piecewise((-x / 2, x < 0), (x / 2, True)), sympy.Abs(x) / 2)
    assert not rw.proven_equal(sympy.Piecewise((x / 2, x < 0), (x / 2, True)), sympy.Abs(x) / 2)


def test_logarithms_are_compared_through_exp_only_where_both_sides_are_real() -> None:
    assert rw.proven_equal(x - log(2) + log(1 + exp(-2 * x)), log(sympy.cosh(x)))
    assert not rw.proven_equal(x - log(2) + log(1 + exp(-2 * x)) + 2 * sympy.pi * sympy.I, log(sympy.cosh(x)))


def test_regime_at_an_exact_zero_whose_enclosure_is_not_exactly_zero() -> None:
    from symact.codegen import series

    # log(1 + e**(x/2)) - log(2) at 0 is log(2) - log(2): an interval around 0, proved 0 by SymPy
    reg = series.certify(log(1 + exp(x / 2)) - log(2), 0.0, -0.25, 0.25, order=1)
    assert isinstance(reg, series.Regime) and reg.coeffs[0] == 0.0 and reg.bound <= 2.0**-60
    # not a zero: still refused
    assert not isinstance(series.certify(log(1 + exp(x / 2)) - log(3), 0.0, -0.25, 0.25, order=1), series.Regime)


def test_limit_at_infinity_where_mpmath_overflows() -> None:
    from symact.numeric.truth import truth, truth_at_infinity

    expr = 1 + exp(x) / sympy.cosh(exp(x))  # cosh(e**(10**400)) is beyond mpmath
    assert truth_at_infinity(expr, 1) == 1.0 and truth_at_infinity(expr, -1) == 1.0
    assert truth(expr, np.array([np.inf]))[0] == 1.0


def test_overflow_sides_see_through_the_affine_rule() -> None:
    """exp(x/3 - 1/2) is printed as exp(Affine(x, 3/2, 1/3)) by then: it still overflows at +oo."""
    from symact.codegen.rewrite import _overflow_sides
    from symact.definition.primitives import Affine

    u = Affine(x, Rational(3, 2), Rational(1, 3))
    assert _overflow_sides(2 * x + exp(u) / (exp(u) + 3), -oo, oo) == frozenset({1})
    assert _overflow_sides(2 * x + exp(-u) / (exp(-u) + 3), -oo, oo) == frozenset({-1})
    assert _overflow_sides(exp(u), -oo, 0) == frozenset()


def test_exp_of_a_double_double_keeps_the_overflow() -> None:
    """exp(uh + ul) with exp(uh) = inf is inf, whatever the sign of ul (inf - inf was nan)."""
    from symact.codegen.kernels import exp_dd

    with np.errstate(all="ignore"):  # as the generated functions run their kernels
        got = exp_dd(np.array([800.0, 800.0, -800.0, 1.0]), np.array([-1e-17, 1e-17, -1e-17, 2.0**-60]))
    assert got[0] == np.inf and got[1] == np.inf and got[2] == 0.0
    assert got[3] == np.exp(1.0) + np.exp(1.0) * 2.0**-60
