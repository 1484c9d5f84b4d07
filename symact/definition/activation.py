"""The ``Activation`` record: one exact symbolic definition of an activation.

Everything else symact knows about an activation (derivatives, limits, range,
properties, proofs, code) is *derived* from ``Activation.expr``; nothing is
stored here but the definition and descriptive metadata.
"""

from __future__ import annotations

import itertools
import math
import numbers
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, NamedTuple, cast

import numpy as np
import sympy

from symact.core.budget import call, step
from symact.core.errors import DefinitionError

if TYPE_CHECKING:
    import symact

__all__ = [
    "FRAMEWORKS",
    "MAX_NUMBER_BITS",
    "Activation",
    "Framework",
    "Parameter",
    "VectorMethods",
    "check_real_domain",
    "exact_number",
    "expression_of",
    "limit_point",
    "x",
]

#: The one real variable every activation is written in.
x: sympy.Symbol = sympy.Symbol("x", real=True)


#: The largest exact number a parameter may be: numerator and denominator of at most this
#: many bits (about 1233 decimal digits; the parser's ``MAX_BITS`` is the same). Larger ones
#: are rejected up front instead of failing later (Python refuses to print an integer of
#: more than 4300 digits).
MAX_NUMBER_BITS = 4096

#: The longest text :func:`exact_number` reads as a number.
MAX_NUMBER_TEXT = 200

_DECIMAL = re.compile(r"([+-]?)(\d+(?:_\d+)*)?(?:\.(\d+(?:_\d+)*)?)?(?:[eE]([+-]?\d+))?\Z")
_FRACTION = re.compile(r"([+-]?\d+)\s*/\s*(\d+)\Z")
_LOG2_10 = math.log2(10)


def _bits(n: int) -> int:
    return abs(int(n)).bit_length()


def _rational(p: int, q: int, what: str) -> sympy.Rational:
    """``p/q`` exactly, after checking its size against :data:`MAX_NUMBER_BITS`."""
    if max(_bits(p), _bits(q)) > MAX_NUMBER_BITS:
        kind, bits = ("too large", _bits(p)) if _bits(p) >= _bits(q) else ("too precise", _bits(q))
        part = "a number" if kind == "too large" else "a denominator"
        raise DefinitionError(f"{what} is {kind}: {part} of {bits} bits (the limit is {MAX_NUMBER_BITS} bits)")
    return sympy.Rational(p, q)


def _number_text(text: str, what: str) -> sympy.Rational | None:
    """The exact value of a decimal (``"1.0507"``, ``"1e-3"``) or fraction (``"1/3"``) text.

    The size of the result is estimated from the digits and the exponent *before* it is
    computed, so ``"1e999999999"`` costs nothing; None when the text is not such a number.
    """
    text = text.strip()
    if len(text) > MAX_NUMBER_TEXT:
        return None
    m = _FRACTION.match(text)
    if m:
        p, q = int(m.group(1)), int(m.group(2))
        return None if q == 0 else _rational(p, q, what)
    m = _DECIMAL.match(text)
    if not m or not (m.group(2) or m.group(3)):
        return None
    sign, whole, frac, exp = m.groups()
    digits = int(((whole or "") + (frac or "")).replace("_", ""))
    power = int(exp or 0) - len((frac or "").replace("_", ""))
    if digits == 0:
        return sympy.Integer(0)
    if abs(power) * _LOG2_10 > MAX_NUMBER_BITS + _bits(digits):  # 10**|power| alone is too large
        kind, part = ("too large", "a number") if power > 0 else ("too precise", "a denominator")
        raise DefinitionError(
            f"{what} is {kind}: {part} of about {abs(power) * _LOG2_10:.0f} bits (the limit is {MAX_NUMBER_BITS} bits)"
        )
    p, q = (digits * 10**power, 1) if power >= 0 else (digits, 10**-power)
    value = _rational(p, q, what)
    return -value if sign == "-" else value


def exact_number(value: Any, what: str = "value") -> sympy.Expr:
    """Convert ``value`` to an exact, real SymPy number.

    Integers (NumPy's included), fractions, SymPy numbers and decimal or fraction strings
    are exact already. A Python float (and ``numpy.float64``, which is one) is read as the
    shortest decimal that prints it (``0.2`` is ``1/5``), which is the number its author
    typed; another NumPy float (``numpy.float32``, ``numpy.float16``, ``numpy.longdouble``)
    is its exact binary value (``numpy.float32(0.1)`` is ``13421773/134217728``).

    Raises:
        TypeError: ``value`` is not a number at all (``None``, a list, an array, ...).
        DefinitionError: (a ``ValueError``) a boolean, text that is not a decimal or a
            fraction, a value that is not finite and real, or a number whose numerator or
            denominator has more than :data:`MAX_NUMBER_BITS` bits.

    Examples:
        >>> from fractions import Fraction
        >>> exact_number(0.2), exact_number("1.0507"), exact_number(Fraction(1, 3))
        (1/5, 10507/10000, 1/3)
        >>> exact_number(float("nan"), "negative_slope")
        Traceback (most recent call last):
        ...
        symact.core.errors.DefinitionError: negative_slope must be a finite real number, got nan
        >>> exact_number(10**2000, "alpha")
        Traceback (most recent call last):
        ...
        symact.core.errors.DefinitionError: alpha is too large: a number of 6644 bits (the limit is 4096 bits)
    """
    if isinstance(value, (bool, np.bool_)):
        raise DefinitionError(f"{what} must be a real number, got {value!r}")
    if not isinstance(value, (sympy.Basic, str, numbers.Number, np.number)):
        raise TypeError(
            f"{what} must be a real number (int, float, Fraction, decimal string or SymPy number), "
            f"got {type(value).__name__} {_shown(value)}"
        )
    num: Any = None
    try:
        if isinstance(value, sympy.Basic):
            num = value
        elif isinstance(value, float):  # numpy.float64 too: the shortest decimal that prints it
            num = sympy.Rational(float.__repr__(value)) if math.isfinite(value) else None
        elif isinstance(value, np.floating):  # float32, float16, longdouble: the exact binary value
            if np.isfinite(value):
                p, q = value.as_integer_ratio()
                num = _rational(int(p), int(q), what)
        elif isinstance(value, (int, np.integer)):
            num = _rational(int(value), 1, what)
        elif isinstance(value, numbers.Rational):  # Fraction and other exact rationals
            num = _rational(int(value.numerator), int(value.denominator), what)
        elif isinstance(value, str):
            num = _number_text(value, what)
    except DefinitionError:
        raise
    except (TypeError, ValueError, ArithmeticError):
        num = None
    if num is None or not isinstance(num, sympy.Expr) or num.free_symbols or num.has(sympy.Float):
        raise DefinitionError(f"{what} must be a finite real number, got {_shown(value)}")
    for a in [num] if isinstance(num, sympy.Rational) else num.atoms(sympy.Rational):
        _rational(int(a.p), int(a.q), what)
    if not (num.is_real and num.is_finite):
        raise DefinitionError(f"{what} must be a finite real number, got {_shown(value)}")
    return num


