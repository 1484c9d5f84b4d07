r"""Activations under Gaussian input: moments, initialization gains, self-normalizing parameters.

For :math:`z \sim N(\mu, \sigma^2)` (default :math:`N(0, 1)`) :func:`gaussian` derives

* the moments :math:`E[f]`, :math:`E[f^2]`, :math:`\mathrm{Var}\,f`, :math:`E[f']`, :math:`E[f'^2]`
  and :math:`E[f f']` (f' is the almost-everywhere derivative, the one autodiff computes; a jump
  of f adds no Dirac mass);
* the forward (variance-preserving) gain :math:`1/\sqrt{E[f^2]}` and the backward gain
  :math:`1/\sqrt{E[f'^2]}`, next to PyTorch's ``nn.init.calculate_gain`` where it has an entry.

Each moment is computed piece by piece over the canonical piecewise form
(:func:`symact.analysis.pieces.decompose`). SymPy integrates the pieces built from polynomials,
``exp`` and ``erf`` (each integral one budgeted step); a closed form is accepted only when it holds
no unevaluated ``Integral`` and agrees with the certified enclosure of
:func:`symact.numeric.quadrature.gaussian_expectation` (for a parameter left symbolic: at two values
of it). An integrand that is odd under :math:`\mu = 0` has expectation exactly 0. Without a closed
form the answer is the certified number (at least 30 correct digits), and failing that
:class:`~symact.core.unknown.Unknown` with the reason.

:func:`self_normalizing` solves :math:`E[f] = 0`, :math:`E[f^2] = 1` under :math:`N(0, 1)` for two
parameters (SELU's :math:`\alpha` and :math:`\lambda`), exactly when SymPy solves the moment
equations, each solution checked by certified quadrature.

Examples:
    >>> import symact
    >>> g = gaussian(symact.get("relu"))
    >>> g.second_moment.exact, g.forward_gain.exact
    (1/2, sqrt(2))
    >>> print(gaussian(symact.get("tanh")).forward_gain)
    1.5925...
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import sympy
from flint import arb, ctx, fmpq
from sympy import oo

from symact.analysis.calculus import derivative, output_range
from symact.analysis.pieces import PiecewiseForm, decompose
from symact.analysis.properties import display
from symact.core import budget
from symact.core.unknown import Unknown
from symact.definition.activation import Activation, exact_number, expression_of, x
from symact.numeric.quadrature import Certified, QuadratureError, as_expr, constant, gaussian_expectation

__all__ = [
    "PYTORCH_GAINS",
    "EdgeOfChaos",
    "FixedPoint",
    "Gaussian",
    "PyTorchGain",
    "Quantity",
    "SelfNormalizing",
    "critical_curve",
    "edge_of_chaos",
    "fixed_point",
    "gaussian",
    "moment",
    "self_normalizing",
    "variance_map",
]

#: Seconds for one whole :func:`gaussian` call.
GAUSSIAN_SECONDS = 120.0
#: Seconds for one SymPy integral of one piece.
INTEGRATE_SECONDS = 3.0
#: Seconds for SymPy's solve of the self-normalizing equations.
SOLVE_SECONDS = 10.0
#: Seconds for the exact range of f' (the edge of chaos at sigma_b = 0).
RANGE_SECONDS = 30.0
#: Correct digits asked of every certified number.
DIGITS = 30
#: Functions a piece may hold for SymPy's Gaussian integral to be tried (beyond +, * and positive integer
#: powers): polynomials times exponentials and error functions, the integrands SymPy can close.
CLOSED_FORM_FUNCTIONS: tuple[type, ...] = (sympy.exp, sympy.erf, sympy.erfc)

_CACHE = budget.CallCache(maxsize=256)
_STEP_ERRORS = (NotImplementedError, TypeError, ValueError, AttributeError, RecursionError, ZeroDivisionError)


# --------------------------------------------------------------------------------------
# Records
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Quantity:
    """One derived number: its exact form, its certified enclosure, or the reason for neither.

    Attributes:
        name: what it is, e.g. ``"E[f(z)^2]"``.
        exact: the closed form (may hold a parameter symbol), or ``None``.
        enclosure: a :class:`~symact.numeric.quadrature.Certified` enclosure, or ``None``.
        unknown: :class:`~symact.core.unknown.Unknown` with the reason when neither is known, else ``None``.
        note: how it was obtained or checked.
    """

    name: str
    exact: sympy.Expr | None = None
    enclosure: Certified | None = None
    unknown: Unknown | None = None
    note: str = ""

    @property
    def known(self) -> bool:
        return self.exact is not None or self.enclosure is not None

    @property
    def value(self) -> sympy.Expr | Certified | Unknown:
        """The closed form if any, else the enclosure, else the ``Unknown``."""
        if self.exact is not None:
            return self.exact
        if self.enclosure is not None:
            return self.enclosure
        return self.unknown if self.unknown is not None else Unknown("not computed")

    def __str__(self) -> str:
        if self.exact is not None:
            if self.enclosure is not None and not self.exact.is_Rational:
                return f"{self.exact} = {self.enclosure.decimal()}"
            return str(self.exact)
        if self.enclosure is not None:
            return self.enclosure.decimal() + "..."
        return str(self.unknown)

    def latex(self) -> str:
        """LaTeX of the closed form, or of the certified decimal."""
        if self.exact is not None:
            return sympy.latex(self.exact)
        if self.enclosure is not None:
            return self.enclosure.decimal() + r"\ldots"
        return r"\text{unknown}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "exact": None if self.exact is None else str(self.exact),
            "latex": self.latex(),
            "enclosure": None if self.enclosure is None else self.enclosure.to_dict(),
            "unknown": None if self.unknown is None else self.unknown.reason,
            "note": self.note,
        }


@dataclass(frozen=True)
class PyTorchGain:
    """PyTorch's ``torch.nn.init.calculate_gain`` entry for an activation, compared with the derived gain.

    Attributes:
        nonlinearity: the name PyTorch takes (``"tanh"``, ``"leaky_relu"``, ``"linear"``, ...).
        gain: PyTorch's value, exactly (leaky ReLU's in the catalog's parameter symbol, then at its value).
        agrees: whether it equals the forward gain 1/sqrt(E[f(z)^2]) (``Unknown`` if undecided).
        explanation: the difference, explained.
    """

    nonlinearity: str
    gain: sympy.Expr
    agrees: bool | Unknown
    explanation: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "nonlinearity": self.nonlinearity,
            "gain": str(self.gain),
            "agrees": self.agrees if isinstance(self.agrees, bool) else None,
            "explanation": self.explanation,
        }


@dataclass(frozen=True)
class Gaussian:
    """Moments and gains of an activation under Gaussian input (see :func:`gaussian`).

    In a notebook it shows as a table (``_repr_html_``, ``_repr_markdown_``, through
    :func:`symact.analysis.properties.display`), laid out as the activation sheet's Gaussian-input section.
    """

    activation: str
    expr: sympy.Expr
    mu: sympy.Expr
    sigma: sympy.Expr
    mean: Quantity
    second_moment: Quantity
    variance: Quantity
    mean_slope: Quantity
    second_slope: Quantity
    mean_f_slope: Quantity
    forward_gain: Quantity
    backward_gain: Quantity
    pytorch: PyTorchGain | None = None
    notes: tuple[str, ...] = field(default=())

    def quantities(self) -> tuple[Quantity, ...]:
        return (
            self.mean,
            self.second_moment,
            self.variance,
            self.mean_slope,
            self.second_slope,
            self.mean_f_slope,
            self.forward_gain,
            self.backward_gain,
        )

    def __str__(self) -> str:
        lines = [f"{self.activation}(z) for z ~ N({self.mu}, {self.sigma**2}):"]
        for q in self.quantities():
            lines.append(f"  {q.name} = {q}")
        if self.pytorch is not None:
            lines.append(f"  PyTorch calculate_gain({self.pytorch.nonlinearity!r}) = {self.pytorch.gain}")
            lines.append(f"    {self.pytorch.explanation}")
        lines.extend(f"  note: {n}" for n in self.notes)
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        return {
            "activation": self.activation,
            "expr": str(self.expr),
            "mu": str(self.mu),
            "sigma": str(self.sigma),
            **{key: getattr(self, key).to_dict() for key in _FIELDS},
            "pytorch": None if self.pytorch is None else self.pytorch.to_dict(),
            "notes": list(self.notes),
        }

    def _repr_html_(self) -> str | None:
        return display(self, "html")

    def _repr_markdown_(self) -> str | None:
        return display(self, "markdown")


_FIELDS = (
    "mean",
    "second_moment",
    "variance",
    "mean_slope",
    "second_slope",
    "mean_f_slope",
    "forward_gain",
    "backward_gain",
)


# --------------------------------------------------------------------------------------
# One moment
# --------------------------------------------------------------------------------------


def _integrate(expr: sympy.Expr, lo: sympy.Expr, hi: sympy.Expr, meijerg: bool | None) -> sympy.Expr:
    return sympy.integrate(expr, (x, lo, hi), meijerg=meijerg)


def _simplify(expr: sympy.Expr) -> sympy.Expr:
    return sympy.simplify(expr)


def _phi(t: sympy.Expr) -> sympy.Expr:
    return sympy.S.Zero if t in (oo, -oo) else sympy.exp(-(t**2) / 2) / sympy.sqrt(2 * sympy.pi)


def _cdf(t: sympy.Expr) -> sympy.Expr:
    if t == oo:
        return sympy.S.One
    if t == -oo:
        return sympy.S.Zero
    return (1 + sympy.erf(t / sympy.sqrt(2))) / 2


def _truncated_moments(k: int, a: sympy.Expr, b: sympy.Expr) -> list[sympy.Expr]:
    """M_j = int_a^b u^j phi(u) du for j = 0..k, by M_j = a^(j-1) phi(a) - b^(j-1) phi(b) + (j-1) M_(j-2)."""
    out = [_cdf(b) - _cdf(a), _phi(a) - _phi(b)]
    for j in range(2, k + 1):
        ends = (a ** (j - 1) * _phi(a) if a != -oo else 0) - (b ** (j - 1) * _phi(b) if b != oo else 0)
        out.append(ends + (j - 1) * out[j - 2])
    return out[: k + 1]


def _exp_poly_integral(expr: sympy.Expr, a: sympy.Expr, b: sympy.Expr) -> sympy.Expr | None:
    """int_a^b expr(z) phi(z) dz for expr a sum of c z^k exp(l z + m) (exact, by completing the square), else None.

    Examples:
        >>> _exp_poly_integral(x**2, -oo, oo), _exp_poly_integral(sympy.exp(x), -oo, oo)
        (1, exp(1/2))
    """
    total = sympy.S.Zero
    for term in sympy.Add.make_args(sympy.expand(expr)):
        coeff, rest = term.as_independent(x, as_Add=False)
        k, lin = 0, sympy.S.Zero
        for factor in sympy.Mul.make_args(rest):
            base, e = factor.as_base_exp()
            if base == x and e.is_Integer and e >= 0:
                k += int(e)
            elif isinstance(factor, sympy.exp) or (base is sympy.E):
                arg = factor.args[0] if isinstance(factor, sympy.exp) else e
                poly = sympy.Poly(sympy.expand(arg), x) if arg.is_polynomial(x) else None
                if poly is None or poly.degree() > 1:
                    return None
                c1, c0 = poly.all_coeffs() if poly.degree() == 1 else [sympy.S.Zero, poly.all_coeffs()[0]]
                lin += c1
                coeff *= sympy.exp(c0)
            elif factor == 1:
                continue
            else:
                return None
        # z^k e^{lin z} phi(z) = e^{lin^2/2} (u + lin)^k phi(u), u = z - lin
        shift_a = a if a in (oo, -oo) else a - lin
        shift_b = b if b in (oo, -oo) else b - lin
        moments = _truncated_moments(k, shift_a, shift_b)
        inner = sum(sympy.binomial(k, j) * lin ** (k - j) * moments[j] for j in range(k + 1))
        total += coeff * sympy.exp(lin**2 / 2) * inner
    return total


def _closed_form_candidate(piece: sympy.Expr) -> bool:
    """Whether SymPy's Gaussian integral is worth trying on ``piece`` (polynomial, exp, erf)."""
    erfs = [f for f in sympy.Mul.make_args(piece) if f.has(sympy.erf, sympy.erfc)]
    if sum(1 if not isinstance(f, sympy.Pow) else int(f.exp) if f.exp.is_Integer else 2 for f in erfs) > 1:
        return False  # a product of error functions against the Gaussian: an Owen's T integral SymPy does not close
    for node in sympy.preorder_traversal(piece):
        if isinstance(node, sympy.Function) and not isinstance(node, CLOSED_FORM_FUNCTIONS):
            return False
        if isinstance(node, sympy.Pow) and node.base.has(x) and not (node.exp.is_Integer and node.exp > 0):
            return False
    return True


