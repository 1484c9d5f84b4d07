"""The evidence a proof attempt rests on: the verdict, counterexamples, and linearity arguments.

These records are data. They sit at the bottom of the package (they import no
other ``proofs`` module), so the algorithms that build them and the renderers
that write them up can both import them.

* :class:`Verdict` is three-valued. UNKNOWN is an honest outcome with a reason,
  never a polite "no".
* A DISPROVED result carries a :class:`Counterexample`: exact witness values,
  the exact values of both sides, and :meth:`Counterexample.check`, which
  recomputes everything from the function's expression alone (by exact
  arithmetic and interval enclosures, never floats).
* A PROVED result carries a :class:`LinearityArgument`: f(x) = m*x shown piece
  by piece (every residual reduced to exactly 0), then the additivity and
  homogeneity residuals expanded to 0. It is re-checked by
  :func:`proofs.reduction.check_argument`.

The result record that holds a verdict and its evidence is
:class:`proofs.verdict.ProofResult`.
"""

from __future__ import annotations

import builtins
import enum
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sympy

from symact.core.budget import WorkerError
from symact.numeric.arb import certify_sign
from symact.numeric.interval import certify_nonzero, enclosure_bounds

__all__ = [
    "FAILURES",
    "PROPERTIES",
    "WITNESS_NAMES",
    "Counterexample",
    "LinearityArgument",
    "Outcome",
    "PieceStep",
    "PointStep",
    "Verdict",
    "Written",
    "finite_real",
    "sides",
    "sign_evidence",
]

#: The properties a result can be about.
PROPERTIES: tuple[str, ...] = ("additivity", "homogeneity", "linearity")

#: The witness names of each property, in order.
WITNESS_NAMES: dict[str, tuple[str, str]] = {"additivity": ("a", "b"), "homogeneity": ("c", "a")}

#: The exceptions by which an exact computation (a SymPy method, a re-check of a
#: record built by hand) fails without deciding anything: the step then proves
#: nothing. :class:`~symact.core.budget.BudgetExceeded` (a ``TimeoutError``) is
#: deliberately not among them: a spent budget must end the call that owns it.
FAILURES: tuple[type[BaseException], ...] = (
    ArithmeticError,
    AttributeError,
    LookupError,
    NotImplementedError,
    RecursionError,
    TypeError,
    ValueError,
    MemoryError,
    sympy.polys.polyerrors.BasePolynomialError,
    WorkerError,
)


def sign_evidence(
    difference: sympy.Expr, sign: int, evidence: str, enclosure: tuple[str, str, int] | None
) -> dict[str, Any]:
    """The JSON of a counterexample's proof that ``lhs - rhs`` is not 0: the difference, its sign, how
    the sign was proved, and the rigorous enclosure (decimal ends and working bits) when there is one."""
    return {
        "difference": str(difference),
        "sign": sign,
        "evidence": evidence,
        "enclosure": None
        if enclosure is None
        else {"lower": enclosure[0], "upper": enclosure[1], "bits": enclosure[2]},
    }


class Verdict(enum.Enum):
    """The outcome of a proof attempt.

    Examples:
        >>> Verdict.PROVED.value, Verdict("unknown") is Verdict.UNKNOWN
        ('proved', True)
    """

    PROVED = "proved"
    DISPROVED = "disproved"
    UNKNOWN = "unknown"

    def __str__(self) -> str:
        return self.name


class Outcome:
    """What every result record with a ``verdict`` field answers: whether it proved or disproved."""

    verdict: Verdict

    @property
    def proved(self) -> bool:
        """Whether the verdict is PROVED."""
        return self.verdict is Verdict.PROVED

    @property
    def disproved(self) -> bool:
        """Whether the verdict is DISPROVED."""
        return self.verdict is Verdict.DISPROVED


class Written:
    """A record written up like a textbook theorem and proof, in three formats.

    A subclass says how in :meth:`_write`; ``text``, ``markdown`` and ``latex`` are the same
    for every kind of result.
    """

    def _write(self, fmt: str, standalone: bool = False) -> str:  # pragma: no cover - subclasses override
        raise NotImplementedError

    def text(self) -> str:
        """The theorem and its proof as plain text."""
        return self._write("text")

    def markdown(self) -> str:
        """The theorem and its proof as Markdown (formulas in backticks)."""
        return self._write("markdown")

    def latex(self, standalone: bool = False) -> str:
        """The theorem and its proof as LaTeX; ``standalone=True`` gives a complete document."""
        return self._write("latex", standalone)


