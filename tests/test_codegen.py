"""Tests of the rewrite stage (symact.codegen.rewrite) and of the generated NumPy code (symact.codegen.numpy)."""

from __future__ import annotations

import math
import warnings

import mpmath
import numpy as np
import pytest
import sympy
from sympy import Rational, erf, exp, log, sqrt, tanh

import symact
from symact.codegen import rewrite as rw
from symact.codegen.numpy import derivative_expr, source, to_numpy
from symact.definition.primitives import textbook
from symact.numeric.rounding import round_to
from symact.numeric.truth import truth_at_infinity

x = symact.x
ACTS = symact.all_activations()
IDS = [a.name for a in ACTS]
SPECIALS = np.array(
    [-np.inf, -1e308, -800.0, -40.0, -1.0, -1e-310, -0.0, 0.0, 1e-310, 1.0, 40.0, 800.0, 1e308, np.inf, np.nan]
)


# ---------------------------------------------------------------------------------------
# Rewrite rules: applied where they should be, refused where the check fails
# ---------------------------------------------------------------------------------------
u = sympy.Symbol("u", real=True)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (log(1 + exp(x)), rw.Softplus(x)),
        (log(1 + exp(-2 * x)), rw.Softplus(-2 * x)),
        (log(1 + x**2), rw.Log1p(x**2)),
        (3 * exp(x) - 3, 3 * rw.Expm1(x)),
        (1 + erf(x / 2), rw.Erfc(-x / 2)),
        (1 - erf(x), rw.Erfc(x)),
        (1 + tanh(x), 2 * rw.Sigmoid(2 * x)),
        (Rational(1, 2) - tanh(x) / 2, rw.Sigmoid(-2 * x)),
        (1 / (1 + exp(-x)), rw.Sigmoid(x)),
        (exp(-x) / (1 + exp(-x)) ** 2, rw.SigmoidPrime(x)),
        (rw.Sigmoid(x) * rw.Sigmoid(-x), rw.SigmoidPrime(x)),
        (tanh(log(1 + exp(x))), rw.TanhSoftplus(x)),
        (1 - tanh(x) ** 2, 4 * rw.SigmoidPrime(2 * x)),
        (sqrt(x**2 + 4), rw.Hypot(x, 2)),
        (x + sqrt(x**2 + 4), rw.AddHypot(x, 2)),
        (sqrt(x**2 + 1) - 1, rw.HypotM1(x, 1)),
        (x / 6 + Rational(1, 2), rw.Affine(x, -3, Rational(1, 6))),
    ],
)
def test_rule_applies_and_is_proven(old: sympy.Expr, new: sympy.Expr) -> None:
    book = rw.RewriteLog()
    got = rw.apply_rules(old, log_=book)
    assert got == new
    assert book.applied and not book.refused
    assert rw.proven_equal(got, old)


def test_rules_leave_stable_forms_alone() -> None:
    for e in (tanh(x), exp(x), x**2, sympy.atan(x), sympy.sin(x) / x):
        assert rw.apply_rules(e) == e


def test_unproven_candidate_is_refused() -> None:
    wrong = rw.Rule("wrong", lambda e: rw.Sigmoid(e.args[0]) if isinstance(e, sympy.tanh) else None)
    book = rw.RewriteLog()
    assert rw.apply_rules(tanh(x), (wrong,), log_=book) == tanh(x)
    assert [r[0] for r in book.refused] == ["wrong"]
    # a plausible but false identity: 1 + tanh(u) = 2 sigmoid(u) (the factor 2 in the argument is missing)
    assert not rw.proven_equal(2 * rw.Sigmoid(x), 1 + tanh(x))
    # when the prover gives up (here: it is told nothing is proven), nothing is applied
    book = rw.RewriteLog()
    assert rw.apply_rules(log(1 + exp(x)), check=lambda new, old: False, log_=book) == log(1 + exp(x))
    assert book.refused


def test_primitives_do_not_canonicalise_back() -> None:
    # sympy evaluates erfc(-z) to 2 - erfc(z); the stable node keeps its form
    assert sympy.erfc(-x) == 2 - sympy.erfc(x)
    assert rw.Erfc(-x).args == (-x,)
    assert textbook(rw.Sigmoid(x) + rw.Expm1(x)) == 1 / (1 + exp(-x)) + exp(x) - 1
    assert rw.proven_equal(rw.Sigmoid(-x), exp(-x) / (1 + exp(-x)))


def test_sign_split_sigmoid_identities() -> None:
    # the helper evaluates exp(-|u|)/(1 + exp(-|u|)) for u < 0 and 1/(1 + exp(-|u|)) for u >= 0
    neg = sympy.Symbol("n", negative=True)
    pos = sympy.Symbol("p", nonnegative=True)
    sig = lambda v: 1 / (1 + exp(-v))
    assert sympy.simplify(exp(-abs(neg)) / (1 + exp(-abs(neg))) - sig(neg)) == 0
    assert sympy.simplify(1 / (1 + exp(-abs(pos))) - sig(pos)) == 0
    # mish's factor: tanh(log(1 + e)) = e(2 + e)/(2 + e(2 + e))
    e = sympy.Symbol("e", positive=True)
    assert sympy.simplify(tanh(log(1 + e)).rewrite(exp) - e * (2 + e) / (2 + e * (2 + e))) == 0


