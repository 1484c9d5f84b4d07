"""Activations under Gaussian input: certified quadrature, moments, gains, SELU's constants, the edge of chaos.

Every certified number is checked against an independent plain-mpmath quadrature at 40+ digits
(``mpmath.quad`` in a local ``workdps`` context, integrands written with mpmath's own functions);
every exact value against a value derived by hand.
"""

from __future__ import annotations

import json
from fractions import Fraction

import mpmath
import pytest
import sympy
from sympy import Rational, exp, sqrt

import symact
from symact.analysis.gaussian import (
    PYTORCH_GAINS,
    critical_curve,
    edge_of_chaos,
    fixed_point,
    gaussian,
    self_normalizing,
    variance_map,
)
from symact.core.unknown import Unknown
from symact.definition.activation import x
from symact.numeric.quadrature import Certified, QuadratureError, gaussian_expectation, growth

DPS = 45


def _phi_quad(g, mu=0, sigma=1):
    """E[g(mu + sigma Z)] by mpmath.quad at DPS digits, the line split at 0 (in z)."""
    with mpmath.workdps(DPS):
        mu, sigma = mpmath.mpf(mu), mpmath.mpf(sigma)

        def h(z):
            return g(mu + sigma * z) * mpmath.exp(-(z**2) / 2)

        return mpmath.quad(h, [-mpmath.inf, -4, 0, 4, mpmath.inf]) / mpmath.sqrt(2 * mpmath.pi)


def _close(enclosure: Certified, truth, digits: int = 30) -> None:
    """The enclosure has >= digits correct digits and agrees with truth to 10**-(digits+2) relative."""
    assert enclosure.digits >= digits, enclosure
    with mpmath.workdps(DPS):
        mid = mpmath.mpf(enclosure.midpoint.numerator) / enclosure.midpoint.denominator
        assert abs(mid - truth) <= abs(truth) * mpmath.mpf(10) ** -(digits + 2), (mid, truth)


# -- independent mpmath definitions (written by hand, not from the catalog) -------------------


def _sigmoid(t):
    return 1 / (1 + mpmath.exp(-t))


def _softplus(t):
    return mpmath.log1p(mpmath.exp(t)) if t < 0 else t + mpmath.log1p(mpmath.exp(-t))


INDEPENDENT = {
    # name: (f, f')
    "tanh": (mpmath.tanh, lambda t: mpmath.sech(t) ** 2),
    "sigmoid": (_sigmoid, lambda t: _sigmoid(t) * (1 - _sigmoid(t))),
    "gelu": (lambda t: t * mpmath.ncdf(t), lambda t: mpmath.ncdf(t) + t * mpmath.npdf(t)),
    "gelu_tanh": (
        lambda t: t / 2 * (1 + mpmath.tanh(mpmath.sqrt(2 / mpmath.pi) * (t + mpmath.mpf(8943) / 200000 * t**3))),
        lambda t: mpmath.diff(
            lambda u: u / 2 * (1 + mpmath.tanh(mpmath.sqrt(2 / mpmath.pi) * (u + mpmath.mpf(8943) / 200000 * u**3))),
            t,
        ),
    ),
    "silu": (lambda t: t * _sigmoid(t), lambda t: _sigmoid(t) * (1 + t * (1 - _sigmoid(t)))),
    "mish": (
        lambda t: t * mpmath.tanh(_softplus(t)),
        lambda t: mpmath.tanh(_softplus(t)) + t * mpmath.sech(_softplus(t)) ** 2 * _sigmoid(t),
    ),
    "softplus": (_softplus, _sigmoid),
}


SLOW = {"gelu", "mish"}  # about 10-25 s each on a loaded machine (SymPy's erf integrals time out first)


@pytest.mark.parametrize(
    "name", [pytest.param(n, marks=pytest.mark.slow) if n in SLOW else n for n in sorted(INDEPENDENT)]
)
def test_certified_moments_match_mpmath(name):
    f, df = INDEPENDENT[name]
    g = gaussian(symact.get(name))
    for quantity, integrand in (
        (g.second_moment, lambda t: f(t) ** 2),
        (g.second_slope, lambda t: df(t) ** 2),
    ):
        assert quantity.enclosure is not None, quantity
        _close(quantity.enclosure, _phi_quad(integrand))
    with mpmath.workdps(DPS):
        fwd = 1 / mpmath.sqrt(_phi_quad(lambda t: f(t) ** 2))
    _close(g.forward_gain.enclosure, fwd)
    mean = _phi_quad(f)
    if g.mean.exact is not None:  # tanh: 0 by oddness; gelu: a closed form
        with mpmath.workdps(DPS):
            assert abs(mpmath.mpf(sympy.N(g.mean.exact, DPS)) - mean) < mpmath.mpf(10) ** -35
    else:
        _close(g.mean.enclosure, mean)