def _bad(value: Any) -> bool:
    return (
        not isinstance(value, sympy.Expr)
        or value.has(sympy.Integral, sympy.nan, sympy.zoo, oo, -oo, sympy.Piecewise, sympy.meijerg, sympy.hyper)
        or x in value.free_symbols
    )


def _exact(
    pieces: Sequence[sympy.Expr], gaps: Sequence[tuple[sympy.Expr, sympy.Expr]], mu: sympy.Expr, sigma: sympy.Expr
) -> sympy.Expr | None:
    """SymPy's closed form of sum_i int_{gap_i} piece_i(x) N(x; mu, sigma^2) dx, or None."""
    density = sympy.exp(-(x**2) / 2) / sympy.sqrt(2 * sympy.pi)  # in z = (x - mu)/sigma
    total = sympy.S.Zero
    for piece, (lo, hi) in zip(pieces, gaps):
        if piece == 0:
            continue
        if not _closed_form_candidate(piece):
            return None
        standard = sympy.expand(piece.subs(x, mu + sigma * x))
        a = lo if lo in (oo, -oo) else (lo - mu) / sigma
        b = hi if hi in (oo, -oo) else (hi - mu) / sigma
        part = _exp_poly_integral(standard, a, b)
        for meijerg in (
            (None, False) if part is None else ()
        ):  # SymPy's default, then without Meijer G (polynomials times the Gaussian)
            try:
                part = budget.step(
                    _integrate,
                    standard * density,
                    a,
                    b,
                    meijerg,
                    seconds=INTEGRATE_SECONDS,
                    share=0.5,
                    what=f"integral of {piece} against the Gaussian",
                    on_timeout=_none,
                )
            except _STEP_ERRORS:
                part = None
            if part is not None and not _bad(part):
                break
        if part is None or _bad(part):
            return None
        total += part
    nicer = budget.step(_simplify, total, seconds=INTEGRATE_SECONDS, share=0.3, what="simplify", on_timeout=_none)
    return total if nicer is None or _bad(nicer) else nicer


