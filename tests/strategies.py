"""Hypothesis strategies for random activation functions f: R -> R.

:func:`activations` draws exact SymPy expressions in :data:`symact.x` from a
small grammar of the functions symact accepts: compositions, sums, products and
scalings by small exact rationals of

* piecewise-linear parts: ``a*x + b``, ``Max``, ``Min``, ``Abs``, ``Heaviside``
  (with ``H(0)`` in {0, 1/2, 1}) and two-piece ``Piecewise`` definitions with a
  rational breakpoint;
* smooth parts: ``exp`` (of arguments that cannot overflow badly),
  ``log(1 + exp(u))``, ``tanh``, ``erf``, ``atan``, ``sqrt(u**2 + c)`` with
  ``c > 0``, ``sigmoid``, ``u*sigmoid(u)``, softsign ``u/(1 + |u|)``,
  ``exp(-u**2)``, ``u**2``, ``u**3`` and (rarely) ``sin``;
* the shapes of activations from papers (:func:`literature_style`): ``u*g(h(u))``
  (mish, TanhExp), quotients of exponentials, oscillation times decay, removable
  singularities continued at their point (or not: a jump is a shape too), and
  parametric families defined through :func:`symact.define` with drawn parameter
  values, small, large and unfriendly.

Every drawn expression is real-valued and defined on all of R (no log of a
non-positive number, no even root of a negative one, no division by zero), and
small enough for symact to analyse in about a second. The arguments of the
switching functions are mostly piecewise linear, so their breakpoints are
rational and the analysis is usually decidable; a small share is transcendental
on purpose (``Max(x, 2*tanh(x))``), to exercise certified isolation and the ``Unknown`` paths.

Examples:
    >>> from hypothesis import given, settings
    >>> import sympy
    >>> from symact import x
    >>> @settings(max_examples=20, derandomize=True, database=None)
    ... @given(activations())
    ... def drawn_in_x_only(f):
    ...     assert f.free_symbols <= {x}
    >>> drawn_in_x_only()
"""

from __future__ import annotations

import sympy
from hypothesis import strategies as st
from sympy import Rational as R

import symact
from symact import x

__all__ = [
    "activations",
    "coefficients",
    "linear",
    "literature_style",
    "piecewise_linear",
    "smooth_of",
    "transcendental_switch",
]

#: Non-zero scalings and slopes.
_COEFFS = (R(1), R(-1), R(2), R(-2), R(1, 2), R(-1, 2), R(3, 2), R(1, 3), R(-1, 3), R(3), R(1, 4), R(-3, 2))
#: Offsets and breakpoints.
_OFFSETS = (R(0), R(1), R(-1), R(1, 2), R(-1, 2), R(2), R(-2), R(3, 2), R(1, 3), R(-3, 4))
#: Positive constants under a square root.
_POSITIVE = (R(1), R(1, 4), R(2), R(1, 2), R(4))
#: Heaviside's value at 0 (SymPy's default is 1/2).
_H0 = (None, R(0), R(1))


def coefficients() -> st.SearchStrategy[sympy.Rational]:
    """A small non-zero exact rational."""
    return st.sampled_from(_COEFFS)


def offsets() -> st.SearchStrategy[sympy.Rational]:
    """A small exact rational (zero allowed)."""
    return st.sampled_from(_OFFSETS)


def linear() -> st.SearchStrategy[sympy.Expr]:
    """``a*x + b`` with small exact rationals, ``a != 0``; ``x`` itself most often."""
    return st.one_of(st.just(x), st.builds(lambda a, b: a * x + b, coefficients(), offsets()))


def _heaviside(u: sympy.Expr, h0: sympy.Expr | None) -> sympy.Expr:
    return sympy.Heaviside(u) if h0 is None else sympy.Heaviside(u, h0)


def _piecewise(left: sympy.Expr, right: sympy.Expr, b: sympy.Expr, strict: bool) -> sympy.Expr:
    return sympy.Piecewise((left, x < b if strict else x <= b), (right, True))


@st.composite
def piecewise_linear(draw: st.DrawFn, depth: int = 2) -> sympy.Expr:
    """A piecewise-linear expression with rational breakpoints."""
    if depth <= 0:
        return draw(linear())
    sub = piecewise_linear(depth - 1)
    kind = draw(st.integers(0, 7))
    if kind <= 1:
        return draw(linear())
    if kind == 2:
        return sympy.Max(draw(sub), draw(st.one_of(offsets(), sub)))
    if kind == 3:
        return sympy.Min(draw(sub), draw(st.one_of(offsets(), sub)))
    if kind == 4:
        return draw(coefficients()) * sympy.Abs(draw(sub)) + draw(offsets())
    if kind == 5:
        return draw(coefficients()) * _heaviside(draw(linear()), draw(st.sampled_from(_H0))) + draw(sub)
    if kind == 6:
        return _piecewise(draw(sub), draw(sub), draw(offsets()), draw(st.booleans()))
    return draw(coefficients()) * draw(sub) + draw(offsets())