def test_issue_figures():
    """The one-layer variance-preserving gains the issue quotes."""
    assert gaussian(symact.get("tanh")).forward_gain.enclosure.decimal(5) == "1.5925"
    assert gaussian(symact.get("sigmoid")).forward_gain.enclosure.decimal(5) == "1.8462"
    assert gaussian(symact.get("gelu")).forward_gain.enclosure.decimal(5) == "1.5335"


# -- exact values -------------------------------------------------------------------------------


def test_relu_exact():
    g = gaussian(symact.get("relu"))
    # E[relu(Z)] = int_0^oo z phi = 1/sqrt(2 pi); E[relu^2] = 1/2; relu' = 1 on z > 0
    assert sympy.simplify(g.mean.exact - 1 / sqrt(2 * sympy.pi)) == 0
    assert g.second_moment.exact == Rational(1, 2)
    assert g.second_slope.exact == Rational(1, 2)
    assert g.forward_gain.exact == sqrt(2)
    assert g.backward_gain.exact == sqrt(2)
    assert g.pytorch is not None and g.pytorch.agrees is True


def test_identity_exact():
    g = gaussian(symact.get("identity"))
    assert (g.mean.exact, g.second_moment.exact, g.forward_gain.exact, g.backward_gain.exact) == (0, 1, 1, 1)


def test_leaky_relu_symbolic_gain():
    act = symact.get("leaky_relu")
    a = act.params[0].symbol  # the catalog's own parameter symbol
    g = gaussian(act, symbolic=["negative_slope"])
    assert g.forward_gain.exact.free_symbols == {a}
    assert sympy.simplify(g.forward_gain.exact - sqrt(2 / (1 + a**2))) == 0
    assert sympy.simplify(g.second_moment.exact - (1 + a**2) / 2) == 0
    assert g.pytorch is not None and g.pytorch.agrees is True


@pytest.mark.parametrize("mu, sigma", [(0, 1), (Rational(1, 2), Rational(3, 2))])
def test_relu_moments_under_shifted_gaussian(mu, sigma):
    """E[relu(mu + sigma Z)^2] = (mu^2 + sigma^2) Phi(mu/sigma) + mu sigma phi(mu/sigma) (by hand)."""
    g = gaussian(symact.get("relu"), mu=mu, sigma=sigma)
    with mpmath.workdps(DPS):
        m, s = mpmath.mpf(mu), mpmath.mpf(sigma)
        truth = (m**2 + s**2) * mpmath.ncdf(m / s) + m * s * mpmath.npdf(m / s)
        got = mpmath.mpf(sympy.N(g.second_moment.exact, DPS))
        assert abs(got - truth) < mpmath.mpf(10) ** -40


def _elu_hand(alpha, scale):
    """SELU/ELU moments by hand: E[e^Z; Z < 0] = e^(1/2) Phi(-1), E[e^2Z; Z < 0] = e^2 Phi(-2)."""
    with mpmath.workdps(DPS):
        a, s = mpmath.mpf(alpha), mpmath.mpf(scale)
        e1 = mpmath.exp(mpmath.mpf(1) / 2) * mpmath.ncdf(-1)
        e2 = mpmath.exp(2) * mpmath.ncdf(-2)
        mean = s * (1 / mpmath.sqrt(2 * mpmath.pi) + a * (e1 - mpmath.mpf(1) / 2))
        second = s**2 * (mpmath.mpf(1) / 2 + a**2 * (e2 - 2 * e1 + mpmath.mpf(1) / 2))
        slope = s * (mpmath.mpf(1) / 2 + a * e1)
        slope2 = s**2 * (mpmath.mpf(1) / 2 + a**2 * e2)
        return mean, second, slope, slope2


