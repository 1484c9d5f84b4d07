r"""The LaTeX activation sheet: a complete document that compiles with plain ``pdflatex``.

Only packages of Debian's ``texlive-latex-base`` are used (amsmath, amssymb,
graphicx, longtable, array, geometry, hyperref), so the CI's LaTeX compiles it.
Plots are included as PDF files written next to the ``.tex`` file (see
:func:`symact.report.sheet.write`); the summary table is a ``longtable`` that breaks
across pages.

Examples:
    >>> Latex().text("x_1 → ∞ & 50%")
    'x\\_1 $\\to$ $\\infty$ \\& 50\\%'
    >>> Latex().text("--validate")
    '-{}-{}validate'
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sympy

from symact.core.unknown import Unknown
from symact.report.data import Sheet
from symact.report.latex import PRINT_SETTINGS, printable
from symact.report.layout import TEX_SPECIALS, Fmt

__all__ = ["PREAMBLE", "Latex"]


_SPECIAL = (
    *TEX_SPECIALS,
    ("<", r"\textless{}"),
    (">", r"\textgreater{}"),
    ("|", r"\textbar{}"),
    ("-", "-{}"),  # no en-dash ligature: --validate stays two hyphens
)
_UNICODE = {
    "→": r"$\to$",
    "−": "$-$",
    "∞": r"$\infty$",
    "′": "$'$",
    "″": "$''$",
    "…": r"\ldots{}",
    "–": "--",
    "—": "---",
    "σ": r"$\sigma$",
    "≤": r"$\leq$",
    "≥": r"$\geq$",
    "±": r"$\pm$",
    "∎": r"$\blacksquare$",
    "·": r"$\cdot$",
    "×": r"$\times$",
    "≠": r"$\neq$",
    "∈": r"$\in$",
    "ʹ": "'",
    "\u00a0": "~",
    "\u2009": r"\,",
    "\u202f": r"\,",
}

PREAMBLE = r"""\documentclass[10pt]{article}
\usepackage[T1]{fontenc}
\usepackage[a4paper,margin=1.6cm,landscape]{geometry}
\usepackage{amsmath}
\usepackage{amssymb}
\usepackage{graphicx}
\usepackage{array}
\usepackage{longtable}
\usepackage[hidelinks]{hyperref}
\setlength{\parindent}{0pt}
\setlength{\parskip}{0.5em}
\setcounter{MaxMatrixCols}{20}
\renewcommand{\arraystretch}{1.3}
\allowdisplaybreaks
\sloppy
"""


class Latex(Fmt):
    """LaTeX (pdflatex, texlive-latex-base only); see the module docstring."""

    name = "latex"
    suffix = ".tex"
    ellipsis = r"\ldots"

    def text(self, s: str) -> str:
        out = []
        for ch in s:
            rep = next((b for a, b in _SPECIAL if a == ch), None)
            if rep is None:
                rep = _UNICODE.get(ch, ch if ord(ch) < 128 else "?")
            out.append(rep)
        return "".join(out)

    def _math(self, expr: Any) -> str:
        e = sympy.sympify(expr, strict=True)
        if isinstance(e, sympy.Expr):
            e = printable(e)
        return "$" + sympy.latex(e, **PRINT_SETTINGS) + "$"

    def sup(self, base: str, exponent: str) -> str:
        exp = r"\infty" if exponent == "∞" else exponent
        return f"${base}^{{{exp}}}$"

    def strong(self, s: str) -> str:
        return rf"\textbf{{{s}}}"

    def heading(self, level: int, s: str, anchor: str | None = None) -> str:
        cmd = {1: "section*", 2: "subsection*", 3: "subsubsection*"}.get(level, "paragraph*")
        if level == 1:
            return rf"\begin{{center}}{{\LARGE\bfseries {s}}}\end{{center}}"
        label = rf"\hypertarget{{{_target(anchor)}}}{{}}" if anchor else ""
        if level == 2 and anchor and anchor != "summary":
            return rf"\clearpage{label}\{cmd}{{{s}}}"
        return rf"{label}\{cmd}{{{s}}}"

    def para(self, s: str) -> str:
        return s

    def table(self, header: Sequence[str], rows: Sequence[Sequence[str]], wide: bool = False) -> str:
        n = len(header)
        if wide:
            widths = [2.3, 5.4, 5.4, 3.0, 1.9, 1.6, 1.6, 1.9][:n]
            spec = "".join(f">{{\\raggedright\\arraybackslash}}p{{{w}cm}}" for w in widths)
            size = r"\scriptsize"
        else:
            total = 22.5 - 0.45 * n
            first = min(4.5, total / n)
            rest = (total - first) / max(n - 1, 1)
            spec = f">{{\\raggedright\\arraybackslash}}p{{{first:.1f}cm}}" + "".join(
                f">{{\\raggedright\\arraybackslash}}p{{{rest:.1f}cm}}" for _ in range(n - 1)
            )
            size = r"\small" if n <= 4 else r"\footnotesize"
        head = " & ".join(rf"\textbf{{{self.text(h)}}}" for h in header) + r" \\ \hline"
        body = "\n".join(" & ".join(r) + r" \\ \hline" for r in rows)
        return (
            f"{{{size}\n\\begin{{longtable}}{{|{'|'.join(_split(spec))}|}}\n\\hline\n{head}\n\\endhead\n{body}\n"
            "\\end{longtable}}"
        )

    def formulas(self, lines: Sequence[tuple[str, Any, str]]) -> str:
        body = " \\\\\n".join(f"{left} &= {tex}" for left, _, tex in lines)
        return "\\begin{align*}\n" + body + "\n\\end{align*}"

    def figure(self, sh: Sheet) -> str:
        if isinstance(sh.plots, Unknown):
            return self.text("Plot: " + str(sh.plots))
        return super().figure(sh)

    def include(self, sh: Sheet, path: str) -> str:
        return f"\\begin{{center}}\n\\includegraphics[width=0.8\\linewidth]{{{path}}}\n\\end{{center}}"

    def proof(self, sh: Sheet) -> str:
        if isinstance(sh.proof, Unknown):
            return self.text(str(sh.proof))
        return sh.proof.latex()

    def link(self, s: str, anchor: str) -> str:
        return rf"\hyperlink{{{_target(anchor)}}}{{{s}}}"

    def notes(self, items: Sequence[str], prefix: str | None = None) -> str:
        return "\\begin{enumerate}\n" + "\n".join(rf"\item {n}" for n in items) + "\n\\end{enumerate}"

    def unknown_ref(self, n: int) -> str:
        return f"unknown [{n}]"

    def document(self, title: str, blocks: Sequence[str]) -> str:
        return PREAMBLE + f"\\title{{{title}}}\n\\begin{{document}}\n" + "\n\n".join(blocks) + "\n\\end{document}\n"


def _target(anchor: str) -> str:
    return "act:" + "".join(ch if ch.isalnum() else "-" for ch in anchor)


def _split(spec: str) -> list[str]:
    """The column specs of ``>{...}p{...}`` runs, one per column."""
    parts = spec.split(">")[1:]
    return [">" + p for p in parts]