def finite_real(value: sympy.Expr) -> bool:
    """Whether ``value`` is a number SymPy knows to be real and finite."""
    if not isinstance(value, sympy.Expr) or not value.is_number:
        return False
    if value.has(sympy.nan, sympy.zoo, sympy.oo, -sympy.oo, sympy.I):
        return False
    return value.is_real is True and value.is_finite is not False


def sides(
    function: sympy.Expr,
    var: sympy.Symbol,
    prop: str,
    values: tuple[sympy.Expr, sympy.Expr],
    evaluate: Callable[[sympy.Expr], sympy.Expr | None] | None = None,
) -> tuple[sympy.Expr, sympy.Expr, tuple[tuple[str, sympy.Expr, sympy.Expr], ...]] | None:
    """Both sides of the defining equation at exact ``values``, computed exactly.

    Returns ``(lhs, rhs, terms)`` where ``terms`` lists ``(label, point, f(point))``
    for every evaluation of f, or ``None`` when some f value is not a finite real
    number (f undefined or complex there). ``evaluate`` may supply cached values
    of f (``None`` for "not a finite real"); by default f is substituted afresh.

    Examples:
        >>> from sympy import Max
        >>> from symact import x
        >>> sides(Max(0, x), x, "additivity", (1, -1))[:2]
        (0, 1)
        >>> sides(Max(0, x), x, "homogeneity", (-1, 1))[:2]
        (0, -1)
    """
    first, second = (sympy.sympify(v, strict=True) for v in values)
    if prop == "additivity":
        a, b = first, second
        points: tuple[tuple[str, sympy.Expr], ...] = (("a + b", a + b), ("a", a), ("b", b))
    elif prop == "homogeneity":
        c, a = first, second
        points = (("c a", c * a), ("a", a))
    else:  # pragma: no cover - guarded by callers
        raise ValueError(f"no counterexample form for {prop!r}")
    terms = []
    for label, point in points:
        if evaluate is None:
            value = function.xreplace({var: point})
            if not finite_real(value):
                return None
        else:
            value = evaluate(point)
            if value is None:
                return None
        terms.append((label, point, value))
    if prop == "additivity":
        lhs, rhs = terms[0][2], terms[1][2] + terms[2][2]
    else:
        lhs, rhs = terms[0][2], first * terms[1][2]
    return lhs, rhs, tuple(terms)


