"""The ``Activation`` record: one exact symbolic definition of an activation.

Everything else symact knows about an activation (derivatives, limits, range,
properties, proofs, code) is *derived* from ``Activation.expr``; nothing is
stored here but the definition and descriptive metadata.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import TYPE_CHECKING, Any, cast

import sympy

from symact.core.budget import call
from symact.core.errors import DefinitionError

if TYPE_CHECKING:
    import symact

__all__ = ["Activation", "Framework", "Parameter", "VectorMethods", "exact_number", "x"]

#: The one real variable every activation is written in.
x: sympy.Symbol = sympy.Symbol("x", real=True)


def exact_number(value: Any, what: str = "value") -> sympy.Expr:
    """Convert ``value`` to an exact, real SymPy number.

    Integers, fractions, SymPy numbers and decimal strings are exact already. A
    Python float is read as the shortest decimal that prints it (``0.2`` is
    ``1/5``), which is the number its author typed.

    Examples:
        >>> exact_number(0.2), exact_number("1.0507"), exact_number(Fraction(1, 3))
        (1/5, 10507/10000, 1/3)
        >>> exact_number(float("nan"), "negative_slope")
        Traceback (most recent call last):
        ...
        symact.core.errors.DefinitionError: negative_slope must be a finite real number, got nan
    """
    if isinstance(value, bool):
        raise DefinitionError(f"{what} must be a real number, got {value!r}")
    try:
        if isinstance(value, sympy.Basic):
            num = value
        elif isinstance(value, float):
            num = sympy.Rational(repr(value)) if math.isfinite(value) else None
        elif isinstance(value, (int, Fraction, numbers.Rational)):
            num = (
                sympy.Rational(value.numerator, value.denominator)
                if isinstance(value, Fraction)
                else sympy.Integer(value)
            )
        elif isinstance(value, str):
            num = sympy.Rational(value.strip())
        else:
            num = None
    except (TypeError, ValueError):
        num = None
    if num is None or not isinstance(num, sympy.Expr) or num.free_symbols or num.has(sympy.Float):
        raise DefinitionError(f"{what} must be a finite real number, got {value!r}")
    if not (num.is_real and num.is_finite):
        raise DefinitionError(f"{what} must be a finite real number, got {value!r}")
    return num


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


@dataclass(frozen=True)
class Framework:
    """Where a framework ships the activation, and how it differs from symact.

    Attributes:
        framework: ``"pytorch"``, ``"jax"`` or ``"keras"``.
        api: the public name, e.g. ``"torch.nn.LeakyReLU"``.
        defaults: the framework's defaults, as text, e.g. ``"negative_slope=0.01"``.
        note: conventions worth knowing (derivative at kinks, approximations).
    """

    framework: str
    api: str
    defaults: str = ""
    note: str = ""


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
        object.__setattr__(self, "expr", expr)
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
    def derivative(self, n: int = 1, *, seconds: float | None = None) -> sympy.Expr:
        """The n-th derivative (see :func:`symact.derivative`; raises ``BudgetExceeded`` past ``seconds``)."""
        import symact

        return symact.derivative(self, n, seconds=seconds)

    def limit(self, point: Any, dir: str | None = None, *, seconds: float | None = None) -> Any:
        """A limit of f (see :func:`symact.limit`; ``Unknown`` past ``seconds``)."""
        import symact

        return symact.limit(self, point, dir, seconds=seconds)

    def output_range(self, *, seconds: float | None = None) -> Any:
        """The exact image of the reals (see :func:`symact.output_range`; ``Unknown`` past ``seconds``)."""
        import symact

        return symact.output_range(self, seconds=seconds)

    def properties(self, *, seconds: float | None = None) -> symact.analysis.properties.Properties:
        """The full property record (see :func:`symact.properties`; all ``Unknown`` past ``seconds``)."""
        import symact

        return symact.properties(self, seconds=seconds)

    def numpy(self, derivative: int = 0, *, seconds: float | None = None) -> Any:
        """A NumPy function generated from the symbols (see :func:`symact.to_numpy`).

        ``seconds`` bounds the whole build (default ``codegen.CODEGEN_SECONDS``);
        past it :class:`~symact.core.budget.BudgetExceeded` is raised.
        """
        import symact

        return symact.to_numpy(self, derivative=derivative, seconds=seconds)

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