def _shown(value: Any) -> str:
    """``repr(value)``, shortened, and never an integer too long to print."""
    if isinstance(value, int) and _bits(value) > 10000:
        return f"<an integer of {_bits(value)} bits>"
    try:
        text = repr(value)
    except ValueError:  # e.g. an integer beyond Python's digit limit inside a container
        return f"<a {type(value).__name__}>"
    return text if len(text) <= 80 else text[:77] + "..."


def expression_of(f: Any, what: str = "f") -> sympy.Expr:
    """The expression of an :class:`Activation`, or a SymPy expression (or number) itself.

    The public calls that take either (``limit``, ``derivative``, ``properties``,
    ``to_numpy``, the proofs) read their argument with this. A raw expression is taken as
    given: it need not be real on all of R (a derivative at a kink need not be).

    Raises:
        TypeError: ``f`` is neither (``None``, a list, a string: look a name up with
            ``symact.get``), naming what was passed.

    Examples:
        >>> expression_of(2 * x), expression_of(3)
        (2*x, 3)
        >>> expression_of("relu")
        Traceback (most recent call last):
        ...
        TypeError: f must be an Activation or a SymPy expression in symact.x, got str 'relu' (look a name up with symact.get('relu'))
    """
    if isinstance(f, Activation):
        return f.expr
    if isinstance(f, sympy.Expr):
        return f
    if isinstance(f, (numbers.Number, np.number)) and not isinstance(f, (bool, np.bool_)):
        return exact_number(f, what)
    hint = f" (look a name up with symact.get({f!r}))" if isinstance(f, str) and len(f) <= 60 else ""
    raise TypeError(
        f"{what} must be an Activation or a SymPy expression in symact.x, got {type(f).__name__} {_shown(f)}{hint}"
    )


def limit_point(point: Any, what: str = "the point") -> sympy.Expr:
    """A limit point as an exact SymPy number or ``oo``/``-oo``, checked up front.

    ``sympy.oo``, ``-sympy.oo`` and ``float("inf")``/``-inf`` are the infinities; every other
    point is read by :func:`exact_number` (so ``0.1`` is ``1/10``).

    Raises:
        TypeError: ``point`` is not a number (``None``, a list, ...).
        ValueError: a symbol or expression in x, NaN, a complex or undefined value
            (a :class:`DefinitionError` where :func:`exact_number` rejects it).

    Examples:
        >>> limit_point(0), limit_point(-sympy.oo), limit_point(float("inf")), limit_point(0.5)
        (0, -oo, oo, 1/2)
        >>> limit_point(x)
        Traceback (most recent call last):
        ...
        ValueError: the point must be a real number or +-oo, got x (an expression in x)
    """
    if isinstance(point, sympy.Basic):
        if point in (sympy.oo, -sympy.oo):
            return point
        if point.free_symbols:
            raise ValueError(f"{what} must be a real number or +-oo, got {_shown(point)} (an expression in x)")
        if not isinstance(point, sympy.Expr):
            raise TypeError(f"{what} must be a real number or +-oo, got {type(point).__name__} {_shown(point)}")
    elif isinstance(point, (float, np.floating)) and np.isinf(point):
        return sympy.oo if point > 0 else -sympy.oo
    try:
        return exact_number(point, what)
    except DefinitionError as err:
        raise DefinitionError(f"{err.message} (a limit point is a real number or +-oo)") from None


# -- the domain: every activation is a real function on all of R -------------------------------
#
# A node of a definition is real only where its arguments lie in the node's real domain:
# log(u) needs u > 0, a root u**(p/q) needs u >= 0 (u > 0 when p < 0), u**-n needs u != 0, a
# power with an exponent in x needs a base > 0, and a primitive whose table row has a smaller
# domain than R (``PRIMITIVES[f].domain``) needs its argument in it. Inside a Piecewise a
# piece is only evaluated where it is selected, so its requirements hold on that set only.
#
# A requirement is accepted only when it is *proved*: by SymPy's assumptions on a
# parametrisation of the set (x = a + t with t > 0 on (a, oo), ...), or, for a polynomial with
# rational coefficients, by exact real-root isolation and the exact sign between the roots.
# Both are deterministic and need no time budget. What is not proved is refuted where possible:
# a point where the requirement fails (from ``solveset``'s solutions or a fixed set of samples)
# is checked exactly, and the definition is rejected, saying where. What is neither proved nor
# refuted is accepted, and the analysis decides what it can (it never assumes the domain).
# solveset runs under a time budget, a safety net sized for a loaded machine.

