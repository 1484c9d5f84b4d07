"""The network records of the collapse theorem: :func:`forward` and :class:`NetworkCounterexample`.

A dense network of shape ``(n_0, ..., n_k)`` is given by its weights ``W_i`` and
biases ``b_i``; :func:`forward` computes it exactly, with the activation applied
entrywise after every layer but the last. A :class:`NetworkCounterexample` is a
network and inputs u, v with N(u + v) - N(u) - N(v) + N(0) != 0, which no affine
map allows; :meth:`NetworkCounterexample.check` recomputes it from the weights
alone. These are data below :mod:`proofs.collapse` (which finds them) and
:mod:`proofs.render_collapse` (which writes them up).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sympy

from proofs.evidence import FAILURES
from symact.definition.activation import x
from symact.numeric.arb import certify_sign
from symact.numeric.interval import certify_nonzero

__all__ = ["NetworkCounterexample", "forward"]


def forward(
    weights: Sequence[sympy.Matrix], biases: Sequence[sympy.Matrix], activation: sympy.Expr, inp: sympy.Matrix
) -> sympy.Matrix:
    """N(inp) exactly: every layer but the last is followed by ``activation`` (an expression in ``x``).

    Examples:
        >>> from sympy import Matrix, Max
        >>> forward([Matrix([[1, -1]]), Matrix([[2]])], [Matrix([0]), Matrix([1])], Max(0, x), Matrix([3, 5]))
        Matrix([[1]])
    """
    h = sympy.Matrix(inp)
    for i, (w, b) in enumerate(zip(weights, biases)):
        h = sympy.Matrix(w) * h + sympy.Matrix(b)
        if i < len(weights) - 1:
            h = h.applyfunc(lambda t: activation.subs(x, t))
    return h


@dataclass(frozen=True)
class NetworkCounterexample:
    """A network of the given shape and inputs u, v with N(u + v) - N(u) - N(v) + N(0) != 0.

    Attributes:
        activation: the activation, an expression in ``x``.
        weights, biases: the network, exact small integers.
        u, v: the inputs (column vectors).
        outputs: ``(("u + v", N(u + v)), ("u", N(u)), ("v", N(v)), ("0", N(0)))``, exact.
        component: the output entry (0-based) where the combination is nonzero.
        difference: that entry of N(u + v) - N(u) - N(v) + N(0), exact.
        sign: its proved sign.
        enclosure: ``(lo, hi, bits)`` when the difference is not rational, else ``None``.
    """

    activation: sympy.Expr
    weights: tuple[sympy.ImmutableMatrix, ...]
    biases: tuple[sympy.ImmutableMatrix, ...]
    u: sympy.ImmutableMatrix
    v: sympy.ImmutableMatrix
    outputs: tuple[tuple[str, sympy.ImmutableMatrix], ...]
    component: int
    difference: sympy.Expr
    sign: int
    enclosure: tuple[str, str, int] | None = None

    def check(self) -> bool:
        """Recompute the four outputs from the activation and the weights, and re-prove the inequality."""
        try:
            points = {"u + v": self.u + self.v, "u": self.u, "v": self.v, "0": sympy.zeros(*self.u.shape)}
            computed = {k: forward(self.weights, self.biases, self.activation, p) for k, p in points.items()}
            if any(sympy.ImmutableMatrix(computed[k]) != out for k, out in self.outputs):
                return False
            if not all(e.is_Integer for m in (*self.weights, *self.biases) for e in m):
                return False
            if not all(e.is_Rational for m in (self.u, self.v) for e in m):
                return False
            combo = computed["u + v"] - computed["u"] - computed["v"] + computed["0"]
            sign = certify_sign(combo[self.component])  # an arb ball first, the interval engine where it cannot
            return (certify_nonzero(combo[self.component]) if sign is None else sign) == self.sign
        except FAILURES:  # a check that cannot run confirms nothing
            return False

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready mapping; exact numbers are strings."""

        def mat(m: sympy.Matrix) -> list[list[str]]:
            return [[str(e) for e in m.row(r)] for r in range(m.rows)]

        return {
            "weights": [mat(w) for w in self.weights],
            "biases": [[str(e) for e in b] for b in self.biases],
            "u": [str(e) for e in self.u],
            "v": [str(e) for e in self.v],
            "outputs": {k: [str(e) for e in m] for k, m in self.outputs},
            "component": self.component,
            "difference": str(self.difference),
            "sign": self.sign,
            "enclosure": None
            if self.enclosure is None
            else {"lower": self.enclosure[0], "upper": self.enclosure[1], "bits": self.enclosure[2]},
        }