def test_breakpoints_and_pieces() -> None:
    assert rw.breakpoints(symact.get("hard_silu").expr) == (-3, 3)
    assert rw.breakpoints(symact.get("celu").expr) == (0,)
    assert rw.breakpoints(sympy.diff(symact.get("relu6").expr, x)) == (0, 6)
    pcs = rw.pieces(symact.get("threshold").expr)
    assert [(p.lo, p.hi, p.hi_closed) for p in pcs] == [(-sympy.oo, 1, True), (1, sympy.oo, False)]
    # sinc: one formula, and the isolated point 0 with its exact value 1
    pcs = rw.pieces(sympy.sinc(x))
    assert any(p.is_point and p.lo == 0 and p.expr == 1 for p in pcs)


def test_stabilized_definitions_are_proven_equal_piecewise() -> None:
    for name in ("softplus", "log_sigmoid", "gelu", "gelu_tanh", "mish", "selu", "squareplus", "bent_identity"):
        expr = symact.get(name).expr
        for p in rw.stabilize(expr).pieces:
            if not p.is_point:
                assert rw.proven_equal(p.expr, p.raw), (name, p)


# ---------------------------------------------------------------------------------------
# Generated code
# ---------------------------------------------------------------------------------------
def test_source_of_softplus_and_elu() -> None:
    assert "np.logaddexp(0.0, x)" in source(symact.get("softplus"))
    src = source(symact.get("elu"))
    assert "np.minimum(x, 0.0)" in src and "np.expm1(x0)" in src
    for act in ACTS:
        assert "select" not in source(act)


def test_selu_constant_is_premultiplied_and_rounded_once() -> None:
    alpha = Rational("1.6732632423543772848170429916717")
    scale = Rational("1.0507009873554804934193349852946")
    src = source(symact.get("selu"))
    assert repr(round_to(alpha * scale)) in src
    assert repr(round_to(scale)) in src


def test_round_to_matches_numpy_float32_cast() -> None:
    rng = np.random.default_rng(0)
    xs = np.concatenate(
        [rng.standard_normal(3000) * 10.0 ** rng.integers(-45, 39, 3000), [3.4028235677973366e38, 1e-46]]
    )
    with np.errstate(over="ignore", under="ignore"):
        want = xs.astype(np.float32)
    got = np.array([round_to(mpmath.mpf(float(v)), 24, -149, 128) for v in xs], dtype=np.float64)
    with np.errstate(all="ignore"):
        assert np.array_equal(got.astype(np.float32), want)


@pytest.mark.parametrize("act", ACTS, ids=IDS)
def test_dtypes_shapes_and_no_warnings(act: symact.Activation) -> None:
    for d in (0, 1):
        f = to_numpy(act, d)
        assert to_numpy(act, d) is f  # cached
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            with np.errstate(all="raise"):  # the generated function must not rely on the caller's errstate
                for dt in (np.float32, np.float64, np.float16):
                    with np.errstate(all="ignore"):
                        xs = SPECIALS.astype(dt)
                    out = f(xs)
                    assert out.dtype == dt and out.shape == xs.shape
                    assert np.isnan(out[-1])  # nan in, nan out
                grid = f(np.linspace(-3, 3, 12).reshape(3, 4))
                assert grid.shape == (3, 4) and grid.dtype == np.float64
                row = f(np.linspace(-3, 3, 4)[None, :] + np.zeros((2, 1)))
                assert row.shape == (2, 4)
                s = f(0.5)
                assert isinstance(s, np.float64) and not isinstance(s, np.ndarray)
                assert isinstance(f(np.float32(0.5)), np.float32)
                assert f(np.array(0.5)).shape == ()
                assert f(2).dtype == np.float64 and f([1, 2]).dtype == np.float64
                assert f(np.array([], dtype=np.float32)).shape == (0,)


@pytest.mark.parametrize("act", ACTS, ids=IDS)
def test_infinities_follow_the_limits(act: symact.Activation) -> None:
    f = to_numpy(act)
    for side in (-1, 1):
        want = truth_at_infinity(act.expr, side)
        got = float(f(side * np.inf))
        if math.isnan(want):
            assert math.isnan(got)
        else:
            assert got == want or abs(got - want) <= 2 * np.spacing(abs(want)), (side, got, want)


