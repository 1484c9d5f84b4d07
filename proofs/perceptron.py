"""The perceptron: a step neuron, its exhaustive truth table, and the OR-of-AND theorem.

A step neuron with weights w and threshold t outputs step(w . x - t) on Boolean
inputs x, where step is the catalog's ``binary_step`` (Heaviside with
H(0) = 1, so the neuron fires when w . x >= t). Verifying that it computes a
Boolean function is a finite check: all 2^n inputs, in exact integer
arithmetic.

Examples:
    >>> result = or_of_and()
    >>> result.verdict
    <Verdict.PROVED: 'proved'>
    >>> print(result.table())
    x1 x2 x3 | 4*x1 + 2*x2 + 2*x3 | step(sum - 3) | x1 OR (x2 AND x3)
     0  0  0 |                  0 |             0 |                 0
     0  0  1 |                  2 |             0 |                 0
     0  1  0 |                  2 |             0 |                 0
     0  1  1 |                  4 |             1 |                 1
     1  0  0 |                  4 |             1 |                 1
     1  0  1 |                  6 |             1 |                 1
     1  1  0 |                  6 |             1 |                 1
     1  1  1 |                  8 |             1 |                 1
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import sympy

from proofs.evidence import Verdict
from symact.definition import registry
from symact.definition.activation import exact_number, x

__all__ = ["NeuronTable", "or_of_and", "step_neuron", "truth_table", "verify_neuron"]


def _step() -> sympy.Expr:
    return registry.get("binary_step").expr


def step_neuron(weights: Sequence[Any], threshold: Any) -> Callable[[Sequence[int]], int]:
    """The neuron x -> step(w . x - threshold) as an exact function of 0/1 inputs.

    Examples:
        >>> neuron = step_neuron([4, 2, 2], 3)
        >>> neuron([0, 1, 1]), neuron([0, 0, 1])
        (1, 0)
    """
    w = [exact_number(v, "weight") for v in weights]
    t = exact_number(threshold, "threshold")
    step = _step()

    def neuron(inputs: Sequence[int]) -> int:
        if len(inputs) != len(w):
            raise ValueError(f"expected {len(w)} inputs, got {len(inputs)}")
        total = sum((wi * int(xi) for wi, xi in zip(w, inputs)), sympy.S.Zero)
        out = step.subs(x, total - t)
        if out not in (0, 1):  # pragma: no cover - binary_step is 0/1 off and at 0
            raise ValueError(f"the step returned {out}")
        return int(out)

    return neuron


def truth_table(weights: Sequence[Any], threshold: Any) -> tuple[tuple[tuple[int, ...], sympy.Expr, int], ...]:
    """Every 0/1 input with its exact weighted sum and the neuron's output."""
    w = [exact_number(v, "weight") for v in weights]
    neuron = step_neuron(weights, threshold)
    rows = []
    for inputs in itertools.product((0, 1), repeat=len(w)):
        total = sum((wi * xi for wi, xi in zip(w, inputs)), sympy.S.Zero)
        rows.append((inputs, total, neuron(inputs)))
    return tuple(rows)


