"""The typography every proof write-up shares: one :class:`Fmt` per output format.

A write-up is built from a few primitives (inline math, displayed chains of
equalities, labels such as "Theorem.", the end-of-proof mark) that look
different in plain text, Markdown and LaTeX. :class:`Fmt` gives them for one
format, so a renderer (:mod:`proofs.render`, :mod:`proofs.render_collapse`)
writes each sentence once. This module imports nothing from the proof records,
so the records can import the renderers that use it.

Examples:
    >>> from sympy import Rational
    >>> Fmt("text").eq("m", Rational(1, 2)), Fmt("markdown").eq("m", Rational(1, 2)), Fmt("latex").eq("m", Rational(1, 2))
    ('m = 1/2', '`m = 1/2`', '$m = \\\\frac{1}{2}$')
    >>> print(Fmt("text").rows([["f(1)", "1"], ["f(0)", "0"]]))
        f(1) = 1
        f(0) = 0
"""

from __future__ import annotations

import sympy

__all__ = ["FORMATS", "Fmt", "latex_document"]

#: The output formats of every write-up.
FORMATS: tuple[str, ...] = ("text", "markdown", "latex")

#: How running text escapes LaTeX's special characters.
LATEX_ESCAPES: dict[str, str] = {
    "\\": r"\textbackslash{}",
    "_": r"\_",
    "%": r"\%",
    "&": r"\&",
    "#": r"\#",
    "$": r"\$",
    "{": r"\{",
    "}": r"\}",
    "^": r"\^{}",
    "~": r"\~{}",
    "<": r"\textless{}",
    ">": r"\textgreater{}",
}


class Fmt:
    """The few typographic primitives a proof needs, in one output format (``"text"``, ``"markdown"``, ``"latex"``)."""

    def __init__(self, kind: str) -> None:
        if kind not in FORMATS:
            raise ValueError(f"unknown format {kind!r}")
        self.kind = kind

    def m(self, expr: object) -> str:
        """Inline math for a SymPy expression."""
        e = sympy.sympify(expr, strict=True)
        if self.kind == "latex":
            return f"${sympy.latex(e)}$"
        text = sympy.sstr(e)
        return f"`{text}`" if self.kind == "markdown" else text

    def f(self, text: str) -> str:
        """Inline math for a formula given as plain text such as ``f(a + b)``."""
        if self.kind == "latex":
            return "$" + self.rawf(text) + "$"
        return f"`{text}`" if self.kind == "markdown" else text

    def eq(self, name: str, value: object) -> str:
        """Inline math ``name = value``."""
        return (
            self.f(f"{name} = {self.raw(value)}") if self.kind != "latex" else "$" + f"{name} = {self.raw(value)}" + "$"
        )

    def t(self, text: str) -> str:
        """Running text (escaped for LaTeX)."""
        if self.kind != "latex":
            return text
        return "".join(LATEX_ESCAPES.get(ch, ch) for ch in text)

    def code(self, text: str) -> str:
        """Verbatim-looking text (a reason, a formula in SymPy syntax)."""
        if self.kind == "latex":
            return r"\texttt{" + self.t(text) + "}"
        return f"`{text}`" if self.kind == "markdown" else text

    def label(self, word: str) -> str:
        """A paragraph label such as "Theorem." or "Proof."."""
        if self.kind == "latex":
            return rf"\textbf{{{word}.}}"
        if self.kind == "markdown":
            return f"**{word}.**"
        return f"{word}."

    def rows(self, rows: list[list[str]]) -> str:
        """Displayed chains of equalities; each row is a list of already formatted math terms."""
        if self.kind == "latex":
            body = " \\\\\n".join(r[0] + (" &= " + " = ".join(r[1:]) if len(r) > 1 else "") for r in rows)
            return "\\begin{align*}\n" + body + "\n\\end{align*}"
        lines = [" = ".join(r) for r in rows]
        if self.kind == "markdown":
            return "\n".join(f"- `{line}`" for line in lines)
        return "\n".join(f"    {line}" for line in lines)

    def qed(self) -> str:
        """The end-of-proof mark."""
        return r"$\blacksquare$" if self.kind == "latex" else ("∎" if self.kind == "markdown" else "QED")

    def raw(self, expr: object) -> str:
        """Math without delimiters (for display rows)."""
        e = sympy.sympify(expr, strict=True)
        return sympy.latex(e) if self.kind == "latex" else sympy.sstr(e)

    def rawf(self, text: str) -> str:
        """A plain-text formula without delimiters (``!=`` and ``oo`` become LaTeX symbols)."""
        if self.kind != "latex":
            return text
        return (
            text.replace("!=", r"\neq ")
            .replace("-oo", r"-\infty")
            .replace("(oo", r"(\infty")
            .replace(" oo", r" \infty")
        )

    def paren(self, value: object) -> str:
        """:meth:`raw`, in parentheses when ``value`` is a sum or negative (as a factor or a summand after +)."""
        e = sympy.sympify(value, strict=True)
        text = self.raw(e)
        if e.is_Add or e.could_extract_minus_sign():
            return rf"\left({text}\right)" if self.kind == "latex" else f"({text})"
        return text

    def times(self) -> str:
        """The multiplication sign between two factors."""
        return r" \cdot " if self.kind == "latex" else "*"

    def box(self, lo: str, hi: str) -> str:
        """The closed interval ``[lo, hi]`` as inline math."""
        return f"$[{lo}, {hi}]$" if self.kind == "latex" else self.f(f"[{lo}, {hi}]")


def latex_document(body: str) -> str:
    """``body`` as a complete LaTeX document that compiles with plain ``pdflatex`` (``amsmath`` only).

    Examples:
        >>> print(latex_document("Hello."))
        \\documentclass{article}
        \\usepackage{amsmath}
        \\usepackage{amssymb}
        \\begin{document}
        \\sloppy
        Hello.
        \\end{document}
        <BLANKLINE>
    """
    return (
        "\\documentclass{article}\n\\usepackage{amsmath}\n\\usepackage{amssymb}\n"
        "\\begin{document}\n\\sloppy\n" + body + "\n\\end{document}\n"
    )
