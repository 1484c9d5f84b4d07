r"""Proofs about the vector activations (:mod:`symact.definition.vector`), with re-checkable certificates.

Same verdicts as the scalar proofs (:class:`~proofs.verdict.Verdict`): PROVED with
an exact reduction of ``lhs - rhs`` to 0, DISPROVED with an exact counterexample
whose difference is proved nonzero (exact rationals, an interval enclosure from
:func:`symact.numeric.interval.certify_nonzero`, or, for a symbolic length n, SymPy's
sign assumptions after writing n = m + n_min with m a non-negative integer),
UNKNOWN with a reason. :meth:`VectorProof.check` re-derives both sides from the
registry definitions and re-runs the recorded method; it never uses floats.

Each claim is attempted for a symbolic length n first; when that does not end
in a verdict, it is proved for n = 2..5 (the ``cases``) and the general verdict
stays UNKNOWN with the reason.

sparsemax has no closed form for symbolic n. Its sum and its shift invariance are
proved for every n by a *structured proof* (:func:`sparsemax_steps`) about the
sort-based definition (z = x sorted non-increasingly, k = max{a : 1 + a z_a >
z_1 + ... + z_a}, tau = (z_1 + ... + z_k - 1)/k): a list of :class:`ProofStep`
records on symbolic-n objects (indexed symbols, ``Sum`` with symbolic limits),
each justified by a rule of :data:`RULES` -- ``algebra`` (an exact SymPy
reduction to 0 after substituting earlier equalities) or a named lemma whose
premises are earlier steps, checked by :func:`check_steps` (the signs of Max and
of sums by SymPy's assumptions on signed symbols; the hypotheses of every premise
entailed by the step's own). The ``threshold`` claim ties the sort-based tau to
the registry's concrete definition (:func:`symact.definition.vector.sparsemax_threshold`, a Max
over the non-empty index sets S of (sum_S x - 1)/|S|) for every n: every such mean is
<= tau (from the sum) and S = {1..k} attains it. The exact proofs of the concrete
definition for n = 2..5 are kept as ``cases``. Non-linearity for every n uses the
witness a = b = 0 with sparsemax(c*1) = 1/n, itself a structured proof (``"constant"``).

The claims (:data:`CLAIMS`):

* ``sum_to_one``: sum_i f(x)_i = 1 (log_softmax: sum_i exp(f(x)_i) = 1);
* ``shift_invariance``: f(x + c 1) = f(x) (logsumexp: = lse(x) + c);
* ``two_class``: softmax([t, 0]) = [sigmoid(t), 1 - sigmoid(t)], log_softmax([t, 0]) =
  [log_sigmoid(t), log_sigmoid(-t)] (n = 2 by definition);
* ``log_softmax_identity``: log_softmax(x)_i = x_i - logsumexp(x);
* ``softmin_identity``: softmin(x) = softmax(-x);
* ``additivity``, ``homogeneity``, ``linearity``: disproved by exact witnesses.

Examples:
    >>> r = prove("softmax", "sum_to_one")
    >>> print(r)
    softmax: sum_to_one proved for all n
    >>> r.check()
    True
    >>> lin = prove("softmax", "linearity")
    >>> print(lin)
    softmax: linearity disproved for all n (a = 0, b = 0, component 0: 1/n != 2/n)
    >>> lin.check()
    True
    >>> s = prove("sparsemax", "sum_to_one")
    >>> print(s)
    sparsemax: sum_to_one proved for all n
    >>> s.check(), len(s.steps), [(c.n, c.verdict.value) for c in s.cases]
    (True, 22, [(2, 'proved'), (3, 'unknown'), (4, 'unknown'), (5, 'unknown')])
    >>> print(s.steps[6].text())
    (S7) -tau + z[k] > 0 -- lemma: from A <=> B and A, B from S6, S4; z[k] > tau
"""

from __future__ import annotations

import builtins
import itertools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import sympy
from sympy import Indexed, Max, Min

from proofs.evidence import FAILURES, Outcome, Verdict, sign_evidence
from symact.analysis import pieces
from symact.analysis import vector as V
from symact.core import budget
from symact.definition import registry
from symact.definition.activation import x
from symact.definition.vector import X, i, n, substitute_entries
from symact.numeric.interval import certify_nonzero, enclosure_bounds

__all__ = [
    "CLAIMS",
    "RULES",
    "STRUCTURED",
    "ProofStep",
    "VectorCounterexample",
    "VectorProof",
    "check_steps",
    "claims_for",
    "prove",
    "prove_all",
    "sparsemax_constant_value",
    "sparsemax_steps",
    "sparsemax_theorem",
]

#: Every claim, in words (``{f}`` is the activation's name).
CLAIMS: dict[str, str] = {
    "sum_to_one": "the components of {f}(x) sum to 1",
    "shift_invariance": "{f}(x + c*1) = {f}(x) for every real c",
    "two_class": "the two-class {f} is the sigmoid: {f}([t, 0]) = [sigmoid(t), 1 - sigmoid(t)]",
    "log_softmax_identity": "log_softmax(x)_i = x_i - logsumexp(x)",
    "softmin_identity": "softmin(x) = softmax(-x)",
    "threshold": "the sort-based threshold tau equals the concrete definition's max over non-empty index sets S of (sum_S x - 1)/|S|",
    "additivity": "{f}(a + b) = {f}(a) + {f}(b) for all vectors a, b",
    "homogeneity": "{f}(c a) = c {f}(a) for all real c and vectors a",
    "linearity": "{f} is linear (additive and homogeneous)",
}

#: Which claims apply to which activation.
_APPLIES: dict[str, tuple[str, ...]] = {
    "softmax": ("sum_to_one", "shift_invariance", "two_class", "additivity", "homogeneity", "linearity"),
    "log_softmax": (
        "sum_to_one",
        "shift_invariance",
        "two_class",
        "log_softmax_identity",
        "additivity",
        "homogeneity",
        "linearity",
    ),
    "softmin": ("sum_to_one", "shift_invariance", "softmin_identity", "additivity", "homogeneity", "linearity"),
    "sparsemax": ("sum_to_one", "shift_invariance", "threshold", "two_class", "additivity", "homogeneity", "linearity"),
    "glu": ("additivity", "homogeneity", "linearity"),
    "logsumexp": ("shift_invariance", "additivity", "homogeneity", "linearity"),
}

#: The concrete lengths tried when the general case is not decided.
CONCRETE_N: tuple[int, ...] = (2, 3, 4, 5)
#: The largest concrete length attempted per activation (sparsemax's threshold is a Max over
#: 2**n - 1 subsets; at n = 4, 5 the identity proofs take minutes: measured 134 s for shift invariance).
_MAX_CONCRETE: dict[str, int] = {"sparsemax": 3}
_SKIP_REASON = (
    "not attempted: sparsemax's threshold is a Max over 2**n - 1 subset means, too costly for SymPy at this n"
)

_c = sympy.Symbol("c", real=True)
_t = sympy.Symbol("t", real=True)
_m = sympy.Symbol("m", integer=True, nonnegative=True)


def claims_for(name: str) -> tuple[str, ...]:
    """The claims that apply to a vector activation.

    Examples:
        >>> claims_for("glu")
        ('additivity', 'homogeneity', 'linearity')
    """
    return _APPLIES[V.get(name).name]


# ---------------------------------------------------------------------------------------
# Exact reduction methods (named, so a check can re-run the same one)
# ---------------------------------------------------------------------------------------
def _max_translate(expr: sympy.Expr, shift: sympy.Symbol) -> sympy.Expr:
    """Rewrite Max(a_1 + c, ..., a_k + c) as Max(a_1, ..., a_k) + c (and Min alike), bottom up.

    The identity max_k(a_k + c) = max_k(a_k) + c holds for all reals; it is applied only
    when every argument, expanded, is ``c`` plus a part free of ``c``.
    """

    def rule(e: sympy.Expr) -> sympy.Expr:
        rest = [sympy.expand(a - shift) for a in e.args]
        if all(not r.has(shift) for r in rest):
            return e.func(*rest, evaluate=False) + shift
        return e

    return expr.replace(lambda e: isinstance(e, (Max, Min)), rule)


def _shift_steps(expr: sympy.Expr) -> sympy.Expr:
    out = _max_translate(sympy.expand(expr), _c)
    return sympy.expand(_max_translate(out, _c))


def _piecewise_zero(expr: sympy.Expr, var: sympy.Symbol) -> bool:
    """Whether the canonical piecewise form of ``expr`` in ``var`` is 0 on every piece and at every breakpoint."""
    form = pieces.decompose(expr, var)
    return all(sympy.expand(p) == 0 for p in form.pieces) and all(sympy.expand(v) == 0 for v in form.values)


def _shift_then_1d(expr: sympy.Expr) -> sympy.Expr:
    """0 when ``expr`` (in x[0], x[1] or t) is proved 0 by: shift invariance of expr itself
    (max_k(a_k + c) = max_k(a_k) + c, expanded to 0), so expr(x0, x1) = expr(x0 - x1, 0); then
    its canonical piecewise form in t = x0 - x1 is 0 on every piece and at every breakpoint.
    Otherwise ``expr`` unchanged."""
    entries = {e for e in expr.atoms(Indexed) if e.base == X}
    if entries and entries != {X[0], X[1]}:
        return expr
    if entries:
        moved = substitute_entries(expr, lambda e: e + _c)
        if _shift_steps(moved - expr) != 0:
            return expr
        expr = expr.xreplace({X[0]: _t, X[1]: sympy.S.Zero})
    if expr.free_symbols - {_t}:
        return expr
    return sympy.S.Zero if _piecewise_zero(expr, _t) else expr