#: The budget of the search for where a requirement fails.
DOMAIN_EXPLAIN_SECONDS = 10.0

_SAMPLES = tuple(
    sympy.Rational(v)
    for v in ("0", "1/2", "-1/2", "1", "-1", "2", "-2", "10", "-10", "1000", "-1000", "1000000000", "-1000000000")
)


@dataclass(frozen=True)
class _Need:
    """``arg rel bound`` must hold wherever ``node`` is evaluated (``region``, a subset of R)."""

    node: sympy.Expr
    arg: sympy.Expr
    rel: str  # ">", ">=", "!=" or "in" (then ``domain`` is the set)
    bound: sympy.Expr
    region: sympy.Set
    domain: sympy.Set | None = None

    def gap(self) -> sympy.Expr:
        return self.arg - self.bound

    def text(self) -> str:
        if self.rel == "in" and self.domain is sympy.S.EmptySet:
            return f"{self.arg} in the real domain of {type(self.node).__name__}, which is not a symact primitive"
        if self.rel == "in":
            return f"{self.arg} in {self.domain}"
        return f"{self.arg} {self.rel} {self.bound}"


def _needs(expr: sympy.Expr) -> list[_Need]:
    """The requirements of every node of ``expr`` (see the comment above)."""
    from symact.definition.primitives import PRIMITIVES

    out: list[_Need] = []
    stack: list[tuple[sympy.Basic, sympy.Set]] = [(expr, sympy.S.Reals)]
    seen: set[tuple[sympy.Basic, sympy.Set]] = set()
    while stack:
        e, region = stack.pop()
        if (e, region) in seen:
            continue
        seen.add((e, region))
        if isinstance(e, sympy.Piecewise):
            taken: sympy.Set = sympy.S.EmptySet
            for piece, cond in e.args:
                where = _condition_set(cond)
                if where is None:  # a condition SymPy cannot read as a set: require the piece on all of
                    here = region  # the region, and take nothing away from the later pieces
                else:
                    here = sympy.Intersection(region, sympy.Complement(where, taken))
                    taken = sympy.Union(taken, where)
                stack.append((piece, here))
            continue
        if isinstance(e, sympy.Pow):
            base, ex = e.base, e.exp
            if ex.is_Integer:
                if ex.is_negative:
                    out.append(_Need(e, base, "!=", sympy.S.Zero, region))
            elif ex.has(x) or not ex.is_Rational and ex.is_positive is not True and ex.is_negative is not True:
                out.append(_Need(e, base, ">", sympy.S.Zero, region))
            else:
                out.append(_Need(e, base, ">" if ex.is_negative else ">=", sympy.S.Zero, region))
        elif isinstance(e, sympy.Function):
            row = PRIMITIVES.get(type(e))
            dom = row.domain if row is not None else sympy.S.EmptySet  # outside the table: nothing is known
            if row is None and not e.has(x) and e.is_real is True:
                dom = sympy.S.Reals  # a real constant (SymPy evaluates it)
            if dom != sympy.S.Reals and e.args:
                arg = e.args[0]
                if isinstance(dom, sympy.Interval) and dom.end is sympy.oo:
                    out.append(_Need(e, arg, ">" if dom.left_open else ">=", dom.start, region))
                else:
                    out.append(_Need(e, arg, "in", sympy.S.Zero, region, dom))
        stack.extend((a, region) for a in e.args if isinstance(a, sympy.Expr))
    return out


def _condition_set(cond: Any) -> sympy.Set | None:
    """The set of reals where a Piecewise condition holds, or None when SymPy cannot say."""
    if cond is sympy.true:
        return sympy.S.Reals
    if cond is sympy.false:
        return sympy.S.EmptySet
    if not all(_exactly_solvable(r) for r in cond.atoms(sympy.core.relational.Relational)):
        return None  # SymPy's set would rest on solving a transcendental condition: not trusted
    try:
        out = cond.as_set()
    except (NotImplementedError, TypeError, ValueError, AttributeError):
        return None
    return out if isinstance(out, sympy.Set) and out.is_subset(sympy.S.Reals) else None


class _Part(NamedTuple):
    """An interval of reals, or one point when ``start == end`` (sympy.Interval would become a FiniteSet)."""

    start: sympy.Expr
    end: sympy.Expr
    left_open: bool = False
    right_open: bool = False

    def contains(self, p: sympy.Expr) -> bool:
        above = p > self.start if self.left_open else p >= self.start
        below = p < self.end if self.right_open else p <= self.end
        return bool(above is sympy.true and below is sympy.true)


def _exactly_solvable(rel: sympy.core.relational.Relational) -> bool:
    """Whether SymPy solves a comparison exactly: linear in x, or polynomial with rational coefficients."""
    try:
        poly = sympy.Poly(rel.lhs - rel.rhs, x)
    except sympy.PolynomialError:
        return False
    if poly.degree() <= 1:
        return all(c.is_real is True for c in poly.all_coeffs())
    return poly.domain in (sympy.ZZ, sympy.QQ) and poly.degree() <= 64


