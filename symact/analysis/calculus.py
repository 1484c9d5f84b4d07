r"""Automatic analysis: derivatives, limits, the exact range and the property record.

Everything here is derived from the activation's expression through its
canonical piecewise form (:mod:`symact.analysis.pieces`): SymPy does the calculus on each
switching-free piece, certified interval arithmetic (:mod:`symact.analysis.signs`)
decides signs where SymPy cannot solve, and the pieces are glued together with
one-sided limits at the breakpoints. Each SymPy step runs under a time budget
(:mod:`symact.core.budget`); past it, or wherever a fact cannot be proved, the answer
is an :class:`~symact.Unknown` carrying the reason, never a guess.

**Overall budgets.** Each public call also runs as a whole under one budget
(in one forked worker, or on the signal path when already inside a worker), so
no call outlives its budget by more than the time to kill the worker. Every
call takes ``seconds=``; the defaults are :data:`LIMIT_SECONDS`,
:data:`DERIVATIVE_SECONDS` and :data:`PROPERTIES_SECONDS`. Past the budget,
:func:`limit` and :func:`output_range` answer ``Unknown("timeout (...)")`` and
:func:`properties` a record that keeps every field derived in time (each field is a
complete answer on its own) and holds that ``Unknown`` in the others;
:func:`derivative`, which must return an expression, raises
:class:`~symact.core.budget.BudgetExceeded` (a ``TimeoutError``). Answers, timeouts
included, are kept in the calling process: asking again is free, and a timeout
is recomputed only when a larger budget is given.

**Derivative convention at kinks.** Where f is not differentiable, the
expression returned by :func:`derivative` takes the element of the closed
interval between the two one-sided limits of f' that is closest to 0 (the
minimum-norm element of Clarke's generalized gradient). This gives ReLU'(0) = 0 as
PyTorch and JAX do, and HardTanh'(±1) = 0 and LeakyReLU'(0) = negative_slope as PyTorch
does (JAX gives 1 at both). What each framework's autograd returns at every kink is in the
``kinks`` field of the catalog's ``Framework`` records, checked against the frameworks by
``tests/test_frameworks.py``. At a jump of f the derivative does not exist; the expression uses
the same rule, as autodiff frameworks do. :func:`properties` reports the truth
(``None`` where the derivative does not exist) and the one-sided derivatives.
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import sympy
from sympy import Interval, S, oo
from sympy.calculus.accumulationbounds import AccumBounds

from symact.analysis import closed_form, signs
from symact.analysis.closed_form import lambertw_rule as _lambertw_rule
from symact.analysis.crosscheck import limit_disagreement
from symact.analysis.pieces import PiecewiseForm, decompose, sample_between
from symact.analysis.properties import Extremum, Properties, Trend, Value
from symact.core import budget, store
from symact.core.errors import ConventionError
from symact.core.unknown import Unknown
from symact.definition.activation import FRAMEWORKS, Activation, expression_of, limit_point, x
from symact.definition.primitives import PRIMITIVES, Smoothness

__all__ = ["CONVENTIONS", "conventions", "derivative", "limit", "output_range", "properties", "with_convention"]

#: The highest order checked when deciding C^k at a breakpoint.
MAX_CONTINUITY_ORDER = 6

#: Seconds for the whole property record of one activation (each step has its own budget too).
PROPERTIES_SECONDS = 240.0
#: Seconds for one whole :func:`limit` call (each SymPy step inside has its own budget too).
LIMIT_SECONDS = 30.0
#: Seconds for one whole :func:`derivative` call (each SymPy step inside has its own budget too).
DERIVATIVE_SECONDS = 60.0

# Answers of the public calls, kept in the caller's process (each call runs in a worker).
_LIMITS = budget.CallCache()
_DERIVATIVES = budget.CallCache()
_PROPERTIES = budget.CallCache(maxsize=256)


@dataclass(frozen=True)
class _Certified:
    """A value with no closed form: digits to print and rational bounds that provably contain it."""

    value: sympy.Float
    lo: sympy.Rational
    hi: sympy.Rational


def _plain(v: Any) -> Any:
    return v.value if isinstance(v, _Certified) else v


def _expr_of(f: Activation | sympy.Expr) -> sympy.Expr:
    return expression_of(f)


#: The share of what is left of the enclosing budget that one step may take: a step that
#: must be decided for a field, and a refinement (a closed form, a shorter value) that
#: only beautifies an answer already certified. One hard step cannot then spend the whole
#: record's budget and turn every field into a timeout.
STEP_SHARE, REFINEMENT_SHARE = 0.5, 0.2
#: A step never gets less than this (or all that is left, when less is left): when it
#: times out then, the enclosing call has run out too and ends with its own timeout.
MIN_STEP_SECONDS = 0.05

#: What a failing SymPy step may raise; it then becomes ``Unknown`` with the reason.
_STEP_ERRORS = (NotImplementedError, TypeError, ValueError, AttributeError, RecursionError)


def _step(
    fn: Callable[..., Any], *args: Any, what: str, seconds: float | None = None, share: float = STEP_SHARE
) -> Any:
    """Run one SymPy step under :func:`~symact.core.budget.step`; a timeout or failure becomes ``Unknown``.

    The step gets ``seconds`` (default: the step budget), but never more than
    ``share`` of what the enclosing budget has left.
    """
    try:
        return budget.step(
            fn,
            *args,
            what=what,
            seconds=seconds,
            share=share,
            minimum=MIN_STEP_SECONDS,
            on_timeout=lambda err: Unknown(f"timeout ({what})"),
        )
    except _STEP_ERRORS as exc:
        return Unknown(f"{what}: {type(exc).__name__}: {exc}"[:300])


def _form(expr: sympy.Expr) -> PiecewiseForm | Unknown:
    try:
        return decompose(expr)
    except budget.BudgetExceeded:  # a step of the decomposition ran out of its own time
        if budget.spent():
            raise
        return Unknown("timeout (locating breakpoints)")
    except (NotImplementedError, TypeError, ValueError) as exc:
        return Unknown(f"cannot put f in piecewise form: {exc}"[:300])


def _tidy(value: sympy.Expr) -> sympy.Expr:
    """A shorter exact form of a constant, proved equal (:func:`~symact.analysis.closed_form.simplest`)."""
    if not isinstance(value, sympy.Expr) or value.is_Rational or value in (oo, -oo) or not value.is_number:
        return value
    value = _lambertw_rule(value)
    simpler = _step(closed_form.simplest, value, what="simplify a value", seconds=3.0, share=REFINEMENT_SHARE)
    if isinstance(simpler, sympy.Expr) and sympy.count_ops(simpler) <= sympy.count_ops(value):
        return simpler
    return value


# --------------------------------------------------------------------------------------
# Exact comparison of constants
# --------------------------------------------------------------------------------------


def _cmp(a: Any, b: Any) -> int | Unknown:
    """-1, 0 or 1 as a <, =, > b for exact extended reals; Unknown if undecided."""
    if isinstance(a, Unknown):
        return a
    if isinstance(b, Unknown):
        return b
    if a is None or b is None:
        return Unknown("a value to compare does not exist")
    a, b = _plain(a), _plain(b)
    if a == b:
        return 0
    if a in (oo, -oo) or b in (oo, -oo):
        if a == oo or b == -oo:
            return 1
        return -1
    return _sign(sympy.sympify(a, strict=True) - sympy.sympify(b, strict=True))


def _sign(c: sympy.Expr) -> int | Unknown:
    """The exact sign of a constant (Unknown where undefined or undecided)."""
    if c.has(sympy.nan, sympy.zoo) or not c.is_number:
        return Unknown(f"{c} is not a real number")
    return signs.sign_at(c)


def _equal(a: Any, b: Any) -> bool | Unknown:
    c = _cmp(a, b)
    return c if isinstance(c, Unknown) else c == 0


# --------------------------------------------------------------------------------------
# Limits
# --------------------------------------------------------------------------------------


def _finite_value(value: Any) -> bool:
    return isinstance(value, sympy.Expr) and value.is_number and value.is_finite is True and not value.has(sympy.nan)


@functools.lru_cache(maxsize=4096)
def _piece_limit(piece: sympy.Expr, point: sympy.Expr, side: str) -> sympy.Expr | None | Unknown:
    """The limit of a switching-free expression, from one side (``None``: no limit)."""
    if point not in (oo, -oo):
        direct = piece.subs(x, point)
        if _finite_value(direct):
            return _tidy(direct)
    target = piece
    if point in (oo, -oo) and piece.has(sympy.tanh, sympy.sinh, sympy.cosh):
        target = piece.rewrite(sympy.exp)  # an exact identity; gruntz is about twice as fast on it
    result = _sympy_limit(piece, target, point, side)
    if isinstance(result, Unknown):
        structural = _structural_limit(piece, point, side)
        if structural is not None:
            return structural
        return None if _oscillates(piece, point, side) else result
    return result


def _oscillates(piece: sympy.Expr, point: sympy.Expr, side: str) -> bool:
    """True when ``piece`` provably has no limit (finite or infinite) at ``point`` from ``side``.

    The rule: ``piece = A + B sin(u) + C cos(u)`` with A, B, C free of sin(u) and cos(u),
    ``u -> +-oo`` and A -> a finite limit. The argument u is continuous and unbounded
    near the point, so it passes every value modulo 2 pi arbitrarily close to it:

    * B -> b and C -> c finite, not both 0: where u = t (mod 2 pi), piece tends to
      a + b sin(t) + c cos(t), which takes two values; no limit.
    * one of B, C -> +-oo and the other finite: where the unbounded one's factor is 0
      the other factor is +-1 and piece stays bounded; where it is 1 piece is unbounded.

    Examples:
        >>> _oscillates(sympy.sin(1 / x), S.Zero, "+"), _oscillates(2 * x * sympy.sin(1 / x) - sympy.cos(1 / x), S.Zero, "-")
        (True, True)
        >>> _oscillates(sympy.sin(x) ** 2 + sympy.cos(x) ** 2, oo, "-"), _oscillates(x * sympy.sin(1 / x), S.Zero, "+")
        (False, False)
    """
    trig = {a for a in piece.atoms(sympy.sin, sympy.cos) if a.has(x)}
    arguments = {a.args[0] for a in trig}
    if len(arguments) != 1:
        return False
    u = arguments.pop()
    s, c = sympy.Dummy("s"), sympy.Dummy("c")
    linear = piece.subs({sympy.sin(u): s, sympy.cos(u): c})
    if any(a.has(x) for a in linear.atoms(sympy.sin, sympy.cos)):
        return False
    b, cc = sympy.diff(linear, s), sympy.diff(linear, c)
    if b.has(s, c) or cc.has(s, c):
        return False  # not linear in sin(u) and cos(u)
    a = linear.subs({s: 0, c: 0})
    if _piece_limit(u, point, side) not in (oo, -oo):
        return False
    la, lb, lc = (_piece_limit(e, point, side) for e in (a, b, cc))
    if not _finite_value(la):
        return False
    finite = [_finite_value(v) for v in (lb, lc)]
    infinite = [v in (oo, -oo) for v in (lb, lc)]
    if all(finite):
        return any(_sign(v) in (1, -1) for v in (lb, lc))
    return (finite[0] and infinite[1]) or (infinite[0] and finite[1])


def _sympy_limit(piece: sympy.Expr, target: sympy.Expr, point: sympy.Expr, side: str) -> sympy.Expr | None | Unknown:
    result = _step(sympy.limit, target, x, point, side, what=f"limit of {piece} at {point}{side}")
    if isinstance(result, Unknown):
        return result
    if isinstance(result, AccumBounds):
        if result.min != result.max:
            # SymPy's AccumBounds only encloses the limit points (it says AccumBounds(0, 2)
            # for sin(x)**2 + cos(x)**2): it proves nothing about existence
            return Unknown(f"SymPy only bounds the limit of {piece} at {point}{side}: {result}")
        result = result.min
    if isinstance(result, sympy.Limit) or result.has(sympy.Limit, sympy.nan, AccumBounds) or result == sympy.zoo:
        return Unknown(f"SymPy could not evaluate the limit of {piece} at {point}{side}: {result}"[:300])
    if not result.is_number:
        return Unknown(f"the limit of {piece} at {point}{side} is not a number: {result}")
    if result not in (oo, -oo) and (result.is_finite is not True or result.has(sympy.I)):
        # gruntz can leave a sign unevaluated in complex dress: limit(x*tanh(atan(x)), oo) on the exp
        # form is oo*sign(-3*exp(pi/2) + 3*(sqrt(I)*(-I)**(7/2))**I), which evaluates to -oo
        return Unknown(f"SymPy's limit of {piece} at {point}{side} is not a plain real number: {result}"[:300])
    result = _tidy(result)
    # SymPy's limit can be wrong (limit(erf(x) + erf((2x+1)/(exp(-2x-1)+1)), oo) == 0): refuted numerically -> Unknown
    doubt = limit_disagreement(piece, point, side, result)
    if doubt is not None:
        return Unknown(f"SymPy says the limit of {piece} at {point}{side} is {result}, but {doubt}")
    return result


#: Functions continuous on the interior of their domain whose value at ±oo SymPy evaluates exactly:
#: SymPy's analytic monotone primitives (a monotone function has its limits at the ends of its domain).
_CONTINUOUS: tuple[Any, ...] = tuple(
    row.func
    for row in PRIMITIVES.values()
    if row.monotone and row.smoothness is Smoothness.ANALYTIC and not row.is_stable
)


def _structural_limit(piece: sympy.Expr, point: sympy.Expr, side: str) -> sympy.Expr | None:
    """The limit by the limit laws, where SymPy fails or is refuted; None when no law applies.

    Sums and products of limits that exist (no oo - oo, no 0 * oo), constant
    powers of a positive or infinite base, and continuous functions of an
    argument with a limit: F(arg) -> F(L), with F(oo) as SymPy evaluates it
    (erf(oo) = 1, exp(-oo) = 0, ...). Every step is a theorem, so no numeric check.
    """
    if not piece.has(x):
        return piece
    if piece == x:
        return point
    limits = [_piece_limit(a, point, side) for a in piece.args]
    args = [a for a in limits if isinstance(a, sympy.Expr) and not a.has(sympy.nan, sympy.zoo)]
    if len(args) != len(limits):
        return None
    if isinstance(piece, sympy.Add):
        infinite = {a for a in args if a in (oo, -oo)}
        return sympy.Add(*args) if len(infinite) <= 1 else None
    if isinstance(piece, sympy.Mul):
        if any(a in (oo, -oo) for a in args):
            signs_ = [1 if a == oo else -1 if a == -oo else _sign(a) for a in args]
            if any(isinstance(v, Unknown) or v == 0 for v in signs_):
                return None
            return oo if sympy.prod(signs_) > 0 else -oo
        return sympy.Mul(*args)
    if isinstance(piece, sympy.Pow) and not piece.exp.has(x):
        base, e = args[0], piece.exp
        if base == oo:
            return oo if e.is_positive else 0 if e.is_negative else None
        if base.is_positive or (e.is_Integer and e.is_positive and base.is_finite):
            return base**e
        return None
    if isinstance(piece, _CONTINUOUS) and len(args) == 1:
        L = args[0]
        if isinstance(piece, sympy.log) and not (L == oo or L.is_positive):
            return None
        if isinstance(piece, sympy.LambertW) and not (L == oo or (L.is_finite and (L + sympy.exp(-1)).is_positive)):
            return None
        value = piece.func(L)
        if isinstance(value, sympy.Expr) and value.is_number and not value.has(sympy.nan, sympy.zoo, AccumBounds):
            return value if value in (oo, -oo) or value.is_finite else None
    return None


def _one_sided(form: PiecewiseForm, point: sympy.Expr, side: str) -> sympy.Expr | None | Unknown:
    return _piece_limit(form.piece_at(point, side), point, side)


def limit(
    f: Activation | sympy.Expr, point: Any, dir: str | None = None, *, seconds: float | None = None
) -> sympy.Expr | None | Unknown:
    """The limit of f at ``point`` (``oo``, ``-oo`` or a real number).

    ``dir`` is ``'+'`` (from the right), ``'-'`` (from the left) or ``None``
    (two-sided). The result is exact, ``oo``/``-oo``, ``None`` when the limit does
    not exist, or :class:`~symact.Unknown`, also when the whole call takes
    longer than ``seconds`` (default :data:`LIMIT_SECONDS`).

    Raises:
        ValueError: ``dir`` is not ``'+'``, ``'-'`` or ``None``, or ``seconds`` is not positive.

    Examples:
        >>> import symact
        >>> elu2 = symact.get("elu").derivative(2)
        >>> symact.get("elu").limit(-sympy.oo)
        -1
        >>> limit(elu2, 0, "+"), limit(elu2, 0, "-")  # SymPy itself says 1 for both
        (0, 1)
        >>> limit(symact.get("binary_step"), 0) is None
        True
        >>> limit(sympy.sin(x), sympy.oo) is None
        True
        >>> tower = sympy.tanh(sympy.exp(sympy.tanh(sympy.exp(sympy.tanh(sympy.exp(x))))))
        >>> limit(tower, sympy.oo, seconds=20)  # SymPy's limit (a 5 s step) runs out of time; the limit laws apply
        tanh(exp(tanh(E)))
        >>> slow = sympy.exp(x) * (tower - sympy.tanh(sympy.exp(sympy.tanh(sympy.E))))  # oo * 0: no law applies
        >>> print(limit(slow, sympy.oo, seconds=0.1))  # doctest: +ELLIPSIS
        unknown (timeout (... exceeded its time budget of 0... s))
    """
    expr = _expr_of(f)
    point = limit_point(point)
    if dir not in ("+", "-", None):
        raise ValueError(f"dir must be '+', '-' or None, got {dir!r}")
    name = f.name if isinstance(f, Activation) else "f"
    side = "" if point in (oo, -oo) or dir is None else f" from the {'right' if dir == '+' else 'left'}"
    return _LIMITS.call(
        (expr, point, dir),
        _limit_of,
        expr,
        point,
        dir,
        seconds=LIMIT_SECONDS if seconds is None else seconds,
        what=f"limit of {name} at {point}{side}",
        on_timeout=_timeout,
    )


def _timeout(err: budget.BudgetExceeded) -> Unknown:
    return Unknown(f"timeout ({err})")


def _limit_of(expr: sympy.Expr, point: sympy.Expr, dir: str | None) -> sympy.Expr | None | Unknown:
    form = _form(expr)
    if isinstance(form, Unknown):
        return form
    if point == oo:
        return _piece_limit(form.pieces[-1], oo, "-")
    if point == -oo:
        return _piece_limit(form.pieces[0], -oo, "+")
    if dir in ("+", "-"):
        return _one_sided(form, point, dir)
    left, right = _one_sided(form, point, "-"), _one_sided(form, point, "+")
    if left is None or right is None:
        return None
    same = _equal(left, right)
    if isinstance(same, Unknown):
        return same
    return left if same else None


# --------------------------------------------------------------------------------------
# Derivatives
# --------------------------------------------------------------------------------------


def _nicer(expr: sympy.Expr) -> sympy.Expr:
    """``expr`` or a simplified form of it, whichever is shorter."""
    simpler = _step(sympy.simplify, expr, what="simplify a derivative", seconds=3.0)
    if isinstance(simpler, sympy.Expr) and sympy.count_ops(simpler) < sympy.count_ops(expr):
        return simpler
    return expr


def _min_norm(left: Any, right: Any) -> sympy.Expr:
    """The element of [min, max] of the two one-sided values closest to 0 (nan if undefined)."""
    if any(v is None or isinstance(v, Unknown) for v in (left, right)):
        return sympy.nan
    same = _equal(left, right)
    if same is True:
        return left
    sl, sr = _cmp(left, 0), _cmp(right, 0)
    if isinstance(sl, Unknown) or isinstance(sr, Unknown):
        return sympy.nan
    if sl * sr <= 0:
        return S.Zero
    closer = _cmp(abs(left), abs(right))
    if isinstance(closer, Unknown):
        return sympy.nan
    value = left if closer <= 0 else right
    return value if _finite_value(value) else sympy.nan


def _derivative_form(form: PiecewiseForm, n: int) -> PiecewiseForm:
    """The n-th derivative of ``form``: pieces differentiated, values the minimal-norm one-sided limit."""
    pieces = tuple(sympy.diff(p, x, n) for p in form.pieces)
    values = []
    for i, b in enumerate(form.breakpoints):
        value = _min_norm(_piece_limit(pieces[i], b, "-"), _piece_limit(pieces[i + 1], b, "+"))
        if n == 1 and value is sympy.nan:
            # f' has no one-sided limit here (or it is undecided): where the difference
            # quotients still agree, f is differentiable at b and that is f'(b)
            partial = PiecewiseForm(form.breakpoints, pieces, form.values)
            left, right = _one_sided_derivatives(form, partial, b, form.values[i])
            if _finite_value(left) and _finite_value(right) and _equal(left, right) is True:
                value = left
        values.append(value)
    return PiecewiseForm(form.breakpoints, pieces, tuple(values))


def _patch_removable(expr: sympy.Expr) -> sympy.Expr:
    """Fill removable singularities (sinc' at 0) with their limit."""
    points = _step(sympy.singularities, expr, x, S.Reals, what="singularities of a derivative", seconds=3.0)
    if not isinstance(points, sympy.FiniteSet):
        return expr
    args = []
    for s in sorted(points, key=lambda p: sympy.N(p, 30)):
        left, right = _piece_limit(expr, s, "-"), _piece_limit(expr, s, "+")
        if not (_finite_value(left) and _finite_value(right) and _equal(left, right) is True):
            return expr
        args.append((left, sympy.Eq(x, s)))
    return sympy.Piecewise(*args, (expr, True)) if args else expr


@functools.lru_cache(maxsize=1024)
def _derivative_cached(expr: sympy.Expr, n: int) -> sympy.Expr:
    form = _form(expr)
    if isinstance(form, Unknown):
        raise NotImplementedError(form.reason)
    if not form.breakpoints:
        return _patch_removable(_nicer(sympy.diff(expr, x, n)))
    dform = _derivative_form(form, n)
    return dform.map(_nicer).as_piecewise()


#: The derivative conventions at kinks: the project's own, then each framework's.
CONVENTIONS = ("symact", *FRAMEWORKS)


def conventions(f: Activation | sympy.Expr) -> tuple[str, ...]:
    """The conventions :func:`derivative` accepts for ``f``: ``"symact"``, and each framework that ships it.

    Examples:
        >>> import symact
        >>> conventions(symact.get("leaky_relu")), conventions(symact.get("isru"))
        (('symact', 'pytorch', 'jax', 'keras'), ('symact',))
    """
    shipped = {fw.framework for fw in f.frameworks} if isinstance(f, Activation) else set()
    return ("symact", *(c for c in FRAMEWORKS if c in shipped))


def _check_convention(f: Activation | sympy.Expr, n: int, convention: Any) -> str:
    """The convention's name, or a :class:`~symact.core.errors.ConventionError` naming it."""
    name = f.name if isinstance(f, Activation) else "this expression"
    known = conventions(f)
    if convention is None:
        return "symact"
    if not isinstance(convention, str) or convention not in CONVENTIONS:
        raise ConventionError(convention, name, known)
    if convention not in known:
        raise ConventionError(convention, name, known, unknown=False)
    if convention != "symact" and n != 1:
        raise ValueError(
            f"convention={convention!r} gives the first derivative at the kinks of {name}; got n={n} "
            "(the frameworks' records hold first-derivative values)"
        )
    return convention


def with_convention(f: Activation, d: sympy.Expr, convention: str) -> sympy.Expr:
    """The derivative ``d`` of ``f`` with the framework's autograd values at f's kinks.

    The values are the ``kinks`` of ``f``'s :class:`~symact.definition.activation.Framework`
    records for ``convention``, at f's parameter values; they replace ``d``'s value at each
    breakpoint of f where they differ (a point piece ``Eq(x, b)`` in front of ``d``). A record's
    point that is not a breakpoint of f (PyTorch's softplus threshold, a shortcut of the
    framework's own form) is left out: f is smooth there. ``"symact"`` returns ``d``.

    Examples:
        >>> import symact
        >>> hard_tanh = symact.get("hard_tanh")
        >>> with_convention(hard_tanh, hard_tanh.derivative(), "jax")
        Piecewise((1, Eq(x, -1) | Eq(x, 1)), (0, x <= -1), (1, x < 1), (0, True))
    """
    if convention == "symact":
        return d
    points = [b for b in _kink_points(f.expr)]
    values: dict[sympy.Expr, sympy.Expr] = {}
    for fw in f.frameworks:
        if fw.framework != convention:
            continue
        for p, v in fw.kinks_at(f.parameters):
            if p in points:
                if p in values and values[p] != v:
                    raise ValueError(f"the {convention} records of {f.name} disagree at x = {p}: {values[p]} and {v}")
                values[p] = v
    args = [
        (v, sympy.Eq(x, p)) for p, v in sorted(values.items(), key=lambda pv: sympy.N(pv[0], 30)) if d.subs(x, p) != v
    ]
    if not args:
        return d
    return sympy.Piecewise(*args, *(d.args if isinstance(d, sympy.Piecewise) else ((d, True),)))


def _kink_points(expr: sympy.Expr) -> list[sympy.Expr]:
    form = _form(expr)
    return [] if isinstance(form, Unknown) else list(form.breakpoints)


def derivative(
    f: Activation | sympy.Expr, n: int = 1, *, convention: str | None = None, seconds: float | None = None
) -> sympy.Expr:
    """The n-th derivative of f, as a SymPy expression.

    Away from breakpoints it is the exact derivative. At a kink it holds the
    convention value described in the module docstring; :func:`properties`
    says where the derivative really exists. ``convention`` (``"pytorch"``, ``"jax"``,
    ``"keras"``) gives instead the value that framework's autograd returns at each kink
    of a catalog entry it ships (see :func:`with_convention`); ``None`` or ``"symact"``
    is the project's own.

    Raises:
        ValueError: if ``n`` is not a positive integer, or ``seconds`` is not positive.
        symact.core.errors.ConventionError: (a ``ValueError``) ``convention`` is not one of
            :data:`CONVENTIONS`, or that framework does not ship f (see :func:`conventions`);
            a framework's convention with ``n`` other than 1 is a ``ValueError`` too.
        NotImplementedError: if f cannot be put in piecewise form.
        symact.core.budget.BudgetExceeded: (a ``TimeoutError``) the whole call took longer
            than ``seconds`` (default :data:`DERIVATIVE_SECONDS`).

    Examples:
        >>> import symact
        >>> symact.get("relu").derivative()
        Piecewise((0, x <= 0), (1, True))
        >>> symact.get("leaky_relu").derivative()
        Piecewise((1/100, x <= 0), (1, True))
        >>> symact.get("sigmoid").derivative()
        1/(4*cosh(x/2)**2)
        >>> symact.get("leaky_relu").derivative(convention="jax")
        Piecewise((1, Eq(x, 0)), (1/100, x <= 0), (1, True))
    """
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"n must be a positive integer, got {n!r}")
    convention = _check_convention(f, n, convention)
    if convention != "symact" and isinstance(f, Activation):
        return with_convention(f, derivative(f, n, seconds=seconds), convention)
    seconds = DERIVATIVE_SECONDS if seconds is None else budget.check_seconds(seconds)  # before any stored answer
    expr = _expr_of(f)
    name = f.name if isinstance(f, Activation) else "f"
    key = store.key("derivative", expr, n)
    kept = store.load(key)
    if isinstance(kept, sympy.Expr):  # derived in an earlier run with no budget running out, checked
        return kept
    got = _DERIVATIVES.call(
        (expr, n),
        store.counted,
        _derivative_cached,
        expr,
        n,
        seconds=seconds,
        what=f"derivative {n} of {name}",
    )
    if got.complete:  # no simplification cut short on the way
        store.save(key, got.value)
    return got.value


