"""The primitives symact supports: SymPy's functions and its own stable ones.

The stable primitives are SymPy function classes that never auto-evaluate, so
canonicalisation cannot undo a rewrite (SymPy would turn ``erfc(-z)`` back into
``2 - erfc(z)``). Each one knows its textbook definition (:meth:`Stable.textbook`),
which is what every exact stage (the truth, the interval engine, the proofs) sees.

Examples:
    >>> from symact.definition.activation import x
    >>> textbook(Sigmoid(x) + Expm1(2*x))
    exp(2*x) - 1 + 1/(1 + exp(-x))

:data:`PRIMITIVES` is the one table of the SymPy function classes symact supports
(SymPy's own and the stable ones), one :class:`Primitive` row per class. Every stage
derives what it handles from it: the parser's allow-list (the rows with ``names``), the
truth evaluator (``mpmath``), the NumPy printer (``numpy``), the limit laws
(``monotone``, ``smoothness``) and the sign charts; ``domain`` and ``image`` are there
for the interval engine. :data:`SPELLINGS` are the parser's names that are not one class but a
formula in them (``sigmoid(u)`` is ``1/(1 + exp(-u))``). The columns are data only;
``tests/test_primitives.py`` walks the table through every stage.

    >>> row = PRIMITIVES[sympy.asinh]
    >>> row.names, row.arity, row.numpy, row.monotone, row.smoothness.name
    (('asinh', 'arcsinh'), (1, 1), 'np.arcsinh', 1, 'ANALYTIC')
    >>> row.mpmath(1)
    mpf('0.88137358701954305')
    >>> by_name("arctan").func, SPELLINGS["softplus"].build(x)
    (atan, log(exp(x) + 1))
"""

from __future__ import annotations

import enum
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import mpmath
import sympy
from sympy import exp, log, oo, pi, sqrt, tanh

__all__ = [
    "PRIMITIVES",
    "SPELLINGS",
    "STABLE_TYPES",
    "AddHypot",
    "Affine",
    "Erfc",
    "Expm1",
    "Hypot",
    "HypotM1",
    "Log1p",
    "Primitive",
    "Sigmoid",
    "SigmoidPrime",
    "Smoothness",
    "Softplus",
    "Spelling",
    "Stable",
    "TanhSoftplus",
    "by_name",
    "textbook",
]


# ---------------------------------------------------------------------------------------
# Stable primitives
# ---------------------------------------------------------------------------------------
class Stable(sympy.Function):
    """Base class of the stable primitives: unevaluated, real, with a textbook definition."""

    is_real = True

    def textbook(self) -> sympy.Expr:  # pragma: no cover - every subclass overrides
        """The primitive written with standard SymPy functions."""
        raise NotImplementedError

    def _eval_evalf(self, prec: int) -> sympy.Expr:
        return self.textbook()._eval_evalf(prec)

    def _eval_rewrite_as_exp(self, *args: sympy.Expr, **kwargs: object) -> sympy.Expr:
        return textbook(self).rewrite(exp)


class Sigmoid(Stable):
    """``1/(1 + exp(-u))``, evaluated sign-split so that exp never overflows."""

    nargs = 1

    def textbook(self) -> sympy.Expr:
        return 1 / (1 + exp(-self.args[0]))


class Softplus(Stable):
    """``log(1 + exp(u))``, evaluated as ``logaddexp(0, u)``."""

    nargs = 1

    def textbook(self) -> sympy.Expr:
        return log(1 + exp(self.args[0]))


class TanhSoftplus(Stable):
    """``tanh(log(1 + exp(u)))`` (mish's factor), evaluated without a subnormal detour."""

    nargs = 1

    def textbook(self) -> sympy.Expr:
        return tanh(log(1 + exp(self.args[0])))


class SigmoidPrime(Stable):
    """``exp(-u)/(1 + exp(-u))**2`` = sigmoid(u) sigmoid(-u), from exp(-|u|): no overflow."""

    nargs = 1

    def textbook(self) -> sympy.Expr:
        return exp(-self.args[0]) / (1 + exp(-self.args[0])) ** 2


class Log1p(Stable):
    """``log(1 + u)``."""

    nargs = 1

    def textbook(self) -> sympy.Expr:
        return log(1 + self.args[0])


class Expm1(Stable):
    """``exp(u) - 1``."""

    nargs = 1

    def textbook(self) -> sympy.Expr:
        return exp(self.args[0]) - 1


