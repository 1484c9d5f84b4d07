r"""Certified Gaussian expectations: E[g(mu + sigma Z)] for Z ~ N(0, 1), with a proved error bound.

:func:`gaussian_expectation` integrates a piecewise expression against the Gaussian weight
:math:`\varphi(z) = e^{-z^2/2}/\sqrt{2\pi}` over the whole real line and returns a
:class:`Certified` enclosure (exact rational ends) that provably contains the expectation:

* on ``[-L, L]``, split at the breakpoints, python-flint's ``acb.integral`` (Arb's rigorous
  Gauss-Legendre integration, error bounded on complex ellipses) integrates each piece;
  branch cuts are checked (``log``, ``sqrt`` and powers use Arb's *analytic* variants);
* beyond ``±L`` a **proved tail bound**: a growth certificate
  :math:`|g(x)| \le C x^p e^{a x}` for :math:`x \ge X_0` is derived from the expression tree
  (the interval engine :mod:`symact.numeric.interval` encloses every bounded sub-expression on
  the half-line; sums, products, powers, ``exp`` and ``log`` combine the certificates), and
  :math:`\int_L^\infty z^p e^{bz} \varphi(z)\,dz \le L^p e^{bL} e^{-L^2/2} \cdot 2/(L\sqrt{2\pi})`
  once :math:`L \ge 2b + 2p + 2` (the factor :math:`z^p e^{bz - z^2/4}` then decreases).

The work is deterministic (Arb's evaluation limits, a fixed ladder of precisions), so the same
input gives the same enclosure at any machine load. Where a piece cannot be evaluated in Arb or
its tail cannot be bounded, :class:`QuadratureError` says why; nothing is ever a plain float.
Arb's precision is set only inside ``flint.ctx.workprec`` blocks.

Examples:
    >>> import sympy
    >>> from symact.definition.activation import x
    >>> print(gaussian_expectation([sympy.tanh(x) ** 2]))   # E[tanh(Z)^2]
    0.394294...
    >>> gaussian_expectation([0, x**2], [0]).decimal(20)     # E[relu(Z)^2] = 1/2
    '0.50000000000000000000'
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_EVEN, Decimal, localcontext
from fractions import Fraction
from typing import Any

import mpmath
import sympy
from flint import acb, arb, ctx, fmpq

from symact.core.errors import SymactError
from symact.definition.activation import x
from symact.numeric import interval

__all__ = [
    "Certified",
    "QuadratureError",
    "as_expr",
    "compile_acb",
    "constant",
    "gaussian_expectation",
    "growth",
]

#: Working precisions tried in turn (bits); the first that meets the accuracy goal wins.
PRECISIONS = (160, 256, 448)
#: Correct significant digits asked of an expectation by default.
DIGITS = 30
#: Arb's limits on the work of one integral (integrand evaluations, subdivision depth): deterministic effort.
EVAL_LIMIT = 40_000
DEPTH_LIMIT = 2_000
#: The most significant digits :attr:`Certified.digits` looks for.
MAX_DIGITS = 60
#: The largest tail cut-off tried (in units of sigma).
MAX_CUTOFF = 400


class QuadratureError(SymactError, ArithmeticError):
    """An expectation could not be certified (unsupported function, unbounded tail, too few digits)."""


class _Diverged(QuadratureError):
    """Arb's integration gave a non-finite enclosure: more precision does not help."""


# --------------------------------------------------------------------------------------
# Certified enclosures
# --------------------------------------------------------------------------------------


def _fraction(v: arb) -> Fraction:
    man, exp = v.man_exp()
    return Fraction(int(man)) * (Fraction(2) ** int(exp))


def _round(q: Fraction, digits: int, rounding: str) -> Decimal:
    """q rounded to ``digits`` significant digits in the given direction."""
    with localcontext() as c:
        c.prec = digits
        c.rounding = rounding
        return +(Decimal(q.numerator) / Decimal(q.denominator))