@dataclass(frozen=True)
class Counterexample:
    """Exact witness values at which the defining equation of a property fails.

    Attributes:
        property: ``"additivity"`` (f(a + b) = f(a) + f(b)) or ``"homogeneity"`` (f(c a) = c f(a)).
        function: the expression of f, in ``var``.
        var: the variable of ``function``.
        values: ``(("a", a), ("b", b))`` or ``(("c", c), ("a", a))``, exact rationals.
        lhs: the exact left side, f(a + b) or f(c a).
        rhs: the exact right side, f(a) + f(b) or c f(a).
        terms: every evaluation of f used, as ``(label, point, value)``.
        difference: ``lhs - rhs``, exact.
        sign: the proved sign of ``difference`` (+1 or -1).
        evidence: how the sign was proved, in words.
        enclosure: for a transcendental difference, ``(lo, hi, bits)``: decimal bounds
            (rounded outward) of an interval containing it that excludes 0, and the
            working precision of the interval arithmetic; ``None`` when both sides are rational.
    """

    property: str
    function: sympy.Expr
    var: sympy.Symbol
    values: tuple[tuple[str, sympy.Expr], ...]
    lhs: sympy.Expr
    rhs: sympy.Expr
    terms: tuple[tuple[str, sympy.Expr, sympy.Expr], ...]
    difference: sympy.Expr
    sign: int
    evidence: str
    enclosure: tuple[str, str, int] | None = None

    @builtins.property  # the field ``property`` shadows the builtin in this class body
    def witness(self) -> dict[str, sympy.Expr]:
        """The witness values by name, e.g. ``{"a": 1, "b": -1}``."""
        return dict(self.values)

    @builtins.property
    def exact(self) -> bool:
        """Whether both sides are rational (so the inequality is decided by exact arithmetic)."""
        return bool(self.lhs.is_Rational and self.rhs.is_Rational)

    def check(self) -> bool:
        """Re-verify the counterexample from ``function`` alone.

        Recomputes both sides exactly from the expression and the witness values,
        and proves them different: by exact rational arithmetic, or by an
        arb ball or an interval enclosure of the difference that excludes 0. Never uses floats.
        """
        try:
            names = WITNESS_NAMES[self.property]
            if tuple(n for n, _ in self.values) != names:
                return False
            values = tuple(sympy.sympify(v, strict=True) for _, v in self.values)
            if not all(v.is_Rational for v in values):
                return False
            computed = sides(self.function, self.var, self.property, values)
            if computed is None:
                return False
            lhs, rhs, _ = computed
            if lhs != self.lhs or rhs != self.rhs:
                return False
            # an arb ball first (rigorous and fast), the interval engine where balls do not decide
            sign = certify_sign(lhs - rhs)
            sign = certify_nonzero(lhs - rhs) if sign is None else sign
            return sign is not None and sign == self.sign
        except FAILURES:  # a check that cannot run confirms nothing
            return False

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready mapping; exact numbers are strings."""
        return {
            "property": self.property,
            "values": {n: str(v) for n, v in self.values},
            "lhs": str(self.lhs),
            "rhs": str(self.rhs),
            "terms": [{"label": f"f({label})", "point": str(p), "value": str(v)} for label, p, v in self.terms],
            **sign_evidence(self.difference, self.sign, self.evidence, self.enclosure),
        }

    @classmethod
    def build(
        cls,
        function: sympy.Expr,
        var: sympy.Symbol,
        prop: str,
        values: tuple[sympy.Expr, sympy.Expr],
        evaluate: Callable[[sympy.Expr], sympy.Expr | None] | None = None,
    ) -> Counterexample | None:
        """The counterexample at ``values`` if the inequality is *proved*, else ``None``.

        ``evaluate`` may supply cached exact values of f (see :func:`sides`).
        """
        computed = sides(function, var, prop, values, evaluate)
        if computed is None:
            return None
        lhs, rhs, terms = computed
        difference = lhs - rhs
        sign = certify_nonzero(difference)
        if sign is None:
            return None
        enclosure = None
        if lhs.is_Rational and rhs.is_Rational:
            evidence = "exact rational arithmetic"
        else:
            enclosure = enclosure_bounds(difference)
            if enclosure is None:  # pragma: no cover - certify_nonzero found one
                return None
            lo, hi, bits = enclosure
            evidence = f"{bits}-bit interval arithmetic puts the difference in [{lo}, {hi}], which excludes 0"
        names = WITNESS_NAMES[prop]
        return cls(
            prop,
            function,
            var,
            tuple(zip(names, (sympy.sympify(v, strict=True) for v in values))),
            lhs,
            rhs,
            terms,
            difference,
            sign,
            evidence,
            enclosure,
        )


@dataclass(frozen=True)
class PieceStep:
    """On the open interval (lo, hi) f is ``piece``; ``piece - m x`` reduces to 0 by ``method``."""

    lo: sympy.Expr
    hi: sympy.Expr
    piece: sympy.Expr
    residual: sympy.Expr
    method: str


@dataclass(frozen=True)
class PointStep:
    """At the point ``point`` f takes ``value``; ``value - m point`` reduces to 0 by ``method``."""

    point: sympy.Expr
    value: sympy.Expr
    method: str


@dataclass(frozen=True)
class LinearityArgument:
    """The proof that f(x) = m x for every real x, and what follows from it.

    Attributes:
        slope: m = f(1), exact (simplified when that was proved equal).
        slope_as_evaluated: f(1) exactly as evaluated, before simplification.
        breakpoints: the exact points where the formula of f may switch.
        pieces: one :class:`PieceStep` per open interval between breakpoints.
        points: one :class:`PointStep` per breakpoint (and per switch point the
            canonical form merged away).
        additivity_residual: m (a + b) - m a - m b in the symbols a, b, m (expands to 0).
        homogeneity_residual: m (c a) - c (m a) in the symbols c, a, m (expands to 0).
        slope_method: how ``slope`` was obtained from ``slope_as_evaluated`` ("" if equal).
    """

    function: sympy.Expr
    var: sympy.Symbol
    slope: sympy.Expr
    slope_as_evaluated: sympy.Expr
    breakpoints: tuple[sympy.Expr, ...]
    pieces: tuple[PieceStep, ...]
    points: tuple[PointStep, ...]
    additivity_residual: sympy.Expr
    homogeneity_residual: sympy.Expr
    slope_method: str = ""

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready mapping; exact numbers are strings."""
        return {
            "claim": f"f(x) = {self.slope}*x for every real x",
            "slope": str(self.slope),
            "breakpoints": [str(b) for b in self.breakpoints],
            "pieces": [
                {
                    "interval": [str(p.lo), str(p.hi)],
                    "piece": str(p.piece),
                    "residual": str(p.residual),
                    "reduced_to_zero_by": p.method,
                }
                for p in self.pieces
            ],
            "points": [
                {"point": str(p.point), "value": str(p.value), "reduced_to_zero_by": p.method} for p in self.points
            ],
            "additivity_residual": str(self.additivity_residual),
            "homogeneity_residual": str(self.homogeneity_residual),
        }
