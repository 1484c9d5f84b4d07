r"""Vector activations: softmax, log_softmax, softmin, GLU, sparsemax and logsumexp.

These map a vector of n reals to a vector (or, for ``logsumexp``, to one real),
so they are kept out of the scalar catalog (:mod:`symact.definition.catalog`), whose
entries are functions of the one variable :data:`symact.x`. This module is
their registry, in the same style: :class:`VectorActivation` records holding
an exact SymPy definition and descriptive metadata, :func:`get` and
:func:`names`.

A definition is the expression of the i-th output component in the entries
``x[0], ..., x[n-1]`` of :data:`X` (a real ``IndexedBase``), with reductions
written as ``Sum(..., (j, 0, n - 1))``. ``n`` is the symbol :data:`n` (general
length) or a concrete integer (:meth:`VectorActivation.with_n`); for a concrete
n the sums are expanded. sparsemax has no closed form for symbolic n; for a
concrete n its threshold is written exactly as a ``Max`` over all non-empty
index subsets (see :func:`sparsemax_threshold`).

Derived facts (:func:`output_set`, :func:`jacobian`,
:func:`softmax_jacobian_fact`) are :class:`Fact` records: ``holds`` is True
only when SymPy reduced the claim exactly, otherwise an :class:`~symact.Unknown`
with the reason.

Examples:
    >>> sm = get("softmax")
    >>> sm.component()
    exp(x[i])/Sum(exp(x[j]), (j, 0, n - 1))
    >>> sm.with_n(2).components()
    (exp(x[0])/(exp(x[0]) + exp(x[1])), exp(x[1])/(exp(x[0]) + exp(x[1])))
    >>> sm.with_n(3)([0, 0, 0])
    (1/3, 1/3, 1/3)
    >>> get("sparsemax").with_n(3)([2, 0, "1/2"])
    (1, 0, 0)
    >>> sum_to_one(sm).holds, sum_to_one(sm).n
    (True, n)
"""

from __future__ import annotations

import difflib
import functools
import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import sympy
from sympy import Indexed, IndexedBase, Integer, Max, Sum, exp, log

from symact.definition.activation import Framework, exact_number
from symact.core.errors import DefinitionError, UnknownActivationError
from symact.core.unknown import Unknown