@dataclass(frozen=True)
class Certified:
    """A real number known to lie in ``[lower, upper]`` (exact rational ends).

    Attributes:
        lower, upper: ``fractions.Fraction`` ends of a proved enclosure.

    Examples:
        >>> c = Certified(Fraction(14141, 10000), Fraction(14143, 10000))
        >>> c.digits, c.decimal(), c.contains(Fraction(1414213, 1000000))
        (4, '1.414', True)
        >>> Certified(Fraction(-1, 10**40), Fraction(1, 10**40)).decimal()
        '0e-39'
        >>> Certified(Fraction(-1, 10**400), Fraction(3, 10**400)).decimal()
        '0e-399'
    """

    lower: Fraction
    upper: Fraction

    @classmethod
    def from_arb(cls, v: arb) -> Certified:
        """The enclosure of an Arb ball (its exact ends)."""
        if not v.is_finite():
            raise QuadratureError(f"not a finite enclosure: {v}")
        with ctx.workprec(max(ctx.prec, 1024)):  # arb's ends round outward to the working precision
            return cls(_fraction(v.lower()), _fraction(v.upper()))

    def to_arb(self) -> arb:
        """An Arb ball containing ``[lower, upper]`` (at the current Arb precision)."""
        lo = arb(fmpq(self.lower.numerator, self.lower.denominator))
        hi = arb(fmpq(self.upper.numerator, self.upper.denominator))
        return lo.union(hi)

    @property
    def radius(self) -> Fraction:
        return (self.upper - self.lower) / 2

    @property
    def midpoint(self) -> Fraction:
        return (self.upper + self.lower) / 2

    @property
    def digits(self) -> int:
        """Significant digits to which the number is known correctly rounded (at most :data:`MAX_DIGITS`).

        That is the largest ``n`` for which both ends round (half-even) to the same ``n``-digit
        decimal; 0 when the enclosure holds 0 or no digit is certain.
        """
        if self.lower <= 0 <= self.upper:
            return 0
        for n in range(MAX_DIGITS, 0, -1):
            if _round(self.lower, n, ROUND_HALF_EVEN) == _round(self.upper, n, ROUND_HALF_EVEN):
                return n
        return 0

    def contains(self, value: Fraction | int) -> bool:
        """Whether the exact number ``value`` lies in the enclosure."""
        return self.lower <= Fraction(value) <= self.upper

    def decimal(self, digits: int | None = None) -> str:
        """The number correctly rounded to ``digits`` (at most, and by default, :attr:`digits`) significant digits.

        An enclosure holding 0 prints as ``0eN``, N the decimal exponent of its larger end.
        """
        if self.lower <= 0 <= self.upper:
            width = max(abs(self.lower), abs(self.upper))
            if width == 0:
                return "0"
            # the logarithms of the integers: a width below the smallest float (1e-400) is not 0 here
            return f"0e{math.floor(math.log10(width.numerator) - math.log10(width.denominator)) + 1}"
        known = self.digits
        n = known if digits is None else min(digits, known)
        if n < 1:
            return f"[{self.bounds(6)[0]}, {self.bounds(6)[1]}]"
        return _plain_decimal(_round(self.lower, n, ROUND_HALF_EVEN))

    def bounds(self, digits: int = 40) -> tuple[str, str]:
        """The ends rounded outward to ``digits`` significant digits, as decimal strings."""
        return (
            _plain_decimal(_round(self.lower, digits, ROUND_FLOOR)),
            _plain_decimal(_round(self.upper, digits, ROUND_CEILING)),
        )

    def to_dict(self) -> dict[str, Any]:
        lo, hi = self.bounds()
        return {"value": self.decimal(), "digits": self.digits, "lower": lo, "upper": hi}

    def __str__(self) -> str:
        return self.decimal()


def _plain_decimal(d: Decimal) -> str:
    text = format(d, "f") if -30 < d.adjusted() < 30 else format(d, "e")
    return text


# --------------------------------------------------------------------------------------
# SymPy expression -> Arb function
# --------------------------------------------------------------------------------------

ArbFn = Callable[[acb, bool], acb]