class Erfc(Stable):
    """``erfc(u)``, kept as written (SymPy would turn ``erfc(-z)`` into ``2 - erfc(z)``)."""

    nargs = 1

    def textbook(self) -> sympy.Expr:
        return sympy.erfc(self.args[0])


class Hypot(Stable):
    """``sqrt(u**2 + c**2)`` without overflow of ``u**2``."""

    nargs = 2

    def textbook(self) -> sympy.Expr:
        u, c = self.args
        return sqrt(u**2 + c**2)


class AddHypot(Stable):
    """``u + sqrt(u**2 + c**2)``, as ``c**2/(hypot(u, c) - u)`` where ``u < 0``."""

    nargs = 2

    def textbook(self) -> sympy.Expr:
        u, c = self.args
        return u + sqrt(u**2 + c**2)


class HypotM1(Stable):
    """``sqrt(u**2 + c**2) - c``, as ``u*(u/(hypot(u, c) + c))``."""

    nargs = 2

    def textbook(self) -> sympy.Expr:
        u, c = self.args
        return sqrt(u**2 + c**2) - c


class Affine(Stable):
    """``a*(u - r)``: an affine map written through its root ``r``.

    Near the root, ``u - r`` is exact (Sterbenz), so ``x/6 + 1/2`` near ``x = -3``
    keeps its relative accuracy as ``(x + 3)/6``.
    """

    nargs = 3

    def textbook(self) -> sympy.Expr:
        u, r, a = self.args
        return a * (u - r)


STABLE_TYPES = (Sigmoid, SigmoidPrime, Softplus, TanhSoftplus, Log1p, Expm1, Erfc, Hypot, AddHypot, HypotM1, Affine)


def textbook(expr: sympy.Expr) -> sympy.Expr:
    """Replace every stable primitive by its textbook definition (see the module's example)."""
    if not expr.has(*STABLE_TYPES):
        return expr
    new_args = [textbook(a) for a in expr.args]
    if isinstance(expr, Stable):
        return type(expr)(*new_args).textbook()
    return expr.func(*new_args) if new_args else expr


# ---------------------------------------------------------------------------------------
# The table
# ---------------------------------------------------------------------------------------
class Smoothness(enum.Enum):
    """How smooth a primitive is on its real domain (in every argument)."""

    ANALYTIC = "analytic on the interior of its real domain"
    CONTINUOUS = "continuous on its real domain, with kinks"
    PIECEWISE = "piecewise: may jump"


@dataclass(frozen=True)
class Primitive:
    """One supported SymPy function class and what every stage needs to know about it.

    Attributes:
        func: the SymPy class (the key of :data:`PRIMITIVES`).
        names: what a user may call it in a definition; empty for classes symact only
            builds itself (derivatives, rewrites, analysis).
        arity: fewest and most arguments (None: any number).
        smoothness: see :class:`Smoothness`.
        domain: the real values of the first argument where it is defined.
        monotone: +1 non-decreasing, -1 non-increasing on ``domain`` (in its only
            argument), 0 neither or not known.
        image: the set of its values on ``domain``; None where not recorded.
        mpmath: a function of mpmath reals, for evaluation at any precision (None: none;
            evaluated by its structure, as ``Piecewise`` is, or its textbook definition).
        math: the same function of Python floats (None: none).
        numpy: the NumPy, SciPy or runtime-kernel function of the same arguments that
            generated code calls (None: there is none; printed by its structure).
        latex: its LaTeX operator where SymPy's printer has none of its own.
        arb: how the ball evaluator (:mod:`symact.numeric.arb`) evaluates it: the name of
            the method of python-flint's ``arb`` of its one argument, ``"structure"``
            (by its structure, as ``Max`` and ``Piecewise`` are), ``"textbook"`` (by its
            textbook definition) or ``"unsupported"``; None: not declared (a test
            requires a declaration on every row).
    """

    func: type
    names: tuple[str, ...]
    arity: tuple[int, int | None]
    smoothness: Smoothness
    domain: sympy.Set = sympy.S.Reals
    monotone: int = 0
    image: sympy.Set | None = None
    mpmath: Callable[..., Any] | None = None
    math: Callable[..., float] | None = None
    numpy: str | None = None
    latex: str | None = None
    arb: str | None = None

    @property
    def is_stable(self) -> bool:
        """Whether the class is one of symact's stable primitives (never auto-evaluated)."""
        return issubclass(self.func, Stable)