# --------------------------------------------------------------------------------------
# Signs of pieces: monotonicity and ranges
# --------------------------------------------------------------------------------------


def _chart(g: sympy.Expr, lo: sympy.Expr, hi: sympy.Expr) -> signs.SignChart | Unknown:
    if g == 0:
        return signs.SignChart(lo, hi, (), (0,), "exact")
    if g.is_number:
        s = _sign(g)
        return s if isinstance(s, Unknown) else signs.SignChart(lo, hi, (), (s,), "exact")
    return signs.sign_chart(g, lo, hi)


def _trend(chart: signs.SignChart) -> str:
    kinds = set(chart.signs)
    if kinds == {0}:
        return "constant"
    if kinds == {1}:
        return "increasing"
    if kinds == {-1}:
        return "decreasing"
    return "mixed"


def _monotonicity(
    pieces: Sequence[sympy.Expr],
    gaps: Sequence[tuple[sympy.Expr, sympy.Expr]],
    joints: Sequence[tuple[Any, Any, Any]],
) -> Trend:
    """Combine per-piece trends with the jumps at the joints.

    ``joints[i]`` is ``(left limit, value or None if excluded, right limit)`` at breakpoint i.
    A cheap exact witness (a rise and a fall between sample points) decides
    "not monotone" before any sign chart is needed.
    """
    if _rises_and_falls(pieces, gaps):
        return False
    trends = []
    for p, (lo, hi) in zip(pieces, gaps):
        chart = _chart(sympy.diff(p, x), lo, hi)
        if isinstance(chart, Unknown):
            return chart
        trend = _trend(chart)
        if trend == "mixed":
            return False
        trends.append(trend)
    up = down = False
    for left, value, right in joints:
        chain = [v for v in (left, value, right) if v is not None]
        if any(isinstance(v, Unknown) for v in chain):
            return next(v for v in chain if isinstance(v, Unknown))
        for a, b in itertools.pairwise(chain):
            c = _cmp(a, b)
            if isinstance(c, Unknown):
                return c
            up |= c < 0
            down |= c > 0
    rising = up or "increasing" in trends
    falling = down or "decreasing" in trends
    if rising and falling:
        return False
    if not rising and not falling:
        return "constant"
    strict = all(t != "constant" for t in trends)
    if rising:
        return "increasing" if strict else "non-decreasing"
    return "decreasing" if strict else "non-increasing"