def _branch_free(op: Callable[[acb], acb], cut: Callable[[acb], bool]) -> Callable[[acb, bool], acb]:
    """``op`` where the argument ball provably avoids the branch cut (``cut`` True), else NaN when analytic."""

    def run(v: acb, analytic: bool) -> acb:
        if analytic and not cut(v):
            return acb("nan")
        return op(v)

    return run


def _off_imaginary_cut(v: acb) -> bool:
    """The ball avoids {iy : |y| >= 1} (the cuts of atan and asinh)."""
    re, im = v.real, v.imag
    return bool(re > 0 or re < 0 or abs(im) < 1)


_UNARY: dict[type, Callable[[acb, bool], acb]] = {
    sympy.exp: lambda v, a: v.exp(),
    sympy.sin: lambda v, a: v.sin(),
    sympy.cos: lambda v, a: v.cos(),
    sympy.tan: lambda v, a: v.tan(),
    sympy.sinh: lambda v, a: v.sinh(),
    sympy.cosh: lambda v, a: v.cosh(),
    sympy.tanh: lambda v, a: v.tanh(),
    sympy.sech: lambda v, a: v.sech(),
    sympy.erf: lambda v, a: v.erf(),
    sympy.erfc: lambda v, a: v.erfc(),
    sympy.sinc: lambda v, a: v.sinc(),
    sympy.log: lambda v, a: v.log(analytic=a),
    sympy.atan: _branch_free(lambda v: v.atan(), _off_imaginary_cut),
    sympy.asinh: _branch_free(lambda v: v.asinh(), _off_imaginary_cut),
}


def _number(e: sympy.Expr) -> acb:
    if e.is_Rational:
        return acb(arb(fmpq(int(e.p), int(e.q))))
    if e is sympy.pi:
        return acb(arb.pi())
    if e is sympy.E:
        return acb(arb(1).exp())
    raise QuadratureError(f"no certified evaluation of the constant {e}")


def compile_acb(expr: sympy.Expr, var: sympy.Symbol = x) -> ArbFn:
    """``expr`` as a function ``f(z, analytic)`` of an Arb complex ball, as ``acb.integral`` wants.

    With ``analytic`` True the function returns a non-finite ball wherever it cannot vouch for
    holomorphy (near a branch cut of ``log``, ``sqrt``, ``atan``, ``asinh`` or a fractional power).

    Raises:
        QuadratureError: a function or constant Arb cannot evaluate here.

    Examples:
        >>> from flint import acb
        >>> f = compile_acb(sympy.log(1 + sympy.exp(x)))
        >>> f(acb(0), False).real.contains(arb(2).log())
        True
    """
    expr = as_expr(expr, "the integrand")
    if expr == var:
        return lambda z, a: z
    if not expr.free_symbols and (expr.is_Rational or expr in (sympy.pi, sympy.E)):
        _number(expr)  # raises now for an unsupported constant
        cache: dict[int, acb] = {}

        def const(z: acb, a: bool) -> acb:  # made at the precision in use at call time
            prec = ctx.prec
            if prec not in cache:
                cache[prec] = _number(expr)
            return cache[prec]

        return const
    if expr.free_symbols - {var}:
        raise QuadratureError(f"{expr} has free symbols {sorted(map(str, expr.free_symbols - {var}))}")
    if isinstance(expr, sympy.Add):
        terms = [compile_acb(t, var) for t in expr.args]

        def add(z: acb, a: bool) -> acb:
            out = terms[0](z, a)
            for t in terms[1:]:
                out = out + t(z, a)
            return out

        return add
    if isinstance(expr, sympy.Mul):
        factors = [compile_acb(t, var) for t in expr.args]

        def mul(z: acb, a: bool) -> acb:
            out = factors[0](z, a)
            for t in factors[1:]:
                out = out * t(z, a)
            return out

        return mul
    if isinstance(expr, sympy.Pow):
        base, ex = expr.args
        fb = compile_acb(base, var)
        if ex.is_Integer:
            n = int(ex)
            return lambda z, a: fb(z, a) ** n
        if ex == sympy.Rational(1, 2):
            return lambda z, a: fb(z, a).sqrt(analytic=a)
        if ex == sympy.Rational(-1, 2):
            return lambda z, a: 1 / fb(z, a).sqrt(analytic=a)
        fe = compile_acb(ex, var)
        return lambda z, a: fb(z, a).pow(fe(z, a), analytic=a)
    op = _UNARY.get(type(expr))
    if op is not None and len(expr.args) == 1:
        inner = compile_acb(expr.args[0], var)
        return lambda z, a: op(inner(z, a), a)
    raise QuadratureError(f"no certified evaluation of {type(expr).__name__} in {expr}")


