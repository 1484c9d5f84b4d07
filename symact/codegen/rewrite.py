"""The stability rewrite stage: a SymPy expression -> a numerically stable equivalent.

The textbook formula of an activation is often a poor recipe for floating point
(``log(1 + exp(x))`` overflows, ``exp(x) - 1`` cancels, ...). This module turns an
expression into an *equivalent* one built from stable primitives, in two steps:

1. **Pieces.** A piecewise definition (``Piecewise``, ``Max``, ``Min``, ``Abs``,
   ``Heaviside``, ``sign``, ``sinc``) is split at its exact breakpoints into
   :class:`Piece` records: an interval of the real line and the smooth formula
   that holds on it. Code generation later evaluates each formula on its input
   *clamped* to the interval, so an unused branch never overflows.
2. **Rules.** Each smooth formula is rewritten bottom-up by general pattern
   rules (:data:`RULES`): ``log(1 + exp(u)) -> Softplus(u)``, ``k exp(u) - k ->
   k Expm1(u)``, ``k + k erf(z) -> k Erfc(-z)``, ``k + k tanh(u) -> 2k
   Sigmoid(2u)``, ``(1 + exp(u))**-1 -> Sigmoid(-u)``, ``exp(-u) Sigmoid(u) ->
   Sigmoid(-u)``, ``log(1 + u) -> Log1p(u)``, ``sqrt(u**2 + c) -> Hypot(u, sqrt(c))``,
   ``1 - tanh(u)**2 -> 4 SigmoidPrime(2u)``, ``Sigmoid(u) Sigmoid(-u) ->
   SigmoidPrime(u)``, ``a x + b -> a (x - r)`` ... Algebraic sums of fractions
   are first put over one factored denominator (:func:`normalize`). Every
   candidate is checked to equal what it replaces (:func:`proven_equal`,
   symbolically, under a time budget) and is dropped when the check fails.

The pieces are the canonical piecewise form of :mod:`symact.analysis.pieces`
with ``hazards=True``: it also splits at removable singularities of the *printed*
formula (``sinc(x)`` is printed as ``sin(x)/x``, so 0 is a breakpoint here,
while the analysis rightly calls sinc smooth).

The stable primitives are SymPy function classes that never auto-evaluate, so
canonicalisation cannot undo a rewrite (SymPy would turn ``erfc(-z)`` back into
``2 - erfc(z)``). Each one knows its textbook definition (:meth:`Stable.textbook`).

Examples:
    >>> import symact
    >>> from symact.codegen.rewrite import stabilize
    >>> stabilize(symact.get("softplus").expr)
    Stabilized(pieces=(Piece(lo=-oo, hi=oo, expr=Softplus(x)),))
    >>> stabilize(symact.get("elu").expr).pieces
    (Piece(lo=-oo, hi=0, hi_closed=True, expr=Expm1(x)), Piece(lo=0, hi=oo, expr=x))
    >>> stabilize(symact.get("gelu").expr).pieces[0].expr
    x*Erfc(-sqrt(2)*x/2)/2
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import NoReturn, TypeVar

import mpmath
import sympy
from sympy import Abs, Add, Mul, Pow, S, exp, log, sqrt, tanh

from symact.analysis import pieces as canonical
from symact.core import budget as _budget
from symact.definition.activation import x
from symact.definition.primitives import (
    AddHypot,
    Affine,
    Erfc,
    Expm1,
    Hypot,
    HypotM1,
    Log1p,
    Sigmoid,
    SigmoidPrime,
    Softplus,
    TanhSoftplus,
    textbook,
)

T = TypeVar("T")

__all__ = [
    "RULES",
    "STRUCTURAL",
    "Piece",
    "Rule",
    "Stabilized",
    "apply_rules",
    "breakpoints",
    "exp_powers",
    "normalize",
    "pieces",
    "proven_equal",
    "stabilize",
]


# ---------------------------------------------------------------------------------------
# Time budgets
# ---------------------------------------------------------------------------------------
def _step(fn: Callable[..., T], *args: object, seconds: float) -> T:
    """``fn(*args)`` as one :func:`symact.core.budget.step` (a killed worker or, inside one, an alarm).

    A step that runs out of its own time raises :class:`TimeoutError` for the
    caller to treat as "not proved"; when the budget that ran out is an enclosing
    one (``remaining() == 0``), :class:`~symact.core.budget.BudgetExceeded` propagates
    so the whole call ends.
    """
    what = getattr(fn, "__name__", "a rewrite step")
    return _budget.step(fn, *args, seconds=seconds, what=what, on_timeout=_step_timed_out)


def _step_timed_out(err: _budget.BudgetExceeded) -> NoReturn:
    raise TimeoutError(f"symbolic step exceeded {err.seconds} s") from None


# ---------------------------------------------------------------------------------------
# The equality check
# ---------------------------------------------------------------------------------------
_PROBES = (sympy.Rational(-7, 3), sympy.Rational(-1, 5), sympy.Rational(3, 7), sympy.Rational(11, 4))


def proven_equal(new: sympy.Expr, old: sympy.Expr, seconds: float = 5.0) -> bool:
    """Whether ``new`` equals ``old`` for every real x, proven symbolically.

    A cheap numeric probe refutes most wrong candidates at once; then the
    difference of the textbook forms must reduce to 0 by ``expand``/``cancel`` or,
    within ``seconds``, by ``simplify`` of its exp-rewrite. Anything else
    (including a timeout) is ``False``: an unproven rewrite is not applied.

    Examples:
        >>> from sympy import erf, tanh
        >>> proven_equal(Erfc(-x), 1 + erf(x))
        True
        >>> proven_equal(2*Sigmoid(2*x), 1 + tanh(x))
        True
        >>> proven_equal(Sigmoid(x), 1 + tanh(x))
        False
    """
    branches = _branch_choices(new, old)
    if branches is not None:
        return bool(branches) and all(proven_equal(b, o, seconds) for b, o in branches)
    d = textbook(new) - textbook(old)
    if d == 0:
        return True
    free = d.free_symbols
    if free - {x}:
        return False
    try:
        with mpmath.workdps(40):
            for t in _PROBES:
                v = sympy.N(d.subs(x, t), 30)
                if v.is_number and v.is_finite is not False and abs(complex(v)) > 1e-25:
                    return False
    except (TypeError, ValueError, ZeroDivisionError):
        pass
    try:
        if _step(_reduces_to_zero, d, seconds=seconds):
            return True
        tn, to = textbook(new), textbook(old)
        # exp is one-to-one on the reals: where both sides are real (SymPy proves it for real x), the
        # logarithms can go (log(cosh(x)) = x - log(2) + log(1 + e**(-2x)) as cosh(x) = e**x (1 + e**(-2x))/2)
        if d.has(log) and tn.is_extended_real is True and to.is_extended_real is True:
            return _step(_exps_equal, tn, to, seconds=seconds)
        return False
    except _budget.BudgetExceeded:
        raise  # an enclosing budget ran out: not this step's own timeout
    except (TimeoutError, RecursionError, ValueError, TypeError, NotImplementedError):
        return False


def _exps_equal(a: sympy.Expr, b: sympy.Expr) -> bool:
    return _reduces_to_zero(sympy.expand(exp(a)) - sympy.expand(exp(b)))


#: Most formulas :func:`_branch_choices` may ask to prove (2 choices for each of 4 switches, ...).
_MAX_BRANCHES = 16


def _branch_choices(new: sympy.Expr, old: sympy.Expr) -> list[tuple[sympy.Expr, sympy.Expr]] | None:
    """Switch-free pairs ``(new_i, old_i)`` whose identities prove ``new == old``; None if ``new`` has no switch.

    At every x a ``Piecewise`` takes the value of one of its branches, ``Max``/``Min`` of one of their
    arguments and ``Abs(u)`` that of ``u`` or ``-u``. So if every choice of one formula per switch of
    ``new`` (that ``old`` does not have) is an identity equal to ``old`` for every real x, ``new`` equals
    ``old`` whatever its switches choose. A ``Piecewise((A, u < 0), (B, True))`` may also rely on its
    condition where ``old`` holds ``Abs(u)``: A is then compared with ``old`` where ``Abs(u) = -u``, and
    B where ``Abs(u) = u``. An empty list (too many choices) proves nothing.

    Examples:
        >>> [b for b, _ in _branch_choices(sympy.Max(x, 0) + Abs(x - 1), x)]
        [x - 1, 2*x - 1, 1 - x, 1]
    """
    if isinstance(new, sympy.Piecewise) and len(new.args) == 2 and new.args[1].cond is S.true:
        (a, cond), (b, _) = new.args
        if isinstance(cond, sympy.StrictLessThan) and cond.rhs == 0 and old.has(Abs(cond.lhs)):
            u = cond.lhs
            return [(a, old.xreplace({Abs(u): -u})), (b, old.xreplace({Abs(u): u}))]
    switches = [
        n
        for n in sympy.preorder_traversal(new)
        if isinstance(n, (sympy.Piecewise, sympy.Max, sympy.Min, Abs)) and n.has(x) and not old.has(n)
    ]
    if not switches:
        return None
    first = switches[0]
    if isinstance(first, sympy.Piecewise):
        options = [b for b, _ in first.args]
    elif isinstance(first, Abs):
        options = [first.args[0], -first.args[0]]
    else:
        options = list(first.args)
    out: list[tuple[sympy.Expr, sympy.Expr]] = []
    for o in options:
        sub = _branch_choices(new.xreplace({first: o}), old)
        out.extend(sub if sub is not None else [(new.xreplace({first: o}), old)])
        if len(out) > _MAX_BRANCHES or (sub is not None and not sub):
            return []
    return out


def _reduces_to_zero(d: sympy.Expr) -> bool:
    for step in (sympy.expand, sympy.cancel):
        if step(d) == 0:
            return True
    for e in (d.rewrite(sympy.erf), d.rewrite(exp)):
        for step in (sympy.expand, sympy.cancel):
            if step(e) == 0:
                return True
    return sympy.simplify(d.rewrite(exp)) == 0


# ---------------------------------------------------------------------------------------
# Rules
# ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Rule:
    """A rewrite rule: ``apply(node)`` proposes an equivalent node or returns None."""

    name: str
    apply: Callable[[sympy.Expr], sympy.Expr | None]
    doc: str = ""


def _split_coeff(term: sympy.Expr) -> tuple[sympy.Expr, sympy.Expr]:
    """``term = k * rest`` with k a number (exact) and rest free of a numeric factor."""
    k, rest = term.as_coeff_Mul()
    return k, rest


def _rule_softplus(e: sympy.Expr) -> sympy.Expr | None:
    # log(1 + exp(u)) -> Softplus(u);  log((1 + exp(u))**k) -> k Softplus(u);
    # log(c + a exp(u)) -> log(c) + Softplus(u + log(a/c)) for numbers a, c > 0
    if not isinstance(e, log):
        return None
    arg = e.args[0]
    power = S.One
    if isinstance(arg, Pow) and arg.exp.is_Integer:
        arg, power = arg.base, arg.exp
    if not (isinstance(arg, Add) and len(arg.args) == 2):
        return None
    c, term = arg.as_independent(x, as_Add=True)
    a, other = term.as_independent(x, as_Add=False)
    if not (isinstance(other, exp) and c.is_positive and a.is_positive):
        return None
    if c == 1 and a == 1:
        return power * Softplus(other.args[0])
    # log(c + a exp(u)) = log(c) + Softplus(u + log(a/c)): no overflow for large u
    return power * (log(c) + Softplus(other.args[0] + log(a / c)))


def _rule_log1p(e: sympy.Expr) -> sympy.Expr | None:
    # log(1 + u) -> Log1p(u)   (after the Softplus rule had its chance)
    if isinstance(e, log) and isinstance(e.args[0], Add) and S.One in e.args[0].args:
        return Log1p(e.args[0] - 1)
    return None


def _pairs(
    e: sympy.Expr, pred: Callable[[sympy.Expr], bool]
) -> Iterator[tuple[sympy.Expr, sympy.Expr, sympy.Expr, sympy.Expr]]:
    """In an Add, yield (term, k, f, rest-of-sum) for terms k*f with f matching ``pred``."""
    if not isinstance(e, Add):
        return
    for term in e.args:
        k, f = _split_coeff(term)
        if pred(f):
            yield term, k, f, e - term


def _rule_expm1(e: sympy.Expr) -> sympy.Expr | None:
    # k exp(u) - k -> k Expm1(u)
    for term, k, f, rest in _pairs(e, lambda f: isinstance(f, exp)):
        num = rest.as_coeff_Add()[0]
        if num == -k:
            return k * Expm1(f.args[0]) + (rest - num)
    return None


def _rule_erfc(e: sympy.Expr) -> sympy.Expr | None:
    # k + k erf(z) -> k Erfc(-z);  k - k erf(z) -> k Erfc(z)
    for term, k, f, rest in _pairs(e, lambda f: isinstance(f, sympy.erf)):
        num = rest.as_coeff_Add()[0]
        if num == k:
            return k * Erfc(-f.args[0]) + (rest - num)
        if num == -k:
            return -k * Erfc(f.args[0]) + (rest - num)
    for term, k, f, rest in _pairs(e, lambda f: isinstance(f, sympy.erfc)):
        return k * Erfc(f.args[0]) + rest
    return None


def _rule_tanh_sigmoid(e: sympy.Expr) -> sympy.Expr | None:
    # k + k tanh(u) -> 2k Sigmoid(2u);  -k + k tanh(u) -> -2k Sigmoid(-2u)
    for term, k, f, rest in _pairs(e, lambda f: isinstance(f, tanh)):
        num = rest.as_coeff_Add()[0]
        if num == k:
            return 2 * k * Sigmoid(2 * f.args[0]) + (rest - num)
        if num == -k:
            return -2 * k * Sigmoid(-2 * f.args[0]) + (rest - num)
    return None


def _rule_sech2(e: sympy.Expr) -> sympy.Expr | None:
    # k - k tanh(u)**2 -> 4k SigmoidPrime(2u)   (sech(u)**2 without cosh overflow)
    # k - k TanhSoftplus(u)**2 -> 4k SigmoidPrime(2 Softplus(u))   (mish': no cancellation for large u)
    for term, k, f, rest in _pairs(
        e, lambda f: isinstance(f, Pow) and f.exp == 2 and isinstance(f.base, (tanh, TanhSoftplus))
    ):
        num = rest.as_coeff_Add()[0]
        if num == -k:
            inner = f.base.args[0] if isinstance(f.base, tanh) else Softplus(f.base.args[0])
            return -4 * k * SigmoidPrime(2 * inner) + (rest - num)
    return None


def _rule_sech_pow(e: sympy.Expr) -> sympy.Expr | None:
    # cosh(u)**-2 -> 4 SigmoidPrime(2u)   (no overflow of cosh)
    if isinstance(e, Pow) and e.exp == -2 and isinstance(e.base, sympy.cosh):
        return 4 * SigmoidPrime(2 * e.base.args[0])
    return None


def _rule_exp_sigmoid_prime(e: sympy.Expr) -> sympy.Expr | None:
    # exp(u) SigmoidPrime(u) -> Sigmoid(u)**2;  exp(-u) SigmoidPrime(u) -> Sigmoid(-u)**2;
    # (a + exp(±u)) SigmoidPrime(u) is distributed first so the pair can meet
    if not isinstance(e, Mul):
        return None
    sps = [f for f in e.args if isinstance(f, SigmoidPrime)]
    if len(sps) != 1:
        return None
    sp = sps[0]
    v = sp.args[0]
    others = [f for f in e.args if f is not sp]
    for f in others:
        if isinstance(f, exp):
            w = f.args[0]
            rest = Mul(*[g for g in others if g is not f])
            if sympy.expand(w - v) == 0:
                return rest * Sigmoid(v) ** 2
            if sympy.expand(w + v) == 0:
                return rest * Sigmoid(-v) ** 2
    for f in others:
        if isinstance(f, Add) and any(
            isinstance(t, exp) and sympy.expand(t.args[0] ** 2 - v**2) == 0 for t in f.atoms(exp)
        ):
            rest = Mul(*[g for g in others if g is not f])
            return Add(*[apply_rules(rest * t * sp) for t in sympy.expand(f).args])
    return None


def _rule_sigmoid_prime(e: sympy.Expr) -> sympy.Expr | None:
    # Sigmoid(u) * Sigmoid(-u) -> SigmoidPrime(u)
    if not isinstance(e, Mul):
        return None
    sigs = [f for f in e.args if isinstance(f, Sigmoid)]
    for a in sigs:
        for b in sigs:
            if a is not b and sympy.expand(a.args[0] + b.args[0]) == 0:
                rest = Mul(*[f for f in e.args if f is not a and f is not b])
                u = a.args[0] if sympy.Mul.make_args(a.args[0])[0] != -1 else b.args[0]
                return rest * SigmoidPrime(u)
    return None


def _rule_sigmoid(e: sympy.Expr) -> sympy.Expr | None:
    # (1 + exp(u))**-n -> Sigmoid(-u)**n
    if isinstance(e, Pow) and e.exp.is_Integer and e.exp < 0 and isinstance(e.base, Add):
        base = e.base
        if len(base.args) == 2 and S.One in base.args:
            other = base.args[0] if base.args[1] == 1 else base.args[1]
            if isinstance(other, exp):
                return Sigmoid(-other.args[0]) ** (-e.exp)
    return None


def _rule_sigmoid_complement(e: sympy.Expr) -> sympy.Expr | None:
    # k - k Sigmoid(u) -> k Sigmoid(-u)   (1 - sigmoid(u) cancels to 0 for large u)
    for term, k, f, rest in _pairs(e, lambda f: isinstance(f, Sigmoid)):
        num = rest.as_coeff_Add()[0]
        if num == -k:
            return -k * Sigmoid(-f.args[0]) + (rest - num)
    return None


def _rule_exp_sigmoid(e: sympy.Expr) -> sympy.Expr | None:
    # exp(-u) * Sigmoid(u)**n -> Sigmoid(-u) * Sigmoid(u)**(n-1)
    if not isinstance(e, Mul):
        return None
    factors = e.args
    for f in factors:
        if not isinstance(f, exp):
            continue
        w = f.args[0]
        for g in factors:
            base, n = (g.base, g.exp) if isinstance(g, Pow) else (g, S.One)
            if isinstance(base, Sigmoid) and n.is_Integer and n > 0 and sympy.expand(base.args[0] + w) == 0:
                rest = Mul(*[h for h in factors if h is not f and h is not g])
                return rest * Sigmoid(w) * base ** (n - 1)
    return None


def _rule_tanh_softplus(e: sympy.Expr) -> sympy.Expr | None:
    if isinstance(e, tanh) and isinstance(e.args[0], Softplus):
        return TanhSoftplus(e.args[0].args[0])
    return None


def _rule_hypot(e: sympy.Expr) -> sympy.Expr | None:
    # (u**2 + c)**(±1/2) -> Hypot(u, sqrt(c))**(±1), c > 0 a constant
    if isinstance(e, Pow) and e.exp in (S.Half, -S.Half) and isinstance(e.base, Add):
        c, rest = e.base.as_coeff_Add()
        if c.is_positive:
            k, sq = _split_coeff(rest)
            if isinstance(sq, Pow) and sq.exp == 2 and k.is_positive:
                u = sqrt(k) * sq.base
                h = Hypot(u, sqrt(c))
                return h if e.exp == S.Half else 1 / h
    return None


def _rule_hypot_sums(e: sympy.Expr) -> sympy.Expr | None:
    # k u + k Hypot(u, c) -> k AddHypot(u, c);   k Hypot(u, c) - k c -> k HypotM1(u, c)
    for term, k, f, rest in _pairs(e, lambda f: isinstance(f, Hypot)):
        u, c = f.args
        for other in Add.make_args(rest):
            if sympy.expand(other - k * u) == 0:
                return k * AddHypot(u, c) + (rest - other)
        num = rest.as_coeff_Add()[0]
        if num == -k * c:
            return k * HypotM1(u, c) + (rest - num)
    # k ± k u/Hypot(u, c) -> k AddHypot(±u, c)/Hypot(u, c)   (1 + x/sqrt(1 + x**2) cancels for x -> -oo)
    num = e.as_coeff_Add()[0] if isinstance(e, Add) else S.Zero
    for term in Add.make_args(e) if num != 0 else ():
        for f in Mul.make_args(term):
            if isinstance(f, Pow) and f.exp == -1 and isinstance(f.base, Hypot):
                u, c = f.base.args
                for sign in (1, -1):
                    if sympy.expand(term * f.base - sign * num * u) == 0:
                        return num * AddHypot(sign * u, c) / f.base + (e - num - term)
    return None


def _rule_affine(e: sympy.Expr) -> sympy.Expr | None:
    # a x + b -> Affine(x, -b/a, a) for rational a, b (the root r = -b/a is then exact-ish)
    if isinstance(e, Add) and len(e.args) == 2:
        b, rest = e.as_coeff_Add()
        a, u = _split_coeff(rest)
        if b != 0 and b.is_Rational and a.is_Rational and u == x:
            return Affine(u, -b / a, a)
    return None


#: Largest total degree in (x, t) that :func:`_rule_exp_factor` hands to ``factor`` (an effort limit).
_EXP_FACTOR_DEGREE = 8


def _rule_exp_factor(e: sympy.Expr) -> sympy.Expr | None:
    # a sum that is a polynomial in x and t = exp(q x) -> its factors: x**2 e**(2x/3) + 4x e**(x/3) + 4
    # -> (x e**(x/3) + 2)**2 (the expanded sum cancels where x e**(x/3) is near -2, the factor less).
    # Only where every exponential grows on the same side (q x with one sign of q), so that the factors
    # overflow where the sum does and no further (the far-out scaled forms stay scaled).
    if not isinstance(e, Add):
        return None
    lines = [_affine(f.args[0]) for f in e.atoms(exp) if f.has(x)]
    ks = [ln[0] for ln in lines if ln is not None]
    if not lines or len(ks) < len(lines) or not (all(k > 0 for k in ks) or all(k < 0 for k in ks)):
        return None
    q = sympy.gcd(ks) * sympy.sign(ks[0])
    t = sympy.Dummy("t", positive=True)
    in_t = exp_powers(e, t, q)
    poly = sympy.expand(in_t) if in_t is not None else None
    if poly is None or not poly.is_polynomial(x, t):
        return None
    try:
        if sympy.Poly(poly, x, t).total_degree() > _EXP_FACTOR_DEGREE:
            return None
        factored = _step(sympy.factor, poly, seconds=5.0)
    except _budget.BudgetExceeded:
        raise  # an enclosing budget ran out: not this step's own timeout
    except (TimeoutError, sympy.PolynomialError, NotImplementedError):
        return None
    if isinstance(factored, Add):  # irreducible: nothing gained
        return None
    cand = factored.xreplace({t: exp(q * x)})
    return cand if sympy.count_ops(cand) <= sympy.count_ops(e) + 4 else None


# ---------------------------------------------------------------------------------------
# Structural rules: tried top-down on the textbook formula, before the rules above rewrite its parts
# ---------------------------------------------------------------------------------------
#: Where the scaled forms of :func:`_rule_exp_scale` take over from the formula as written.
_FAR = sympy.Integer(32)


def _affine(u: sympy.Expr) -> tuple[sympy.Expr, sympy.Expr] | None:
    """``(k, b)`` with ``u = k x + b``, k rational and b a real number free of x; else None."""
    k = sympy.expand(u).coeff(x, 1)
    b = sympy.expand(u - k * x)
    if b.has(x) or not k.is_Rational or not b.is_real:
        return None
    return k, b


def exp_powers(e: sympy.Expr, t: sympy.Symbol, q: sympy.Expr = S.One) -> sympy.Expr | None:
    """``e`` with every ``exp(k x + b)`` written ``e**b t**(k/q)``, ``t`` standing for ``exp(q x)``; None
    if an exponential of x has an argument that is not affine, or ``k/q`` is not an integer.

    Examples:
        >>> t = sympy.Symbol("t")
        >>> exp_powers(x * exp(2 * x / 3) + exp(x / 3 + 1), t, sympy.Rational(1, 3))
        t**2*x + E*t
        >>> exp_powers(exp(x / 2), t) is None
        True
    """
    bad = False

    def swap(a: sympy.Expr) -> sympy.Expr:
        nonlocal bad
        kb = _affine(a.args[0])
        if kb is None or not (kb[0] / q).is_Integer:
            bad = True
            return a
        return exp(kb[1]) * t ** (kb[0] / q)

    out = e.replace(lambda a: isinstance(a, exp) and a.has(x), swap)
    return None if bad else out


def _exp_terms(s: sympy.Expr, positive: bool) -> list[tuple[sympy.Expr, sympy.Expr, sympy.Expr]] | None:
    """``s = sum c_i exp(k_i x + b_i)`` as ``[(c_i, k_i, b_i)]``: k_i rational, c_i free of exp (a
    polynomial in x; a positive number if ``positive``); ``cosh`` of an affine argument counts as
    two exponentials. None for any other shape."""
    s = sympy.expand(s.rewrite(exp) if s.has(sympy.cosh) else s)
    out = []
    for t in Add.make_args(s):
        c, k, b = S.One, S.Zero, S.Zero
        for f in Mul.make_args(t):
            if isinstance(f, exp):
                kb = _affine(f.args[0])
                if kb is None:
                    return None
                k, b = k + kb[0], b + kb[1]
            elif f.is_number or (not positive and f.is_polynomial(x) and not f.has(exp)):
                c = c * f
            else:
                return None
        if positive and not c.is_positive:
            return None
        out.append((c, k, b))
    return out


def _log_sum(terms: list[tuple[sympy.Expr, sympy.Expr, sympy.Expr]], side: int) -> sympy.Expr:
    """``log(sum c exp(k x + b))`` with the dominant exponential on ``side`` (+1: x -> oo) factored out:
    ``K x + log(C) + Softplus(...)`` (or ``+ Log1p(...)`` of the other terms), never an overflow."""
    top = max(k * side for _, k, _ in terms) * side
    big = sum((c * exp(b) for c, k, b in terms if k == top), S.Zero)
    rest = [(c / big, k - top, b) for c, k, b in terms if k != top]
    out = top * x + log(big)
    if len(rest) == 1:
        c, k, b = rest[0]
        return out + Softplus(k * x + b + log(c))
    if rest:
        return out + Log1p(Add(*[c * exp(k * x + b) for c, k, b in rest]))
    return out


def _rule_log_exp_sum(e: sympy.Expr) -> sympy.Expr | None:
    # k log(prod S_i**n_i), S_i positive sums of exponentials (cosh too): log-sum-exp on each side of 0
    k, e = e.as_coeff_Mul() if isinstance(e, Mul) else (S.One, e)
    if not isinstance(e, log) or not e.has(x):
        return None
    factors: list[tuple[sympy.Expr, sympy.Expr, list[tuple[sympy.Expr, sympy.Expr, sympy.Expr]] | None]] = []
    for f in Mul.make_args(e.args[0]):
        base, n = (f.base, f.exp) if isinstance(f, Pow) else (f, S.One)
        if not n.is_Integer:
            return None
        if not base.has(x):
            factors.append((base, n, None))
            continue
        terms = _exp_terms(base, positive=True)
        if terms is None:
            return None
        factors.append((base, n, terms))
    sums = [t for _, _, t in factors if t is not None and len(t) > 1]
    ks = [k for t in sums for _, k, _ in t]
    cosh = e.args[0].has(sympy.cosh)
    # a quotient of sums cancels, cosh and a third term overflow; a lone log(c + a e**(k x)) with
    # |k| <= 1 is the softplus rule's
    if not sums or not (cosh or len(sums) > 1 or len(sums[0]) > 2 or max(ks) - min(ks) > 1):
        return None
    branches = []
    for side in (-1, 1):
        total = S.Zero
        for base, n, terms in factors:
            total += n * (log(base) if terms is None else _log_sum(terms, side))
        branches.append(sympy.expand(k * total))  # log(1 + e**(2x))/2 = x + Softplus(-2x)/2: no 2x to overflow
    return sympy.Piecewise((branches[0], x < 0), (branches[1], True))


def _rule_exp_scale(e: sympy.Expr, sides: frozenset[int] = frozenset((-1, 1))) -> sympy.Expr | None:
    # prod F_j**n_j, F_j sums of p(x) exp(k x + b): far out, each F_j divided by its dominant exponential
    if not isinstance(e, (Mul, Pow)) or not any(isinstance(a, exp) and a.has(x) for a in e.atoms(exp)):
        return None
    factors = []
    for f in Mul.make_args(e):
        base, n = (f.base, f.exp) if isinstance(f, Pow) and f.base.has(x) else (f, S.One)
        if not n.is_Integer:
            return None
        terms = _exp_terms(base, positive=False) if base.has(x) else [(base, S.Zero, S.Zero)]
        if terms is None:
            return None
        factors.append((n, terms))
    if not any(len({k for _, k, _ in t}) > 1 for _, t in factors):
        return None  # no sum of two growth rates: nothing to scale
    branches = []
    for side in (-1, 1):
        if side not in sides:
            branches.append(e)
            continue
        out, scale = S.One, S.Zero
        for n, terms in factors:
            top = max(k * side for _, k, _ in terms) * side
            scale += n * top
            out *= Add(*[c * exp((k - top) * x + b) for c, k, b in terms]) ** n
        branches.append(exp(scale * x) * out)
    if branches[0] == e and branches[1] == e:
        return None
    return sympy.Piecewise((branches[0], x < -_FAR), (e, x <= _FAR), (branches[1], True))


#: Where the scaled forms of :func:`_rule_power_scale` take over (x**4 overflows past 1.2e77).
_FAR_POWER = sympy.Integer(2) ** 20
#: Functions bounded for every real argument, which :func:`_rule_power_scale` treats as coefficients.
_BOUNDED = (sympy.sin, sympy.cos, sympy.tanh, sympy.erf, sympy.atan, Sigmoid, SigmoidPrime, TanhSoftplus)


def _power_terms(s: sympy.Expr) -> list[tuple[int, sympy.Expr]] | None:
    """``s = sum x**i B_i`` as ``[(i, B_i)]``: i >= 0 an integer, B_i a number times functions of
    :data:`_BOUNDED` of affine arguments (so no part of B_i overflows); None for any other shape."""
    out = []
    for t in Add.make_args(sympy.expand(s)):
        i, rest = 0, S.One
        for f in Mul.make_args(t):
            base, n = (f.base, f.exp) if isinstance(f, Pow) else (f, S.One)
            if base == x and n.is_Integer and n > 0:
                i += int(n)
            elif f.is_number or (isinstance(base, _BOUNDED) and n.is_Integer and _affine(base.args[0]) is not None):
                rest *= f
            else:
                return None
        out.append((i, rest))
    return out


def _rule_power_scale(e: sympy.Expr) -> sympy.Expr | None:
    # a quotient prod F_j**n_j, F_j = sum x**i B_i (B_i bounded): far out each F_j divided by x**(its top
    # degree), x**4/(x**2 + 1)**2 -> 1/(1 + x**-2)**2 (inf/inf where x**4 overflows, past 1.2e77)
    if not isinstance(e, (Mul, Pow)) or any(a.has(x) for a in e.atoms(exp)):
        return None
    factors = []
    for f in Mul.make_args(e):
        base, n = (f.base, f.exp) if isinstance(f, Pow) and f.base.has(x) else (f, S.One)
        terms = _power_terms(base) if base.has(x) else [(0, base)]
        if terms is None or not n.is_Integer:
            return None
        factors.append((n, terms))
    if not any(len({i for i, _ in t}) > 1 and max(i for i, _ in t) >= 2 for _, t in factors):
        return None  # no sum in which a power of x >= 2 outgrows the other terms
    if not (any(n > 0 and max(i for i, _ in t) > 0 for n, t in factors) and any(n < 0 for n, _ in factors)):
        return None  # no quotient of growing parts (inf/inf): a lone polynomial overflows where its value does
    out, scale = S.One, 0
    for n, terms in factors:
        top = max(i for i, _ in terms)
        scale += n * top
        out *= Add(*[b * x ** (i - top) for i, b in terms]) ** n
    far = x**scale * out
    return sympy.Piecewise((far, x < -_FAR_POWER), (e, x <= _FAR_POWER), (far, True))


def _rule_abs_split(e: sympy.Expr) -> sympy.Expr | None:
    # c + g(x, |x|) -> one fraction on each side of 0 (x/(2(1 + |x|)) + 1/2 = 1/(2(1 - x)) for x < 0)
    if not isinstance(e, Add) or not _algebraic(e.replace(Abs, lambda u: u)):
        return None
    absx = [a for a in e.atoms(Abs) if a.args[0] == x]
    if len(absx) != 1 or len(e.atoms(Abs)) != 1 or e.as_coeff_Add()[0] == 0:
        return None
    if not any(t.has(Abs) and _split_coeff(t)[1] != absx[0] for t in e.args):
        return None  # c + k|x| (softsign's denominator) does not cancel
    sides = []
    for sign in (-1, 1):
        try:
            sides.append(_step(_factor_together, e.xreplace({absx[0]: sign * x}), seconds=5.0))
        except _budget.BudgetExceeded:
            raise  # an enclosing budget ran out: not this step's own timeout
        except (TimeoutError, sympy.PolynomialError, NotImplementedError):
            return None
    return sympy.Piecewise((sides[0], x < 0), (sides[1], True))


#: Rules tried top-down on the formula as written (before the rules below change its parts); what one
#: of them returns is then rewritten by :data:`RULES` only.
#: ``exp_scale`` is only tried on a side where the formula the other rules give still holds an exponential
#: that overflows there (see :func:`_overflow_sides`).
STRUCTURAL: tuple[Rule, ...] = (
    Rule("log_exp_sum", _rule_log_exp_sum, "log(sum c e^(kx+b)) -> K x + log C + Softplus(...), per side"),
    Rule("abs_split", _rule_abs_split, "c + g(x, |x|) -> one fraction on each side of 0"),
    Rule("exp_scale", _rule_exp_scale, "prod (sum p e^(kx+b))^n scaled by its dominant e^(kx) far out"),
    Rule("power_scale", _rule_power_scale, "prod (sum x^i B_i)^n, B_i bounded, scaled by x^(top degree) far out"),
)


def _overflow_sides(e: sympy.Expr, lo: sympy.Expr, hi: sympy.Expr) -> frozenset[int]:
    """The ends of ``(lo, hi)`` at ±oo where ``e`` holds an ``exp(k x + b)`` or ``Expm1(k x + b)`` that overflows
    there (k > 0 at +oo, k < 0 at -oo). Sigmoid(x) x and the other stable primitives hold none: they are left
    alone."""
    out = set()
    for node in e.atoms(exp, Expm1):  # Expm1(u) (the expm1 rule's form) overflows as exp(u) does
        kb = _affine(textbook(node.args[0])) if node.has(x) else None  # exp(Affine(x, r, a)) too
        if kb is not None:
            if kb[0] > 0 and hi == sympy.oo:
                out.add(1)
            if kb[0] < 0 and lo == -sympy.oo:
                out.add(-1)
    return frozenset(out)


#: The rules, tried in order on every node, bottom-up, until none applies.
RULES: tuple[Rule, ...] = (
    Rule("softplus", _rule_softplus, "log(1 + exp(u)) -> Softplus(u)"),
    Rule("log1p", _rule_log1p, "log(1 + u) -> Log1p(u)"),
    Rule("expm1", _rule_expm1, "k exp(u) - k -> k Expm1(u)"),
    Rule("erfc", _rule_erfc, "k + k erf(z) -> k Erfc(-z)"),
    Rule("tanh_sigmoid", _rule_tanh_sigmoid, "k + k tanh(u) -> 2k Sigmoid(2u)"),
    Rule("sech2", _rule_sech2, "k - k tanh(u)^2 -> 4k SigmoidPrime(2u)"),
    Rule("sigmoid", _rule_sigmoid, "(1 + exp(u))^-n -> Sigmoid(-u)^n"),
    Rule("sigmoid_complement", _rule_sigmoid_complement, "k - k Sigmoid(u) -> k Sigmoid(-u)"),
    Rule("exp_sigmoid", _rule_exp_sigmoid, "exp(-u) Sigmoid(u) -> Sigmoid(-u)"),
    Rule("sigmoid_prime", _rule_sigmoid_prime, "Sigmoid(u) Sigmoid(-u) -> SigmoidPrime(u)"),
    Rule("sech_pow", _rule_sech_pow, "cosh(u)^-2 -> 4 SigmoidPrime(2u)"),
    Rule("exp_sigmoid_prime", _rule_exp_sigmoid_prime, "exp(±u) SigmoidPrime(u) -> Sigmoid(±u)^2"),
    Rule("tanh_softplus", _rule_tanh_softplus, "tanh(Softplus(u)) -> TanhSoftplus(u)"),
    Rule("hypot", _rule_hypot, "sqrt(u^2 + c) -> Hypot(u, sqrt(c))"),
    Rule("hypot_sums", _rule_hypot_sums, "u + Hypot(u, c) -> AddHypot(u, c); Hypot(u, c) - c -> HypotM1(u, c)"),
    Rule("exp_factor", _rule_exp_factor, "sum of x**i exp(q x)**j -> its factors over Q"),
    Rule("affine", _rule_affine, "a x + b -> a (x - r), r = -b/a"),
)


@dataclass
class RewriteLog:
    """Which rules were applied, and which candidates were refused (failed the check)."""

    applied: list[tuple[str, sympy.Expr, sympy.Expr]] = field(default_factory=list)
    refused: list[tuple[str, sympy.Expr, sympy.Expr]] = field(default_factory=list)


def apply_rules(
    expr: sympy.Expr,
    rules: tuple[Rule, ...] = RULES,
    check: Callable[[sympy.Expr, sympy.Expr], bool] = proven_equal,
    log_: RewriteLog | None = None,
    structural: tuple[Rule, ...] = (),
) -> sympy.Expr:
    """Rewrite ``expr`` bottom-up with ``rules``; apply a candidate only if ``check`` proves it.

    Examples:
        >>> apply_rules(log(1 + exp(-x)))
        Softplus(-x)
        >>> bogus = Rule("bogus", lambda e: Sigmoid(e.args[0]) if isinstance(e, tanh) else None)
        >>> book = RewriteLog()
        >>> apply_rules(tanh(x), (bogus,), log_=book), [r[0] for r in book.refused]
        (tanh(x), ['bogus'])
    """
    if log_ is None:
        log_ = RewriteLog()
    if not expr.args or expr.is_Atom:
        return expr
    for rule in structural:  # top-down: on the node as written, before its parts change
        cand = _proved_candidate(rule, expr, check, log_)
        if cand is not None:
            return apply_rules(cand, rules, check, log_)
    new_args = [apply_rules(a, rules, check, log_, structural) for a in expr.args]
    node = expr.func(*new_args) if tuple(new_args) != expr.args else expr
    for _ in range(10):
        for rule in rules:
            cand = _proved_candidate(rule, node, check, log_)
            if cand is not None:
                node = apply_rules(cand, rules, check, log_) if cand.args else cand
                break
        else:
            break
    return node


def _proved_candidate(
    rule: Rule, node: sympy.Expr, check: Callable[[sympy.Expr, sympy.Expr], bool], log_: RewriteLog
) -> sympy.Expr | None:
    """What ``rule`` makes of ``node``, if it is new and ``check`` proves it equal (logged as applied); else
    None (a candidate that fails the check is logged as refused)."""
    try:
        cand = rule.apply(node)
    except (TypeError, ValueError, AttributeError):
        return None
    if cand is None or cand == node:
        return None
    if check(cand, node):
        log_.applied.append((rule.name, node, cand))
        return cand
    log_.refused.append((rule.name, node, cand))
    return None


# ---------------------------------------------------------------------------------------
# Pieces: the canonical piecewise form, as code generation prints it
# ---------------------------------------------------------------------------------------
#: Abs is printed as np.abs (continuous, cannot overflow): it does not split a formula when
#: it is the only switching function in it.
_SPLIT_ONLY_IF_OTHERS = (Abs,)


def _form(expr: sympy.Expr) -> canonical.PiecewiseForm | None:
    """The canonical form with hazards, or None when the code keeps ``expr`` whole.

    ``expr`` stays one piece (its switches printed as ``np.abs``/``np.maximum``/``np.where``)
    when its only switching function is ``Abs``, or when a switch point cannot be
    located exactly in time (``x = tanh(x)``...): a branch is never guessed.
    """
    nodes = [n for n in sympy.preorder_traversal(expr) if isinstance(n, (*canonical.SWITCHING, *canonical.HAZARDS))]
    if not nodes or all(isinstance(n, _SPLIT_ONLY_IF_OTHERS) for n in nodes):
        return None
    try:
        return canonical.decompose(expr, x, hazards=True)
    except NotImplementedError:
        return None
    except _budget.BudgetExceeded:
        if _budget.spent():
            raise  # the enclosing budget is spent
        return None  # a solveset step ran out of its own time


def breakpoints(expr: sympy.Expr) -> tuple[sympy.Expr, ...]:
    """The sorted exact points where the generated code for ``expr`` changes piece.

    These are the breakpoints of the canonical form with hazards
    (:func:`symact.analysis.pieces.decompose`): ``sinc(x)`` is printed as
    ``sin(x)/x``, so 0 is one here, while the analysis rightly calls sinc smooth.
    A formula kept whole (see :func:`pieces`) has none.

    Examples:
        >>> from sympy import Abs, Max, Min, Rational, sinc
        >>> breakpoints(Min(1, Max(0, x/6 + Rational(1, 2))))
        (-3, 3)
        >>> breakpoints(sinc(x)), breakpoints(x**2), breakpoints(x / (1 + Abs(x)))
        ((0,), (), ())
    """
    form = _form(expr)
    return () if form is None else form.breakpoints


@dataclass(frozen=True)
class Piece:
    """A formula and the interval where it holds.

    Attributes:
        lo, hi: the exact interval ends (``-oo``/``oo`` allowed); ``lo == hi`` is a single point.
        lo_closed, hi_closed: whether the ends belong to this piece.
        expr: the stable formula (after the rules).
        raw: the smooth textbook formula before the rules.
    """

    lo: sympy.Expr
    hi: sympy.Expr
    expr: sympy.Expr
    raw: sympy.Expr = field(default=S.NaN, compare=False)
    lo_closed: bool = False
    hi_closed: bool = False

    def __repr__(self) -> str:
        ends = f"lo={self.lo}, hi={self.hi}"
        if self.lo_closed:
            ends += ", lo_closed=True"
        if self.hi_closed:
            ends += ", hi_closed=True"
        return f"Piece({ends}, expr={self.expr})"

    @property
    def is_point(self) -> bool:
        """Whether this piece is one isolated point."""
        return self.lo == self.hi


def pieces(expr: sympy.Expr) -> tuple[Piece, ...]:
    """The canonical form with hazards as :class:`Piece` records: smooth textbook pieces and isolated points.

    A breakpoint joins the neighbouring piece whose formula gives the exact value
    there (:meth:`~symact.analysis.pieces.PiecewiseForm.joins`, preferring the left
    one); otherwise it becomes a one-point piece. Neighbours with one formula are
    one piece (an isolated point between them stays separate). A formula the code
    keeps whole is one piece over the real line.

    Examples:
        >>> from sympy import Heaviside, sinc
        >>> pieces(Heaviside(x, 1))
        (Piece(lo=-oo, hi=0, expr=0), Piece(lo=0, hi=oo, lo_closed=True, expr=1))
        >>> pieces(sinc(x))
        (Piece(lo=-oo, hi=oo, expr=sin(x)/x), Piece(lo=0, hi=0, lo_closed=True, hi_closed=True, expr=1))
    """
    form = _form(expr)
    if form is None:
        return (Piece(-sympy.oo, sympy.oo, expr, expr),)
    opens = [[lo, hi, f, False, False] for (lo, hi), f in zip(form.gaps(), form.pieces)]
    points = []
    for i, (c, value, side) in enumerate(zip(form.breakpoints, form.values, form.joins())):
        if side == "-":
            opens[i][4] = True
        elif side == "+":
            opens[i + 1][3] = True
        else:
            points.append(Piece(c, c, value, value, True, True))
    merged: list[list] = []
    for p in opens:
        if merged and merged[-1][2] == p[2]:  # same formula: one piece (an isolated point stays separate)
            merged[-1][1] = p[1]
            merged[-1][4] = p[4]
        else:
            merged.append(p)
    out = [Piece(lo, hi, f, f, lc, hc) for lo, hi, f, lc, hc in merged]
    out.extend(points)
    return tuple(sorted(out, key=lambda p: (float(p.lo), 0 if p.is_point else 1)))


@dataclass(frozen=True)
class Stabilized:
    """The stable equivalent of an expression: its pieces, each rewritten by the rules.

    Attributes:
        pieces: sorted :class:`Piece` records covering the real line.
    """

    pieces: tuple[Piece, ...]
    applied: tuple[str, ...] = field(default=(), compare=False, repr=False)
    refused: tuple[str, ...] = field(default=(), compare=False, repr=False)


_CACHE: dict[str, Stabilized] = {}


def _algebraic(e: sympy.Expr) -> bool:
    return all(
        isinstance(n, (sympy.Add, sympy.Mul, sympy.Pow, sympy.Symbol, sympy.Number)) or (n.is_number and not n.has(x))
        for n in sympy.preorder_traversal(e)
        if isinstance(n, sympy.Expr)
    )


def normalize(e: sympy.Expr, check: Callable[[sympy.Expr, sympy.Expr], bool] = proven_equal) -> sympy.Expr:
    """An algebraic formula over one common denominator, factored (if proven equal and not longer).

    Sums of fractions such as the derivative of softsign, ``1/(1 - x) + x/(1 - x)**2``,
    cancel catastrophically; ``factor(together(e))`` gives ``(x - 1)**(-2)``.

    Examples:
        >>> normalize(1/(1 - x) + x/(1 - x)**2)
        (x - 1)**(-2)
    """
    if not _algebraic(e) or not isinstance(e, sympy.Add):
        return e
    fractions = [p for p in e.atoms(sympy.Pow) if p.exp.is_negative and p.base.has(x)]
    if not fractions:
        return e
    try:
        cand = _step(_factor_together, e, seconds=5.0)
    except _budget.BudgetExceeded:
        raise  # an enclosing budget ran out: not this step's own timeout
    except (TimeoutError, sympy.PolynomialError, NotImplementedError):
        return e
    if cand != e and sympy.count_ops(cand) <= sympy.count_ops(e) + 4 and check(cand, e):
        return cand
    return e


def _factor_together(e: sympy.Expr) -> sympy.Expr:
    return sympy.factor(sympy.together(e))


def stabilize(expr: sympy.Expr) -> Stabilized:
    """The numerically stable equivalent of ``expr`` (pieces + proven rewrites), cached.

    Examples:
        >>> import symact
        >>> stabilize(symact.get("sigmoid").expr).pieces[0].expr
        Sigmoid(x)
        >>> stabilize(symact.get("log_sigmoid").expr).pieces[0].expr
        -Softplus(-x)
    """
    key = sympy.srepr(expr)
    hit = _CACHE.get(key)
    if hit is not None:
        return hit
    book = RewriteLog()
    out = []
    for p in pieces(expr):
        e = p.raw
        stable = e
        if not p.is_point:
            start = normalize(sympy.sympify(e, strict=True))
            # powers of x outgrow each other only on a piece that reaches an infinity
            unbounded = p.lo == -sympy.oo or p.hi == sympy.oo
            structural = (*STRUCTURAL[:2], STRUCTURAL[3]) if unbounded else STRUCTURAL[:2]
            stable = apply_rules(start, RULES, proven_equal, book, structural)
            sides = _overflow_sides(stable, p.lo, p.hi)
            if sides:  # the quotients of exponentials the rules left: scaled far out, on those sides
                scale = Rule(STRUCTURAL[2].name, functools.partial(_rule_exp_scale, sides=sides), STRUCTURAL[2].doc)
                again = RewriteLog()
                stable = apply_rules(start, RULES, proven_equal, again, (*structural, scale))
                book.applied.extend(a for a in again.applied if a[0] == scale.name)
                book.refused.extend(r for r in again.refused if r[0] == scale.name)
        out.append(Piece(p.lo, p.hi, stable, p.raw, p.lo_closed, p.hi_closed))
    res = Stabilized(tuple(out), tuple(a[0] for a in book.applied), tuple(r[0] for r in book.refused))
    _CACHE[key] = res
    return res