def _as_is(e: sympy.Expr) -> sympy.Expr:
    return e


def _expand_exp_log_cancel(e: sympy.Expr) -> sympy.Expr:
    return sympy.cancel(sympy.expand_log(sympy.expand(e, power_exp=True), force=False))


def _simplify_exp_form(e: sympy.Expr) -> sympy.Expr:
    return sympy.simplify(e.rewrite(sympy.exp))


# Module-level functions, not lambdas: a budgeted step is sent to a worker by reference.
_CONCRETE_METHODS: dict[str, Callable[[sympy.Expr], sympy.Expr]] = {
    "automatic evaluation": _as_is,
    "expand": sympy.expand,
    "cancel": sympy.cancel,
    "expand exp and log, cancel": _expand_exp_log_cancel,
    "translation commutes with Max (max_k(a_k + c) = max_k(a_k) + c), expand": _shift_steps,
    "simplify after rewriting in exp": _simplify_exp_form,
    "shift invariance of the residual (translation commutes with Max) reduces it to x = [t, 0]; "
    "its canonical piecewise form in t is 0 on every piece and at every breakpoint": _shift_then_1d,
}
#: The methods tried on expressions with Max/Min (the others expand them into huge trees).
_MAX_METHODS = (
    "automatic evaluation",
    "translation commutes with Max (max_k(a_k + c) = max_k(a_k) + c), expand",
    (
        "shift invariance of the residual (translation commutes with Max) reduces it to x = [t, 0]; "
        "its canonical piecewise form in t is 0 on every piece and at every breakpoint"
    ),
)
_SUM_METHODS: dict[str, Callable[[sympy.Expr], sympy.Expr]] = dict(V.SUM_STEPS)
_METHODS = {**_SUM_METHODS, **_CONCRETE_METHODS}


def _reduce(expr: sympy.Expr, general: bool) -> tuple[sympy.Expr, str]:
    if general:
        return V.reduce_sums(expr)
    last = expr
    names = _MAX_METHODS if expr.has(Max, Min) else tuple(_CONCRETE_METHODS)
    for name in names:
        try:
            out = _apply(name, expr)
        except FAILURES:  # a failing method proves nothing
            continue
        if out == 0:
            return out, name
        last = out
    return last, ""


def _apply(method: str, expr: sympy.Expr) -> sympy.Expr:
    """``expr`` reduced by ``method``; a ``simplify`` step runs under its own budget and, past it, leaves ``expr`` as it was."""
    step = _METHODS[method]
    if "simplify" in method:
        return budget.step(step, expr, seconds=V.STEP_SECONDS, what=method, on_timeout=lambda err: expr)
    return step(expr)


# ---------------------------------------------------------------------------------------
# Both sides of each identity, from the definitions
# ---------------------------------------------------------------------------------------
def _act(name: str, size: Any) -> V.VectorActivation:
    return V.get(name, None if size == n else size)


def _comps(act: V.VectorActivation) -> list[sympy.Expr]:
    return [act.component()] if act.symbolic else list(act.components())


def _sides(name: str, prop: str, size: Any) -> tuple[sympy.Expr, sympy.Expr, tuple[str, ...]] | str:
    """``(lhs, rhs, hypotheses)`` of an identity claim, or the reason it cannot be stated."""
    act = _act(name, size)
    if act.symbolic and act.template is None:
        return f"{name} has no closed form for symbolic n (its threshold solves sum_j max(x_j - tau, 0) = 1)"
    if prop == "sum_to_one":
        body = _comps(act)
        if name == "log_softmax":
            body = [sympy.exp(b) for b in body]
        lhs = sympy.Sum(body[0], (i, 0, n - 1)) if act.symbolic else sympy.Add(*body)
        return lhs, sympy.Integer(1), ("x real",)
    if prop == "shift_invariance":
        comps = _comps(act)
        shifted = [substitute_entries(cmp, lambda e: e + _c) for cmp in comps]
        lhs = sympy.Matrix(shifted) if len(comps) > 1 else shifted[0]
        rhs = sympy.Matrix(comps) if len(comps) > 1 else comps[0]
        if name == "logsumexp":
            rhs = rhs + _c
        return lhs, rhs, ("x real", "c real")
    if prop == "two_class":
        if size != 2:
            return "the two-class identity is about n = 2"
        comps = list(act.components())
        lhs = sympy.Matrix([cmp.xreplace({X[0]: _t, X[1]: 0}) for cmp in comps])
        if name == "softmax":
            sig = registry.get("sigmoid").expr.xreplace({x: _t})
            rhs = sympy.Matrix([sig, 1 - sig])
        elif name == "log_softmax":
            ls = registry.get("log_sigmoid").expr
            rhs = sympy.Matrix([ls.xreplace({x: _t}), ls.xreplace({x: -_t})])
        else:
            ss = registry.get("sparse_sigmoid").expr
            rhs = sympy.Matrix([ss.xreplace({x: _t}), ss.xreplace({x: -_t})])
        return lhs, rhs, ("t real",)
    if prop == "log_softmax_identity":
        lse = _act("logsumexp", size)
        lse_e = lse.component() if lse.symbolic else lse.component(0)
        comps = _comps(act)
        xs = [X[i]] if act.symbolic else list(act.inputs())
        lhs = sympy.Matrix(comps) if len(comps) > 1 else comps[0]
        rhs_l = [xv - lse_e for xv in xs]
        rhs = sympy.Matrix(rhs_l) if len(rhs_l) > 1 else rhs_l[0]
        return lhs, rhs, ("x real",)
    if prop == "softmin_identity":
        sm = _act("softmax", size)
        comps = _comps(act)
        neg = [substitute_entries(cmp, lambda e: -e) for cmp in _comps(sm)]
        return (
            (sympy.Matrix(comps) if len(comps) > 1 else comps[0]),
            (sympy.Matrix(neg) if len(neg) > 1 else neg[0]),
            ("x real",),
        )
    raise ValueError(f"{prop!r} is not an identity claim")


def _residual(lhs: sympy.Expr, rhs: sympy.Expr) -> list[sympy.Expr]:
    if isinstance(lhs, sympy.MatrixBase):
        return list(lhs - rhs)
    return [lhs - rhs]


# ---------------------------------------------------------------------------------------
# Counterexamples
# ---------------------------------------------------------------------------------------
Vec = tuple[sympy.Expr, tuple[tuple[Any, sympy.Expr], ...]]  # (default value, ((index, value), ...))


def _value_at(act: V.VectorActivation, comp: int, vec: Vec) -> sympy.Expr:
    default, overrides = vec
    table = dict(overrides)
    if act.name == "sparsemax" and act.symbolic:  # no closed form: the value at c*1 from its structured proof
        if overrides:
            raise ValueError("sparsemax for symbolic n is evaluated only at constant vectors c*1")
        return sparsemax_constant_value(default)
    expr = act.component(comp)
    if overrides and expr.has(sympy.Sum):
        # an entry set apart from the rest cannot be substituted under a Sum over all entries
        raise ValueError("witness vectors with individual entries are not supported under a Sum")

    def rule(e: Indexed) -> sympy.Expr:
        return table.get(e.indices[0], default)

    value = substitute_entries(expr, rule).doit()
    return sympy.simplify(value) if value.has(Max, Min) else value


def _vec_add(a: Vec, b: Vec) -> Vec:
    keys = dict.fromkeys([k for k, _ in a[1]] + [k for k, _ in b[1]])
    da, db = dict(a[1]), dict(b[1])
    return a[0] + b[0], tuple((k2, da.get(k2, a[0]) + db.get(k2, b[0])) for k2 in keys)


def _vec_scale(c: sympy.Expr, a: Vec) -> Vec:
    return c * a[0], tuple((k2, c * v) for k2, v in a[1])


def _vec_text(v: Vec) -> str:
    default, overrides = v
    if not overrides:
        return str(default) if default == 0 else f"{default}*1"
    parts = ", ".join(f"x[{k2}] = {val}" for k2, val in overrides)
    return f"({parts}, else {default})"


def _sign(diff: sympy.Expr, n_min: int) -> tuple[int | None, str, tuple[str, str, int] | None]:
    """The proved sign of ``diff``, how it was proved, and an enclosure (for transcendental numbers)."""
    if diff.has(n):
        shifted = diff.xreplace({n: _m + n_min})
        if shifted.is_positive:
            return 1, f"SymPy's sign assumptions with n = m + {n_min}, m >= 0 an integer", None
        if shifted.is_negative:
            return -1, f"SymPy's sign assumptions with n = m + {n_min}, m >= 0 an integer", None
        return None, "", None
    s = certify_nonzero(diff)
    if s is None:
        return None, "", None
    if diff.is_Rational:
        return s, "exact rational arithmetic", None
    enc = enclosure_bounds(diff)
    if enc is None:  # pragma: no cover - certify_nonzero found one
        return None, "", None
    return s, f"{enc[2]}-bit interval arithmetic puts the difference in [{enc[0]}, {enc[1]}], which excludes 0", enc


