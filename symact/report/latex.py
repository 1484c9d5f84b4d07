r"""LaTeX of an activation's definition and derivatives.

Piecewise functions print as ``cases``; ``Heaviside`` and ``sign`` print
through the canonical piecewise form (``\theta(x)`` hides the value at 0); named
activations print as ``\operatorname{Name}``; constants stay exact.
"""

from __future__ import annotations

import sympy

from symact.analysis.pieces import decompose
from symact.definition.activation import Activation, x

__all__ = [
    "LONG_DIGITS",
    "PRINT_SETTINGS",
    "constant_symbol",
    "exact_text",
    "function_name",
    "is_long",
    "named",
    "printable",
    "to_latex",
]

#: SymPy printer settings of every formula symact prints (LaTeX, MathML): ``arcsin``, not ``sin^{-1}``.
PRINT_SETTINGS = {"inv_trig_style": "full"}

#: A rational is long (shown as a decimal, its exact value on request) when its numerator or
#: denominator has more digits than this.
LONG_DIGITS = 12

#: The exponents tried for each named constant when a long rational is written with the names.
_POWERS = (1, -1, 2, -2)


def is_long(r: sympy.Basic) -> bool:
    """Whether ``r`` is a rational with more than :data:`LONG_DIGITS` digits in its numerator or denominator."""
    return isinstance(r, sympy.Rational) and max(len(str(abs(r.p))), len(str(r.q))) > LONG_DIGITS


def constant_symbol(name: str, value: sympy.Expr) -> sympy.Symbol:
    """The symbol a named constant is displayed as (positive when its value is)."""
    return sympy.Symbol(name, positive=True) if value.is_positive else sympy.Symbol(name, real=True)


def _in_names(r: sympy.Rational, constants: tuple[tuple[str, sympy.Expr], ...]) -> sympy.Expr | None:
    """``r`` as ``q * c1**e1 * c2**e2 * ...`` with ``q`` a short rational, the fewest factors first; None if none."""
    rational = [(constant_symbol(k, v), v) for k, v in constants if isinstance(v, sympy.Rational) and v != 0]
    combos: list[tuple[int, ...]] = [()]
    for _ in rational:
        combos = [(*c, e) for c in combos for e in (0, *_POWERS)]
    combos.sort(key=lambda c: (sum(map(abs, c)), [abs(e) for e in c], [-e for e in c]))
    for combo in combos:
        if not any(combo):
            continue
        scale = sympy.Mul(*(v**e for (_, v), e in zip(rational, combo)))
        q = r / scale
        if not is_long(q):
            return q * sympy.Mul(*(s**e for (s, _), e in zip(rational, combo)))
    return None


def named(expr: sympy.Basic, constants: tuple[tuple[str, sympy.Expr], ...]) -> sympy.Basic:
    r"""``expr`` with its long rationals written with the activation's named constants, for display.

    A long rational (:func:`is_long`) equal to a short rational times a product of powers of the
    constants is replaced by that product, the fewest factors first (the equality is exact
    rational arithmetic); other numbers are left as they are. The result's common factors are
    pulled out (``sympy.factor_terms``, an identity).

    Examples:
        >>> import symact
        >>> selu = symact.get("selu")
        >>> named(selu.expr, selu.constants)
        lambda*Piecewise((x, x > 0), (alpha*(exp(x) - 1), True))
        >>> named(selu.derivative(), selu.constants)
        Piecewise((alpha*lambda*exp(x), x < 0), (lambda, True))
        >>> named(sympy.Rational(2, 3), selu.constants)
        2/3
    """
    if not constants or not isinstance(expr, sympy.Basic):
        return expr
    subs = {}
    for r in expr.atoms(sympy.Rational):
        if is_long(r):
            rep = _in_names(r, constants)
            if rep is not None:
                subs[r] = rep
    if not subs:
        return expr
    out = expr.xreplace(subs)
    return sympy.factor_terms(out) if isinstance(out, sympy.Expr) else out


def exact_text(value: sympy.Expr) -> str:
    """A constant's exact value as text: its decimal expansion when it terminates, else SymPy's form.

    Examples:
        >>> exact_text(sympy.Rational("1.6732632423543772848170429916717")), exact_text(sympy.Rational(1, 3))
        ('1.6732632423543772848170429916717', '1/3')
    """
    if isinstance(value, sympy.Rational) and not value.is_Integer:
        q, twos, fives = int(value.q), 0, 0
        while q % 2 == 0:
            q, twos = q // 2, twos + 1
        while q % 5 == 0:
            q, fives = q // 5, fives + 1
        if q == 1:
            digits = max(twos, fives)
            whole = abs(int(value.p)) * 10**digits // int(value.q)
            text = str(whole).rjust(digits + 1, "0")
            sign = "-" if value < 0 else ""
            return sign + (text[:-digits] + "." + text[-digits:]).rstrip("0")
    return sympy.sstr(value)


