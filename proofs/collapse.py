r"""The collapse theorem: without a non-affine activation, depth buys nothing.

A dense network of shape ``dims = (n_0, n_1, ..., n_k)`` computes

    N(x) = W_k s(W_{k-1} s( ... s(W_1 x + b_1) ... ) + b_{k-1}) + b_k

with W_i an n_i x n_{i-1} matrix, b_i in R^{n_i}, and the activation s applied
entrywise after every layer but the last.

* If s is affine, s(t) = m t + q (the identity is m = 1, q = 0), then N(x) = W x + b
  for every choice of weights: :func:`collapse` builds the weights as explicit
  matrices of independent real symbols, computes N(x) and proves
  N(x) - (W x + b) = 0 entry by entry by polynomial expansion, returning W and b
  (for the identity also in the closed form W = W_k...W_1, b = sum_i W_k...W_{i+1} b_i).
* If s is not affine, some network of that shape is not affine: :func:`collapse`
  returns an exact counterexample network (small integer weights) and inputs u, v
  with N(u + v) - N(u) - N(v) + N(0) != 0, which every affine map satisfies.

The result is a :class:`CollapseProof` record; its network records
(:func:`forward`, :class:`NetworkCounterexample`) live in :mod:`proofs.network`,
and :mod:`proofs.render_collapse`, below this module, writes it up.

Examples:
    >>> import symact
    >>> proof = collapse((2, 3, 1))
    >>> proof.verdict, proof.W.shape, proof.b.shape
    (<Verdict.PROVED: 'proved'>, (1, 2), (1, 1))
    >>> proof.W_formula, proof.b_formula
    ('W_2*W_1', 'W_2*b_1 + b_2')
    >>> relu = collapse((2, 3, 1), symact.get("relu"))
    >>> relu.verdict, relu.counterexample.check()
    (<Verdict.DISPROVED: 'disproved'>, True)
    >>> relu.counterexample.u.T, relu.counterexample.v.T
    (Matrix([[1, 0]]), Matrix([[-1, 0]]))
"""

from __future__ import annotations

import itertools
import numbers
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import sympy

from proofs.evidence import FAILURES, Written
from proofs.linearity import normalize, prove_linear
from proofs.network import NetworkCounterexample as NetworkCounterexample
from proofs.network import forward as forward
from proofs.render_collapse import render_collapse
from proofs.search import candidates, interesting_points
from proofs.verdict import ProofResult, Verdict
from symact.analysis import pieces
from symact.core import budget
from symact.definition.activation import x
from symact.numeric.interval import certify_nonzero, enclosure_bounds

__all__ = ["CollapseProof", "NetworkCounterexample", "collapse", "forward"]


#: The most weights (the sum of n_(i-1) n_i) :func:`collapse` takes: the proof multiplies the
#: symbolic weight matrices, whose size grows with it.
MAX_WEIGHTS = 4096


def _check_dims(dims: Sequence[int]) -> tuple[int, ...]:
    if isinstance(dims, (str, bytes)) or not isinstance(dims, Sequence):
        raise TypeError(
            f"dims must be a sequence of layer widths (n_0, ..., n_k), got {type(dims).__name__} {dims!r:.60}"
        )
    for d in dims:
        if isinstance(d, bool) or not isinstance(d, numbers.Integral):
            raise TypeError(f"dims must hold integer layer widths, got {type(d).__name__} {d!r:.60} in {dims!r:.60}")
    widths = tuple(int(d) for d in dims)
    if len(widths) < 2 or any(d < 1 for d in widths):
        raise ValueError(f"dims must list at least two positive layer widths (n_0, ..., n_k), got {widths!r:.80}")
    weights = sum(a * b for a, b in itertools.pairwise(widths))
    if weights > MAX_WEIGHTS:
        raise ValueError(f"dims {widths!r:.80} give {weights} weights; collapse takes at most {MAX_WEIGHTS}")
    return widths