def constant(expr: sympy.Expr, prec: int = 256) -> arb:
    """An Arb ball containing the real constant ``expr`` (its imaginary part must be 0).

    Examples:
        >>> constant(sympy.sqrt(2) * sympy.erf(1)).str(20, radius=False)
        '1.1917588904120482457'
    """
    f = compile_acb(as_expr(expr, "the constant"), x)
    with ctx.workprec(prec):
        v = f(acb(0), False)
        if not v.imag.contains(0):
            raise QuadratureError(f"{expr} is not real")
        return v.real


# --------------------------------------------------------------------------------------
# Growth certificates for the tails
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Growth:
    """``|g(x)| <= C * x**p * exp(a*x)`` for every ``x >= start`` (``start >= 1``; C, p, a >= 0 exact)."""

    C: Fraction
    p: Fraction
    a: Fraction


def _up(v: Any) -> Fraction:
    """An exact rational >= the mpmath number ``v`` (finite)."""
    man, exp = mpmath.mpf(v).man_exp  # mpmath numbers are dyadic: exact
    return Fraction(int(man)) * Fraction(2) ** int(exp)


def _enclosed_bound(e: sympy.Expr, start: Fraction, var: sympy.Symbol) -> tuple[Fraction, Fraction] | None:
    """(lower, upper) of ``e`` on ``[start, oo)`` when the interval engine bounds it finitely."""
    try:
        v = interval.enclose(e, sympy.Rational(start.numerator, start.denominator), sympy.oo, var=var, prec=64)
    except interval.EnclosureError:
        return None
    lo, hi = interval.ends(v)
    if not (mpmath.isfinite(lo) and mpmath.isfinite(hi)):
        return None
    return _up(lo), _up(hi)


def _ceil_root(c: Fraction, r: Fraction) -> Fraction:
    """An exact rational >= c**r (c >= 0, r > 0)."""
    if r.denominator == 1:
        return c ** int(r)
    if True:
        ctx_iv = interval.context(64)
        v = ctx_iv.mpf(c.numerator) / c.denominator
        w = ctx_iv.exp(ctx_iv.log(v) * r.numerator / r.denominator) if c > 0 else ctx_iv.mpf(0)
        return _up(interval.upper(w))


