"""A second, independent engine for piecewise-polynomial activations: z3 re-derives their facts.

symact derives monotonicity, parity, the range and linearity with its own machinery (canonical
piecewise forms, sign charts, exact counterexample search). This module decides the same questions
again with the SMT solver z3 (a test extra), without calling :mod:`symact.analysis`, so that
``tests/test_z3.py`` can fail when the two engines disagree.

**What is translated.** An expression in :data:`symact.x` built from rationals, real algebraic
constants (``sqrt(2)``, ``CRootOf``, ...), ``+``, ``*``, non-negative integer powers, ``Max``, ``Min``,
``Abs``, ``sign``, ``Heaviside`` (with its value at 0) and ``Piecewise`` (conditions: relations,
``And``, ``Or``, ``Not``; a last condition ``True``). Anything else raises :class:`NotPiecewisePolynomial`;
:func:`is_piecewise_polynomial` is the selection rule of the tests.

**How.** f is never an ``If`` term (z3's quantified arithmetic stalls on those): it is the graph of a
function. Each switching sub-term gets an auxiliary real ``w`` and a quantifier-free definition that
has exactly one solution for every input (``w = Max(a, b)`` is ``w >= a, w >= b, w = a or w = b``), so
``f(p) = v`` holds iff the definitions hold and ``v`` is the value term. An existential question
("is there an x with f(x) < m?") is the conjunction; a universal one is an implication under
``ForAll``. Everything is real arithmetic with polynomial constraints, which z3 decides exactly
(nlsat, and its quantifier extension nlqsat for the one-alternation questions); an answer is a proof,
not a sample.

**Which questions.**

* monotonicity: ``a < b and f(a) > f(b)`` (not non-decreasing), ``... f(a) < f(b)``,
  ``... f(a) = f(b)`` (not strict), in symact's vocabulary (``"increasing"``, ``"non-decreasing"``,
  ``"constant"``, ... or ``False``);
* parity: ``f(-t) != f(t)`` and ``f(-t) != -f(t)``;
* a range end m: ``f(x) < m`` (m is no lower bound), ``f(x) = m`` (attained), and
  ``exists e > 0 forall x: f(x) >= m + e`` (m is not the greatest lower bound);
  ``-oo``: ``exists N forall x: f(x) >= N`` (bounded below); the whole claimed set S:
  ``f(x) not in S`` and ``exists y in S forall x: f(x) != y``;
* linearity: ``f(a + b) != f(a) + f(b)`` and ``f(c a) != c f(a)``, and a counterexample's values
  re-checked as a z3 model of the two sides.

Each check runs under a deterministic resource limit (z3's ``rlimit``, :data:`RLIMIT`), never a
timeout, so the answers do not depend on the load. A z3 ``unknown`` is reported as ``None``.

Examples:
    >>> import sympy
    >>> from symact import x
    >>> relu = Engine(sympy.Max(0, x))
    >>> relu.monotonicity(), sorted(relu.parity()), relu.holds("linearity")
    ('non-decreasing', [], False)
    >>> relu.end("lower", sympy.S.Zero), relu.end("upper", sympy.oo)  # (the end, attained)
    ((True, True), (True, False))
    >>> relu.image_is(sympy.Interval.open(0, sympy.oo))
    False
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from fractions import Fraction

import pytest
import sympy

from proofs.evidence import Verdict
from symact import x
from symact.core.unknown import Unknown

z3 = pytest.importorskip("z3", reason="z3 is a test extra: pip install -e '.[test]' (or pip install z3-solver)")

__all__ = [
    "AGREE",
    "DISAGREE",
    "RLIMIT",
    "SYMACT_UNKNOWN",
    "Z3_UNKNOWN",
    "Engine",
    "NotPiecewisePolynomial",
    "Outcome",
    "check_all",
    "check_linearity",
    "check_monotonic",
    "check_parity",
    "check_range",
    "is_piecewise_polynomial",
    "set_membership",
]

#: z3's deterministic resource limit per check (its own unit of work; about a second here at most).
RLIMIT = 4_000_000


class NotPiecewisePolynomial(ValueError):
    """The expression (or a constant in it) is outside what this engine translates."""


def _fraction(q: sympy.Rational) -> z3.ArithRef:
    return z3.RealVal(Fraction(int(q.p), int(q.q)))


@dataclass
class Evaluation:
    """f at one point as a graph: ``value`` is f(point) wherever all of ``defs`` hold.

    ``aux`` are the auxiliary reals; for every value of the point's variables the definitions have
    exactly one solution in them.
    """

    value: z3.ArithRef
    defs: list[z3.BoolRef] = field(default_factory=list)
    aux: list[z3.ArithRef] = field(default_factory=list)


class _Translator:
    """Translates one expression at one point; fresh auxiliary names under ``prefix``."""

    def __init__(self, point: z3.ArithRef, prefix: str, consts: _Constants) -> None:
        self.point = point
        self.prefix = prefix
        self.consts = consts
        self.out = Evaluation(z3.RealVal(0))
        self._n = itertools.count()

    def fresh(self) -> z3.ArithRef:
        w = z3.Real(f"{self.prefix}_w{next(self._n)}")
        self.out.aux.append(w)
        return w

    def define(self, w: z3.ArithRef, *facts: z3.BoolRef) -> z3.ArithRef:
        self.out.defs.extend(facts)
        return w

    def term(self, e: sympy.Basic) -> z3.ArithRef:
        if e == x:
            return self.point
        if not e.free_symbols:
            return self.consts.value(e)
        if e.free_symbols != {x}:
            raise NotPiecewisePolynomial(f"free symbols {e.free_symbols} besides x")
        if isinstance(e, sympy.Add):
            return z3.Sum([self.term(a) for a in e.args])
        if isinstance(e, sympy.Mul):
            return z3.Product([self.term(a) for a in e.args])
        if isinstance(e, sympy.Pow):
            n = e.exp
            if not (n.is_Integer and n >= 0):
                raise NotPiecewisePolynomial(f"power {e} is not a polynomial one")
            base = self.term(e.base)
            return z3.Product([base] * int(n)) if n > 0 else z3.RealVal(1)
        if isinstance(e, (sympy.Max, sympy.Min)):
            args = [self.term(a) for a in e.args]
            w = self.fresh()
            bound = [(w >= a) if isinstance(e, sympy.Max) else (w <= a) for a in args]
            return self.define(w, *bound, z3.Or([w == a for a in args]))
        if isinstance(e, sympy.Abs):
            (a,) = (self.term(b) for b in e.args)
            w = self.fresh()
            return self.define(w, w >= 0, z3.Or(w == a, w == -a))
        if isinstance(e, sympy.sign):
            a = self.term(e.args[0])
            w = self.fresh()
            return self.define(w, z3.Or(z3.And(a > 0, w == 1), z3.And(a == 0, w == 0), z3.And(a < 0, w == -1)))
        if isinstance(e, sympy.Heaviside):
            a = self.term(e.args[0])
            h0 = e.args[1] if len(e.args) > 1 else sympy.Heaviside(sympy.S.Zero)  # SymPy's own H(0)
            if not h0.is_Rational:
                raise NotPiecewisePolynomial(f"Heaviside's value at 0 is {h0}")
            w = self.fresh()
            return self.define(
                w, z3.Or(z3.And(a > 0, w == 1), z3.And(a == 0, w == _fraction(h0)), z3.And(a < 0, w == 0))
            )
        if isinstance(e, sympy.Piecewise):
            if e.args[-1].cond is not sympy.true:
                raise NotPiecewisePolynomial(f"{e} is not defined everywhere (no last condition True)")
            w = self.fresh()
            before: list[z3.BoolRef] = []
            cases = []
            for piece, cond in e.args:
                c = self.condition(cond)
                cases.append(z3.And(*before, c, w == self.term(piece)))
                before.append(z3.Not(c))
            return self.define(w, z3.Or(cases))
        raise NotPiecewisePolynomial(f"{e.func.__name__} is not piecewise polynomial")

    def condition(self, c: sympy.Basic) -> z3.BoolRef:
        if c is sympy.true:
            return z3.BoolVal(True)
        if c is sympy.false:
            return z3.BoolVal(False)
        if isinstance(c, sympy.And):
            return z3.And([self.condition(a) for a in c.args])
        if isinstance(c, sympy.Or):
            return z3.Or([self.condition(a) for a in c.args])
        if isinstance(c, sympy.Not):
            return z3.Not(self.condition(c.args[0]))
        ops = {
            sympy.StrictLessThan: lambda a, b: a < b,
            sympy.LessThan: lambda a, b: a <= b,
            sympy.StrictGreaterThan: lambda a, b: a > b,
            sympy.GreaterThan: lambda a, b: a >= b,
            sympy.Equality: lambda a, b: a == b,
            sympy.Unequality: lambda a, b: a != b,
        }
        op = ops.get(type(c))
        if op is None:
            raise NotPiecewisePolynomial(f"condition {c} is not a relation")
        return op(self.term(c.lhs), self.term(c.rhs))


class _Constants:
    """Real algebraic constants as z3 reals: a root of the minimal polynomial in an isolating interval.

    The definitions are global (a constant has one value), collected in ``defs``.
    """

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.defs: list[z3.BoolRef] = []
        self._known: dict[sympy.Expr, z3.ArithRef] = {}

    def value(self, c: sympy.Basic) -> z3.ArithRef:
        if c.is_Rational:
            return _fraction(c)
        if c.has(sympy.Float) or c.is_real is not True or not c.is_algebraic:
            raise NotPiecewisePolynomial(f"{c} is not a real algebraic constant")
        if c in self._known:
            return self._known[c]
        t = sympy.Dummy("t")
        poly = sympy.Poly(sympy.minimal_polynomial(c, t), t)
        approx = sympy.N(c, 60)
        for (lo, hi), _ in poly.intervals(eps=sympy.Rational(1, 10**30)):
            if lo <= approx <= hi:
                break
        else:  # pragma: no cover - the numeric value lies in one isolating interval
            raise NotPiecewisePolynomial(f"no isolating interval found for {c}")
        r = z3.Real(f"{self.prefix}_c{len(self._known)}")
        coeffs = poly.all_coeffs()
        degree = len(coeffs) - 1
        p = z3.Sum([_fraction(sympy.Rational(a)) * z3.Product([r] * (degree - i)) for i, a in enumerate(coeffs)])
        self.defs.extend([p == 0, r >= _fraction(lo), r <= _fraction(hi)])
        self._known[c] = r
        return r


def is_piecewise_polynomial(expr: sympy.Expr) -> bool:
    """The selection rule: whether :class:`Engine` translates ``expr`` (see the module docstring)."""
    try:
        _Translator(z3.Real("p"), "probe", _Constants("probe")).term(expr)
    except NotPiecewisePolynomial:
        return False
    return True


def set_membership(y: z3.ArithRef, s: sympy.Set, consts: _Constants) -> z3.BoolRef:
    """``y in s`` for a SymPy set of reals (intervals, finite sets, unions) with translatable ends."""
    if s is sympy.S.EmptySet:
        return z3.BoolVal(False)
    if s is sympy.S.Reals:
        return z3.BoolVal(True)
    if isinstance(s, sympy.Union):
        return z3.Or([set_membership(y, a, consts) for a in s.args])
    if isinstance(s, sympy.FiniteSet):
        return z3.Or([y == consts.value(v) for v in s.args])
    if isinstance(s, sympy.Interval):
        facts = []
        if s.start.is_finite:
            a = consts.value(s.start)
            facts.append(y > a if s.left_open else y >= a)
        if s.end.is_finite:
            b = consts.value(s.end)
            facts.append(y < b if s.right_open else y <= b)
        return z3.And(facts)
    raise NotPiecewisePolynomial(f"set {s} is not a union of intervals and points")


class Engine:
    """z3's decisions about one piecewise-polynomial activation ``expr`` (in :data:`symact.x`).

    Every decision is ``True``/``False`` (a proof either way) or ``None`` (z3 answered unknown within
    :data:`RLIMIT`). :attr:`unknowns` counts the ``None`` answers.

    Raises:
        NotPiecewisePolynomial: ``expr`` is outside the translated class.
    """

    def __init__(self, expr: sympy.Expr, rlimit: int = RLIMIT) -> None:
        self.expr = expr
        self.rlimit = rlimit
        self.consts = _Constants("k")
        self.unknowns = 0
        self._points = itertools.count()
        self.at(z3.Real("probe"))  # refuse an untranslatable expression at once

    # -- the graph of f --------------------------------------------------------------------

    def at(self, point: z3.ArithRef) -> Evaluation:
        """f(point) as a graph with fresh auxiliary names."""
        tr = _Translator(point, f"e{next(self._points)}", self.consts)
        tr.out.value = tr.term(self.expr)
        return tr.out

    def _check(self, *facts: z3.BoolRef, quantified: bool = False) -> z3.CheckSatResult:
        s = z3.SolverFor("NRA" if quantified else "QF_NRA")
        s.set("rlimit", self.rlimit)
        s.add(*self.consts.defs, *facts)
        r = s.check()
        if r == z3.unknown:
            self.unknowns += 1
        return r

    def exists(self, *facts: z3.BoolRef, quantified: bool = False) -> bool | None:
        """Whether the conjunction is satisfiable (``None``: z3 unknown)."""
        r = self._check(*facts, quantified=quantified)
        return None if r == z3.unknown else r == z3.sat

    def _forall_f(self, prop) -> z3.BoolRef:  # type: ignore[no-untyped-def]
        """``forall t: prop(f(t))`` (the auxiliaries of the graph bound too)."""
        t = z3.Real(f"u{next(self._points)}")
        ev = self.at(t)
        return z3.ForAll([t, *ev.aux], z3.Implies(z3.And(ev.defs), prop(ev.value)))

    # -- monotonicity ----------------------------------------------------------------------

    def monotonicity(self) -> str | bool | None:
        """``"increasing"``, ``"non-decreasing"``, ``"decreasing"``, ``"non-increasing"``, ``"constant"``,
        ``False`` (not monotone), in symact's vocabulary; ``None`` if z3 does not decide."""
        a, b = z3.Reals("mono_a mono_b")
        fa, fb = self.at(a), self.at(b)
        base = [a < b, *fa.defs, *fb.defs]
        up = self.exists(*base, fa.value < fb.value)
        down = self.exists(*base, fa.value > fb.value)
        if up is None or down is None:
            return None
        if up and down:
            return False
        if not up and not down:
            return "constant"
        flat = self.exists(*base, fa.value == fb.value)
        if flat is None:
            return None
        if up:
            return "non-decreasing" if flat else "increasing"
        return "non-increasing" if flat else "decreasing"

    # -- parity ----------------------------------------------------------------------------

    def parity(self) -> frozenset[str] | None:
        """The parities f has: a subset of {"even", "odd"} (both for f = 0); ``None`` if undecided."""
        t = z3.Real("par_t")
        f, g = self.at(t), self.at(-t)
        base = [*f.defs, *g.defs]
        not_even = self.exists(*base, g.value != f.value)
        not_odd = self.exists(*base, g.value != -f.value)
        if not_even is None or not_odd is None:
            return None
        return frozenset(name for name, fails in (("even", not_even), ("odd", not_odd)) if not fails)

    # -- range -----------------------------------------------------------------------------

    def bounded(self, side: str) -> bool | None:
        """Whether f is bounded below (``side="lower"``) or above (``"upper"``)."""
        n = z3.Real(f"bound_{side}")
        prop = (lambda v: v >= n) if side == "lower" else (lambda v: v <= n)
        return self.exists(self._forall_f(prop), quantified=True)

    def end(self, side: str, value: sympy.Expr) -> tuple[bool, bool] | None:
        """Whether ``value`` is the infimum (``side="lower"``) or supremum of f, and whether it is attained.

        Returns ``(is_the_end, attained)``; ``None`` if z3 does not decide. ``value`` may be ``-oo``/``oo``.

        Raises:
            NotPiecewisePolynomial: ``value`` is not a real algebraic constant or an infinity.
        """
        lower = side == "lower"
        if value.is_infinite:
            if value != (-sympy.oo if lower else sympy.oo):
                return False, False
            bounded = self.bounded(side)
            return None if bounded is None else (not bounded, False)
        m = self.consts.value(value)
        t = z3.Real(f"end_{side}_t")
        ev = self.at(t)
        beyond = self.exists(*ev.defs, ev.value < m if lower else ev.value > m)
        attained = self.exists(*ev.defs, ev.value == m)
        if beyond is None or attained is None:
            return None
        if beyond:
            return False, attained
        if attained:
            return True, True
        e = z3.Real(f"gap_{side}")
        gap = self.exists(
            e > 0, self._forall_f((lambda v: v >= m + e) if lower else (lambda v: v <= m - e)), quantified=True
        )
        return None if gap is None else (not gap, False)

    def image_is(self, s: sympy.Set) -> bool | None:
        """Whether f(R) equals ``s`` (a union of intervals and points with translatable ends)."""
        t = z3.Real("img_t")
        ev = self.at(t)
        outside = self.exists(*ev.defs, z3.Not(set_membership(ev.value, s, self.consts)))
        if outside is None or outside:
            return None if outside is None else False
        y = z3.Real("img_y")
        missed = self.exists(set_membership(y, s, self.consts), self._forall_f(lambda v: v != y), quantified=True)
        return None if missed is None else not missed

    # -- linearity -------------------------------------------------------------------------

    def _additivity_gap(self, a: z3.ArithRef, b: z3.ArithRef) -> tuple[list[z3.BoolRef], z3.ArithRef, z3.ArithRef]:
        fab, fa, fb = self.at(a + b), self.at(a), self.at(b)
        return [*fab.defs, *fa.defs, *fb.defs], fab.value, fa.value + fb.value

    def _homogeneity_gap(self, c: z3.ArithRef, a: z3.ArithRef) -> tuple[list[z3.BoolRef], z3.ArithRef, z3.ArithRef]:
        fca, fa = self.at(c * a), self.at(a)
        return [*fca.defs, *fa.defs], fca.value, c * fa.value

    def holds(self, prop: str) -> bool | None:
        """Whether f is additive, homogeneous or linear (``prop``) on all of R."""
        if prop == "linearity":
            add, hom = self.holds("additivity"), self.holds("homogeneity")
            if add is False or hom is False:
                return False
            return None if add is None or hom is None else True
        p, q = z3.Reals(f"{prop}_p {prop}_q")
        gap = self._additivity_gap if prop == "additivity" else self._homogeneity_gap
        defs, lhs, rhs = gap(p, q)
        broken = self.exists(*defs, lhs != rhs)
        return None if broken is None else not broken

    def confirms(
        self, prop: str, values: tuple[sympy.Expr, sympy.Expr], lhs: sympy.Expr, rhs: sympy.Expr
    ) -> bool | None:
        """Whether the two sides at exact ``values`` are ``lhs`` and ``rhs`` and differ: a counterexample
        (``prop`` is ``"additivity"``, values (a, b), or ``"homogeneity"``, values (c, a)) checked as a model."""
        p, q = (self.consts.value(v) for v in values)
        gap = self._additivity_gap if prop == "additivity" else self._homogeneity_gap
        defs, left, right = gap(p, q)
        return self.exists(*defs, left == self.consts.value(lhs), right == self.consts.value(rhs), left != right)

    # -- the translation itself ------------------------------------------------------------

    def value_is(self, point: sympy.Expr, value: sympy.Expr) -> bool | None:
        """Whether f(point) = value (both exact constants), by the graph."""
        ev = self.at(self.consts.value(point))
        return self.exists(*ev.defs, ev.value == self.consts.value(value))

    def is_function(self) -> bool | None:
        """Whether the graph defines one value at every real point: the check of the translation.

        Unique: no point has two solutions; total: no point has none (a quantified question).
        """
        t = z3.Real("fun_t")
        f, g = self.at(t), self.at(t)
        twice = self.exists(*f.defs, *g.defs, f.value != g.value)
        h = self.at(t)
        none = self.exists(z3.ForAll(h.aux, z3.Not(z3.And(h.defs))), quantified=True) if h.aux else False
        if twice is None or none is None:
            return None
        return not twice and not none


