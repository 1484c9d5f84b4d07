r"""Proofs about the vector activations (:mod:`symact.vector`), with re-checkable certificates.

Same verdicts as the scalar proofs (:class:`~proofs.verdict.Verdict`): PROVED with
an exact reduction of ``lhs - rhs`` to 0, DISPROVED with an exact counterexample
whose difference is proved nonzero (exact rationals, an interval enclosure from
:func:`proofs.enclose.certify_nonzero`, or, for a symbolic length n, SymPy's
sign assumptions after writing n = m + n_min with m a non-negative integer),
UNKNOWN with a reason. :meth:`VectorProof.check` re-derives both sides from the
registry definitions and re-runs the recorded method; it never uses floats.

Each claim is attempted for a symbolic length n first; when that does not end
in a verdict, it is proved for n = 2..5 (the ``cases``) and the general verdict
stays UNKNOWN with the reason.

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
    >>> s.verdict, [c.n for c in s.cases], s.cases[0].verdict
    (<Verdict.UNKNOWN: 'unknown'>, [2, 3, 4, 5], <Verdict.PROVED: 'proved'>)
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import sympy
from sympy import Indexed, Max, Min

import symact
from symact import vector as V
from symact.vector import X, i, n, substitute_entries

from proofs.enclose import certify_nonzero, enclosure_bounds
from proofs.verdict import Verdict

__all__ = ["CLAIMS", "VectorCounterexample", "VectorProof", "claims_for", "prove", "prove_all"]

#: Every claim, in words (``{f}`` is the activation's name).
CLAIMS: dict[str, str] = {
    "sum_to_one": "the components of {f}(x) sum to 1",
    "shift_invariance": "{f}(x + c*1) = {f}(x) for every real c",
    "two_class": "the two-class {f} is the sigmoid: {f}([t, 0]) = [sigmoid(t), 1 - sigmoid(t)]",
    "log_softmax_identity": "log_softmax(x)_i = x_i - logsumexp(x)",
    "softmin_identity": "softmin(x) = softmax(-x)",
    "additivity": "{f}(a + b) = {f}(a) + {f}(b) for all vectors a, b",
    "homogeneity": "{f}(c a) = c {f}(a) for all real c and vectors a",
    "linearity": "{f} is linear (additive and homogeneous)",
}

#: Which claims apply to which activation.
_APPLIES: dict[str, tuple[str, ...]] = {
    "softmax": ("sum_to_one", "shift_invariance", "two_class", "additivity", "homogeneity", "linearity"),
    "log_softmax": ("sum_to_one", "shift_invariance", "two_class", "log_softmax_identity", "additivity", "homogeneity", "linearity"),
    "softmin": ("sum_to_one", "shift_invariance", "softmin_identity", "additivity", "homogeneity", "linearity"),
    "sparsemax": ("sum_to_one", "shift_invariance", "two_class", "additivity", "homogeneity", "linearity"),
    "glu": ("additivity", "homogeneity", "linearity"),
    "logsumexp": ("shift_invariance", "additivity", "homogeneity", "linearity"),
}

#: The concrete lengths tried when the general case is not decided.
CONCRETE_N: tuple[int, ...] = (2, 3, 4, 5)
#: The largest concrete length attempted per activation (sparsemax's threshold is a Max over
#: 2**n - 1 subsets; at n = 4, 5 the identity proofs take minutes: measured 134 s for shift invariance).
_MAX_CONCRETE: dict[str, int] = {"sparsemax": 3}
_SKIP_REASON = "not attempted: sparsemax's threshold is a Max over 2**n - 1 subset means, too costly for SymPy at this n"

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
    from symact.pieces import decompose

    form = decompose(expr, var)
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


_CONCRETE_METHODS: dict[str, Callable[[sympy.Expr], sympy.Expr]] = {
    "automatic evaluation": lambda e: e,
    "expand": sympy.expand,
    "cancel": sympy.cancel,
    "expand exp and log, cancel": lambda e: sympy.cancel(sympy.expand_log(sympy.expand(e, power_exp=True), force=False)),
    "translation commutes with Max (max_k(a_k + c) = max_k(a_k) + c), expand": _shift_steps,
    "simplify after rewriting in exp": lambda e: sympy.simplify(e.rewrite(sympy.exp)),
    "shift invariance of the residual (translation commutes with Max) reduces it to x = [t, 0]; "
    "its canonical piecewise form in t is 0 on every piece and at every breakpoint": _shift_then_1d,
}
#: The methods tried on expressions with Max/Min (the others expand them into huge trees).
_MAX_METHODS = (
    "automatic evaluation",
    "translation commutes with Max (max_k(a_k + c) = max_k(a_k) + c), expand",
    "shift invariance of the residual (translation commutes with Max) reduces it to x = [t, 0]; "
    "its canonical piecewise form in t is 0 on every piece and at every breakpoint",
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
        except Exception:  # noqa: BLE001 - a failing method proves nothing
            continue
        if out == 0:
            return out, name
        last = out
    return last, ""


def _apply(method: str, expr: sympy.Expr) -> sympy.Expr:
    step = _METHODS[method]
    if "simplify" in method:
        from symact.budget import call

        return call(step, expr, seconds=V.STEP_SECONDS, what=method)
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
        comps = act.components()
        lhs = sympy.Matrix([cmp.xreplace({X[0]: _t, X[1]: 0}) for cmp in comps])
        if name == "softmax":
            sig = symact.get("sigmoid").expr.xreplace({symact.x: _t})
            rhs = sympy.Matrix([sig, 1 - sig])
        elif name == "log_softmax":
            ls = symact.get("log_sigmoid").expr
            rhs = sympy.Matrix([ls.xreplace({symact.x: _t}), ls.xreplace({symact.x: -_t})])
        else:
            ss = symact.get("sparse_sigmoid").expr
            rhs = sympy.Matrix([ss.xreplace({symact.x: _t}), ss.xreplace({symact.x: -_t})])
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
        return (sympy.Matrix(comps) if len(comps) > 1 else comps[0]), (sympy.Matrix(neg) if len(neg) > 1 else neg[0]), ("x real",)
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
        except Exception:  # noqa: BLE001 - a check that cannot run confirms nothing
            return False

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready mapping; exact numbers are strings."""
        vals = {k2: (str(v) if k2 == "c" else _vec_text(v)) for k2, v in self.values}
        return {
            "property": self.property, "n": str(self.n), "n_min": self.n_min, "values": vals, "component": self.component,
            "lhs": str(self.lhs), "rhs": str(self.rhs), "difference": str(self.difference), "sign": self.sign, "evidence": self.evidence,
            "enclosure": None if self.enclosure is None else {"lower": self.enclosure[0], "upper": self.enclosure[1], "bits": self.enclosure[2]},
        }

    @classmethod
    def build(cls, prop: str, name: str, size: Any, n_min: int, values: tuple[tuple[str, Any], ...], component: int = 0) -> VectorCounterexample | None:
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
# Results
# ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class VectorProof:
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
        cases: for an UNKNOWN general claim, the results for n = 2..5.
        seconds: wall-clock time.
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

    @property
    def proved(self) -> bool:
        """Whether the verdict is PROVED."""
        return self.verdict is Verdict.PROVED

    @property
    def disproved(self) -> bool:
        """Whether the verdict is DISPROVED."""
        return self.verdict is Verdict.DISPROVED

    @property
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
                return ce is not None and ce.name == self.name and ce.n == self.n and ce.check()
            if self.verdict is Verdict.PROVED:
                sides = _sides(self.name, self.property, self.n)
                if isinstance(sides, str):
                    return False
                lhs, rhs, _ = sides
                if lhs != self.lhs or rhs != self.rhs:
                    return False
                return all(_apply(self.method, r) == 0 for r in _residual(lhs, rhs))
            return False
        except Exception:  # noqa: BLE001 - a check that cannot run confirms nothing
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
        if self.verdict is Verdict.PROVED:
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
            lines.append(f"  difference = {ce.difference}, {'> 0' if ce.sign > 0 else '< 0'} by {ce.evidence}" +
                         (f" (for n >= {ce.n_min})" if self.general else ""))
            lines.append("DISPROVED.")
        else:
            lines.append(f"UNKNOWN: {self.reason}")
            for c in self.cases:
                lines.append(f"  n = {c.n}: {c.verdict.value}" + (f" ({c.method})" if c.method else f" ({c.reason})" if c.reason else ""))
        return "\n".join(lines)

    def markdown(self) -> str:
        """The proof as Markdown."""
        return "\n\n".join(f"`{ln}`" if ln.startswith(("Left", "Right", "  ")) else ln for ln in self.text().splitlines())

    def latex(self) -> str:
        """The claim and its verdict as LaTeX (sides printed with SymPy's LaTeX printer)."""
        out = [f"\\textbf{{{self.name}}}: {self.claim.replace('_', ' ')} --- {self.verdict.name}."]
        if self.verdict is Verdict.PROVED:
            out.append(f"\\[ {sympy.latex(self.lhs)} = {sympy.latex(self.rhs)} \\]")
        elif self.counterexample is not None:
            ce = self.counterexample
            out.append(f"\\[ {sympy.latex(ce.lhs)} \\neq {sympy.latex(ce.rhs)} \\]")
        return "\n".join(out)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready mapping; exact numbers are strings."""
        return {
            "name": self.name, "property": self.property, "claim": self.claim, "verdict": self.verdict.value, "n": str(self.n),
            "lhs": None if self.lhs is None else str(self.lhs), "rhs": None if self.rhs is None else str(self.rhs),
            "method": self.method, "hypotheses": list(self.hypotheses), "failed": self.failed, "reason": self.reason,
            "counterexample": self.counterexample.to_dict() if self.counterexample else None,
            "cases": [c.to_dict() for c in self.cases],
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
                    return VectorProof(name, prop, claim, Verdict.PROVED, size, lhs, rhs, method, hyp, seconds=time.perf_counter() - t0)
            except Exception:  # noqa: BLE001
                continue
    reason = "an entry of left - right did not reduce to 0" + (f" (last form: {sympy.sstr(last)[:100]})" if last is not None else "")
    return VectorProof(name, prop, claim, Verdict.UNKNOWN, size, lhs, rhs, "", hyp, reason=reason, seconds=time.perf_counter() - t0)


def _nonlinear(name: str, prop: str, size: Any) -> VectorProof:
    t0 = time.perf_counter()
    act = _act(name, size)
    claim = CLAIMS[prop].format(f=name)
    if act.symbolic and act.template is None:
        return VectorProof(name, prop, claim, Verdict.UNKNOWN, size, reason=f"{name} has no closed form for symbolic n", seconds=time.perf_counter() - t0)
    props = ("additivity", "homogeneity") if prop == "linearity" else (prop,)
    for p in props:
        w = _witnesses(name, p, size)
        if w is None:
            continue
        n_min, values = w
        if size != n and size < n_min:
            return VectorProof(name, prop, claim, Verdict.UNKNOWN, size, reason=f"the witness needs n >= {n_min}", seconds=time.perf_counter() - t0)
        ce = VectorCounterexample.build(p, name, size, n_min, values)
        if ce is not None:
            hyp = (f"n >= {n_min}",) if size == n else ()
            return VectorProof(name, prop, claim, Verdict.DISPROVED, size, hypotheses=hyp, counterexample=ce,
                               failed=p if prop == "linearity" else None, seconds=time.perf_counter() - t0)
    return VectorProof(name, prop, claim, Verdict.UNKNOWN, size, reason="no witness was proved", seconds=time.perf_counter() - t0)


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
    if general.verdict is not Verdict.UNKNOWN:
        return general
    cases = tuple(
        run(act.name, prop, k2) if not identity or k2 <= _MAX_CONCRETE.get(act.name, CONCRETE_N[-1])
        else VectorProof(act.name, prop, general.claim, Verdict.UNKNOWN, k2, reason=_SKIP_REASON)
        for k2 in CONCRETE_N
    )
    return VectorProof(general.name, prop, general.claim, Verdict.UNKNOWN, n, general.lhs, general.rhs, "", general.hypotheses,
                       reason=general.reason, cases=cases, seconds=general.seconds + sum(c.seconds for c in cases))


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