def _none(err: budget.BudgetExceeded) -> None:
    return None


def _is_odd(pieces: Sequence[sympy.Expr], form: PiecewiseForm) -> bool:
    """The integrand is odd on R off its breakpoints (symmetric breakpoints, mirrored pieces)."""
    bps = form.breakpoints
    if any(sympy.simplify(b + c) != 0 for b, c in zip(bps, reversed(bps))):
        return False
    for p, q in zip(pieces, reversed(pieces)):
        if _certainly_nonzero(p.subs(x, -_PROBE) + q.subs(x, _PROBE)):
            return False
        try:
            s = budget.step(_simplify, p.subs(x, -x) + q, seconds=2.0, share=0.2, what="parity", on_timeout=_none)
        except _STEP_ERRORS:
            return False
        if s is None or s != 0:
            return False
    return True


_PROBE = sympy.Rational(1, 3)


def _certainly_nonzero(value: sympy.Expr) -> bool:
    """Whether Arb proves the constant ``value`` is not 0 (False when it cannot tell)."""
    if value.free_symbols:
        return False
    try:
        with ctx.workprec(128):
            ball = constant(value, 128)
            return bool(ball > 0 or ball < 0)
    except QuadratureError:
        return False


def _agrees(exact: sympy.Expr, enc: Certified) -> bool:
    try:
        with ctx.workprec(256):
            ball = constant(exact, 256)
            other = enc.to_arb()
            return bool(ball.overlaps(other)) and bool(ball.rad() < (abs(ball) + 1) * arb(2) ** -100)
    except QuadratureError:
        return False


def _samples(
    symbols: Sequence[sympy.Symbol], defaults: dict[sympy.Symbol, sympy.Expr]
) -> list[dict[sympy.Symbol, sympy.Expr]]:
    """Two parameter points at which a closed form in the symbols is checked."""
    first = {s: defaults.get(s, sympy.Rational(1, 2)) for s in symbols}
    second = {s: abs(v) * 2 + sympy.Rational(1, 3) for s, v in first.items()}
    return [first, second]


def moment(
    pieces: Sequence[sympy.Expr],
    form: PiecewiseForm,
    name: str,
    mu: sympy.Expr = sympy.S.Zero,
    sigma: sympy.Expr = sympy.S.One,
    defaults: dict[sympy.Symbol, sympy.Expr] | None = None,
) -> Quantity:
    """E[g(z)], z ~ N(mu, sigma^2), for g given by ``pieces`` on the gaps of ``form``.

    The closed form (if SymPy finds one) is accepted only when it agrees with the certified
    enclosure; with parameter symbols in the pieces, at two values of them (``defaults`` first).
    """
    pieces = [as_expr(p, "a piece") for p in pieces]
    symbols = sorted(set().union(*(p.free_symbols for p in pieces)) - {x}, key=str)
    odd = mu == 0 and _is_odd(pieces, form)
    exact = sympy.S.Zero if odd else _exact(pieces, form.gaps(), mu, sigma)
    points = _samples(symbols, defaults or {}) if symbols else [{}]
    enclosures: list[Certified] = []
    for point in points:
        try:
            enclosures.append(
                gaussian_expectation(
                    [p.subs(point) for p in pieces],
                    form.breakpoints,
                    mu,
                    sigma,
                    digits=DIGITS,
                    absolute=DIGITS + 5,
                )
            )
        except QuadratureError as exc:
            reason = f"no certified value of {name}: {exc}"
            if exact is not None:
                return Quantity(name, unknown=Unknown(f"closed form {exact} could not be checked: {exc}"[:300]))
            return Quantity(name, unknown=Unknown(reason[:300]))
    how = "odd integrand under a centred Gaussian" if odd else "exact integral, piece by piece"
    if exact is not None:
        if all(_agrees(exact.subs(point), enc) for point, enc in zip(points, enclosures)):
            where = " at " + "; ".join(", ".join(f"{k} = {v}" for k, v in p.items()) for p in points) if symbols else ""
            return Quantity(
                name,
                exact=exact,
                enclosure=None if symbols else enclosures[0],
                note=f"{how}; agrees with certified quadrature{where}",
            )
        note = f"SymPy's closed form {exact} disagrees with certified quadrature: rejected"
    else:
        note = "no closed form found; certified quadrature (Arb, proved tail bound)"
    if symbols:
        return Quantity(name, unknown=Unknown(f"no closed form in {', '.join(map(str, symbols))}"), note=note)
    return Quantity(name, enclosure=enclosures[0], note=note)


# --------------------------------------------------------------------------------------
# Gains and PyTorch's table
# --------------------------------------------------------------------------------------

_NEGATIVE_SLOPE = sympy.Symbol("negative_slope", real=True)

#: ``torch.nn.init.calculate_gain``: catalog name -> (PyTorch's nonlinearity name, its exact gain).
#: A claim about a framework: ``tests/test_gaussian.py`` asserts it against torch when installed.
PYTORCH_GAINS: dict[str, tuple[str, sympy.Expr]] = {
    "identity": ("linear", sympy.S.One),
    "sigmoid": ("sigmoid", sympy.S.One),
    "tanh": ("tanh", sympy.Rational(5, 3)),
    "relu": ("relu", sympy.sqrt(2)),
    "leaky_relu": ("leaky_relu", sympy.sqrt(2 / (1 + _NEGATIVE_SLOPE**2))),
    "selu": ("selu", sympy.Rational(3, 4)),
}


def _gain(q: Quantity, name: str, what: str) -> Quantity:
    """1/sqrt(q), exactly and certified."""
    if q.exact is not None and q.exact == 0:
        return Quantity(name, unknown=Unknown(f"{what} is 0: no gain makes it 1"))
    exact = None
    if q.exact is not None:
        exact = budget.step(
            _simplify, 1 / sympy.sqrt(q.exact), seconds=INTEGRATE_SECONDS, share=0.3, what="gain", on_timeout=_none
        )
        if exact is None:
            exact = 1 / sympy.sqrt(q.exact)
    enc = None
    if q.enclosure is not None:
        with ctx.workprec(256):
            ball = q.enclosure.to_arb()
            if ball > 0:
                enc = Certified.from_arb(1 / ball.sqrt())
            elif q.exact is None:
                return Quantity(name, unknown=Unknown(f"{what} is not certified positive: {q.enclosure.bounds(6)}"))
    if exact is None and enc is None:
        return Quantity(name, unknown=q.unknown or Unknown(f"{what} unknown"))
    return Quantity(name, exact=exact, enclosure=enc, note=f"1/sqrt({what})")


