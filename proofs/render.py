r"""Write a :class:`~proofs.verdict.ProofResult` up like a textbook proof.

Each write-up has the same shape in every format: the claim, the definition,
the function, the chosen values with both sides computed exactly (or the
piece-by-piece argument), and the conclusion. ``latex(standalone=True)`` is a
complete document that compiles with plain ``pdflatex`` (``amsmath`` only).

:func:`render` and :func:`render_latex` are what ``ProofResult.text()``,
``.markdown()`` and ``.latex()`` call. This module sits *below* the result
record so that the record can call it without an import cycle: at run time it
imports only the evidence records (:mod:`proofs.evidence`) and the typography
(:mod:`proofs.typeset`); the result record is imported for the type checker only.

Examples:
    >>> import symact, proofs
    >>> print(proofs.prove_linear(symact.get("relu")).text())
    Theorem. relu is not linear.
    <BLANKLINE>
    Definition. A function f: R -> R is additive when f(a + b) = f(a) + f(b) for all real a, b; homogeneous when f(c a) = c f(a) for all real c, a; linear when it is both.
    <BLANKLINE>
    Here f(x) = Max(0, x).
    <BLANKLINE>
    Proof. It suffices to show that f is not additive. Take a = 1 and b = -1. Computing exactly:
        f(a + b) = f(0) = 0
        f(a) = f(1) = 1
        f(b) = f(-1) = 0
        f(a) + f(b) = 1 + 0 = 1
    So f(a + b) = 0 while f(a) + f(b) = 1, and f(a + b) - (f(a) + f(b)) = -1 != 0 (exact rational arithmetic). The equation f(a + b) = f(a) + f(b) fails at a = 1, b = -1, so f is not additive, hence not linear. QED
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import sympy

from proofs.evidence import Counterexample, LinearityArgument, Verdict
from proofs.typeset import Fmt, latex_document

if TYPE_CHECKING:  # for the annotations only: at run time the record imports this module
    from proofs.verdict import ProofResult as Result

__all__ = ["render", "render_latex"]


_DEFINITION = {
    "additivity": ("additive", "f(a + b) = f(a) + f(b) for all real a, b"),
    "homogeneity": ("homogeneous", "f(c a) = c f(a) for all real c, a"),
}
_EQUATION = {"additivity": ("f(a + b)", "f(a) + f(b)"), "homogeneity": ("f(c a)", "c f(a)")}


def _claim(result: Result, fm: Fmt) -> str:
    name = fm.t(result.name) if result.name != "f" else "f"
    adjective = {"additivity": "additive", "homogeneity": "homogeneous", "linearity": "linear"}[result.property]
    if result.verdict is Verdict.PROVED:
        return f"{fm.label('Theorem')} {name} is {adjective}."
    if result.verdict is Verdict.DISPROVED:
        return f"{fm.label('Theorem')} {name} is not {adjective}."
    return f"{fm.label('Open question')} Is {name} {adjective}? No verdict was reached."


def _definition(result: Result, fm: Fmt) -> str:
    if result.property == "linearity":
        signature = r"$f\colon \mathbb{R} \to \mathbb{R}$" if fm.kind == "latex" else fm.f("f: R -> R")
        body = (
            f"A function {signature} is additive when "
            f"{fm.f('f(a + b) = f(a) + f(b)')} for all real {fm.f('a, b')}; homogeneous when {fm.f('f(c a) = c f(a)')} "
            f"for all real {fm.f('c, a')}; linear when it is both."
        )
    else:
        adjective, equation = _DEFINITION[result.property]
        eq, quant = equation.split(" for all real ")
        body = f"A function {fm.f('f')} is {adjective} when {fm.f(eq)} for all real {fm.f(quant)}."
    return f"{fm.label('Definition')} {body}"


def _disproof(result: Result, ce: Counterexample, fm: Fmt) -> str:
    prop = ce.property
    (n1, v1), (n2, v2) = ce.values
    lhs_label, rhs_label = _EQUATION[prop]
    intro = ""
    if result.property == "linearity":
        intro = f"It suffices to show that {fm.f('f')} is not {_DEFINITION[prop][0]}. "
    rows: list[list[str]] = []
    for label, point, value in ce.terms:
        rows.append([fm.rawf(f"f({label})"), fm.rawf(f"f({fm.raw(point)})"), fm.raw(value)])
    values = {label: value for label, _, value in ce.terms}
    if prop == "additivity":
        rows.append([fm.rawf("f(a) + f(b)"), fm.raw(values["a"]) + " + " + fm.paren(values["b"]), fm.raw(ce.rhs)])
    else:
        rows.append(
            [
                fm.rawf("c f(a)"),
                fm.paren(v1) + fm.times() + fm.paren(values["a"]),
                fm.raw(ce.rhs),
            ]
        )
    rows = [_dedupe(r) for r in rows]
    if ce.enclosure is None:
        why = "exact rational arithmetic"
    else:
        lo, hi, bits = ce.enclosure
        why = f"{bits}-bit interval arithmetic encloses it in {fm.box(lo, hi)}, an interval that excludes 0"
    diff = fm.f(f"{lhs_label} - ({rhs_label}) = {fm.raw(ce.difference)} != 0")
    where = f"{fm.eq(n1, v1)}, {fm.eq(n2, v2)}"
    conclusion = f"so {fm.f('f')} is not {_DEFINITION[prop][0]}"
    if result.property == "linearity":
        conclusion += ", hence not linear"
    take = f"Take {fm.eq(n1, v1)} and {fm.eq(n2, v2)}. Computing exactly:"
    return (
        f"{fm.label('Proof')} {intro}{take}\n{fm.rows(rows)}\n"
        f"So {fm.eq(lhs_label, ce.lhs)} while {fm.eq(rhs_label, ce.rhs)}, and {diff} ({why}). "
        f"The equation {fm.f(f'{lhs_label} = {rhs_label}')} fails at {where}, {conclusion}. {fm.qed()}"
    )


def _dedupe(row: list[str]) -> list[str]:
    out: list[str] = []
    for term in row:
        if not out or out[-1] != term:
            out.append(term)
    return out


def _interval(fm: Fmt, lo: sympy.Expr, hi: sympy.Expr) -> str:
    if fm.kind == "latex":
        return f"$({sympy.latex(lo)}, {sympy.latex(hi)})$"
    return fm.f(f"({sympy.sstr(lo)}, {sympy.sstr(hi)})")


def _times(fm: Fmt, m: sympy.Expr, term: str) -> str:
    """``m term`` as a product, with m in parentheses when needed."""
    return f"{fm.paren(m)}{fm.times()}{term}"


def _proof(result: Result, arg: LinearityArgument, fm: Fmt) -> str:
    m = arg.slope
    x = fm.raw(arg.var)
    opening = f"{fm.label('Proof')} Let {fm.f('m = f(1)')}; evaluating exactly, {fm.eq('m', arg.slope_as_evaluated)}"
    if arg.slope != arg.slope_as_evaluated:
        opening += f", and {fm.eq('m', m)} ({fm.t(arg.slope_method)})"
    opening += f". Let {fm.f('r(x) = f(x) - m x')}. We show that {fm.f('r(x) = 0')} for every real {fm.f('x')}."
    parts = [opening]
    if arg.breakpoints:
        bps = ", ".join(fm.m(b) for b in arg.breakpoints)
        parts.append(
            f"The formula of {fm.f('f')} can switch only at {fm.f('x')} = {bps}; between these points it is one switching-free formula."
        )
    else:
        parts.append(f"The formula of {fm.f('f')} does not switch anywhere on the real line.")
    for step in arg.pieces:
        r = f"{fm.raw(step.piece)} - {_times(fm, m, x)}"
        parts.append(
            f"On {_interval(fm, step.lo, step.hi)}, {fm.eq('f(x)', step.piece)}, which is defined on the whole interval, "
            f"and {fm.f(f'r(x) = {r} = 0')} ({fm.t(step.method)})."
        )
    for pt in arg.points:
        r = f"{fm.raw(pt.value)} - {_times(fm, m, fm.paren(pt.point))}"
        parts.append(
            f"At {fm.eq('x', pt.point)}: {fm.eq('f(x)', pt.value)}, and {fm.f(f'r(x) = {r} = 0')} ({fm.t(pt.method)})."
        )
    parts.append(f"Hence {fm.f('f(x) = m x = ' + fm.raw(m * arg.var))} for every real {fm.f('x')}.")
    rows = []
    if result.property in ("additivity", "linearity"):
        rows.append(["f(a + b) - f(a) - f(b)", "m(a + b) - m a - m b", "0"])
    if result.property in ("homogeneity", "linearity"):
        rows.append(["f(c a) - c f(a)", "m(c a) - c(m a)", "0"])
    adjective = {
        "additivity": "additive",
        "homogeneity": "homogeneous",
        "linearity": "additive and homogeneous, that is, linear",
    }[result.property]
    closing = f"Therefore, for all real {fm.f('a, b, c')}, expanding the products:"
    return " ".join(parts) + f"\n{closing}\n" + fm.rows(rows) + f"\nSo {fm.f('f')} is {adjective}. {fm.qed()}"


def _unknown(result: Result, fm: Fmt) -> str:
    return (
        f"{fm.label('Status')} Undecided: {fm.code(result.reason or '')}. "
        f"Neither a proof nor a counterexample was established, so nothing is claimed."
    )


def _body(result: Result, fm: Fmt) -> list[str]:
    blocks = [_claim(result, fm), _definition(result, fm), f"Here {fm.eq('f(x)', result.function)}."]
    if result.verdict is Verdict.DISPROVED and result.counterexample is not None:
        blocks.append(_disproof(result, result.counterexample, fm))
    elif result.verdict is Verdict.PROVED and result.argument is not None:
        blocks.append(_proof(result, result.argument, fm))
    else:
        blocks.append(_unknown(result, fm))
    return blocks


def render(result: Result, kind: str = "text") -> str:
    """The write-up in ``"text"`` or ``"markdown"``."""
    if kind not in ("text", "markdown"):
        raise ValueError(f"unknown format {kind!r}")
    fm = Fmt(kind)
    blocks = _body(result, fm)
    if kind == "markdown":
        blocks.insert(0, f"### {result.name}: {result.property} {result.verdict.value}")
    return "\n\n".join(blocks)


def render_latex(result: Result, standalone: bool = False) -> str:
    """The write-up in LaTeX (``amsmath``); a complete document when ``standalone``."""
    fm = Fmt("latex")
    body = "\n\n".join(_body(result, fm))
    return latex_document(body) if standalone else body