def test_named_limits_and_nan() -> None:
    sig, relu = to_numpy(symact.get("sigmoid")), to_numpy(symact.get("relu"))
    assert sig(-np.inf) == 0.0 and sig(np.inf) == 1.0
    assert np.isnan(relu(np.nan)) and np.isnan(to_numpy(symact.get("binary_step"))(np.nan))
    assert to_numpy(symact.get("silu"))(-np.inf) == 0.0
    assert to_numpy(symact.get("softsign"))(np.inf) == 1.0
    assert to_numpy(symact.get("softplus"))(np.inf) == np.inf


def test_textbook_failures_are_fixed() -> None:
    softplus = to_numpy(symact.get("softplus"))
    assert softplus(1000.0) == 1000.0 and softplus(-40.0) == pytest.approx(4.248354255291589e-18, rel=1e-15)
    gelu = to_numpy(symact.get("gelu"))
    assert gelu(-10.0) != 0.0 and gelu(np.array([-10.0], dtype=np.float32)).dtype == np.float32
    elu = to_numpy(symact.get("elu"))
    assert elu(-1e-300) == -1e-300
    sig = to_numpy(symact.get("sigmoid"))
    assert sig(-740.0) > 0.0  # subnormal output, not flushed


def test_expression_input_and_errors() -> None:
    f = to_numpy(log(1 + exp(2 * x)))
    assert f(1000.0) == 2000.0
    assert to_numpy(x**2, derivative=1)(3.0) == 6.0
    with pytest.raises(ValueError, match="symact.x"):
        to_numpy(sympy.Symbol("y") ** 2)
    with pytest.raises(TypeError, match="real"):
        to_numpy(symact.get("relu"))(np.array([1j]))


def test_derivative_expr_is_the_symbolic_derivative() -> None:
    act = symact.get("softplus")
    assert sympy.simplify(derivative_expr(act) - sympy.diff(act.expr, x)) == 0
    assert derivative_expr(act, 0) == act.expr
    # the project's convention value at a kink (symact.analysis.calculus.derivative) is what is generated
    relu_d = to_numpy(symact.get("relu"), derivative=1)
    assert relu_d(0.0) == float(derivative_expr(symact.get("relu")).subs(x, 0))


# Found by the soundness harness (tests/test_soundness.py): operator precedence in the printer,
# and switches without a closed-form breakpoint (now printed as they are, not guessed).
HARNESS_REPRODUCERS = [
    ((x / 2 - 1) ** 3 / 2, 0.0),
    (sympy.Max(x, sympy.tanh(x)), -2.0),
    (-sympy.Min(Rational(1, 2), sympy.erf(x)), 0.4779362762044699),
    (sympy.Max(Rational(1, 2), (x / 3 + 2) / (sympy.exp(-x / 3 - 2) + 1)), -1e4),
    (-((sympy.Abs(x) / 3 - 2) ** 3) / 3, 0.0),
    (sympy.Min(3 * x / 2, sympy.exp(x) - 1), -1.0),
    ((2 * x + Rational(1, 2)) / (sympy.Abs(2 * x + Rational(1, 2)) + 1), -3.0),
    (sympy.Max(-Rational(3, 4), sympy.erf(3 * x / 2 - Rational(1, 2))), -3.0),
]


@pytest.mark.parametrize(("expr", "at"), HARNESS_REPRODUCERS, ids=[f"r{i}" for i in range(len(HARNESS_REPRODUCERS))])
def test_harness_reproducers(expr: sympy.Expr, at: float) -> None:
    from symact.numeric.truth import truth

    xs = np.array([at, -5.0, -1.5, -0.3, 0.0, 0.7, 2.5, 30.0, -np.inf, np.inf, np.nan])
    got, want = to_numpy(expr)(xs), truth(expr, xs)
    with np.errstate(all="ignore"):
        close = (
            (got == want)
            | (np.abs(got - want) <= 1e-12 * np.maximum(1.0, np.abs(want)))
            | (np.isnan(got) & np.isnan(want))
        )
    assert close.all(), (source(expr), got, want)


@pytest.mark.parametrize("name", ["np", "special", "xp", "lambda", "fix"])
def test_an_activation_may_be_named_like_the_code_it_is_generated_into(name):
    """``def np(x)`` shadowed NumPy inside its own body and ``def lambda(x)`` did not compile: a user's name
    that is a keyword or a name the generated code runs with gets a trailing ``_`` in the code."""
    from symact.codegen.numpy import standalone_source

    xs = np.array([-3.0, 0.5, 2.0])
    plain = symact.define("x*tanh(x)", name="plain")
    act = symact.define("x*tanh(x)", name=name)
    for n in (0, 1):
        assert np.array_equal(act.numpy(n)(xs), plain.numpy(n)(xs))
    ns: dict = {}
    exec(standalone_source(act), ns)  # noqa: S102 - the generated source, as a user would paste it
    fn = ns[name + "_"] if name + "_" in ns else ns[name]
    assert np.array_equal(fn(xs), plain.numpy()(xs))
    torch = pytest.importorskip("torch", reason="the PyTorch export needs symact[torch]")
    assert torch.equal(act.torch()(torch.tensor(xs)), plain.torch()(torch.tensor(xs)))