def _sigmoid(u: sympy.Expr) -> sympy.Expr:
    return 1 / (1 + sympy.exp(-u))


#: Smooth unary maps, each defined and real on all of R; values of u may be any real.
_SMOOTH = {
    "tanh": sympy.tanh,
    "erf": sympy.erf,
    "atan": sympy.atan,
    "sigmoid": _sigmoid,
    "softplus": lambda u: sympy.log(1 + sympy.exp(u)),
    "softsign": lambda u: u / (1 + sympy.Abs(u)),
    "silu": lambda u: u * _sigmoid(u),
    "gauss": lambda u: sympy.exp(-(u**2)),
    "square": lambda u: u**2,
    "cube": lambda u: u**3,
    "hypot": None,  # sqrt(u**2 + c), built with a drawn c
    "exp": sympy.exp,
    "sin": sympy.sin,
}
#: Names safe on any argument (bounded output or at most polynomial growth).
_TAME = ("tanh", "erf", "atan", "sigmoid", "softsign", "gauss", "hypot", "softplus", "silu")


@st.composite
def smooth_of(draw: st.DrawFn, u: sympy.Expr, names: tuple[str, ...] | None = None) -> sympy.Expr:
    """One smooth map applied to ``u``."""
    name = draw(st.sampled_from(names or tuple(_SMOOTH)))
    if name == "hypot":
        return sympy.sqrt(u**2 + draw(st.sampled_from(_POSITIVE)))
    return _SMOOTH[name](u)


def transcendental_switch() -> st.SearchStrategy[sympy.Expr]:
    """A switching function of transcendental arguments.

    Its switch points are the zeros of a transcendental difference: decided by certified
    isolation when each has an exact value (``x - tanh(x)``: 0), Unknown when one has none
    (``x - 2*tanh(x)``: +-1.9150...).
    """
    return st.one_of(
        st.builds(lambda a: sympy.Max(x, a * sympy.tanh(x)), coefficients()),
        st.builds(lambda a: sympy.Min(sympy.exp(x) - 1, a * x), coefficients()),
        st.builds(lambda c: sympy.Abs(sympy.atan(x) - c), offsets()),
    )


#: Positive constants of the literature shapes (a denominator's offset, a decay rate).
_RATES = (R(1), R(1, 2), R(2), R(1, 4), R(3))
#: Parameter values of the parametric families: small, large and unfriendly exact values.
_PARAM_VALUES = (R(1, 100), R(1, 10), R(7, 10), R(3, 2), R(2), R(10), R(1702, 1000), R(5, 3))
#: Parametric families as a user types them into :func:`symact.define`, with their parameter.
_FAMILIES = (
    ("x*sigmoid(beta*x)", "beta"),
    ("Max(x, alpha*x)", "alpha"),
    ("where(x > 0, x, alpha*(exp(x) - 1))", "alpha"),
    ("log(1 + exp(beta*x))/beta", "beta"),
    ("x*tanh(log(1 + exp(beta*x)))", "beta"),
    ("x*exp(-alpha*x**2)", "alpha"),
    ("x/(1 + alpha*Abs(x))", "alpha"),
    ("x*erf(alpha*exp(x))", "alpha"),
    ("where(x >= 0, x, alpha*x*exp(x))", "alpha"),
    ("x*(1 + tanh(beta*x))/2", "beta"),
)
#: g with g(0) = 0 and g'(0) = its entry: g(u)/u is continued by that value at u = 0. All but sin
#: vanish only at 0, so u/g(u) is defined on R too (continued by 1/g'(0)).
_REMOVABLE = (
    (sympy.sin, R(1)),
    (sympy.tanh, R(1)),
    (sympy.atan, R(1)),
    (lambda u: sympy.exp(u) - 1, R(1)),
    (sympy.erf, 2 / sympy.sqrt(sympy.pi)),
)