__all__ = [
    "X",
    "Fact",
    "OutputSet",
    "VectorActivation",
    "all_vector_activations",
    "get",
    "i",
    "j",
    "jacobian",
    "k",
    "n",
    "names",
    "output_set",
    "reduce_sums",
    "softmax_jacobian_fact",
    "sparsemax_threshold",
    "suggest",
    "substitute_entries",
    "sum_to_one",
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
class VectorActivation:
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
    def expr(self) -> sympy.Expr:
        """The defining expression of component i (symbolic n) or the output vector (concrete n)."""
        return self.component() if self.symbolic else sympy.Matrix(self.components())

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

    def jacobian(self) -> sympy.Matrix:
        """The exact Jacobian matrix d out_r / d x_c (concrete n only)."""
        return jacobian(self)

    def latex(self) -> str:
        r"""LaTeX of the definition: ``name(x)_i = ...``.

        Examples:
            >>> print(get("softmax").latex())
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
# The registry
# ---------------------------------------------------------------------------------------
def _fw(framework: str, api: str, defaults: str = "", note: str = "") -> Framework:
    return Framework(framework, api, defaults, note)


def _sparsemax_component(size: int, index: int) -> sympy.Expr:
    return Max(X[index] - sparsemax_threshold(size), 0, evaluate=False)


_S = _sum(exp(X[j]))

_ENTRIES: tuple[VectorActivation, ...] = (
    VectorActivation(
        "softmax",
        exp(X[i]) / _S,
        aliases=("soft_max",),
        summary="exp(x_i)/sum_j exp(x_j): a probability vector over n classes.",
        frameworks=(
            _fw("pytorch", "torch.nn.Softmax", "dim=None (pass dim)"),
            _fw("jax", "jax.nn.softmax", "axis=-1"),
            _fw("keras", "keras.activations.softmax", "axis=-1"),
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
                "dim=None (pass dim)",
                "max-shifted; loses relative accuracy at a dominant entry",
            ),
            _fw("jax", "jax.nn.log_softmax", "axis=-1"),
            _fw("keras", "keras.activations.log_softmax", "axis=-1"),
        ),
        display="log_softmax",
    ),
    VectorActivation(
        "softmin",
        exp(-X[i]) / _sum(exp(-X[j])),
        summary="exp(-x_i)/sum_j exp(-x_j) = softmax(-x)_i.",
        frameworks=(_fw("pytorch", "torch.nn.Softmin", "dim=None (pass dim)"),),
        display="softmin",
    ),
    VectorActivation(
        "glu",
        X[i] * _sigmoid(X[i + n / 2]),
        kind="halve",
        aliases=("gated_linear_unit",),
        summary="Gated linear unit: a * sigmoid(b) for the halves a, b of x (n even, n/2 outputs).",
        frameworks=(
            _fw("pytorch", "torch.nn.GLU", "dim=-1"),
            _fw("jax", "jax.nn.glu", "axis=-1"),
            _fw("keras", "keras.activations.glu", "axis=-1"),
        ),
        display="GLU",
    ),
    VectorActivation(
        "sparsemax",
        None,
        concrete=_sparsemax_component,
        summary="Euclidean projection onto the probability simplex: max(x_i - tau, 0), exact zeros possible.",
        frameworks=(_fw("jax", "jax.nn.sparsemax", "axis=-1"), _fw("keras", "keras.activations.sparsemax", "axis=-1")),
        display="sparsemax",
    ),
    VectorActivation(
        "logsumexp",
        log(_S),
        kind="reduce",
        aliases=("lse",),
        summary="log(sum_j exp(x_j)): the smooth maximum (a helper; one output).",
        frameworks=(
            _fw("pytorch", "torch.logsumexp", "dim (required)"),
            _fw("jax", "jax.nn.logsumexp", "axis=None"),
            _fw("keras", "keras.ops.logsumexp", "axis=None"),
        ),
        display="LSE",
    ),
)


def _key(name: str) -> str:
    return name.strip().lower().replace("-", "").replace("_", "").replace(" ", "")


_REGISTRY: dict[str, VectorActivation] = {}
_LOOKUP: dict[str, str] = {}
for _act in _ENTRIES:
    for _k in (_key(_act.name), *(_key(a) for a in _act.aliases)):
        _LOOKUP[_k] = _act.name
    _REGISTRY[_act.name] = _act


def names() -> tuple[str, ...]:
    """The canonical names of the vector activations, in registry order.

    Examples:
        >>> names()
        ('softmax', 'log_softmax', 'softmin', 'glu', 'sparsemax', 'logsumexp')
    """
    return tuple(_REGISTRY)


def all_vector_activations() -> tuple[VectorActivation, ...]:
    """Every vector activation, with symbolic length."""
    return tuple(_REGISTRY.values())


def suggest(name: str, limit: int = 3) -> tuple[str, ...]:
    """Vector activation names (canonical or alias) closest to ``name``, best first.

    Examples:
        >>> suggest("logsoftmx")
        ('log_softmax', 'softmax', 'logsumexp')
    """
    by_key: dict[str, str] = {}
    for a in _REGISTRY.values():
        for nm in (a.name, *a.aliases):
            by_key.setdefault(_key(nm), nm)
    close = difflib.get_close_matches(_key(name), list(by_key), n=limit, cutoff=0.6)
    return tuple(dict.fromkeys(by_key[c] for c in close))


def get(name: str | VectorActivation, n: int | None = None) -> VectorActivation:
    """Look up a vector activation by name or alias (case, ``-`` and ``_`` forgiven).

    Args:
        name: the name, or a record (returned as is, or at length ``n``).
        n: a concrete length, or None for the symbolic length.

    Raises:
        UnknownActivationError: (a ``KeyError``) no such name; carries suggestions.

    Examples:
        >>> get("LogSoftmax").name, get("lse").kind, get("softmax", n=4).n
        ('log_softmax', 'reduce', 4)
        >>> get("softmaks")
        Traceback (most recent call last):
        ...
        symact.core.errors.UnknownActivationError: unknown activation 'softmaks'; did you mean 'softmax', 'softmin' or 'log_softmax'?
    """
    if isinstance(name, VectorActivation):
        act = name
    else:
        if not isinstance(name, str):
            raise UnknownActivationError(repr(name))
        canonical = _LOOKUP.get(_key(name))
        if canonical is None:
            raise UnknownActivationError(name, suggest(name))
        act = _REGISTRY[canonical]
    return act.with_n(n) if n is not None else act


# ---------------------------------------------------------------------------------------
# Exact manipulation of sums over the entries
# ---------------------------------------------------------------------------------------
def substitute_entries(expr: sympy.Expr, rule: Callable[[sympy.Expr], sympy.Expr]) -> sympy.Expr:
    """Replace every entry ``x[t]`` (also under a ``Sum``) by ``rule(x[t])``.

    Examples:
        >>> c = sympy.Symbol("c", real=True)
        >>> substitute_entries(get("softmax").component(), lambda e: e + c)
        exp(c + x[i])/Sum(exp(c + x[j]), (j, 0, n - 1))
    """
    return expr.replace(lambda e: isinstance(e, Indexed) and e.base == X, rule)


def _canonical_sums(expr: sympy.Expr) -> sympy.Expr:
    """Rename the bound index of every one-index ``Sum`` to :data:`j` (alpha-renaming)."""

    def rename(s: Sum) -> sympy.Expr:
        if len(s.limits) != 1:
            return s
        var, lo, hi = s.limits[0]
        if var == j:
            return s
        return Sum(s.function.xreplace({var: j}), (j, lo, hi))

    return expr.replace(lambda e: isinstance(e, Sum) and not e.function.has(j), rename)


#: The exact steps :func:`reduce_sums` tries, in order.
SUM_STEPS: tuple[tuple[str, Callable[[sympy.Expr], sympy.Expr]], ...] = (
    ("automatic evaluation", lambda e: e),
    (
        "pull factors free of the summation index out of each Sum, rename bound indices",
        lambda e: _canonical_sums(sympy.factor_sum(sympy.factor_terms(e))),
    ),
    (
        "split exp of sums, pull common factors out of sums, rename bound indices",
        lambda e: _canonical_sums(
            sympy.factor_terms(sympy.expand(e, power_exp=True, mul=False, multinomial=False, log=False, basic=False))
        ),
    ),
    (
        "expand logarithms of positive factors",
        lambda e: sympy.expand_log(
            _canonical_sums(
                sympy.factor_terms(
                    sympy.expand(e, power_exp=True, mul=False, multinomial=False, log=False, basic=False)
                )
            )
        ),
    ),
    ("simplify", lambda e: sympy.simplify(_canonical_sums(e))),
)


def _run(step: Callable[[sympy.Expr], sympy.Expr], expr: sympy.Expr, name: str) -> sympy.Expr:
    """One reduction step; ``simplify`` runs under a time budget (it can hang)."""
    if name == "simplify":
        from symact.core.budget import call

        return call(step, expr, seconds=STEP_SECONDS, what="simplify")
    return step(expr)


#: Seconds allowed for one ``simplify``.
STEP_SECONDS = 6.0


def reduce_sums(expr: sympy.Expr) -> tuple[sympy.Expr, str]:
    """Try the exact steps of :data:`SUM_STEPS`; the first result 0, or the last attempt.

    Returns ``(result, method)``; the claim ``expr == 0`` is proved only when
    ``result == 0``. Only exact identities are used (factor extraction from a sum,
    renaming a bound index, exp(a + b) = exp(a) exp(b), log(a b) = log a + log b
    for a, b > 0, which SymPy applies only when it knows the signs).

    Examples:
        >>> sm = get("softmax").component()
        >>> reduce_sums(Sum(sm, (i, 0, n - 1)) - 1)
        (0, 'split exp of sums, pull common factors out of sums, rename bound indices')
    """
    return _first_reduction(expr, SUM_STEPS)


def _first_reduction(
    expr: sympy.Expr, steps: Sequence[tuple[str, Callable[[sympy.Expr], sympy.Expr]]]
) -> tuple[sympy.Expr, str]:
    """The first of ``steps`` that reduces ``expr`` to 0 (with its name), else the last result and ``""``."""
    last = expr
    for name, step in steps:
        try:
            out = _run(step, expr, name)
            if out == 0:
                return out, name
            last = out
        except Exception:  # noqa: BLE001 - a failing step proves nothing
            continue
    return last, ""


@dataclass(frozen=True)
class Fact:
    """One exactly derived fact about a vector activation.

    Attributes:
        statement: the claim, in words.
        holds: True when proved; otherwise an :class:`~symact.Unknown` with the reason.
        n: the length it was proved for (the symbol :data:`n` for all lengths).
        method: how it was proved (empty when not).
        residual: the expression reduced to 0 (``lhs - rhs``), when there is one.
        hypotheses: the assumptions used, in words.
    """

    statement: str
    holds: Any
    n: Any
    method: str = ""
    residual: sympy.Expr | None = None
    hypotheses: tuple[str, ...] = ()

    def __str__(self) -> str:
        where = "all n" if self.n == n else f"n = {self.n}"
        hyp = [h for h in self.hypotheses if h != "x real"]
        if hyp:
            where += ", " + ", ".join(hyp)
        verdict = "proved" if self.holds is True else str(self.holds)
        return f"{self.statement} [{where}]: {verdict}" + (
            f" by {self.method}" if self.method and self.holds is True else ""
        )


def _component_sum(act: VectorActivation) -> sympy.Expr:
    if act.symbolic:
        body = act.component()
        if act.name == "log_softmax":
            body = exp(body)
        return Sum(body, (i, 0, n - 1))
    comps = act.components()
    if act.name == "log_softmax":
        comps = tuple(exp(c) for c in comps)
    return sympy.Add(*comps)


def sum_to_one(act: VectorActivation | str, size: int | None = None) -> Fact:
    """Prove that the outputs sum to 1 (for log_softmax: sum_i exp(out_i) = 1).

    For symbolic n by exact sum manipulation (:func:`reduce_sums`); for concrete n
    by expanding and cancelling. sparsemax has no closed form for symbolic n: its
    sum is proved by the structured proof of :mod:`proofs.vector` (every step
    re-checked), with the sort-based threshold; for concrete n its nested ``Max``
    does not reduce for n >= 3 (UNKNOWN).

    Examples:
        >>> print(sum_to_one("softmin"))  # doctest: +ELLIPSIS
        the components of softmin(x) sum to 1 [all n]: proved by split exp of sums, ...
        >>> print(sum_to_one("sparsemax"))  # doctest: +ELLIPSIS
        the components of sparsemax(x) sum to 1 [all n, tau from the sort-based rule]: proved by a structured proof, 22 steps ...
        >>> sum_to_one("sparsemax", 3).holds  # doctest: +ELLIPSIS
        Unknown('the residual did not reduce to 0 ...')
    """
    act = get(act, size)
    what = "exp of the components" if act.name == "log_softmax" else "the components"
    statement = f"{what} of {act.name}(x) sum to 1"
    if act.kind != "map":
        return Fact(statement, Unknown(f"{act.name} is not a probability map"), act.n)
    if act.symbolic and act.template is None:
        return _structured_sum(act, statement)
    residual = _component_sum(act) - 1
    if act.symbolic:
        out, method = reduce_sums(residual)
    else:
        out, method = _reduce_concrete(residual)
    if out == 0:
        return Fact(statement, True, act.n, method, residual, ("x real",))
    return Fact(
        statement,
        Unknown(f"the residual did not reduce to 0 (last form: {sympy.sstr(out)[:120]})"),
        act.n,
        "",
        residual,
    )


def _structured_sum(act: VectorActivation, statement: str) -> Fact:
    """The sum of a vector activation without a closed form for symbolic n, from the
    structured proof in :mod:`proofs.vector` (imported here: it builds on this module)."""
    from proofs import vector as pv

    if act.name != "sparsemax":
        return Fact(statement, Unknown(f"{act.name} has no closed form for symbolic n"), n)
    r = pv.prove(act.name, "sum_to_one", n)
    if r.proved and r.check():
        return Fact(
            statement,
            True,
            n,
            f"a structured proof, {len(r.steps)} steps each re-checked (proofs.vector; its sort-based tau "
            "is the concrete definition's Max over subsets for every n: the claim 'threshold')",
            r.lhs - r.rhs,
            ("x real", "tau from the sort-based rule"),
        )
    return Fact(
        statement,
        Unknown(f"sparsemax has no closed form for symbolic n and its structured proof did not check ({r.reason})"),
        n,
    )


def _reduce_concrete(expr: sympy.Expr) -> tuple[sympy.Expr, str]:
    return _first_reduction(
        expr, (("automatic evaluation", lambda e: e), ("cancel", sympy.cancel), ("simplify", sympy.simplify))
    )


# ---------------------------------------------------------------------------------------
# Output set and Jacobian
# ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class OutputSet:
    """The set the outputs lie in, with the facts that establish it.

    Attributes:
        name: the activation.
        description: the set, in words (what the facts prove).
        component: an interval containing every component (for all finite x), exact.
        total: the value of the sum of the components (or of their exps), when proved.
        facts: the individual facts, each proved or Unknown.
    """

    name: str
    description: str
    component: sympy.Set
    total: sympy.Expr | None
    facts: tuple[Fact, ...]

    @property
    def proved(self) -> bool:
        """Whether every fact is proved."""
        return all(f.holds is True for f in self.facts)

    def __str__(self) -> str:
        return "\n".join([f"{self.name}: {self.description}", *(f"  {f}" for f in self.facts)])


def _positive_fact(act: VectorActivation, expr: sympy.Expr, statement: str, size: Any) -> Fact:
    pos = expr.is_positive
    if pos is True:
        return Fact(
            statement,
            True,
            size,
            "SymPy's assumptions: exp of a real is > 0, sums and quotients of positives are > 0",
            expr,
            ("x real",),
        )
    return Fact(statement, Unknown("SymPy's assumptions did not decide the sign"), size, "", expr)


def output_set(act: VectorActivation | str, size: int | None = None) -> OutputSet:
    """The output set of a vector activation, proved exactly where possible.

    * softmax, softmin: every component in (0, 1) and the components sum to 1 (for
      n >= 2; with n = 1 the output is [1]): the open simplex.
    * log_softmax: every component in (-oo, 0) and sum_i exp(out_i) = 1.
    * sparsemax: every component in [0, 1]; exact zeros occur (shown by an exact
      witness); the sum is proved only where :func:`sum_to_one` can.
    * glu: every real number is a component value (witness x_i = 2t, x_{i+n/2} = 0).
    * logsumexp: one real output, > max(x) when n >= 2 (from log_softmax < 0).

    Examples:
        >>> out = output_set("softmax")
        >>> out.component, out.total, out.proved
        (Interval.open(0, 1), 1, True)
        >>> output_set("log_softmax").component
        Interval.open(-oo, 0)
    """
    act = get(act, size)
    sz = act.n
    facts: list[Fact] = []
    if act.name in ("softmax", "softmin", "log_softmax"):
        base = get("softmin" if act.name == "softmin" else "softmax", None if act.symbolic else act.n)
        s_i = base.component() if act.symbolic else base.component(0)
        facts.append(
            _positive_fact(
                act,
                s_i,
                "every component of softmax(x) is > 0" if act.name != "softmin" else "every component is > 0",
                sz,
            )
        )
        total = sum_to_one(base if act.name != "log_softmax" else act)
        facts.append(total)
        # s_i < 1: 1 - s_i is the sum of the other components
        if act.symbolic:
            ok = all(f.holds is True for f in facts)
            facts.append(
                Fact(
                    "every component is < 1",
                    True if ok else Unknown("needs the two facts above"),
                    n,
                    "1 - s_i = sum_{j != i} s_j (the sum is 1), a sum of n - 1 >= 1 terms each > 0 (the first fact)"
                    if ok
                    else "",
                    None,
                    ("n >= 2", "x real"),
                )
            )
        else:
            rests = [sympy.cancel(sympy.together(1 - c)) for c in base.components()]
            pos = act.n >= 2 and all(r.is_positive for r in rests)
            facts.append(
                Fact(
                    "every component is < 1",
                    True if pos else Unknown("n = 1: the only component is 1" if act.n == 1 else "sign undecided"),
                    sz,
                    f"each 1 - s_i, e.g. 1 - s_0 = {sympy.sstr(rests[0])}, is > 0 by SymPy's assumptions"
                    if pos
                    else "",
                    rests[0],
                    ("x real",),
                )
            )
        if act.name == "log_softmax":
            facts.append(
                Fact(
                    "every component of log_softmax(x) is < 0",
                    facts[-1].holds,
                    sz,
                    "log_softmax(x)_i = log(softmax(x)_i) with 0 < softmax(x)_i < 1, and log is increasing with log(1) = 0"
                    if facts[-1].holds is True
                    else "",
                )
            )
            return OutputSet(
                act.name,
                "components in (-oo, 0), with sum_i exp(out_i) = 1",
                sympy.Interval.open(-sympy.oo, 0),
                1 if total.holds is True else None,
                tuple(facts),
            )
        return OutputSet(
            act.name,
            "the open probability simplex: components in (0, 1) summing to 1",
            sympy.Interval.open(0, 1),
            1 if total.holds is True else None,
            tuple(facts),
        )
    if act.name == "sparsemax":
        u = sympy.Symbol("u", real=True)
        nonneg = Max(u, 0).is_nonnegative
        facts.append(
            Fact(
                "every component is >= 0",
                True if nonneg else Unknown("undecided"),
                sz,
                "each component is Max(u, 0) with u = x_i - tau real, and SymPy's assumptions give Max(u, 0) >= 0"
                if nonneg
                else "",
            )
        )
        zero = get("sparsemax", 2)([2, 0])
        facts.append(
            Fact(
                "exact zeros occur (n >= 2)",
                True if zero == (1, 0) else Unknown("witness failed"),
                2,
                f"exact witness sparsemax([2, 0]) = {list(zero)}",
            )
        )
        total = sum_to_one(act)
        facts.append(total)
        facts.append(
            Fact(
                "every component is <= 1",
                True if total.holds is True else Unknown("follows from the sum only where that is proved"),
                sz,
                "components are >= 0 and sum to 1" if total.holds is True else "",
            )
        )
        return OutputSet(
            act.name,
            "the closed probability simplex (components in [0, 1] summing to 1; exact zeros possible)",
            sympy.Interval(0, 1),
            1 if total.holds is True else None,
            tuple(facts),
        )
    if act.name == "glu":
        t = sympy.Symbol("t", real=True)
        comp = get("glu", 2).component(0)
        val = comp.xreplace({X[0]: 2 * t, X[1]: 0})
        facts.append(
            Fact(
                "every real t is a component value",
                True if sympy.simplify(val - t) == 0 else Unknown("witness failed"),
                n,
                f"x_i = 2t, x_(i+n/2) = 0 gives 2t*sigmoid(0) = {val}",
                val - t,
            )
        )
        return OutputSet(
            act.name, "all of R^(n/2): each component takes every real value", sympy.Reals, None, tuple(facts)
        )
    # logsumexp
    lse = act.component() if act.symbolic else act.component(0)
    ls = get("log_softmax", None if act.symbolic else act.n)
    ls_i = ls.component() if act.symbolic else ls.component(0)
    xi = X[i] if act.symbolic else X[0]
    residual = (lse - xi) + ls_i
    out, method = reduce_sums(residual) if act.symbolic else _reduce_concrete(sympy.expand_log(residual))
    below = output_set(ls)
    ok = out == 0 and below.facts[-1].holds is True
    facts.append(
        Fact(
            "logsumexp(x) > x_i for every i",
            True
            if ok
            else Unknown("the identity lse(x) - x_i = -log_softmax(x)_i or the sign of log_softmax was not proved"),
            sz,
            f"lse(x) - x_i = -log_softmax(x)_i (reduced to 0 by {method}), and log_softmax(x)_i < 0 (the output set of log_softmax)"
            if ok
            else "",
            residual,
            ("n >= 2", "x real"),
        )
    )
    return OutputSet(act.name, "all of R (one output, above every entry when n >= 2)", sympy.Reals, None, tuple(facts))


def jacobian(act: VectorActivation | str, size: int | None = None) -> sympy.Matrix:
    """The exact Jacobian d out_r / d x_c for a concrete length.

    Examples:
        >>> J = jacobian("glu", 2)
        >>> J.shape, J[0, 0]
        ((1, 2), 1/(1 + exp(-x[1])))
    """
    act = get(act, size)
    act._need_concrete("the Jacobian")
    comps, ins = act.components(), act.inputs()
    return sympy.Matrix(len(comps), len(ins), lambda r, c: sympy.diff(comps[r], ins[c]))


def softmax_jacobian_fact(size: int | None = None) -> Fact:
    """Prove d softmax(x)_i / d x_k = s_i (delta_ik - s_k), i.e. J = diag(s) - s s^T.

    For symbolic n the derivative is taken through the ``Sum`` (SymPy gives
    ``Sum(exp(x_j) delta_jk)``, evaluated under the hypothesis 0 <= k <= n - 1);
    for concrete n the whole matrix difference is cancelled to 0.

    Examples:
        >>> print(softmax_jacobian_fact())  # doctest: +ELLIPSIS
        d softmax(x)_i/d x_k = s_i*(delta_ik - s_k), i.e. J = diag(s) - s s^T [all n, 0 <= i, k <= n - 1]: proved by ...
        >>> softmax_jacobian_fact(3).holds
        True
    """
    statement = "d softmax(x)_i/d x_k = s_i*(delta_ik - s_k), i.e. J = diag(s) - s s^T"
    act = get("softmax", size)
    if act.symbolic:
        s_i = act.component()
        s_k = act.component(k)
        d = sympy.diff(s_i, X[k]).doit()
        # the sum of exp(x_j) delta_jk over 0 <= j <= n - 1 is exp(x_k) because 0 <= k <= n - 1
        d = d.replace(
            lambda e: isinstance(e, sympy.Piecewise),
            lambda e: e.args[0].expr if e.args[0].cond.subs(k <= n - 1, True) in (sympy.true, k <= n - 1) else e,
        )
        residual = d - s_i * (sympy.KroneckerDelta(i, k) - s_k)
        out, method = reduce_sums(residual)
        if out == 0:
            return Fact(
                statement,
                True,
                n,
                "differentiating through the Sum, then " + method,
                residual,
                ("x real", "0 <= i, k <= n - 1"),
            )
        return Fact(statement, Unknown("the residual did not reduce to 0"), n, "", residual)
    J = jacobian(act)
    s = sympy.Matrix(act.components())
    residual = J - (sympy.diag(*s) - s * s.T)
    out = residual.applyfunc(sympy.cancel)
    if out.is_zero_matrix:
        return Fact(statement, True, act.n, "cancel, entry by entry", None, ("x real",))
    return Fact(statement, Unknown("some entry did not cancel"), act.n)


# ---------------------------------------------------------------------------------------
# Command-line handlers (wired into symact.cli: show, latex, prove, code, check)
# ---------------------------------------------------------------------------------------
def is_vector(name: str) -> bool:
    """Whether ``name`` names a vector activation (and no scalar catalog entry).

    Examples:
        >>> is_vector("softmax"), is_vector("LSE"), is_vector("relu")
        (True, True, False)
    """
    from symact.definition import catalog

    if not isinstance(name, str) or _key(name) not in _LOOKUP:
        return False
    # not through catalog.get, which falls back to this registry (that would recurse)
    scalar = {_key(nm) for a in catalog.all_activations() for nm in (a.name, *a.aliases)}
    return _key(name) not in scalar


def show_record(name: str) -> dict[str, Any]:
    """The JSON-ready record ``symact show --json`` prints for a vector activation."""
    act = get(name)
    out = output_set(act)
    jac = softmax_jacobian_fact() if act.name == "softmax" else None
    return {
        "name": act.name,
        "kind": act.kind,
        "aliases": list(act.aliases),
        "summary": act.summary,
        "formula": str(act),
        "latex": act.latex(),
        "example_n2": None if act.kind == "halve" else [str(c) for c in act.with_n(2).components()],
        "frameworks": [
            {"framework": f.framework, "api": f.api, "defaults": f.defaults, "note": f.note} for f in act.frameworks
        ],
        "output_set": {
            "description": out.description,
            "component": str(out.component),
            "total": None if out.total is None else str(out.total),
            "facts": [
                {
                    "statement": f.statement,
                    "holds": f.holds is True,
                    "reason": None if f.holds is True else str(f.holds),
                    "n": str(f.n),
                    "method": f.method,
                    "hypotheses": list(f.hypotheses),
                }
                for f in out.facts
            ],
        },
        "jacobian": None
        if jac is None
        else {"statement": jac.statement, "holds": jac.holds is True, "method": jac.method},
    }


def cli_show(name: str, as_json: bool = False) -> int:
    """``symact show NAME [--json]`` for a vector activation; returns the exit code.

    Examples:
        >>> cli_show("softmin")  # doctest: +ELLIPSIS
        softmin(x)_i = exp(-x[i])/Sum(exp(-x[j]), (j, 0, n - 1))
          exp(-x_i)/sum_j exp(-x_j) = softmax(-x)_i.
        n = 2: [exp(-x[0])/(exp(-x[1]) + exp(-x[0])), exp(-x[1])/(exp(-x[1]) + exp(-x[0]))]
        output set: the open probability simplex: components in (0, 1) summing to 1
          every component is > 0 [all n]: proved by ...
          the components of softmin(x) sum to 1 [all n]: proved by ...
          every component is < 1 [all n, n >= 2]: proved by 1 - s_i = sum_{j != i} s_j (the sum is 1), ...
          pytorch: torch.nn.Softmin (dim=None (pass dim))
        0
    """
    import json

    if as_json:
        print(json.dumps(show_record(name), indent=2))
        return 0
    act = get(name)
    print(str(act))
    if act.summary:
        print(f"  {act.summary}")
    if act.kind != "halve":
        print(f"n = 2: {[c for c in act.with_n(2).components()]}")
    else:
        print(f"n = 4: {[c for c in act.with_n(4).components()]}")
    out = output_set(act)
    print(f"output set: {out.description}")
    for f in out.facts:
        print(f"  {f}")
    if act.name == "softmax":
        print(f"jacobian: {softmax_jacobian_fact()}")
    for f in act.frameworks:
        print(
            f"  {f.framework}: {f.api}" + (f" ({f.defaults})" if f.defaults else "") + (f"; {f.note}" if f.note else "")
        )
    return 0


def cli_latex(name: str) -> int:
    r"""``symact latex NAME`` for a vector activation.

    Examples:
        >>> cli_latex("logsumexp")
        \operatorname{LSE}(x) = \log{\left(\sum_{j=0}^{n - 1} e^{{x}_{j}} \right)}
        0
    """
    print(get(name).latex())
    return 0


def cli_prove(name: str, prop: str | None = None, fmt: str = "text") -> int:
    """``symact prove NAME [--property P] [--format F]``: exit 1 when a verdict is UNKNOWN.

    ``prop=None`` (or ``"all"``) proves every applicable claim; for a vector
    activation the scalar default ``"linearity"`` is one of them.

    Examples:
        >>> cli_prove("softmax", "two_class")  # doctest: +ELLIPSIS
        Claim (softmax, for n = 2): the two-class softmax is the sigmoid: ...
        PROVED.
        0
    """
    from proofs import vector as pv

    props = pv.claims_for(name) if prop in (None, "all") else (prop,)
    results = tuple(pv.prove(name, p) for p in props)
    if fmt == "json":
        print(pv.to_json(results if len(results) > 1 else results[0]))
    else:
        print("\n\n".join(getattr(r, fmt)() for r in results))
    return 1 if any(r.verdict.value == "unknown" for r in results) else 0


def cli_code(name: str) -> int:
    """``symact code NAME``: print the generated NumPy source.

    Examples:
        >>> cli_code("softmin")  # doctest: +ELLIPSIS
        def softmin(x, axis=-1):
        ...
        0
    """
    from symact.codegen.vector import source

    print(source(name), end="")
    return 0


def cli_check(name: str, count: int = 100, length: int = 1000) -> int:
    """``symact check NAME``: validate against mpmath; exit 1 when a bar is missed.

    Examples:
        >>> cli_check("softmax", count=10, length=20)  # doctest: +ELLIPSIS
        softmax ok: f32 max 0 ULP (dominant 0); f64 max ... ULP (dominant ...); 0 wrong, 0 warnings
        ...
        0
    """
    from symact.codegen.vector import validate

    rep = validate(name, count=count, length=length)
    print(rep)
    return 0 if rep.ok else 1