@dataclass(frozen=True)
class NeuronTable:
    """The outcome of checking a step neuron against a Boolean function on all inputs.

    Attributes:
        weights, threshold: the neuron (exact).
        target: the Boolean function, as text (e.g. ``"x1 OR (x2 AND x3)"``).
        rows: ``(inputs, weighted sum, neuron output, target output)`` for all 2^n inputs.
        verdict: PROVED when every row agrees, DISPROVED otherwise.
        mismatches: the inputs where they differ (the counterexamples).
    """

    weights: tuple[sympy.Expr, ...]
    threshold: sympy.Expr
    target: str
    rows: tuple[tuple[tuple[int, ...], sympy.Expr, int, int], ...]
    verdict: Verdict
    mismatches: tuple[tuple[int, ...], ...]

    def check(self) -> bool:
        """Recompute every row from the weights and threshold (the target column is as recorded)."""
        table = truth_table(self.weights, self.threshold)
        if [(i, s, o) for i, s, o, _ in self.rows] != list(table):
            return False
        bad = tuple(i for i, _, o, want in self.rows if o != want)
        return bad == self.mismatches and (self.verdict is Verdict.PROVED) == (not bad)

    def sum_text(self) -> str:
        terms = []
        for i, w in enumerate(self.weights, start=1):
            terms.append(f"x{i}" if w == 1 else f"{w}*x{i}")
        return " + ".join(terms)

    def table(self) -> str:
        """The truth table as fixed-width text."""
        n = len(self.weights)
        heads = [f"x{i}" for i in range(1, n + 1)]
        sum_head, out_head = self.sum_text(), f"step(sum - {self.threshold})"
        lines = [" ".join(heads) + f" | {sum_head} | {out_head} | {self.target}"]
        widths = [len(h) for h in heads]
        for inputs, total, out, want in self.rows:
            cells = " ".join(str(v).rjust(wd) for v, wd in zip(inputs, widths))
            lines.append(
                f"{cells} | {str(total).rjust(len(sum_head))} | {str(out).rjust(len(out_head))} | {str(want).rjust(len(self.target))}"
            )
        return "\n".join(lines)

    def text(self) -> str:
        """Theorem, definition, the exhaustive table, conclusion."""
        claim = "computes" if self.verdict is Verdict.PROVED else "does not compute"
        head = (
            f"Theorem. The step neuron with weights {', '.join(map(str, self.weights))} and threshold {self.threshold} "
            f"{claim} {self.target}.\n\n"
            f"Definition. The neuron outputs step({self.sum_text()} - {self.threshold}), where step(s) = 1 for s >= 0 "
            f"and 0 for s < 0 (Heaviside with H(0) = 1), on inputs in {{0, 1}}.\n\n"
            f"Proof. There are {len(self.rows)} inputs; all of them, computed exactly:\n\n{self.table()}\n\n"
        )
        if self.verdict is Verdict.PROVED:
            return head + f"The last two columns agree on every row, so the neuron computes {self.target}. QED"
        bad = ", ".join("(" + ", ".join(map(str, i)) + ")" for i in self.mismatches)
        return head + f"The columns differ at {bad}. QED"

    def markdown(self) -> str:
        """The same, with the table as a Markdown table."""
        n = len(self.weights)
        header = (
            "| "
            + " | ".join(
                [
                    *(f"x{i}" for i in range(1, n + 1)),
                    f"`{self.sum_text()}`",
                    f"step(sum - {self.threshold})",
                    self.target,
                ]
            )
            + " |"
        )
        rule = "|" + "---|" * (n + 3)
        body = ["| " + " | ".join([*map(str, i), str(s), str(o), str(w)]) + " |" for i, s, o, w in self.rows]
        verdict = "computes" if self.verdict is Verdict.PROVED else "does not compute"
        return (
            f"**Theorem.** The step neuron with weights {', '.join(map(str, self.weights))} and threshold {self.threshold} {verdict} {self.target}.\n\n"
            + "\n".join([header, rule, *body])
        )

    def latex(self) -> str:
        """The table as a LaTeX ``tabular`` with the theorem above it."""
        n = len(self.weights)
        cols = "c" * n + "|c|c|c"
        head = " & ".join([*(f"$x_{i}$" for i in range(1, n + 1)), r"$\sum$", "out", "target"]) + r" \\ \hline"
        body = " \\\\\n".join(" & ".join([*map(str, i), str(s), str(o), str(w)]) for i, s, o, w in self.rows)
        verdict = "computes" if self.verdict is Verdict.PROVED else "does not compute"
        target = self.target.replace("OR", r"$\lor$").replace("AND", r"$\land$")
        return (
            f"\\textbf{{Theorem.}} The step neuron with weights {', '.join(map(str, self.weights))} and threshold {self.threshold} "
            f"{verdict} {target}.\n\n\\begin{{tabular}}{{{cols}}}\n{head}\n{body}\n\\end{{tabular}}"
        )

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready mapping."""
        return {
            "weights": [str(w) for w in self.weights],
            "threshold": str(self.threshold),
            "target": self.target,
            "verdict": self.verdict.value,
            "rows": [{"inputs": list(i), "sum": str(s), "output": o, "target": w} for i, s, o, w in self.rows],
            "mismatches": [list(i) for i in self.mismatches],
        }


def verify_neuron(
    weights: Sequence[Any], threshold: Any, target: Callable[..., bool] | sympy.Basic, description: str | None = None
) -> NeuronTable:
    """Check a step neuron against a Boolean function on every 0/1 input.

    ``target`` is a Python function of n Booleans, or a SymPy Boolean expression
    in the symbols ``x1, ..., xn``.
    """
    w = tuple(exact_number(v, "weight") for v in weights)
    t = exact_number(threshold, "threshold")
    fn: Callable[..., bool]
    if isinstance(target, sympy.Basic):
        symbols = [sympy.Symbol(f"x{i}") for i in range(1, len(w) + 1)]
        expr = target

        def evaluate(*bits: bool) -> bool:
            return bool(expr.xreplace({s: sympy.true if b else sympy.false for s, b in zip(symbols, bits)}))

        fn = evaluate
        label = description or str(target).replace("|", "OR").replace("&", "AND")
    else:
        fn = target
        label = description or str(getattr(target, "__name__", "target"))
    rows = []
    for inputs, total, out in truth_table(w, t):
        rows.append((inputs, total, out, int(bool(fn(*map(bool, inputs))))))
    mismatches = tuple(i for i, _, o, want in rows if o != want)
    return NeuronTable(w, t, label, tuple(rows), Verdict.DISPROVED if mismatches else Verdict.PROVED, mismatches)


def or_of_and() -> NeuronTable:
    """The classic: weights 4, 2, 2 and threshold 3 compute x1 OR (x2 AND x3)."""
    return verify_neuron((4, 2, 2), 3, lambda x1, x2, x3: x1 or (x2 and x3), "x1 OR (x2 AND x3)")