@st.composite
def literature_style(draw: st.DrawFn) -> sympy.Expr:
    """A term shaped like the activations of papers (the grammar's widening for issue 13).

    ``u*g(h(u))``; a quotient of exponentials; an oscillation times a decay; a removable
    singularity ``g(u)/u`` continued at ``u = 0`` (by its limit, or by a wrong value: a jump);
    a parametric family built by :func:`symact.define` from its text and a drawn value.
    """
    kind = draw(st.integers(0, 4))
    u = draw(linear())
    if kind == 0:
        inner = draw(st.sampled_from(("softplus", "exp", "tanh", "sigmoid", "atan", "erf")))
        outer = draw(st.sampled_from(("tanh", "erf", "atan", "sigmoid")))
        h = sympy.exp(u) if inner == "exp" else _SMOOTH[inner](u)
        return u * _SMOOTH[outer](h)
    if kind == 1:
        c = draw(st.sampled_from(_RATES))
        how = draw(st.integers(0, 3))
        if how == 0:  # sigmoid-like, bump-like
            return sympy.exp(u) / (c + sympy.exp(draw(st.sampled_from((1, 2))) * u))
        if how == 1:  # a sigmoid's derivative
            return sympy.exp(u) / (c + sympy.exp(u)) ** 2
        if how == 2:  # swish-like: x/(c + e^-u)
            return draw(linear()) / (c + sympy.exp(u))
        return (sympy.exp(u) - c) / (sympy.exp(u) + c)
    if kind == 2:
        wave = draw(st.sampled_from((sympy.sin, sympy.cos)))(u)
        c = draw(st.sampled_from(_RATES))
        decay = draw(st.integers(0, 2))
        if decay == 0:
            return wave * sympy.exp(-c * x**2)
        if decay == 1:
            return wave / (c + x**2)
        return x * wave / (c + x**2)
    if kind == 3:
        if draw(st.integers(0, 3)) == 0:
            return sympy.sinc(u)
        g, slope = draw(st.sampled_from(_REMOVABLE))
        at_zero = slope if draw(st.integers(0, 4)) else draw(offsets())
        if g is not sympy.sin and draw(st.booleans()):  # the reciprocal u/g(u), continued by 1/g'(0)
            return sympy.Piecewise((u / g(u), sympy.Ne(u, 0)), (1 / at_zero if at_zero else 0, True))
        return sympy.Piecewise((g(u) / u, sympy.Ne(u, 0)), (at_zero, True))
    text, name = draw(st.sampled_from(_FAMILIES))
    return symact.define(text, params={name: draw(st.sampled_from(_PARAM_VALUES))}).expr


@st.composite
def _term(draw: st.DrawFn, depth: int) -> sympy.Expr:
    kind = draw(st.integers(0, 13))
    if kind >= 12:
        return draw(literature_style())
    if kind <= 3:
        return draw(piecewise_linear(depth))
    if kind == 4:
        # a low-degree polynomial of something piecewise linear
        return draw(piecewise_linear(1)) ** draw(st.sampled_from((2, 3))) * draw(coefficients())
    if kind <= 7:
        # a smooth map of something piecewise linear (exp only of a linear argument)
        arg = draw(st.one_of(linear(), piecewise_linear(1)))
        names = (
            tuple(_SMOOTH)
            if arg.is_polynomial(x) and sympy.degree(arg, x) <= 1
            else tuple(n for n in _SMOOTH if n != "exp")
        )
        return draw(smooth_of(arg, names))
    if kind == 8 and depth > 0:
        # a composition of two smooth maps (the outer one tame)
        return draw(smooth_of(draw(_term(depth - 1)), _TAME))
    if kind == 9 and depth > 0:
        # a switching function of smooth parts
        left, right = draw(_term(depth - 1)), draw(_term(depth - 1))
        how = draw(st.integers(0, 3))
        if how == 0:
            return _piecewise(left, right, draw(offsets()), draw(st.booleans()))
        if how == 1:
            return sympy.Max(left, draw(offsets()))
        if how == 2:
            return sympy.Min(left, draw(offsets()))
        return sympy.Abs(left)
    if kind == 10:
        return draw(smooth_of(draw(linear()), ("tanh", "sigmoid", "gauss", "atan"))) * draw(piecewise_linear(1))
    if kind == 11 and draw(st.integers(0, 2)) == 0:
        return draw(transcendental_switch())
    return draw(smooth_of(draw(linear()), ("tanh", "softplus", "erf", "silu")))


@st.composite
def activations(draw: st.DrawFn, depth: int = 1) -> sympy.Expr:
    """A random activation: a sum or scaled combination of one to three terms.

    ``depth`` bounds the nesting of compositions (1 keeps the analysis to about a second).
    """
    terms = [draw(_term(depth)) for _ in range(draw(st.integers(1, 2)))]
    if draw(st.integers(0, 4)) == 0:
        terms.append(draw(offsets()))
    scaled = [draw(st.one_of(st.just(R(1)), coefficients())) * t for t in terms]
    expr = sympy.Add(*scaled)
    if expr.is_number:  # everything cancelled: keep it a function of x
        expr = expr + x
    return expr