# --------------------------------------------------------------------------------------
# Comparing with symact's claims
# --------------------------------------------------------------------------------------

AGREE, SYMACT_UNKNOWN, Z3_UNKNOWN, DISAGREE = "agree", "symact unknown", "z3 unknown", "disagree"


@dataclass(frozen=True)
class Outcome:
    """One property of one activation: symact's claim against z3's decision."""

    prop: str
    status: str  # AGREE, SYMACT_UNKNOWN, Z3_UNKNOWN or DISAGREE
    detail: str = ""


def _worst(prop: str, parts: list[Outcome]) -> Outcome:
    for status in (DISAGREE, Z3_UNKNOWN, SYMACT_UNKNOWN):
        hits = [o.detail for o in parts if o.status == status]
        if hits:
            return Outcome(prop, status, "; ".join(hits))
    return Outcome(prop, AGREE)


def check_monotonic(engine: Engine, claim: object) -> Outcome:
    """symact's ``monotonic`` field against z3's."""
    if isinstance(claim, Unknown):
        return Outcome("monotonic", SYMACT_UNKNOWN, claim.reason)
    got = engine.monotonicity()
    if got is None:
        return Outcome("monotonic", Z3_UNKNOWN, "monotonicity")
    if got != claim:
        return Outcome("monotonic", DISAGREE, f"symact says {claim!r}, z3 proves {got!r}")
    return Outcome("monotonic", AGREE)