def growth(expr: sympy.Expr, start: Fraction, var: sympy.Symbol = x) -> Growth:
    """A proved bound ``|expr| <= C x^p e^{a x}`` on ``[start, oo)`` (``start >= 1``).

    Raises:
        QuadratureError: no bound of that shape can be derived.

    Examples:
        >>> growth(x * sympy.tanh(x), Fraction(2))
        Growth(C=Fraction(1, 1), p=Fraction(1, 1), a=Fraction(0, 1))
        >>> growth(sympy.log(1 + sympy.exp(x)) ** 2, Fraction(2)).p
        Fraction(2, 1)
    """
    if start < 1:
        raise ValueError("start must be >= 1")
    bounds = _enclosed_bound(expr, start, var)
    if bounds is not None:
        return Growth(max(abs(bounds[0]), abs(bounds[1])), Fraction(0), Fraction(0))
    if expr == var:
        return Growth(Fraction(1), Fraction(1), Fraction(0))
    if isinstance(expr, sympy.Add):
        parts = [growth(t, start, var) for t in expr.args]
        return Growth(sum((g.C for g in parts), Fraction(0)), max(g.p for g in parts), max(g.a for g in parts))
    if isinstance(expr, sympy.Mul):
        parts = [growth(t, start, var) for t in expr.args]
        C, p, a = Fraction(1), Fraction(0), Fraction(0)
        for g in parts:
            C, p, a = C * g.C, p + g.p, a + g.a
        return Growth(C, p, a)
    if isinstance(expr, sympy.Pow) and expr.exp.is_Rational and expr.exp > 0:
        r = Fraction(int(expr.exp.p), int(expr.exp.q))
        g = growth(expr.base, start, var)
        return Growth(_ceil_root(g.C, r), g.p * r, g.a * r)
    if isinstance(expr, sympy.exp):
        g = growth(expr.args[0], start, var)
        if g.p <= 1 and g.a == 0:  # exp(h) <= exp(|h|) <= exp(C x)
            return Growth(Fraction(1), Fraction(0), g.C)
    if isinstance(expr, sympy.log):
        arg = expr.args[0]
        low = _enclosed_bound(arg, start, var)
        lower = low[0] if low is not None else None
        if lower is None:
            try:
                v = interval.enclose(
                    arg, sympy.Rational(start.numerator, start.denominator), sympy.oo, var=var, prec=64
                )
                lower = _up(interval.lower(v)) if mpmath.isfinite(interval.lower(v)) else None
            except interval.EnclosureError:
                lower = None
        if lower is not None and lower > 0:
            g = growth(arg, start, var)
            k = max(
                abs(_up(mpmath.log(mpmath.mpf(lower.numerator) / lower.denominator))) + 1, _up(mpmath.log(g.C + 1)) + 1
            )
            # |log h| <= max(|log lower|, log C + p log x + a x) <= (k + p + a) x for x >= 1
            return Growth(k + g.p + g.a, Fraction(1), Fraction(0))
    raise QuadratureError(f"cannot bound the growth of {expr} for {var} -> oo")


def _tail(g: Growth, m: arb, L: int) -> arb:
    """An upper bound of int_L^oo |h(z)| phi(z) dz where |h(z)| <= C (m z)^p e^{a m z}, z >= L."""
    C, p, a = (arb(fmpq(v.numerator, v.denominator)) for v in (g.C, g.p, g.a))
    b = a * m
    Lb = arb(L)
    bound = C * m**p * Lb**p * (b * Lb - Lb * Lb / 2).exp() * 2 / (Lb * (2 * arb.pi()).sqrt())
    return bound.upper()


# --------------------------------------------------------------------------------------
# The expectation
# --------------------------------------------------------------------------------------


def _as_fraction(e: sympy.Expr) -> Fraction | None:
    return Fraction(int(e.p), int(e.q)) if e.is_Rational else None


def as_expr(value: Any, name: str) -> sympy.Expr:
    """``value`` (a SymPy expression, int or ``Fraction``) as a SymPy expression; text is refused, never parsed.

    Examples:
        >>> as_expr(Fraction(1, 3), "mu")
        1/3
        >>> as_expr("x**2", "a piece")
        Traceback (most recent call last):
        ...
        TypeError: a piece must be a SymPy expression or a number, got str 'x**2' (text is not parsed here)
    """
    if isinstance(value, (str, bytes, float)):
        raise TypeError(
            f"{name} must be a SymPy expression or a number, got {type(value).__name__} {value!r}"
            + (" (text is not parsed here)" if not isinstance(value, float) else " (floats are not exact)")
        )
    try:
        return sympy.sympify(value, strict=True)
    except sympy.SympifyError:
        raise TypeError(f"{name} must be a SymPy expression or a number, got {type(value).__name__}") from None


