r"""LaTeX of an activation's definition and derivatives.

Piecewise functions print as ``cases``; ``Heaviside`` and ``sign`` print
through the canonical piecewise form (``\theta(x)`` hides the value at 0); named
activations print as ``\operatorname{Name}``; constants stay exact.
"""

from __future__ import annotations

import sympy

from symact.analysis.pieces import decompose
from symact.definition.activation import Activation, x

__all__ = ["PRINT_SETTINGS", "function_name", "printable", "to_latex"]

#: SymPy printer settings of every formula symact prints (LaTeX, MathML): ``arcsin``, not ``sin^{-1}``.
PRINT_SETTINGS = {"inv_trig_style": "full"}


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


def to_latex(act: Activation, derivative: int = 0, *, seconds: float | None = None) -> str:
    r"""``name(x) = formula`` for f (``derivative=0``) or its n-th derivative.

    The derivative is :meth:`Activation.derivative` under its budget (``seconds``,
    default ``analysis.DERIVATIVE_SECONDS``); past it
    :class:`~symact.core.budget.BudgetExceeded` is raised. Printing is SymPy's ``latex``.

    Examples:
        >>> import symact
        >>> print(to_latex(symact.get("relu")))
        \operatorname{ReLU}(x) = \max\left(0, x\right)
        >>> print(to_latex(symact.get("relu"), derivative=1))
        \operatorname{ReLU}'(x) = \begin{cases} 0 & \text{for}\: x \leq 0 \\1 & \text{otherwise} \end{cases}
        >>> print(to_latex(symact.get("binary_step")))
        \operatorname{step}(x) = \begin{cases} 0 & \text{for}\: x < 0 \\1 & \text{otherwise} \end{cases}
    """
    if not isinstance(act, Activation):
        raise TypeError(f"to_latex takes an Activation, got {type(act).__name__} {act!r:.60}")
    if isinstance(derivative, bool) or not isinstance(derivative, int) or derivative < 0:
        raise ValueError(f"derivative must be a non-negative integer, got {derivative!r}")
    expr = act.expr if derivative == 0 else act.derivative(derivative, seconds=seconds)
    primes = {0: "", 1: "'", 2: "''", 3: "'''"}.get(derivative, f"^{{({derivative})}}")
    return f"{function_name(act)}{primes}({sympy.latex(x)}) = {sympy.latex(printable(expr), **PRINT_SETTINGS)}"