def _intervals(region: sympy.Set) -> list[_Part] | None:
    """``region`` as disjoint intervals and points, or None if it is not such a set."""
    parts = region.args if isinstance(region, sympy.Union) else (region,)
    out: list[_Part] = []
    for part in parts:
        if isinstance(part, sympy.Interval):
            out.append(_Part(part.start, part.end, bool(part.left_open), bool(part.right_open)))
        elif isinstance(part, sympy.FiniteSet) and all(p.is_real for p in part):
            out.extend(_Part(p, p) for p in part)
        elif part is sympy.S.Reals:
            out.append(_Part(sympy.S.NegativeInfinity, sympy.S.Infinity, True, True))
        elif part is not sympy.S.EmptySet:
            return None
    return out


def _decided(value: sympy.Expr, rel: str) -> bool | None:
    """Whether ``value rel 0`` by SymPy's assumptions (None: not decided)."""
    if rel == ">":
        return value.is_positive
    if rel == ">=":
        return value.is_nonnegative
    if value.is_positive or value.is_negative:
        return True
    return None if value.is_zero is None else not value.is_zero


def _proved_on(need: _Need, part: _Part) -> bool:
    """Whether the requirement is proved on one interval of its region."""
    lo, hi = part.start, part.end
    if need.rel == "in":
        return not need.arg.has(x) and need.domain is not None and need.domain.contains(need.arg) is sympy.true
    gap = need.gap()
    if lo == hi:
        return _decided(gap.subs(x, lo), need.rel) is True
    # the ends that belong to the interval, exactly
    for end, closed in ((lo, not part.left_open), (hi, not part.right_open)):
        if closed and end.is_finite and _decided(gap.subs(x, end), need.rel) is not True:
            return False
    t = sympy.Symbol("t", positive=True)
    if lo is sympy.S.NegativeInfinity and hi is sympy.S.Infinity:
        param: sympy.Expr = x
    elif hi is sympy.S.Infinity:
        param = lo + t
    elif lo is sympy.S.NegativeInfinity:
        param = hi - t
    else:
        param = lo + (hi - lo) * t / (1 + t)
    on_part = gap.xreplace({x: param}) if param is not x else gap
    if any(_decided(g, need.rel) is True for g in (on_part, *_relaxations(on_part))):
        return True
    return _polynomial_proof(gap, need.rel, part)


def _relaxations(e: sympy.Expr) -> list[sympy.Expr]:
    """``e`` with every primitive of a bounded image replaced by a new variable over a larger set.

    ``tanh(u)`` lies in (-1, 1), so in (-1, oo): it becomes ``-1 + s`` with s > 0 (the lower
    relaxation), or ``1 - s`` (the upper one). What is proved for every value of the new
    variables holds for the primitive's values, which lie among them.
    """
    from symact.definition.primitives import PRIMITIVES

    out = []
    for side in ("lower", "upper"):
        mapping: dict[sympy.Basic, sympy.Expr] = {}
        for node in e.atoms(sympy.Function):
            row = PRIMITIVES.get(type(node))
            image = row.image if row is not None else None
            if image is None or not node.has(x) and not node.free_symbols:
                continue
            end = image.inf if side == "lower" else image.sup
            if not end.is_finite:
                continue
            s = (
                sympy.Dummy("s", positive=True)
                if image.contains(end) is sympy.false
                else sympy.Dummy("s", nonnegative=True)
            )
            mapping[node] = end + s if side == "lower" else end - s
        if mapping:
            out.append(e.xreplace(mapping))
    return out


def _polynomial_proof(gap: sympy.Expr, rel: str, part: _Part) -> bool:
    """For a polynomial with rational coefficients: exact real-root isolation, then the exact
    sign at one rational point between each pair of consecutive roots (and beyond the outermost),
    since the sign is constant between roots. Conservative where an isolating interval of a
    root reaches the ends of ``part``."""
    try:
        poly = sympy.Poly(gap, x)
    except sympy.PolynomialError:
        return False
    if poly.domain not in (sympy.ZZ, sympy.QQ) or poly.degree() > 64:
        return False
    if poly.is_zero:
        return rel == ">="
    lo, hi = part.start, part.end
    isolated = sorted((sympy.Rational(a), sympy.Rational(b)) for (a, b), _ in poly.intervals())
    try:
        if rel in (">", "!="):
            if any(not (b < lo or a > hi) for a, b in isolated):
                return False  # a root may lie in the part
            point = _point_in(part)
            return point is not None and (rel == "!=" or poly.eval(point) > 0)
        # gap i lies between roots i - 1 and i, so within (a[i - 1], b[i]) of their isolating
        # intervals; its sample is a point between the two intervals
        samples = [isolated[0][0] - 1] if isolated else [sympy.S.Zero]
        samples += [(b1 + a2) / 2 for (_, b1), (a2, _) in itertools.pairwise(isolated)]
        samples += [isolated[-1][1] + 1] if isolated else []
        lefts = [sympy.S.NegativeInfinity, *(a for a, _ in isolated)]
        rights = [*(b for _, b in isolated), sympy.S.Infinity]
        for left, right, sample in zip(lefts, rights, samples):
            meets = not (right <= lo or left >= hi)
            if meets and not poly.eval(sample) > 0:
                return False
        return True
    except TypeError:  # a comparison with an irrational end SymPy cannot decide
        return False


def _point_in(part: _Part) -> sympy.Rational | None:
    """A rational point inside a non-degenerate interval, or None."""
    lo, hi = part.start, part.end
    if lo.is_infinite and hi.is_infinite:
        point = sympy.S.Zero
    elif lo.is_infinite:
        point = sympy.floor(hi) - 1
    elif hi.is_infinite:
        point = sympy.ceiling(lo) + 1
    else:
        point = (lo + hi) / 2
    return point if point.is_Rational and part.contains(point) else None