@pytest.mark.parametrize("name", ["elu", "selu"])
def test_elu_selu_closed_forms(name):
    act = symact.get(name)
    g = gaussian(act)
    if name == "elu":
        alpha, scale = 1, 1
    else:  # the catalog's 32-digit constants, read from its definition
        scale = act.expr.args[0] if act.expr.args[0].is_Rational else act.expr.args[1]
        alpha = -act.expr.subs(x, -sympy.oo) / scale
    truths = _elu_hand(alpha, scale)
    for q, truth in zip((g.mean, g.second_moment, g.mean_slope, g.second_slope), truths):
        assert q.exact is not None and not q.exact.has(sympy.Integral), q
        with mpmath.workdps(DPS):
            assert abs(mpmath.mpf(sympy.N(q.exact, DPS)) - truth) < mpmath.mpf(10) ** -38
    assert g.variance.exact is not None


def test_binary_step_has_no_backward_gain():
    g = gaussian(symact.get("binary_step"))
    assert g.second_slope.exact == 0  # the a.e. derivative
    assert isinstance(g.backward_gain.value, Unknown)
    assert g.forward_gain.exact == sqrt(2)
    assert any("jump" in n for n in g.notes)


def test_records_serialize():
    g = gaussian(symact.get("tanh"))
    data = json.loads(json.dumps(g.to_dict()))
    assert data["second_moment"]["enclosure"]["value"].startswith("0.39429449039784117441645977244411956")
    assert data["mean"]["exact"] == "0"
    assert "1.5925" in str(g)


# -- PyTorch's table, asserted against PyTorch --------------------------------------------------


@pytest.mark.parametrize("name", sorted(PYTORCH_GAINS))
def test_pytorch_table_against_torch(name):
    torch_init = pytest.importorskip("torch.nn.init", reason="needs torch (pip install torch)")
    nonlinearity, gain = PYTORCH_GAINS[name]
    for param in (None, 0.2) if name == "leaky_relu" else (None,):
        symbols = {p.symbol: Rational(1, 100) if param is None else Rational(1, 5) for p in symact.get(name).params}
        value = gain.subs(symbols)
        expected = torch_init.calculate_gain(nonlinearity, param)
        assert abs(float(value) - expected) <= 1e-15 * expected


def test_pytorch_differences_explained():
    tanh = gaussian(symact.get("tanh")).pytorch
    assert tanh is not None and tanh.agrees is False and tanh.gain == Rational(5, 3)
    assert "1.5925" in tanh.explanation
    selu = gaussian(symact.get("selu")).pytorch
    assert selu is not None and selu.agrees is False


# -- self-normalizing parameters ------------------------------------------------------------------


def test_selu_constants_derived():
    scale = sympy.Symbol("scale", positive=True)
    sn = self_normalizing(scale * symact.get("elu").template, ["alpha", "scale"])
    alpha, lam = sn.values["alpha"], sn.values["scale"]
    assert alpha.enclosure.digits >= 30 and lam.enclosure.digits >= 30
    assert alpha.enclosure.decimal(32) == "1.6732632423543772848170429916717"
    assert lam.enclosure.decimal(32) == "1.0507009873554804934193349852946"
    assert alpha.exact is not None and lam.exact is not None  # closed forms, from SymPy
    # independent: mean 0 and variance 1 at the derived values, by hand
    with mpmath.workdps(DPS):
        a = mpmath.mpf(alpha.enclosure.midpoint.numerator) / alpha.enclosure.midpoint.denominator
        s = mpmath.mpf(lam.enclosure.midpoint.numerator) / lam.enclosure.midpoint.denominator
        mean, second, _, _ = _elu_hand(a, s)
        assert abs(mean) < mpmath.mpf(10) ** -40 and abs(second - 1) < mpmath.mpf(10) ** -40


def test_self_normalizing_bad_input():
    with pytest.raises(ValueError, match="two unknown"):
        self_normalizing(symact.get("elu"), ["alpha"])
    with pytest.raises(ValueError, match="'beta' is not a parameter"):
        self_normalizing(x * sympy.Symbol("a"), ["a", "beta"])


# -- the edge of chaos ----------------------------------------------------------------------------


def test_edge_of_chaos_exact_at_zero_bias():
    # tanh: f(0) = 0 and f'(0) = 1, so chi_1 = sigma_w^2 at q* = 0: sigma_w = 1
    tanh = edge_of_chaos(symact.get("tanh"))
    assert tanh.sigma_w.exact == 1 and tanh.q_star.exact == 0
    # relu: homogeneous, E[relu'(z)^2] = 1/2, chi_1 = sigma_w^2 / 2: sigma_w^2 = 2
    relu = edge_of_chaos(symact.get("relu"))
    assert relu.sigma_w.exact**2 == 2