#: Sample points for exact witnesses (a rise and a fall, a non-zero derivative).
_GRID = (
    tuple(sympy.Integer(n) for n in range(-10, 11))
    + tuple(sympy.Rational(n, 2) for n in (-3, -1, 1, 3))
    + tuple(sympy.Integer(n) for n in (-50, -20, 20, 50))
)


def _rises_and_falls(pieces: Sequence[sympy.Expr], gaps: Sequence[tuple[sympy.Expr, sympy.Expr]]) -> bool:
    """True when exact sample values of the pieces provably both rise and fall."""
    samples: list[tuple[sympy.Expr, sympy.Expr]] = []
    for p, (lo, hi) in zip(pieces, gaps):
        inside = [t for t in _GRID if bool(lo < t) and bool(t < hi)] or [sample_between(lo, hi)]
        samples.extend((t, p) for t in inside)
    samples.sort(key=lambda tp: tp[0])
    up = down = False
    for (t1, p1), (t2, p2) in itertools.pairwise(samples):
        s = _sign(p2.subs(x, t2) - p1.subs(x, t1))
        up |= s == 1
        down |= s == -1
        if up and down:
            return True
    return False


def _image_of_piece(
    p: sympy.Expr, lo: sympy.Expr, hi: sympy.Expr
) -> list[tuple[Any, Any, bool, bool, sympy.Set]] | Unknown:
    """The image of (lo, hi) under p as (low, high, low_closed, high_closed, where) atoms.

    ``where`` is the set of x attaining ``low`` (for the minimum) — kept for both ends
    through :func:`_attained_at`.
    """
    chart = _chart(sympy.diff(p, x), lo, hi)
    if isinstance(chart, Unknown):
        if lo == -oo or hi == oo:
            return _image_with_bounded_tails(p, lo, hi, chart)
        return chart
    chart = _with_closed_forms(sympy.diff(p, x), chart)
    ends: list[Any] = [_piece_limit(p, lo, "+")]
    for root in chart.roots:
        ends.append(_value_at_root(p, root))
    ends.append(_piece_limit(p, hi, "-"))
    if any(isinstance(e, Unknown) for e in ends):
        return next(e for e in ends if isinstance(e, Unknown))
    if any(e is None for e in ends):
        return Unknown(f"{p} has no limit at an end of {Interval.open(lo, hi)}")
    points = [lo, *[r.exact if r.exact is not None else r.approx for r in chart.roots], hi]
    atoms = []
    for j, s in enumerate(chart.signs):
        a, b = ends[j], ends[j + 1]
        seg = Interval.open(points[j], points[j + 1])
        if s == 0:
            value = _tidy(p.subs(x, sample_between(points[j], points[j + 1])))
            atoms.append((value, value, True, True, seg))
        elif s > 0:
            atoms.append((a, b, False, False, S.EmptySet))
        else:
            atoms.append((b, a, False, False, S.EmptySet))
    for j, root in enumerate(chart.roots):
        v = ends[j + 1]
        where = sympy.FiniteSet(root.exact if root.exact is not None else root.approx)
        atoms.append((v, v, True, True, where))
    return atoms