def gaussian_expectation(
    pieces: Sequence[sympy.Expr],
    breakpoints: Sequence[sympy.Expr] = (),
    mu: Any = 0,
    sigma: Any = 1,
    *,
    var: sympy.Symbol = x,
    digits: int = DIGITS,
    absolute: int | None = None,
) -> Certified:
    """A certified enclosure of E[g(mu + sigma Z)], Z ~ N(0, 1), g given piecewise.

    Args:
        pieces: ``k + 1`` expressions in ``var``; ``pieces[i]`` is g between breakpoints ``i-1`` and ``i``.
        breakpoints: ``k`` exact real numbers, increasing (the values at them do not matter).
        mu, sigma: exact real numbers (SymPy, int, ``Fraction``), ``sigma > 0``; or :class:`Certified`
            enclosures, and then the answer encloses the expectation for every value in them.
        digits: correct significant digits wanted.
        absolute: also accept an enclosure of width below ``10**-absolute`` (for values that may be 0).

    Raises:
        QuadratureError: a piece cannot be evaluated or its tail bounded, or the goal is not met
            at the highest precision of :data:`PRECISIONS`.

    Examples:
        >>> gaussian_expectation([sympy.exp(x)]).decimal(12)   # E[e^Z] = sqrt(e)
        '1.64872127070'
    """
    pieces = [as_expr(p, "a piece") for p in pieces]
    breakpoints = [as_expr(b, "a breakpoint") for b in breakpoints]
    mu_e = mu if isinstance(mu, Certified) else as_expr(mu, "mu")
    sigma_e = sigma if isinstance(sigma, Certified) else as_expr(sigma, "sigma")
    if len(pieces) != len(breakpoints) + 1:
        raise ValueError(f"{len(pieces)} pieces need {len(pieces) - 1} breakpoints, got {len(breakpoints)}")
    fns = [compile_acb(p, var) for p in pieces]
    last_error: QuadratureError | None = None
    for prec in PRECISIONS:
        try:
            got = _expectation(fns, pieces, breakpoints, mu_e, sigma_e, var, prec)
        except _Diverged as exc:
            raise QuadratureError(str(exc)) from None
        except QuadratureError as exc:
            last_error = exc
            continue
        if got.digits >= digits or (absolute is not None and got.upper - got.lower < Fraction(1, 10**absolute)):
            return got
        last_error = QuadratureError(f"only {got.digits} digits at {prec} bits: {got}")
    raise last_error if last_error is not None else QuadratureError("no precision")


def _ball(v: sympy.Expr | Certified, prec: int) -> arb:
    return v.to_arb() if isinstance(v, Certified) else constant(v, prec)


def _side_start(breaks: Sequence[sympy.Expr], sign: int) -> Fraction:
    """A start >= 1 beyond every breakpoint on the side ``sign`` (for g(sign * x))."""
    far = 1
    for b in breaks:
        v = constant(sign * b, 64)
        far = max(far, math.ceil(float(v.upper().mid())) + 1)
    return Fraction(far)


def _expectation(
    fns: Sequence[ArbFn],
    pieces: Sequence[sympy.Expr],
    breaks: Sequence[sympy.Expr],
    mu_e: sympy.Expr | Certified,
    sigma_e: sympy.Expr | Certified,
    var: sympy.Symbol,
    prec: int,
) -> Certified:
    with ctx.workprec(prec):
        mu = _ball(mu_e, prec)
        sigma = _ball(sigma_e, prec)
        if not sigma > 0:
            raise QuadratureError(f"sigma must be positive, got {sigma_e}")
        tol = arb(2) ** (-prec - 8)
        # tails: right of the last breakpoint, left of the first, in units of sigma
        right_start = _side_start(breaks, 1)
        left_start = _side_start(breaks, -1)
        g_right = growth(pieces[-1], right_start, var)
        g_left = growth(pieces[0].subs(var, -var), left_start, var)
        m = (abs(mu) + sigma).upper()
        cut = 8
        for start, g, sgn in ((right_start, g_right, 1), (left_start, g_left, -1)):
            need = (arb(fmpq(start.numerator, start.denominator)) - sgn * mu) / sigma
            need_b = (
                2 * arb(fmpq(g.a.numerator, g.a.denominator)) * m + 2 * arb(fmpq(g.p.numerator, g.p.denominator)) + 2
            )
            cut = max(cut, math.ceil(float(need.upper().mid())) + 1, math.ceil(float(need_b.upper().mid())) + 1)
        tail = arb(0)
        for g in (g_right, g_left):
            L = cut
            while not _tail(g, m, L) < tol:
                L += 2
                if L > MAX_CUTOFF:
                    raise QuadratureError(f"the tail bound does not fall below 2^-{prec} by z = {MAX_CUTOFF}")
            cut = max(cut, L)
        for g in (g_right, g_left):
            tail = tail + _tail(g, m, cut)
        # the integration grid in z: -cut, the breakpoints mapped to z inside (-cut, cut), cut
        norm = 1 / (2 * arb.pi()).sqrt()
        with_ball = isinstance(mu_e, Certified) or isinstance(sigma_e, Certified)
        if with_ball and any(b != mu_e for b in breaks):
            total = _integrate_in_x(fns, breaks, mu, sigma, cut, tol)
        else:
            total = _integrate_in_z(fns, breaks, mu, sigma, cut, tol, prec)
        if not total.imag.contains(0):
            raise QuadratureError(f"the integral is not real: {total}")
        value = total.real * norm
        if not value.is_finite():
            raise QuadratureError("the integration did not converge (a non-finite enclosure)")
        value = value + arb(0, tail)
        return Certified.from_arb(value)