def check_parity(engine: Engine, claim: object) -> Outcome:
    """symact's ``parity`` field (``"odd"``, ``"even"``, ``"neither"``) against z3's."""
    if isinstance(claim, Unknown):
        return Outcome("parity", SYMACT_UNKNOWN, claim.reason)
    got = engine.parity()
    if got is None:
        return Outcome("parity", Z3_UNKNOWN, "parity")
    ok = claim in got if got else claim == "neither"
    if not ok:
        return Outcome("parity", DISAGREE, f"symact says {claim!r}, z3 proves the parities {sorted(got) or 'neither'}")
    return Outcome("parity", AGREE)


def _end_claim(engine: Engine, side: str, value: sympy.Expr, attained: bool, what: str) -> Outcome:
    try:
        got = engine.end(side, value)
    except NotPiecewisePolynomial as err:
        return Outcome("range", Z3_UNKNOWN, f"{what}: {err}")
    if got is None:
        return Outcome("range", Z3_UNKNOWN, f"{what} {value}")
    is_end, is_attained = got
    name = "infimum" if side == "lower" else "supremum"
    if not is_end:
        return Outcome("range", DISAGREE, f"{what}: {value} is not the {name}")
    if is_attained != attained:
        return Outcome("range", DISAGREE, f"{what}: the {name} {value} is attained: {is_attained}, claimed {attained}")
    return Outcome("range", AGREE)