def test_edge_of_chaos_needs_a_proof_that_zero_attracts():
    """SiLU: f(0) = 0 and f'(0) = 1/2, but f'(x) > 1/2 for x > 0, so |f(u)| <= |u|/2 fails (f(2) > 1): no claim."""
    silu = edge_of_chaos(symact.get("silu"))
    assert isinstance(silu.sigma_w.value, Unknown) and "not proved" in silu.sigma_w.unknown.reason


def _tanh_critical_point(sb):
    """(q*, sigma_w) with plain mpmath: q = E[tanh^2]/E[sech^4] + sb^2 by findroot, at 40 digits."""
    with mpmath.workdps(DPS):

        def moments(q):
            s = mpmath.sqrt(q)
            a = _phi_quad(lambda t: mpmath.tanh(s * t) ** 2)
            b = _phi_quad(lambda t: mpmath.sech(s * t) ** 4)
            return a, b

        def residual(q):
            a, b = moments(q)
            return q - a / b - mpmath.mpf(sb) ** 2

        q = mpmath.findroot(residual, (mpmath.mpf(1) / 4, mpmath.mpf(1)), solver="secant", tol=mpmath.mpf(10) ** -42)
        return q, 1 / mpmath.sqrt(moments(q)[1])


@pytest.mark.parametrize("sb", [Rational(1, 10), Rational(3, 10), Rational(1, 2)])
def test_tanh_critical_curve_against_mpmath(sb):
    (point,) = critical_curve(symact.get("tanh"), [sb])
    q, sw = _tanh_critical_point(sb)
    _close(point.q_star.enclosure, q)
    _close(point.sigma_w.enclosure, sw)


@pytest.mark.slow  # about 15 s: mpmath's quadrature of erf at 45 digits, some 20 times
def test_gelu_critical_curve_falls_with_sigma_b_as_mpmath_finds():
    """GELU (f(0) = 0 but |f'| exceeds f'(0) = 1/2, so no point at sigma_b = 0): q - E[f^2]/E[f'^2] grows
    with q while E[f'(sqrt(q) z)^2] grows too, so the critical sigma_w falls as sigma_b grows. Each point
    against plain mpmath (GELU written by hand, findroot from a bracket read off a coarse scan)."""

    def gelu(t):
        return t * (1 + mpmath.erf(t / mpmath.sqrt(2))) / 2

    def slope(t):
        return (1 + mpmath.erf(t / mpmath.sqrt(2))) / 2 + t * mpmath.exp(-(t**2) / 2) / mpmath.sqrt(2 * mpmath.pi)

    points = critical_curve(symact.get("gelu"), [Rational(1, 4), Rational(1, 2)])
    for point, bracket in zip(points, [(Rational(9, 10), Rational(19, 20)), (Rational(63, 10), Rational(13, 2))]):
        with mpmath.workdps(DPS):

            def moments(q):
                s = mpmath.sqrt(q)
                return _phi_quad(lambda t: gelu(s * t) ** 2), _phi_quad(lambda t: slope(s * t) ** 2)

            def residual(q, sb=point.sigma_b):
                a, b = moments(q)
                return q - a / b - mpmath.mpf(sb) ** 2

            lo, hi = (mpmath.mpf(v.p) / v.q for v in map(sympy.Rational, bracket))
            q = mpmath.findroot(residual, (lo, hi), solver="secant", tol=mpmath.mpf(10) ** -42)
            sw = 1 / mpmath.sqrt(moments(q)[1])
        _close(point.q_star.enclosure, q)
        _close(point.sigma_w.enclosure, sw)
    assert points[1].sigma_w.enclosure.upper < points[0].sigma_w.enclosure.lower  # it falls


@pytest.mark.parametrize("sw, sb", [(1, 1), (Rational(6, 5), Rational(1, 3))])
def test_relu_fixed_point_exact(sw, sb):
    """ReLU: V(q) = sw^2 q / 2 + sb^2, so q* = sb^2 / (1 - sw^2 / 2) and chi_1 = sw^2 / 2 (by hand)."""
    sw, sb = sympy.sympify(sw), sympy.sympify(sb)
    fp = fixed_point(symact.get("relu"), sw, sb)
    assert sympy.simplify(fp.q_star.exact - sb**2 / (1 - sw**2 / 2)) == 0
    assert fp.chi1.exact == sw**2 / 2
    assert sympy.simplify(variance_map(symact.get("relu"), 3, sw, sb).exact - (sw**2 * 3 / 2 + sb**2)) == 0