#: Where the charted core of an unbounded gap ends when its tails are bounded instead of charted.
_CORE_ENDS = (sympy.Integer(4), sympy.Integer(16))


def _image_with_bounded_tails(
    p: sympy.Expr, lo: sympy.Expr, hi: sympy.Expr, why: Unknown
) -> list[tuple[Any, Any, bool, bool, sympy.Set]] | Unknown:
    """The image of an unbounded gap whose tails p' cannot be charted on (an oscillation, say).

    p is continuous, so it maps a closed core [a, b] onto [m, M], its least and greatest values
    there (the core's atoms and the values at a and b). When an enclosure of p on each tail
    lies strictly inside (m, M), the tails add no value and attain neither extreme: the image of
    the gap is the core's. ``3*cos(3*x - 2)/(x**2 + 3)`` has critical points out to infinity, but
    beyond |x| = 4 it stays within 3/19 of 0.
    """
    from symact.numeric import interval

    for w in _CORE_ENDS:
        a, b = (-w if lo == -oo else lo), (w if hi == oo else hi)
        if _cmp(a, b) != -1:
            continue
        core = _image_of_piece(p, a, b)
        if isinstance(core, Unknown):
            return why
        atoms = list(core)
        for end, open_end in ((a, lo), (b, hi)):
            if end != open_end:
                v = _tidy(p.subs(x, end))
                if not _finite_value(v):
                    return why
                atoms.append((v, v, True, True, sympy.FiniteSet(end)))
        try:
            # the least value is at most any atom's upper bound for it, the greatest at least any lower one
            least = min(_bounds(low)[1] for low, *_ in atoms)
            greatest = max(_bounds(high)[0] for _, high, *_ in atoms)
            tails = [(lo, a)] if lo == -oo else []
            tails += [(b, hi)] if hi == oo else []
            inside = True
            for t_lo, t_hi in tails:
                t_min, t_max = _box_bounds(interval.enclose(p, t_lo, t_hi, prec=120))
                if not (t_min > least and t_max < greatest):
                    inside = False
                    break
        except (interval.EnclosureError, ArithmeticError, TypeError, ValueError):
            return why
        if inside:
            return atoms
    return why


