"""The primitives symact supports: SymPy's functions and its own stable ones.

The stable primitives are SymPy function classes that never auto-evaluate, so
canonicalisation cannot undo a rewrite (SymPy would turn ``erfc(-z)`` back into
``2 - erfc(z)``). Each one knows its textbook definition (:meth:`Stable.textbook`),
which is what every exact stage (the truth, the interval engine, the proofs) sees.

Examples:
    >>> from symact.definition.activation import x
    >>> textbook(Sigmoid(x) + Expm1(2*x))
    exp(2*x) - 1 + 1/(1 + exp(-x))
"""

from __future__ import annotations

import sympy
from sympy import exp, log, sqrt, tanh

__all__ = [
    "STABLE_TYPES",
    "AddHypot",
    "Affine",
    "Erfc",
    "Expm1",
    "Hypot",
    "HypotM1",
    "Log1p",
    "Sigmoid",
    "SigmoidPrime",
    "Softplus",
    "Stable",
    "TanhSoftplus",
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