def _symbolic_layers(dims: tuple[int, ...]) -> tuple[list[sympy.Matrix], list[sympy.Matrix], sympy.Matrix]:
    weights, biases = [], []
    for i in range(1, len(dims)):
        weights.append(
            sympy.Matrix(dims[i], dims[i - 1], lambda r, c, i=i: sympy.Symbol(f"w{i}_{r + 1}{c + 1}", real=True))
        )
        biases.append(sympy.Matrix(dims[i], 1, lambda r, c, i=i: sympy.Symbol(f"b{i}_{r + 1}", real=True)))
    inputs = sympy.Matrix(dims[0], 1, lambda r, c: sympy.Symbol(f"x_{r + 1}", real=True))
    return weights, biases, inputs


@dataclass(frozen=True)
class CollapseProof(Written):
    """The outcome of :func:`collapse`.

    Attributes:
        dims: the layer widths ``(n_0, ..., n_k)``.
        activation: the activation, an expression in ``x``.
        name: its display name.
        verdict: PROVED (every network of this shape is affine), DISPROVED (a
            counterexample network), or UNKNOWN (``reason``).
        slope, offset: for an affine activation s(t) = slope*t + offset.
        weights, biases, inputs: the symbolic network (PROVED only).
        output: N(x), computed exactly (PROVED only).
        W, b: the collapsed map, N(x) = W x + b (PROVED only).
        W_formula, b_formula: the closed form in the layer matrices, for the identity.
        counterexample: the non-affine network (DISPROVED only).
        activation_result: the linearity verdict on s(t) - s(0) the decision rests on.
    """

    dims: tuple[int, ...]
    activation: sympy.Expr
    name: str
    verdict: Verdict
    slope: sympy.Expr | None = None
    offset: sympy.Expr | None = None
    weights: tuple[sympy.ImmutableMatrix, ...] = ()
    biases: tuple[sympy.ImmutableMatrix, ...] = ()
    inputs: sympy.ImmutableMatrix | None = None
    output: sympy.ImmutableMatrix | None = None
    W: sympy.ImmutableMatrix | None = None
    b: sympy.ImmutableMatrix | None = None
    W_formula: str | None = None
    b_formula: str | None = None
    counterexample: NetworkCounterexample | None = None
    activation_result: ProofResult | None = None
    reason: str | None = None
    seconds: float = field(default=0.0, compare=False)

    def check(self) -> bool:
        """Re-verify: the expansion (PROVED) or the counterexample network (DISPROVED)."""
        if self.verdict is Verdict.DISPROVED:
            return self.counterexample is not None and self.counterexample.check()
        if self.verdict is Verdict.PROVED:
            m, q, inputs, W, b = self.slope, self.offset, self.inputs, self.W, self.b
            if m is None or q is None or inputs is None or W is None or b is None:
                return False
            if len(self.dims) > 2:
                act = self.activation_result
                if act is None or act.function != self.activation - self.activation.subs(x, 0) or not act.check():
                    return False
                if act.argument is None or act.argument.slope != m or q != self.activation.subs(x, 0):
                    return False
            out = forward(self.weights, self.biases, m * x + q, inputs)
            return bool(sympy.expand(out - (W * inputs + b)) == sympy.zeros(*out.shape))
        return False

    def _write(self, fmt: str, standalone: bool = False) -> str:
        """The write-up (:func:`proofs.render_collapse.render_collapse`)."""
        return render_collapse(self, fmt, standalone=standalone)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready mapping; exact numbers and formulas are strings."""
        return {
            "dims": list(self.dims),
            "activation": str(self.activation),
            "name": self.name,
            "verdict": self.verdict.value,
            "slope": None if self.slope is None else str(self.slope),
            "offset": None if self.offset is None else str(self.offset),
            "W": None if self.W is None else [[str(e) for e in self.W.row(r)] for r in range(self.W.rows)],
            "b": None if self.b is None else [str(e) for e in self.b],
            "W_formula": self.W_formula,
            "b_formula": self.b_formula,
            "counterexample": self.counterexample.to_dict() if self.counterexample else None,
            "reason": self.reason,
        }


def _closed_form(dims: tuple[int, ...]) -> tuple[str, str]:
    k = len(dims) - 1
    w = "*".join(f"W_{i}" for i in range(k, 0, -1))
    terms = []
    for i in range(1, k + 1):
        left = "*".join(f"W_{j}" for j in range(k, i, -1))
        terms.append(f"{left}*b_{i}" if left else f"b_{i}")
    return w, " + ".join(terms)


def _prove_affine(
    dims: tuple[int, ...],
    sigma: sympy.Expr,
    name: str,
    m: sympy.Expr,
    q: sympy.Expr,
    act_result: ProofResult | None,
    start: float,
) -> CollapseProof:
    weights, biases, inputs = _symbolic_layers(dims)
    affine = m * x + q  # equal to the activation everywhere (proved)
    out = forward(weights, biases, affine, inputs).applyfunc(sympy.expand)
    W = out.jacobian(inputs).applyfunc(sympy.expand)
    b = out.subs({s: 0 for s in inputs}).applyfunc(sympy.expand)
    if sympy.expand(out - (W * inputs + b)) != sympy.zeros(*out.shape):  # pragma: no cover - algebra
        return CollapseProof(
            dims,
            sigma,
            name,
            Verdict.UNKNOWN,
            reason="the expansion did not close",
            seconds=time.perf_counter() - start,
        )
    w_formula = b_formula = None
    if m == 1 and q == 0:
        product = sympy.eye(dims[0])
        for w in weights:
            product = w * product
        bias = sympy.zeros(dims[-1], 1)
        for i, bi in enumerate(biases):
            left = sympy.eye(dims[-1])
            for w in weights[:i:-1]:
                left = left * w
            bias += left * bi
        if sympy.expand(W - product) == sympy.zeros(*W.shape) and sympy.expand(b - bias) == sympy.zeros(*b.shape):
            w_formula, b_formula = _closed_form(dims)
    im = sympy.ImmutableMatrix
    return CollapseProof(
        dims,
        sigma,
        name,
        Verdict.PROVED,
        m,
        q,
        tuple(map(im, weights)),
        tuple(map(im, biases)),
        im(inputs),
        im(out),
        im(W),
        im(b),
        w_formula,
        b_formula,
        activation_result=act_result,
        seconds=time.perf_counter() - start,
    )


def _chains(hidden: int, limit: int = 40) -> list[tuple[tuple[int, ...], tuple[int, ...]]]:
    """Scalar weights and biases for the hidden layers, simplest first."""
    if hidden == 0:
        return [((), ())]
    options = []
    for ws in itertools.product((1, 2, -1), repeat=hidden):
        for bs in itertools.product((0, -1, 1), repeat=hidden):
            options.append((sum(abs(w) - 1 + (w < 0) for w in ws) + sum(abs(v) for v in bs), ws, bs))
    options.sort(key=lambda o: o[0])
    return [(ws, bs) for _, ws, bs in options[:limit]]


def _path(sigma: sympy.Expr, ws: tuple[int, ...], bs: tuple[int, ...]) -> Callable[[sympy.Expr], sympy.Expr | None]:
    """The path through the first unit of every layer, evaluated exactly, stage by stage (``None``: not finite)."""
    cache: dict[sympy.Expr, sympy.Expr | None] = {}

    def g(t: sympy.Expr) -> sympy.Expr | None:
        if t not in cache:
            value = t
            for w, beta in zip(ws, bs):
                value = sigma.subs(x, w * value + beta)
            cache[t] = value if value.is_number and not value.has(sympy.nan, sympy.zoo, sympy.oo, -sympy.oo) else None
        return cache[t]

    return g


def _find_network(dims: tuple[int, ...], sigma: sympy.Expr, per_chain: int = 120) -> NetworkCounterexample | None:
    """A network of shape ``dims`` (small integer weights, one active path) that is provably not affine."""
    try:
        bps = pieces.decompose(sigma).breakpoints
    except budget.BudgetExceeded:  # one of its steps ran out of time
        if budget.spent():  # the budget that ran out encloses this call: end it
            raise
        bps = ()  # the simple rationals remain
    except FAILURES:  # NotImplementedError among them: the simple rationals remain
        bps = ()
    points = interesting_points(bps)
    k = len(dims) - 1
    for ws, bs in _chains(k - 1):
        g = _path(sigma, ws, bs)
        for n, (a, bb) in enumerate(candidates("additivity", points, bps)):
            if n >= per_chain:
                break
            values = [v for v in (g(a + bb), g(a), g(bb), g(sympy.S.Zero)) if v is not None]
            if len(values) < 4:
                continue
            if certify_nonzero(values[0] - values[1] - values[2] + values[3]) is None:
                continue
            weights, biases = [], []
            for i in range(1, k + 1):
                w = sympy.zeros(dims[i], dims[i - 1])
                w[0, 0] = ws[i - 1] if i < k else 1
                beta = sympy.zeros(dims[i], 1)
                if i < k:
                    beta[0, 0] = bs[i - 1]
                weights.append(sympy.ImmutableMatrix(w))
                biases.append(sympy.ImmutableMatrix(beta))
            u = sympy.zeros(dims[0], 1)
            v = sympy.zeros(dims[0], 1)
            u[0, 0], v[0, 0] = a, bb
            inputs = {"u + v": u + v, "u": u, "v": v, "0": sympy.zeros(dims[0], 1)}
            outs = {key: sympy.ImmutableMatrix(forward(weights, biases, sigma, p)) for key, p in inputs.items()}
            combo = outs["u + v"] - outs["u"] - outs["v"] + outs["0"]
            sign = certify_nonzero(combo[0])
            if sign is None:  # pragma: no cover - the same number was just certified
                continue
            enclosure = None if combo[0].is_Rational else enclosure_bounds(combo[0])
            im = sympy.ImmutableMatrix
            return NetworkCounterexample(
                sigma, tuple(weights), tuple(biases), im(u), im(v), tuple(outs.items()), 0, combo[0], sign, enclosure
            )
    return None


def collapse(dims: Sequence[int], activation: object = None, var: sympy.Symbol | None = None) -> CollapseProof:
    """Decide whether every dense network of shape ``dims`` with ``activation`` is an affine map.

    ``activation`` is an :class:`~symact.definition.activation.Activation`, a catalog name, a SymPy
    expression (with ``var``), or ``None`` for the identity.
    """
    start = time.perf_counter()
    dims = _check_dims(dims)
    if activation is None:
        sigma, name = x, "identity"
    else:
        sigma, name = normalize(activation, var)
    if len(dims) == 2:  # one layer: no activation is applied
        return _prove_affine(dims, sigma, name, sympy.S.One, sympy.S.Zero, None, start)
    q = sigma.subs(x, 0)
    if not (q.is_number and q.is_finite and q.is_real):
        return CollapseProof(
            dims,
            sigma,
            name,
            Verdict.UNKNOWN,
            reason=f"the activation at 0 is {q}",
            seconds=time.perf_counter() - start,
        )
    shifted = sigma - q
    result = prove_linear(shifted, x)
    if result.verdict is Verdict.PROVED and result.argument is not None:  # a PROVED result has its argument
        return _prove_affine(dims, sigma, name, result.argument.slope, q, result, start)
    network = _find_network(dims, sigma) if result.verdict is Verdict.DISPROVED else None
    if network is not None:
        return CollapseProof(
            dims,
            sigma,
            name,
            Verdict.DISPROVED,
            counterexample=network,
            activation_result=result,
            seconds=time.perf_counter() - start,
        )
    reason = (
        result.reason
        if result.verdict is Verdict.UNKNOWN
        else "the activation is not affine, but no small integer counterexample network was found"
    )
    return CollapseProof(
        dims, sigma, name, Verdict.UNKNOWN, activation_result=result, reason=reason, seconds=time.perf_counter() - start
    )