@dataclass(frozen=True)
class Spelling:
    """A name the parser accepts that is a formula in the primitives, not one class.

    ``build`` makes the SymPy expression from the arguments; None for ``where``, whose
    first argument is a condition (the parser builds its ``Piecewise``).
    """

    name: str
    arity: tuple[int, int | None]
    build: Callable[..., sympy.Expr] | None


def _log(v: float) -> float:
    return math.log(v) if v > 0 else (-math.inf if v == 0 else math.nan)


def _sinc(v: float) -> float:
    return math.sin(v) / v if v != 0 else 1.0


def _sign(v: float) -> float:
    return float((v > 0) - (v < 0))


_A = Smoothness.ANALYTIC
_C = Smoothness.CONTINUOUS
_P = Smoothness.PIECEWISE
_R = sympy.S.Reals
_OPEN = sympy.Interval.open
_TWO_OR_MORE = (2, None)
_K = sympy.Dummy("k", integer=True)
_ONE = (1, 1)

_ROWS = (
    # SymPy's functions a user may write
    Primitive(sympy.exp, ("exp",), _ONE, _A, _R, 1, _OPEN(0, oo), mpmath.exp, math.exp, "np.exp", arb="exp"),
    Primitive(sympy.log, ("log",), _ONE, _A, _OPEN(0, oo), 1, _R, mpmath.log, _log, "np.log", arb="log"),
    Primitive(
        sympy.Abs, ("abs", "Abs"), _ONE, _C, _R, 0, sympy.Interval(0, oo), mpmath.fabs, abs, "np.abs", arb="__abs__"
    ),
    Primitive(
        sympy.sign, ("sign",), _ONE, _P, _R, 1, sympy.FiniteSet(-1, 0, 1), mpmath.sign, _sign, "np.sign", arb="sgn"
    ),
    Primitive(sympy.tanh, ("tanh",), _ONE, _A, _R, 1, _OPEN(-1, 1), mpmath.tanh, math.tanh, "np.tanh", arb="tanh"),
    Primitive(sympy.sinh, ("sinh",), _ONE, _A, _R, 1, _R, mpmath.sinh, math.sinh, "np.sinh", arb="sinh"),
    Primitive(
        sympy.cosh, ("cosh",), _ONE, _A, _R, 0, sympy.Interval(1, oo), mpmath.cosh, math.cosh, "np.cosh", arb="cosh"
    ),
    Primitive(sympy.sin, ("sin",), _ONE, _A, _R, 0, sympy.Interval(-1, 1), mpmath.sin, math.sin, "np.sin", arb="sin"),
    Primitive(sympy.cos, ("cos",), _ONE, _A, _R, 0, sympy.Interval(-1, 1), mpmath.cos, math.cos, "np.cos", arb="cos"),
    Primitive(
        sympy.atan,
        ("atan", "arctan"),
        _ONE,
        _A,
        _R,
        1,
        _OPEN(-pi / 2, pi / 2),
        mpmath.atan,
        math.atan,
        "np.arctan",
        arb="atan",
    ),
    Primitive(
        sympy.asinh, ("asinh", "arcsinh"), _ONE, _A, _R, 1, _R, mpmath.asinh, math.asinh, "np.arcsinh", arb="asinh"
    ),
    Primitive(sympy.erf, ("erf",), _ONE, _A, _R, 1, _OPEN(-1, 1), mpmath.erf, math.erf, "special.erf", arb="erf"),
    Primitive(sympy.erfc, ("erfc",), _ONE, _A, _R, -1, _OPEN(0, 2), mpmath.erfc, math.erfc, "special.erfc", arb="erfc"),
    # sin(u)/u, continued by 1 at 0 (np.sinc is sin(pi u)/(pi u): not the same function)
    Primitive(sympy.sinc, ("sinc",), _ONE, _A, _R, 0, None, mpmath.sinc, _sinc, None, arb="sinc"),
    Primitive(sympy.Max, ("Max", "max"), _TWO_OR_MORE, _C, _R, 0, None, max, max, "np.maximum", arb="structure"),
    Primitive(sympy.Min, ("Min", "min"), _TWO_OR_MORE, _C, _R, 0, None, min, min, "np.minimum", arb="structure"),
    # Heaviside(u, h0): h0 is the value at 0 (1/2 when omitted)
    Primitive(sympy.Heaviside, ("Heaviside",), (1, 2), _P, _R, 0, None, arb="structure"),
    Primitive(sympy.Piecewise, ("Piecewise",), (1, None), _P, arb="structure"),
    # SymPy's functions symact meets in derivatives and analysis but a user may not write
    Primitive(
        sympy.tan,
        (),
        _ONE,
        _A,
        _R - sympy.ImageSet(sympy.Lambda(_K, pi / 2 + pi * _K), sympy.S.Integers),
        0,
        _R,
        mpmath.tan,
        math.tan,
        "np.tan",
        arb="tan",
    ),
    Primitive(sympy.sech, (), _ONE, _A, _R, 0, sympy.Interval.Lopen(0, 1), mpmath.sech, None, None, arb="sech"),
    # the principal branch, W(u) e**W(u) = u
    Primitive(
        sympy.LambertW,
        (),
        (1, 2),
        _A,
        sympy.Interval(-1 / sympy.E, oo),
        1,
        sympy.Interval(-1, oo),
        mpmath.lambertw,
        arb="lambertw",
    ),
    # a distribution: 0 off 0, no real value at 0
    Primitive(sympy.DiracDelta, (), (1, 2), _P, _R - sympy.FiniteSet(0), 0, sympy.FiniteSet(0), arb="structure"),
    # the stable primitives (their values: their textbook definitions)
    Primitive(Sigmoid, (), _ONE, _A, _R, 1, _OPEN(0, 1), numpy="_sigmoid", latex=r"\sigma", arb="textbook"),
    Primitive(
        SigmoidPrime,
        (),
        _ONE,
        _A,
        _R,
        0,
        sympy.Interval.Lopen(0, sympy.Rational(1, 4)),
        numpy="_sigmoid_prime",
        arb="textbook",
    ),
    Primitive(Softplus, (), _ONE, _A, _R, 1, _OPEN(0, oo), latex=r"\operatorname{softplus}", arb="textbook"),
    Primitive(TanhSoftplus, (), _ONE, _A, _R, 1, _OPEN(0, 1), numpy="_tanh_softplus", arb="textbook"),
    Primitive(Log1p, (), _ONE, _A, _OPEN(-1, oo), 1, _R, mpmath.log1p, math.log1p, "np.log1p", arb="log1p"),
    Primitive(Expm1, (), _ONE, _A, _R, 1, _OPEN(-1, oo), mpmath.expm1, math.expm1, "np.expm1", arb="expm1"),
    Primitive(Erfc, (), _ONE, _A, _R, -1, _OPEN(0, 2), mpmath.erfc, math.erfc, "special.erfc", arb="erfc"),
    Primitive(
        Hypot, (), (2, 2), _A, _R, 0, sympy.Interval(0, oo), mpmath.hypot, math.hypot, "np.hypot", arb="textbook"
    ),
    Primitive(AddHypot, (), (2, 2), _A, _R, 0, None, numpy="_add_hypot", arb="textbook"),
    Primitive(HypotM1, (), (2, 2), _A, _R, 0, None, numpy="_hypot_m1", arb="textbook"),
    Primitive(Affine, (), (3, 3), _A, _R, 0, None, arb="textbook"),
)

#: The supported SymPy function classes, each with its :class:`Primitive` row.
PRIMITIVES: Mapping[type, Primitive] = MappingProxyType({row.func: row for row in _ROWS})

#: The parser's names that are formulas in the primitives (``cbrt`` is the real cube root).
SPELLINGS: Mapping[str, Spelling] = MappingProxyType(
    {
        s.name: s
        for s in (
            Spelling("log1p", _ONE, lambda u: log(1 + u)),
            Spelling("expm1", _ONE, lambda u: exp(u) - 1),
            Spelling("sqrt", _ONE, sqrt),
            Spelling("cbrt", _ONE, lambda u: sympy.sign(u) * sympy.Abs(u) ** sympy.Rational(1, 3)),
            Spelling("sigmoid", _ONE, lambda u: 1 / (1 + exp(-u))),
            Spelling("softplus", _ONE, lambda u: log(1 + exp(u))),
            Spelling("where", (3, 3), None),
        )
    }
)


def by_name(name: str) -> Primitive:
    """The row a user-facing name stands for (``KeyError`` if none; see the module's example)."""
    for row in _ROWS:
        if name in row.names:
            return row
    raise KeyError(name)
