r"""Facts derived from the definition of a vector activation: output sets, sums, Jacobians.

Each fact is a :class:`Fact`: ``holds`` is True only when SymPy reduced the claim
exactly, otherwise an :class:`~symact.Unknown` with the reason. Sums over the
entries are reduced by the exact steps of :func:`reduce_sums`.

A fact this module cannot derive for every n (the sum of sparsemax, which has no
closed form for symbolic n) is Unknown unless a ``prover`` is passed: a function
``prover(act, claim, statement) -> Fact``. The command line and the report pass one
built on the structured proofs of :mod:`proofs.vector` (this layer does not import
them).

Examples:
    >>> out = output_set("softmax")
    >>> out.component, out.total, out.proved
    (Interval.open(0, 1), 1, True)
    >>> sum_to_one("softmax").holds, sum_to_one("softmax").n
    (True, n)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import sympy
from sympy import Max, Sum, exp, log

from symact.core.budget import BudgetExceeded, call, spent
from symact.core.unknown import Unknown
from symact.definition.registry import all_vector_activations, get_vector
from symact.definition.vector import VectorActivation, X, i, j, k, n

__all__ = [
    "SUM_STEPS",
    "Fact",
    "OutputSet",
    "Prover",
    "jacobian",
    "output_set",
    "reduce_sums",
    "softmax_jacobian_fact",
    "sum_to_one",
]

#: The lookup :mod:`proofs.vector` resolves vector activations with (``get(name, n)``).
get = get_vector


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


def _as_is(e: sympy.Expr) -> sympy.Expr:
    return e


def _pull_factors(e: sympy.Expr) -> sympy.Expr:
    return _canonical_sums(sympy.factor_sum(sympy.factor_terms(e)))


def _split_exp_of_sums(e: sympy.Expr) -> sympy.Expr:
    return _canonical_sums(
        sympy.factor_terms(sympy.expand(e, power_exp=True, mul=False, multinomial=False, log=False, basic=False))
    )


def _expand_logs(e: sympy.Expr) -> sympy.Expr:
    return sympy.expand_log(_split_exp_of_sums(e))


def _simplify_sums(e: sympy.Expr) -> sympy.Expr:
    return sympy.simplify(_canonical_sums(e))


#: The exact steps :func:`reduce_sums` tries, in order (module-level functions: the budgeted
#: ``simplify`` step is sent to a worker by reference).
SUM_STEPS: tuple[tuple[str, Callable[[sympy.Expr], sympy.Expr]], ...] = (
    ("automatic evaluation", _as_is),
    ("pull factors free of the summation index out of each Sum, rename bound indices", _pull_factors),
    ("split exp of sums, pull common factors out of sums, rename bound indices", _split_exp_of_sums),
    ("expand logarithms of positive factors", _expand_logs),
    ("simplify", _simplify_sums),
)


def _run(step: Callable[[sympy.Expr], sympy.Expr], expr: sympy.Expr, name: str) -> sympy.Expr:
    """One reduction step; ``simplify`` runs under a time budget (it can hang)."""
    if name == "simplify":
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
        >>> sm = get_vector("softmax").component()
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
        except BudgetExceeded:
            if spent():  # the enclosing budget is spent: the whole computation ends
                raise
            continue  # this step ran out of its own time: it proves nothing
        except Exception:  # noqa: BLE001, S112 - a failing step proves nothing
            continue
        if out == 0:
            return out, name
        last = out
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


#: ``prover(act, claim, statement)``: a fact this module leaves to a structured proof
#: (``claim`` names it, e.g. ``"sum_to_one"``), proved or Unknown with the reason.
Prover = Callable[[VectorActivation, str, str], Fact]


def _log_of(act: VectorActivation) -> sympy.Expr | None:
    """``u`` when every component of ``act`` is ``log(u)`` (a log-probability map such as
    log_softmax), else None."""
    if act.kind != "map" or act.template is None or not isinstance(act.template, log):
        return None
    return act.template.args[0]


def _probability_base(act: VectorActivation) -> VectorActivation | None:
    """The map with positive components that ``act`` is (``act`` itself) or is the logarithm of
    (the catalog entry with that definition, at the same length, else ``exp(act)``); None for
    other structures."""
    if act.kind != "map" or act.template is None:
        return None
    inner = _log_of(act)
    if inner is None:
        return act if act.template.is_positive else None
    size = None if act.symbolic else act.n
    named = next((get_vector(c, size) for c in all_vector_activations() if c.template == inner), None)
    if named is not None or not inner.is_positive:
        return named
    return VectorActivation(f"exp({act.name})", inner, n=act.n)


def _is_projection(act: VectorActivation) -> bool:
    """Whether each component is ``Max(x_i - tau, 0)`` (sparsemax's shape), read at length 2."""
    if act.kind != "map":
        return False
    comp = act.with_n(2).component(0)
    return isinstance(comp, Max) and sympy.S.Zero in comp.args


def _component_sum(act: VectorActivation) -> sympy.Expr:
    log_map = _log_of(act) is not None
    if act.symbolic:
        body = act.component()
        return Sum(exp(body) if log_map else body, (i, 0, n - 1))
    comps = act.components()
    return sympy.Add(*(exp(c) if log_map else c for c in comps))


def sum_to_one(act: VectorActivation | str, size: int | None = None, *, prover: Prover | None = None) -> Fact:
    """Prove that the outputs sum to 1 (for log_softmax: sum_i exp(out_i) = 1).

    For symbolic n by exact sum manipulation (:func:`reduce_sums`); for concrete n
    by expanding and cancelling. sparsemax has no closed form for symbolic n: its
    sum is left to ``prover`` (the command line and the report pass the structured,
    re-checked proof of :mod:`proofs.vector`), and is Unknown without one; for
    concrete n its nested ``Max`` does not reduce for n >= 3 (Unknown).

    Examples:
        >>> print(sum_to_one("softmin"))  # doctest: +ELLIPSIS
        the components of softmin(x) sum to 1 [all n]: proved by split exp of sums, ...
        >>> print(sum_to_one("sparsemax"))  # doctest: +ELLIPSIS
        the components of sparsemax(x) sum to 1 [all n]: unknown (sparsemax has no closed form for symbolic n; its sum needs ...)
        >>> sum_to_one("sparsemax", 3).holds  # doctest: +ELLIPSIS
        Unknown('the residual did not reduce to 0 ...')
    """
    act = get_vector(act, size)
    what = "exp of the components" if _log_of(act) is not None else "the components"
    statement = f"{what} of {act.name}(x) sum to 1"
    if act.kind != "map":
        return Fact(statement, Unknown(f"{act.name} is not a probability map"), act.n)
    if act.symbolic and act.template is None:
        if prover is not None:
            return prover(act, "sum_to_one", statement)
        return Fact(
            statement,
            Unknown(
                f"{act.name} has no closed form for symbolic n; its sum needs the structured proof "
                f"proofs.vector.prove({act.name!r}, 'sum_to_one')"
            ),
            n,
        )
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


def _reduce_concrete(expr: sympy.Expr) -> tuple[sympy.Expr, str]:
    return _first_reduction(
        expr, (("automatic evaluation", _as_is), ("cancel", sympy.cancel), ("simplify", sympy.simplify))
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


def output_set(act: VectorActivation | str, size: int | None = None, *, prover: Prover | None = None) -> OutputSet:
    """The output set of a vector activation, proved exactly where possible.

    The facts follow the structure of the definition, not the name:

    * components positive by SymPy's assumptions (softmax, softmin): every component in
      (0, 1) and the components sum to 1 (for n >= 2; with n = 1 the output is [1]): the
      open simplex;
    * components the log of such a map (log_softmax): every component in (-oo, 0) and
      sum_i exp(out_i) = 1;
    * components ``Max(x_i - tau, 0)`` (sparsemax): every component in [0, 1]; exact zeros
      occur (shown by an exact witness); the sum is proved only where :func:`sum_to_one`
      can (for symbolic n, with ``prover``);
    * a map of the halves (glu): every real number is a component value (witness
      x_i = 2t, x_{i+n/2} = 0);
    * a reduction (logsumexp): one real output, > max(x) when n >= 2 (from log_softmax < 0).

    Any other structure gets one Unknown fact saying so.

    Examples:
        >>> out = output_set("softmax")
        >>> out.component, out.total, out.proved
        (Interval.open(0, 1), 1, True)
        >>> output_set("log_softmax").component
        Interval.open(-oo, 0)
    """
    act = get_vector(act, size)
    sz = act.n
    facts: list[Fact] = []
    base = _probability_base(act)
    if base is not None:
        s_i = base.component() if act.symbolic else base.component(0)
        facts.append(_positive_fact(act, s_i, f"every component of {base.name}(x) is > 0", sz))
        total = sum_to_one(act, prover=prover)
        facts.append(total)
        if total.holds is not True:  # positive components, but no probability vector
            if base is act:
                return OutputSet(act.name, "positive components", sympy.Interval.open(0, sympy.oo), None, tuple(facts))
            return OutputSet(act.name, "logarithms of positive components", sympy.Reals, None, tuple(facts))
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
        if base is not act:
            facts.append(
                Fact(
                    f"every component of {act.name}(x) is < 0",
                    facts[-1].holds,
                    sz,
                    f"{act.name}(x)_i = log({base.name}(x)_i) with 0 < {base.name}(x)_i < 1, and log is increasing "
                    "with log(1) = 0"
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
    if _is_projection(act):
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
        zero = act.with_n(2)([2, 0])
        facts.append(
            Fact(
                "exact zeros occur (n >= 2)",
                True if 0 in zero else Unknown("witness failed"),
                2,
                f"exact witness {act.name}([2, 0]) = {list(zero)}",
            )
        )
        total = sum_to_one(act, prover=prover)
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
    if act.kind == "halve":
        t = sympy.Symbol("t", real=True)
        comp = act.with_n(2).component(0)
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
    if act.kind != "reduce":
        reason = Unknown("no derivation for a map of this structure (not positive, a log of one, or a projection)")
        return OutputSet(act.name, "not derived", sympy.Reals, None, (Fact("the output set", reason, sz),))
    lse = act.component() if act.symbolic else act.component(0)
    ls = get_vector("log_softmax", None if act.symbolic else act.n)
    ls_i = ls.component() if act.symbolic else ls.component(0)
    xi = X[i] if act.symbolic else X[0]
    residual = (lse - xi) + ls_i
    out, method = reduce_sums(residual) if act.symbolic else _reduce_concrete(sympy.expand_log(residual))
    below = output_set(ls, prover=prover)
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
    act = get_vector(act, size)
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
    act = get_vector("softmax", size)
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