def _pytorch(act_name: str, forward: Quantity, values: dict[str, sympy.Expr]) -> PyTorchGain | None:
    entry = PYTORCH_GAINS.get(act_name)
    if entry is None:
        return None
    nonlinearity, gain = entry
    if gain.free_symbols:
        gain = gain.subs({_NEGATIVE_SLOPE: values[str(_NEGATIVE_SLOPE)]}) if str(_NEGATIVE_SLOPE) in values else gain
    agrees: bool | Unknown
    if forward.exact is not None:
        diff = budget.step(
            _simplify, forward.exact - gain, seconds=2.0, share=0.2, what="compare gains", on_timeout=_none
        )
        agrees = Unknown("cannot compare") if diff is None else bool(diff == 0)
        if agrees is False and diff is not None and diff.is_number:
            agrees = False
    elif forward.enclosure is not None and not gain.free_symbols:
        with ctx.workprec(256):
            agrees = (
                False
                if not forward.enclosure.to_arb().overlaps(constant(gain, 256))
                else Unknown("within the enclosure")
            )
    else:
        agrees = Unknown("forward gain unknown")
    shown = forward.enclosure.decimal(8) if forward.enclosure is not None else str(forward.exact)
    if agrees is True:
        explanation = f"PyTorch's {gain} is the one-layer variance-preserving gain 1/sqrt(E[f(z)^2]) for z ~ N(0, 1)"
    elif agrees is False:
        explanation = (
            f"PyTorch's {gain} is a typed-in table value, not 1/sqrt(E[f(z)^2]) = {shown}: "
            "PyTorch does not derive it from the activation"
            + (" (its source says 'found empirically')" if act_name == "selu" else "")
        )
    else:
        explanation = f"PyTorch's {gain}; compared with 1/sqrt(E[f(z)^2]) = {shown}: {agrees}"
    return PyTorchGain(nonlinearity, gain, agrees, explanation)


# --------------------------------------------------------------------------------------
# The public calls
# --------------------------------------------------------------------------------------


def _subtract(a: Quantity, b: Quantity, name: str) -> Quantity:
    """a - b^2 (the variance from E[f^2] and E[f])."""
    exact = None
    if a.exact is not None and b.exact is not None:
        exact = budget.step(
            _simplify, a.exact - b.exact**2, seconds=INTEGRATE_SECONDS, share=0.3, what="variance", on_timeout=_none
        )
        if exact is None:
            exact = a.exact - b.exact**2
    enc = None
    if a.enclosure is not None and b.enclosure is not None:
        with ctx.workprec(256):
            enc = Certified.from_arb(a.enclosure.to_arb() - b.enclosure.to_arb() ** 2)
    if exact is None and enc is None:
        return Quantity(name, unknown=a.unknown or b.unknown or Unknown("E[f^2] or E[f] unknown"))
    return Quantity(name, exact=exact, enclosure=enc, note="E[f(z)^2] - E[f(z)]^2")


def _expression(
    act: Activation | sympy.Expr, symbolic: Sequence[str]
) -> tuple[str, sympy.Expr, dict[sympy.Symbol, sympy.Expr], dict[str, sympy.Expr]]:
    if isinstance(act, Activation):
        names = [p.name for p in act.params]
        for s in symbolic:
            if s not in names:
                raise ValueError(
                    f"{act.name} has no parameter {s!r} to leave symbolic; its parameters are {names or 'none'}"
                )
        keep = {p.symbol: v for p, (_, v) in zip(act.params, act.values) if p.name not in symbolic}
        defaults = {p.symbol: v for p, (_, v) in zip(act.params, act.values) if p.name in symbolic}
        expr = act.template.xreplace(keep) if symbolic else act.expr
        return act.name, expr, defaults, {k: v for k, v in act.values if k not in symbolic}
    expr = expression_of(act)
    return "f", expr, {}, {}


def gaussian(
    act: Activation | sympy.Expr,
    mu: Any = 0,
    sigma: Any = 1,
    *,
    symbolic: Sequence[str] = (),
    seconds: float | None = None,
) -> Gaussian:
    r"""Moments and gains of ``act`` for :math:`z \sim N(\mu, \sigma^2)`.

    .. math:: E[f(z)],\ E[f(z)^2],\ \mathrm{Var} f(z),\ E[f'(z)],\ E[f'(z)^2],\ E[f(z) f'(z)],
              \quad g_{\rm fwd} = 1/\sqrt{E[f(z)^2]},\ g_{\rm bwd} = 1/\sqrt{E[f'(z)^2]}

    Args:
        act: an activation (``symact.get(...)``) or an expression in :data:`x`.
        mu, sigma: the mean and standard deviation, exact numbers (``sigma > 0``).
        symbolic: parameter names to keep as symbols (the answer is then a function of them).
        seconds: budget for the whole call (default :data:`GAUSSIAN_SECONDS`).

    Examples:
        >>> import symact
        >>> g = gaussian(symact.get("leaky_relu"), symbolic=["negative_slope"])
        >>> g.forward_gain.exact
        sqrt(2)/sqrt(negative_slope**2 + 1)
        >>> print(gaussian(symact.get("sigmoid")).forward_gain)
        1.8462...
    """
    mu_e = exact_number(mu, "mu")
    sigma_e = exact_number(sigma, "sigma")
    if not sigma_e.is_positive:
        raise ValueError(f"sigma must be positive, got {sigma!r}")
    if isinstance(symbolic, str):
        symbolic = (symbolic,)
    name, expr, defaults, values = _expression(act, tuple(symbolic))
    seconds = budget.check_seconds(GAUSSIAN_SECONDS if seconds is None else seconds)
    return _CACHE.call(
        (name, expr, mu_e, sigma_e, tuple(sorted(defaults.items(), key=str))),
        _gaussian_of,
        name,
        expr,
        mu_e,
        sigma_e,
        defaults,
        values,
        seconds=seconds,
        what=f"Gaussian moments of {name}",
    )


def _gaussian_of(
    name: str,
    expr: sympy.Expr,
    mu: sympy.Expr,
    sigma: sympy.Expr,
    defaults: dict[sympy.Symbol, sympy.Expr],
    values: dict[str, sympy.Expr],
) -> Gaussian:
    notes: list[str] = []
    try:
        form = decompose(expr)
    except (NotImplementedError, TypeError, ValueError) as exc:
        unknown = Unknown(f"cannot put f in piecewise form: {exc}"[:300])
        q = [Quantity(n, unknown=unknown) for n in _NAMES]
        return Gaussian(name, expr, mu, sigma, q[0], q[1], q[2], q[3], q[4], q[5], q[6], q[7], None, (unknown.reason,))
    f = form.pieces
    df = tuple(sympy.diff(p, x) for p in f)
    for b, left, right in zip(form.breakpoints, f, f[1:]):
        if sympy.simplify(left.subs(x, b) - right.subs(x, b)) != 0:
            notes.append(f"f jumps (or may jump) at {b}: f' is the almost-everywhere derivative, without a Dirac mass")
    m1 = moment(f, form, "E[f(z)]", mu, sigma, defaults)
    m2 = moment([p**2 for p in f], form, "E[f(z)^2]", mu, sigma, defaults)
    d1 = moment(df, form, "E[f'(z)]", mu, sigma, defaults)
    d2 = moment([p**2 for p in df], form, "E[f'(z)^2]", mu, sigma, defaults)
    fd = moment([p * q for p, q in zip(f, df)], form, "E[f(z) f'(z)]", mu, sigma, defaults)
    var = _subtract(m2, m1, "Var f(z)")
    forward = _gain(m2, "forward gain", "E[f(z)^2]")
    backward = _gain(d2, "backward gain", "E[f'(z)^2]")
    torch_gain = _pytorch(name, forward, values) if (mu == 0 and sigma == 1) else None
    return Gaussian(name, expr, mu, sigma, m1, m2, var, d1, d2, fd, forward, backward, torch_gain, tuple(notes))