def test_relu_without_fixed_point():
    fp = fixed_point(symact.get("relu"), 2, 1)
    assert isinstance(fp.q_star.value, Unknown) and "grows without bound" in fp.q_star.unknown.reason


@pytest.mark.parametrize("sw, sb", [(2, 0), (1, Rational(1, 2))])
def test_tanh_fixed_point_against_mpmath(sw, sb):
    fp = fixed_point(symact.get("tanh"), sw, sb)
    with mpmath.workdps(DPS):

        def residual(q):
            return sw**2 * _phi_quad(lambda t: mpmath.tanh(mpmath.sqrt(q) * t) ** 2) + mpmath.mpf(sb) ** 2 - q

        q = mpmath.findroot(residual, (mpmath.mpf(1) / 2, mpmath.mpf(2)), solver="secant", tol=mpmath.mpf(10) ** -42)
        chi = sw**2 * _phi_quad(lambda t: mpmath.sech(mpmath.sqrt(q) * t) ** 4)
    _close(fp.q_star.enclosure, q)
    _close(fp.chi1.enclosure, chi)


def test_tanh_fixed_point_at_zero():
    """sigma_w < 1, sigma_b = 0: tanh(sqrt(q) z)^2 < q z^2 makes V(q) < q, so q* = 0; chi_1 = sigma_w^2 f'(0)^2."""
    fp = fixed_point(symact.get("tanh"), Rational(1, 2), 0)
    assert fp.q_star.exact == 0 and fp.chi1.exact == Rational(1, 4)


def test_hard_tanh_critical_point_against_mpmath():
    """A kinked activation (breakpoints at +-1): E[f'(sz)^2] = erf(1/(s sqrt 2)), E[f(sz)^2] by mpmath.quad."""
    sb = Rational(1, 4)
    (point,) = critical_curve(symact.get("hard_tanh"), [sb])
    with mpmath.workdps(DPS):

        def moments(q):
            s = mpmath.sqrt(q)
            c = 1 / s
            inside = mpmath.quad(lambda t: (s * t) ** 2 * mpmath.npdf(t), [-c, 0, c])
            return inside + 2 * mpmath.ncdf(-c), mpmath.erf(c / mpmath.sqrt(2))

        def residual(q):
            a, b = moments(q)
            return q - a / b - mpmath.mpf(sb) ** 2

        q = mpmath.findroot(residual, (mpmath.mpf(1) / 4, mpmath.mpf(1)), solver="secant", tol=mpmath.mpf(10) ** -42)
        sw = 1 / mpmath.sqrt(moments(q)[1])
    _close(point.q_star.enclosure, q)
    _close(point.sigma_w.enclosure, sw)


def test_quadrature_with_an_enclosure_for_sigma():
    """With sigma in [199/100, 201/100] the enclosure holds E over the whole range (kinks at +-1: in x)."""
    got = gaussian_expectation([0, 1, 0], [-1, 1], 0, Certified(Fraction(199, 100), Fraction(201, 100)), digits=1)
    with mpmath.workdps(DPS):
        for s in (mpmath.mpf(199) / 100, 2, mpmath.mpf(201) / 100):
            value = mpmath.erf(1 / (s * mpmath.sqrt(2)))
            assert got.lower <= Fraction(mpmath.nstr(value, 44)) <= got.upper


# -- the certified quadrature ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "pieces, breaks, mu, sigma, truth",
    [
        ([x**4], [], 0, 1, lambda: mpmath.mpf(3)),
        ([exp(x)], [], Rational(1, 3), 2, lambda: mpmath.exp(mpmath.mpf(1) / 3 + 2)),  # exp(mu + sigma^2/2)
        ([0, x], [1], 0, 1, lambda: mpmath.npdf(1)),  # E[Z; Z > 1] = phi(1)
        ([sympy.Integer(1), sympy.Integer(0)], [-1], 0, 1, lambda: mpmath.ncdf(-1)),
        ([sympy.log(1 + exp(x))], [], -3, Rational(1, 2), None),
    ],
)
def test_quadrature_hand_values(pieces, breaks, mu, sigma, truth):
    got = gaussian_expectation(pieces, breaks, mu, sigma)
    if truth is None:
        f = sympy.lambdify(x, pieces[0], "mpmath")
        value = _phi_quad(f, mu, sigma)
    else:
        with mpmath.workdps(DPS):
            value = truth()
    _close(got, value)
    with mpmath.workdps(DPS):
        assert got.lower <= Fraction(mpmath.nstr(value, 44)) + Fraction(1, 10**40)