def _bounds(v: Any) -> tuple[sympy.Rational, sympy.Rational]:
    """Rational bounds of an exact or certified finite value (ValueError when it has none)."""
    if isinstance(v, _Certified):
        return v.lo, v.hi
    if isinstance(v, sympy.Rational):
        return v, v
    from symact.numeric import interval

    return _box_bounds(interval.enclose(sympy.sympify(v), prec=120))


def _box_bounds(box: Any) -> tuple[sympy.Rational, sympy.Rational]:
    """The exact rational ends of an interval box (ValueError when one is infinite or nan)."""
    from mpmath.libmp import finf, fnan, fninf

    if any(end in (finf, fninf, fnan) for end in box._mpi_):
        raise ValueError(f"unbounded enclosure {box}")
    lo, hi = (_exact_mpf(end) for end in box._mpi_)
    return lo, hi


def _with_closed_forms(g: sympy.Expr, chart: signs.SignChart) -> signs.SignChart:
    """Replace certified roots by closed forms that provably are those roots.

    A candidate from ``sympy.solve`` is accepted only if it lies in the root's
    certified bracket (which holds exactly one root) and g provably vanishes there.
    """
    if all(r.exact is not None for r in chart.roots):
        return chart
    candidates = _step(_closed_form_roots, g, what=f"closed-form roots of {g}", seconds=3.0, share=REFINEMENT_SHARE)
    if isinstance(candidates, Unknown) or not isinstance(candidates, list):
        return chart
    roots = []
    for root in chart.roots:
        found = None
        for c in candidates:
            if root.exact is None and c.is_number and c.is_real is not False:
                inside = _cmp(c, root.lo) in (0, 1) and _cmp(root.hi, c) in (0, 1)
                if inside and _reduces_to_zero(_lambertw_rule(g.subs(x, c)), share=REFINEMENT_SHARE):
                    found = c
                    break
        roots.append(dataclasses.replace(root, exact=_tidy(found)) if found is not None else root)
    return dataclasses.replace(chart, roots=tuple(roots))


def _closed_form_roots(g: sympy.Expr) -> list[sympy.Expr]:
    """Candidate closed forms for the roots of g (each still to be proved a root by the caller).

    ``sympy.solve`` is first given the numerator of g over a common denominator, on which it is
    often several times faster than on g itself (f' of ``x/(1 + x*exp(x))``: 0.9 s against 4.9 s);
    a root of g is a root of that numerator. Then g itself, if the numerator gave nothing.
    """
    num = sympy.numer(sympy.together(g))
    found = sympy.solve(num, x) if num.has(x) and num != g else []
    return found if found else sympy.solve(g, x)


def _value_at_root(p: sympy.Expr, root: signs.Root) -> Any:
    if root.exact is not None:
        return _tidy(p.subs(x, root.exact))
    from symact.numeric import interval

    try:
        box = interval.enclose(p, root.lo, root.hi, prec=200)
    except (interval.EnclosureError, ArithmeticError) as exc:
        return Unknown(f"cannot enclose {p} at its critical point: {exc}")
    return _certified_float(box)


def _certified_float(box: Any) -> _Certified | Unknown:
    """The interval ``box`` as printable digits plus exact bounds.

    ``lo``/``hi`` are the hull of the box's exact binary endpoints and the printed
    decimal; the printed Float keeps two digits fewer than the box's relative width
    allows, so it is within one unit of its last place of the truth.
    """
    import mpmath

    lo, hi = (_exact_mpf(end) for end in box._mpi_)
    mid, width = (lo + hi) / 2, hi - lo
    if mid == 0 or abs(mid) <= width:
        return Unknown("critical value too close to 0 to certify digits")
    digits = int(sympy.floor(-sympy.log(width / abs(mid), 10))) if width else 60
    if digits < 32:
        return Unknown(f"critical value certified to only {digits} digits")
    digits = min(digits - 2, 60)
    with mpmath.workdps(digits + 20):
        text = mpmath.nstr(mpmath.mpf(mid.p) / mid.q, digits)
    value = sympy.Float(text, digits)
    printed = sympy.Rational(text)  # the decimal digits
    stored = sympy.Rational(value)  # the Float's own binary value, a hair away from the decimal
    # The bounds must hold the truth (the box), the printed digits and the Float itself,
    # which may all round to just outside a box far narrower than their last place.
    return _Certified(value, min(lo, printed, stored), max(hi, printed, stored))


def _exact_mpf(raw: tuple) -> sympy.Rational:
    """The exact binary rational of a raw mpmath ``_mpf_`` tuple (sign, mantissa, exponent, bits)."""
    sign, man, exp, _ = raw
    return (-1) ** sign * sympy.Integer(man) * sympy.Rational(2) ** exp


def _range_atoms(form: PiecewiseForm) -> list[tuple[Any, Any, bool, bool, sympy.Set]] | Unknown:
    atoms: list[tuple[Any, Any, bool, bool, sympy.Set]] = []
    for p, (lo, hi) in zip(form.pieces, form.gaps()):
        piece_atoms = _image_of_piece(p, lo, hi)
        if isinstance(piece_atoms, Unknown):
            return piece_atoms
        atoms.extend(piece_atoms)
    for b, v in zip(form.breakpoints, form.values):
        if v.has(sympy.nan):
            return Unknown(f"f is undefined at x = {b}")
        atoms.append((v, v, True, True, sympy.FiniteSet(b)))
    return atoms


def _periodic_image(form: PiecewiseForm) -> sympy.Set | None:
    """f(R) for a one-piece f with period 2 pi (proved: f(x + 2 pi) - f(x) reduces to 0), as f([0, 2 pi]);
    None when f is not such a function or that image is not charted."""
    if form.breakpoints or len(form.pieces) != 1:
        return None
    p = form.pieces[0]
    if not p.has(sympy.sin, sympy.cos, sympy.tan) or not _reduces_to_zero(p.subs(x, x + 2 * sympy.pi) - p):
        return None
    atoms = _image_of_piece(p, S.Zero, 2 * sympy.pi)
    if isinstance(atoms, Unknown):
        return None
    f0 = _tidy(p.subs(x, 0))
    rng = _step(_set_of, [*atoms, (f0, f0, True, True, sympy.FiniteSet(0))], what="union of the range")
    return rng if isinstance(rng, sympy.Set) else None