_NAMES = (
    "E[f(z)]",
    "E[f(z)^2]",
    "Var f(z)",
    "E[f'(z)]",
    "E[f'(z)^2]",
    "E[f(z) f'(z)]",
    "forward gain",
    "backward gain",
)


# --------------------------------------------------------------------------------------
# Self-normalizing parameters
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SelfNormalizing:
    """Parameters that give E[f(z)] = 0 and E[f(z)^2] = 1 for z ~ N(0, 1) (see :func:`self_normalizing`).

    Attributes:
        expr: the activation with its two parameters as symbols.
        values: parameter name -> :class:`Quantity` (exact and certified) of the chosen solution.
        solutions: how many real solutions SymPy found (the chosen one has every parameter positive
            when one does).
        unknown: the reason when no solution is known, else ``None``.
    """

    expr: sympy.Expr
    values: dict[str, Quantity]
    solutions: int = 0
    unknown: Unknown | None = None
    note: str = ""

    def __str__(self) -> str:
        if self.unknown is not None:
            return f"self-normalizing parameters of {self.expr}: {self.unknown}"
        return "\n".join(f"{k} = {v}" for k, v in self.values.items())

    def to_dict(self) -> dict[str, Any]:
        return {
            "expr": str(self.expr),
            "values": {k: v.to_dict() for k, v in self.values.items()},
            "solutions": self.solutions,
            "unknown": None if self.unknown is None else self.unknown.reason,
            "note": self.note,
        }


def _solve(equation: sympy.Expr, unknown: sympy.Symbol) -> list[sympy.Expr]:
    return list(sympy.solve(equation, unknown))


def _solve_pair(mean: sympy.Expr, second: sympy.Expr, syms: list[sympy.Symbol]) -> list[dict[sympy.Symbol, sympy.Expr]]:
    """Solve mean = 0 for one unknown, then second = 1 for the other (each solve one budgeted step)."""
    out: list[dict[sympy.Symbol, sympy.Expr]] = []
    for u, v in (syms, syms[::-1]):
        try:
            firsts = budget.step(
                _solve, mean, u, seconds=SOLVE_SECONDS, share=0.3, what=f"solve E[f] = 0 for {u}", on_timeout=_none
            )
        except _STEP_ERRORS:
            continue
        for first in firsts or []:
            try:
                seconds_ = budget.step(
                    _solve,
                    second.subs(u, first) - 1,
                    v,
                    seconds=SOLVE_SECONDS,
                    share=0.3,
                    what=f"solve E[f^2] = 1 for {v}",
                    on_timeout=_none,
                )
            except _STEP_ERRORS:
                continue
            for value in seconds_ or []:
                out.append({u: first.subs(v, value), v: value})
        if out:
            return out
    return out


def self_normalizing(
    act: Activation | sympy.Expr, unknowns: Sequence[str] | None = None, *, seconds: float | None = None
) -> SelfNormalizing:
    r"""The two parameters for which :math:`E[f(z)] = 0` and :math:`E[f(z)^2] = 1`, :math:`z \sim N(0, 1)`.

    ``act`` is an activation with (at least) two parameters, or an expression in :data:`x` and two
    parameter symbols; ``unknowns`` names the two (default: the activation's first two, or the
    expression's free symbols). The moments are SymPy's closed forms (checked by certified quadrature)
    and SymPy solves the two equations; each real solution is checked by certified quadrature of both
    moments at it.

    Examples:
        >>> import sympy, symact
        >>> scale = sympy.Symbol("scale", positive=True)
        >>> sn = self_normalizing(scale * symact.get("elu").template, ["alpha", "scale"])
        >>> sn.values["alpha"].enclosure.decimal(32), sn.values["scale"].enclosure.decimal(32)
        ('1.6732632423543772848170429916717', '1.0507009873554804934193349852946')
    """
    if isinstance(act, Activation):
        expr = act.template
        names = [p.name for p in act.params]
    else:
        expr = expression_of(act) if not isinstance(act, sympy.Expr) else act
        names = sorted(str(s) for s in expr.free_symbols - {x})
    if unknowns is None:
        unknowns = names[:2]
    unknowns = list(unknowns)
    if len(unknowns) != 2:
        raise ValueError(f"self_normalizing needs two unknown parameters, got {unknowns!r}")
    by_name = {str(s): s for s in expr.free_symbols - {x}}
    for u in unknowns:
        if u not in by_name:
            raise ValueError(f"{u!r} is not a parameter of {expr}; its parameters are {sorted(by_name) or 'none'}")
    seconds = budget.check_seconds(GAUSSIAN_SECONDS if seconds is None else seconds)
    return _CACHE.call(
        ("self_normalizing", expr, tuple(unknowns)),
        _self_normalizing_of,
        expr,
        tuple(unknowns),
        seconds=seconds,
        what="self-normalizing parameters",
    )


def _self_normalizing_of(expr: sympy.Expr, unknowns: tuple[str, ...]) -> SelfNormalizing:
    by_name = {str(s): s for s in expr.free_symbols - {x}}
    syms = [by_name[u] for u in unknowns]
    others = set(by_name.values()) - set(syms)
    if others:
        return SelfNormalizing(expr, {}, 0, Unknown(f"parameters {sorted(map(str, others))} have no value"))
    try:
        form = decompose(expr)
    except (NotImplementedError, TypeError, ValueError) as exc:
        return SelfNormalizing(expr, {}, 0, Unknown(f"cannot put f in piecewise form: {exc}"[:300]))
    mean = _exact(form.pieces, form.gaps(), sympy.S.Zero, sympy.S.One)
    second = _exact([p**2 for p in form.pieces], form.gaps(), sympy.S.Zero, sympy.S.One)
    if mean is None or second is None:
        return SelfNormalizing(
            expr, {}, 0, Unknown("SymPy finds no closed form of E[f] or E[f^2]; no certified solver for this case")
        )
    sols = _solve_pair(mean, second, syms)
    if not sols:
        return SelfNormalizing(expr, {}, 0, Unknown("SymPy finds no solution of the moment equations"))
    checked: list[tuple[dict[sympy.Symbol, sympy.Expr], dict[str, Certified]]] = []
    for sol in sols:
        if set(sol) != set(syms) or any(v.free_symbols for v in sol.values()):
            continue
        try:
            balls = {str(s): Certified.from_arb(constant(sol[s], 256)) for s in syms}
        except QuadratureError:
            continue  # not real
        pieces = [p.subs(sol) for p in form.pieces]
        try:
            m1 = gaussian_expectation(pieces, form.breakpoints, digits=1, absolute=DIGITS + 5)
            m2 = gaussian_expectation([p**2 for p in pieces], form.breakpoints, digits=DIGITS)
        except QuadratureError:
            continue
        if m1.contains(0) and m2.contains(1):
            checked.append((sol, balls))
    if not checked:
        return SelfNormalizing(expr, {}, len(sols), Unknown("no solution of SymPy's survives certified quadrature"))
    positive = [c for c in checked if all(b.lower > 0 for b in c[1].values())]
    sol, balls = (positive or checked)[0]
    values = {
        str(s): Quantity(
            str(s),
            exact=sol[s],
            enclosure=balls[str(s)],
            note="SymPy's solution of E[f] = 0, E[f^2] = 1; both moments certified at it",
        )
        for s in syms
    }
    return SelfNormalizing(
        expr, values, len(checked), None, "the solution with every parameter positive" if positive else ""
    )