@dataclass(frozen=True)
class VectorCounterexample:
    """Exact witness vectors at which additivity or homogeneity fails, in one component.

    Attributes:
        property: ``"additivity"`` (f(a + b) = f(a) + f(b)) or ``"homogeneity"`` (f(c a) = c f(a)).
        name: the activation.
        n: the length (the symbol n: the witness works for every n >= ``n_min``).
        n_min: the smallest length the witness is claimed for.
        values: ``(("a", vec), ("b", vec))`` or ``(("c", c), ("a", vec))``; a vec is
            ``(default, ((index, value), ...))``: every entry ``default`` except the listed ones.
        component: the output component compared.
        lhs, rhs, difference: exact.
        sign: the proved sign of the difference.
        evidence: how the sign was proved.
        enclosure: decimal bounds and bits when an interval proved it, else None.
    """

    property: str
    name: str
    n: Any
    n_min: int
    values: tuple[tuple[str, Any], ...]
    component: int
    lhs: sympy.Expr
    rhs: sympy.Expr
    difference: sympy.Expr
    sign: int
    evidence: str
    enclosure: tuple[str, str, int] | None = None

    def _compute(self) -> tuple[sympy.Expr, sympy.Expr]:
        act = _act(self.name, self.n)
        v = dict(self.values)
        if self.property == "additivity":
            a, b = v["a"], v["b"]
            lhs = _value_at(act, self.component, _vec_add(a, b))
            rhs = _value_at(act, self.component, a) + _value_at(act, self.component, b)
        else:
            c, a = sympy.sympify(v["c"], strict=True), v["a"]
            lhs = _value_at(act, self.component, _vec_scale(c, a))
            rhs = c * _value_at(act, self.component, a)
        return lhs, rhs

    def check(self) -> bool:
        """Recompute both sides from the definition and re-prove the sign of their difference."""
        try:
            lhs, rhs = self._compute()
            if sympy.simplify(lhs - self.lhs) != 0 or sympy.simplify(rhs - self.rhs) != 0:
                return False
            sign, _, _ = _sign(lhs - rhs, self.n_min)
            return sign is not None and sign == self.sign
        except FAILURES:  # a check that cannot run confirms nothing
            return False

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready mapping; exact numbers are strings."""
        vals = {k2: (str(v) if k2 == "c" else _vec_text(v)) for k2, v in self.values}
        return {
            "property": self.property,
            "n": str(self.n),
            "n_min": self.n_min,
            "values": vals,
            "component": self.component,
            "lhs": str(self.lhs),
            "rhs": str(self.rhs),
            **sign_evidence(self.difference, self.sign, self.evidence, self.enclosure),
        }

    @classmethod
    def build(
        cls, prop: str, name: str, size: Any, n_min: int, values: tuple[tuple[str, Any], ...], component: int = 0
    ) -> VectorCounterexample | None:
        """The counterexample if the inequality is proved, else None."""
        proto = cls(prop, name, size, n_min, values, component, sympy.S.Zero, sympy.S.Zero, sympy.S.Zero, 0, "")
        lhs, rhs = proto._compute()
        diff = sympy.simplify(lhs - rhs) if (lhs - rhs).has(n) else lhs - rhs
        sign, evidence, enc = _sign(diff, n_min)
        if sign is None:
            return None
        return cls(prop, name, size, n_min, values, component, lhs, rhs, diff, sign, evidence, enc)


def _witnesses(name: str, prop: str, size: Any) -> tuple[int, tuple[tuple[str, Any], ...]] | None:
    zero: Vec = (sympy.S.Zero, ())
    if name == "glu":
        half = n / 2 if size == n else size // 2
        if prop == "additivity":
            return 2, (("a", (sympy.S.Zero, ((0, sympy.S.One),))), ("b", (sympy.S.Zero, ((half, sympy.S.One),))))
        return 2, (("c", sympy.Integer(2)), ("a", (sympy.S.Zero, ((0, sympy.S.One), (half, sympy.S.One)))))
    n_min = 2 if name in ("log_softmax", "logsumexp") else 1
    if prop == "additivity":
        return n_min, (("a", zero), ("b", zero))
    return n_min, (("c", sympy.Integer(2)), ("a", zero))


# ---------------------------------------------------------------------------------------
# Structured proofs for symbolic n (sparsemax): steps checked one by one
# ---------------------------------------------------------------------------------------
#: The sorted entries z[1] >= z[2] >= ... >= z[n] of x (a rearrangement), and those of x + c*1.
Z = sympy.IndexedBase("z", real=True)
ZC = sympy.IndexedBase("z'", real=True)
_l = sympy.Symbol("l", integer=True)
_a = sympy.Symbol("a", integer=True)
_b = sympy.Symbol("b", integer=True)
#: k(x), tau(x) and, for x + c*1, k' and tau'.
K = sympy.Symbol("k", integer=True, positive=True)
KC = sympy.Symbol("k'", integer=True, positive=True)
TAU = sympy.Symbol("tau", real=True)
TAUC = sympy.Symbol("tau'", real=True)
#: A non-empty index set S of z, by its indicator e[l] in {0, 1}; s = |S| >= 1; t_S = (sum_S z - 1)/s.
E = sympy.IndexedBase("e", nonnegative=True)
SS = sympy.Symbol("s", integer=True, positive=True)
TS = sympy.Symbol("t_S", real=True)
#: The threshold of the concrete definition: max over non-empty S of t_S, over the indices of x
#: (:func:`symact.definition.vector.sparsemax_threshold`) and over those of z.
TMAX_X = sympy.Symbol("T_x", real=True)
TMAX_Z = sympy.Symbol("T_z", real=True)


def _prefix(base: sympy.IndexedBase, upto: sympy.Expr) -> sympy.Expr:
    """sum_{l=1}^{upto} base[l]."""
    return sympy.Sum(base[_l], (_l, 1, upto))


def _cond(base: sympy.IndexedBase, at: sympy.Expr) -> sympy.Expr:
    """1 + a z_a - sum_{l<=a} z_l: the support condition is that this is > 0."""
    return 1 + at * base[at] - _prefix(base, at)


#: The sort-based definition of sparsemax for every n (Martins and Astudillo, 2016).
DEFINITIONS: dict[str, sympy.Expr] = {
    "k": K,  # k = max{a in 1..n : 1 + a z_a > sum_{l<=a} z_l}  (a rule, stated in words)
    "tau": sympy.Eq(TAU, (_prefix(Z, K) - 1) / K, evaluate=False),
    "tau'": sympy.Eq(TAUC, (_prefix(ZC, KC) - 1) / KC, evaluate=False),
    "s": sympy.Eq(SS, sympy.Sum(E[_l], (_l, 1, n)), evaluate=False),
    "t_S": sympy.Eq(TS, (sympy.Sum(E[_l] * Z[_l], (_l, 1, n)) - 1) / SS, evaluate=False),
}
SPARSEMAX_DEFINITION = (
    "z = x sorted non-increasingly (z[1] >= ... >= z[n], a rearrangement of x); "
    "k = max{a in 1..n : 1 + a z[a] > z[1] + ... + z[a]}; tau = (z[1] + ... + z[k] - 1)/k; "
    "sparsemax(x)[i] = max(x[i] - tau, 0)"
)
SHIFTED_DEFINITION = "z', k', tau': the same for x + c*1"
THRESHOLD_DEFINITION = (
    "T_x = max over non-empty S in {0..n-1} of (sum_{i in S} x[i] - 1)/|S| (the threshold of the concrete definition, "
    "symact.definition.vector.sparsemax_threshold); T_z the same over the indices of z; S is given by its indicator e[l] in {0, 1}, "
    "s = |S| >= 1, t_S = (sum_l e[l] z[l] - 1)/s"
)


def _zero(expr: sympy.Expr) -> bool:
    """Whether SymPy reduces ``expr`` exactly to 0: expand (splitting sums of sums), evaluate
    sums of constants, expand; then combine adjacent summation ranges (``sum_simplify``)."""
    from sympy.simplify.simplify import sum_simplify

    out = sympy.expand(sympy.expand(expr).doit())
    if out == 0:
        return True
    if sympy.expand(sum_simplify(out)) == 0:
        return True
    return sympy.expand(_peel(out).doit()) == 0


def _peel(expr: sympy.Expr) -> sympy.Expr:
    """sum_{l=lo}^{u+1} f(l) -> sum_{l=lo}^{u} f(l) + f(u + 1) for an upper limit u + 1 (an
    identity for all integer limits in SymPy's summation convention, Karr's)."""

    def rule(e: sympy.Sum) -> sympy.Expr:
        var, lo, hi = e.limits[0]
        const, rest = hi.as_coeff_Add()
        if len(e.limits) != 1 or const != 1 or rest == 0:
            return e
        return sympy.Sum(e.function, (var, lo, rest)) + e.function.xreplace({var: hi})

    return expr.replace(lambda e: isinstance(e, sympy.Sum), rule)


def _substitute(expr: sympy.Expr, rules: list[sympy.Eq]) -> sympy.Expr:
    """Rewrite ``expr`` with earlier equalities ``lhs = rhs`` whose lhs is a symbol or an entry
    pattern ``z'[l]`` (applied to every entry of that base); repeated until nothing changes."""
    for _ in range(4):
        before = expr
        for r in rules:
            lhs, rhs = r.lhs, r.rhs
            if isinstance(lhs, sympy.Symbol):
                expr = expr.xreplace({lhs: rhs})
            elif isinstance(lhs, Indexed) and lhs.indices == (_l,):
                base = lhs.base
                expr = expr.replace(
                    lambda e, b=base: isinstance(e, Indexed) and e.base == b,
                    lambda e, rhs=rhs: rhs.xreplace({_l: e.indices[0]}),
                )
            else:
                expr = expr.xreplace({lhs: rhs})
        if expr == before:
            break
    return expr


