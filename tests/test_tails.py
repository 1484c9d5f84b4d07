"""Certified underflow tails (symact.codegen.tails): the leading term where e**x is subnormal."""

from __future__ import annotations

import mpmath
import numpy as np
import pytest
import sympy
from sympy import Rational, erf, exp, log, tanh

import symact
from symact import x
from symact.codegen import tails
from symact.numeric.truth import truth

#: Shapes of the literature and a few that no entry has (none tuned to): x times a function of e**x
#: that vanishes like it, products with polynomials, shifted exponentials, derivatives.
SHAPES = [
    x * erf(log(1 + exp(x))),
    x * log(1 + 1 / (1 + exp(-x))),
    x * tanh(log(1 + 1 / (1 + exp(-x)))),
    (x**2 - 3 * x + 1) * tanh(exp(x + Rational(1, 3))) / 5,
    (2 * x - 1) * erf(exp(x) / (1 + exp(2 * x))) + 3 * sympy.atan(exp(x - 2)),
    sympy.diff(x * erf(exp(x)), x),
    # quotients of polynomials in x and e**x: Q is a quotient too
    x / (x + exp(-x)),
    (x**2 + 1) * exp(x) / (x**2 + 2 + x * exp(2 * x)),
    sympy.diff(x / (x + exp(-x)), x),
]


@pytest.mark.parametrize("expr", SHAPES, ids=[f"shape{i}" for i in range(len(SHAPES))])
def test_the_tail_is_the_leading_term(expr: sympy.Expr) -> None:
    """The proved Q(x) e**x agrees with mpmath's value of the expression far left (x = -900, where the
    next term is e**-900 smaller), and the proved bound reaches 2**-60."""
    tail = tails.underflow_tail(expr)
    assert tail is not None and tail.bound <= 2.0**-60
    q = sum(c * x**j for j, c in enumerate(reversed(tail.exact))) / sum(
        c * x**j for j, c in enumerate(reversed(tail.exact_denominator))
    )
    f = sympy.lambdify(x, expr, "mpmath")
    with mpmath.workdps(1200):  # log(1 + e**x) at -900 needs 1300 bits
        for v in (-900, -760):
            want = f(mpmath.mpf(v))
            got = mpmath.mpf(sympy.N(q.subs(x, v), 70)) * mpmath.exp(v)
            assert abs(got - want) <= mpmath.mpf(10) ** -50 * abs(want)


@pytest.mark.parametrize("expr", SHAPES[:4] + SHAPES[6:8], ids=[f"shape{i}" for i in (0, 1, 2, 3, 6, 7)])
def test_generated_code_is_right_where_e_to_the_x_is_subnormal(expr: sympy.Expr) -> None:
    """Within 2 ULP of the correctly rounded truth on [-745, -700] (subnormal spacing below the normal
    range), where NumPy's subnormal e**x had made products like x erf(log1p(e**x)) hundreds of ULP off."""
    rng = np.random.default_rng(7)
    xs = np.concatenate([np.linspace(-745.5, -700.0, 181), rng.uniform(-746.0, -700.0, 60), [-1e300, -np.inf]])
    got = symact.define(expr, name="tail_probe").numpy()(xs)
    want = truth(expr, xs)
    ulps = np.abs(got - want) / np.spacing(np.abs(want))
    assert np.all(ulps <= 2), (xs[np.argmax(ulps)], ulps.max())
    # further out the value rounds to a zero with the sign of Q(x) e**x (the sign of the value there)
    q = tails.underflow_tail(expr).exact
    negative = sum(c * x**j for j, c in enumerate(reversed(q))).subs(x, -(10**300)) < 0
    assert np.all(got[-2:] == 0) and np.all(np.signbit(got[-2:]) == bool(negative))


@pytest.mark.parametrize(
    "expr",
    [
        x * exp(-exp(-x)),  # exp(-1/t): not analytic at t = 0
        x * erf(exp(x / 2)),  # t**(1/2)
        x * tanh(exp(2 * x)),  # vanishes like t**2: the value underflows to 0 anyway
        sympy.erf(x) * exp(x),  # erf(x): x not polynomial
        x * exp(x) / (x + 800 + exp(x)),  # Q = x/(x + 800) has a pole at -800
        sympy.Max(0, x) * exp(x),  # a switch
        1 + x * exp(x),  # does not vanish at t = 0
    ],
)
def test_no_tail_without_the_form_and_a_proof(expr: sympy.Expr) -> None:
    assert tails.underflow_tail(expr) is None


def test_the_patch_is_what_the_code_runs() -> None:
    """The generated source holds the patch (so the Numba and framework exports run it too), and only
    where the plain formula misses: e**x itself is right as NumPy computes it, so it gets none."""
    src = symact.define(x * erf(log(1 + exp(x))), name="serf_like").numpy().__symact_source__
    patch = tails.tail_patch(tails.underflow_tail(x * erf(log(1 + exp(x)))))
    assert patch in src
    assert "x_in <= -700.0" not in symact.define(exp(x) / 3, name="exp_third").numpy().__symact_source__


@pytest.mark.parametrize("backend", ["numba", "torch", "jax"])
def test_the_tail_runs_in_every_backend(backend: str) -> None:
    """The compiled backend and the framework exports run the same patch: the same doubles as NumPy
    (JAX on the CPU flushes subnormal results to 0, as XLA does everywhere)."""
    pytest.importorskip(backend)
    act = symact.define(x * erf(log(1 + exp(x))), name="serf_like")
    xs = np.array([-745.0, -742.0, -720.5, -700.0, -3.0, 2.0])
    want = act.numpy()(xs)
    if backend == "numba":
        got = act.numba()(xs)
    elif backend == "torch":
        import torch

        got = act.torch()(torch.tensor(xs, dtype=torch.float64)).detach().numpy()
    else:
        import jax

        jax.config.update("jax_enable_x64", True)
        got = np.asarray(act.jax()(jax.numpy.asarray(xs)))
        want = np.where(np.abs(want) < np.finfo(np.float64).tiny, 0.0 * want, want)  # XLA flushes subnormals
    assert np.array_equal(got[:4], want[:4]), (got, want)