def _integral(integrand: ArbFn, a: acb, b: acb, tol: arb) -> acb:
    part = acb.integral(integrand, a, b, rel_tol=tol, abs_tol=tol, eval_limit=EVAL_LIMIT, depth_limit=DEPTH_LIMIT)
    if not part.is_finite():
        raise _Diverged(
            f"the integral of a piece does not converge to a finite enclosure on [{float(a.real.mid()):g}, "
            f"{float(b.real.mid()):g}] (a singularity Arb cannot enclose?)"
        )
    return part


def _integrate_in_z(
    fns: Sequence[ArbFn], breaks: Sequence[sympy.Expr], mu: arb, sigma: arb, cut: int, tol: arb, prec: int
) -> acb:
    """sum of int f_k(mu + sigma z) e^{-z^2/2} dz over [-cut, cut] split at the breakpoints mapped to z."""
    knots: list[acb] = [acb(-cut)]
    for b in breaks:
        zb = (constant(b, prec) - mu) / sigma
        if zb > -cut and zb < cut:
            knots.append(acb(zb))
        else:
            raise QuadratureError(f"cannot place the breakpoint {b} against the cut-off")
    knots.append(acb(cut))
    total = acb(0)
    mu_c, sigma_c = acb(mu), acb(sigma)
    for k in range(len(knots) - 1):

        def integrand(z: acb, analytic: bool, f: ArbFn = fns[k]) -> acb:
            return f(mu_c + sigma_c * z, analytic) * (-(z * z) / 2).exp()

        total = total + _integral(integrand, knots[k], knots[k + 1], tol)
    return total


def _integrate_in_x(fns: Sequence[ArbFn], breaks: Sequence[sympy.Expr], mu: arb, sigma: arb, cut: int, tol: arb) -> acb:
    """The same sum in x = mu + sigma z, between exact knots: for mu or sigma given as enclosures.

    The ends are integers beyond mu +- sigma * cut for every sigma in its enclosure, so the tails
    outside them lie beyond z = +-cut, where the tail bound holds.
    """
    if not all(b.is_Rational for b in breaks):
        raise QuadratureError("with an enclosure for mu or sigma, breakpoints must be rational")
    hi_end = math.ceil(_fraction((mu + sigma * cut).upper())) + 1
    lo_end = math.floor(_fraction((mu - sigma * cut).lower())) - 1
    knots = [acb(lo_end)]
    for b in breaks:
        if not lo_end < b < hi_end:
            raise QuadratureError(f"cannot place the breakpoint {b} against the cut-off")
        knots.append(acb(arb(fmpq(int(b.p), int(b.q)))))
    knots.append(acb(hi_end))
    total = acb(0)
    mu_c, inv = acb(mu), acb(1 / sigma)
    for k in range(len(knots) - 1):

        def integrand(t: acb, analytic: bool, f: ArbFn = fns[k]) -> acb:
            u = (t - mu_c) * inv
            return f(t, analytic) * (-(u * u) / 2).exp() * inv

        total = total + _integral(integrand, knots[k], knots[k + 1], tol)
    return total
