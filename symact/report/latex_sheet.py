r"""The LaTeX activation sheet: a complete document that compiles with plain ``pdflatex``.

Only packages of Debian's ``texlive-latex-base`` are used (amsmath, amssymb,
graphicx, longtable, array, geometry, hyperref), so the CI's LaTeX compiles it.
The fonts are vector fonts: Latin Modern (T1) where ``lmodern.sty`` is installed
(Debian's ``lmodern``), else Computer Modern in Type 1 (``texlive-latex-base``),
never bitmap fonts. Plots are included as PDF files written next to the ``.tex`` file
(see :func:`symact.report.sheet.write`); the summary table is a ``longtable`` that
breaks across pages.

Everything fits the page: a formula or value wider than its column or line is scaled
down to it (``\symactfit``, measured by TeX); a summary formula that would have to
shrink below two thirds links to its section instead; displayed formulas are cut
between the terms of a sum; long numbers are cut to 16 digits with their exact value
in a footnote, and digit runs in text may break.

Examples:
    >>> Latex().text("x_1 → ∞ & 50%")
    'x\\_1 $\\to$ $\\infty$ \\& 50\\%'
    >>> Latex().text("--validate")
    '-{}-{}validate'
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import sympy

from symact.core.unknown import Unknown
from symact.report.data import Sheet
from symact.report.latex import PRINT_SETTINGS, printable
from symact.report.layout import TEX_SPECIALS, Fmt, cut_numbers, formula_lines

#: How wide (em, by :func:`~symact.report.layout.display_width`) a line of a displayed formula may be.
DISPLAY_EM = 58.0

__all__ = ["DISPLAY_EM", "PREAMBLE", "Latex", "fit_math"]


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
    "²": r"$^2$",
    "√": r"$\surd$",
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
\IfFileExists{lmodern.sty}{\usepackage[T1]{fontenc}\usepackage{lmodern}}{}
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
\newsavebox{\symactbox}
% \symactfit{W}{X}: X at its natural size, or scaled down to the width W if it is wider
\newcommand{\symactfit}[2]{\sbox{\symactbox}{#2}%
\ifdim\wd\symactbox>#1\relax\resizebox{#1}{!}{\usebox{\symactbox}}\else\usebox{\symactbox}\fi}
% \symactcell{X}{Y}: X fitted to the line, or Y where X would have to shrink below 2/3
\newcommand{\symactcell}[2]{\sbox{\symactbox}{#1}%
\ifdim\wd\symactbox>1.5\linewidth\relax #2\else\symactfit{\linewidth}{\usebox{\symactbox}}\fi}
"""