def _set_of(atoms: Sequence[tuple[Any, Any, bool, bool, sympy.Set]]) -> sympy.Set:
    """The union of the atoms, built on ends proved equal or distinct by symact.

    SymPy's ``Union`` compares ends by evaluating them: two forms of one algebraic number (the
    maximum of ``Min(-x, 2*x**3 + x**2 + 2*x - 1)`` reached from both pieces) came out unequal, with
    the value then left out of the set or not depending on the hash seed. So every end is first
    replaced by the first end proved equal to it.
    """
    seen: list[Any] = []

    def canonical(v: Any) -> Any:
        v = _plain(v)
        if v in (oo, -oo):
            return v
        for r in seen:
            c = r == v or _cmp(r, v)
            if isinstance(c, Unknown):
                raise NotImplementedError(f"cannot compare the ends {r} and {v} of the range: {c.reason}")
            if c is True or c == 0:
                return r
        seen.append(v)
        return v

    parts = []
    for low, high, lc, hc, _ in atoms:
        low, high = canonical(low), canonical(high)
        if low == high:
            if lc:
                parts.append(sympy.FiniteSet(low))
            continue
        parts.append(Interval(low, high, left_open=not lc or low == -oo, right_open=not hc or high == oo))
    return sympy.Union(*parts)


def output_range(f: Activation | sympy.Expr, *, seconds: float | None = None) -> sympy.Set | Unknown:
    """The exact image f(R) as a SymPy set, ends open or closed as attained.

    This is ``properties(f, seconds=seconds).range``: one derivation, one cache,
    one budget (``Unknown("timeout (...)")`` past it).

    Examples:
        >>> import symact
        >>> symact.get("sigmoid").output_range()
        Interval.open(0, 1)
        >>> symact.get("hard_silu").output_range()
        Interval(-3/8, oo)
        >>> symact.get("hard_shrink").output_range()
        Union({0}, Interval.open(-oo, -1/2), Interval.open(1/2, oo))
    """
    return properties(f, seconds=seconds).range


# --------------------------------------------------------------------------------------
# The property record
# --------------------------------------------------------------------------------------


def _extremum(
    atoms: Sequence[tuple[Any, Any, bool, bool, sympy.Set]], rng: sympy.Set, lowest: bool
) -> Extremum | None | Unknown:
    bound = rng.inf if lowest else rng.sup
    if bound in (oo, -oo):
        return None
    attained = bool(rng.contains(bound) == S.true)
    where: list[sympy.Set] = []
    enclosure = None
    for low, high, lc, hc, at in atoms:
        end, closed = (low, lc) if lowest else (high, hc)
        if isinstance(end, _Certified) and end.value == bound:
            enclosure = (end.lo, end.hi)
        if closed and _equal(end, bound) is True:
            where.append(at)
    return Extremum(bound, attained, sympy.Union(*where) if attained else S.EmptySet, enclosure)


def _parity(expr: sympy.Expr) -> str | Unknown:
    odd = _identically_zero(expr.subs(x, -x) + expr)
    if odd is True:
        return "odd"
    even = _identically_zero(expr.subs(x, -x) - expr)
    if even is True:
        return "even"
    for verdict in (odd, even):
        if isinstance(verdict, Unknown):
            return verdict
    return "neither"


_PROBES = tuple(
    sympy.Rational(p, q) for p, q in ((1, 1), (2, 1), (1, 2), (3, 1), (7, 3), (1, 3), (5, 1), (10, 1), (3, 7))
)


def _identically_zero(h: sympy.Expr) -> bool | Unknown:
    """True when h == 0 on R (proved piece by piece), False with a witness, else Unknown."""
    for t in _PROBES:
        s = _sign(h.subs(x, t))
        if s in (1, -1):
            return False
    form = _form(h)
    if isinstance(form, Unknown):
        return form
    for v in form.values:
        if _equal(v, 0) is not True:
            return Unknown(f"cannot decide whether {v} is 0")
    for p in form.pieces:
        if not _reduces_to_zero(p):
            return Unknown(f"cannot reduce {p} to 0 or find a point where it is not 0")
    return True


def _reduces_to_zero(p: sympy.Expr, share: float = STEP_SHARE) -> bool:
    for method in (sympy.expand, sympy.cancel, sympy.simplify, lambda e: sympy.simplify(e.rewrite(sympy.exp))):
        result = _step(method, p, what="reduce to 0", seconds=4.0, share=share)
        if isinstance(result, sympy.Expr) and result == 0:
            return True
    return False


#: A condition under which a piece is real-analytic: ``g != 0``, ``g > 0`` or ``g >= 0``
#: (the last for a positive non-integer power: defined at g = 0, but not smooth there).
_NONZERO, _POSITIVE, _NONNEGATIVE = "nonzero", "positive", "nonnegative"


def _domain_conditions(p: sympy.Expr) -> list[tuple[sympy.Expr, str]] | Unknown:
    """Where the switching-free ``p`` is real-analytic, as conditions on its subexpressions.

    Inner conditions come first (post-order), so when each is checked the expression
    it is about is already known to be analytic. A condition SymPy's assumptions prove
    for every real x is left out. The domains of functions come from the table of
    primitives; a function whose domain is not recorded in a usable form gives Unknown.

    Examples:
        >>> _domain_conditions(x / (x / 2 + sympy.exp(-x / 3)))
        [(x/2 + exp(-x/3), 'nonzero')]
        >>> _domain_conditions(sympy.log(1 + x**2) + sympy.sqrt(x))
        [(x, 'nonnegative')]
    """
    out: list[tuple[sympy.Expr, str]] = []

    def need(g: sympy.Expr, kind: str) -> None:
        proved = g.is_positive if kind != _NONZERO else (g.is_positive or g.is_negative or g.is_zero is False)
        if proved is not True and (g, kind) not in out:
            out.append((g, kind))

    for node in sympy.postorder_traversal(p):
        if not isinstance(node, sympy.Expr) or not node.has(x):
            continue
        if isinstance(node, sympy.Pow):
            base, e = node.args
            if e.has(x):
                need(base, _POSITIVE)
            elif e.is_Integer:
                if e.is_negative:
                    need(base, _NONZERO)
            elif e.is_real and e.is_number:
                need(base, _POSITIVE if e.is_negative else _NONNEGATIVE)
            else:
                return Unknown(f"cannot decide where {node} is real")
        elif isinstance(node, sympy.Function):
            row = PRIMITIVES.get(type(node))
            if row is None:
                return Unknown(f"cannot decide where {type(node).__name__} is defined")
            dom, arg = row.domain, node.args[0]
            if dom == S.Reals:
                continue
            if isinstance(dom, Interval) and dom.sup == oo and dom.inf.is_number:
                need(arg - dom.inf, _POSITIVE if dom.left_open else _NONNEGATIVE)
            elif (
                isinstance(dom, sympy.Complement)
                and dom.args[0] == S.Reals
                and isinstance(dom.args[1], sympy.FiniteSet)
            ):
                for point in dom.args[1]:
                    need(arg - point, _NONZERO)
            else:
                return Unknown(f"cannot decide where {node} is defined")
    return out


def _analytic_on(p: sympy.Expr, lo: sympy.Expr, hi: sympy.Expr) -> bool | Unknown:
    """True when the piece ``p`` is real-analytic on all of (lo, hi); False when it is undefined somewhere there.

    Decided by certified sign charts of the conditions of :func:`_domain_conditions`
    (a denominator with a proved constant sign on the gap has no zero there), never
    by taking a set SymPy left unsolved as an answer.
    """
    conditions = _domain_conditions(p)
    if isinstance(conditions, Unknown):
        return conditions
    for g, kind in conditions:
        chart = _chart(g, lo, hi)
        if isinstance(chart, Unknown):
            return Unknown(f"cannot decide where {g} vanishes on {Interval.open(lo, hi)}: {chart.reason}"[:300])
        where = ", ".join(str(r.exact if r.exact is not None else r.approx) for r in chart.roots)
        if kind == _NONZERO and (chart.roots or 0 in chart.signs):
            return False  # f is undefined where g = 0
        if kind == _POSITIVE and (chart.roots or any(s != 1 for s in chart.signs)):
            return False  # f is undefined (or not real) where g <= 0
        if kind == _NONNEGATIVE:
            if -1 in chart.signs:
                return False  # a non-integer power of a negative number is not real
            if chart.roots or 0 in chart.signs:
                return Unknown(f"{p} may not be smooth where {g} = 0 (x = {where or Interval.open(lo, hi)})")
    return True