def _proved(need: _Need) -> bool:
    parts = _intervals(need.region)
    if parts is None:
        parts = [
            _Part(sympy.S.NegativeInfinity, sympy.S.Infinity, True, True)
        ]  # a region SymPy cannot list: require it on R
    return all(_proved_on(need, part) for part in parts)


def _witness(need: _Need) -> tuple[sympy.Expr | None, str]:
    """A point of the region where the requirement fails, checked exactly, and the set where it fails."""
    bad: sympy.Set | None = None
    if need.rel != "in":
        negation = {">": sympy.Le, ">=": sympy.Lt, "!=": sympy.Eq}[need.rel]
        try:
            found = sympy.solveset(negation(need.gap(), 0), x, sympy.S.Reals)
            if not isinstance(found, sympy.ConditionSet):
                bad = sympy.Intersection(found, need.region)
        except (NotImplementedError, TypeError, ValueError):
            bad = None
    candidates = [*_points_of(bad), *_exact_points(bad), *_SAMPLES] if bad is not None else list(_SAMPLES)
    for p in candidates:
        if need.region.contains(p) is not sympy.true:
            continue
        value = need.arg.subs(x, p)
        if need.rel == "in" and need.domain is sympy.S.EmptySet:  # not a primitive: the value itself
            node = need.node.subs(x, p)
            fails = node.is_real is False or node.is_finite is False
        elif need.rel == "in":
            domain = need.domain if need.domain is not None else sympy.S.Reals
            fails = value.is_real is False or (value.is_real and domain.contains(value) is sympy.false)
        else:
            fails = _decided(value - need.bound, need.rel) is False or value.is_real is False
        if fails:
            where = _set_text(bad) if bad is not None and bad.contains(p) is sympy.true else None
            return p, f"for {where}" if where else f"at x = {p}"
    return None, ""


def _exact_points(region: sympy.Set, depth: int = 0) -> list[sympy.Expr]:
    """Exact real points of a solution set that are not rational (``sqrt(2)``, ``log(2)``, the
    ``n = 0`` and ``n = 1`` members of ``2*n*pi - pi/2``): each is checked exactly before use."""
    if depth > 3:
        return []
    if isinstance(region, sympy.FiniteSet):
        return [p for p in region if p.is_real and not p.is_Rational]
    if isinstance(region, sympy.ImageSet) and len(region.lamda.variables) == 1:
        return [p for n in (0, 1) if (p := region.lamda(n)).is_real and not p.is_Rational]
    if isinstance(region, (sympy.Union, sympy.Intersection)):
        return [p for part in region.args for p in _exact_points(part, depth + 1)]
    return []


def _points_of(region: sympy.Set) -> list[sympy.Expr]:
    """A few rational points of ``region`` (its isolated points, and points inside its intervals)."""
    parts = _intervals(region) or []
    out: list[sympy.Expr] = []
    for part in parts:
        lo, hi = part.start, part.end
        if lo == hi:
            out.append(lo)
        elif lo.is_infinite and hi.is_infinite:
            out.append(sympy.S.Zero)
        elif lo.is_infinite:
            out.append(sympy.floor(hi) - 1)
        elif hi.is_infinite:
            out.append(sympy.ceiling(lo) + 1)
        else:
            out.append(
                sympy.nsimplify((lo + hi) / 2, rational=True) if not ((lo + hi) / 2).is_Rational else (lo + hi) / 2
            )
    return [p for p in out if p.is_Rational]


def _set_text(region: sympy.Set) -> str | None:
    """``x < 0``, ``x = 0``, ``-1 < x < 1``, ... for a set of intervals and points (None if not one)."""
    parts = _intervals(region)
    if not parts:
        return None
    texts = []
    for part in parts:
        lo, hi = part.start, part.end
        less_lo = "<" if part.left_open else "<="
        less_hi = "<" if part.right_open else "<="
        if lo == hi:
            texts.append(f"x = {lo}")
        elif lo.is_infinite and hi.is_infinite:
            texts.append("every x")
        elif lo.is_infinite:
            texts.append(f"x {less_hi} {hi}")
        elif hi.is_infinite:
            texts.append(f"x {'>' if part.left_open else '>='} {lo}")
        else:
            texts.append(f"{lo} {less_lo} x {less_hi} {hi}")
    return " or ".join(texts)


def _refutation(need: _Need) -> str | None:
    """Where the requirement fails, found and checked exactly, for the error message (None: nowhere found)."""
    point, where = _witness(need)
    if point is None:
        return None
    verb = "is undefined" if need.rel == "!=" else "is not real"
    return f"{need.node} {verb} {where}" if need.node.has(x) else f"{need.node} {verb}"


def check_real_domain(expr: sympy.Expr, name: str = "the activation") -> None:
    """Raise :class:`DefinitionError` where ``expr`` is shown not to be real for some real x.

    symact's activations are real functions on all of R. The requirement of each node (see
    the comment above) is proved where the assumptions, the primitives' images or exact root
    isolation can; where none can, symact looks for a point where it fails (the solutions SymPy
    finds and a fixed set of sample points), each checked exactly. A definition with such a
    point is rejected, saying where it fails. One whose domain is neither proved nor refuted is
    accepted: true definitions such as ``x/(x/2 + exp(-x/3))`` need the certified sign charts of
    the analysis to be proved, and the analysis never concludes anything from the unproved domain
    (an undefined point shows there as a discontinuity).

    Examples:
        >>> check_real_domain(sympy.sqrt(x**2 + 1))
        >>> check_real_domain(sympy.sqrt(x), "root")
        Traceback (most recent call last):
        ...
        symact.core.errors.DefinitionError: root is not real on all of R: sqrt(x) is not real for x < 0
        >>> check_real_domain(1 / (x**2 - 2), "poles")
        Traceback (most recent call last):
        ...
        symact.core.errors.DefinitionError: poles is not real on all of R: 1/(x**2 - 2) is undefined for x = sqrt(2) or x = -sqrt(2)
    """
    for need in _needs(expr):
        if _proved(need):
            continue
        refuted = step(
            _refutation,
            need,
            what=f"where {need.node} is not real",
            seconds=DOMAIN_EXPLAIN_SECONDS,
            on_timeout=lambda _: None,
        )
        if refuted is not None:
            raise DefinitionError(f"{name} is not real on all of R: {refuted}")