def _contains(s: sympy.Set, v: sympy.Expr) -> bool:
    return bool(v.is_finite) and s.contains(v) is sympy.true


def check_range(
    engine: Engine, rng: object, extrema: tuple[object, object] | None = None, bounded: object = None
) -> Outcome:
    """symact's ``range`` (its two ends, their attainment and the whole set), and when given its
    ``(minimum, maximum)`` and ``bounded`` fields (``Unknown`` ones are skipped), against z3."""
    if isinstance(rng, Unknown):
        return Outcome("range", SYMACT_UNKNOWN, rng.reason)
    assert isinstance(rng, sympy.Set)
    parts = []
    for side, end in (("lower", rng.inf), ("upper", rng.sup)):
        parts.append(_end_claim(engine, side, end, _contains(rng, end), "range"))
    for side, ext in zip(("lower", "upper"), extrema or (Unknown("not given"), Unknown("not given"))):
        if isinstance(ext, Unknown):
            continue
        if ext is None:  # the record says: unbounded on this side
            parts.append(_end_claim(engine, side, -sympy.oo if side == "lower" else sympy.oo, False, "extremum"))
        else:
            parts.append(_end_claim(engine, side, ext.value, bool(ext.attained), "extremum"))
    if isinstance(bounded, bool):
        lo, hi = engine.bounded("lower"), engine.bounded("upper")
        if lo is None or hi is None:
            parts.append(Outcome("range", Z3_UNKNOWN, "bounded"))
        elif (lo and hi) != bounded:
            parts.append(Outcome("range", DISAGREE, f"bounded: symact says {bounded}, z3 proves {lo and hi}"))
    try:
        same = engine.image_is(rng)
    except NotPiecewisePolynomial as err:
        parts.append(Outcome("range", Z3_UNKNOWN, f"the set: {err}"))
    else:
        if same is None:
            parts.append(Outcome("range", Z3_UNKNOWN, "the set"))
        elif not same:
            parts.append(Outcome("range", DISAGREE, f"f(R) is not {rng}"))
    return _worst("range", parts)


