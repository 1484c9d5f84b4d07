"""The result of a proof attempt: :class:`ProofResult`, a verdict with its evidence.

The record is data. Its methods only re-check the evidence and write it up, by
calling modules *below* it, so no import cycle arises:

* :meth:`ProofResult.check` re-verifies the counterexample
  (:meth:`proofs.evidence.Counterexample.check`) or re-runs the argument
  (:func:`proofs.argument.check_argument`);
* :meth:`~ProofResult.text`, :meth:`~ProofResult.markdown` and
  :meth:`~ProofResult.latex` call :mod:`proofs.render`, which reads the record
  through a protocol;
* the Jupyter display hooks (``_repr_html_``, ``_repr_markdown_``) are the one
  upward import of the package, to :mod:`symact.report`, made lazily in
  :func:`_display` only.

The evidence records (:class:`Verdict`, :class:`Counterexample`,
:class:`LinearityArgument`, ...) live in :mod:`proofs.evidence` and are
re-exported here. ``proofs.Proof`` is another name for :class:`ProofResult`.

Examples:
    >>> import symact
    >>> from proofs import prove_linear
    >>> result = prove_linear(symact.get("relu"))
    >>> result.proved, result.disproved, result.check()
    (False, True, True)
    >>> print(result)
    relu: linearity disproved (a = 1, b = -1: 0 != 1)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sympy

from proofs.argument import check_argument
from proofs.evidence import PROPERTIES as PROPERTIES
from proofs.evidence import WITNESS_NAMES as WITNESS_NAMES
from proofs.evidence import Counterexample as Counterexample
from proofs.evidence import LinearityArgument as LinearityArgument
from proofs.evidence import Outcome, Written
from proofs.evidence import PieceStep as PieceStep
from proofs.evidence import PointStep as PointStep
from proofs.evidence import Verdict as Verdict
from proofs.evidence import finite_real as finite_real
from proofs.evidence import sides as sides
from proofs.render import render, render_latex

__all__ = [
    "PROPERTIES",
    "Counterexample",
    "LinearityArgument",
    "PieceStep",
    "PointStep",
    "ProofResult",
    "Verdict",
    "sides",
]


def _display(record: object, kind: str) -> str | None:
    """The Jupyter display of ``record`` (``kind`` ``"html"`` or ``"markdown"``).

    The one import of this package into :mod:`symact.report` (its display
    targets, :mod:`symact.report.display`): lazy, because the report layer sits
    above the proofs and imports them itself.
    """
    from symact.report import display

    return display.repr_html(record) if kind == "html" else display.repr_markdown(record)


@dataclass(frozen=True)
class ProofResult(Outcome, Written):
    """The outcome of proving or disproving one property of one function.

    Attributes:
        property: ``"additivity"``, ``"homogeneity"`` or ``"linearity"``.
        verdict: PROVED, DISPROVED or UNKNOWN.
        function: the expression of f, in ``var``.
        var: the real variable.
        name: a display name (the activation's name, or ``"f"``).
        counterexample: the witness, for DISPROVED.
        argument: the symbolic argument, for PROVED.
        reason: why the verdict is UNKNOWN (None otherwise).
        failed: for ``"linearity"`` DISPROVED, the property that failed.
        candidates: how many exact witness candidates were examined.
        seconds: wall-clock time of the attempt.
    """

    property: str
    verdict: Verdict
    function: sympy.Expr
    var: sympy.Symbol
    name: str = "f"
    counterexample: Counterexample | None = None
    argument: LinearityArgument | None = None
    reason: str | None = None
    failed: str | None = None
    candidates: int = 0
    seconds: float = field(default=0.0, compare=False)

    def check(self) -> bool:
        """Re-verify the evidence: the counterexample (DISPROVED) or the argument (PROVED)."""
        if self.verdict is Verdict.DISPROVED:
            ce = self.counterexample
            return ce is not None and ce.function == self.function and ce.check()
        if self.verdict is Verdict.PROVED:
            arg = self.argument
            return arg is not None and arg.function == self.function and check_argument(arg)
        return False

    def _write(self, fmt: str, standalone: bool = False) -> str:
        """The write-up (:func:`proofs.render.render`): ``text()``, ``markdown()``, ``latex()``."""
        return render_latex(self, standalone=standalone) if fmt == "latex" else render(self, fmt)

    def _repr_html_(self) -> str | None:
        return _display(self, "html")

    def _repr_markdown_(self) -> str | None:
        return _display(self, "markdown")

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready mapping; exact numbers are strings."""
        return {
            "name": self.name,
            "function": str(self.function),
            "variable": str(self.var),
            "property": self.property,
            "verdict": self.verdict.value,
            "failed": self.failed,
            "reason": self.reason,
            "counterexample": self.counterexample.to_dict() if self.counterexample else None,
            "argument": self.argument.to_dict() if self.argument else None,
            "candidates": self.candidates,
        }

    def __str__(self) -> str:
        head = f"{self.name}: {self.property} {self.verdict.value}"
        if self.counterexample is not None:
            ce = self.counterexample
            vals = ", ".join(f"{n} = {v}" for n, v in ce.values)
            head += f" ({vals}: {ce.lhs} != {ce.rhs})"
        elif self.argument is not None:
            head += f" (f(x) = {self.argument.slope * self.var})"
        elif self.reason:
            head += f" ({self.reason})"
        return head