def _analytic_join(p: sympy.Expr, b: sympy.Expr, value: Any) -> bool:
    """True when ``p``, with the value ``value`` at ``b``, is real-analytic at ``b``.

    ``p = N/D`` (``together``), with N and D analytic at b (their domain conditions hold
    strictly at b, so near b too). When D has a zero of order m at b (D^(j)(b) = 0 for
    j < m, D^(m)(b) != 0) and N vanishes there to order m at least, N/(x - b)**m and
    D/(x - b)**m are analytic at b and the second is not 0 there: p continues analytically
    with the value N^(m)(b)/D^(m)(b). Every zero test is exact; anything undecided is False.

    Examples:
        >>> _analytic_join(sympy.sin(x) / x, S.Zero, S.One), _analytic_join(sympy.sin(x) / x, S.Zero, S.Zero)
        (True, False)
        >>> _analytic_join(x * sympy.exp(-1 / x**2), S.Zero, S.Zero)  # smooth, but not analytic at 0
        False
    """
    num, den = sympy.fraction(sympy.together(p))
    for part in (num, den):
        conditions = _domain_conditions(part)
        if isinstance(conditions, Unknown):
            return False
        for g, kind in conditions:
            s = _sign(g.subs(x, b))
            if s not in ((1, -1) if kind == _NONZERO else (1,)):
                return False
    for m in range(MAX_CONTINUITY_ORDER + 1):
        dm = sympy.diff(den, x, m).subs(x, b)
        zero = _equal(dm, 0)
        if zero is False:
            return _equal(sympy.diff(num, x, m).subs(x, b) / dm, value) is True
        if zero is not True or _equal(sympy.diff(num, x, m).subs(x, b), 0) is not True:
            return False
    return False


def _continuity(form: PiecewiseForm, d1: PiecewiseForm) -> str | Unknown:
    for p, (lo, hi) in zip(form.pieces, form.gaps()):
        analytic = _analytic_on(p, lo, hi)
        if isinstance(analytic, Unknown):
            return analytic
        if not analytic:
            return "discontinuous"
    # a breakpoint where f is one analytic function on both sides and at the point (a removable
    # singularity filled with its limit, such as sin(x)/x with 1 at 0) limits no order
    joints = [
        i
        for i, b in enumerate(form.breakpoints)
        if not (form.pieces[i] == form.pieces[i + 1] and _analytic_join(form.pieces[i], b, form.values[i]))
    ]
    if not joints:
        return "Cinf"
    # The orders are derived one at a time, each from the one before: the first order that
    # jumps ends the search, and the higher derivatives (which swell) are never formed.
    dform = form
    for k in range(MAX_CONTINUITY_ORDER + 1):
        if k == 1:
            dform = d1
        elif k > 1:
            dform = _derivative_form(dform, 1)
        for i in joints:
            b = form.breakpoints[i]
            left, right = _piece_limit(dform.pieces[i], b, "-"), _piece_limit(dform.pieces[i + 1], b, "+")
            ok: Any = left is not None and right is not None
            if ok:
                ok = _equal(left, right)
                if ok is True and k == 0:
                    ok = _equal(left, form.values[i])
                if ok is True:
                    ok = _finite_value(left) or Unknown(f"f^({k}) is unbounded at {b}")
            if isinstance(ok, Unknown):
                return ok
            if not ok:
                return "discontinuous" if k == 0 else f"C{k - 1}"
    return Unknown(f"C{MAX_CONTINUITY_ORDER} at least; higher orders not decided")


def _one_sided_derivatives(
    form: PiecewiseForm, dform: PiecewiseForm, point: sympy.Expr, value: Any
) -> tuple[Value, Value]:
    out: list[Value] = []
    for side in ("-", "+"):
        attached = _equal(_one_sided(form, point, side), value)
        if isinstance(attached, Unknown):
            out.append(attached)
        elif not attached:
            out.append(None)  # f jumps: the one-sided difference quotient is unbounded
        else:
            out.append(_one_sided_slope(form, dform, point, value, side))
    return out[0], out[1]


def _one_sided_slope(form: PiecewiseForm, dform: PiecewiseForm, point: sympy.Expr, value: Any, side: str) -> Value:
    """The one-sided derivative at ``point`` of f, which attains ``value`` there from ``side``.

    It is the limit of the one-sided difference quotient (f(x) - f(point))/(x - point).
    Where f' has a limit L on that side (finite or infinite), the quotient tends to L too
    (mean value theorem: the quotient is f' at a point in between), so that cheaper
    limit is used. Where f' has no limit or it is undecided, the quotient itself is
    taken (x**2 sin(1/x) has f'(0) = 0, although f' has no limit at 0).
    """
    slope = _one_sided(dform, point, side)
    if slope in (oo, -oo):
        return None  # the quotient is unbounded too
    if isinstance(slope, sympy.Expr) and _finite_value(slope):
        return slope
    quotient = (form.piece_at(point, side) - value) / (x - point)
    q = _piece_limit(quotient, point, side)
    if isinstance(q, Unknown):
        return slope if isinstance(slope, Unknown) else q
    return q if q is not None and _finite_value(q) else None


def _value(form: PiecewiseForm, point: sympy.Expr) -> sympy.Expr:
    for b, v in zip(form.breakpoints, form.values):
        if b == point:
            return v
    return _tidy(form.piece_at(point, "+").subs(x, point))


def _zero_gradient_set(d1: PiecewiseForm, gaps: Sequence[tuple[sympy.Expr, sympy.Expr]]) -> sympy.Set | Unknown:
    """The open gaps on which f' vanishes identically.

    Each piece is analytic on its gap, so f' = 0 on a sub-interval means f' = 0
    on the whole gap; one sample where f' is not 0 rules the gap out.
    """
    parts = []
    for p, (lo, hi) in zip(d1.pieces, gaps):
        if p == 0:
            parts.append(Interval.open(lo, hi))
            continue
        # three distinct points of each gap: the simplest one may be an isolated zero of f' (x + 1 on (-2, 0))
        mid = sample_between(lo, hi)
        own = (mid, sample_between(lo, mid), sample_between(mid, hi))
        inside = [t for t in (*own, *_GRID[::5]) if bool(lo < t) and bool(t < hi)]
        if any(_sign(p.subs(x, t)) in (1, -1) for t in inside):
            continue
        if _reduces_to_zero(p):
            parts.append(Interval.open(lo, hi))
        else:
            return Unknown(f"cannot decide whether {p} vanishes on {Interval.open(lo, hi)}")
    return sympy.Union(*parts)


def _all_of(facts: Sequence[Any]) -> bool | Unknown:
    """Three-valued AND: False wins, then Unknown, then True."""
    if any(f is False for f in facts):
        return False
    return next((f for f in facts if isinstance(f, Unknown)), True)


#: The fields of a property record, in the order they are derived.
_FIELDS = tuple(f.name for f in dataclasses.fields(Properties) if f.name != "name")


def _properties_of(expr: sympy.Expr, name: str, seconds: float, deadline: float) -> Properties:
    """The record, with every field derived before the call's budget ran out.

    The fields are derived under a slightly shorter budget than the call's own
    (``seconds``, ending at ``deadline`` on :func:`~symact.core.budget.clock`), so that when it runs out the
    fields already derived are kept (each is a complete, certified answer on its own)
    and only the rest become ``Unknown("timeout ...")``. When an enclosing budget ends
    first, the call ends with it (:class:`~symact.core.budget.BudgetExceeded`).
    """
    got: dict[str, Any] = {}
    missing: Any = Unknown("not derived")
    left = budget.remaining()
    own = deadline - budget.clock()
    if left is None or left < own - 0.01:
        # not under a budget (a direct call), or an enclosing budget ends first: derive
        # everything, or end with the enclosing budget (BudgetExceeded propagates)
        _derive_fields(expr, got)
    else:
        soft = max(left - min(0.5, 0.1 * left), 1e-3)  # room to build the record afterwards
        derived = budget.step(
            _derive_fields, expr, got, seconds=soft, what=f"properties of {name}", on_timeout=lambda err: None
        )
        if derived is None:
            missing = _timeout(budget.BudgetExceeded(seconds, f"properties of {name}"))
        else:
            got.update(derived)
    return Properties(name, **{k: got.get(k, missing) for k in _FIELDS})


#: What deriving one field may raise (a SymPy failure, ``SympifyError`` included): that field,
#: and only that one, becomes ``Unknown`` with the reason. ``BudgetExceeded`` is not caught.
_FIELD_ERRORS = (*_STEP_ERRORS, ArithmeticError)


def _field(got: dict[str, Any], keys: Sequence[str], derive: Callable[[], dict[str, Any]]) -> None:
    """Put what ``derive`` returns into ``got``; if it fails, its ``keys`` not yet known become Unknown."""
    try:
        got.update(derive())
    except _FIELD_ERRORS as exc:
        reason = Unknown(f"{', '.join(keys)}: {type(exc).__name__}: {exc}"[:300])
        for key in keys:
            got.setdefault(key, reason)