# --------------------------------------------------------------------------------------
# Signal propagation: the edge of chaos
# --------------------------------------------------------------------------------------

#: Bits to which the root q* of the critical curve is bracketed.
ROOT_BITS = 120
#: Grid of sqrt(q) scanned for a sign change on the critical curve.
SCAN = tuple(
    Fraction(n, 256) for n in (1, 4, 8, 16, 32, 64, 128, 256, 384, 512, 768, 1024, 1536, 2048, 4096, 8192, 16384)
)


@dataclass(frozen=True)
class EdgeOfChaos:
    r"""A point of the critical curve: chi_1 = sigma_w^2 E[f'(sqrt(q*) z)^2] = 1 at the fixed point q*.

    Attributes:
        activation: the name.
        sigma_b: the bias standard deviation (exact).
        sigma_w: the critical weight standard deviation (:class:`Quantity`).
        q_star: the fixed point q* of q -> sigma_w^2 E[f(sqrt(q) z)^2] + sigma_b^2 there.
        note: how it was derived.

    In a notebook it shows as a table (``_repr_html_``, ``_repr_markdown_``, through
    :func:`symact.analysis.properties.display`).
    """

    activation: str
    sigma_b: sympy.Expr
    sigma_w: Quantity
    q_star: Quantity
    note: str = ""

    def __str__(self) -> str:
        return (
            f"{self.activation}: sigma_b = {self.sigma_b}: sigma_w = {self.sigma_w}, q* = {self.q_star} ({self.note})"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "activation": self.activation,
            "sigma_b": str(self.sigma_b),
            "sigma_w": self.sigma_w.to_dict(),
            "q_star": self.q_star.to_dict(),
            "note": self.note,
        }

    def _repr_html_(self) -> str | None:
        return display(self, "html")

    def _repr_markdown_(self) -> str | None:
        return display(self, "markdown")


def _homogeneous(form: PiecewiseForm) -> bool:
    """f(c x) = c f(x) for every c > 0: breakpoints only at 0, each piece proved homogeneous by SymPy."""
    if any(b != 0 for b in form.breakpoints):
        return False
    c = sympy.Symbol("c_scale", positive=True)
    for p in form.pieces:
        gap = sympy.expand(p.subs(x, c * x) - c * p)
        if gap == 0:
            continue
        diff = budget.step(_simplify, gap, seconds=4.0, share=0.3, what="homogeneity", on_timeout=_none)
        if diff is None or diff != 0:
            return False
    return True


def _moment_at(pieces: Sequence[sympy.Expr], form: PiecewiseForm, s: Fraction | Certified) -> arb:
    sigma = s if isinstance(s, Certified) else sympy.Rational(s.numerator, s.denominator)
    return gaussian_expectation(pieces, form.breakpoints, 0, sigma, digits=DIGITS).to_arb()


def edge_of_chaos(act: Activation | sympy.Expr, sigma_b: Any = 0, *, seconds: float | None = None) -> EdgeOfChaos:
    r"""The critical weight scale :math:`\sigma_w` at bias scale :math:`\sigma_b` (Poole et al. 2016).

    .. math:: q^* = \sigma_w^2 E[f(\sqrt{q^*} z)^2] + \sigma_b^2, \qquad
              \chi_1 = \sigma_w^2 E[f'(\sqrt{q^*} z)^2] = 1, \qquad z \sim N(0, 1)

    At :math:`\sigma_b = 0` it is exact when f(0) = 0 and f is differentiable at 0
    (:math:`q^* = 0`, :math:`\sigma_w = 1/|f'(0)|`) or positively homogeneous
    (:math:`\chi_1 = \sigma_w^2 E[f'(z)^2]` for every q). For :math:`\sigma_b > 0` it is certified:
    a sign change of :math:`q - E[f(\sqrt q z)^2]/E[f'(\sqrt q z)^2] - \sigma_b^2` is proved on a bracket
    of relative width :math:`2^{-120}` around :math:`\sqrt{q^*}` (the root found there; uniqueness is not
    claimed), and :math:`\sigma_w` is enclosed over the whole bracket.

    Examples:
        >>> import symact
        >>> edge_of_chaos(symact.get("tanh")).sigma_w.exact
        1
        >>> edge_of_chaos(symact.get("relu")).sigma_w.exact
        sqrt(2)
    """
    sb = exact_number(sigma_b, "sigma_b")
    if sb.is_negative:
        raise ValueError(f"sigma_b must be >= 0, got {sigma_b!r}")
    name, expr, _, _ = _expression(act, ())
    seconds = budget.check_seconds(GAUSSIAN_SECONDS if seconds is None else seconds)
    return _CACHE.call(
        ("edge", name, expr, sb), _edge_of, name, expr, sb, seconds=seconds, what=f"edge of chaos of {name}"
    )


def _slope_bounded_by(expr: sympy.Expr, bound: sympy.Expr) -> bool | str:
    """Whether the exact range of f' lies in [-bound, bound] (True), or why that is not proved."""
    rng = output_range(derivative(expr), seconds=RANGE_SECONDS)
    if isinstance(rng, Unknown):
        return f"the range of f' is unknown: {rng.reason}"
    inside = rng.is_subset(sympy.Interval(-bound, bound))
    return True if inside is True else f"the range of f' is {rng}"


def critical_curve(
    act: Activation | sympy.Expr, sigma_bs: Sequence[Any], *, seconds: float | None = None
) -> tuple[EdgeOfChaos, ...]:
    """:func:`edge_of_chaos` at each ``sigma_b`` of ``sigma_bs`` (each call with its own budget)."""
    return tuple(edge_of_chaos(act, sb, seconds=seconds) for sb in sigma_bs)


def _edge_of(name: str, expr: sympy.Expr, sb: sympy.Expr) -> EdgeOfChaos:
    try:
        form = decompose(expr)
    except (NotImplementedError, TypeError, ValueError) as exc:
        u = Unknown(f"cannot put f in piecewise form: {exc}"[:300])
        return EdgeOfChaos(name, sb, Quantity("sigma_w", unknown=u), Quantity("q*", unknown=u))
    f = form.pieces
    df = tuple(sympy.diff(p, x) for p in f)
    if sb == 0:
        at0 = expr.subs(x, 0)
        if at0 == 0 and 0 not in form.breakpoints:
            slope = form.piece_at(sympy.S.Zero, "+")
            d0 = sympy.simplify(sympy.diff(slope, x).subs(x, 0))
            if d0.is_number and d0 != 0:
                bounded = _slope_bounded_by(expr, abs(d0))
                if bounded is not True:
                    u = Unknown(
                        "f(0) = 0 makes q* = 0 a fixed point with chi_1 = sigma_w^2 f'(0)^2, but |f'| <= |f'(0)| "
                        f"on R is not proved ({bounded}), so q* = 0 may not attract: the critical point is not derived"
                    )
                    return EdgeOfChaos(name, sb, Quantity("sigma_w", unknown=u), Quantity("q*", unknown=u))
                sw = sympy.simplify(1 / abs(d0))
                enc = Certified.from_arb(constant(sw, 256))
                return EdgeOfChaos(
                    name,
                    sb,
                    Quantity("sigma_w", exact=sw, enclosure=enc, note="1/|f'(0)|"),
                    Quantity("q*", exact=sympy.S.Zero, note="f(0) = 0"),
                    "f(0) = 0 and |f'| <= |f'(0)| on R (the range of f'), so |f(u)| <= |f'(0) u| and "
                    "V(q) <= q at sigma_w = 1/|f'(0)|: q* = 0 is the only fixed point, chi_1 = sigma_w^2 f'(0)^2 = 1",
                )
        if _homogeneous(form):
            slope2 = moment([p**2 for p in df], form, "E[f'(z)^2]")
            gain = _gain(slope2, "sigma_w", "E[f'(z)^2]")
            return EdgeOfChaos(
                name,
                sb,
                gain,
                Quantity("q*", exact=sympy.S.Zero),
                "f is positively homogeneous: chi_1 = sigma_w^2 E[f'(z)^2] at every q; q* = 0 is a fixed point",
            )
        u = Unknown("sigma_b = 0 is derived only for f(0) = 0 with f'(0) != 0, or for positively homogeneous f")
        return EdgeOfChaos(name, sb, Quantity("sigma_w", unknown=u), Quantity("q*", unknown=u))
    f2 = [p**2 for p in f]
    d2 = [p**2 for p in df]
    try:
        return _certified_edge(name, sb, f2, d2, form)
    except QuadratureError as exc:
        u = Unknown(f"no certified critical point: {exc}"[:300])
        return EdgeOfChaos(name, sb, Quantity("sigma_w", unknown=u), Quantity("q*", unknown=u))