def function_name(act: Activation) -> str:
    r"""The LaTeX operator name of an activation.

    Examples:
        >>> import symact
        >>> function_name(symact.get("relu")), function_name(symact.get("sigmoid"))
        ('\\operatorname{ReLU}', '\\sigma')
        >>> function_name(symact.get("gelu_tanh"))
        '\\operatorname{GELU}_{\\tanh}'
    """
    display = act.display or act.name
    if display.startswith("\\"):
        return display
    base, _, sub = display.partition("_")
    out = "\\operatorname{" + base.replace("_", "\\_") + "}"
    return out + ("_" + sub if sub else "")


def printable(expr: sympy.Expr) -> sympy.Expr:
    r"""``expr`` as it is printed: ``Heaviside`` and ``sign`` through the canonical piecewise form.

    Examples:
        >>> printable(sympy.Heaviside(x))
        Piecewise((0, x < 0), (1/2, Eq(x, 0)), (1, True))
    """
    if expr.has(sympy.Heaviside, sympy.sign):
        try:
            return decompose(expr).as_piecewise()
        except NotImplementedError:
            return expr
    return expr


def to_latex(act: Activation, derivative: int = 0, *, seconds: float | None = None, exact: bool = False) -> str:
    r"""``name(x) = formula`` for f (``derivative=0``) or its n-th derivative.

    The derivative is :meth:`Activation.derivative` under its budget (``seconds``,
    default ``analysis.DERIVATIVE_SECONDS``); past it
    :class:`~symact.core.budget.BudgetExceeded` is raised. Printing is SymPy's ``latex``.
    An activation's named constants stay named (:func:`named`), their exact values given
    after the formula; ``exact=True`` prints the numbers instead.

    Examples:
        >>> import symact
        >>> print(to_latex(symact.get("relu")))
        \operatorname{ReLU}(x) = \max\left(0, x\right)
        >>> print(to_latex(symact.get("relu"), derivative=1))
        \operatorname{ReLU}'(x) = \begin{cases} 0 & \text{for}\: x \leq 0 \\1 & \text{otherwise} \end{cases}
        >>> print(to_latex(symact.get("binary_step")))
        \operatorname{step}(x) = \begin{cases} 0 & \text{for}\: x < 0 \\1 & \text{otherwise} \end{cases}
        >>> print(to_latex(symact.get("selu"), derivative=1))  # doctest: +NORMALIZE_WHITESPACE
        \operatorname{SELU}'(x) = \begin{cases} \alpha \lambda e^{x} & \text{for}\: x < 0 \\\lambda & \text{otherwise}
        \end{cases}, \quad \alpha = 16732632423543772848170429916717 \cdot 10^{-31}, \quad \lambda = \frac{5253504936777402467096674926473}{5000000000000000000000000000000}
    """
    if not isinstance(act, Activation):
        raise TypeError(f"to_latex takes an Activation, got {type(act).__name__} {act!r:.60}")
    if isinstance(derivative, bool) or not isinstance(derivative, int) or derivative < 0:
        raise ValueError(f"derivative must be a non-negative integer, got {derivative!r}")
    expr = act.expr if derivative == 0 else act.derivative(derivative, seconds=seconds)
    primes = {0: "", 1: "'", 2: "''", 3: "'''"}.get(derivative, f"^{{({derivative})}}")
    shown = expr if exact else named(expr, act.constants)
    out = f"{function_name(act)}{primes}({sympy.latex(x)}) = {sympy.latex(printable(shown), **PRINT_SETTINGS)}"
    for k, v in act.constants:
        sym = constant_symbol(k, v)
        if shown.has(sym):
            out += f", \\quad {sympy.latex(sym)} = {_tex_value(v)}"
    return out


def _tex_value(v: sympy.Expr) -> str:
    r"""An exact constant in LaTeX, a terminating decimal as ``digits \cdot 10^{-k}``."""
    if isinstance(v, sympy.Rational) and not v.is_Integer:
        q, k = int(v.q), 0
        while q % 10 == 0:
            q, k = q // 10, k + 1
        if q == 1:
            return f"{v.p} \\cdot 10^{{-{k}}}"
    return sympy.latex(v)