@dataclass(frozen=True)
class Parameter:
    """A named parameter of an activation, with its exact default.

    Attributes:
        name: the keyword users pass, e.g. ``"negative_slope"``.
        default: the exact default value (PyTorch's where frameworks differ).
        description: one line for documentation.
        positive: whether the value must be > 0 (checked on construction).
    """

    name: str
    default: sympy.Expr
    description: str = ""
    positive: bool = False

    @property
    def symbol(self) -> sympy.Symbol:
        """The SymPy symbol standing for this parameter in the template."""
        return sympy.Symbol(self.name, real=True)


#: The frameworks a :class:`Framework` record can name.
FRAMEWORKS = ("pytorch", "jax", "keras")


def _setting(value: Any, what: str) -> Any:
    """A framework setting as recorded: text, a boolean and ``None`` as they are, a number exactly."""
    if value is None or isinstance(value, (bool, str)):
        return value
    return exact_number(value, what)


def _pairs(
    value: Any, what: str, key: Callable[[Any], Any], item: Callable[[Any, Any], Any]
) -> tuple[tuple[Any, Any], ...]:
    if isinstance(value, Mapping):
        value = tuple(value.items())
    if not isinstance(value, tuple) or not all(isinstance(p, tuple) and len(p) == 2 for p in value):
        raise TypeError(f"{what} must be a mapping or a tuple of (key, value) pairs, got {type(value).__name__}")
    return tuple((key(k), item(k, v)) for k, v in value)


def _name(k: Any) -> str:
    if not isinstance(k, str) or not k.isidentifier():
        raise TypeError(f"a framework parameter name must be an identifier, got {k!r}")
    return k


def _exact(v: Any) -> sympy.Expr:
    e = sympy.sympify(v, strict=True) if isinstance(v, (int, sympy.Basic)) and not isinstance(v, bool) else None
    if not isinstance(e, sympy.Expr) or e.has(sympy.Float):
        raise TypeError(f"a kink point or derivative must be an exact SymPy expression, got {v!r}")
    return e


@dataclass(frozen=True)
class Framework:
    """Where a framework ships the activation, with its conventions as data.

    Every field but ``note`` is checked against the installed framework by the
    conformance suite (``tests/test_frameworks.py``, marker ``frameworks``).

    Attributes:
        framework: ``"pytorch"``, ``"jax"`` or ``"keras"`` (Keras 3 measured with its JAX backend).
        api: the public name, e.g. ``"torch.nn.LeakyReLU"`` (a class is built, a function called).
        defaults: the framework's own defaults of the parameters that change the function, in the
            framework's spelling: ``(("negative_slope", 1/100),)``. Numbers are exact (the value
            the framework's binary default rounds from), text, booleans and ``None`` as they are.
        note: what the structured fields do not say.
        args: the arguments to pass so that the framework computes this entry, in its spelling:
            required parameters (at the values of symact's defaults) and selectors
            (``approximate=False`` for ``jax.nn.gelu`` on the erf form).
        kinks: ``((point, derivative), ...)``: at every breakpoint of the entry's piecewise
            form, the value the framework's autograd returns, as exact expressions in the
            entry's parameter symbols (``((0, negative_slope),)`` for ``torch.nn.LeakyReLU``).
        mode: ``"training"`` when a newly built module is in training mode and its output
            depends on the mode (``torch.nn.RReLU`` samples its slope); symact's definition is
            the evaluation mode. Empty when there is no mode.
        axis: for a vector activation, the axis the framework reduces over with ``args``.

    Examples:
        >>> fw = Framework("pytorch", "torch.nn.LeakyReLU", {"negative_slope": sympy.Rational(1, 100)})
        >>> fw.defaults, fw.defaults_text
        ((('negative_slope', 1/100),), 'negative_slope=1/100')
    """

    framework: str
    api: str
    defaults: tuple[tuple[str, Any], ...] = ()
    note: str = ""
    args: tuple[tuple[str, Any], ...] = ()
    kinks: tuple[tuple[sympy.Expr, sympy.Expr], ...] = ()
    mode: str = ""
    axis: int = -1

    def __post_init__(self) -> None:
        if self.framework not in FRAMEWORKS:
            raise ValueError(f"framework must be one of {FRAMEWORKS}, got {self.framework!r}")
        if not isinstance(self.api, str) or not all(p.isidentifier() for p in self.api.split(".")):
            raise TypeError(f"api must be a dotted name, got {self.api!r}")
        if self.mode not in ("", "training"):
            raise ValueError(f"mode must be '' or 'training', got {self.mode!r}")
        object.__setattr__(self, "defaults", _pairs(self.defaults, "defaults", _name, lambda k, v: _setting(v, k)))
        object.__setattr__(self, "args", _pairs(self.args, "args", _name, lambda k, v: _setting(v, k)))
        object.__setattr__(self, "kinks", _pairs(self.kinks, "kinks", _exact, lambda k, v: _exact(v)))

    @property
    def defaults_text(self) -> str:
        """The defaults (and the arguments this entry needs) as one line of ``name=value``."""
        given = [f"{k}={v!r}" if isinstance(v, str) else f"{k}={v}" for k, v in self.defaults]
        given += [f"pass {k}={v!r}" if isinstance(v, str) else f"pass {k}={v}" for k, v in self.args]
        return ", ".join(given)

    def kinks_at(self, values: Mapping[str, Any]) -> tuple[tuple[sympy.Expr, sympy.Expr], ...]:
        """The kink records at concrete parameter values (name -> exact number).

        Examples:
            >>> s = sympy.Symbol("negative_slope", real=True)
            >>> Framework("pytorch", "torch.nn.LeakyReLU", kinks=((0, s),)).kinks_at({"negative_slope": sympy.Rational(1, 5)})
            ((0, 1/5),)
        """
        sub = {sympy.Symbol(k, real=True): v for k, v in values.items()}
        return tuple((p.xreplace(sub), d.xreplace(sub)) for p, d in self.kinks)