def _entailed(h: sympy.Basic, hyps: tuple[sympy.Basic, ...]) -> bool:
    """Whether hypothesis ``h`` (u <= v) is among ``hyps``, follows from two of them by
    transitivity (u <= w <= v), or is decided True by SymPy."""
    if h in hyps or sympy.simplify(h) is sympy.true:
        return True
    if isinstance(h, sympy.LessThan):
        for h1 in hyps:
            for h2 in hyps:
                if (
                    isinstance(h1, sympy.LessThan)
                    and isinstance(h2, sympy.LessThan)
                    and h1.lhs == h.lhs
                    and h2.rhs == h.rhs
                    and h1.rhs == h2.lhs
                ):
                    return True
    return False


@dataclass(frozen=True)
class ProofStep:
    """One step of a structured proof.

    Attributes:
        label: e.g. ``"S3"``.
        claim: a SymPy statement (``Eq``, a relation ``> 0``/``<= 0``/``>= 0``, ``Equivalent``).
        rule: the key of the rule that justifies it (:data:`RULES`): ``algebra`` is an exact
            reduction by SymPy; the others are named lemmas whose premises are the ``uses``.
        uses: labels of earlier steps (premises, or equalities substituted by ``algebra``).
        hypotheses: conditions on the free indices under which the claim is made (e.g. 1 <= l <= k).
        note: the step in words.
    """

    label: str
    claim: Any
    rule: str
    uses: tuple[str, ...] = ()
    hypotheses: tuple[Any, ...] = ()
    note: str = ""

    def text(self) -> str:
        """One line: label, claim, hypotheses, justification."""
        hyp = f" [for {', '.join(sympy.sstr(h) for h in self.hypotheses)}]" if self.hypotheses else ""
        by = RULES[self.rule][0] if self.rule in RULES else self.rule
        uses = f" from {', '.join(self.uses)}" if self.uses else ""
        return f"({self.label}) {sympy.sstr(self.claim)}{hyp} -- {by}{uses}" + (f"; {self.note}" if self.note else "")

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready mapping."""
        return {
            "label": self.label,
            "claim": sympy.sstr(self.claim),
            "rule": self.rule,
            "uses": list(self.uses),
            "hypotheses": [sympy.sstr(h) for h in self.hypotheses],
            "note": self.note,
        }


def _rel(claim: Any) -> tuple[str, sympy.Expr] | None:
    """``(kind, e)`` for ``e > 0``, ``e >= 0``, ``e <= 0``, ``e < 0``; else None."""
    kinds = {sympy.StrictGreaterThan: ">", sympy.GreaterThan: ">=", sympy.LessThan: "<=", sympy.StrictLessThan: "<"}
    kind = kinds.get(type(claim))
    if kind is None or claim.rhs != 0:
        return None
    return kind, claim.lhs


def _check_algebra(step: ProofStep, prior: dict[str, ProofStep]) -> bool:
    c = step.claim
    if not isinstance(c, sympy.Eq):
        return False
    rules = [prior[u].claim for u in step.uses]
    if not all(isinstance(r, sympy.Eq) for r in rules):
        return False
    return _zero(_substitute(c.lhs - c.rhs, rules))


def _check_definition(step: ProofStep, prior: dict[str, ProofStep]) -> bool:
    return any(step.claim == d for d in DEFINITIONS.values() if isinstance(d, sympy.Eq))


def _check_k_defined(step: ProofStep, prior: dict[str, ProofStep]) -> bool:
    # 1 + 1*z[1] - z[1] = 1 > 0: the set defining k contains 1, so k is its maximum, 1 <= k <= n
    (u,) = step.uses
    base = ZC if step.claim == sympy.And(sympy.Le(1, KC), sympy.Le(KC, n)) else Z
    kk = KC if base == ZC else K
    return (
        step.claim == sympy.And(sympy.Le(1, kk), sympy.Le(kk, n))
        and prior[u].rule == "algebra"
        and prior[u].claim == sympy.Eq(_cond(base, 1), 1, evaluate=False)
    )


def _check_k_holds(step: ProofStep, prior: dict[str, ProofStep]) -> bool:
    (u,) = step.uses
    return prior[u].rule == "k_defined" and step.claim == sympy.Gt(_cond(Z, K), 0) and not step.hypotheses


def _check_k_maximal(step: ProofStep, prior: dict[str, ProofStep]) -> bool:
    (u,) = step.uses
    return (
        prior[u].rule == "k_defined"
        and step.claim == sympy.Le(_cond(Z, K + 1), 0)
        and step.hypotheses == (sympy.Le(K + 1, n),)
    )


def _check_positive_multiple(step: ProofStep, prior: dict[str, ProofStep]) -> bool:
    c = step.claim
    if not isinstance(c, sympy.Equivalent) or len(c.args) != 2:
        return False
    (u,) = step.uses
    ident = prior[u].claim
    if prior[u].rule != "algebra" or not isinstance(ident, sympy.Eq):
        return False
    r1, r2 = (_rel(a) for a in c.args)
    if r1 is None or r2 is None or r1[0] != r2[0]:
        return False
    for (_, big), (_, small) in ((r1, r2), (r2, r1)):
        if big == ident.lhs and small != 0:
            factor = sympy.cancel(ident.rhs / small)
            if not factor.has(Z, ZC, TAU) and factor.is_positive is True:
                return True
    return False


def _check_modus_ponens(step: ProofStep, prior: dict[str, ProofStep]) -> bool:
    eqv, fact = (prior[u] for u in step.uses)
    if (
        not isinstance(eqv.claim, sympy.Equivalent)
        or fact.claim not in eqv.claim.args
        or step.claim not in eqv.claim.args
    ):
        return False
    return all(_entailed(h, step.hypotheses) for h in eqv.hypotheses + fact.hypotheses)


def _check_sorted(step: ProofStep, prior: dict[str, ProofStep]) -> bool:
    # z is non-increasing: z[p] - z[q] >= 0 when p <= q (a hypothesis of the step)
    r = _rel(step.claim)
    if r is None or r[0] not in (">=", "<="):
        return False
    e = r[1] if r[0] == ">=" else -r[1]
    terms = sympy.Add.make_args(sympy.expand(e))
    if len(terms) != 2:
        return False
    pos = [t for t in terms if isinstance(t, Indexed) and t.base == Z]
    neg = [-t for t in terms if isinstance(-t, Indexed) and (-t).base == Z]
    if len(pos) != 1 or len(neg) != 1:
        return False
    p, q = pos[0].indices[0], neg[0].indices[0]
    return any(
        isinstance(h, sympy.LessThan) and sympy.expand((q - p) - (h.rhs - h.lhs)).is_nonnegative
        for h in step.hypotheses
    )


def _check_add_signs(step: ProofStep, prior: dict[str, ProofStep]) -> bool:
    # a sum of terms >= 0 with one > 0 is > 0; a sum of terms <= 0 is <= 0
    r = _rel(step.claim)
    parts = [_rel(prior[u].claim) for u in step.uses]
    if r is None or any(p is None for p in parts):
        return False
    if not all(_entailed(h, step.hypotheses) for u in step.uses for h in prior[u].hypotheses):
        return False
    if not _zero(r[1] - sympy.Add(*(p[1] for p in parts))):  # type: ignore[index]
        return False
    kinds = [p[0] for p in parts]  # type: ignore[index]
    s, t = sympy.Dummy(positive=True), sympy.Dummy(nonnegative=True)
    if r[0] == ">":
        return all(k2 in (">", ">=") for k2 in kinds) and ">" in kinds and (s + t).is_positive is True
    if r[0] == "<=":
        return all(k2 in ("<", "<=") for k2 in kinds) and (-s - t).is_nonpositive is True
    return False


def _check_max(step: ProofStep, prior: dict[str, ProofStep]) -> bool:
    # Max(u, 0) = u when u > 0 and = 0 when u <= 0, checked by SymPy on a symbol with that sign
    c = step.claim
    (u,) = step.uses
    r = _rel(prior[u].claim)
    if not isinstance(c, sympy.Eq) or not isinstance(c.lhs, Max) or r is None:
        return False
    if not all(_entailed(h, step.hypotheses) for h in prior[u].hypotheses):
        return False
    arg, other = c.lhs.args if c.lhs.args[1] == 0 else c.lhs.args[::-1]
    if other != 0 or arg != r[1]:
        return False
    if r[0] == ">" and c.rhs == arg:
        d = sympy.Dummy(positive=True)
        return Max(d, 0) == d
    if r[0] == "<=" and c.rhs == 0:
        d = sympy.Dummy(nonpositive=True)
        return Max(d, 0) == 0
    return False


def _check_rearrangement(step: ProofStep, prior: dict[str, ProofStep]) -> bool:
    # sum_{i=0}^{n-1} g(x[i]) = sum_{l=1}^{n} g(z[l]): z is a rearrangement of x
    c = step.claim
    if not isinstance(c, sympy.Eq) or not isinstance(c.lhs, sympy.Sum) or not isinstance(c.rhs, sympy.Sum):
        return False
    if c.lhs.limits != ((i, 0, n - 1),) or c.rhs.limits != ((_l, 1, n),):
        return False
    body = c.lhs.function.xreplace({X[i]: Z[_l]})
    return body == c.rhs.function and not body.has(X)


def _check_congruence(step: ProofStep, prior: dict[str, ProofStep]) -> bool:
    # equal summands over a range give equal sums: replace each Sum's body by the equal one
    c = step.claim
    if not isinstance(c, sympy.Eq):
        return False
    out = []
    for term in sympy.Add.make_args(c.lhs):
        if not isinstance(term, sympy.Sum) or len(term.limits) != 1:
            return False
        var, lo, hi = term.limits[0]
        for u in step.uses:
            e = prior[u].claim
            # the equality must hold on the whole range: its hypotheses follow from lo <= l <= hi
            if (
                isinstance(e, sympy.Eq)
                and e.lhs == term.function
                and var == _l
                and all(_entailed(h, (sympy.Le(lo, _l), sympy.Le(_l, hi))) for h in prior[u].hypotheses)
            ):
                out.append(sympy.Sum(e.rhs, (var, lo, hi)))
                break
        else:
            return False
    return _zero(sympy.Add(*out) - c.rhs)


def _check_chain(step: ProofStep, prior: dict[str, ProofStep]) -> bool:
    eqs = [prior[u].claim for u in step.uses]
    c = step.claim
    if not isinstance(c, sympy.Eq) or not eqs or not all(isinstance(e, sympy.Eq) for e in eqs):
        return False
    if eqs[0].lhs != c.lhs or eqs[-1].rhs != c.rhs:
        return False
    return all(a.rhs == b.lhs for a, b in itertools.pairwise(eqs)) and all(not prior[u].hypotheses for u in step.uses)


def _translated_difference() -> sympy.Eq:
    """(x[a] + c) - (x[b] + c) = x[a] - x[b], left side unevaluated."""
    return sympy.Eq(
        sympy.Add(X[_a] + _c, sympy.Mul(-1, X[_b] + _c, evaluate=False), evaluate=False), X[_a] - X[_b], evaluate=False
    )


def _check_translation_order(step: ProofStep, prior: dict[str, ProofStep]) -> bool:
    # (x[a] + c) - (x[b] + c) = x[a] - x[b]: every comparison is unchanged, so the permutation that
    # sorts x sorts x + c*1, and z'[l] = z[l] + c
    (u,) = step.uses
    want = _translated_difference()
    return (
        prior[u].rule == "algebra"
        and prior[u].claim == want
        and step.claim == sympy.Eq(ZC[_l], Z[_l] + _c, evaluate=False)
    )


def _check_same_maximum(step: ProofStep, prior: dict[str, ProofStep]) -> bool:
    # the conditions defining k' and k agree at every a in 1..n, so the maxima agree
    (u,) = step.uses
    want = sympy.Eq(_cond(ZC, _a), _cond(Z, _a), evaluate=False)
    return prior[u].rule == "algebra" and prior[u].claim == want and step.claim == sympy.Eq(KC, K, evaluate=False)


def _check_indicator_below_max(step: ProofStep, prior: dict[str, ProofStep]) -> bool:
    # e u <= Max(u, 0) for e in {0, 1}: checked by SymPy for both e and both signs of u
    r = _rel(step.claim)
    if r is None or r[0] != "<=":
        return False
    maxes = [t for t in r[1].atoms(Max)]
    if len(maxes) != 1 or 0 not in maxes[0].args:
        return False
    u = next(a for a in maxes[0].args if a != 0)
    if sympy.expand(r[1] - (E[_l] * u - maxes[0])) != 0:
        return False
    for ev in (0, 1):
        for d in (sympy.Dummy(positive=True), sympy.Dummy(nonpositive=True)):
            if (ev * d - Max(d, 0)).is_nonpositive is not True:
                return False
    return True


def _check_sum_monotone(step: ProofStep, prior: dict[str, ProofStep]) -> bool:
    # f(l) - g(l) <= 0 on lo <= l <= hi gives sum f - sum g <= 0 over that range
    r = _rel(step.claim)
    (u,) = step.uses
    p = _rel(prior[u].claim)
    if r is None or p is None or r[0] != "<=" or p[0] != "<=":
        return False
    terms = sympy.Add.make_args(r[1])
    sums = [t for t in terms if isinstance(t, sympy.Sum)]
    negs = [-t for t in terms if isinstance(-t, sympy.Sum)]
    if (
        len(terms) != 2
        or len(sums) != 1
        or len(negs) != 1
        or sums[0].limits != negs[0].limits
        or len(sums[0].limits) != 1
    ):
        return False
    var, lo, hi = sums[0].limits[0]
    rng = (sympy.Le(lo, _l), sympy.Le(_l, hi))
    return (
        var == _l
        and all(_entailed(h, rng) for h in prior[u].hypotheses)
        and sympy.expand(sums[0].function - negs[0].function - p[1]) == 0
    )


def _check_rewrite_relation(step: ProofStep, prior: dict[str, ProofStep]) -> bool:
    # a relation A rel 0 with equal parts substituted (earlier equalities) is B rel 0 when B = A' exactly
    r = _rel(step.claim)
    first = _rel(prior[step.uses[0]].claim)
    eqs = [prior[u].claim for u in step.uses[1:]]
    if r is None or first is None or r[0] != first[0] or not eqs or not all(isinstance(e, sympy.Eq) for e in eqs):
        return False
    return _zero(r[1] - _substitute(first[1], eqs))


def _check_max_attained(step: ProofStep, prior: dict[str, ProofStep]) -> bool:
    # every t_S <= tau (for every non-empty S) and t_S = tau for S = {1..k} (non-empty: k >= 1)
    every, member, kdef = (prior[u] for u in step.uses)
    return (
        step.claim == sympy.Eq(TMAX_Z, TAU, evaluate=False)
        and every.claim == sympy.Le(TS - TAU, 0)
        and not every.hypotheses
        and member.claim == sympy.Eq((_prefix(Z, K) - 1) / K, TAU, evaluate=False)
        and kdef.rule == "k_defined"
    )


def _check_relabel(step: ProofStep, prior: dict[str, ProofStep]) -> bool:
    # the sorting permutation maps the non-empty index sets of x onto those of z, keeping |S| and sum_S
    return step.claim == sympy.Eq(TMAX_X, TMAX_Z, evaluate=False) and not step.uses


def _check_sorted_constant(step: ProofStep, prior: dict[str, ProofStep]) -> bool:
    # x = c*1 sorted is c*1
    return step.claim == sympy.Eq(Z[_l], _c, evaluate=False) and not step.uses


def _check_k_is_n(step: ProofStep, prior: dict[str, ProofStep]) -> bool:
    # the condition is 1 > 0 at every a in 1..n, so its maximum over 1..n is n
    (u,) = step.uses
    return (
        step.claim == sympy.Eq(K, n, evaluate=False)
        and prior[u].rule == "algebra"
        and prior[u].claim == sympy.Eq(_cond(Z, _a), 1, evaluate=False)
        and not prior[u].hypotheses
    )


#: rule -> (the lemma or method in words, checker)
RULES: dict[str, tuple[str, Callable[[ProofStep, dict[str, ProofStep]], bool]]] = {
    "definition": ("definition", _check_definition),
    "algebra": (
        (
            "exact algebra: after substituting the equalities used, SymPy reduces left - right to 0 (expand; "
            "combine adjacent sums; peel the last term of a sum up to u + 1)"
        ),
        _check_algebra,
    ),
    "k_defined": (
        "lemma: a maximum over a non-empty subset of {1..n} exists (the condition holds at a = 1)",
        _check_k_defined,
    ),
    "k_holds": ("lemma: the maximum of a set is in the set (the condition holds at a = k)", _check_k_holds),
    "k_maximal": ("lemma: above the maximum the condition fails (at a = k + 1 <= n)", _check_k_maximal),
    "positive_multiple": (
        "lemma: if A = m B with m > 0 (SymPy's assumptions), A and B have the same sign",
        _check_positive_multiple,
    ),
    "modus_ponens": ("lemma: from A <=> B and A, B", _check_modus_ponens),
    "sorted": ("lemma: z is non-increasing, so z[p] >= z[q] for p <= q", _check_sorted),
    "add_signs": ("lemma: (>= 0) + (> 0) is > 0 and (<= 0) + (<= 0) is <= 0 (SymPy's assumptions)", _check_add_signs),
    "max_sign": (
        "lemma: Max(u, 0) = u for u > 0 and 0 for u <= 0 (SymPy evaluates Max on a signed symbol)",
        _check_max,
    ),
    "rearrangement": (
        "lemma: a finite sum is unchanged by a rearrangement of its terms (z is x sorted)",
        _check_rearrangement,
    ),
    "congruence": ("lemma: sums of equal terms over the same range are equal (then exact algebra)", _check_congruence),
    "chain": ("lemma: equality is transitive", _check_chain),
    "translation_order": (
        "lemma: adding c to every entry keeps every comparison, so z' = z + c",
        _check_translation_order,
    ),
    "same_maximum": ("lemma: sets defined by the same condition have the same maximum", _check_same_maximum),
    "indicator_below_max": (
        "lemma: e u <= Max(u, 0) for e in {0, 1} (SymPy's assumptions, for both e and both signs of u)",
        _check_indicator_below_max,
    ),
    "sum_monotone": ("lemma: termwise <= on a range gives <= of the sums", _check_sum_monotone),
    "rewrite_relation": (
        "lemma: equals substituted into a relation keep it (then exact algebra)",
        _check_rewrite_relation,
    ),
    "max_attained": ("lemma: a maximum of numbers all <= tau, one of them = tau, is tau", _check_max_attained),
    "sorted_constant": ("lemma: a constant vector c*1 sorted is c*1", _check_sorted_constant),
    "k_is_n": ("lemma: a condition that holds at every a in 1..n has maximum n", _check_k_is_n),
    "relabel": (
        (
            "lemma: relabelling indices by the sorting permutation maps the non-empty index sets of x onto those of z, "
            "keeping |S| and the sum over S"
        ),
        _check_relabel,
    ),
}

#: Rules whose premises hold on an index range the step itself sums over (not under the step's hypotheses).
_RANGE_RULES = ("congruence", "sum_monotone")


def check_steps(steps: tuple[ProofStep, ...]) -> tuple[bool, str]:
    """Check every step in order (each may use only earlier ones): ``(ok, first failure)``.

    Examples:
        >>> ok, why = check_steps(sparsemax_steps("sum_to_one"))
        >>> ok, why
        (True, '')
    """
    prior: dict[str, ProofStep] = {}
    for s in steps:
        if s.label in prior or any(u not in prior for u in s.uses) or s.rule not in RULES:
            return False, f"step {s.label}: unknown rule or a premise that is not an earlier step"
        if s.rule not in _RANGE_RULES and not all(
            _entailed(h, s.hypotheses) for u in s.uses for h in prior[u].hypotheses
        ):
            return False, f"step {s.label}: a premise holds under hypotheses the step does not have"
        try:
            ok = RULES[s.rule][1](s, prior)
        except FAILURES as exc:  # a check that cannot run confirms nothing
            return False, f"step {s.label}: the check raised {type(exc).__name__}"
        if not ok:
            return False, f"step {s.label} ({s.rule}) does not check"
        prior[s.label] = s
    return True, ""


#: Seconds allowed for checking one whole structured proof (measured ~1-2 s for 35 steps on a loaded machine).
CHECK_SECONDS = 60.0


def _checked(steps: tuple[ProofStep, ...]) -> tuple[bool, str]:
    """:func:`check_steps` under a time budget (a forged certificate could hold expressions SymPy
    expands for ever): a timeout or a crash confirms nothing."""
    try:
        return budget.step(
            check_steps,
            steps,
            seconds=CHECK_SECONDS,
            what="checking a structured proof",
            on_timeout=lambda err: (False, f"the check did not finish: {type(err).__name__}"),
        )
    except FAILURES as exc:  # MemoryError, a worker error: not checked
        return False, f"the check did not finish: {type(exc).__name__}"


def _eq(a: sympy.Expr, b: sympy.Expr) -> sympy.Eq:
    return sympy.Eq(a, b, evaluate=False)


def sparsemax_theorem(prop: str) -> tuple[sympy.Expr, sympy.Expr]:
    """The two sides of a sparsemax claim for every n, in terms of tau (and tau' for x + c*1)."""
    if prop == "sum_to_one":
        return sympy.Sum(Max(X[i] - TAU, 0), (i, 0, n - 1)), sympy.S.One
    if prop == "shift_invariance":
        return Max(X[i] + _c - TAUC, 0), Max(X[i] - TAU, 0)
    if prop == "threshold":
        return TMAX_X, TAU
    if prop == "constant":
        return Max(_c - TAU, 0), 1 / n
    raise ValueError(f"no structured sparsemax proof of {prop!r}")


def sparsemax_steps(prop: str) -> tuple[ProofStep, ...]:
    """The steps of the proof of a sparsemax claim for every n (sort-based definition).

    Examples:
        >>> steps = sparsemax_steps("shift_invariance")
        >>> print(steps[-1].text())  # doctest: +ELLIPSIS
        (T8) Eq(Max(0, c - tau' + x[i]), Max(0, -tau + x[i])) -- exact algebra: ...
    """
    u = Z[_l] - TAU
    in_top = (sympy.Le(1, _l), sympy.Le(_l, K))
    in_rest = (sympy.Le(K + 1, _l), sympy.Le(_l, n))
    if prop == "sum_to_one":
        lhs, rhs = sparsemax_theorem(prop)
        f = Max(u, 0)
        return (
            ProofStep("S1", DEFINITIONS["tau"], "definition", note="tau = (z[1] + ... + z[k] - 1)/k"),
            ProofStep("S2", _eq(_cond(Z, 1), 1), "algebra", note="the condition holds at a = 1"),
            ProofStep("S3", sympy.And(sympy.Le(1, K), sympy.Le(K, n)), "k_defined", ("S2",)),
            ProofStep("S4", sympy.Gt(_cond(Z, K), 0), "k_holds", ("S3",)),
            ProofStep("S5", _eq(_cond(Z, K), K * (Z[K] - TAU)), "algebra", ("S1",)),
            ProofStep(
                "S6", sympy.Equivalent(sympy.Gt(_cond(Z, K), 0), sympy.Gt(Z[K] - TAU, 0)), "positive_multiple", ("S5",)
            ),
            ProofStep("S7", sympy.Gt(Z[K] - TAU, 0), "modus_ponens", ("S6", "S4"), note="z[k] > tau"),
            ProofStep("S8", sympy.Le(_cond(Z, K + 1), 0), "k_maximal", ("S3",), (sympy.Le(K + 1, n),)),
            ProofStep(
                "S9",
                _eq(_cond(Z, K + 1), K * (Z[K + 1] - TAU)),
                "algebra",
                ("S1",),
                (sympy.Le(K + 1, n),),
                note="split the last term off the sum: sum_{l<=k+1} z[l] = sum_{l<=k} z[l] + z[k+1]",
            ),
            ProofStep(
                "S10",
                sympy.Equivalent(sympy.Le(_cond(Z, K + 1), 0), sympy.Le(Z[K + 1] - TAU, 0)),
                "positive_multiple",
                ("S9",),
                (sympy.Le(K + 1, n),),
            ),
            ProofStep(
                "S11",
                sympy.Le(Z[K + 1] - TAU, 0),
                "modus_ponens",
                ("S10", "S8"),
                (sympy.Le(K + 1, n),),
                note="z[k+1] <= tau",
            ),
            ProofStep("S12", sympy.Ge(Z[_l] - Z[K], 0), "sorted", (), in_top),
            ProofStep("S13", sympy.Gt(u, 0), "add_signs", ("S12", "S7"), in_top, note="the top k entries exceed tau"),
            ProofStep("S14", sympy.Le(Z[_l] - Z[K + 1], 0), "sorted", (), in_rest),
            ProofStep("S15", sympy.Le(u, 0), "add_signs", ("S14", "S11"), in_rest, note="the others do not"),
            ProofStep("S16", _eq(f, u), "max_sign", ("S13",), in_top),
            ProofStep("S17", _eq(f, 0), "max_sign", ("S15",), in_rest),
            ProofStep("S18", _eq(lhs, sympy.Sum(f, (_l, 1, n))), "rearrangement"),
            ProofStep(
                "S19",
                _eq(sympy.Sum(f, (_l, 1, n)), sympy.Sum(f, (_l, 1, K)) + sympy.Sum(f, (_l, K + 1, n))),
                "algebra",
                note="split the range at k (1 <= k <= n, S3)",
            ),
            ProofStep(
                "S20",
                _eq(sympy.Sum(f, (_l, 1, K)) + sympy.Sum(f, (_l, K + 1, n)), sympy.Sum(u, (_l, 1, K))),
                "congruence",
                ("S16", "S17"),
            ),
            ProofStep(
                "S21", _eq(sympy.Sum(u, (_l, 1, K)), rhs), "algebra", ("S1",), note="z[1] + ... + z[k] - k tau = 1"
            ),
            ProofStep("S22", _eq(lhs, rhs), "chain", ("S18", "S19", "S20", "S21")),
        )
    if prop == "shift_invariance":
        lhs, rhs = sparsemax_theorem(prop)
        return (
            ProofStep("T1", DEFINITIONS["tau"], "definition"),
            ProofStep("T2", DEFINITIONS["tau'"], "definition", note="tau' = tau(x + c*1), k' = k(x + c*1)"),
            ProofStep("T3", _translated_difference(), "algebra"),
            ProofStep("T4", _eq(ZC[_l], Z[_l] + _c), "translation_order", ("T3",)),
            ProofStep(
                "T5", _eq(_cond(ZC, _a), _cond(Z, _a)), "algebra", ("T4",), note="the condition at every a is unchanged"
            ),
            ProofStep("T6", _eq(KC, K), "same_maximum", ("T5",)),
            ProofStep("T7", _eq(TAUC, TAU + _c), "algebra", ("T2", "T6", "T4", "T1")),
            ProofStep("T8", _eq(lhs, rhs), "algebra", ("T7",), note="sparsemax(x + c*1)[i] = max(x[i] + c - tau', 0)"),
        )
    if prop == "threshold":
        lhs, rhs = sparsemax_theorem(prop)
        f = Max(u, 0)
        everything = (sympy.Le(1, _l), sympy.Le(_l, n))
        eu = sympy.Sum(E[_l] * u, (_l, 1, n))
        return sparsemax_steps("sum_to_one") + (
            ProofStep("A1", sympy.Le(E[_l] * u - f, 0), "indicator_below_max", (), everything),
            ProofStep("A2", sympy.Le(eu - sympy.Sum(f, (_l, 1, n)), 0), "sum_monotone", ("A1",)),
            ProofStep(
                "A3",
                _eq(sympy.Sum(f, (_l, 1, n)), 1),
                "chain",
                ("S19", "S20", "S21"),
                note="the sum of sparsemax over z",
            ),
            ProofStep("A4", sympy.Le(eu - 1, 0), "rewrite_relation", ("A2", "A3")),
            ProofStep("A5", DEFINITIONS["s"], "definition"),
            ProofStep("A6", DEFINITIONS["t_S"], "definition"),
            ProofStep("A7", _eq(eu - 1, SS * (TS - TAU)), "algebra", ("A6", "A5")),
            ProofStep("A8", sympy.Equivalent(sympy.Le(eu - 1, 0), sympy.Le(TS - TAU, 0)), "positive_multiple", ("A7",)),
            ProofStep(
                "A9", sympy.Le(TS - TAU, 0), "modus_ponens", ("A8", "A4"), note="t_S <= tau for every non-empty S"
            ),
            ProofStep("A10", _eq((_prefix(Z, K) - 1) / K, TAU), "algebra", ("S1",), note="t_S = tau for S = {1..k}"),
            ProofStep("A11", _eq(TMAX_Z, TAU), "max_attained", ("A9", "A10", "S3")),
            ProofStep("A12", _eq(TMAX_X, TMAX_Z), "relabel"),
            ProofStep("A13", _eq(lhs, rhs), "chain", ("A12", "A11")),
        )
    if prop == "constant":
        lhs, rhs = sparsemax_theorem(prop)
        return (
            ProofStep("C1", DEFINITIONS["tau"], "definition", note="at x = c*1"),
            ProofStep("C2", _eq(Z[_l], _c), "sorted_constant"),
            ProofStep("C3", _eq(_cond(Z, _a), 1), "algebra", ("C2",), note="1 + a c - a c = 1 > 0 at every a"),
            ProofStep("C4", _eq(K, n), "k_is_n", ("C3",)),
            ProofStep("C5", _eq(TAU, _c - 1 / n), "algebra", ("C1", "C4", "C2")),
            ProofStep(
                "C6", _eq(lhs, rhs), "algebra", ("C5",), note="sparsemax(c*1)[i] = max(c - tau, 0) = max(1/n, 0), n > 0"
            ),
        )
    raise ValueError(f"no structured sparsemax proof of {prop!r}")


def sparsemax_constant_value(value: sympy.Expr) -> sympy.Expr:
    """sparsemax(value*1)_i for symbolic n: 1/n, from the structured proof ``"constant"``
    (re-checked on every call; raises ValueError when it does not check).

    Examples:
        >>> sparsemax_constant_value(sympy.Integer(0))
        1/n
    """
    steps = sparsemax_steps("constant")
    lhs, rhs = sparsemax_theorem("constant")
    ok, why = _checked(steps)
    if not ok or steps[-1].claim != _eq(lhs, rhs):
        raise ValueError(f"the value of sparsemax at a constant vector is not proved: {why}")
    return rhs.xreplace({_c: sympy.sympify(value, strict=True)})


# ---------------------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class VectorProof(Outcome):
    """The outcome of one claim about one vector activation.

    Attributes:
        name: the activation.
        property: the claim's key (see :data:`CLAIMS`).
        claim: the claim in words.
        verdict: PROVED, DISPROVED or UNKNOWN.
        n: the length the verdict is for (the symbol n: every n, under ``hypotheses``).
        lhs, rhs: the two sides (identity claims).
        method: the reduction that turned every entry of lhs - rhs into 0 (PROVED).
        hypotheses: the assumptions, in words.
        counterexample: the witness (DISPROVED).
        failed: for ``linearity`` DISPROVED, the property that failed.
        reason: why UNKNOWN.
        cases: for an UNKNOWN general claim, the results for n = 2..5; for sparsemax's
            structured proofs also, the exact proofs for n = 2..5 of the concrete definition
            (threshold a Max over subsets).
        seconds: wall-clock time.
        steps: a structured proof for every n (sparsemax): each step checked by its rule
            (:data:`RULES`), the last one the claim ``lhs = rhs``.
    """

    name: str
    property: str
    claim: str
    verdict: Verdict
    n: Any
    lhs: Any = None
    rhs: Any = None
    method: str = ""
    hypotheses: tuple[str, ...] = ()
    counterexample: VectorCounterexample | None = None
    failed: str | None = None
    reason: str | None = None
    cases: tuple[VectorProof, ...] = ()
    seconds: float = field(default=0.0, compare=False)
    steps: tuple[ProofStep, ...] = ()

    @builtins.property  # the field ``property`` shadows the builtin in this class body
    def general(self) -> bool:
        """Whether the verdict is about every length n."""
        return self.n == n

    def check(self) -> bool:
        """Re-verify: re-derive both sides from the definitions and re-run the method
        (PROVED), or re-check the counterexample (DISPROVED). UNKNOWN has no evidence:
        False (as :meth:`proofs.ProofResult.check`); see :meth:`check_cases`."""
        try:
            if self.verdict is Verdict.DISPROVED:
                ce = self.counterexample
                if self.steps and not (
                    _checked(self.steps)[0] and self.steps[-1].claim == _eq(*sparsemax_theorem("constant"))
                ):
                    return False
                return ce is not None and ce.name == self.name and ce.n == self.n and ce.check()
            if self.verdict is Verdict.PROVED and self.steps:
                return _check_structured(self)
            if self.verdict is Verdict.PROVED:
                sides = _sides(self.name, self.property, self.n)
                if isinstance(sides, str):
                    return False
                lhs, rhs, _ = sides
                if lhs != self.lhs or rhs != self.rhs:
                    return False
                return all(_apply(self.method, r) == 0 for r in _residual(lhs, rhs))
            return False
        except FAILURES:  # a check that cannot run confirms nothing
            return False

    def check_cases(self) -> bool:
        """Whether every decided concrete case (n = 2..5) re-verifies (False when there is none)."""
        decided = [c for c in self.cases if c.verdict is not Verdict.UNKNOWN]
        return bool(decided) and all(c.check() for c in decided)

    def text(self) -> str:
        """The proof as plain text."""
        where = "for every length n" if self.general else f"for n = {self.n}"
        lines = [f"Claim ({self.name}, {where}): {self.claim}."]
        if self.hypotheses:
            lines.append("Hypotheses: " + ", ".join(self.hypotheses) + ".")
        if self.verdict is Verdict.PROVED and self.steps:
            lines.append(f"Left side:  {sympy.sstr(self.lhs)}")
            lines.append(f"Right side: {sympy.sstr(self.rhs)}")
            lines.append(f"Proof ({self.method}):")
            lines.extend(f"  {st.text()}" for st in self.steps)
            lines.append("PROVED.")
            if self.cases:
                lines.append("Concrete definition (threshold a Max over index subsets), exactly:")
                lines.extend(
                    f"  n = {c.n}: {c.verdict.value}"
                    + (f" ({c.method})" if c.method else f" ({c.reason})" if c.reason else "")
                    for c in self.cases
                )
        elif self.verdict is Verdict.PROVED:
            lines.append(f"Left side:  {sympy.sstr(self.lhs)}")
            lines.append(f"Right side: {sympy.sstr(self.rhs)}")
            lines.append(f"Proof: every entry of left - right reduces to exactly 0 by: {self.method}.")
            lines.append("PROVED.")
        elif self.verdict is Verdict.DISPROVED:
            ce = self.counterexample
            assert ce is not None
            vals = ", ".join(f"{k2} = {v if k2 == 'c' else _vec_text(v)}" for k2, v in ce.values)
            prop = self.failed or self.property
            lines.append(f"Counterexample to {prop}: {vals}; component {ce.component}.")
            lines.append(f"  left side  = {ce.lhs}")
            lines.append(f"  right side = {ce.rhs}")
            lines.append(
                f"  difference = {ce.difference}, {'> 0' if ce.sign > 0 else '< 0'} by {ce.evidence}"
                + (f" (for n >= {ce.n_min})" if self.general else "")
            )
            if self.steps:
                lines.append(
                    f"The values at constant vectors, sparsemax(c*1)_i = 1/n for every n ({len(self.steps)} checked steps; "
                    + SPARSEMAX_DEFINITION
                    + "):"
                )
                lines.extend(f"  {st.text()}" for st in self.steps)
            lines.append("DISPROVED.")
            if self.cases:
                lines.append("Concrete definition (threshold a Max over index subsets), exactly:")
                lines.extend(f"  n = {c.n}: {c.verdict.value}" for c in self.cases)
        else:
            lines.append(f"UNKNOWN: {self.reason}")
            for c in self.cases:
                lines.append(
                    f"  n = {c.n}: {c.verdict.value}"
                    + (f" ({c.method})" if c.method else f" ({c.reason})" if c.reason else "")
                )
        return "\n".join(lines)

    def markdown(self) -> str:
        """The proof as Markdown."""
        return "\n\n".join(
            f"`{ln}`" if ln.startswith(("Left", "Right", "  ")) else ln for ln in self.text().splitlines()
        )

    def latex(self) -> str:
        """The claim and its verdict as LaTeX (sides printed with SymPy's LaTeX printer)."""
        out = [f"\\textbf{{{self.name}}}: {self.claim.replace('_', ' ')} --- {self.verdict.name}."]
        if self.verdict is Verdict.PROVED:
            out.append(f"\\[ {sympy.latex(self.lhs)} = {sympy.latex(self.rhs)} \\]")
            if self.steps:
                out.append("\\begin{enumerate}")
                for st in self.steps:
                    hyp = f" \\quad ({', '.join(sympy.latex(h) for h in st.hypotheses)})" if st.hypotheses else ""
                    rule = st.rule.replace("_", "\\_")
                    out.append(
                        f"\\item[({st.label})] ${sympy.latex(st.claim)}${hyp} --- \\texttt{{{rule}}}"
                        + (f" from {', '.join(st.uses)}" if st.uses else "")
                    )
                out.append("\\end{enumerate}")
        elif self.counterexample is not None:
            ce = self.counterexample
            out.append(f"\\[ {sympy.latex(ce.lhs)} \\neq {sympy.latex(ce.rhs)} \\]")
        return "\n".join(out)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready mapping; exact numbers are strings."""
        return {
            "name": self.name,
            "property": self.property,
            "claim": self.claim,
            "verdict": self.verdict.value,
            "n": str(self.n),
            "lhs": None if self.lhs is None else str(self.lhs),
            "rhs": None if self.rhs is None else str(self.rhs),
            "method": self.method,
            "hypotheses": list(self.hypotheses),
            "failed": self.failed,
            "reason": self.reason,
            "counterexample": self.counterexample.to_dict() if self.counterexample else None,
            "cases": [c.to_dict() for c in self.cases],
            "steps": [st.to_dict() for st in self.steps],
        }

    def __str__(self) -> str:
        where = "all n" if self.general else f"n = {self.n}"
        head = f"{self.name}: {self.property} {self.verdict.value} for {where}"
        if self.counterexample is not None:
            ce = self.counterexample
            vals = ", ".join(f"{k2} = {v if k2 == 'c' else _vec_text(v)}" for k2, v in ce.values)
            head += f" ({vals}, component {ce.component}: {ce.lhs} != {ce.rhs})"
        elif self.verdict is Verdict.UNKNOWN:
            head += f" ({self.reason})"
            if self.cases:
                head += "; " + ", ".join(f"n = {c.n}: {c.verdict.value}" for c in self.cases)
        return head


def _identity(name: str, prop: str, size: Any) -> VectorProof:
    t0 = time.perf_counter()
    claim = CLAIMS[prop].format(f=name)
    if prop == "sum_to_one" and name == "log_softmax":
        claim = "the exps of the components of log_softmax(x) sum to 1"
    if prop == "shift_invariance" and name == "logsumexp":
        claim = "logsumexp(x + c*1) = logsumexp(x) + c for every real c"
    if prop == "two_class" and name == "log_softmax":
        claim = "log_softmax([t, 0]) = [log_sigmoid(t), log_sigmoid(-t)]"
    if prop == "two_class" and name == "sparsemax":
        claim = "sparsemax([t, 0]) = [sparse_sigmoid(t), sparse_sigmoid(-t)]"
    if name == "sparsemax" and size == n and prop in STRUCTURED:
        return _structured(name, prop, claim, t0)
    sides = _sides(name, prop, size)
    if isinstance(sides, str):
        return VectorProof(name, prop, claim, Verdict.UNKNOWN, size, reason=sides, seconds=time.perf_counter() - t0)
    lhs, rhs, hyp = sides
    methods = []
    last = None
    for r in _residual(lhs, rhs):
        out, method = _reduce(r, size == n)
        if out != 0:
            last = out
            break
        methods.append(method)
    if last is None:
        # one method for all entries, so that check() can re-run it
        for method in dict.fromkeys(methods):
            try:
                if all(_apply(method, r) == 0 for r in _residual(lhs, rhs)):
                    return VectorProof(
                        name, prop, claim, Verdict.PROVED, size, lhs, rhs, method, hyp, seconds=time.perf_counter() - t0
                    )
            except FAILURES:  # a failing method proves nothing
                continue
    reason = "an entry of left - right did not reduce to 0" + (
        f" (last form: {sympy.sstr(last)[:100]})" if last is not None else ""
    )
    return VectorProof(
        name, prop, claim, Verdict.UNKNOWN, size, lhs, rhs, "", hyp, reason=reason, seconds=time.perf_counter() - t0
    )


#: The claims proved for every n by a structured proof (:func:`sparsemax_steps`).
STRUCTURED: tuple[str, ...] = ("sum_to_one", "shift_invariance", "threshold")


def _structured(name: str, prop: str, claim: str, t0: float) -> VectorProof:
    steps = sparsemax_steps(prop)
    lhs, rhs = sparsemax_theorem(prop)
    candidates = (
        "x real",
        "n >= 1",
        "c real" if prop == "shift_invariance" else "",
        SPARSEMAX_DEFINITION,
        SHIFTED_DEFINITION if prop == "shift_invariance" else "",
        THRESHOLD_DEFINITION if prop == "threshold" else "",
    )
    hyp = tuple(h for h in candidates if h)
    ok, why = _checked(steps)
    if ok and steps[-1].claim == _eq(lhs, rhs):
        method = f"structured proof, {len(steps)} steps, each checked by its rule"
        return VectorProof(
            name, prop, claim, Verdict.PROVED, n, lhs, rhs, method, hyp, seconds=time.perf_counter() - t0, steps=steps
        )
    return VectorProof(
        name,
        prop,
        claim,
        Verdict.UNKNOWN,
        n,
        lhs,
        rhs,
        "",
        hyp,
        reason=f"the structured proof did not check: {why}",
        seconds=time.perf_counter() - t0,
    )


def _check_structured(r: VectorProof) -> bool:
    """A structured proof re-checks when its claim is the sparsemax theorem re-derived now, every
    step checks in order and the last step is ``lhs = rhs``."""
    if r.name != "sparsemax" or r.property not in STRUCTURED or r.n != n:
        return False
    lhs, rhs = sparsemax_theorem(r.property)
    if r.lhs != lhs or r.rhs != rhs or not r.steps or r.steps[-1].claim != _eq(lhs, rhs):
        return False
    return _checked(r.steps)[0]


def _nonlinear(name: str, prop: str, size: Any) -> VectorProof:
    t0 = time.perf_counter()
    act = _act(name, size)
    claim = CLAIMS[prop].format(f=name)
    structured = name == "sparsemax" and act.symbolic
    if act.symbolic and act.template is None and not structured:
        return VectorProof(
            name,
            prop,
            claim,
            Verdict.UNKNOWN,
            size,
            reason=f"{name} has no closed form for symbolic n",
            seconds=time.perf_counter() - t0,
        )
    props = ("additivity", "homogeneity") if prop == "linearity" else (prop,)
    for p in props:
        w = _witnesses(name, p, size)
        if w is None:
            continue
        n_min, values = w
        if size != n and size < n_min:
            return VectorProof(
                name,
                prop,
                claim,
                Verdict.UNKNOWN,
                size,
                reason=f"the witness needs n >= {n_min}",
                seconds=time.perf_counter() - t0,
            )
        try:
            ce = VectorCounterexample.build(p, name, size, n_min, values)
        except ValueError:  # a value that could not be derived proves nothing
            ce = None
        if ce is not None:
            hyp = (f"n >= {n_min}",) if size == n else ()
            steps = sparsemax_steps("constant") if structured else ()  # how sparsemax(c*1) = 1/n was derived
            return VectorProof(
                name,
                prop,
                claim,
                Verdict.DISPROVED,
                size,
                hypotheses=hyp,
                counterexample=ce,
                failed=p if prop == "linearity" else None,
                seconds=time.perf_counter() - t0,
                steps=steps,
            )
    return VectorProof(
        name, prop, claim, Verdict.UNKNOWN, size, reason="no witness was proved", seconds=time.perf_counter() - t0
    )


def prove(name: str, prop: str, size: int | None = None) -> VectorProof:
    """Prove, disprove or leave UNKNOWN one claim about a vector activation.

    With ``size=None`` the claim is attempted for a symbolic length n; if that ends
    UNKNOWN, n = 2..5 are proved as ``cases`` (the general verdict stays UNKNOWN).
    ``two_class`` is about n = 2 only.

    Examples:
        >>> print(prove("log_softmax", "log_softmax_identity"))
        log_softmax: log_softmax_identity proved for all n
        >>> print(prove("softmax", "two_class"))
        softmax: two_class proved for n = 2
        >>> print(prove("glu", "additivity"))  # doctest: +ELLIPSIS
        glu: additivity disproved for all n (a = (x[0] = 1, else 0), b = (x[n/2] = 1, else 0), component 0: 1/(exp(-1) + 1) != 1/2)
    """
    act = V.get(name)
    if prop not in _APPLIES[act.name]:
        raise ValueError(f"{prop!r} does not apply to {act.name}; its claims are {', '.join(_APPLIES[act.name])}")
    identity = prop not in ("additivity", "homogeneity", "linearity")
    if prop == "two_class":
        size = 2
    run = _identity if identity else _nonlinear
    if size is not None:
        return run(act.name, prop, size)
    general = run(act.name, prop, n)
    if general.verdict is not Verdict.UNKNOWN and (not general.steps or prop == "threshold"):
        return general
    cases = tuple(
        run(act.name, prop, k2)
        if not identity or k2 <= _MAX_CONCRETE.get(act.name, CONCRETE_N[-1])
        else VectorProof(act.name, prop, general.claim, Verdict.UNKNOWN, k2, reason=_SKIP_REASON)
        for k2 in CONCRETE_N
    )
    if general.steps:  # proved for every n; the concrete definition's exact proofs are kept alongside
        return replace(general, cases=cases, seconds=general.seconds + sum(c.seconds for c in cases))
    return VectorProof(
        general.name,
        prop,
        general.claim,
        Verdict.UNKNOWN,
        n,
        general.lhs,
        general.rhs,
        "",
        general.hypotheses,
        reason=general.reason,
        cases=cases,
        seconds=general.seconds + sum(c.seconds for c in cases),
    )


def prove_all(name: str) -> tuple[VectorProof, ...]:
    """Every applicable claim about one vector activation.

    Examples:
        >>> [str(r.verdict) for r in prove_all("softmin")]
        ['PROVED', 'PROVED', 'PROVED', 'DISPROVED', 'DISPROVED', 'DISPROVED']
    """
    return tuple(prove(name, p) for p in claims_for(name))


def to_json(results: tuple[VectorProof, ...] | VectorProof) -> str:
    """JSON text of one result or several."""
    if isinstance(results, VectorProof):
        return json.dumps(results.to_dict(), indent=2)
    return json.dumps([r.to_dict() for r in results], indent=2)