@pytest.mark.parametrize("k", [40, 320, 400, 5000])
def test_an_enclosure_of_zero_prints_its_exponent(k):
    """Widths below the smallest float (10^-324) included: they are not 0 (soft shrink's critical point hit it)."""
    assert Certified(Fraction(-1, 10**k), Fraction(3, 10**k)).decimal() == f"0e-{k - 1}"


def test_quadrature_refuses_what_it_cannot_bound():
    with pytest.raises(QuadratureError, match="growth"):
        gaussian_expectation([exp(x**2)])
    with pytest.raises(QuadratureError, match="LambertW"):
        gaussian_expectation([sympy.LambertW(x**2)])


def test_growth_certificates():
    g = growth(x * sympy.tanh(x), Fraction(2))
    assert (g.C, g.p, g.a) == (1, 1, 0)
    g = growth(exp(2 * x) + x**3, Fraction(1))
    assert g.a == 2 and g.p == 3


def test_quadrature_refuses_text_and_floats():
    with pytest.raises(TypeError, match="text is not parsed"):
        gaussian_expectation(["__import__('os').system('true')"])
    with pytest.raises(TypeError, match="floats are not exact"):
        gaussian_expectation([x], [], 0.5)


def test_bad_inputs():
    with pytest.raises(ValueError, match="sigma must be positive"):
        gaussian(symact.get("relu"), sigma=0)
    with pytest.raises(TypeError):
        gaussian(None)
    with pytest.raises(ValueError, match="no parameter 'a'"):
        gaussian(symact.get("relu"), symbolic=["a"])
    with pytest.raises(ValueError, match="sigma_b"):
        edge_of_chaos(symact.get("tanh"), -1)


# -- the whole catalog ----------------------------------------------------------------------------


#: Split points of mpmath.quad: every breakpoint of the catalog is among them (typed here, not read from symact).
SPLITS = (-6, -3, -1, Rational(-1, 2), 0, Rational(1, 2), 1, 3, 6)


def _catalog_quad(expr, power):
    f = sympy.lambdify(x, expr, "mpmath")
    with mpmath.workdps(DPS):
        ends = [-mpmath.inf, *(mpmath.mpf(s.p) / s.q if isinstance(s, Rational) else mpmath.mpf(s) for s in SPLITS)]
        return mpmath.quad(lambda z: f(z) ** power * mpmath.npdf(z), [*ends, mpmath.inf])


def _value(q):
    with mpmath.workdps(DPS):
        if q.exact is not None:
            return mpmath.mpf(sympy.N(q.exact, DPS))
        return mpmath.mpf(q.enclosure.midpoint.numerator) / q.enclosure.midpoint.denominator


@pytest.mark.slow
@pytest.mark.parametrize("name", symact.names())
def test_every_catalog_entry(name):
    """Moments and gains or an Unknown with its reason; E[f] and E[f^2] against plain mpmath at 45 digits."""
    act = symact.get(name)
    g = gaussian(act)
    for q in g.quantities():
        if q.known:
            enc = q.enclosure  # 30 correct digits, or (a value near 0) an absolute width below 1e-35
            assert enc is None or enc.digits >= 30 or enc.upper - enc.lower < Fraction(1, 10**35), q
        else:
            assert isinstance(q.unknown, Unknown) and q.unknown.reason, q
    json.dumps(g.to_dict())
    for q, power in ((g.mean, 1), (g.second_moment, 2)):
        assert q.known, q
        truth = _catalog_quad(act.expr, power)
        with mpmath.workdps(DPS):
            assert abs(_value(q) - truth) <= (abs(truth) + 1e-10) * mpmath.mpf(10) ** -30, (q, truth)


# -- the command line -----------------------------------------------------------------------------


def test_cli_init(capsys):
    from symact.cli import main

    assert main(["init", "relu"]) == 0
    out = capsys.readouterr().out
    assert "forward gain = sqrt(2)" in out and "calculate_gain('relu') = sqrt(2)" in out
    assert "edge of chaos at sigma_b = 0: sigma_w = sqrt(2)" in out
    assert main(["init", "leaky_relu", "--param", "negative_slope=1/5", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["second_moment"]["exact"] == "13/25"  # (1 + a^2)/2 at a = 1/5
    assert data["pytorch"]["agrees"] is True
    assert data["edge_of_chaos"]["q_star"]["exact"] == "0"
    assert main(["init", "softmax"]) == 2
    assert "vector activation" in capsys.readouterr().err