class VectorMethods:
    """The derived facts and code of a :class:`~symact.definition.vector.VectorActivation`.

    Like the methods of :class:`Activation`, each is computed above the definition layer and
    reached through the symact facade (``import symact`` in the method), so the one upward
    import of this layer is this module's.
    """

    name: str

    def jacobian(self) -> sympy.Matrix:
        """The exact Jacobian matrix d out_r / d x_c (concrete n only; see :func:`symact.jacobian`)."""
        import symact

        return symact.jacobian(cast("symact.VectorActivation", self))

    def properties(self, *, seconds: float | None = None) -> Any:
        """The output set with the facts that establish it (see :func:`symact.output_set`).

        ``seconds`` bounds the whole derivation (default: none beyond the budget of each
        ``simplify`` step); past it :class:`~symact.core.budget.BudgetExceeded` is raised.
        """
        import symact

        if seconds is None:
            return symact.output_set(cast("symact.VectorActivation", self))
        return call(
            symact.output_set,
            cast("symact.VectorActivation", self),
            seconds=seconds,
            what=f"the output set of {self.name}",
        )

    def output_range(self, *, seconds: float | None = None) -> Any:
        """The set each output component lies in, when every fact of :meth:`properties` is
        proved; otherwise an :class:`~symact.Unknown` saying which fact is not."""
        import symact

        out = self.properties(seconds=seconds)
        if out.proved:
            return out.component
        missing = next(f for f in out.facts if f.holds is not True)
        return symact.Unknown(f"not proved: {missing.statement} ({missing.holds})")

    def numpy(self) -> Callable[..., Any]:
        """The generated NumPy function ``f(x, axis=-1)`` (see :func:`symact.vector_to_numpy`)."""
        import symact

        return symact.vector_to_numpy(self.name)

    def validate(self, **options: Any) -> Any:
        """The generated code against the correctly rounded truth (see :func:`symact.validate_vector`)."""
        import symact

        return symact.validate_vector(self.name, **options)