def _at_zero(form: PiecewiseForm, dform: PiecewiseForm) -> dict[str, Any]:
    """f(0), the one-sided derivatives at 0 (from difference quotients) and f'(0), as record fields."""
    f0 = _value(form, S.Zero)
    out: dict[str, Any] = {"value_at_zero": f0}
    left0, right0 = _one_sided_derivatives(form, dform, S.Zero, f0)
    out["one_sided_derivatives_at_zero"] = (left0, right0)
    if isinstance(left0, Unknown) or isinstance(right0, Unknown):
        out["derivative_at_zero"] = left0 if isinstance(left0, Unknown) else right0
    elif left0 is None or right0 is None:
        out["derivative_at_zero"] = None
    else:
        same0 = _equal(left0, right0)
        out["derivative_at_zero"] = same0 if isinstance(same0, Unknown) else left0 if same0 else None
    return out


def _derive_fields(expr: sympy.Expr, got: dict[str, Any]) -> dict[str, Any]:
    """Fill ``got`` field by field (each as soon as it is known) and return it.

    Each group of fields is derived under :func:`_field`, so one failing field never
    takes another down; a field that needs one derived before reads it from ``got``
    (where it may be an ``Unknown``).
    """
    try:
        form: PiecewiseForm | Unknown = _form(expr)
        d1: PiecewiseForm | Unknown = form if isinstance(form, Unknown) else _derivative_form(form, 1)
    except _FIELD_ERRORS as exc:
        form = d1 = Unknown(f"piecewise form: {type(exc).__name__}: {exc}"[:300])
    if isinstance(form, Unknown) or isinstance(d1, Unknown):
        got.update(dict.fromkeys(_FIELDS, form if isinstance(form, Unknown) else d1))
        return got
    f, df = form, d1  # narrowed for the closures

    def limits() -> dict[str, Any]:
        return {
            "limit_neg_inf": _piece_limit(f.pieces[0], -oo, "+"),
            "limit_pos_inf": _piece_limit(f.pieces[-1], oo, "-"),
        }

    def saturates() -> dict[str, Any]:
        sat = []
        for piece, end, side in ((df.pieces[0], -oo, "+"), (df.pieces[-1], oo, "-")):
            lim = _piece_limit(piece, end, side)
            sat.append(lim if isinstance(lim, Unknown) else (lim is not None and lim == 0))
        return {"saturates": tuple(sat)}

    def identity() -> dict[str, Any]:
        f0, fprime0 = got["value_at_zero"], got["derivative_at_zero"]
        # f' continuous at 0 with value 1: both one-sided limits of f' exist and are 1
        d_left0, d_right0 = _one_sided(df, S.Zero, "-"), _one_sided(df, S.Zero, "+")
        near = [_equal(f0, 0), *(_equal(v, 1) if v is not None else False for v in (fprime0, d_left0, d_right0))]
        return {"identity_near_origin": _all_of(near)}

    def extent() -> dict[str, Any]:
        lim_lo, lim_hi = got["limit_neg_inf"], got["limit_pos_inf"]
        # known from the limits before the range is derived
        if lim_lo in (oo, -oo) or lim_hi in (oo, -oo):
            got["bounded"] = False
        if -oo in (lim_lo, lim_hi):
            got["minimum"] = None
        if oo in (lim_lo, lim_hi):
            got["maximum"] = None
        atoms = _range_atoms(f)
        rng: Any = atoms if isinstance(atoms, Unknown) else _step(_set_of, atoms, what="union of the range")
        got["range"] = rng
        if not isinstance(atoms, Unknown) and isinstance(rng, sympy.Set):
            return {
                "bounded": bool(rng.inf not in (oo, -oo) and rng.sup not in (oo, -oo)),
                "minimum": _extremum(atoms, rng, lowest=True),
                "maximum": _extremum(atoms, rng, lowest=False),
            }
        periodic = _periodic_image(f)
        if periodic is not None:
            got["range"] = periodic
            bounded = bool(periodic.inf not in (oo, -oo) and periodic.sup not in (oo, -oo))
            where = Unknown("f is periodic: the extremum is attained at infinitely many points")
            return {"bounded": bounded, "minimum": where, "maximum": where}
        # The range is not charted (infinitely many critical points, an unprovable tail), but
        # for a continuous f the limits alone may decide: -oo and oo at the two ends give every
        # real value (intermediate values); finite limits at both ends make f bounded (f is
        # bounded near each end, and on the compact part between).
        continuous = isinstance(got.get("continuity"), str) and got["continuity"] != "discontinuous"
        if continuous and {lim_lo, lim_hi} == {oo, -oo}:
            got["range"] = S.Reals
            return {"bounded": False, "minimum": None, "maximum": None}
        if continuous and all(_finite_value(v) and not isinstance(v, AccumBounds) for v in (lim_lo, lim_hi)):
            got["bounded"] = True
        return {key: got.get(key, rng) for key in ("bounded", "minimum", "maximum")}

    def monotonic() -> dict[str, Any]:
        joints = [
            (_piece_limit(f.pieces[i], b, "-"), f.values[i], _piece_limit(f.pieces[i + 1], b, "+"))
            for i, b in enumerate(f.breakpoints)
        ]
        return {"monotonic": _monotonicity(f.pieces, f.gaps(), joints)}

    def derivative_monotonic() -> dict[str, Any]:
        djoints = []
        for i, b in enumerate(f.breakpoints):
            left, right = _one_sided_derivatives(f, df, b, f.values[i])
            both = (
                left is not None and right is not None and not isinstance(left, Unknown) and _equal(left, right) is True
            )
            djoints.append(
                (_piece_limit(df.pieces[i], b, "-"), left if both else None, _piece_limit(df.pieces[i + 1], b, "+"))
            )
        return {"derivative_monotonic": _monotonicity(df.pieces, f.gaps(), djoints)}

    _field(got, ("limit_neg_inf", "limit_pos_inf"), limits)
    _field(got, ("value_at_zero", "one_sided_derivatives_at_zero", "derivative_at_zero"), lambda: _at_zero(f, df))
    _field(got, ("saturates",), saturates)
    _field(got, ("identity_near_origin",), identity)
    _field(got, ("continuity",), lambda: {"continuity": _continuity(f, df)})  # read by extent
    _field(got, ("range", "bounded", "minimum", "maximum"), extent)
    _field(got, ("monotonic",), monotonic)
    _field(got, ("parity",), lambda: {"parity": _parity(expr)})
    _field(got, ("derivative_monotonic",), derivative_monotonic)
    _field(got, ("zero_gradient_set",), lambda: {"zero_gradient_set": _zero_gradient_set(df, f.gaps())})
    return got


def properties(f: Activation | sympy.Expr, *, seconds: float | None = None) -> Properties:
    """Every derived fact about f, as a :class:`~symact.analysis.properties.Properties` record.

    The whole record is computed in one worker process under ``seconds``
    (default :data:`PROPERTIES_SECONDS`); every SymPy step inside has its own
    budget. Past ``seconds`` the fields derived so far are kept and the others
    are ``Unknown("timeout (...)")``.

    Examples:
        >>> import symact
        >>> p = symact.get("relu").properties()
        >>> p.range, p.continuity, p.monotonic, p.derivative_at_zero
        (Interval(0, oo), 'C0', 'non-decreasing', None)
        >>> p.one_sided_derivatives_at_zero
        (0, 1)
        >>> symact.get("silu").properties().minimum.value
        -LambertW(exp(-1))
    """
    name = f.name if isinstance(f, Activation) else "f"
    expr = _expr_of(f)

    def timed_out(err: budget.BudgetExceeded) -> Properties:
        return Properties(name, **dict.fromkeys(_FIELDS, _timeout(err)))

    seconds = PROPERTIES_SECONDS if seconds is None else budget.check_seconds(seconds)
    key = store.key("properties", expr, name)
    kept = store.load(key, (Properties, Extremum))
    if isinstance(kept, Properties):  # a complete record of an earlier run, checked
        return kept
    got = _PROPERTIES.call(
        (expr, name),
        store.counted,
        _properties_of,
        expr,
        name,
        seconds,
        budget.clock() + seconds,  # the clock of the budget it runs under (budget.clock)
        seconds=seconds,
        what=f"properties of {name}",
        on_timeout=lambda err: store.Counted(timed_out(err), False),
    )
    if got.complete:  # no budget ran out on the way: nothing in it is degraded
        store.save(key, got.value)
    return got.value