def check_linearity(engine: Engine, result: object) -> Outcome:
    """A :class:`proofs.ProofResult` of linearity against z3's decision (a counterexample re-checked)."""
    verdict = result.verdict  # type: ignore[attr-defined]
    if verdict is Verdict.UNKNOWN:
        return Outcome("linearity", SYMACT_UNKNOWN, str(result.reason))  # type: ignore[attr-defined]
    got = engine.holds("linearity")
    if got is None:
        return Outcome("linearity", Z3_UNKNOWN, "linearity")
    claimed = verdict is Verdict.PROVED
    if got != claimed:
        return Outcome("linearity", DISAGREE, f"symact: linearity {verdict.value}, z3 proves linear = {got}")
    if not claimed:
        ce = result.counterexample  # type: ignore[attr-defined]
        values = tuple(v for _, v in ce.values)
        try:
            ok = engine.confirms(ce.property, values, ce.lhs, ce.rhs)
        except NotPiecewisePolynomial as err:
            return Outcome("linearity", Z3_UNKNOWN, f"counterexample: {err}")
        if ok is None:
            return Outcome("linearity", Z3_UNKNOWN, "counterexample")
        if not ok:
            return Outcome("linearity", DISAGREE, f"the counterexample {ce.values} is not one for z3")
    return Outcome("linearity", AGREE)


def check_all(engine: Engine, record: object, proof: object) -> list[Outcome]:
    """Every comparison for one activation: its property record and its linearity proof."""
    return [
        check_monotonic(engine, record.monotonic),  # type: ignore[attr-defined]
        check_parity(engine, record.parity),  # type: ignore[attr-defined]
        check_range(engine, record.range, (record.minimum, record.maximum), record.bounded),  # type: ignore[attr-defined]
        check_linearity(engine, proof),
    ]