@dataclass(frozen=True)
class Activation:
    """An activation function of one real variable, defined exactly.

    Attributes:
        name: canonical snake_case name, e.g. ``"leaky_relu"``.
        template: the defining SymPy expression in :data:`x` and the parameter symbols.
        params: the parameters, with their defaults.
        values: the parameter values in use (name -> exact number).
        aliases: other names :func:`symact.get` accepts.
        summary: a one-line description.
        frameworks: where PyTorch, JAX and Keras ship it.
        display: the operator name used in LaTeX, e.g. ``"LeakyReLU"``.
        constants: named constants of the definition, ``(name, exact value)`` pairs, e.g.
            SELU's ``alpha`` and ``lambda``. The definition holds the values; formulas are
            displayed with the names (see :func:`symact.report.latex.named`).

    Examples:
        >>> import symact
        >>> act = symact.get("leaky_relu", negative_slope="0.2")
        >>> act.expr
        Piecewise((x, x >= 0), (x/5, True))
        >>> act.values
        (('negative_slope', 1/5),)
    """

    name: str
    template: sympy.Expr
    params: tuple[Parameter, ...] = ()
    values: tuple[tuple[str, sympy.Expr], ...] = ()
    aliases: tuple[str, ...] = ()
    summary: str = ""
    frameworks: tuple[Framework, ...] = ()
    display: str = ""
    constants: tuple[tuple[str, sympy.Expr], ...] = ()
    expr: sympy.Expr = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.template, sympy.Expr):
            raise DefinitionError(
                f"the definition of {self.name!r} must be a SymPy expression, got {type(self.template).__name__}"
            )
        if self.template.has(sympy.Float):
            raise DefinitionError(
                f"the definition of {self.name!r} contains a float; use exact numbers (Rational, sqrt(2), ...)"
            )
        given = dict(self.values)
        names = [p.name for p in self.params]
        unknown = set(given) - set(names)
        if unknown:
            raise DefinitionError(
                f"{self.name} has no parameter {min(unknown)!r}; its parameters are {names or 'none'}"
            )
        values = []
        for p in self.params:
            v = exact_number(given.get(p.name, p.default), p.name)
            if p.positive and not v.is_positive:
                raise DefinitionError(f"{p.name} of {self.name} must be positive, got {v}")
            values.append((p.name, v))
        object.__setattr__(self, "values", tuple(values))
        expr = self.template.xreplace({p.symbol: v for p, (_, v) in zip(self.params, values)})
        free = expr.free_symbols - {x}
        if free:
            raise DefinitionError(
                f"the definition of {self.name!r} has free symbols {sorted(map(str, free))}; only x and declared parameters are allowed"
            )
        check_real_domain(expr, repr(self.name))
        object.__setattr__(self, "expr", expr)
        named = tuple((str(k), exact_number(v, f"constant {k!r} of {self.name}")) for k, v in self.constants)
        bad = [k for k, _ in named if not k.isidentifier() or k in names or k == "x"]
        if bad:
            raise DefinitionError(
                f"{self.name}: constant name {bad[0]!r} must be an identifier other than x and the parameters"
            )
        object.__setattr__(self, "constants", named)
        if not self.display:
            object.__setattr__(self, "display", self.name)

    # -- construction -------------------------------------------------------------------
    def with_params(self, **params: Any) -> Activation:
        """A copy with some parameters changed (exactly; see :func:`exact_number`)."""
        merged = dict(self.values)
        merged.update(params)
        return replace(self, values=tuple(merged.items()))

    @property
    def parameters(self) -> Mapping[str, sympy.Expr]:
        """The parameter values in use, by name."""
        return dict(self.values)

    def __call__(self, value: Any) -> sympy.Expr:
        """The exact value f(value), e.g. ``act(-1)`` or ``act(Rational(1, 2))``."""
        return self.expr.subs(x, exact_number(value, "x"))

    # -- derived facts and code --------------------------------------------------------------
    # Computed above this layer and reached through the symact facade (``import symact`` in the
    # method: the one sanctioned upward import of the definition layer). Each runs under an
    # overall time budget, ``seconds`` (see symact.analysis.calculus for the defaults and for
    # what a timeout returns).
    def derivative(self, n: int = 1, *, convention: str | None = None, seconds: float | None = None) -> sympy.Expr:
        """The n-th derivative (see :func:`symact.derivative`; raises ``BudgetExceeded`` past ``seconds``).

        ``convention`` (``"pytorch"``, ``"jax"``, ``"keras"``) puts that framework's autograd values
        at the kinks; ``None`` keeps the project's own.
        """
        import symact

        return symact.derivative(self, n, convention=convention, seconds=seconds)

    def limit(self, point: Any, dir: str | None = None, *, seconds: float | None = None) -> Any:
        """A limit of f (see :func:`symact.limit`; ``Unknown`` past ``seconds``)."""
        import symact

        return symact.limit(self, limit_point(point), dir, seconds=seconds)

    def output_range(self, *, seconds: float | None = None) -> Any:
        """The exact image of the reals (see :func:`symact.output_range`; ``Unknown`` past ``seconds``)."""
        import symact

        return symact.output_range(self, seconds=seconds)

    def properties(self, *, seconds: float | None = None) -> symact.analysis.properties.Properties:
        """The full property record (see :func:`symact.properties`; all ``Unknown`` past ``seconds``)."""
        import symact

        return symact.properties(self, seconds=seconds)

    def numpy(self, derivative: int = 0, *, convention: str | None = None, seconds: float | None = None) -> Any:
        """A NumPy function generated from the symbols (see :func:`symact.to_numpy`).

        ``convention`` chooses the derivative's values at kinks (see :meth:`derivative`).
        ``seconds`` bounds the whole build (default ``codegen.CODEGEN_SECONDS``);
        past it :class:`~symact.core.budget.BudgetExceeded` is raised.
        """
        import symact

        return symact.to_numpy(self, derivative=derivative, convention=convention, seconds=seconds)

    def numba(self, derivative: int = 0, *, convention: str | None = None, seconds: float | None = None) -> Any:
        """The generated NumPy code compiled into one parallel loop by Numba (see :func:`symact.to_numba`).

        Same arguments and values as :meth:`numpy`; needs ``symact[numba]``.
        """
        import symact

        return symact.to_numba(self, derivative=derivative, convention=convention, seconds=seconds)

    def torch(self, *, convention: str | None = None, seconds: float | None = None) -> Any:
        """A PyTorch function with a symbolic backward (see :func:`symact.to_torch`).

        The backward takes ``convention``'s values at kinks (default: PyTorch's own when it
        ships the activation, else the project's). Needs ``symact[torch]``.
        """
        import symact

        return symact.to_torch(self, convention=convention, seconds=seconds)

    def jax(self, *, convention: str | None = None, seconds: float | None = None) -> Any:
        """A JAX function with a symbolic ``custom_jvp`` (see :func:`symact.to_jax`).

        The derivative takes ``convention``'s values at kinks (default: JAX's own when it
        ships the activation, else the project's). Needs ``symact[jax]``.
        """
        import symact

        return symact.to_jax(self, convention=convention, seconds=seconds)

    def latex(self, derivative: int = 0, *, seconds: float | None = None) -> str:
        """LaTeX of the definition or of a derivative (see :func:`symact.to_latex`).

        ``seconds`` bounds the derivative (default ``analysis.DERIVATIVE_SECONDS``);
        past it :class:`~symact.core.budget.BudgetExceeded` is raised.
        """
        import symact

        return symact.to_latex(self, derivative=derivative, seconds=seconds)

    def validate(self, **options: Any) -> Any:
        """The generated code against the correctly rounded truth, in ULPs (see :func:`symact.validate`)."""
        import symact

        return symact.validate(self, **options)

    def __str__(self) -> str:
        return f"{self.name}(x) = {self.expr}"

    # -- Jupyter display hooks (their targets are in symact.report.display, loaded by the facade) --
    def _repr_latex_(self) -> str | None:
        import symact

        return symact.report.display.repr_latex(self)

    def _repr_html_(self) -> str | None:
        import symact

        return symact.report.display.repr_html(self)

    def _repr_markdown_(self) -> str | None:
        import symact

        return symact.report.display.repr_markdown(self)
