r"""Vector activations: softmax, log_softmax, softmin, GLU, sparsemax and logsumexp, as data.

These map a vector of n reals to a vector (or, for ``logsumexp``, to one real),
so they are kept out of the scalar catalog (:mod:`symact.definition.catalog`), whose
entries are functions of the one variable :data:`symact.x`. This module holds
:class:`VectorActivation` and the vector catalog (:data:`ENTRIES`); names are
looked up by :mod:`symact.definition.registry` (``symact.get("softmax")``), and
the derived facts (output set, Jacobian, sums) are in :mod:`symact.analysis.vector`.

A definition is the expression of the i-th output component in the entries
``x[0], ..., x[n-1]`` of :data:`X` (a real ``IndexedBase``), with reductions
written as ``Sum(..., (j, 0, n - 1))``. ``n`` is the symbol :data:`n` (general
length) or a concrete integer (:meth:`VectorActivation.with_n`); for a concrete
n the sums are expanded. sparsemax has no closed form for symbolic n; for a
concrete n its threshold is written exactly as a ``Max`` over all non-empty
index subsets (see :func:`sparsemax_threshold`).

Examples:
    >>> sm = ENTRIES[0]
    >>> sm.component()
    exp(x[i])/Sum(exp(x[j]), (j, 0, n - 1))
    >>> sm.with_n(2).components()
    (exp(x[0])/(exp(x[0]) + exp(x[1])), exp(x[1])/(exp(x[0]) + exp(x[1])))
    >>> sm.with_n(3)([0, 0, 0])
    (1/3, 1/3, 1/3)
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import sympy
from sympy import Indexed, IndexedBase, Integer, Max, Sum, exp, log

from symact.core.errors import DefinitionError
from symact.definition.activation import Framework, VectorMethods, exact_number

__all__ = [
    "ENTRIES",
    "KINDS",
    "VectorActivation",
    "X",
    "i",
    "j",
    "k",
    "n",
    "sparsemax_threshold",
    "substitute_entries",
]

#: The general vector length.
n: sympy.Symbol = sympy.Symbol("n", integer=True, positive=True)
#: The output index, the summation index and a second (Jacobian) index.
i, j, k = sympy.symbols("i j k", integer=True, nonnegative=True)
#: The input vector: ``X[0], ..., X[n-1]`` are real.
X: IndexedBase = IndexedBase("x", real=True)

KINDS = ("map", "halve", "reduce")


def _sigmoid(u: sympy.Expr) -> sympy.Expr:
    return 1 / (1 + exp(-u))


def _sum(body: sympy.Expr) -> sympy.Expr:
    return Sum(body, (j, 0, n - 1))


@functools.lru_cache(maxsize=16)
def sparsemax_threshold(size: int) -> sympy.Expr:
    """The sparsemax threshold tau(x) for a concrete length, exactly.

    tau is the root of sum_j max(x_j - tau, 0) = 1. For every non-empty index set
    S, t_S = (sum_{j in S} x_j - 1)/|S| satisfies g(t_S) >= 1, so t_S <= tau, with
    equality for S = {j : x_j > tau}; hence tau = max_S t_S, written here without
    sorting as a ``Max`` over the 2**size - 1 subsets.

    Examples:
        >>> sparsemax_threshold(2)
        Max(x[0] - 1, x[1] - 1, x[0]/2 + x[1]/2 - 1/2)
    """
    if not isinstance(size, int) or size < 1:
        raise DefinitionError(f"sparsemax needs a concrete length >= 1, got {size!r}")
    terms = []
    for r in range(1, size + 1):
        for subset in itertools.combinations(range(size), r):
            terms.append((sympy.Add(*(X[s] for s in subset)) - 1) / r)
    # unevaluated: SymPy's Max would compare the 2**size - 1 arguments pairwise under
    # assumptions (8 s for size 5) and can drop none of them (each one is the max somewhere)
    return Max(*terms, evaluate=False)


@dataclass(frozen=True)
class VectorActivation(VectorMethods):
    """A function of a real n-vector, defined exactly.

    Attributes:
        name: canonical snake_case name, e.g. ``"log_softmax"``.
        template: the i-th output component in :data:`X`, :data:`i`, :data:`n` (sums
            over :data:`j`); ``None`` when there is no closed form for symbolic n.
        kind: ``"map"`` (n outputs), ``"halve"`` (GLU: n/2 outputs, n even) or
            ``"reduce"`` (one output; the template does not involve i).
        n: the length: the symbol :data:`n` or a concrete integer >= 1.
        aliases: other names :func:`get` accepts.
        summary: one line.
        frameworks: where PyTorch, JAX and Keras ship it.
        display: the LaTeX operator name.
        concrete: builds component ``index`` for a concrete length (used when
            ``template`` is None).
    """

    name: str
    template: sympy.Expr | None
    kind: str = "map"
    n: Any = n
    aliases: tuple[str, ...] = ()
    summary: str = ""
    frameworks: tuple[Framework, ...] = ()
    display: str = ""
    concrete: Callable[[int, int], sympy.Expr] | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise DefinitionError(f"kind must be one of {KINDS}, got {self.kind!r}")
        if self.template is None and self.concrete is None:
            raise DefinitionError(f"{self.name} needs a template or a concrete builder")
        if self.template is not None:
            if not isinstance(self.template, sympy.Expr):
                raise DefinitionError(f"the definition of {self.name!r} must be a SymPy expression")
            if self.template.has(sympy.Float):
                raise DefinitionError(f"the definition of {self.name!r} contains a float; use exact numbers")
            free = self.template.free_symbols - {X, i, n, X.label}
            free = {s for s in free if not isinstance(s, Indexed)}
            if free:
                raise DefinitionError(f"the definition of {self.name!r} has free symbols {sorted(map(str, free))}")
        if self.n != n:
            if isinstance(self.n, bool) or not isinstance(self.n, (int, Integer)) or int(self.n) < 1:
                raise DefinitionError(
                    f"the length of {self.name} must be a positive integer or the symbol n, got {self.n!r}"
                )
            object.__setattr__(self, "n", int(self.n))
            if self.kind == "halve" and self.n % 2:
                raise DefinitionError(
                    f"{self.name} splits its input in two halves; the length must be even, got {self.n}"
                )
        if not self.display:
            object.__setattr__(self, "display", self.name)

    # -- shape --------------------------------------------------------------------------
    @property
    def symbolic(self) -> bool:
        """Whether the length is the symbol :data:`n`."""
        return self.n == n

    def with_n(self, size: int) -> VectorActivation:
        """The same activation at a concrete length (or back to symbolic with ``n``)."""
        return replace(self, n=size)

    @property
    def out_size(self) -> Any:
        """The number of outputs: n, n/2 or 1."""
        return {"map": self.n, "halve": self.n / 2 if self.symbolic else self.n // 2, "reduce": 1}[self.kind]

    def inputs(self) -> tuple[sympy.Expr, ...]:
        """The input entries ``x[0], ..., x[n-1]`` (concrete n only)."""
        self._need_concrete("inputs")
        return tuple(X[t] for t in range(self.n))

    def _need_concrete(self, what: str) -> None:
        if self.symbolic:
            raise DefinitionError(f"{what} of {self.name} needs a concrete length; use .with_n(k)")

    # -- definition ---------------------------------------------------------------------
    def component(self, index: Any = i) -> sympy.Expr:
        """The expression of output component ``index`` (default: the symbol i).

        For symbolic n this is the template; for a concrete n the sums are
        expanded, and ``index`` must be an integer in range.
        """
        if self.symbolic:
            if self.template is None:
                raise DefinitionError(f"{self.name} has no closed form for symbolic n; use .with_n(k)")
            return self.template if index == i else self.template.xreplace({i: sympy.sympify(index, strict=True)})
        idx = int(index) if self.kind != "reduce" else 0
        if not 0 <= idx < int(self.out_size):
            raise DefinitionError(f"component {index} out of range for {self.name} with n = {self.n}")
        if self.concrete is not None:
            return self.concrete(self.n, idx)
        expr = self.template.xreplace({n: Integer(self.n), i: Integer(idx)})  # type: ignore[union-attr]
        return expr.doit()

    def components(self) -> tuple[sympy.Expr, ...]:
        """All output components (concrete n only)."""
        self._need_concrete("components")
        return tuple(self.component(t) for t in range(int(self.out_size)))

    @property
    def expr(self) -> sympy.Basic:
        """The defining expression of component i (symbolic n) or the output vector (concrete n)."""
        return self.component() if self.symbolic else sympy.ImmutableMatrix(self.components())

    def __call__(self, values: Sequence[Any]) -> tuple[sympy.Expr, ...]:
        """The exact output at exact input ``values`` (its length fixes n)."""
        vals = [exact_number(v, "x") for v in values]
        act = self if not self.symbolic else self.with_n(len(vals))
        if len(vals) != act.n:
            raise DefinitionError(f"{self.name} with n = {act.n} takes {act.n} values, got {len(vals)}")
        sub = dict(zip(act.inputs(), vals))
        return tuple(
            sympy.simplify(c.xreplace(sub)) if c.xreplace(sub).has(Max) else c.xreplace(sub) for c in act.components()
        )

    def latex(self) -> str:
        r"""LaTeX of the definition: ``name(x)_i = ...``.

        Examples:
            >>> print(ENTRIES[0].latex())
            \operatorname{softmax}(x)_{i} = \frac{e^{{x}_{i}}}{\sum_{j=0}^{n - 1} e^{{x}_{j}}}
        """
        name = (
            self.display
            if self.display.startswith("\\")
            else "\\operatorname{" + self.display.replace("_", "\\_") + "}"
        )
        if self.symbolic and self.template is None:
            return (
                f"{name}(x)_{{i}} = \\max\\left(x_{{i}} - \\tau(x), 0\\right), \\quad "
                "\\sum_{j=0}^{n - 1} \\max\\left(x_{j} - \\tau(x), 0\\right) = 1"
            )
        if self.symbolic or self.kind == "reduce":
            body = sympy.latex(self.component())
            lhs = f"{name}(x)" if self.kind == "reduce" else f"{name}(x)_{{i}}"
            return f"{lhs} = {body}"
        return f"{name}(x) = {sympy.latex(self.expr)}"

    def __str__(self) -> str:
        if self.symbolic and self.template is None:
            return f"{self.name}(x)_i = Max(x[i] - tau(x), 0) with sum_j Max(x[j] - tau(x), 0) = 1"
        if self.kind == "reduce":
            return f"{self.name}(x) = {self.component()}"
        return (
            f"{self.name}(x)_i = {self.component()}" if self.symbolic else f"{self.name}(x) = {list(self.components())}"
        )


# ---------------------------------------------------------------------------------------
# The catalog
# ---------------------------------------------------------------------------------------
def _fw(framework: str, api: str, defaults: Any = (), note: str = "", **more: Any) -> Framework:
    return Framework(framework, api, defaults, note, **more)


_PASS_DIM = {"dim": None}  # torch's implicit-dim default, deprecated: pass dim


def _sparsemax_component(size: int, index: int) -> sympy.Expr:
    return Max(X[index] - sparsemax_threshold(size), 0, evaluate=False)


_S = _sum(exp(X[j]))

#: The vector activations, in catalog order.
ENTRIES: tuple[VectorActivation, ...] = (
    VectorActivation(
        "softmax",
        exp(X[i]) / _S,
        aliases=("soft_max", "softmax2d"),  # torch.nn.Softmax2d: softmax over the channel axis
        summary="exp(x_i)/sum_j exp(x_j): a probability vector over n classes.",
        frameworks=(
            _fw("pytorch", "torch.nn.Softmax", _PASS_DIM, args={"dim": -1}),
            _fw("pytorch", "torch.nn.Softmax2d", note="softmax over the channel dimension of (N, C, H, W)", axis=-3),
            _fw("jax", "jax.nn.softmax", {"axis": -1}),
            _fw("keras", "keras.activations.softmax", {"axis": -1}),
        ),
        display="softmax",
    ),
    VectorActivation(
        "log_softmax",
        log(exp(X[i]) / _S),
        aliases=("logsoftmax",),
        summary="log(softmax(x)_i) = x_i - logsumexp(x).",
        frameworks=(
            _fw(
                "pytorch",
                "torch.nn.LogSoftmax",
                _PASS_DIM,
                "max-shifted; loses relative accuracy at a dominant entry",
                args={"dim": -1},
            ),
            _fw("jax", "jax.nn.log_softmax", {"axis": -1}),
            _fw("keras", "keras.activations.log_softmax", {"axis": -1}),
        ),
        display="log_softmax",
    ),
    VectorActivation(
        "softmin",
        exp(-X[i]) / _sum(exp(-X[j])),
        summary="exp(-x_i)/sum_j exp(-x_j) = softmax(-x)_i.",
        frameworks=(_fw("pytorch", "torch.nn.Softmin", _PASS_DIM, args={"dim": -1}),),
        display="softmin",
    ),
    VectorActivation(
        "glu",
        X[i] * _sigmoid(X[i + n / 2]),
        kind="halve",
        aliases=("gated_linear_unit",),
        summary="Gated linear unit: a * sigmoid(b) for the halves a, b of x (n even, n/2 outputs).",
        frameworks=(
            _fw("pytorch", "torch.nn.GLU", {"dim": -1}),
            _fw("jax", "jax.nn.glu", {"axis": -1}),
            _fw("keras", "keras.activations.glu", {"axis": -1}),
        ),
        display="GLU",
    ),
    VectorActivation(
        "sparsemax",
        None,
        concrete=_sparsemax_component,
        summary="Euclidean projection onto the probability simplex: max(x_i - tau, 0), exact zeros possible.",
        frameworks=(_fw("keras", "keras.activations.sparsemax", {"axis": -1}),),
        display="sparsemax",
    ),
    VectorActivation(
        "logsumexp",
        log(_S),
        kind="reduce",
        aliases=("lse",),
        summary="log(sum_j exp(x_j)): the smooth maximum (a helper; one output).",
        frameworks=(
            _fw("pytorch", "torch.logsumexp", note="dim is required", args={"dim": -1}),
            _fw("jax", "jax.nn.logsumexp", {"axis": None}, args={"axis": -1}),
            _fw("keras", "keras.ops.logsumexp", {"axis": None}, args={"axis": -1}),
        ),
        display="LSE",
    ),
)


def substitute_entries(expr: sympy.Expr, rule: Callable[[sympy.Expr], sympy.Expr]) -> sympy.Expr:
    """Replace every entry ``x[t]`` (also under a ``Sum``) by ``rule(x[t])``.

    Examples:
        >>> c = sympy.Symbol("c", real=True)
        >>> substitute_entries(ENTRIES[0].component(), lambda e: e + c)
        exp(c + x[i])/Sum(exp(c + x[j]), (j, 0, n - 1))
    """
    return expr.replace(lambda e: isinstance(e, Indexed) and e.base == X, rule)