class Latex(Fmt):
    """LaTeX (pdflatex, texlive-latex-base only); see the module docstring."""

    name = "latex"
    suffix = ".tex"
    ellipsis = r"\ldots"
    cut_long = True

    def text(self, s: str) -> str:
        out = []
        run = 0  # digits in a row: a long number may break after every tenth
        for ch in s:
            rep = next((b for a, b in _SPECIAL if a == ch), None)
            if rep is None:
                rep = _UNICODE.get(ch, ch if ord(ch) < 128 else "?")
            run = run + 1 if ch.isdigit() else 0
            out.append(rep + (r"\allowbreak{}" if run and run % 10 == 0 else ""))
        return "".join(out)

    def _math(self, expr: Any) -> str:
        e = sympy.sympify(expr, strict=True)
        if isinstance(e, sympy.Expr):
            e = printable(e)
        return "$" + sympy.latex(e, **PRINT_SETTINGS) + "$"

    def box(self, math: str) -> str:
        # room for a footnote mark after it
        return rf"\symactfit{{\dimexpr\linewidth-1.2em\relax}}{{{math}}}"

    def exact_hint(self, shown: str, expr: Any) -> str:
        """The math with long numbers cut, its exact value in a footnote (scaled down to what the line
        leaves after "Exact:", where it is wider)."""
        return shown + r"\footnote{Exact: \symactfit{\dimexpr\linewidth-6em\relax}{" + self._math(expr) + "}}"

    def formula_cell(self, expr: Any, anchor: str) -> str:
        plain = Latex(self.plot_path)
        plain.box = lambda math: math  # type: ignore[method-assign]
        inner = plain.math(expr)
        hint = ""
        if r"\footnote{" in inner:
            inner, hint = inner.split(r"\footnote{", 1)
            hint = r"\footnote{" + hint
        link = self.link(self.text("too long: see its section"), anchor)
        return rf"\symactcell{{{inner}}}{{{link}}}" + hint

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
            widths = [2.3, 5.3, 5.3, 3.0, 1.9, 1.6, 1.6, 2.0][:n]
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
        """The formulas in an ``align*``, a long sum cut between its terms into lines, each line
        scaled down if still wider than the page; long numbers cut, their exact values below."""
        rows: list[str] = []
        exact: dict[Any, str] = {}
        for left, e, tex in lines:
            if isinstance(e, Unknown) or not isinstance(e, sympy.Expr):
                rows.append(f"{left} &= {tex}")
                continue
            for i, line in enumerate(formula_lines(printable(e), DISPLAY_EM)):
                subs = cut_numbers(line, self.ellipsis, rationals=True)
                body = sympy.latex(
                    line.xreplace({n: rep for n, (rep, _, _) in subs.items()}), order="none", **PRINT_SETTINGS
                )
                for number, (_, name, text) in subs.items():
                    body = body.replace(name, text)
                    exact.setdefault(number, text)
                fitted = rf"\symactfit{{\dimexpr\linewidth-12em\relax}}{{$\displaystyle {body}$}}"
                if i == 0:
                    rows.append(f"{left} &= {fitted}")
                else:
                    rows.append(("&\\quad " if body.startswith("-") else "&\\quad + ") + fitted)
        out = "\\begin{align*}\n" + " \\\\\n".join(rows) + "\n\\end{align*}"
        if exact:
            notes = "; ".join(f"${text} = $ " + self.box(self._math(number)) for number, text in exact.items())
            out += "\n{\\footnotesize " + self.text("Exact values of the shortened numbers: ") + notes + ".}"
        return out

    def figure(self, sh: Sheet, kind: str = "plot") -> str:
        if kind == "plot" and isinstance(sh.plots, Unknown):
            return self.text("Plot: " + str(sh.plots))
        return super().figure(sh, kind)

    def include(self, sh: Sheet, path: str, kind: str = "plot") -> str:
        width = "0.8" if kind == "plot" else "0.55"  # the phase diagram is a smaller figure (4.6 by 3.6 in)
        return f"\\begin{{center}}\n\\includegraphics[width={width}\\linewidth]{{{path}}}\n\\end{{center}}"

    def proof(self, sh: Sheet) -> str:
        if isinstance(sh.proof, Unknown):
            return self.text(str(sh.proof))
        return fit_math(sh.proof.latex())

    def link(self, s: str, anchor: str) -> str:
        return rf"\hyperlink{{{_target(anchor)}}}{{{s}}}"

    def notes(self, items: Sequence[str], prefix: str | None = None) -> str:
        return "\\begin{enumerate}\n" + "\n".join(rf"\item {n}" for n in items) + "\n\\end{enumerate}"

    def unknown_ref(self, n: int) -> str:
        return f"unknown [{n}]"

    def document(self, title: str, blocks: Sequence[str]) -> str:
        return PREAMBLE + f"\\title{{{title}}}\n\\begin{{document}}\n" + "\n\n".join(blocks) + "\n\\end{document}\n"


_ALIGN = re.compile(r"(\\begin\{align\*\}\n)(.*?)(\n\\end\{align\*\})", re.DOTALL)
_INLINE = re.compile(r"(?<!\\)\$(.+?)(?<!\\)\$", re.DOTALL)


def fit_math(tex: str) -> str:
    r"""LaTeX written elsewhere (a proof's write-up) with its math fitted to the page: each
    right-hand side of an ``align*`` row and each inline formula is scaled down where it is
    wider than the line (``\symactfit``), so that exact numbers too long for the page stay exact.

    Examples:
        >>> fit_math("Take $a = 1$.")
        'Take \\symactfit{\\linewidth}{$a = 1$}.'
        >>> print(fit_math("\\begin{align*}\nf(0) &= 0\n\\end{align*}"))
        \begin{align*}
        f(0) &= \symactfit{\dimexpr\linewidth-14em\relax}{$\displaystyle 0$}
        \end{align*}
    """

    def row(r: str) -> str:
        left, sep, right = r.partition(" &= ")
        if not sep:
            return r
        return f"{left}{sep}\\symactfit{{\\dimexpr\\linewidth-14em\\relax}}{{$\\displaystyle {right}$}}"

    def align(m: re.Match[str]) -> str:
        return m.group(1) + " \\\\\n".join(row(r) for r in m.group(2).split(" \\\\\n")) + m.group(3)

    def inline(text: str) -> str:
        return _INLINE.sub(lambda m: f"\\symactfit{{\\linewidth}}{{${m.group(1)}$}}", text)

    out, end = [], 0
    for m in _ALIGN.finditer(tex):
        out += [inline(tex[end : m.start()]), align(m)]
        end = m.end()
    return "".join([*out, inline(tex[end:])])


def _target(anchor: str) -> str:
    return "act:" + "".join(ch if ch.isalnum() else "-" for ch in anchor)


def _split(spec: str) -> list[str]:
    """The column specs of ``>{...}p{...}`` runs, one per column."""
    parts = spec.split(">")[1:]
    return [">" + p for p in parts]