Residual = Callable[[Fraction], arb]


def _bracket_root(residual: Residual) -> tuple[Fraction, Fraction] | str:
    """A rational bracket [lo, hi] of relative width 2^-ROOT_BITS with residual signs certified opposite.

    The first sign change on :data:`SCAN` is narrowed by regula falsi (Illinois) on the midpoints, then
    certified at its two ends. Returns the reason as a string when there is none.
    """
    previous: tuple[Fraction, int] | None = None
    bracket: tuple[Fraction, Fraction] | None = None
    for s in SCAN:
        sign = _sign(residual(s))
        if previous is not None and previous[1] * sign < 0:
            bracket = (previous[0], s)
            break
        if sign != 0:
            previous = (s, sign)
    if bracket is None:
        return f"no certified sign change for sqrt(q) in [{SCAN[0]}, {SCAN[-1]}]"
    lo, hi = bracket
    r_lo = residual(lo)
    sign_lo = _sign(r_lo)
    target = Fraction(1, 2**ROOT_BITS)
    f_lo, f_hi = _mid(r_lo), _mid(residual(hi))
    side = 0
    for _ in range(400):
        if hi - lo <= target * hi:
            break
        t = hi - f_hi * (hi - lo) / (f_hi - f_lo) if f_hi != f_lo else (lo + hi) / 2
        t = _round_fraction(t, ROOT_BITS + 16)
        if not lo < t < hi:
            t = (lo + hi) / 2
        r = residual(t)
        st = _sign(r)
        if st == 0:  # the ball holds 0: narrow around t by bisection
            t = (lo + hi) / 2
            r = residual(t)
            st = _sign(r)
            if st == 0:
                break
        if st == sign_lo:
            lo, f_lo = t, _mid(r)
            if side == -1:
                f_hi /= 2
            side = -1
        else:
            hi, f_hi = t, _mid(r)
            if side == 1:
                f_lo /= 2
            side = 1
    if _sign(residual(lo)) * _sign(residual(hi)) >= 0:
        return "the sign change could not be certified on a narrow bracket"
    return lo, hi


class _CriticalResidual:
    """s -> s^2 - E[f(s z)^2] / E[f'(s z)^2] - sigma_b^2: zero where chi_1 = 1 at the fixed point q* = s^2."""

    def __init__(
        self, f2: Sequence[sympy.Expr], d2: Sequence[sympy.Expr], form: PiecewiseForm, sb2: sympy.Expr
    ) -> None:
        self.f2, self.d2, self.form, self.sb2 = f2, d2, form, sb2

    def __call__(self, s: Fraction) -> arb:
        with ctx.workprec(256):
            a = _moment_at(self.f2, self.form, s)
            b = _moment_at(self.d2, self.form, s)
            sq = arb(fmpq(s.numerator, s.denominator))
            return sq * sq - a / b - constant(self.sb2, 256)


class _FixedPointResidual:
    """s -> sigma_w^2 E[f(s z)^2] + sigma_b^2 - s^2: zero at a fixed point q* = s^2 of the variance map."""

    def __init__(self, f2: Sequence[sympy.Expr], form: PiecewiseForm, sw2: sympy.Expr, sb2: sympy.Expr) -> None:
        self.f2, self.form, self.sw2, self.sb2 = f2, form, sw2, sb2

    def __call__(self, s: Fraction) -> arb:
        with ctx.workprec(256):
            a = _moment_at(self.f2, self.form, s)
            sq = arb(fmpq(s.numerator, s.denominator))
            return constant(self.sw2, 256) * a + constant(self.sb2, 256) - sq * sq


def _certified_edge(
    name: str, sb: sympy.Expr, f2: list[sympy.Expr], d2: list[sympy.Expr], form: PiecewiseForm
) -> EdgeOfChaos:
    found = _bracket_root(_CriticalResidual(f2, d2, form, sb**2))
    if isinstance(found, str):
        u = Unknown(f"q - E[f(sqrt(q) z)^2]/E[f'(sqrt(q) z)^2] - sigma_b^2: {found}")
        return EdgeOfChaos(name, sb, Quantity("sigma_w", unknown=u), Quantity("q*", unknown=u))
    lo, hi = found
    with ctx.workprec(256):
        b = gaussian_expectation(d2, form.breakpoints, 0, Certified(lo, hi), digits=1).to_arb()
        sw = Certified.from_arb(1 / b.sqrt())
    return EdgeOfChaos(
        name,
        sb,
        Quantity("sigma_w", enclosure=sw, note="1/sqrt(E[f'(sqrt(q*) z)^2]) over the certified bracket of sqrt(q*)"),
        Quantity(
            "q*",
            enclosure=Certified(lo * lo, hi * hi),
            note="a root of q - E[f(sqrt(q) z)^2]/E[f'(sqrt(q) z)^2] - sigma_b^2 (sign change certified)",
        ),
        "certified: Arb quadrature, sign change on a bracket of relative width 2^-120",
    )


def _sign(v: arb) -> int:
    if v > 0:
        return 1
    if v < 0:
        return -1
    return 0


def _mid(v: arb) -> Fraction:
    with ctx.workprec(1024):
        man, exp = v.mid().man_exp()
        return Fraction(int(man)) * Fraction(2) ** int(exp)


def _round_fraction(t: Fraction, bits: int) -> Fraction:
    """t rounded to a dyadic rational of about ``bits`` significant bits (keeps the iterates short)."""
    if t == 0:
        return t
    e = abs(t).numerator.bit_length() - abs(t).denominator.bit_length()
    scale = Fraction(2) ** (bits - e)
    return Fraction(round(t * scale)) / scale


# --------------------------------------------------------------------------------------
# Signal propagation: the variance map and its fixed point
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FixedPoint:
    """The fixed point q* of the variance map and chi_1 there (see :func:`fixed_point`)."""

    activation: str
    sigma_w: sympy.Expr
    sigma_b: sympy.Expr
    q_star: Quantity
    chi1: Quantity
    note: str = ""

    def __str__(self) -> str:
        return (
            f"{self.activation}: sigma_w = {self.sigma_w}, sigma_b = {self.sigma_b}: "
            f"q* = {self.q_star}, chi_1 = {self.chi1} ({self.note})"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "activation": self.activation,
            "sigma_w": str(self.sigma_w),
            "sigma_b": str(self.sigma_b),
            "q_star": self.q_star.to_dict(),
            "chi1": self.chi1.to_dict(),
            "note": self.note,
        }


