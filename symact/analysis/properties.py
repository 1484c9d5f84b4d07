"""The property record: every derived fact about one activation, in one frozen record.

Conventions for every field:

* a value (a SymPy number, set, string or bool) is a proved fact;
* ``None`` means "does not exist" (no limit, f not differentiable at 0, no minimum);
* an :class:`~symact.Unknown` means symact could not decide, with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, Literal, TypeAlias

import sympy

from symact.core.unknown import Unknown

__all__ = ["Extremum", "Properties", "Trend", "Value", "display"]

#: An exact value that may not exist (``None``) or may be undecided.
Value: TypeAlias = sympy.Expr | None | Unknown
#: The monotonicity vocabulary: ``"increasing"``, ..., ``"constant"``, or ``False`` (not monotone).
Trend: TypeAlias = str | Literal[False] | Unknown


@dataclass(frozen=True)
class Extremum:
    """The infimum or supremum of f over the reals.

    Attributes:
        value: the exact value, or a ``sympy.Float`` whose printed digits are
            certified (by interval arithmetic) where no closed form is known.
        attained: whether some real x has f(x) = value (a minimum, not just an infimum).
        at: the set of x where it is attained (``EmptySet`` when not attained).
        enclosure: for a certified non-closed-form value, the rational bounds
            ``(lo, hi)`` that provably contain it; ``None`` when ``value`` is exact.
    """

    value: sympy.Expr
    attained: bool
    at: sympy.Set
    enclosure: tuple[sympy.Rational, sympy.Rational] | None = None


@dataclass(frozen=True)
class Properties:
    """Everything symact derives about an activation f: R -> R.

    Attributes:
        name: the activation's name.
        range: the exact image f(R) as a SymPy set (ends open or closed as attained).
        limit_neg_inf: lim f(x) as x -> -oo (``oo``/``-oo`` allowed; ``None`` if no limit).
        limit_pos_inf: lim f(x) as x -> +oo.
        value_at_zero: f(0).
        derivative_at_zero: f'(0), or ``None`` where f is not differentiable at 0.
        one_sided_derivatives_at_zero: ``(f'_-(0), f'_+(0))``, each ``None`` if it does not exist.
        continuity: ``"discontinuous"``, ``"C0"``, ``"C1"``, ..., or ``"Cinf"``: the largest
            k with f in C^k(R).
        monotonic: ``"increasing"`` (strictly), ``"non-decreasing"``, ``"decreasing"``,
            ``"non-increasing"``, ``"constant"``, or ``False`` (not monotone).
        derivative_monotonic: the same vocabulary for f' on the set where f is differentiable.
        bounded: whether f(R) is bounded above and below.
        parity: ``"odd"``, ``"even"`` or ``"neither"``.
        identity_near_origin: f(0) = 0, f'(0) = 1 and f' continuous at 0.
        minimum: the infimum as an :class:`Extremum`, or ``None`` if f is unbounded below.
        maximum: the supremum as an :class:`Extremum`, or ``None`` if f is unbounded above.
        zero_gradient_set: the union of the open intervals on which f' = 0 (the "dying"
            region; isolated zeros of f' are not included).
        saturates: ``(at -oo, at +oo)``: whether f'(x) -> 0 there (vanishing gradients).
    """

    name: str
    range: sympy.Set | Unknown
    limit_neg_inf: Value
    limit_pos_inf: Value
    value_at_zero: sympy.Expr | Unknown
    derivative_at_zero: Value
    one_sided_derivatives_at_zero: tuple[Value, Value] | Unknown
    continuity: str | Unknown
    monotonic: Trend
    derivative_monotonic: Trend
    bounded: bool | Unknown
    parity: str | Unknown
    identity_near_origin: bool | Unknown
    minimum: Extremum | None | Unknown
    maximum: Extremum | None | Unknown
    zero_gradient_set: sympy.Set | Unknown
    saturates: tuple[bool | Unknown, bool | Unknown] | Unknown

    def as_dict(self) -> dict[str, Any]:
        """The fields by name, in declaration order (values unchanged)."""
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def unknowns(self) -> dict[str, Unknown]:
        """The fields symact could not decide, with their reasons."""
        return {k: v for k, v in self.as_dict().items() if isinstance(v, Unknown)}

    def _repr_html_(self) -> str | None:
        return display(self, "html")

    def _repr_markdown_(self) -> str | None:
        return display(self, "markdown")


def display(record: Any, fmt: Literal["html", "markdown"]) -> str | None:
    """The Jupyter display (``_repr_html_``, ``_repr_markdown_``) of a record of the analysis layer:
    the property record and the Gaussian-input records (:mod:`symact.analysis.gaussian`). This is the
    layer's one upward import, to :mod:`symact.report.display` (pyproject.toml's exemption 2), made on use.

    Examples:
        >>> import symact
        >>> print(display(symact.get("relu").properties(), "markdown").splitlines()[0])
        **relu**
    """
    from symact.report.display import repr_html, repr_markdown

    return repr_html(record) if fmt == "html" else repr_markdown(record)