def variance_map(
    act: Activation | sympy.Expr, q: Any, sigma_w: Any, sigma_b: Any = 0, *, seconds: float | None = None
) -> Quantity:
    r"""One step of the variance map :math:`q \mapsto \sigma_w^2 E[f(\sqrt q\, z)^2] + \sigma_b^2`, z ~ N(0, 1).

    Examples:
        >>> import symact
        >>> variance_map(symact.get("relu"), 3, 2, 1).exact     # 4 * 3/2 + 1
        7
    """
    q_e, sw, sb = (exact_number(v, n) for v, n in ((q, "q"), (sigma_w, "sigma_w"), (sigma_b, "sigma_b")))
    if not q_e.is_positive:
        raise ValueError(f"q must be positive, got {q!r}")
    g = gaussian(act, 0, sympy.sqrt(q_e), seconds=seconds)
    m2 = g.second_moment
    exact = sympy.simplify(sw**2 * m2.exact + sb**2) if m2.exact is not None else None
    enc = None
    if m2.enclosure is not None:
        with ctx.workprec(256):
            enc = Certified.from_arb(constant(sw**2, 256) * m2.enclosure.to_arb() + constant(sb**2, 256))
    if exact is None and enc is None:
        return Quantity("V(q)", unknown=m2.unknown)
    return Quantity("V(q)", exact=exact, enclosure=enc, note="sigma_w^2 E[f(sqrt(q) z)^2] + sigma_b^2")


def fixed_point(
    act: Activation | sympy.Expr, sigma_w: Any, sigma_b: Any = 0, *, seconds: float | None = None
) -> FixedPoint:
    r"""The fixed point :math:`q^* = \sigma_w^2 E[f(\sqrt{q^*} z)^2] + \sigma_b^2` and :math:`\chi_1` there.

    .. math:: \chi_1 = \sigma_w^2 E[f'(\sqrt{q^*} z)^2]

    Exact for positively homogeneous f (:math:`q^* = \sigma_b^2 / (1 - \sigma_w^2 E[f(z)^2])`) and at
    :math:`\sigma_b = 0` where only :math:`q^* = 0` is found for f(0) = 0; otherwise the root of
    :math:`\sigma_w^2 E[f(\sqrt q z)^2] + \sigma_b^2 - q` at its first sign change on the grid :data:`SCAN`
    of :math:`\sqrt q` (certified on a bracket of relative width :math:`2^{-120}`; uniqueness is not claimed).

    Examples:
        >>> import symact
        >>> fixed_point(symact.get("relu"), 1, 1).q_star.exact       # 1 / (1 - 1/2)
        2
        >>> print(fixed_point(symact.get("tanh"), 2, 0).q_star)
        2.12147356820317853037486549094909...
    """
    sw = exact_number(sigma_w, "sigma_w")
    sb = exact_number(sigma_b, "sigma_b")
    if not sw.is_positive:
        raise ValueError(f"sigma_w must be positive, got {sigma_w!r}")
    if sb.is_negative:
        raise ValueError(f"sigma_b must be >= 0, got {sigma_b!r}")
    name, expr, _, _ = _expression(act, ())
    seconds = budget.check_seconds(GAUSSIAN_SECONDS if seconds is None else seconds)
    return _CACHE.call(
        ("fixed", name, expr, sw, sb),
        _fixed_point_of,
        name,
        expr,
        sw,
        sb,
        seconds=seconds,
        what=f"fixed point of {name}",
    )


def _fixed_point_of(name: str, expr: sympy.Expr, sw: sympy.Expr, sb: sympy.Expr) -> FixedPoint:
    try:
        form = decompose(expr)
    except (NotImplementedError, TypeError, ValueError) as exc:
        u = Unknown(f"cannot put f in piecewise form: {exc}"[:300])
        return FixedPoint(name, sw, sb, Quantity("q*", unknown=u), Quantity("chi_1", unknown=u))
    f = form.pieces
    df = tuple(sympy.diff(p, x) for p in f)
    f2, d2 = [p**2 for p in f], [p**2 for p in df]
    if _homogeneous(form):
        m2 = moment(f2, form, "E[f(z)^2]")
        s2 = moment(d2, form, "E[f'(z)^2]")
        if m2.exact is not None and s2.exact is not None:
            chi = Quantity("chi_1", exact=sympy.simplify(sw**2 * s2.exact), note="sigma_w^2 E[f'(z)^2] at every q")
            gap = sympy.simplify(1 - sw**2 * m2.exact)
            if gap.is_positive:
                q = sympy.simplify(sb**2 / gap)
                return FixedPoint(name, sw, sb, Quantity("q*", exact=q), chi, "f is positively homogeneous")
            if gap == 0 and sb == 0:
                return FixedPoint(name, sw, sb, Quantity("q*", exact=sympy.S.Zero, note="every q is fixed"), chi, "")
            u = Unknown("no fixed point: sigma_w^2 E[f(z)^2] >= 1, the variance grows without bound")
            return FixedPoint(name, sw, sb, Quantity("q*", unknown=u), chi, "f is positively homogeneous")
    try:
        found = _bracket_root(_FixedPointResidual(f2, form, sw**2, sb**2))
    except QuadratureError as exc:
        found = str(exc)
    if isinstance(found, str):
        if sb == 0 and expr.subs(x, 0) == 0:
            return FixedPoint(
                name,
                sw,
                sb,
                Quantity("q*", exact=sympy.S.Zero, note=f"f(0) = 0; no positive fixed point found ({found})"),
                _chi_at_zero(form, sw),
                "q* = 0",
            )
        u = Unknown(f"sigma_w^2 E[f(sqrt(q) z)^2] + sigma_b^2 - q: {found}"[:300])
        return FixedPoint(name, sw, sb, Quantity("q*", unknown=u), Quantity("chi_1", unknown=u))
    lo, hi = found
    try:
        with ctx.workprec(256):
            b = gaussian_expectation(d2, form.breakpoints, 0, Certified(lo, hi), digits=1).to_arb()
            chi = Quantity(
                "chi_1", enclosure=Certified.from_arb(constant(sw**2, 256) * b), note="over the bracket of sqrt(q*)"
            )
    except QuadratureError as exc:
        chi = Quantity("chi_1", unknown=Unknown(str(exc)[:300]))
    q = Quantity(
        "q*", enclosure=Certified(lo * lo, hi * hi), note="the smallest positive root found (sign change certified)"
    )
    return FixedPoint(
        name, sw, sb, q, chi, "certified: Arb quadrature, sign change on a bracket of relative width 2^-120"
    )


def _chi_at_zero(form: PiecewiseForm, sw: sympy.Expr) -> Quantity:
    if 0 in form.breakpoints:
        return Quantity("chi_1", unknown=Unknown("f has a breakpoint at 0: no f'(0)"))
    d0 = sympy.simplify(sympy.diff(form.piece_at(sympy.S.Zero, "+"), x).subs(x, 0))
    return Quantity("chi_1", exact=sympy.simplify(sw**2 * d0**2), note="sigma_w^2 f'(0)^2 at q* = 0")
